"""The front page: browse postings by facets and pictures, for readers who would rather look than query.

Every count, chart and list comes from a SPARQL query on the store (``facets``), and each page lists
the queries behind it with a link to the query page. Once the facet index (``facet_index``, loaded from
the store by SPARQL) is ready, it answers those queries in milliseconds and the page says so; until then,
or for what it cannot answer, they run on the store. The same panels are offered to the organisation and
skill pages as the Jinja globals ``org_panels(iri)`` and ``skill_panels(iri)``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, Flask, current_app, render_template, request
from markupsafe import Markup

from ..vocab import base_iri
from . import charts
from .facet_index import FacetIndex, IndexKeeper, NotIndexed, Ran, plain, store_stamp
from .facets import (
    FACET,
    FACET_SIZE,
    FACETS,
    LEVELS,
    PAGE_SIZE,
    BadFilter,
    Facet,
    Filters,
    compact,
    count_query,
    counted,
    country_name,
    facet_query,
    labels_query,
    links_query,
    months_query,
    postings_query,
    results_query,
    salary_query,
)

bp = Blueprint("explore", __name__)
CHART_SIZE = 12
# Below this many postings a page's queries look each posting up; above it they join whole scans by hash.
# Measured on the 100,000-posting store (benchmarks/explore.py): the two meet at a few thousand postings.
NESTED_BELOW = 3000
# The skill triples are the biggest set (8 a posting): up to this many postings, looking up their skills
# beats scanning every skill triple (3-7x at 3,000-7,600 postings of 100,000).
SKILL_LOOKUPS_BELOW = 20_000


@bp.record_once
def _register_globals(state) -> None:  # type: ignore[no-untyped-def]
    state.app.add_template_global(org_panels, "org_panels")
    state.app.add_template_global(skill_panels, "skill_panels")
    state.app.add_template_global(local_href, "local_href")
    state.app.add_template_global(country_name, "country_name")
    if keeper := _keeper(state.app):
        keeper.get()  # starts loading the facet index in the background


# --- running the queries -------------------------------------------------------------------------------

class ResultCache:
    """Query results kept until the store changes: most page views repeat queries already answered.

    A change is seen in the store's ``generation``, which an embedded store bumps on every write (it is
    the only writer: the folder is locked to one process). A store without one (a remote SPARQL store,
    such as the `oxigraph serve` child behind `jobgraph serve`, which other clients may write to) is kept
    for ``ttl`` seconds at most, so a page is never staler than that; ``ttl=0`` never caches it.
    """

    def __init__(self, store: object, size: int = 1024, ttl: float = 60.0) -> None:
        self.store, self.size, self.ttl = store, size, ttl
        self.entries: OrderedDict[str, list[dict[str, str]]] = OrderedDict()
        self.stamp: object = None
        self.lock = threading.Lock()

    def check(self) -> bool:
        """Drop everything if the store changed since the last look; False when this store cannot be cached."""
        stamp = store_stamp(self.store, self.ttl)
        with self.lock:
            if stamp != self.stamp:
                self.entries.clear()
                self.stamp = stamp
        return stamp is not None

    def get(self, query: str) -> list[dict[str, str]] | None:
        with self.lock:
            rows = self.entries.get(query)
            if rows is not None:
                self.entries.move_to_end(query)
            return rows

    def put(self, query: str, rows: list[dict[str, str]]) -> None:
        with self.lock:
            self.entries[query] = rows
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def _cache(app: Flask) -> ResultCache | None:
    """The app's result cache (``JOBGRAPH_EXPLORE_CACHE`` = number of queries kept, 0 turns it off;
    ``JOBGRAPH_EXPLORE_TTL`` = seconds a remote store's results are kept, 0 = not at all)."""
    size = int(app.config.get("JOBGRAPH_EXPLORE_CACHE", 1024))
    if not size:
        return None
    cache = app.extensions.get("jobgraph.explore.cache")
    if cache is None:
        ttl = float(app.config.get("JOBGRAPH_EXPLORE_TTL", 60))
        cache = app.extensions["jobgraph.explore.cache"] = ResultCache(app.extensions["jobgraph.store"], size, ttl)
    return cache if cache.check() else None


