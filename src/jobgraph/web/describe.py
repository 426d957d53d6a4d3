"""What the endpoint and the dataset are, in RDF: a SPARQL Service Description and a VoID description.

The Service Description answers GET /sparql without a query (as the SPARQL 1.1 Service Description
spec asks); VoID is at /.well-known/void (RFC 5785 / VoID section 7). Both are negotiated like a
CONSTRUCT result. The VoID statistics cost a few full-store queries, so they are cached.
"""

from __future__ import annotations

import json
import threading
import time

from flask import Response, current_app, request
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, Store

from ..formats import GRAPH_FORMATS
from ..vocab import DCT, FORMATS, JG, PROV, RDF, RDFS, SCHEMA, SD, SKOS, VOID, XSD, base_iri
from .engine import Dataset, EngineError
from .sparql import CORS, bp, engine, error, negotiate

RESULT_FORMAT_IRIS = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                      "Turtle", "N-Triples", "RDF_XML", "JSON-LD", "N-Quads", "TriG"]
VOID_TTL_S = 300.0
_void_cache: dict[str, tuple[float, list[tuple]]] = {}
_void_lock = threading.Lock()


def _serialize(triples: list[tuple]) -> Response:
    mime = negotiate(GRAPH_FORMATS)
    if mime is None:
        return error(406, "not acceptable: this description is offered as " + ", ".join(GRAPH_FORMATS))
    store = Store()
    store.extend(Quad(s, p, o) for s, p, o in triples)
    return Response(_dump(store, mime), mimetype=mime, headers=CORS)


def _dump(store: Store, mime: str) -> bytes:
    fmt = GRAPH_FORMATS[mime]
    if fmt.supports_datasets:
        return store.dump(format=fmt)
    return store.dump(format=fmt, from_graph=DefaultGraph())


def service_description() -> Response:
    """sd:Service for this endpoint: languages, result formats, features, and where VoID is."""
    cfg = current_app.config
    root = request.url_root.rstrip("/")
    service = NamedNode(root + "/sparql")
    dataset, graph = BlankNode(), BlankNode()
    triples = [
        (service, RDF.type, SD.Service),
        (service, SD.endpoint, service),
        (service, SD.supportedLanguage, SD.SPARQL11Query),
        (service, SD.feature, SD.UnionDefaultGraph),
        (service, SD.defaultEntailmentRegime, NamedNode("http://www.w3.org/ns/entailment/Simple")),
        (service, SD.defaultDataset, dataset),
        (dataset, RDF.type, SD.Dataset),
        (dataset, SD.defaultGraph, graph),
        (graph, RDF.type, SD.Graph),
        (service, RDFS.seeAlso, NamedNode(root + "/.well-known/void")),
        (service, DCT.title, Literal("jobgraph SPARQL endpoint")),
    ]
    triples += [(service, SD.resultFormat, FORMATS.term(name)) for name in RESULT_FORMAT_IRIS]
    if cfg.get("JOBGRAPH_UPDATE_TOKEN"):
        triples.append((service, SD.supportedLanguage, SD.SPARQL11Update))
    if cfg.get("JOBGRAPH_ALLOW_SERVICE"):
        triples.append((service, SD.feature, SD.BasicFederatedQuery))
    return _serialize(triples)


def _count(query: str) -> list[dict]:
    """Rows of an internal SELECT through the configured engine (so the timeout applies here too; the row cap
    for clients does not: the query bounds itself)."""
    answer = engine().query(query, "application/sparql-results+json", Dataset(), None, max_rows=1000)
    body = answer.body if isinstance(answer.body, bytes) else b"".join(answer.body)
    rows = json.loads(body)["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in rows]


def _statistics(ds: NamedNode) -> list[tuple]:
    key = ds.value
    with _void_lock:
        cached = _void_cache.get(key)
        if cached and time.monotonic() - cached[0] < VOID_TTL_S:
            return cached[1]
        triples: list[tuple] = []
        try:
            for row in _count("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"):
                triples.append((ds, VOID.triples, Literal(row["n"], datatype=XSD.integer)))
            for row in _count("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n) "
                              "LIMIT 100"):
                part = BlankNode()
                triples += [(ds, VOID.classPartition, part), (part, VOID.term("class"), NamedNode(row["c"])),
                            (part, VOID.entities, Literal(row["n"], datatype=XSD.integer))]
        except (EngineError, KeyError, ValueError) as err:
            current_app.logger.warning("VoID statistics left out: %s", err)
        _void_cache[key] = (time.monotonic(), triples)
        return triples


@bp.route("/.well-known/void")
def void() -> Response:
    """void:Dataset: the endpoint, the IRI space, the vocabularies used, and counts."""
    root = request.url_root.rstrip("/")
    ds = NamedNode(root + "/.well-known/void#jobgraph")
    triples = [
        (ds, RDF.type, VOID.Dataset),
        (ds, DCT.title, Literal("jobgraph")),
        (ds, DCT.description, Literal("Job postings of research and open-science employers, linked to ROR "
                                      "organisations and SKOS skills.", language="en")),
        (ds, VOID.sparqlEndpoint, NamedNode(root + "/sparql")),
        (ds, VOID.uriSpace, Literal(base_iri())),
        (ds, VOID.feature, FORMATS.term("Turtle")),
        (ds, VOID.feature, FORMATS.term("N-Triples")),
        (ds, VOID.feature, FORMATS.term("RDF_XML")),
    ]
    triples += [(ds, VOID.vocabulary, NamedNode(str(ns))) for ns in (SCHEMA, SKOS, PROV, DCT, JG)]
    triples += _statistics(ds)
    return _serialize(triples)
