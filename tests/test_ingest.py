"""Stages 4-5: each document is its own named graph with provenance; re-ingest replaces exactly it."""

from __future__ import annotations

import shutil
from pathlib import Path

from jobgraph.ingest import ingest
from jobgraph.store import GraphStore, OxigraphStore
from jobgraph.vocab import PROV, SKOS, graph_iri, source_iri, sparql_prefixes

from .conftest import DATA, run_cli, shared_path

POSTINGS = sparql_prefixes() + """
SELECT ?title ?ror WHERE { ?p a schema:JobPosting ; schema:title ?title ; schema:hiringOrganization ?o .
                          OPTIONAL { ?o schema:identifier ?ror } } ORDER BY ?title"""


def _rows(store: GraphStore, query: str) -> list[tuple]:
    return [tuple(t.value if t is not None else None for t in sol) for sol in store.query(query)]


def test_seeds_are_stored_with_their_employers_ror_ids(any_seeds_store: GraphStore) -> None:
    seeds_store = any_seeds_store
    from_seeds = "?p prov:wasDerivedFrom ?g . ?g dcterms:source ?src . FILTER(CONTAINS(STR(?src), '/seeds/')) ?p a"
    rows = _rows(seeds_store, POSTINGS.replace("?p a", from_seeds))
    assert len(rows) == 5
    assert ("ROR Technical Lead", "https://ror.org/04wxnsj81") in rows
    assert ("Open Source Applications Engineer", "https://ror.org/050gv4c78") in rows


def test_each_document_has_a_graph_with_provenance(any_seeds_store: GraphStore) -> None:
    seeds_store = any_seeds_store
    query = sparql_prefixes() + """
    SELECT ?g ?sha ?time ?version (COUNT(?p) AS ?n) WHERE {
      GRAPH ?g { ?g a jg:SourceDocument ; jg:sha256 ?sha ; prov:generatedAtTime ?time ; jg:extractorVersion ?version .
                 ?p prov:wasDerivedFrom ?g } } GROUP BY ?g ?sha ?time ?version"""
    rows = _rows(seeds_store, query)
    assert len(rows) == 13  # 4 seed files + 9 demo posting files
    assert sorted(int(r[4]) for r in rows) == [1] * 11 + [2, 2]
    assert all(len(r[1]) == 64 for r in rows)


def test_reingest_unchanged_changes_nothing_and_changed_replaces(tmp_path: Path, backend_store: GraphStore) -> None:
    folder = tmp_path / "postings"
    shutil.copytree(shared_path("seeds"), folder)
    store = backend_store
    first = ingest([DATA, folder], store)
    size = len(store)
    second = ingest([folder], store)
    assert (second.unchanged, second.postings, len(store)) == (4, 0, size)

    target = folder / "003_c92038ccd636fd7e.txt"
    target.write_text(target.read_text().replace("Python Web Developer", "Rust Web Developer"))
    third = ingest([folder], store)
    assert (third.unchanged, third.postings) == (3, 1)
    titles = [r[0] for r in _rows(store, POSTINGS)]
    assert "Rust Web Developer for open data projects" in titles
    assert "Python Web Developer for open data projects" not in titles
    assert len(titles) == first.postings


