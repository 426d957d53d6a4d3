"""Exports: every format round-trips into a fresh store as the same dataset, graph by graph."""

from __future__ import annotations

import json

import pytest
import rdflib
import requests
from pyoxigraph import BlankNode, RdfFormat, serialize
from rdflib.compare import isomorphic

from jobgraph import export
from jobgraph.store import OxigraphStore
from jobgraph.vocab import graph_iri
from tests.conftest import DATA, run_cli


def graph_of(quads) -> set[str] | rdflib.Graph:  # type: ignore[no-untyped-def]
    """A graph for comparison: its exact triples as N-Triples lines (lexical forms included), or, when it
    holds blank nodes, an rdflib graph for rdflib.compare.isomorphic."""
    triples = [q.triple for q in quads]
    if not any(isinstance(t, BlankNode) for tr in triples for t in (tr.subject, tr.object)):
        return {str(t) for t in triples}
    g = rdflib.Graph()
    g.parse(data=serialize(triples, format=RdfFormat.N_TRIPLES).decode(), format="nt")
    return g


def same(a, b) -> bool:  # type: ignore[no-untyped-def]
    if isinstance(a, set) or isinstance(b, set):
        return a == b
    return len(a) == len(b) and isomorphic(a, b)


def dataset(store: OxigraphStore) -> dict[str, set[str] | rdflib.Graph]:
    return {g.value: graph_of(store.quads(g)) for g in store.named_graphs()}


def union(store: OxigraphStore) -> set[str] | rdflib.Graph:
    return graph_of(q for g in store.named_graphs() for q in store.quads(g))


def reimport(path, fmt: export.Format, tmp_path) -> OxigraphStore:  # type: ignore[no-untyped-def]
    fresh = OxigraphStore(tmp_path / f"fresh-{fmt.name}")
    kwargs = {} if fmt.dataset else {"to_graph": graph_iri("imported")}
    fresh.store.load(path=str(path), format=fmt.rdf, **kwargs)
    return fresh


def assert_same(original: OxigraphStore, fresh: OxigraphStore, fmt: export.Format) -> None:
    if fmt.dataset:
        before, after = dataset(original), dataset(fresh)
        assert sorted(before) == sorted(after)
        for name, graph in before.items():
            assert same(graph, after[name]), name
    else:
        assert same(union(original), union(fresh))


@pytest.mark.parametrize("name", list(export.FORMATS))
def test_each_format_round_trips_into_a_fresh_store(seeds_store, tmp_path, name: str) -> None:  # type: ignore[no-untyped-def]
    fmt = export.FORMATS[name]
    path = tmp_path / f"dump.{fmt.suffix}"
    with open(path, "wb") as out:
        for chunk in export.stream(seeds_store, fmt):
            out.write(chunk)
    fresh = reimport(path, fmt, tmp_path)
    assert len(fresh) > 4000
    assert_same(seeds_store, fresh, fmt)


@pytest.mark.parametrize("name", ["turtle", "trig", "jsonld"])
def test_small_batches_still_make_one_valid_document(seeds_store, tmp_path, monkeypatch, name: str) -> None:  # type: ignore[no-untyped-def]
    """The dump is written in batches as it is read: with 200-quad batches there are many chunks, and
    their concatenation still parses as the whole dataset."""
    monkeypatch.setattr(export, "BATCH", 200)
    fmt = export.FORMATS[name]
    chunks = list(export.stream(seeds_store, fmt))
    assert len(chunks) > 10
    path = tmp_path / f"dump.{fmt.suffix}"
    path.write_bytes(b"".join(chunks))
    assert_same(seeds_store, reimport(path, fmt, tmp_path), fmt)


def test_one_graph_only(seeds_store) -> None:  # type: ignore[no-untyped-def]
    skills = graph_iri("skills")
    data = b"".join(export.stream(seeds_store, export.FORMATS["trig"], skills.value))
    ds = rdflib.Dataset()
    ds.parse(data=data.decode(), format="trig")
    names = {g.identifier for g in ds.graphs() if len(g)}
    assert names == {rdflib.URIRef(skills.value)}
    assert len(ds.graph(rdflib.URIRef(skills.value))) == len(list(seeds_store.quads(skills)))
    with pytest.raises(export.ExportError, match="no graph"):
        export.stream(seeds_store, export.FORMATS["nquads"], "https://example.org/no-such-graph")


