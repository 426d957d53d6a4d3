"""`--ror-api URL`: ids not in the local records are resolved through the ROR API (timeout, retry, disk cache),
tested against a real HTTP server on 127.0.0.1 answering with real recorded ROR API responses."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from jobgraph.link.ror_api import RorClient
from jobgraph.link.ror_dump import stored_records
from jobgraph.store import OxigraphStore
from jobgraph.vocab import sparql_prefixes

from .conftest import run_cli, shared_path

EBI = "https://ror.org/02catss52"


class RecordedRor:
    """A ROR API stand-in: /organizations/{id} (also the ror.org/{id} form) from the recorded files, ROR's
    404 body for anything else, the recorded empty body for ?affiliation=; fails the first N requests."""

    def __init__(self, folder: Path, fail_first: int = 0, version: str = "v2") -> None:
        self.requests: list[str] = []
        self.fail_first = fail_first
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                outer.requests.append(self.path)
                url = urlparse(self.path)
                if len(outer.requests) <= outer.fail_first:
                    return self._send(503, {"errors": ["busy"]})
                if url.path == f"/{version}/organizations" and "affiliation" in parse_qs(url.query):
                    return self._send(200, json.loads((folder / "affiliation_cern_empty.from-issue.json").read_text()))
                ror_id = url.path.removeprefix(f"/{version}/organizations/").removeprefix("ror.org/")
                record = folder / f"organization_{ror_id}.json"
                if url.path.startswith(f"/{version}/organizations/") and record.exists():
                    return self._send(200, json.loads(record.read_text()))
                return self._send(404, {"errors": [f"'{ror_id}' is not a valid ROR ID"]})

            def _send(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/{version}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def ror_api() -> Iterator[RecordedRor]:
    server = RecordedRor(shared_path("ror", "api", "v2"))
    yield server
    server.stop()


def test_a_record_is_fetched_once_then_read_from_the_cache(ror_api: RecordedRor, tmp_path: Path) -> None:
    client = RorClient(ror_api.url, cache_dir=tmp_path)
    record = client.record(EBI)
    assert record == json.loads(shared_path("ror", "api", "v2", "organization_02catss52.json").read_text())
    assert client.record("https://ror.org/0zzzzzz99") is None  # ROR's 404
    ror_api.stop()
    offline = RorClient(ror_api.url, cache_dir=tmp_path, retries=0, timeout=1)
    assert offline.record(EBI) == record and offline.record("https://ror.org/0zzzzzz99") is None
    assert len(ror_api.requests) == 2


def test_a_v1_api_answer_is_read_in_the_v2_shape(tmp_path: Path) -> None:
    v1 = RecordedRor(shared_path("ror", "api", "v1"), version="v1")
    try:
        record = RorClient(v1.url, cache_dir=tmp_path).record(EBI)
    finally:
        v1.stop()
    v2 = json.loads(shared_path("ror", "api", "v2", "organization_02catss52.json").read_text())
    assert record["names"][0]["value"] == "European Bioinformatics Institute"
    assert {e["type"]: e["all"] for e in record["external_ids"]} == {e["type"]: e["all"] for e in v2["external_ids"]}
    assert record["relationships"] == v2["relationships"]
    assert record["locations"][0]["geonames_id"] == v2["locations"][0]["geonames_id"]


def test_retries_after_a_server_error_and_warns_when_unreachable(tmp_path: Path) -> None:
    flaky = RecordedRor(shared_path("ror", "api", "v2"), fail_first=2)
    try:
        assert RorClient(flaky.url, cache_dir=tmp_path / "a").record(EBI)["id"] == EBI
        assert len(flaky.requests) == 3
    finally:
        flaky.stop()
    warnings: list[str] = []
    gone = RorClient(flaky.url, cache_dir=tmp_path / "b", retries=1, timeout=1, on_error=warnings.append)
    assert gone.record(EBI) is None
    assert "cannot reach the ROR API" in warnings[0] and "--ror-api" in warnings[0]


def test_ingest_resolves_an_unknown_employer_id_through_the_api(ror_api: RecordedRor, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ebi.md").write_text("# Data Curator\n\nWe are looking for a data curator for our archives.\n")
    (folder / "ebi.md.meta.yaml").write_text(f"employer_ror: {EBI}\npublisher: EMBL-EBI\n")
    store_path = tmp_path / "store"
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    run_cli("ingest", "--store", str(store_path), "--ror-api", ror_api.url, str(folder), env=env)
    assert any("02catss52" in path for path in ror_api.requests)
    store = OxigraphStore(store_path)
    assert EBI in {rec["id"] for rec in stored_records(store)}
    rows = store.query(sparql_prefixes() + """SELECT ?name ?parent WHERE { ?p schema:title "Data Curator"@en ;
        schema:hiringOrganization ?o . ?o schema:name ?name ; schema:parentOrganization ?parent }""")
    assert [(r[0].value, r[1].value) for r in rows] == [("European Bioinformatics Institute",
                                                         "https://ror.org/03mstc592")]


def test_ror_match_asks_rors_affiliation_matching_when_nothing_local_is_reliable(ror_api: RecordedRor,
                                                                                  tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "JOBGRAPH_STORE": str(tmp_path / "none")}
    proc = run_cli("ror", "match", "--json", "--ror-api", ror_api.url, "Zarr", env=env)
    assert json.loads(proc.stdout)["chosen"] is None
    assert any("affiliation=Zarr" in path for path in ror_api.requests)
