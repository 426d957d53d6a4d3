"""`jobgraph ror import`: ROR dumps as ROR publishes them (v2, v1, zipped) -> RDF in graph/ror, incremental."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from jobgraph.ingest import ingest
from jobgraph.link.ror_dump import DumpError, import_dumps, read_dump, stored_records
from jobgraph.store import OxigraphStore
from jobgraph.vocab import graph_iri, sparql_prefixes

from .conftest import DATA, run_cli, shared_path

EBI = "https://ror.org/02catss52"


def _rows(store: OxigraphStore, where: str) -> set[tuple]:
    """The values of the pattern's variables, in the order they first appear."""
    names = " ".join(dict.fromkeys(re.findall(r"\?\w+", where))) or "*"
    query = sparql_prefixes() + f"SELECT {names} WHERE {{ GRAPH <{graph_iri('ror').value}> {{ {where} }} }}"
    return {tuple(t.value if t is not None else None for t in row) for row in store.query(query)}


@pytest.fixture
def ebi_dump(tmp_path: Path) -> Path:
    """A one-record v2 dump: the real API record of the European Bioinformatics Institute."""
    record = json.loads(shared_path("ror", "api", "v2", "organization_02catss52.json").read_text())
    path = tmp_path / "v2.2-ror-data_schema_v2.json"
    path.write_text(json.dumps([record]))
    return path


def test_a_v2_record_becomes_rdf_with_everything_ror_knows(tmp_path: Path, ebi_dump: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    summary = import_dumps(store, [ebi_dump])
    assert (summary.records, summary.added) == (1, 1)
    s = f"<{EBI}>"
    assert _rows(store, f"{s} schema:name ?n ; schema:identifier ?id ; schema:addressCountry ?c") == {
        ("European Bioinformatics Institute", EBI, "GB")}
    pref = store.query(sparql_prefixes() + f"SELECT (LANG(?l) AS ?lang) WHERE {{ {s} skos:prefLabel ?l }}")
    assert [row[0].value for row in pref] == ["en"]
    assert _rows(store, f"{s} jg:acronym ?a") == {("EBI",), ("EMBL-EBI",)}
    assert _rows(store, f"{s} owl:sameAs ?w") == {("http://www.wikidata.org/entity/Q1341845",)}
    assert _rows(store, f"{s} jg:isni ?i ; jg:grid ?g ; jg:fundref ?f") == {
        ("0000 0000 9709 7726", "grid.225360.0", "100012116")}
    assert _rows(store, f"{s} schema:parentOrganization ?p ; jg:relatedOrganization ?r") == {
        ("https://ror.org/03mstc592", "https://ror.org/044rwnt51")}
    assert _rows(store, f"{s} schema:location ?place . ?place schema:name ?city ; schema:latitude ?lat") == {
        ("https://sws.geonames.org/2653941/", "Cambridge", "52.2")}
    assert _rows(store, f"{s} jg:status ?st ; jg:organizationType ?t ; schema:foundingDate ?y") == {
        ("active", "facility", "1992"), ("active", "funder", "1992")}
    assert _rows(store, f"{s} schema:url ?u") == {("http://www.ebi.ac.uk/",)}
    original = json.loads(ebi_dump.read_text())[0]
    assert list(stored_records(store)) == [original]  # the API answers with the very record


def test_v1_zip_and_v2_files_make_one_registry(tmp_path: Path) -> None:
    archive = tmp_path / "v1.50-2024-ror-data.zip"
    with zipfile.ZipFile(archive, "w") as zf:  # ROR's zips hold the v1 file and the v2 one
        zf.write(DATA / "ror" / "ror-records-v1.json", "v1.50-2024-ror-data.json")
    proc = run_cli("ror", "import", "--store", str(tmp_path / "store"), str(archive),
                   str(DATA / "ror" / "ror-records-v2.json"))
    assert "16 ROR records: 16 added" in proc.stdout
    store = OxigraphStore(tmp_path / "store")
    # a v1 record (2i2c) in the v2 shape: ror_display name, lower-case types, geonames place
    two = next(r for r in stored_records(store) if r["id"] == "https://ror.org/050gv4c78")
    assert two["names"][0] == {"value": "2i2c", "types": ["ror_display", "label"], "lang": None}
    assert two["types"] == ["nonprofit"] and two["locations"][0]["geonames_id"] == 5746545
    assert _rows(store, "<https://ror.org/050gv4c78> schema:alternateName ?a") == {
        ("The International Interactive Computing Collaboration",),
        ("International Interactive Computing Collaboration",)}


def test_a_record_in_both_a_v1_and_a_v2_file_is_taken_from_the_v2_one(tmp_path: Path, ebi_dump: Path) -> None:
    v1 = tmp_path / "v1.json"
    v1.write_text(json.dumps([json.loads(shared_path("ror", "api", "v1", "organization_02catss52.json").read_text())]))
    store = OxigraphStore(tmp_path / "store")
    summary = import_dumps(store, [v1, ebi_dump])
    assert (summary.records, summary.added) == (2, 1)
    assert list(stored_records(store)) == json.loads(ebi_dump.read_text())


def test_reimport_is_incremental_and_a_broken_dump_changes_nothing(tmp_path: Path, ebi_dump: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    v2 = DATA / "ror" / "ror-records-v2.json"
    import_dumps(store, [v2, ebi_dump])
    size = len(store)
    again = import_dumps(store, [v2, ebi_dump])
    assert (again.unchanged, again.added, again.triples, len(store)) == (14, 0, 0, size)

    records = json.loads(v2.read_text())
    records[0]["status"] = "inactive"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(records))
    third = import_dumps(store, [changed])  # EBI is gone from this dump, DataCite... changed
    assert (third.changed, third.removed, third.unchanged) == (1, 1, 12)
    assert _rows(store, f"<{records[0]['id']}> jg:status ?s") == {("inactive",)}
    assert not _rows(store, f"<{EBI}> ?p ?o")

    broken = tmp_path / "broken.json"
    broken.write_text(v2.read_text()[:5000])
    before = len(store)
    with pytest.raises(DumpError, match="not valid JSON"):
        import_dumps(store, [broken])
    assert len(store) == before
    proc = run_cli("ror", "import", "--store", str(tmp_path / "cli"), str(broken), check=False)
    assert proc.returncode == 1 and "left as it was" in proc.stderr


def test_a_file_that_is_not_a_ror_dump_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps([{"id": "x", "name": "not ROR"}]))
    with pytest.raises(DumpError, match="has no ROR id"):
        list(read_dump(path))


