"""DataCite out (each seed posting as validated 4.5 JSON and XML) and in (DOIs from a local stand-in for
the REST API that serves the real recorded responses)."""

from __future__ import annotations

import json

import pytest
import requests
from lxml import etree
from pyoxigraph import NamedNode, RdfFormat, parse

from jobgraph import datacite
from jobgraph.store import OxigraphStore
from jobgraph.vocab import SCHEMA, graph_iri
from tests.conftest import DATA, gold, run_cli, shared_path
from tests.datacite_server import DataCiteStub

NS = {"d": datacite.KERNEL}
DEMO_DOIS = ["10.5438/mk65-3m12", "10.14454/f2wp-s162", "10.14454/qn00-qx85", "10.14454/7xq3-zf69",
             "10.14454/fxws-0523", "10.14454/3w3z-sa82", "10.5063/f1m61h5x"]


@pytest.fixture(scope="module")
def stub():  # type: ignore[no-untyped-def]
    server = DataCiteStub(shared_path("datacite", "responses"))
    yield server
    server.stop()


def seed_postings(store) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    rows = {(g["file"], g["posting_index"]): g for g in gold("seeds")}
    found = []
    for sol in store.query("""PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dct: <http://purl.org/dc/terms/>
            PREFIX jg: <https://w3id.org/jobgraph/ns#>
            SELECT ?p ?name ?i WHERE { ?p prov:wasDerivedFrom ?g ; jg:postingIndex ?i . ?g dct:title ?name }"""):
        if (key := (sol["name"].value, int(sol["i"].value))) in rows:
            found.append((sol["p"].value, rows[key]))
    assert len(found) == 5
    return sorted(found)


def values(store, iri: str, prop: str) -> set[str]:  # type: ignore[no-untyped-def]
    query = f"PREFIX schema: <http://schema.org/> SELECT ?v WHERE {{ <{iri}> {prop} ?v }}"
    return {s["v"].value for s in store.query(query)}


def test_each_seed_posting_as_valid_datacite_json_and_xml(seeds_store) -> None:  # type: ignore[no-untyped-def]
    for iri, row in seed_postings(seeds_store):
        attrs = datacite.attributes(seeds_store, iri)
        assert datacite.json_errors(attrs) == [], iri
        body = datacite.rest_json(attrs)
        assert body["data"]["type"] == "dois" and body["data"]["attributes"]["url"] == iri
        assert attrs["titles"][0]["title"] == row["title"] or attrs["titles"][0]["title"] in values(
            seeds_store, iri, "schema:title")
        assert attrs["types"] == {"resourceTypeGeneral": "Text", "resourceType": "Job posting"}
        assert attrs["doi"].startswith("10.5072/jobgraph.")
        skills = values(seeds_store, iri, "schema:skills")
        assert {s["valueUri"] for s in attrs["subjects"] if s["subjectScheme"] == "jobgraph skills"} == skills
        assert all(s["schemeUri"] for s in attrs["subjects"])
        related = {r["relatedIdentifier"]: r["relationType"] for r in attrs["relatedIdentifiers"]}
        assert related[next(iter(values(seeds_store, iri, "<http://www.w3.org/ns/prov#wasDerivedFrom>")))] \
            == "IsDerivedFrom"
        dates = {d["dateType"]: d["date"] for d in attrs["dates"]}
        assert "Collected" in dates
        if row["closing_date"]:
            assert dates["Valid"].split("/")[-1].startswith(row["closing_date"])

        xml = datacite.to_xml(attrs)
        assert datacite.xml_errors(xml) == [], iri
        root = etree.fromstring(xml.encode())
        assert root.findtext("d:identifier", namespaces=NS) == attrs["doi"]
        assert root.findtext("d:titles/d:title", namespaces=NS) == attrs["titles"][0]["title"]
        assert len(root.findall("d:subjects/d:subject", NS)) == len(attrs["subjects"])
        if row["employer_ror"]:
            assert attrs["publisher"]["publisherIdentifier"] == row["employer_ror"]
            assert attrs["publisher"]["publisherIdentifierScheme"] == "ROR"
            aff = root.find("d:creators/d:creator/d:affiliation", NS)
            assert aff.get("affiliationIdentifier") == row["employer_ror"]
            assert aff.get("affiliationIdentifierScheme") == "ROR"
            assert root.find("d:publisher", NS).get("publisherIdentifier") == row["employer_ror"]
        else:  # Open Data Services has no ROR record: named, without an identifier
            assert attrs["publisher"] == {"name": "Open Data Services Co-operative"}


