"""The store backends: the embedded Oxigraph store and SparqlStore over a real ``oxigraph serve`` answer alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, QueryBoolean, QuerySolutions, QueryTriples, RdfFormat, Variable

from jobgraph.store import GraphStore, GraphWrite, SparqlStore, StoreError, endpoint_urls
from jobgraph.vocab import JG, SCHEMA, graph_iri, sparql_prefixes
from jobgraph.web.child import free_port

from .conftest import DATA, run_cli

PREFIXES = sparql_prefixes()
G = NamedNode("https://w3id.org/jobgraph/source/test-doc")


def _rows(result: QuerySolutions) -> list[tuple]:
    return sorted(tuple(t.value if t is not None else None for t in sol) for sol in result)


@pytest.mark.parametrize("query", [
    "SELECT ?t ?o WHERE { ?p a schema:JobPosting ; schema:title ?t ; schema:hiringOrganization ?o }",
    "SELECT ?g (COUNT(?p) AS ?n) WHERE { GRAPH ?g { ?p a schema:JobPosting } } GROUP BY ?g",
    "SELECT ?label WHERE { ?c a skos:Concept ; skos:prefLabel ?label } ORDER BY ?label LIMIT 20",
])
def test_select_results_are_the_same_on_both_backends(seeds_store, remote_seeds_store, query: str) -> None:
    # type: ignore[no-untyped-def]
    local, remote = seeds_store.query(PREFIXES + query), remote_seeds_store.query(PREFIXES + query)
    assert isinstance(remote, QuerySolutions)
    assert [v.value for v in remote.variables] == [v.value for v in local.variables]
    rows = _rows(remote)
    assert rows and rows == _rows(local)


def test_ask_construct_describe_give_pyoxigraph_objects(seeds_store, remote_seeds_store) -> None:
    # type: ignore[no-untyped-def]
    for store in (seeds_store, remote_seeds_store):
        yes = store.query(PREFIXES + "ASK { ?p schema:title ?t FILTER(STR(?t) = 'ROR Technical Lead') }")
        no = store.query(PREFIXES + "ASK { ?p schema:title ?t FILTER(STR(?t) = 'No Such Job') }")
        assert isinstance(yes, QueryBoolean) and bool(yes) and not bool(no)
    construct = PREFIXES + "CONSTRUCT { ?p schema:title ?t } WHERE { ?p a schema:JobPosting ; schema:title ?t }"
    local, remote = seeds_store.query(construct), remote_seeds_store.query(construct)
    assert isinstance(remote, QueryTriples)
    remote_triples = set(remote)
    assert len(remote_triples) > 10 and remote_triples == set(local)
    turtle = remote_seeds_store.query(construct).serialize(format=RdfFormat.TURTLE).decode()
    assert "ROR Technical Lead" in turtle
    describe = PREFIXES + "DESCRIBE ?p WHERE { ?p schema:title ?t FILTER(STR(?t) = 'ROR Technical Lead') }"
    assert set(remote_seeds_store.query(describe)) == set(seeds_store.query(describe))


def test_query_options_map_onto_the_protocol(seeds_store, remote_seeds_store) -> None:  # type: ignore[no-untyped-def]
    query = "SELECT ?p ?t WHERE { ?p schema:title ?t }"
    lead = "SELECT ?t { ?p schema:title ?t FILTER(STR(?t) = 'ROR Technical Lead') }"
    title = next(iter(seeds_store.query(PREFIXES + lead)))["t"]
    subs = {Variable("t"): title}
    for store in (seeds_store, remote_seeds_store):
        assert len(_rows(store.query(PREFIXES + query, substitutions=subs))) == 1
        only_ror = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph=graph_iri("ror"))
        in_ror = len(list(store.quads(graph_iri("ror"))))
        assert int(next(iter(only_ror))["n"].value) == in_ror > 0
        relative = store.query("ASK { <ror> ?p ?o }", base_iri="https://w3id.org/jobgraph/graph/")
        assert not bool(relative)


def test_a_query_that_does_not_parse_is_a_syntax_error_on_both(backend_store: GraphStore) -> None:
    with pytest.raises(SyntaxError):
        backend_store.query("SELECT WHERE {")
    with pytest.raises(SyntaxError):
        backend_store.update("INSERT DATA { nonsense")


def test_replace_graph_replaces_exactly_that_graph(backend_store: GraphStore) -> None:
    store = backend_store
    other = NamedNode("https://w3id.org/jobgraph/source/other")
    store.replace_graph(other, [Quad(other, JG.sha256, Literal("b" * 64))])
    shared = graph_iri("organizations")
    org = NamedNode("https://w3id.org/jobgraph/org/example")
    first = [Quad(G, JG.sha256, Literal("a" * 64)), Quad(G, SCHEMA.title, Literal("Old title")),
             Quad(org, SCHEMA.name, Literal("Example Org"), shared)]
    assert store.replace_graph(G, first) == 3
    assert store.graph_sha256(G) == "a" * 64
    assert store.replace_graph(G, [Quad(G, JG.sha256, Literal("c" * 64)), Quad(G, SCHEMA.title, Literal("New"))]) == 2
    assert {q.object.value for q in store.quads(G)} == {"c" * 64, "New"}
    assert [q.object.value for q in store.quads(shared)] == ["Example Org"]  # shared facts are added, not replaced
    assert store.graph_sha256(other) == "b" * 64
    assert dict(store.source_digests()) == {G.value: "c" * 64, other.value: "b" * 64}
    assert {g.value for g in store.named_graphs()} == {G.value, other.value, shared.value}
    assert len(store) == 4
    store.remove_graph(G)
    assert store.graph_sha256(G) is None and list(store.quads(G)) == []


def test_write_graphs_batches_new_and_replaced_documents(backend_store: GraphStore) -> None:
    from pyoxigraph import serialize

    store = backend_store
    store.replace_graph(G, [Quad(G, SCHEMA.title, Literal("stale"))])

    def write(graph: NamedNode, title: str) -> GraphWrite:
        quads = [Quad(graph, JG.sha256, Literal(title * 8), graph), Quad(graph, SCHEMA.title, Literal(title), graph)]
        return GraphWrite(graph.value, serialize(quads, format=RdfFormat.N_QUADS), len(quads))

    graphs = [NamedNode(f"https://w3id.org/jobgraph/source/doc-{i}") for i in range(50)]
    store.write_graphs([write(G, "fresh"), *(write(g, f"title {i}") for i, g in enumerate(graphs))])
    assert {q.object.value for q in store.quads(G)} == {"fresh" * 8, "fresh"}
    assert len(dict(store.source_digests())) == 51
    assert len(store) == 102


def test_remote_writes_are_split_into_requests_under_the_body_limit(oxigraph_server) -> None:
    # type: ignore[no-untyped-def]
    from pyoxigraph import serialize

    store = SparqlStore(oxigraph_server.url, max_update_bytes=2_000)
    writes = []
    for i in range(40):
        g = NamedNode(f"https://w3id.org/jobgraph/source/doc-{i}")
        quads = [Quad(g, SCHEMA.description, Literal(f"{i} " + "x" * 300), g)]
        writes.append(GraphWrite(g.value, serialize(quads, format=RdfFormat.N_QUADS), 1))
    big = NamedNode("https://w3id.org/jobgraph/source/big")  # over the limit alone: written with a GSP PUT
    writes.append(GraphWrite(big.value, serialize([Quad(big, SCHEMA.description, Literal("y" * 5_000), big)],
                                                  format=RdfFormat.N_QUADS), 1))
    store.write_graphs(writes)
    assert len(store) == 41
    assert [q.object.value for q in store.quads(big)] == ["y" * 5_000]


def test_an_unreachable_or_wrong_store_says_what_to_do(oxigraph_server) -> None:  # type: ignore[no-untyped-def]
    port = free_port()  # nothing listens there
    with pytest.raises(StoreError, match="cannot reach the SPARQL store .* Is the server running"):
        SparqlStore(f"http://127.0.0.1:{port}/query").query("ASK {}")
    wrong = SparqlStore(oxigraph_server.url, update_url=oxigraph_server.url.replace("/query", "/nope"))
    with pytest.raises(StoreError, match="answered 404.*JOBGRAPH_SPARQL_UPDATE_URL"):
        wrong.replace_graph(G, [Quad(G, SCHEMA.title, Literal("x"))])
    assert len(SparqlStore(oxigraph_server.url)) == 0


def test_endpoint_urls_follow_each_servers_conventions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOBGRAPH_SPARQL_UPDATE_URL", raising=False)
    monkeypatch.delenv("JOBGRAPH_SPARQL_GSP_URL", raising=False)
    assert endpoint_urls("http://h:7878/query") == ("http://h:7878/query", "http://h:7878/update", "http://h:7878/store")
    assert endpoint_urls("http://h:3030/jobs/query")[1:] == ("http://h:3030/jobs/update", "http://h:3030/jobs/store")
    assert endpoint_urls("http://h:8890/sparql")[1:] == ("http://h:8890/sparql", "http://h:8890/sparql-graph-crud")
    assert endpoint_urls("http://h:7200/repositories/jobs")[1:] == (
        "http://h:7200/repositories/jobs/statements", "http://h:7200/repositories/jobs/rdf-graphs/service")
    assert endpoint_urls("http://h:7001/")[1:] == ("http://h:7001/", None)
    monkeypatch.setenv("JOBGRAPH_SPARQL_GSP_URL", "http://h:3030/jobs/data")
    assert endpoint_urls("http://h:3030/jobs/query")[2] == "http://h:3030/jobs/data"


def test_cli_ingest_query_and_extract_with_a_store_url(oxigraph_server, tmp_path: Path) -> None:
    # type: ignore[no-untyped-def]
    url = oxigraph_server.url
    proc = run_cli("ingest", "--store", url, str(DATA))
    assert f"store: {url}" in proc.stderr and "10 postings" in proc.stdout
    query = PREFIXES + "SELECT ?title WHERE { ?p a schema:JobPosting ; schema:title ?title } ORDER BY ?title"
    lines = run_cli("query", "--store", url, "--format", "csv", query).stdout.strip().splitlines()
    assert lines[0].strip() == "title" and "PID Metadata Specialist" in [line.strip() for line in lines]
    extracted = run_cli("extract", "--store", url, str(DATA / "postings" / "datacite-openings.md")).stdout
    assert "https://ror.org/04wxnsj81" in extracted