def test_ingest_loads_ror_dumps_through_the_importer(tmp_path: Path, ebi_dump: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    import_dumps(store, [ebi_dump])  # a registry imported before: ingesting data/ adds to it, removes nothing
    ingest([DATA], store)
    assert len(list(stored_records(store))) == 17
    query = sparql_prefixes() + """SELECT ?title WHERE { ?p schema:hiringOrganization ?o ; schema:title ?title .
        ?o schema:name "DataCite" ; schema:addressCountry "DE" }"""
    assert len(list(store.query(query))) >= 1


def test_sparql_groups_postings_by_the_employers_country_and_parent(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    ingest([DATA], store)
    by_country = dict(_rows_any(store, """SELECT ?c (COUNT(DISTINCT ?p) AS ?n) WHERE {
        ?p schema:hiringOrganization ?o . ?o schema:addressCountry ?c } GROUP BY ?c"""))
    assert int(by_country["DE"]) >= 2 and "CH" in by_country
    parents = _rows_any(store, """SELECT DISTINCT ?name ?parent WHERE { ?o schema:name ?name ;
        schema:parentOrganization ?parent . FILTER(?name = "University of California, Berkeley") }""")
    assert parents == {("University of California, Berkeley", "https://ror.org/00pjdza24")}


def _rows_any(store: OxigraphStore, query: str) -> set[tuple]:
    return {tuple(t.value for t in row) for row in store.query(sparql_prefixes() + query)}
