"""Stored queries over real HTTP (/queries, /queries/<name>) and the query page in headless Chromium."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
import rdflib
import requests
from markupsafe import escape

from jobgraph.web.queries import catalogue

from .conftest import ARTIFACTS, ROOT

CATALOGUE = catalogue(ROOT / "queries")
JGS = "https://w3id.org/jobgraph/skill/"


def get(server, path: str, **kwargs) -> requests.Response:  # type: ignore[no-untyped-def]
    return requests.get(server.url + path, timeout=30, **kwargs)


def test_the_list_of_stored_queries_as_html_and_json(catalogue_server) -> None:  # type: ignore[no-untyped-def]
    page = get(catalogue_server, "/queries")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    for name, query in CATALOGUE.items():
        assert f'href="/queries/{name}"' in page.text and escape(query.title) in page.text
    for listing in (get(catalogue_server, "/queries.json"), get(catalogue_server, "/queries?format=json"),
                    get(catalogue_server, "/queries", headers={"Accept": "application/json"})):
        assert listing.headers["Content-Type"] == "application/json"
        entries = {e["name"]: e for e in listing.json()}
        assert set(entries) == set(CATALOGUE)
    skill = entries["co-occurring-skills"]
    assert skill["link"] == catalogue_server.url + "/queries/co-occurring-skills" and skill["form"] == "SELECT"
    assert skill["params"] == [{"name": "skill", "kind": "skill", "default": "python",
                                "meaning": "the skill: a jobgraph skill slug (python) or any concept IRI"}]
    assert entries["wikidata-skills"]["service"] == "https://query.wikidata.org/sparql"


def test_every_stored_query_has_a_page_with_its_results(catalogue_server, catalogue_store) -> None:  # type: ignore[no-untyped-def]
    for name, query in CATALOGUE.items():
        page = get(catalogue_server, f"/queries/{name}")
        assert page.status_code == 200, name
        assert escape(query.title) in page.text and 'role="alert"' not in page.text, name
        if query.service:
            assert "Not run yet" in page.text  # a federated query never calls out unasked
            asked = get(catalogue_server, f"/queries/{name}", params={"run": "1"})
            assert "is refused" in asked.text and 'role="alert"' in asked.text  # not on the SERVICE allowlist
            assert get(catalogue_server, f"/queries/{name}", params={"format": "json"}).status_code == 403
            continue
        expected = len(list(catalogue_store.query(query.text, substitutions=query.substitutions({}))))
        assert f">{expected} row{'' if expected == 1 else 's'}" in page.text, name
        for p in query.params:
            assert f'id="param-{p.name}"' in page.text and f'value="{p.default}"' in page.text


def test_a_stored_query_with_a_parameter_in_every_results_format(catalogue_server) -> None:  # type: ignore[no-untyped-def]
    path, params = "/queries/co-occurring-skills", {"skill": "r"}
    as_json = get(catalogue_server, path, params={**params, "format": "json"})
    assert as_json.headers["Content-Type"].startswith("application/sparql-results+json")
    rows = as_json.json()["results"]["bindings"]
    assert rows and {r["skill"]["value"] for r in rows} == {JGS + "r"}
    others = [r["other"]["value"] for r in rows]
    assert JGS + "python" in others
    by_accept = get(catalogue_server, path, params=params, headers={"Accept": "application/sparql-results+json"})
    assert by_accept.json() == as_json.json()

    csv_rows = list(csv.DictReader(io.StringIO(get(catalogue_server, path, params={**params, "format": "csv"}).text)))
    assert [r["other"] for r in csv_rows] == others
    tsv = get(catalogue_server, path, params=params, headers={"Accept": "text/tab-separated-values"})
    assert tsv.headers["Content-Type"].startswith("text/tab-separated-values")
    assert len(tsv.text.strip().splitlines()) == len(rows) + 1
    xml = get(catalogue_server, path, params={**params, "format": "xml"})
    ns = {"s": "http://www.w3.org/2005/sparql-results#"}
    assert len(ET.fromstring(xml.content).findall(".//s:result", ns)) == len(rows)


def test_a_construct_query_answers_in_rdf_formats(catalogue_server) -> None:  # type: ignore[no-untyped-def]
    path = "/queries/organization?organization=004eyxv41"
    graphs = {}
    for fmt, parser in (("turtle", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"), ("rdfxml", "xml")):
        resp = get(catalogue_server, f"{path}&format={fmt}")
        assert resp.status_code == 200, fmt
        graphs[fmt] = rdflib.Graph().parse(data=resp.text, format=parser)
    assert len({len(g) for g in graphs.values()}) == 1
    g = graphs["turtle"]
    numfocus, ropensci = rdflib.URIRef("https://ror.org/004eyxv41"), rdflib.URIRef("https://ror.org/019jywm96")
    assert (numfocus, rdflib.URIRef("http://schema.org/subOrganization"), ropensci) in g
    by_accept = get(catalogue_server, path, headers={"Accept": "text/turtle"})
    assert by_accept.headers["Content-Type"].startswith("text/turtle")
    assert get(catalogue_server, path + "&format=csv").status_code == 406


def test_bad_parameters_are_400_with_what_to_write(catalogue_server) -> None:  # type: ignore[no-untyped-def]
    bad_date = get(catalogue_server, "/queries/open-on-date", params={"date": "next Monday"})
    assert bad_date.status_code == 400
    assert "parameter date" in bad_date.text and "YYYY-MM-DD" in bad_date.text
    bad_ror = get(catalogue_server, "/queries/organization-postings", params={"organization": "DataCite"})
    assert bad_ror.status_code == 400 and "not a ROR id" in bad_ror.text
    bad_iri = get(catalogue_server, "/queries/posting-provenance",
                  params={"posting": "https://x.org/p> } . ?s ?p ?o { <x", "format": "json"})
    assert bad_iri.status_code == 400 and "not an absolute IRI" in bad_iri.text


def test_unknown_names_and_paths_outside_the_catalogue_are_404(catalogue_server) -> None:  # type: ignore[no-untyped-def]
    assert get(catalogue_server, "/queries/no-such-query").status_code == 404
    assert "no stored query is named" in get(catalogue_server, "/queries/no-such-query").text
    for path in ("/queries/..%2Fpyproject.toml", "/queries/..%2F..%2Fqueries%2Ftop-skills", "/queries/.%2Ftop-skills",
                 "/queries/top-skills.rq", "/queries/%2e%2e"):
        assert get(catalogue_server, path).status_code == 404, path
    raw = requests.Request("GET", catalogue_server.url + "/queries/../README.md").prepare()
    raw.url = catalogue_server.url + "/queries/../README.md"  # sent as written, not normalised by the client
    with requests.Session() as session:
        assert session.send(raw, timeout=30).status_code == 404


def test_sparql_in_a_parameter_is_bound_as_a_literal_not_run(catalogue_server, catalogue_store) -> None:  # type: ignore[no-untyped-def]
    before = len(catalogue_store)
    injected = '") } } ; DROP ALL ; INSERT DATA { <urn:x> <urn:y> "z" } ; SELECT * WHERE { ?s ?p ?o FILTER("'
    resp = get(catalogue_server, "/queries/postings-by-keyword", params={"text": injected, "format": "json"})
    assert resp.status_code == 200 and resp.json()["results"]["bindings"] == []
    union = get(catalogue_server, "/queries/postings-by-keyword",
                params={"text": '" || true || "', "format": "json"}).json()["results"]["bindings"]
    assert union == []  # a string, not an expression: no title contains it
    assert len(catalogue_store) == before
    page = get(catalogue_server, "/queries/postings-by-keyword", params={"text": '<script>alert(1)</script>'})
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text


def test_the_query_page_offers_prefixes_and_every_stored_query(catalogue_server) -> None:  # type: ignore[no-untyped-def]
    from jobgraph.vocab import PREFIXES

    page = get(catalogue_server, "/query").text
    for prefix, iri in PREFIXES.items():
        assert f"<code>{prefix}:</code>" in page and iri in page
    for name in CATALOGUE:
        assert f'<option value="{name}">' in page
    assert "://cdn" not in page and "https://unpkg" not in page  # everything it loads is served here
    for asset in ("query.js", "sparql-highlight.js", "query.css"):
        assert get(catalogue_server, f"/static/{asset}").status_code == 200


# --- in the browser -----------------------------------------------------------------------------------------

TOP_SKILLS = """PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
# skills and how many postings name them
SELECT ?skill ?label (COUNT(?p) AS ?postings) WHERE {
  ?p schema:skills ?skill . ?skill skos:prefLabel ?label
} GROUP BY ?skill ?label ORDER BY DESC(?postings) ?label LIMIT 5"""


@pytest.mark.browser
def test_run_a_query_in_the_browser_and_see_the_table(page, catalogue_server) -> None:  # type: ignore[no-untyped-def]
    blocked: list[str] = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(catalogue_server.url)
               else (blocked.append(route.request.url), route.abort()))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(catalogue_server.url + "/query")
    editor = page.get_by_label("SPARQL query")
    editor.fill(TOP_SKILLS)
    assert page.locator("#highlight .tok-keyword", has_text="SELECT").count() == 1
    assert page.locator("#highlight .tok-variable", has_text="?skill").count() >= 2
    assert page.locator("#highlight .tok-comment").count() == 1
    assert page.locator("#highlight .tok-iri").count() == 2
    editor.press("Control+Enter")  # the keyboard runs it
    table = page.locator("#out table")
    table.wait_for()
    assert table.locator("thead th").all_inner_texts() == ["skill", "label", "postings"]
    first = table.locator("tbody tr").first
    assert first.locator("td").nth(1).inner_text().startswith("Python")
    link = first.locator("td a")
    assert link.get_attribute("title") == JGS + "python"
    assert link.get_attribute("href") == "/skill/python"  # the IRI as this server shows it
    assert table.locator("tbody tr").count() == 5
    assert "5 rows" in page.locator("#status").inner_text()
    page.select_option("#download-format", "csv")
    href = page.locator("#download").get_attribute("href")
    assert "format=csv" in href
    download = requests.get(catalogue_server.url + href, timeout=30)
    assert download.text.splitlines()[0] == "skill,label,postings" and len(download.text.splitlines()) == 6
    page.screenshot(path=str(ARTIFACTS / "query-page.png"), full_page=True)
    link.click()  # an IRI in the table opens this server's page for it
    page.wait_for_url("**/skill/python")
    assert "Python" in page.locator("main").inner_text() and page.title() != ""
    assert blocked == []  # no CDN, no request anywhere but this server


@pytest.mark.browser
def test_a_bad_query_shows_the_parser_message(page, catalogue_server) -> None:  # type: ignore[no-untyped-def]
    page.goto(catalogue_server.url + "/query")
    editor = page.get_by_label("SPARQL query")
    editor.fill("SELECT ?x WHERE { ?x ")
    editor.press("Tab")  # Tab leaves the editor for the Run button (no keyboard trap), Enter presses it
    assert page.evaluate("document.activeElement.id") == "run"
    page.keyboard.press("Enter")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "does not parse" in alert.inner_text()
    assert "400" in page.locator("#status").inner_text()


@pytest.mark.browser
def test_run_a_stored_query_from_the_page(page, catalogue_server) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(catalogue_server.url + "/query")
    page.get_by_label("Example").select_option("co-occurring-skills")
    assert page.locator("#example-description").inner_text() == CATALOGUE["co-occurring-skills"].description
    param = page.locator("#param-skill")
    assert param.input_value() == "python"
    param.fill("r")
    page.get_by_role("button", name="Run stored query").click()
    table = page.locator("#out table")
    table.wait_for()
    rows = table.locator("tbody tr")
    assert rows.count() > 0
    assert set(rows.locator("td:first-child").all_inner_texts()) == {JGS + "r"}
    assert "Python en" in rows.locator("td:nth-child(3)").all_inner_texts()  # the label and its language
    assert page.locator("#stored-link").get_attribute("href") == "/queries/co-occurring-skills?skill=r"
    page.screenshot(path=str(ARTIFACTS / "query-page-stored.png"), full_page=True)
    # a CONSTRUCT stored query shows its triples as subject / predicate / object
    page.get_by_label("Example").select_option("organization")
    page.locator("#param-organization").fill("004eyxv41")
    page.get_by_role("button", name="Run stored query").click()
    page.locator("#out table").wait_for()
    assert page.locator("#out thead th").all_inner_texts() == ["subject", "predicate", "object"]
    assert "rOpenSci" in page.locator("#out tbody").inner_text()
    # and "Open in editor" puts its text in the editor
    page.get_by_role("button", name="Open in editor").click()
    assert "CONSTRUCT" in page.get_by_label("SPARQL query").input_value()


@pytest.mark.browser
def test_the_catalogue_and_a_stored_query_page_in_the_browser(page, catalogue_server) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(catalogue_server.url + "/queries")
    assert page.locator("table.catalogue tbody tr").count() == len(CATALOGUE)
    page.screenshot(path=str(ARTIFACTS / "stored-queries.png"), full_page=True)
    page.get_by_role("link", name="Postings open on a date").click()
    date = page.get_by_label("?date", exact=False)
    assert date.input_value() == "2026-03-01"
    date.fill("2026-04-20")
    date.press("Enter")  # the form submits from the keyboard
    page.wait_for_url("**/queries/open-on-date?date=2026-04-20")
    assert page.locator("table tbody tr td:nth-child(3)").all_inner_texts() == [
        "Community Maintainer (part-time) en", "Research software engineer for a climate data platform en"]
    csv_link = page.get_by_role("link", name="csv", exact=True)
    assert csv_link.get_attribute("href") == "/queries/open-on-date?format=csv&date=2026-04-20"
    rows = list(csv.DictReader(io.StringIO(requests.get(catalogue_server.url + csv_link.get_attribute("href"),
                                                        timeout=30).text)))
    assert [r["employerName"] for r in rows] == ["Example Array Project", "Example Climate Institute"]
    page.goto(catalogue_server.url + "/queries/salaries-yearly")
    assert page.locator("table tbody tr").count() == 7
    posting = page.locator("table tbody tr td a").first
    assert posting.get_attribute("href").startswith("/posting/")
    assert posting.get_attribute("title").startswith("https://w3id.org/jobgraph/posting/")
    assert "USD 3,000 - 3,500 per month" in page.locator("table tbody").inner_text()
    page.screenshot(path=str(ARTIFACTS / "stored-query-page.png"), full_page=True)
