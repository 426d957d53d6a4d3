"""The explore page over the real seeds store and HTTP server: facets, search, pages, charts, panels.

Every figure the page shows is checked against a query of our own sent to /sparql, so a wrong facet
pattern cannot agree with itself.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from flask import render_template_string

from jobgraph.vocab import sparql_prefixes
from jobgraph.web import charts, create_app
from jobgraph.web.facets import FACET, Filters, facet_query, results_query, salary_query

SVG = "{http://www.w3.org/2000/svg}"
PYTHON = "https://w3id.org/jobgraph/skill/python"
DATACITE = "https://ror.org/04wxnsj81"


def count(live_server, where: str) -> int:  # type: ignore[no-untyped-def]
    """Our own count of postings matching a pattern, over the SPARQL endpoint."""
    query = sparql_prefixes() + f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a schema:JobPosting . {where} }}"
    resp = requests.get(f"{live_server.url}/sparql", params={"query": query},
                        headers={"Accept": "application/sparql-results+json"}, timeout=30)
    return int(resp.json()["results"]["bindings"][0]["n"]["value"])


def get(live_server, query: str = "") -> str:  # type: ignore[no-untyped-def]
    resp = requests.get(f"{live_server.url}/{query}", timeout=60)
    assert resp.status_code == 200, resp.text[:500]
    return resp.text


def total(html: str) -> int:
    return int(re.search(r'<span class="explore-total">(\d+)</span>', html).group(1))


def facet_counts(html: str, facet_label: str) -> dict[str, int]:
    block = html.split(f"<summary>{facet_label}</summary>", 1)[1].split("</details>", 1)[0]
    return {unescape(label): int(n) for label, n in re.findall(
        r'<span class="explore-facet-label">([^<]+)</span> <span class="explore-count">(\d+)</span>', block)}


def test_front_page_counts_agree_with_the_store(live_server) -> None:  # type: ignore[no-untyped-def]
    html = get(live_server)
    assert total(html) == count(live_server, "") == 15
    assert facet_counts(html, "Country") == {
        "United Kingdom": count(live_server, '?p schema:jobLocation/schema:addressCountry "GB"'),
        "United States": count(live_server, '?p schema:jobLocation/schema:addressCountry "US"'),
        "Switzerland": count(live_server, '?p schema:jobLocation/schema:addressCountry "CH"')}
    employers = facet_counts(html, "Employer")
    assert employers["DataCite"] == count(live_server, f"?p schema:hiringOrganization <{DATACITE}>") == 4
    assert facet_counts(html, "Remote")["remote"] == count(live_server, '?p jg:workArrangement "remote"')
    assert facet_counts(html, "Organisation type (ROR)")["nonprofit"] == count(
        live_server, '?p schema:hiringOrganization/jg:organizationType "nonprofit"')
    assert facet_counts(html, "Necessary or desirable") == {}  # counted only once a skill is chosen


def test_two_facets_narrow_the_postings_and_every_count(live_server) -> None:  # type: ignore[no-untyped-def]
    html = get(live_server, "?country=GB&skill=python")
    expected = count(live_server, f'?p schema:jobLocation/schema:addressCountry "GB" ; schema:skills <{PYTHON}>')
    assert 0 < total(html) == expected < 15
    assert html.count('class="explore-title"') == expected
    # the employer facet now counts only those postings
    edinburgh = count(live_server, '?p schema:jobLocation/schema:addressCountry "GB" ; '
                                   f'schema:skills <{PYTHON}> ; schema:hiringOrganization <https://ror.org/01nrxwf90>')
    assert facet_counts(html, "Employer").get("University of Edinburgh", 0) == edinburgh
    # the chosen filters are shown, each with a link that removes it
    assert 'aria-label="Remove filter Country: United Kingdom"' in html
    assert 'href="/?skill=python"' in html  # dropping the country keeps the skill


def test_level_and_year_and_status(live_server) -> None:  # type: ignore[no-untyped-def]
    necessary = f"?p jg:requirement [ jg:skill <{PYTHON}> ; jg:level jg:Necessary ]"
    levels = facet_counts(get(live_server, "?skill=python"), "Necessary or desirable")
    assert levels["necessary"] == count(live_server, necessary)
    assert levels["desirable"] == count(live_server, necessary.replace("Necessary", "Desirable"))
    assert total(get(live_server, "?skill=python&level=necessary")) == count(live_server, necessary)
    # with no skill chosen, the level says which requirements the skill counts use
    html = get(live_server, "?level=necessary")
    assert total(html) == 15 and "Skills most asked for as necessary" in html
    assert facet_counts(html, "Skill")["Python"] == count(live_server, necessary)
    year = get(live_server, "?year=2026")
    assert total(year) == count(live_server, "OPTIONAL { ?p schema:datePosted ?a } "
                                             "OPTIONAL { ?p schema:validThrough ?b } "
                                             'FILTER(STRSTARTS(STR(COALESCE(?a, ?b)), "2026"))')
    closed = get(live_server, "?status=closed")
    today = Filters().today
    assert total(closed) == count(live_server, f'?p schema:validThrough ?c FILTER(STR(?c) < "{today}")')


def test_search_reads_titles_and_descriptions(live_server) -> None:  # type: ignore[no-untyped-def]
    html = get(live_server, "?q=Data+Steward")
    assert "Research Data Steward" in html and total(html) >= 1
    # a word found only in descriptions still finds postings
    words = count(live_server, '?p schema:description ?d FILTER(CONTAINS(LCASE(?d), "jupyterhub"))')
    assert total(get(live_server, "?q=JupyterHub")) == words > 0
    assert total(get(live_server, "?q=%22%7D%20DROP%20ALL")) == 0  # quotes cannot break out of the query


def test_bad_filters_are_refused_with_what_to_do(live_server) -> None:  # type: ignore[no-untyped-def]
    for query, words in (("?country=United", "two-letter"), ("?remote=maybe", "remote, hybrid, on-site"),
                         ("?employer=<x>", "not an IRI"), ("?page=0", "page number"), ("?year=26", "a year")):
        resp = requests.get(f"{live_server.url}/{query}", timeout=30)
        assert resp.status_code == 400 and words in unescape(resp.text), (query, resp.text[:300])
    assert total(get(live_server, "?country=gb")) == 3  # lower case is read as the code it means


def test_every_query_shown_opens_in_the_query_page_and_gives_the_counts(live_server) -> None:  # type: ignore[no-untyped-def]
    html = get(live_server, "?country=GB")
    links = re.findall(r'<a href="(/query\?query=[^"]+)">open in the query page</a>', html)
    assert len(links) >= 12
    queries = [parse_qs(urlparse(unescape(link)).query)["query"][0] for link in links]
    assert all(f"<pre><code>{q}" in unescape(html) for q in queries[:3])
    counted = next(q for q in queries if "SELECT (COUNT(DISTINCT ?posting) AS ?count)" in q)
    resp = requests.get(f"{live_server.url}/sparql", params={"query": counted},
                        headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert int(resp.json()["results"]["bindings"][0]["count"]["value"]) == total(html) == 3


def test_pages_of_results_cover_every_posting_once(seeds_store) -> None:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    for page in range(1, 6):
        rows = list(seeds_store.query(results_query(Filters(page=page), page_size=4)))
        assert len(rows) == (4 if page < 4 else 3 if page == 4 else 0)
        seen += [r["posting"].value for r in rows]
    assert len(seen) == len(set(seen)) == 15


def test_salaries_are_yearly_and_grouped_by_country_and_currency(seeds_store) -> None:  # type: ignore[no-untyped-def]
    rows = {(r["country"].value, r["currency"].value): r for r in seeds_store.query(salary_query(Filters()))}
    # the hourly posting (USD 45-60 at 20 hours a week, no place) becomes 45*20*52 .. 60*20*52 a year
    hourly = rows[("", "USD")]
    assert (float(hourly["min"].value), float(hourly["max"].value)) == (45 * 20 * 52, 60 * 20 * 52)
    assert float(rows[("GB", "GBP")]["min"].value) == 34500
    assert int(rows[("CH", "CHF")]["count"].value) == 1


def test_facet_query_leaves_out_its_own_choice_so_alternatives_show(seeds_store) -> None:  # type: ignore[no-untyped-def]
    rows = {r["value"].value: int(r["count"].value) for r in seeds_store.query(
        facet_query(FACET["country"], Filters(country="GB")))}
    assert set(rows) == {"GB", "US", "CH"}
    skills = {r["value"].value for r in seeds_store.query(facet_query(FACET["skills"], Filters(skills=(PYTHON,))))}
    assert PYTHON in skills  # skills are combined (all required), so their counts narrow with each choice


def test_charts_are_valid_accessible_svg() -> None:
    svg = charts.bar_chart([charts.Bar("Python", 13, "/?skill=python"), charts.Bar("R & <S>", 2)],
                           title="Skills", desc="Postings per skill")
    root = ET.fromstring(str(svg))
    assert root.get("viewBox", "").startswith("0 0 ") and root.get("width") is None
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id and root.find(f"{SVG}desc").text == "Postings per skill"
    links = root.findall(f"{SVG}a")
    assert [a.get("href") for a in links] == ["/?skill=python"]
    assert links[0].get("aria-label") == "Python: 13 postings — show these"
    assert len(root.findall(f".//{SVG}rect[@class='bar']")) == 2
    assert "R &amp; &lt;S&gt;" in str(svg)
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert widths[0] > widths[1] * 5
    line = ET.fromstring(str(charts.line_chart([("2024", 1), ("2025", 4), ("2026", 2)], title="t", desc="d")))
    assert line.get("role") == "img" and len(line.findall(f"{SVG}circle")) == 3
    net = ET.fromstring(str(charts.ego_network(charts.Bar("Python", 10), [charts.Bar("Git", 6, "/?x")],
                                               title="t", desc="d")))
    assert net.find(f"{SVG}a").get("aria-label").startswith("Git: with Python in 6 postings (60%)")
    assert charts.nice_ticks(13) == [0, 5, 10, 15] and charts.nice_ticks(0.5) == [0, 0.2, 0.4, 0.6]
    assert charts.nice_ticks(2, whole=True) == [0, 1, 2]  # no half postings


def test_front_page_draws_the_charts_from_the_store(live_server) -> None:  # type: ignore[no-untyped-def]
    html = get(live_server, "?employer=ror:04wxnsj81")
    for card in ("chart-skills", "chart-companions", "chart-time"):
        assert f'id="{card}"' in html
    figure = html.split('id="chart-skills"', 1)[1].split("</figure>", 1)[0]
    svg = ET.fromstring(figure[figure.index("<svg"): figure.index("</svg>") + 6])
    top = svg.findall(f"{SVG}a")[0]
    skill = parse_qs(urlparse(top.get("href")).query)["skill"][0]
    n = int(re.search(r": (\d+) postings", top.get("aria-label")).group(1))
    assert n == count(live_server, f"?p schema:hiringOrganization <{DATACITE}> ; schema:skills "
                                   f"<https://w3id.org/jobgraph/skill/{skill}>")


@pytest.fixture
def app(seeds_store):  # type: ignore[no-untyped-def]
    return create_app(seeds_store)


def test_org_panels_global_renders_postings_charts_and_links_out(app, live_server) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context("/ror/04wxnsj81"):
        html = render_template_string("<main>{{ org_panels(iri) }}</main>", iri=DATACITE)
    assert '<strong class="explore-total">4</strong> postings' in html
    assert html.count('class="explore-title"') == 4 == count(live_server, f"?p schema:hiringOrganization <{DATACITE}>")
    assert 'href="https://ror.org/04wxnsj81" rel="external">ROR' in html
    assert 'href="https://en.wikipedia.org/wiki/DataCite" rel="external">Wikipedia' in html
    assert 'id="chart-skills"' in html and "<svg" in html
    assert 'href="/?employer=ror%3A04wxnsj81"' in html  # on to the explore page with this employer chosen


def test_skill_panels_global_renders_employers_and_companions(app, live_server) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context("/skill/python"):
        html = render_template_string("{{ skill_panels(iri) }}", iri=PYTHON)
    n = count(live_server, f"?p schema:skills <{PYTHON}>")
    assert f'<strong class="explore-total">{n}</strong> postings' in html
    assert 'id="chart-employers"' in html and 'id="chart-companions"' in html
    assert "Skills asked for with Python" in html
    assert "/query?query=" in html  # the panels show their SPARQL too


def test_kept_results_are_dropped_when_the_store_changes(tmp_path) -> None:
    """Counts are kept between page views, and a new posting in the store shows up on the next one."""
    from jobgraph.ingest import ingest
    from jobgraph.store import OxigraphStore

    from .conftest import DATA, LiveServer

    store = OxigraphStore(tmp_path / "store")
    ingest([DATA / "ror", DATA / "skills.ttl", DATA / "postings" / "cos-research-data-librarian.md"], store)
    server = LiveServer(create_app(store))
    try:
        first = requests.get(server.url + "/?q=librarian", timeout=30).text
        again = requests.get(server.url + "/?q=librarian", timeout=30).text
        assert total(first) == total(again) == 1
        assert "kept from an earlier run" not in first and "kept from an earlier run" in again
        extra = tmp_path / "more" / "steward.md"
        extra.parent.mkdir()
        extra.write_text("# Data Librarian and Steward\n\nThe Center for Open Science is hiring a data librarian "
                         "to help researchers with Python and metadata.\n\nLocation: remote. Full-time.\n")
        ingest([extra], store)
        after = requests.get(server.url + "/?q=librarian", timeout=30).text
        assert total(after) == 2 and "Data Librarian and Steward" in after
    finally:
        server.stop()


@pytest.mark.parametrize("args", ["", "country=GB", "skill=python&level=desirable", "orgtype=nonprofit&year=2026",
                                  "q=data&status=closed", "employer=ror:04wxnsj81&skill=python&remote=remote",
                                  "level=necessary&employment=FULL_TIME"])
def test_lookups_and_hash_joins_give_the_same_answers(seeds_store, args: str) -> None:  # type: ignore[no-untyped-def]
    """The two ways a page's queries are joined (chosen by the number of postings) agree on every figure."""
    from jobgraph.web.facets import FACETS, counted, months_query

    filters = Filters.from_args(dict(pair.split("=") for pair in args.split("&")) if args else {})

    def answer(query: str) -> list[tuple[str, ...]]:
        return [tuple(str(term) for term in row) for row in seeds_store.query(query)]

    for facet in FACETS:
        if counted(facet, filters):
            expected = answer(facet_query(facet, filters))
            assert answer(facet_query(facet, filters, hashed=True)) == expected, facet.name
            assert answer(facet_query(facet, filters, hashed=True, hashed_value=False)) == expected, facet.name
    for build in (months_query, salary_query):
        assert answer(build(filters, hashed=True)) == answer(build(filters)), build.__name__
    everything = replace(filters, page=1)
    hashed, looked_up = (answer(results_query(everything, page_size=100, hashed=h)) for h in (True, False))
    assert sorted(hashed) == sorted(looked_up)  # the same postings; among equal dates the order may differ
    assert [r[5] for r in hashed] == [r[5] for r in looked_up]  # the dates, newest first
    assert answer(results_query(filters)) or args.startswith("employer")


def test_kept_results_follow_writes_locally_and_time_remotely(seeds_store, remote_seeds_store) -> None:  # type: ignore[no-untyped-def]
    """An embedded store is kept until its next write; a remote one (other clients may write to it) for the
    TTL at most, and not at all with TTL 0."""
    from jobgraph.web.explore import ResultCache

    local = ResultCache(seeds_store)
    assert local.check()
    local.entries["q"] = []
    assert local.check() and "q" in local.entries
    seeds_store.update("INSERT DATA { GRAPH <urn:jobgraph:test-cache> { <urn:a> <urn:b> 1 } }")
    try:
        assert local.check() and "q" not in local.entries  # the write dropped it
    finally:
        seeds_store.update("DROP GRAPH <urn:jobgraph:test-cache>")
    remote = ResultCache(remote_seeds_store, ttl=3600)
    assert remote.check()
    remote.entries["q"] = []
    assert remote.check() and "q" in remote.entries
    assert not ResultCache(remote_seeds_store, ttl=0).check()