def _keeper(app: Flask) -> IndexKeeper | None:
    """The app's facet index (``JOBGRAPH_EXPLORE_INDEX``: on unless set to 0/false). A remote store's index is
    renewed every ``JOBGRAPH_EXPLORE_INDEX_TTL`` seconds (default 600: a load reads the whole store, two minutes
    at 100,000 postings), and not kept at all with 0."""
    if str(app.config.get("JOBGRAPH_EXPLORE_INDEX", "1")).lower() in {"0", "false", "no", "off", ""}:
        return None
    keeper = app.extensions.get("jobgraph.explore.index")
    if keeper is None:
        ttl = float(app.config.get("JOBGRAPH_EXPLORE_INDEX_TTL", 600))
        keeper = app.extensions["jobgraph.explore.index"] = IndexKeeper(app.extensions["jobgraph.store"], ttl)
    return keeper


@dataclass
class Runner:
    """Answers a page's queries, each distinct text once, and keeps what ran for the page to show: from the
    facet index when there is one (``ask``), else on the store."""

    store: object
    cache: ResultCache | None = None
    index: FacetIndex | None = None
    ran: dict[str, Ran] = field(default_factory=dict)
    results: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    @classmethod
    def for_app(cls) -> Runner:
        keeper = _keeper(current_app)
        return cls(current_app.extensions["jobgraph.store"], _cache(current_app), keeper.get() if keeper else None)

    def ask(self, title: str, build: Callable[..., str], *args: object, **options: object) -> list[dict[str, str]]:
        """The rows of ``build(*args, **options)`` (a query of ``facets``), from the index if it can answer it."""
        query = build(*args, **options)
        if query in self.results:
            return self.results[query]
        start = time.perf_counter()
        try:
            answer = self._from_index(build, args) if self.index is not None else None
        except NotIndexed:
            answer = None
        if answer is None:
            return self.rows(title, query)
        rows, then = answer
        self.ran[query] = Ran(title, query, len(rows), (time.perf_counter() - start) * 1000, "index")
        if then:  # listed after the query whose rows it completes
            rows = then(rows)
        self.results[query] = rows
        return rows

    def _from_index(self, build: Callable[..., str], args: tuple) -> tuple[list, Callable | None] | None:
        """(rows, what to do with them once timed) from the index; None for a query it does not hold."""
        index = self.index
        assert index is not None
        if build is results_query:  # the index chooses the page; the store gives what its lines show
            return index.page(*args), self._result_lines
        answers: dict[Callable, Callable] = {count_query: index.count, facet_query: index.facet,
                                             months_query: index.months, salary_query: index.salary}
        return (answers[build](*args), None) if build in answers else None

    def _result_lines(self, page: list[tuple[str, str | None]]) -> list[dict[str, str]]:
        if not page:
            return []
        rows = self.rows("What the result lines show of the postings on this page", postings_query(page))
        place = {iri: i for i, (iri, _) in reversed(list(enumerate(page)))}
        return sorted(rows, key=lambda r: place[r["posting"]])

    def rows(self, title: str, query: str) -> list[dict[str, str]]:
        if query in self.results:
            return self.results[query]
        start = time.perf_counter()
        rows = self.cache.get(query) if self.cache else None
        source = "store" if rows is None else "kept"
        if rows is None:
            solutions = self.store.query(query)  # type: ignore[attr-defined]
            names = [v.value for v in solutions.variables]
            rows = [{n: plain(s[n]) for n in names if s[n] is not None} for s in solutions]
            if self.cache:
                self.cache.put(query, rows)
        self.results[query] = rows
        self.ran[query] = Ran(title, query, len(rows), (time.perf_counter() - start) * 1000, source)
        return rows

    def labels(self, iris: set[str]) -> dict[str, str]:
        query = labels_query(iris)
        found: dict[str, str] = {}
        for row in self.rows("Labels of the organisations and skills shown", query) if query else []:
            found.setdefault(row["iri"], row["label"])
        return found


def local_href(iri: str) -> str:
    """Where this site shows a thing: IRIs minted here and ROR organisations dereference on this server."""
    if iri.startswith(base_iri()):
        return "/" + iri[len(base_iri()):]
    if iri.startswith("https://ror.org/"):
        return "/ror/" + iri.removeprefix("https://ror.org/")
    return iri


# --- view models ---------------------------------------------------------------------------------------

@dataclass
class Choice:
    value: str
    label: str
    count: int | None  # None: a choice that is not counted (see ``facets.counted``)
    href: str  # this state with the value chosen (or, when it is chosen, without it)
    selected: bool = False


