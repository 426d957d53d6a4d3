"""/sparql beyond the W3C manifest, against `jobgraph serve` with the oxigraph engine over the seeds.

Service Description, VoID, every result format, CORS, the row cap on streamed results, parameters
bound the same way by both engines, the Graph Store Protocol behind the token, and the whole app
(landing page) talking to the oxigraph child.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
import rdflib
import requests

from jobgraph.vocab import sparql_prefixes

TOKEN = "protocol-test-token"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
POSTINGS = sparql_prefixes() + "SELECT ?p ?title WHERE { ?p a schema:JobPosting ; schema:title ?title } ORDER BY ?p"


@pytest.fixture(scope="module")
def server(seeds_store, serve_process, tmp_path_factory):  # type: ignore[no-untyped-def]
    copy = tmp_path_factory.mktemp("protocol") / "store"
    seeds_store.store.backup(str(copy))  # a consistent copy the child can open (the original stays locked)
    return serve_process(copy, "--update-token", TOKEN, "--max-rows", "7")


def get(server, query: str, **headers: str) -> requests.Response:  # type: ignore[no-untyped-def]
    return requests.get(server.url + "/sparql", params={"query": query}, headers=headers, timeout=30)


def test_service_description_at_sparql_without_a_query(server) -> None:  # type: ignore[no-untyped-def]
    resp = requests.get(server.url + "/sparql", headers={"Accept": "text/turtle"}, timeout=30)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=resp.text, format="turtle")
    service = rdflib.URIRef(server.url + "/sparql")
    assert (service, rdflib.RDF.type, SD.Service) in g
    assert (service, SD.endpoint, service) in g
    assert {SD.SPARQL11Query, SD.SPARQL11Update} <= set(g.objects(service, SD.supportedLanguage))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in set(g.objects(service, SD.resultFormat))
    assert (service, SD.feature, SD.UnionDefaultGraph) in g


def test_void_counts_the_postings(server, seeds_store) -> None:  # type: ignore[no-untyped-def]
    resp = requests.get(server.url + "/.well-known/void", headers={"Accept": "application/n-triples"}, timeout=30)
    assert resp.status_code == 200
    g = rdflib.Graph().parse(data=resp.text, format="nt")
    ds = rdflib.URIRef(server.url + "/.well-known/void#jobgraph")
    assert (ds, rdflib.RDF.type, VOID.Dataset) in g
    assert (ds, VOID.sparqlEndpoint, rdflib.URIRef(server.url + "/sparql")) in g
    partitions = {g.value(p, VOID["class"]): g.value(p, VOID.entities).toPython()
                  for p in g.objects(ds, VOID.classPartition)}
    expected = len(list(seeds_store.query(POSTINGS)))
    assert partitions[rdflib.URIRef("http://schema.org/JobPosting")] == expected == 15


@pytest.mark.parametrize(("fmt", "mime"), [("json", "application/sparql-results+json"),
                                           ("xml", "application/sparql-results+xml"), ("csv", "text/csv"),
                                           ("tsv", "text/tab-separated-values")])
def test_select_in_every_format_is_cut_at_the_row_cap(server, fmt: str, mime: str) -> None:  # type: ignore[no-untyped-def]
    by_param = requests.get(server.url + "/sparql", params={"query": POSTINGS, "format": fmt}, timeout=30)
    by_accept = get(server, POSTINGS, Accept=mime)
    for resp in (by_param, by_accept):
        assert resp.status_code == 200 and resp.headers["Content-Type"].startswith(mime)
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
    body = by_accept.text
    if fmt == "json":
        rows = json.loads(body)["results"]["bindings"]
    elif fmt == "xml":
        rows = list(rdflib.query.Result.parse(io.BytesIO(by_accept.content), format="xml"))
    else:
        rows = list(csv.reader(io.StringIO(body), delimiter="," if fmt == "csv" else "\t"))[1:]
    assert len(rows) == 7  # 15 postings, --max-rows 7, and the document is still valid


@pytest.mark.parametrize(("fmt", "rdflib_format"), [("turtle", "turtle"), ("nt", "nt"), ("rdfxml", "xml"),
                                                    ("jsonld", "json-ld"), ("nquads", "nquads"), ("trig", "trig")])
def test_construct_in_every_rdf_format(server, fmt: str, rdflib_format: str) -> None:  # type: ignore[no-untyped-def]
    query = sparql_prefixes() + "CONSTRUCT { ?p schema:title ?t } WHERE { ?p a schema:JobPosting ; schema:title ?t }"
    resp = requests.get(server.url + "/sparql", params={"query": query, "format": fmt}, timeout=30)
    assert resp.status_code == 200
    g = rdflib.Dataset() if fmt in ("nquads", "trig") else rdflib.Graph()
    g.parse(data=resp.content, format=rdflib_format)
    assert len(g) == 15 or sum(len(c) for c in g.graphs()) == 15


def test_406_415_and_cors_preflight(server) -> None:  # type: ignore[no-untyped-def]
    resp = get(server, "ASK {}", Accept="image/png")
    assert resp.status_code == 406 and "format=json" in resp.text
    resp = requests.post(server.url + "/sparql", data=b"ASK {}", headers={"Content-Type": "text/plain"}, timeout=30)
    assert resp.status_code == 415
    pre = requests.options(server.url + "/sparql", headers={"Origin": "https://example.org",
                                                            "Access-Control-Request-Method": "POST"}, timeout=30)
    assert pre.status_code == 204 and pre.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in pre.headers["Access-Control-Allow-Headers"]


def test_bad_query_gets_the_parsers_message(server) -> None:  # type: ignore[no-untyped-def]
    resp = get(server, "SELECT ?x WHERE { ?x ?y }")
    assert resp.status_code == 400 and "does not parse" in resp.text and "at 1:" in resp.text


def test_graph_store_protocol_behind_the_token(server) -> None:  # type: ignore[no-untyped-def]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    url = server.url + "/store?graph=https://example.org/gsp-test"
    put = requests.put(url, data=b"<https://example.org/s> <https://example.org/p> 1 .", timeout=30,
                       headers={**auth, "Content-Type": "text/turtle"})
    assert put.status_code in (201, 204), put.text
    got = requests.get(url, headers={**auth, "Accept": "application/n-triples"}, timeout=30)
    assert got.status_code == 200 and "<https://example.org/s>" in got.text
    assert get(server, "ASK { GRAPH <https://example.org/gsp-test> { ?s ?p 1 } }").json()["boolean"] is True
    assert requests.delete(url, headers=auth, timeout=30).status_code == 204
    assert get(server, "ASK { GRAPH <https://example.org/gsp-test> { ?s ?p ?o } }").json()["boolean"] is False
    assert requests.get(url, timeout=30).status_code == 401


def test_the_whole_app_talks_to_the_child(server) -> None:  # type: ignore[no-untyped-def]
    page = requests.get(server.url + "/", timeout=30)
    assert page.status_code == 200 and "<strong>15</strong> postings" in page.text


def test_substitutions_bind_alike_in_both_engines(seeds_store, server) -> None:  # type: ignore[no-untyped-def]
    """In-process pre-binding (SEP-0007) and the child's trailing VALUES block give the same rows."""
    from jobgraph.web import create_app
    from jobgraph.web.child import values_clause
    from jobgraph.web.sparql import respond

    title = next(iter(seeds_store.query(POSTINGS)))["title"]
    with create_app(seeds_store).test_request_context("/?format=csv"):
        local = b"".join(respond(POSTINGS, {"title": title}).response)
    served = requests.get(server.url + "/sparql", params={"query": POSTINGS + values_clause({"title": title}),
                                                          "format": "csv"}, timeout=30).content
    assert local == served
    assert local.count(b"\n") == 2  # the header and the one posting with that title
