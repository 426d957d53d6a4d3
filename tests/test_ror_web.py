"""The ROR API v2 routes over the local records, compared with real recorded ROR API responses."""

from __future__ import annotations

import json

import pytest
import requests

from jobgraph.ingest import ingest
from jobgraph.store import OxigraphStore
from jobgraph.web import create_app

from .conftest import DATA, LiveServer, shared_path

API = ("ror", "api", "v2")


def recorded(name: str) -> dict:
    return json.loads(shared_path(*API, name).read_text())


@pytest.fixture(scope="module")
def ror_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The app over a store holding data/ and the records of the recorded API responses, on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("ror-web")
    records = [json.loads(p.read_text()) for p in sorted(shared_path(*API).glob("organization_0*.json"))
               if ".lupo" not in p.name]
    dump = folder / "recorded-records.json"
    dump.write_text(json.dumps(records))
    store = OxigraphStore(folder / "store")
    assert not ingest([DATA, dump], store).failures
    server = LiveServer(create_app(store))
    yield server
    server.stop()


def get(server: LiveServer, path: str, **params: str) -> requests.Response:
    return requests.get(server.url + path, params=params, timeout=30)


@pytest.mark.parametrize("form", ["02catss52", "https://ror.org/02catss52", "ror.org/02catss52"])
def test_a_record_is_served_exactly_as_ror_serves_it(ror_server: LiveServer, form: str) -> None:
    resp = get(ror_server, f"/organizations/{form}")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/json"
    assert resp.json() == recorded("organization_02catss52.json")


def test_unknown_and_malformed_ids_get_rors_error_shape(ror_server: LiveServer) -> None:
    missing = get(ror_server, "/organizations/0zzzzzz99")
    assert missing.status_code == 404 and list(missing.json()) == ["errors"]
    assert "0zzzzzz99" in missing.json()["errors"][0]
    bad = get(ror_server, "/organizations/id")
    assert bad.status_code == 400 and bad.json() == recorded("organization_not-found_404.json")


def test_query_by_external_id_and_by_name(ror_server: LiveServer) -> None:
    real = recorded("query_grid.5335.0.json")
    ours = get(ror_server, "/organizations", query='"grid.5335.0"').json()
    assert set(ours) == set(real) and set(ours["meta"]) == set(real["meta"])
    assert [i["id"] for i in ours["items"]] == [i["id"] for i in real["items"]] == ["https://ror.org/013meh722"]
    assert ours["items"][0] == recorded("organization_013meh722.json")
    by_name = get(ror_server, "/organizations", query="cambridge").json()
    assert by_name["number_of_results"] >= 1 and by_name["items"][0]["id"] == "https://ror.org/013meh722"
    assert by_name["meta"]["countries"] == [{"id": "gb", "title": "United Kingdom", "count": 1}]
    empty = get(ror_server, "/organizations", query="xxx").json()
    assert empty == {**recorded("query_xxx_empty.json"), "time_taken": empty["time_taken"]}


def test_filter_and_pages(ror_server: LiveServer) -> None:
    result = get(ror_server, "/organizations", filter="types:education,country.country_code:GB").json()
    names = {i["id"] for i in result["items"]}
    assert {"https://ror.org/052gg0110", "https://ror.org/013meh722", "https://ror.org/02jx3x895"} <= names
    assert all(i["locations"][0]["geonames_details"]["country_code"] == "GB" for i in result["items"])
    assert get(ror_server, "/organizations", page="2").json()["items"][0]["id"] > "https://ror.org/0"
    bad = get(ror_server, "/organizations", filter="colour:blue")
    assert bad.status_code == 400 and "not supported" in bad.json()["errors"][0]


def test_affiliation_matching(ror_server: LiveServer) -> None:
    result = get(ror_server, "/organizations", affiliation="Department of Zoology, University of Cambridge, UK").json()
    first = result["items"][0]
    assert first["chosen"] and first["organization"]["id"] == "https://ror.org/013meh722"
    assert first["matching_type"] == "HEURISTICS" and first["substring"] == "University of Cambridge"
    assert set(first) == {"substring", "score", "matching_type", "chosen", "organization"}
    exact = get(ror_server, "/organizations", affiliation="DataCite").json()["items"][0]
    assert (exact["matching_type"], exact["score"], exact["chosen"]) == ("EXACT", 1.0, True)
    assert get(ror_server, "/organizations", affiliation="zzzz").json() == recorded(
        "affiliation_cern_empty.from-issue.json")


def test_postings_of_an_organisation(ror_server: LiveServer) -> None:
    result = get(ror_server, "/organizations/04wxnsj81/postings").json()
    assert result["organization"] == "https://ror.org/04wxnsj81"
    assert "PID Metadata Specialist" in [i["title"] for i in result["items"]]
    assert all(i["id"].startswith("https://w3id.org/jobgraph/posting/") for i in result["items"])
    assert get(ror_server, "/organizations/0zzzzzz99/postings").status_code == 404