@dataclass
class Card:
    """A chart with its title, the same numbers as a table, and a note on how to read it."""

    id: str
    title: str
    svg: Markup
    headers: tuple[str, ...]
    rows: list[tuple]
    note: str = ""


@dataclass
class FacetView:
    facet: Facet
    choices: list[Choice]

    @property
    def active(self) -> bool:
        return any(c.selected for c in self.choices)


def _label(facet: Facet, value: str, labels: dict[str, str]) -> str:
    if facet.iri_values:
        return labels.get(value) or compact(value)
    if facet.name == "country":
        return country_name(value)
    return (facet.names or {}).get(value, value)


def _choose(filters: Filters, facet: Facet, value: str) -> tuple[str, bool]:
    """The URL that picks ``value`` in ``facet`` (or drops it if picked) and whether it is picked now."""
    if facet.name == "skills":
        return filters.toggle_skill(value).url(), value in filters.skills
    selected = getattr(filters, facet.name) == value
    return filters.set(**{facet.name: None if selected else value}).url(), selected


def facet_view(facet: Facet, rows: list[dict[str, str]], filters: Filters, labels: dict[str, str],
               size: int = FACET_SIZE) -> FacetView:
    chosen = set(filters.skills) if facet.name == "skills" else {getattr(filters, facet.name)} - {None}
    shown = [r for r in rows[:size]] + [r for r in rows[size:] if r["value"] in chosen]
    if counted(facet, filters):  # a choice that no longer matches anything still shows, to be removed
        shown += [{"value": v, "count": "0"} for v in chosen - {r["value"] for r in shown}]
    choices = []
    for row in shown:
        href, selected = _choose(filters, facet, row["value"])
        n = int(row["count"]) if "count" in row else None
        choices.append(Choice(row["value"], _label(facet, row["value"], labels), n, href, selected))
    return FacetView(facet, choices)


def _months_to_points(rows: list[dict[str, str]]) -> tuple[list[tuple[str, float]], str]:
    """Months when the data span two years or less, else years; periods without postings count 0."""
    counts = {r["value"]: int(r["count"]) for r in rows if len(r["value"]) == 7 and r["value"][:4].isdigit()}
    if not counts:
        return [], ""
    first, last = min(counts), max(counts)
    if int(last[:4]) - int(first[:4]) <= 1:
        periods, (y, m) = [], (int(first[:4]), int(first[5:]))
        while f"{y:04d}-{m:02d}" <= last:
            periods.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return [(p, counts.get(p, 0)) for p in periods], "month"
    years: dict[str, int] = {}
    for month, n in counts.items():
        years[month[:4]] = years.get(month[:4], 0) + n
    return [(str(y), years.get(str(y), 0)) for y in range(int(first[:4]), int(last[:4]) + 1)], "year"


def _salary_cards(rows: list[dict[str, str]], filters: Filters, max_groups: int = 4) -> list[Card]:
    """One range chart per currency (amounts in different currencies share no axis), most postings first."""
    by_currency: dict[str, list[charts.Span]] = {}
    for r in rows:
        country = r.get("country", "")
        by_currency.setdefault(r["currency"], []).append(charts.Span(
            country_name(country) if country else "place not stated", float(r["min"]), float(r["max"]),
            float(r["mid"]), int(r["count"]), filters.set(country=country).url() if country else None))
    groups = sorted(by_currency.items(), key=lambda kv: -sum(s.count for s in kv[1]))[:max_groups]
    return [Card(f"chart-salary-{cur.lower()}", f"Yearly salaries in {cur}", charts.range_chart(
        spans[:8], title=f"Yearly salaries in {cur} by country",
        desc=f"For each country, the lowest to the highest yearly salary in {cur} among the postings selected, "
             "with a dot at the average middle of their ranges.", unit=f"{cur} a year"),
        ("Country", "Lowest", "Average middle", "Highest", "Postings"),
        [(s.label, f"{s.low:,.0f}", f"{s.mid:,.0f}", f"{s.high:,.0f}", s.count) for s in spans[:8]],
        note="" if i else "Hourly, daily, weekly and monthly pay are converted to a year (hours at the posting's "
                          "weekly hours, else 40, times 52 weeks; 260 working days).")
        for i, (cur, spans) in enumerate(groups)]