def test_jsonld_dump_is_compacted_with_the_published_context(seeds_store) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(b"".join(export.stream(seeds_store, export.FORMATS["jsonld"])))
    assert doc["@context"] == json.loads((DATA / "context.jsonld").read_text())["@context"]
    graphs = {g["@id"]: g["@graph"] for g in doc["@graph"]}
    postings = [n for nodes in graphs.values() for n in nodes if n.get("type") == "JobPosting"]
    assert len(postings) >= 15 and all("title" in p and "hiringOrganization" in p for p in postings)


def test_export_command(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = tmp_path / "store"
    run_cli("ingest", "--store", str(store), str(DATA))
    out = tmp_path / "skills.ttl"
    proc = run_cli("export", "--store", str(store), "--format", "turtle", "--graph", graph_iri("skills").value,
                   "-o", str(out))
    assert "wrote" in proc.stderr
    g = rdflib.Graph().parse(out, format="turtle")
    assert len(g) > 100 and all(str(s).startswith("https://w3id.org/jobgraph/skill/") for s in g.subjects())
    nquads = run_cli("export", "--store", str(store), "--format", "nquads").stdout
    ds = rdflib.Dataset()
    ds.parse(data=nquads, format="nquads")
    assert len({g.identifier for g in ds.graphs() if len(g)}) > 10
    bad = run_cli("export", "--store", str(store), "--graph", "https://example.org/nope", "-o",
                  str(tmp_path / "nope.nq"), check=False)
    assert bad.returncode == 1 and "no graph <https://example.org/nope>" in bad.stderr
    assert not (tmp_path / "nope.nq").exists()


def test_http_export_streams_each_format(live_server, seeds_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for name, fmt in export.FORMATS.items():
        resp = requests.get(live_server.url + "/export", params={"format": name}, timeout=30)
        assert resp.status_code == 200 and resp.headers["Content-Type"].startswith(fmt.media_type)
        assert resp.headers.get("Transfer-Encoding") == "chunked"  # streamed, no Content-Length computed first
        if name in ("nquads", "jsonld"):  # the bytes are those of export.stream, tested for every format above
            path = tmp_path / f"http.{fmt.suffix}"
            path.write_bytes(resp.content)
            assert_same(seeds_store, reimport(path, fmt, tmp_path / name), fmt)
    by_accept = requests.get(live_server.url + "/export", headers={"Accept": "application/trig"}, timeout=30)
    assert by_accept.headers["Content-Type"].startswith("application/trig")
    default = requests.get(live_server.url + "/export", timeout=30)
    assert default.headers["Content-Type"].startswith("application/n-quads")


def test_http_export_errors(live_server) -> None:  # type: ignore[no-untyped-def]
    one = requests.get(live_server.url + "/export",
                       params={"format": "ntriples", "graph": graph_iri("skills").value}, timeout=30)
    assert one.status_code == 200 and "<https://w3id.org/jobgraph/skill/python>" in one.text
    missing = requests.get(live_server.url + "/export", params={"graph": "https://example.org/nope"}, timeout=30)
    assert missing.status_code == 404 and "no graph" in missing.text
    assert requests.get(live_server.url + "/export", params={"format": "pdf"}, timeout=30).status_code == 406
    ctx = requests.get(live_server.url + "/context.jsonld", timeout=30)
    assert ctx.headers["Content-Type"] == "application/ld+json"
    assert ctx.json() == json.loads((DATA / "context.jsonld").read_text())


def test_graph_iris_dereference_to_their_dump(live_server, seeds_store) -> None:  # type: ignore[no-untyped-def]
    skills = graph_iri("skills").value
    path = skills[len("https://w3id.org/jobgraph"):]  # the seeds store uses the default base IRI
    resp = requests.get(live_server.url + path, timeout=30)
    assert resp.headers["Content-Type"].startswith("text/turtle")
    served = rdflib.Graph().parse(data=resp.text, format="turtle")
    assert len(served) == len(list(seeds_store.quads(graph_iri("skills"))))
    nq = requests.get(live_server.url + path, headers={"Accept": "application/n-quads"}, timeout=30)
    assert all(line.endswith(f"<{skills}> .") for line in nq.text.splitlines() if line)
    assert requests.get(live_server.url + "/graph/no-such-graph", timeout=30).status_code == 404
