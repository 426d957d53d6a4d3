"""Dereferenceable IRIs: the IRIs jobgraph mints resolve, over real HTTP, in every format they offer.

The store is minted with the live server's own address as base IRI, so each test requests the posting's
IRI itself, as a linked-data client would.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
import rdflib
import requests
from markupsafe import Markup
from rdflib.compare import isomorphic

from tests.conftest import ARTIFACTS, DATA, LiveServer, gold, shared_path

SCHEMA = rdflib.Namespace("http://schema.org/")
HOSTILE = '</script><script>alert("owned")</script>'
RDF_FORMATS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A live server whose base IRI is its own URL, over data/, the seeds and one hostile posting."""
    from jobgraph.ingest import ingest
    from jobgraph.store import OxigraphStore
    from jobgraph.web import create_app

    hostile = tmp_path_factory.mktemp("hostile") / "hostile.txt"
    hostile.write_text(f"Title: Data Engineer\nCompany: Example Lab\n\nWe use Python. {HOSTILE} <b>bold</b>\n",
                       encoding="utf-8")
    store = OxigraphStore(tmp_path_factory.mktemp("store") / "resources")
    app = create_app(store)
    server = LiveServer(app)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JOBGRAPH_BASE_IRI", server.url + "/")
        summary = ingest([DATA, shared_path("seeds"), hostile], store, on_error=pytest.fail)
        assert not summary.failures
        server.store, server.app = store, app
        yield server
    server.stop()


def postings(site) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    """Each seed posting's IRI -> its gold row (matched by file name and index through the store)."""
    rows = {(g["file"], g["posting_index"]): g for g in gold("seeds")}
    out = {}
    for sol in site.store.query("""PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dct: <http://purl.org/dc/terms/>
            PREFIX jg: <https://w3id.org/jobgraph/ns#>
            SELECT ?p ?name ?i WHERE { ?p prov:wasDerivedFrom ?g ; jg:postingIndex ?i . ?g dct:title ?name }"""):
        key = (sol["name"].value, int(sol["i"].value))
        if key in rows:
            out[sol["p"].value] = rows[key]
    assert len(out) == 5, out
    return out


def test_minted_iris_are_under_the_servers_base(site) -> None:  # type: ignore[no-untyped-def]
    assert all(iri.startswith(site.url + "/posting/") for iri in postings(site))


@pytest.mark.parametrize("mime", list(RDF_FORMATS))
def test_each_accept_header_gets_its_format_and_rdflib_parses_it(site, mime: str) -> None:  # type: ignore[no-untyped-def]
    for iri, row in postings(site).items():
        resp = requests.get(iri, headers={"Accept": mime}, timeout=10)
        assert resp.status_code == 200
        assert resp.headers["Content-Type"].split(";")[0] == mime
        assert resp.headers["Vary"] == "Accept"
        g = rdflib.Graph().parse(data=resp.text, format=RDF_FORMATS[mime], publicID=iri)
        node = rdflib.URIRef(iri)
        assert (node, rdflib.RDF.type, SCHEMA.JobPosting) in g
        assert str(g.value(node, SCHEMA.title)) == str(_store_value(site, iri, "schema:title"))
        if row["employer_ror"]:
            assert (node, SCHEMA.hiringOrganization, rdflib.URIRef(row["employer_ror"])) in g


def test_the_formats_say_the_same_thing_and_format_parameter_overrides_accept(site) -> None:  # type: ignore[no-untyped-def]
    iri = next(iter(postings(site)))
    graphs = []
    for mime, fmt in RDF_FORMATS.items():
        short = {"text/turtle": "turtle", "application/ld+json": "jsonld", "application/n-triples": "nt"}[mime]
        resp = requests.get(iri, params={"format": short}, headers={"Accept": "text/html"}, timeout=10)
        assert resp.headers["Content-Type"].split(";")[0] == mime
        graphs.append(rdflib.Graph().parse(data=resp.text, format=fmt))
    assert len(graphs[0]) > 50
    assert isomorphic(graphs[0], graphs[1]) and isomorphic(graphs[0], graphs[2])


def test_jsonld_is_compacted_with_the_published_context(site) -> None:  # type: ignore[no-untyped-def]
    iri = next(iter(postings(site)))
    doc = requests.get(iri, headers={"Accept": "application/ld+json"}, timeout=10).json()
    published = requests.get(site.url + "/context.jsonld", timeout=10).json()
    assert doc["@context"] == published["@context"] == json.loads((DATA / "context.jsonld").read_text())["@context"]
    posting = next(n for n in doc["@graph"] if n.get("id") == iri)
    assert posting["type"] == "JobPosting" and "title" in posting  # schema.org terms, unprefixed


