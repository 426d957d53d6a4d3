"""The facet index gives, for every state of the explore page, exactly what the page's SPARQL gives on the store.

The index (jobgraph.web.facet_index) is loaded from a real on-disk store by SPARQL. For a fixed grid and for
states drawn by hypothesis, on the demo (with the seed postings) and on a store of varied postings, every
count, facet, time series, salary range and the list of results is compared with the same query from
jobgraph.web.facets run on the store, and a whole page view with and without the index.
"""

from __future__ import annotations

import itertools
import math
import re
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobgraph.ingest import ingest
from jobgraph.store import OxigraphStore
from jobgraph.web import create_app
from jobgraph.web.explore import Runner, explore_view
from jobgraph.web.facet_index import FacetIndex, IndexKeeper, plain
from jobgraph.web.facets import (
    FACETS,
    Filters,
    count_query,
    counted,
    facet_query,
    months_query,
    results_query,
    salary_query,
)

from .conftest import LiveServer, reference_data, varied_postings

PYTHON = "https://w3id.org/jobgraph/skill/python"
TODAYS = ("2000-01-01", "2025-06-30", "2026-03-15", "2099-12-31")


@pytest.fixture(scope="module")
def varied_store(tmp_path_factory: pytest.TempPathFactory) -> OxigraphStore:
    """The demo's reference data and 49 varied postings (every demo posting, in many titles, places, salaries)."""
    folder = tmp_path_factory.mktemp("varied")
    store = OxigraphStore(folder / "store")
    summary = ingest([*reference_data(), *varied_postings(folder / "in", 49)], store, on_error=pytest.fail)
    assert not summary.failures
    return store


@pytest.fixture(scope="module", params=["demo", "varied"])
def loaded(request: pytest.FixtureRequest) -> tuple[OxigraphStore, FacetIndex]:
    store = request.getfixturevalue("seeds_store" if request.param == "demo" else "varied_store")
    return store, FacetIndex.load(store)


def live(store: object, query: str) -> list[dict[str, str]]:
    solutions = store.query(query)  # type: ignore[attr-defined]
    names = [v.value for v in solutions.variables]
    return [{n: plain(s[n]) for n in names if s[n] is not None} for s in solutions]


def from_index(html: str) -> bool:
    """Whether a page says its figures were taken from the facet index (its text, tags and line breaks aside)."""
    return "were taken from the facet index:" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def same_salaries(index_rows: list[dict[str, str]], store_rows: list[dict[str, str]]) -> bool:
    """Groups and counts exactly; the amounts as numbers (the store's decimals, the index's floats)."""
    if [(r["country"], r["currency"], r["count"]) for r in index_rows] != [
            (r["country"], r["currency"], r["count"]) for r in store_rows]:
        return False
    return all(math.isclose(float(a[k]), float(b[k]), rel_tol=1e-9)
               for a, b in zip(index_rows, store_rows, strict=True) for k in ("min", "mid", "max"))


