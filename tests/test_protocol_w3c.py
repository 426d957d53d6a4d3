"""Every test of the W3C SPARQL 1.1 Protocol manifest, each its own case, against `jobgraph serve`.

Query tests run against both engines (read-only servers over the W3C test graphs); update tests run
against a server with updates enabled (the bearer token is sent with every request of those tests).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from xml.etree import ElementTree

import pytest
import rdflib
import requests
from rdflib.namespace import Namespace

from .conftest import SHARED, load_w3c_protocol_data

MANIFEST = SHARED / "sparql" / "protocol" / "manifest.ttl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
TOKEN = "w3c-protocol-test-token"
RDF_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json",
             "application/n-quads", "application/trig")
RESULT_TYPES = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values")


@dataclass
class Step:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]
    boolean: bool | None
    fmt: str | None


@dataclass
class W3CTest:
    name: str
    title: str
    steps: list[Step] = field(default_factory=list)

    @property
    def is_update(self) -> bool:
        return "update" in self.name


def _manifest_tests() -> list[W3CTest]:
    if not MANIFEST.exists():
        return []
    g = rdflib.Graph().parse(MANIFEST, format="turtle")
    manifest = next(g.subjects(rdflib.RDF.type, MF.Manifest))
    tests = []
    for entry in rdflib.collection.Collection(g, g.value(manifest, MF.entries)):
        test = W3CTest(str(entry).rsplit("#", 1)[1], str(g.value(entry, MF.name)))
        connection = g.value(entry, MF.action)
        for req in rdflib.collection.Collection(g, g.value(connection, HT.requests)):
            headers = {}
            if (hlist := g.value(req, HT.headers)) is not None:
                for h in rdflib.collection.Collection(g, hlist):
                    headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
            body = None
            if (b := g.value(req, HT.body)) is not None:
                body = str(g.value(b, CNT.chars)).encode(str(g.value(b, CNT.characterEncoding) or "UTF-8"))
            resp = g.value(req, HT.resp)
            boolean = g.value(resp, MF.expectedBoolean)
            fmt = g.value(resp, MF.expectedFormat)
            test.steps.append(Step(str(g.value(req, HT.methodName)), str(g.value(req, HT.absolutePath)), headers,
                                   body, {str(s).rsplit("#", 1)[1] for s in g.objects(resp, MF.expectedStatus)},
                                   None if boolean is None else boolean.toPython(), None if fmt is None else str(fmt)))
        tests.append(test)
    return tests


TESTS = _manifest_tests()
QUERY_TESTS = [t for t in TESTS if not t.is_update]
UPDATE_TESTS = [t for t in TESTS if t.is_update]


def test_the_manifest_is_read_whole() -> None:
    if not MANIFEST.exists():
        pytest.skip(f"{MANIFEST} is absent")
    assert len(TESTS) == 34 and len(UPDATE_TESTS) == 14


@pytest.fixture(scope="session", params=["oxigraph", "embedded"])
def query_server(request, serve_process, tmp_path_factory):  # type: ignore[no-untyped-def]
    store = load_w3c_protocol_data(tmp_path_factory.mktemp("w3c") / f"store-{request.param}")
    return serve_process(store, "--engine", request.param)


@pytest.fixture(scope="session")
def update_server(serve_process, tmp_path_factory):  # type: ignore[no-untyped-def]
    return serve_process(tmp_path_factory.mktemp("w3c-update") / "store", "--update-token", TOKEN)


def _status_class(code: int) -> str:
    return f"StatusCode{code // 100}xx"


def _boolean(resp: requests.Response) -> bool:
    ctype = resp.headers["Content-Type"].split(";")[0]
    if ctype == "application/sparql-results+json":
        return json.loads(resp.content)["boolean"]
    assert ctype == "application/sparql-results+xml", ctype
    node = ElementTree.fromstring(resp.content).find("{http://www.w3.org/2005/sparql-results#}boolean")
    assert node is not None
    return node.text == "true"


def run_steps(test: W3CTest, url: str, extra_headers: dict[str, str]) -> None:
    for step in test.steps:
        assert step.path.startswith("/sparql/")
        resp = requests.request(step.method, url + step.path, data=step.body, timeout=60,
                                headers={**step.headers, **extra_headers}, allow_redirects=False)
        assert _status_class(resp.status_code) in step.statuses, (resp.status_code, resp.text)
        assert "Traceback" not in resp.text
        ctype = resp.headers.get("Content-Type", "").split(";")[0]
        if step.fmt == "boolean":
            assert ctype in RESULT_TYPES[:2], ctype
        elif step.fmt == "tabular":
            assert ctype in RESULT_TYPES, ctype
            assert "value" in resp.text
        elif step.fmt == "RDF":
            assert ctype in RDF_TYPES, ctype
            rdflib.Graph().parse(data=resp.content, format={"text/turtle": "turtle", "application/n-triples": "nt",
                                                            "application/rdf+xml": "xml"}.get(ctype, "json-ld"))
        if step.boolean is not None:
            assert _boolean(resp) is step.boolean


@pytest.mark.parametrize("test", QUERY_TESTS, ids=[t.name for t in QUERY_TESTS])
def test_w3c_protocol_query(test: W3CTest, query_server) -> None:  # type: ignore[no-untyped-def]
    run_steps(test, query_server.url, {})


@pytest.mark.parametrize("test", UPDATE_TESTS, ids=[t.name for t in UPDATE_TESTS])
def test_w3c_protocol_update(test: W3CTest, update_server) -> None:  # type: ignore[no-untyped-def]
    run_steps(test, update_server.url, {"Authorization": f"Bearer {TOKEN}"})