def _store_value(site, iri: str, prop: str):  # type: ignore[no-untyped-def]
    rows = list(site.store.query(f"PREFIX schema: <http://schema.org/> SELECT ?v WHERE {{ <{iri}> {prop} ?v }}"))
    return rows[0]["v"].value if rows else None


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.jsonld: list[str] = []
        self.other_scripts = 0
        self._in = False

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag == "script":
            self._in = dict(attrs).get("type") == "application/ld+json"
            self.other_scripts += not self._in

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._in:
            self.jsonld.append(data)

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        self._in = False


def embedded(html: str) -> tuple[dict, int]:
    parser = _Scripts()
    parser.feed(html)
    assert len(parser.jsonld) == 1
    return json.loads(parser.jsonld[0]), parser.other_scripts


def test_html_embeds_the_jobposting_search_engines_require(site) -> None:  # type: ignore[no-untyped-def]
    for iri, row in postings(site).items():
        resp = requests.get(iri, headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}, timeout=10)
        assert resp.headers["Content-Type"].startswith("text/html")
        job, _ = embedded(resp.text)
        assert job["@type"] == "JobPosting" and job["@context"] == "https://schema.org/"
        assert job["title"] == _store_value(site, iri, "schema:title")
        assert job["description"] == _store_value(site, iri, "schema:description")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", job["datePosted"])
        assert job["hiringOrganization"]["@type"] == "Organization"
        assert job["hiringOrganization"]["name"].lower().startswith(row["employer_name"].lower()[:4])
        if row["employer_ror"]:
            assert job["hiringOrganization"]["sameAs"] == row["employer_ror"]
        assert "jobLocation" in job or (job.get("jobLocationType") == "TELECOMMUTE"
                                        and job["applicantLocationRequirements"])
        if row["closing_date"]:
            assert job["validThrough"].startswith(row["closing_date"])
        if _store_value(site, iri, "schema:employmentType"):
            assert job["employmentType"]
        if _store_value(site, iri, "schema:baseSalary/schema:value/schema:minValue"):
            assert job["baseSalary"]["@type"] == "MonetaryAmount"
            assert job["baseSalary"]["value"]["minValue"] == float(
                _store_value(site, iri, "schema:baseSalary/schema:value/schema:minValue"))


def test_open_data_services_salary_is_in_the_structured_data(site) -> None:  # type: ignore[no-untyped-def]
    """Seed 003 states "£34,500 p.a.": the embedded JobPosting carries it as numbers."""
    iri = next(i for i, row in postings(site).items() if row["file"].startswith("003"))
    job, _ = embedded(requests.get(iri, timeout=10).text)
    assert job["baseSalary"]["currency"] == "GBP"
    assert job["baseSalary"]["value"]["minValue"] == 34500.0
    assert job["validThrough"].startswith("2016-09-26")
    assert job["jobLocation"]["address"]["addressCountry"] == "GB"


def _hostile_iri(site) -> str:  # type: ignore[no-untyped-def]
    rows = site.store.query('PREFIX schema: <http://schema.org/> SELECT ?p WHERE { ?p schema:description ?t '
                            'FILTER(CONTAINS(?t, "<script>")) }')
    return next(iter(rows))["p"].value


def test_posting_text_with_script_tags_is_escaped(site) -> None:  # type: ignore[no-untyped-def]
    iri = _hostile_iri(site)
    html = requests.get(iri, timeout=10).text
    assert HOSTILE not in html and "<script>alert" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    job, other_scripts = embedded(html)  # the JSON-LD block is not broken out of
    assert other_scripts == 0
    assert HOSTILE in job["description"]


@pytest.mark.browser
def test_hostile_posting_runs_no_script_in_chromium(site, page) -> None:  # type: ignore[no-untyped-def]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(_hostile_iri(site))
    assert HOSTILE in page.locator("div.text").inner_text()
    assert page.locator("b").count() == 0
    page.screenshot(path=str(ARTIFACTS / "posting-hostile.png"), full_page=True)
    assert dialogs == []


@pytest.mark.browser
def test_posting_page_reads_well(site, page) -> None:  # type: ignore[no-untyped-def]
    iri = next(i for i, row in postings(site).items() if row["closing_date"] == "2021-12-31")
    page.goto(iri)
    assert page.locator("#resource-title").inner_text() == "Application Support Engineer"
    facts = page.locator("dl.facts").inner_text()
    assert "DataCite" in facts and "2021-12-31" in facts
    page.get_by_role("link", name="DataCite", exact=True).click()
    page.wait_for_url("**/ror/04wxnsj81")
    assert page.locator("#resource-title").inner_text() == "DataCite"
    assert page.get_by_role("link", name="Application Support Engineer").count() == 1
    page.screenshot(path=str(ARTIFACTS / "organisation-datacite.png"), full_page=True)