def check_state(store: OxigraphStore, index: FacetIndex, filters: Filters) -> None:
    """Every query of the page, answered by the index and by the store, for one state."""
    assert index.count(filters) == live(store, count_query(filters)), filters
    for facet in FACETS:
        if counted(facet, filters):
            for limit in (None, 9):
                assert index.facet(facet, filters, limit) == live(store, facet_query(facet, filters, limit)), (
                    facet.name, filters)
    assert index.months(filters) == live(store, months_query(filters)), filters
    assert same_salaries(index.salary(filters), live(store, salary_query(filters))), filters
    # the results: the same postings with the same dates, newest first (postings of one date may come in
    # another order, as with the store's own two join forms), and pages that cover them once each
    every = live(store, results_query(filters.set(), page_size=100_000))
    dates = {r["posting"]: r.get("date") for r in every}
    listed = index.page(filters.set(), page_size=100_000)
    assert sorted(p for p, _ in listed) == sorted(dates) and len(listed) == len(set(listed)), filters
    assert [dates[p] for p, _ in listed] == [r.get("date") for r in every], filters
    assert all(d is None if dates[p] is None else d.startswith(f'"{dates[p]}"^^') for p, d in listed)
    pages = [index.page(filters.set(page=n), page_size=4) for n in range(1, len(listed) // 4 + 3)]
    assert list(itertools.chain(*pages)) == listed


def grid(index: FacetIndex) -> list[Filters]:
    """States over the values the store holds: each facet alone, pairs of facets, skills at each level,
    search words (in titles only, descriptions only, in any case, not found), dates against several todays."""
    rel = index.relations

    def top(name: str, n: int = 2) -> list[str]:
        counts = rel[name].counts(None).tolist()
        return [v for _, v in sorted(zip(counts, rel[name].values, strict=True), reverse=True)[:n]]

    skills = top("skills", 3)
    years = sorted({v[:4] for v in rel["dates"].values})
    states = [Filters(), Filters(employer=top("employer")[0]), Filters(orgtype=top("orgtype")[0]),
              Filters(country=top("country")[0]), Filters(remote=top("remote")[0]),
              Filters(employment=top("employment")[0]), Filters(skills=(skills[0],)),
              Filters(skills=tuple(skills[:2])), Filters(skills=(skills[1], skills[2]), level="necessary"),
              Filters(skills=(skills[0],), level="desirable"), Filters(level="necessary"),
              Filters(level="mentioned"), Filters(year=years[0]), Filters(year=years[-1]), Filters(year="1999"),
              Filters(country="ZZ"), Filters(employer="https://example.org/nobody"),
              Filters(country=top("country")[0], skills=(skills[0],)),
              Filters(orgtype=top("orgtype")[0], year=years[-1]),
              Filters(remote=top("remote")[0], employment=top("employment")[0])]
    states += [Filters(status=s, today=t) for s in ("open", "closed") for t in TODAYS]
    states += [Filters(q=q) for q in ("data", "DATA Steward", "engineer", "jupyterhub", "ab", "é", "zzqx",
                                      '"} DROP ALL', "Research Software Engineer")]
    states += [Filters(q="data", country=top("country")[0], status="open", today="2026-01-01")]
    return states


def test_index_answers_as_the_store_on_a_grid_of_states(loaded) -> None:  # type: ignore[no-untyped-def]
    store, index = loaded
    for filters in grid(index):
        check_state(store, index, filters)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_index_answers_as_the_store_on_drawn_states(loaded, data) -> None:  # type: ignore[no-untyped-def]
    store, index = loaded
    rel = index.relations

    def maybe(values: list[str]) -> st.SearchStrategy:
        return st.none() | st.sampled_from(values)

    skills = rel["skills"].values
    filters = Filters(
        employer=data.draw(maybe(rel["employer"].values)), orgtype=data.draw(maybe(rel["orgtype"].values)),
        country=data.draw(maybe(rel["country"].values)), remote=data.draw(maybe(rel["remote"].values)),
        employment=data.draw(maybe(rel["employment"].values)),
        skills=tuple(dict.fromkeys(data.draw(st.lists(st.sampled_from(skills), max_size=3)))),
        level=data.draw(maybe(["necessary", "desirable", "mentioned"])),
        status=data.draw(maybe(["open", "closed"])),
        year=data.draw(maybe(sorted({v[:4] for v in rel["dates"].values}))),
        q=data.draw(st.none() | st.sampled_from(["data", "python", "steward", "research", "the", "Edinburgh", "x"])),
        today=data.draw(st.sampled_from(TODAYS)))
    check_state(store, index, filters)


@pytest.mark.parametrize("args", ["", "country=GB", "skill=python&level=desirable", "q=data&status=closed",
                                  "employer=ror:04wxnsj81&skill=python", "level=necessary&employment=FULL_TIME"])
def test_a_page_view_is_the_same_with_and_without_the_index(seeds_store, args: str) -> None:  # type: ignore[no-untyped-def]
    """Through explore_view, as the page renders it: every facet choice, chart table and result line."""
    filters = Filters.from_args(dict(pair.split("=") for pair in args.split("&")) if args else {})
    with create_app(seeds_store, {"JOBGRAPH_EXPLORE_INDEX": 0}).test_request_context():
        by_index = explore_view(filters, Runner(seeds_store, index=FacetIndex.load(seeds_store)))
        on_store = explore_view(filters, Runner(seeds_store))
    assert by_index["index"] is not None and on_store["index"] is None
    assert by_index["total"] == on_store["total"]
    for name, view in on_store["facets"].items():
        assert [(c.value, c.count, c.selected) for c in by_index["facets"][name].choices] == [
            (c.value, c.count, c.selected) for c in view.choices], name
    assert [(c.id, c.rows) for c in by_index["cards"]] == [(c.id, c.rows) for c in on_store["cards"]]
    assert [r.get("date") for r in by_index["results"]] == [r.get("date") for r in on_store["results"]]
    assert all(set(r) <= {"posting", "title", "employer", "employerName", "country", "date", "closes"}
               for r in by_index["results"])
    assert {r["posting"] for r in by_index["results"]} == {r["posting"] for r in on_store["results"]}


def test_the_page_says_its_figures_came_from_the_index_and_lists_the_load_queries(seeds_store) -> None:  # type: ignore[no-untyped-def]
    app = create_app(seeds_store)
    index = app.extensions["jobgraph.explore.index"].wait(60)
    assert index is not None and index.size >= 15
    server = LiveServer(app)
    try:
        html = unescape(requests.get(server.url + "/?country=GB", timeout=30).text)
        assert from_index(html) and "How the facet index was loaded" in html
        assert "answered from the facet index in" in html
        links = re.findall(r'<a href="(/query\?query=[^"]+)">open in the query page</a>', html)
        queries = [parse_qs(urlparse(link).query)["query"][0] for link in links]
        # the count shown is the count query's answer on the store
        counted_query = next(q for q in queries if "SELECT (COUNT(DISTINCT ?posting) AS ?count)" in q)
        answer = requests.get(server.url + "/sparql", params={"query": counted_query}, timeout=30,
                              headers={"Accept": "application/sparql-results+json"}).json()
        assert int(answer["results"]["bindings"][0]["count"]["value"]) == 3
        assert '<span class="explore-total">3</span>' in html
        # every load query is listed with the rows it gave, and gives them again on the store
        for load in index.loads:
            assert load.query in queries and f"{load.title}</span> <span class=\"muted\">({load.rows} row" in html
        titles = next(load for load in index.loads if "title" in load.title)
        rows = requests.get(server.url + "/sparql", params={"query": titles.query}, timeout=30,
                            headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
        assert len(rows) == titles.rows >= 15
    finally:
        server.stop()


def test_the_index_is_dropped_at_a_write_and_loaded_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """After an ingest, pages are answered on the store until the new index is loaded; then by it, with the
    new posting counted."""
    store = OxigraphStore(tmp_path / "store")
    ingest([*reference_data(), *varied_postings(tmp_path / "in", 5)], store, on_error=pytest.fail)
    app = create_app(store, {"JOBGRAPH_EXPLORE_CACHE": 0})
    keeper: IndexKeeper = app.extensions["jobgraph.explore.index"]
    client = app.test_client()
    before = live(store, count_query(Filters()))[0]["count"]
    assert keeper.wait(60).count(Filters())[0]["count"] == before
    assert from_index(client.get("/").get_data(as_text=True))
    ingest(varied_postings(tmp_path / "more", 1, version=3), store, on_error=pytest.fail)
    after = live(store, count_query(Filters()))[0]["count"]
    assert int(after) > int(before)
    html = client.get("/").get_data(as_text=True)  # this view starts the reload, and is answered by the store
    assert not from_index(html) and f'<span class="explore-total">{after}</span>' in html
    assert keeper.wait(60).count(Filters())[0]["count"] == after
    html = client.get("/").get_data(as_text=True)
    assert from_index(html) and f'<span class="explore-total">{after}</span>' in html


def test_the_index_can_be_turned_off(seeds_store) -> None:  # type: ignore[no-untyped-def]
    app = create_app(seeds_store, {"JOBGRAPH_EXPLORE_INDEX": "0"})
    assert "jobgraph.explore.index" not in app.extensions
    html = app.test_client().get("/?country=GB").get_data(as_text=True)
    assert "facet index" not in html and '<span class="explore-total">3</span>' in html


def test_a_remote_store_index_is_loaded_over_the_protocol_and_renewed_by_time(remote_seeds_store) -> None:  # type: ignore[no-untyped-def]
    keeper = IndexKeeper(remote_seeds_store, ttl=3600)
    index = keeper.wait(60)
    assert index is not None and index.stamp[0] == "time"
    for filters in (Filters(), Filters(country="GB"), Filters(skills=(PYTHON,), level="necessary"), Filters(q="data")):
        check_state(remote_seeds_store, index, filters)
    assert IndexKeeper(remote_seeds_store, ttl=0).wait(5) is None  # TTL 0: never kept, every page asks the store
    app = create_app(remote_seeds_store, {"JOBGRAPH_EXPLORE_INDEX_TTL": 0})
    assert app.extensions["jobgraph.explore.index"].wait(5) is None
    assert not from_index(app.test_client().get("/?country=GB").get_data(as_text=True))


def test_what_the_index_cannot_hold_exactly_is_left_to_the_store(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A posting that is a blank node cannot be named in the load's grouped IRIs: the index declines to load
    (and says why) rather than leave it out, and the pages count it, on the store."""
    store = OxigraphStore(tmp_path / "store")
    ingest([*reference_data(), *varied_postings(tmp_path / "in", 2)], store, on_error=pytest.fail)
    store.update("PREFIX schema: <http://schema.org/> INSERT DATA { GRAPH <urn:test:blank> { "
                 "_:p a schema:JobPosting ; schema:hiringOrganization <https://ror.org/04wxnsj81> } }")
    app = create_app(store, {"JOBGRAPH_EXPLORE_CACHE": 0})
    keeper: IndexKeeper = app.extensions["jobgraph.explore.index"]
    assert keeper.wait(60) is None and "not an IRI" in keeper.failed[1]
    html = app.test_client().get("/?employer=ror:04wxnsj81").get_data(as_text=True)
    expected = live(store, count_query(Filters(employer="https://ror.org/04wxnsj81")))[0]["count"]
    assert not from_index(html) and f'<span class="explore-total">{expected}</span>' in html and int(expected) >= 1