def test_validators_reject_what_datacite_would(seeds_store) -> None:  # type: ignore[no-untyped-def]
    iri = seed_postings(seeds_store)[0][0]
    attrs = datacite.attributes(seeds_store, iri)
    broken = {k: v for k, v in attrs.items() if k != "publisher"} | {"publicationYear": "26"}
    errors = datacite.json_errors(broken)
    assert any("publisher" in e for e in errors) and any("publicationYear" in e for e in errors)
    xml = datacite.to_xml(attrs)
    bad = xml.replace('resourceTypeGeneral="Text"', 'resourceTypeGeneral="Posting"')
    assert datacite.xml_errors(bad) == ["d:resourceType @resourceTypeGeneral='Posting' is not in DataCite's list"]
    no_title = etree.fromstring(xml.encode())
    no_title.remove(no_title.find("d:titles", NS))
    assert datacite.xml_errors(etree.tostring(no_title).decode()) == ["Title is mandatory (d:titles/d:title)"]
    assert datacite.xml_errors("<resource>") and datacite.xml_errors("<other xmlns='x'/>")


def test_datacite_export_command(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = tmp_path / "store"
    run_cli("ingest", "--store", str(store), str(DATA / "ror"), str(shared_path("seeds")))
    iri = None
    for line in run_cli("query", "--store", str(store), "--format", "csv",
                        "PREFIX schema: <http://schema.org/> SELECT ?p WHERE { ?p schema:title "
                        '"Application Support Engineer"@en }').stdout.splitlines()[1:]:
        iri = line.strip()
    assert iri
    body = json.loads(run_cli("datacite", "export", "--store", str(store), iri.rsplit("/", 1)[-1]).stdout)
    assert body["data"]["attributes"]["publisher"]["publisherIdentifier"] == "https://ror.org/04wxnsj81"
    out = tmp_path / "posting.xml"
    run_cli("datacite", "export", "--store", str(store), iri, "--format", "xml", "--prefix", "10.80000", "-o", str(out))
    root = etree.parse(str(out)).getroot()
    assert root.findtext("d:identifier", namespaces=NS) == f"10.80000/jobgraph.{iri.rsplit('/', 1)[-1]}"
    bad_prefix = run_cli("datacite", "export", "--store", str(store), iri, "--prefix", "jobgraph", check=False)
    assert bad_prefix.returncode == 1 and "'jobgraph' is not a DOI prefix" in bad_prefix.stderr
    missing = run_cli("datacite", "export", "--store", str(store), "no-such-posting", check=False)
    assert missing.returncode == 1 and "no posting 'no-such-posting'" in missing.stderr


def test_client_fetches_caches_and_explains_errors(stub, tmp_path) -> None:  # type: ignore[no-untyped-def]
    client = datacite.Client(stub.url, tmp_path / "cache", timeout=5)
    work = client.fetch("https://doi.org/10.5438/MK65-3M12")
    assert work["attributes"]["doi"] == "10.5438/mk65-3m12"
    assert stub.requests[-1] == "/dois/10.5438/mk65-3m12?affiliation=true&publisher=true"
    offline = datacite.Client("http://127.0.0.1:9", tmp_path / "cache", timeout=2)  # nothing listens there
    assert offline.fetch("doi:10.5438/mk65-3m12") == work  # from the cache
    with pytest.raises(datacite.DataCiteError, match="cannot reach the DataCite API at http://127.0.0.1:9"):
        datacite.Client("http://127.0.0.1:9", tmp_path / "cache", timeout=2, refresh=True).fetch("10.5438/mk65-3m12")
    with pytest.raises(datacite.DataCiteError, match=r"DOI 10\.1234/nothing is not known to DataCite .*404"):
        client.fetch("10.1234/nothing")
    assert not client.cached("10.1234/nothing").exists()
    with pytest.raises(datacite.DataCiteError, match="no answer within 0.5 s"):
        datacite.Client(stub.url, tmp_path / "cache", timeout=0.5).fetch("10.0000/slow")
    with pytest.raises(datacite.DataCiteError, match="is not a DOI"):
        client.fetch("not a doi")


def test_works_in_the_agreed_shape_with_ror_affiliations(stub, tmp_path) -> None:  # type: ignore[no-untyped-def]
    client = datacite.Client(stub.url, tmp_path / "cache")
    store = OxigraphStore.in_memory()
    datacite.add_works(store, [client.fetch("10.5438/mk65-3m12")])
    ask = f"""PREFIX schema: <http://schema.org/> ASK {{ GRAPH <{graph_iri("datacite").value}> {{
        <https://doi.org/10.5438/mk65-3m12> a schema:CreativeWork, schema:BlogPosting ;
          schema:identifier "10.5438/mk65-3m12" ; schema:name "Eating your own Dog Food" ;
          schema:datePublished ?d ; schema:creator ?c .
        ?c schema:name "Fenner, Martin" ; schema:affiliation <https://ror.org/04wxnsj81> ;
          schema:sameAs <https://orcid.org/0000-0003-1419-2405> }} }}"""
    assert bool(store.query(ask))
    # Recorded without affiliation=true: the JSON has names only, the record's XML has the ROR ids.
    datacite.add_works(store, [client.fetch("10.5061/dryad.8515")])
    affs = {s["a"].value for s in store.query(
        "PREFIX schema: <http://schema.org/> SELECT ?a WHERE { "
        "<https://doi.org/10.5061/dryad.8515> schema:creator/schema:affiliation ?a }")}
    assert affs == {"https://ror.org/01wyqb997", "https://ror.org/02feahw73"}
    assert bool(store.query(
        "PREFIX schema: <http://schema.org/> ASK { <https://doi.org/10.5061/dryad.8515> a schema:Dataset }"))
    before = len(store)
    datacite.add_works(store, [client.fetch("10.5438/mk65-3m12")])  # refreshing a work keeps the others
    assert len(store) == before


def test_demo_records_are_what_the_code_makes(stub, tmp_path) -> None:  # type: ignore[no-untyped-def]
    client = datacite.Client(stub.url, tmp_path / "cache")
    made: set[str] = set()
    for doi in DEMO_DOIS:
        made |= {str(q.triple) for q in datacite.work_quads(client.fetch(doi))}
    with open(DATA / "datacite" / "datacite.ttl", "rb") as fh:
        shipped = {str(t) for t in parse(fh, RdfFormat.TURTLE)}
    assert made == shipped


def test_link_command_and_doi_pages(stub, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from jobgraph.web import create_app

    path = tmp_path / "store"
    run_cli("ingest", "--store", str(path), str(DATA / "postings"), str(DATA / "ror"), str(DATA / "skills.ttl"))
    proc = run_cli("datacite", "link", "--store", str(path), "--api", stub.url, "--cache", str(tmp_path / "c"),
                   "10.5438/mk65-3m12", "10.14454/f2wp-s162", "10.1234/nope", check=False)
    assert proc.returncode == 1
    assert "2 works linked" in proc.stdout and "DOI 10.1234/nope is not known to DataCite" in proc.stderr
    store = OxigraphStore(path)
    client = create_app(store).test_client()
    datacite_titles = {s["t"].value for s in store.query(
        "PREFIX schema: <http://schema.org/> SELECT ?t WHERE { ?p schema:hiringOrganization "
        "<https://ror.org/04wxnsj81> ; schema:title ?t }")}
    assert datacite_titles
    html = client.get("/dois/10.5438/mk65-3m12").get_data(as_text=True)
    assert "Eating your own Dog Food" in html and "Fenner, Martin" in html
    assert all(t in html for t in datacite_titles)
    view = client.get("/dois/10.14454/f2wp-s162", headers={"Accept": "application/json"}).get_json()
    assert {p["title"] for p in view["postings"]} == datacite_titles
    assert any("https://ror.org/04wxnsj81" in c["affiliations"] for c in view["contributors"])
    assert client.get("/dois/10.1234/nope").status_code == 404
    assert "Eating your own Dog Food" in client.get("/ror/04wxnsj81").get_data(as_text=True)
    # the researchers' question: postings by employers whose people publish with DataCite DOIs
    rows = store.query("""PREFIX schema: <http://schema.org/>
        SELECT DISTINCT ?title WHERE { ?work a schema:CreativeWork ;
          (schema:creator|schema:contributor)/schema:affiliation ?org .
          ?posting schema:hiringOrganization ?org ; schema:title ?title }""")
    assert {r["title"].value for r in rows} == datacite_titles


def test_doi_page_over_http(live_server) -> None:  # type: ignore[no-untyped-def]
    """The demo records in data/datacite are loaded by `ingest data/`: their pages work on the live server."""
    resp = requests.get(live_server.url + "/dois/10.5438/mk65-3m12", timeout=10)
    assert resp.status_code == 200 and "Application Support Engineer" in resp.text
    turtle = requests.get(live_server.url + "/dois/10.5438/mk65-3m12", params={"format": "turtle"}, timeout=10)
    assert turtle.headers["Content-Type"].startswith("text/turtle")
    triples = list(parse(turtle.content, RdfFormat.TURTLE))
    assert any(t.predicate == SCHEMA.creator and t.subject == NamedNode("https://doi.org/10.5438/mk65-3m12")
               for t in triples)