def test_unknown_iris_are_404_and_unoffered_formats_406(site) -> None:  # type: ignore[no-untyped-def]
    for path in ("/posting/0000000000000000-0", "/source/nope", "/org/no-such-org", "/skill/no-such-skill",
                 "/ror/00000000z", "/ror/not-a-ror-id", "/ror/02mhbdp94", "/posting/%3Cscript%3E", "/org/a%20b"):
        assert requests.get(site.url + path, timeout=10).status_code == 404, path
    iri = next(iter(postings(site)))
    resp = requests.get(iri, headers={"Accept": "application/pdf"}, timeout=10)
    assert resp.status_code == 406 and "text/turtle" in resp.text
    assert requests.get(iri, params={"format": "pdf"}, timeout=10).status_code == 406


def with_panel(app, name: str, get):  # type: ignore[no-untyped-def]
    """What a page renders with a stand-in for the explore blueprint's Jinja global ``name``: the seam itself."""
    real = app.jinja_env.globals[name]
    app.jinja_env.globals[name] = lambda iri, **options: Markup('<div id="panel">{}</div>').format(iri)
    try:
        return get()
    finally:
        app.jinja_env.globals[name] = real


def test_organisation_pages_list_postings_and_offer_panels(site) -> None:  # type: ignore[no-untyped-def]
    client = site.app.test_client()
    html = with_panel(site.app, "org_panels", lambda: client.get("/ror/04wxnsj81").get_data(as_text=True))
    assert '<div id="panel">https://ror.org/04wxnsj81</div>' in html
    assert 'href="https://ror.org/04wxnsj81"' in html
    titles = [s["t"].value for s in site.store.query(
        'PREFIX schema: <http://schema.org/> SELECT ?t WHERE { ?p schema:hiringOrganization '
        '<https://ror.org/04wxnsj81> ; schema:title ?t }')]
    assert len(titles) >= 3 and all(t in html for t in titles)
    assert 'class="explore explore-panels"' in client.get("/ror/04wxnsj81").get_data(as_text=True)
    # an employer with no ROR record has a jobgraph IRI that resolves too
    ods = requests.get(site.url + "/org/open-data-services-co-operative", timeout=10)
    assert ods.status_code == 200 and "Python Web Developer for open data projects" in ods.text
    turtle = requests.get(site.url + "/ror/04wxnsj81", headers={"Accept": "text/turtle"}, timeout=10).text
    g = rdflib.Graph().parse(data=turtle, format="turtle")
    assert str(g.value(rdflib.URIRef("https://ror.org/04wxnsj81"), SCHEMA.name)) == "DataCite"


def test_skill_pages_resolve_w3id_concepts_and_offer_panels(site) -> None:  # type: ignore[no-untyped-def]
    client = site.app.test_client()
    html = with_panel(site.app, "skill_panels", lambda: client.get("/skill/python").get_data(as_text=True))
    assert '<div id="panel">https://w3id.org/jobgraph/skill/python</div>' in html
    assert ">Python</h2>" in html and 'href="/skill/programming-languages"' in html
    asking = {s["t"].value for s in site.store.query(
        'PREFIX jg: <https://w3id.org/jobgraph/ns#> PREFIX schema: <http://schema.org/> SELECT ?t WHERE '
        '{ ?p jg:requirement/jg:skill <https://w3id.org/jobgraph/skill/python> ; schema:title ?t }')}
    assert len(asking) >= 5 and all(t.replace("&", "&amp;") in html for t in asking)
    # links out to the ESCO skills and Wikidata items a concept matches (the skills issue adds them)
    from pyoxigraph import NamedNode, Quad

    from jobgraph.vocab import SKOS, graph_iri

    python, extra = NamedNode("https://w3id.org/jobgraph/skill/python"), graph_iri("test-matches")
    site.store.replace_graph(extra, [
        Quad(python, SKOS.exactMatch, NamedNode("http://www.wikidata.org/entity/Q28865"), extra),
        Quad(python, SKOS.closeMatch, NamedNode("http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"),
             extra)])
    try:
        linked = client.get("/skill/python").get_data(as_text=True)
    finally:
        site.store.remove_graph(extra)
    assert '<a href="http://www.wikidata.org/entity/Q28865">Wikidata</a> <span class="muted">(exact)</span>' in linked
    assert '<a href="http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d">ESCO</a>' in linked
    nt = client.get("/skill/python", headers={"Accept": "application/n-triples"}).get_data(as_text=True)
    assert '<https://w3id.org/jobgraph/skill/python> <http://www.w3.org/2004/02/skos/core#prefLabel> "Python"@en' in nt


def test_source_page_lists_its_postings(site) -> None:  # type: ignore[no-untyped-def]
    iri = next(i for i, row in postings(site).items() if row["file"].startswith("002"))
    source = _store_value(site, iri, "<http://www.w3.org/ns/prov#wasDerivedFrom>")
    html = requests.get(source, timeout=10).text
    assert "ROR Technical Lead" in html and "Application Support Engineer" in html
    assert "002_a66f3c0ad2756905.txt" in html