def test_a_bad_file_fails_alone_and_nothing_is_lost(tmp_path: Path, backend_store: GraphStore) -> None:
    store = backend_store
    ingest([DATA], store)
    before = len(store)
    bad = tmp_path / "in"
    bad.mkdir()
    (bad / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (bad / "ok.md").write_text("# Data Engineer\n\nWe use Python and SPARQL.\n")
    summary = ingest([bad], store, on_error=lambda _: None)
    assert len(summary.failures) == 1 and "binary" in summary.failures[0]
    assert summary.postings == 1
    assert len(store) > before


def test_ingest_and_query_cli(tmp_path: Path) -> None:
    store = tmp_path / "cli-store"
    proc = run_cli("ingest", "--store", str(store), str(DATA))
    assert "10 postings" in proc.stdout
    proc = run_cli("query", "--store", str(store), "--format", "csv", POSTINGS)
    lines = proc.stdout.strip().splitlines()
    assert lines[0].strip() == "title,ror"
    assert any(line.startswith("PID Metadata Specialist,https://ror.org/04wxnsj81") for line in lines)


def test_store_chosen_by_environment(tmp_path: Path) -> None:
    store = tmp_path / "env-store"
    run_cli("ingest", str(DATA / "postings" / "cos-research-data-librarian.md"),
            env={"JOBGRAPH_STORE": str(store)})
    assert (store / "CURRENT").exists()


def test_a_url_that_is_no_valid_iri_is_kept_as_text(tmp_path: Path) -> None:
    """'Apply at https://jobs.example.org/<id>' must cost the posting nothing: the URL stays a literal."""
    posting = tmp_path / "odd-url.txt"
    posting.write_text("Title: Data Steward\nCompany: Open Data Services Co-operative\n\n"
                       "We are hiring a data steward. Apply at https://jobs.example.org/apply?id=<42> by email.\n")
    store = OxigraphStore(tmp_path / "store")
    summary = ingest([DATA / "ror", DATA / "organizations.yaml", posting], store, on_error=lambda msg: None)
    assert not summary.failures and summary.postings == 1
    urls = _rows(store, sparql_prefixes() + "SELECT ?u { ?p a schema:JobPosting; schema:url ?u FILTER(isLiteral(?u)) }")
    assert urls and "id=<42" in urls[0][0]


def test_reingesting_data_adds_to_imported_graphs_and_replaces_its_own(backend_store: GraphStore) -> None:
    """A full ESCO import or linked DataCite works survive `ingest data/` again (its files are demo subsets);
    data/skills.ttl is the vocabulary itself, so its graph is replaced. Nothing else changes: the employers
    that unchanged (so skipped) postings wrote into the organisations graph stay too (they used to be dropped
    when data/organizations.yaml replaced that graph)."""
    store = backend_store
    ingest([DATA], store)
    extra = {name: f"<https://example.org/only-an-import-has-this> {SKOS.prefLabel} \"{name}\"@en"
             for name in ("esco", "datacite", "skills")}
    store.update("INSERT DATA { " + " ".join(f"GRAPH {graph_iri(n)} {{ {t} }}" for n, t in extra.items()) + " }")
    before = len(store)
    ingest([DATA], store)
    kept = {n for n, t in extra.items() if store.query(f"ASK {{ GRAPH {graph_iri(n)} {{ {t} }} }}")}
    assert kept == {"esco", "datacite"}
    assert len(store) == before - 1


def test_a_documents_graph_does_not_depend_on_what_was_ingested_before(tmp_path: Path) -> None:
    """An employer one posting named (and no record knows) is stored for that posting, not learnt as a
    reference: a later posting that names it links as it would in a fresh store."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "a.md").write_text("# Data Steward\n\nThe Example Harbour Institute is hiring a data steward.\n"
                                "Employer: Example Harbour Institute\n")
    (second / "b.md").write_text("# Research Software Engineer\n\nJoin the Example Harbour Institute to build "
                                 "research tools. At the Example Harbour Institute we use Python.\n")
    fresh, used = OxigraphStore(tmp_path / "fresh"), OxigraphStore(tmp_path / "used")
    ingest([DATA / "organizations.yaml", second], fresh)
    ingest([DATA / "organizations.yaml", first], used)
    assert any("Example Harbour" in q.object.value for q in used.quads(graph_iri("organizations")))
    ingest([second], used)

    def graph_of(store: OxigraphStore) -> set[str]:
        g = source_iri((second / "b.md").resolve().as_uri())
        return {str(q.triple) for q in store.quads(g) if q.predicate != PROV.generatedAtTime}

    assert graph_of(fresh) and graph_of(used) == graph_of(fresh)