def _focus_count(focus: str, filters: Filters, total: int, skill_rows: list[dict[str, str]]) -> int:
    """How many postings the companions of the focus skill are counted over (known from the skill facet)."""
    if focus in filters.skills:
        return total
    return next((int(r["count"]) for r in skill_rows if r["value"] == focus), total)


def explore_view(filters: Filters, run: Runner, *, facets: tuple[str, ...] = tuple(FACET),
                 with_salary: bool = True) -> dict:
    """Everything the explore page (or a panel) shows for one state, from the store."""
    total = int(run.ask("How many postings match", count_query, filters)[0]["count"])
    hashed = total > NESTED_BELOW  # many postings: scans joined by hash beat a lookup per posting
    results = run.ask(f"Postings {(filters.page - 1) * PAGE_SIZE + 1}–{filters.page * PAGE_SIZE}, newest first",
                      results_query, filters, hashed=hashed)

    skills_hashed = total > SKILL_LOOKUPS_BELOW

    def facet_rows_for(name: str, state: Filters, limit: int = CHART_SIZE) -> list[dict[str, str]]:
        return run.ask(f"Facet: {FACET[name].label}", facet_query, FACET[name], state, limit,
                       hashed=hashed, hashed_value=skills_hashed if name == "skills" else None)

    facet_rows = {name: facet_rows_for(name, filters) if counted(FACET[name], filters)
                  else [{"value": v} for v in FACET[name].names or {}] for name in facets}
    skill_rows = facet_rows.get("skills") or facet_rows_for("skills", filters)
    focus = filters.skills[-1] if filters.skills else (skill_rows[0]["value"] if skill_rows else None)
    companions = run.ask(
        "Skills asked for together with the chosen skill", facet_query, FACET["skills"],
        filters if focus in filters.skills else filters.toggle_skill(focus), CHART_SIZE + 1,
        hashed=hashed, hashed_value=_focus_count(focus, filters, total, skill_rows) > SKILL_LOOKUPS_BELOW,
    ) if focus else []
    months = run.ask("Postings per month", months_query, filters, hashed=hashed)
    salaries = run.ask("Salary ranges by country and currency", salary_query, filters,
                       hashed=hashed) if with_salary else []

    iris = {r["value"] for r in skill_rows + companions} | {r["value"] for r in facet_rows.get("employer", [])}
    iris |= set(filters.skills) | ({filters.employer} if filters.employer else set()) | ({focus} if focus else set())
    labels = run.labels(iris)
    views = {name: facet_view(FACET[name], rows, filters, labels) for name, rows in facet_rows.items()}

    skill_bars = [charts.Bar(labels.get(r["value"], compact(r["value"])), int(r["count"]),
                             filters.toggle_skill(r["value"]).url())
                  for r in skill_rows if r["value"] not in filters.skills]  # a chosen skill is in every one
    country_rows = facet_rows.get("country", [])
    country_bars = [charts.Bar(country_name(r["value"]), int(r["count"]), filters.set(country=r["value"]).url())
                    for r in country_rows]
    points, period = _months_to_points(months)
    centre = next((r for r in companions if r["value"] == focus), None)
    others = [r for r in companions if r["value"] != focus][:CHART_SIZE - 2]
    focus_label = labels.get(focus, compact(focus)) if focus else ""
    around = filters if focus in filters.skills else filters.toggle_skill(focus) if focus else filters
    other_bars = [charts.Bar(labels.get(r["value"], compact(r["value"])), int(r["count"]),
                             around.toggle_skill(r["value"]).url()) for r in others]
    network = charts.ego_network(
        charts.Bar(focus_label, int(centre["count"]) if centre else 0), other_bars,
        title=f"Skills asked for together with {focus_label}",
        desc=f"{focus_label} in the middle; around it the skills most often in the same postings. "
             "Closer and thicker means more postings ask for both.") if focus else Markup("")
    skills_title = "Skills most asked for" + (f" as {LEVELS[filters.level]}" if filters.level else "")
    cards = [
        Card("chart-skills", skills_title, charts.bar_chart(
            skill_bars, title=skills_title,
            desc="Number of postings asking for each skill, among the postings selected; most asked for first."),
            ("Skill", "Postings"), [(b.label, int(b.value)) for b in skill_bars]),
        Card("chart-companions", f"Skills asked for with {focus_label}", network,
             ("Skill", f"Postings with {focus_label}"), [(b.label, int(b.value)) for b in other_bars],
             note="" if filters.skills else "Choose a skill to see the skills asked for with it."),
        Card("chart-time", f"Postings per {period}", charts.line_chart(
            points, title=f"Postings per {period}",
            desc=f"Number of postings per {period} (by the date posted, else the closing date)."),
            (period.capitalize(), "Postings"), points),
        Card("chart-countries", "Postings by country", charts.bar_chart(
            country_bars, title="Postings by country",
            desc="Number of postings placed in each country, among the postings selected; most first."),
            ("Country", "Postings"), [(b.label, int(b.value)) for b in country_bars]),
        *_salary_cards(salaries, filters),
    ]
    return {"filters": filters, "total": total, "results": results, "facets": views, "labels": labels,
            "pages": max(1, -(-total // PAGE_SIZE)), "page_size": PAGE_SIZE, "cards": [c for c in cards if c.rows],
            "queries": list(run.ran.values()),
            "index": run.index if any(r.source == "index" for r in run.ran.values()) else None}


# --- the page ------------------------------------------------------------------------------------------

@bp.route("/")
def index() -> tuple[str, int] | str:
    try:
        filters = Filters.from_args(request.args)
    except BadFilter as err:
        return render_template("explore_error.html", message=str(err)), 400
    view = explore_view(filters, Runner.for_app())
    return render_template("explore.html", chips=_chips(filters, view["labels"]), facet_order=FACETS, **view)


def _chips(filters: Filters, labels: dict[str, str]) -> list[tuple[str, str, str]]:
    """(facet label, value label, URL without it) for each choice in force, shown above the results."""
    chips = []
    for facet in FACETS:
        if facet.name == "skills":
            chips += [(facet.label, labels.get(s, compact(s)), filters.toggle_skill(s).url()) for s in filters.skills]
        elif value := getattr(filters, facet.name):
            chips.append((facet.label, _label(facet, value, labels), filters.set(**{facet.name: None}).url()))
    if filters.q:
        chips.append(("Search", f"“{filters.q}”", filters.set(q=None).url()))
    return chips


# --- panels for the organisation and skill pages -------------------------------------------------------

def _links(run: Runner, iri: str) -> list[tuple[str, str]]:
    """(name of the site, URL) for every link out a thing has, the best-known sites first."""
    sites = (("ror.org/", "ROR"), ("wikidata.org/", "Wikidata"), ("wikipedia.org/", "Wikipedia"),
             ("data.europa.eu/esco/", "ESCO"))
    found = {iri} if iri.startswith("https://ror.org/") else set()
    found |= {r["link"] for r in run.rows("Links out", links_query(iri)) if r["link"].startswith("http")}
    named = [(next((name for key, name in sites if key in url), "Website"), url) for url in sorted(found)]
    order = [name for _, name in sites] + ["Website"]
    return sorted(named, key=lambda item: order.index(item[0]))


def _panels(filters: Filters, iri: str, kind: str, postings: bool = True) -> Markup:
    run = Runner.for_app()
    facets = ("skills", "country") if kind == "org" else ("employer", "country")
    view = explore_view(filters, run, facets=facets)
    if kind == "skill":  # who asks for it: a chart the explore page does not need
        bars = [charts.Bar(c.label, c.count, c.href) for c in view["facets"]["employer"].choices]
        view["cards"].insert(1, Card("chart-employers", "Employers asking for it", charts.bar_chart(
            bars, title="Employers asking for this skill",
            desc="Number of postings asking for this skill, per employer; most first."),
            ("Employer", "Postings"), [(b.label, int(b.value)) for b in bars]))
        view["cards"] = [c for c in view["cards"] if c.rows]
    html = render_template("explore_panels.html", kind=kind, iri=iri, links=_links(run, iri),
                           explore_href=filters.url(), with_postings=postings, **view)
    return Markup(html)


def org_panels(iri: str, postings: bool = True) -> Markup:
    """Charts, postings and links out for one organisation's page (``{{ org_panels(iri) }}``); a page that
    lists the postings itself passes ``postings=False``."""
    return _panels(Filters(employer=str(iri)), str(iri), "org", postings)


def skill_panels(iri: str, postings: bool = True) -> Markup:
    """Charts, postings and links out for one skill concept's page (``{{ skill_panels(iri) }}``)."""
    return _panels(Filters(skills=(str(iri),)), str(iri), "skill", postings)
