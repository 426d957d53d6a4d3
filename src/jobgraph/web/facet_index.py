"""The facet index: the explore pages' figures at 100,000 postings in milliseconds, loaded from the store by SPARQL.

Oxigraph answers a facet query by scanning and joining triples: seconds a query at 100,000 postings (README,
"Explore"). But a facet is a small relation of postings to values, and all of them fit in memory. The index
holds, for each facet, the (posting, value) rows of that facet's own SPARQL pattern (``facets.FACET``), each
loaded by one scan query on the store (``load_queries``), as numpy arrays sorted by value. A choice of facets
is then a mask over postings (one slice of rows per value chosen), a facet's counts a ``bincount`` of the
rows the mask keeps, and a page of results a slice of the postings in the order the store's own ORDER BY
gave them. Search reads the titles and descriptions, lower-cased in one UTF-8 buffer.

Each answer is what the page's own query (``facets.facet_query`` and the rest) answers on the store, row for
row (tests/test_explore_index.py checks it on many combinations); the page still shows those queries and says
that its figures came from the index. What the index cannot answer exactly it declines (``NotIndexed``), and
that query runs on the store. ``IndexKeeper`` builds the index in a background thread and rebuilds it when
the store changes; until it is ready, every query runs on the store.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import numpy as np
from pyoxigraph import Literal, NamedNode

from ..vocab import JG, sparql_prefixes
from .facets import FACET, PAGE_SIZE, Facet, Filters, dated, join, salary_rows

log = logging.getLogger("jobgraph.explore.index")


class NotIndexed(Exception):  # noqa: N818 (not an error: the caller asks the store instead)
    """A question the index cannot answer exactly: the caller runs the query on the store instead."""


def plain(term: object) -> str:
    """A result term as the explore pages use it: the IRI or the literal's text."""
    return term.value if isinstance(term, NamedNode | Literal) else str(term)


# --- what the index is loaded from ------------------------------------------------------------------------

# Facets whose counts are COUNT(DISTINCT ?posting) in facets.facet_query load each posting once a value; the
# others count rows (each already one posting and one value), so their rows are loaded as the store has them.
DISTINCT = {"orgtype", "country"}
RELATIONS = ("employer", "orgtype", "country", "remote", "employment", "skills")


def load_queries() -> dict[str, tuple[str, str]]:
    """name -> (title, SPARQL): the scans the index is loaded by, built from the facets' own patterns.

    The relations come grouped by value, with their postings' IRIs in one string: Oxigraph spends most of a
    scan reading each IRI's text, and this reads a value's once, not once a row (a third quicker on the
    850,000 skill rows of the 100,000-posting store, and no Python object a row).
    """
    pre = sparql_prefixes()

    def grouped(patterns: list[str], distinct: bool, keys: str = "?value", bind: str = "") -> str:
        each = "DISTINCT " if distinct else ""
        return (pre + f"SELECT {keys} (GROUP_CONCAT({each}STR(?posting); separator=' ') AS ?postings) WHERE {{\n"
                + join(patterns, hashed=True) + (f"\n  {bind}" if bind else "") + f"\n}} GROUP BY {keys}")

    newest = pre + f"""SELECT ?posting ?date WHERE {{
  ?posting a schema:JobPosting .
  OPTIONAL {{ SELECT ?posting ?date WHERE {{ {dated()} }} }}
}} ORDER BY DESC(?date)"""
    queries = {"postings": ("Every posting, newest first (the order of results)", newest)}
    queries |= {name: (f"{FACET[name].label}: the postings of each value",
                       grouped(list(FACET[name].value), name in DISTINCT)) for name in RELATIONS}
    queries["requirements"] = ("Skill and how strongly it is asked for: the postings of each", grouped(
        ["?r jg:skill ?value .", "?r jg:level ?level .", "?posting jg:requirement ?r ."], True, "?value ?level"))
    queries["dates"] = ("Date (posted, else closing): the postings of each", grouped(
        [dated()], False, bind="BIND(STR(?date) AS ?value)"))
    queries["closes"] = ("Closing date: the postings of each", grouped(
        ["?posting schema:validThrough ?closes ."], False, bind="BIND(STR(?closes) AS ?value)"))
    queries["salaries"] = ("Every stated salary, on a yearly basis", pre + (
        f"SELECT ?posting ?country ?currency ?low ?high WHERE {{\n{salary_rows(hashed=True)}\n}}"))
    queries["titles"] = ("The title of every posting (for search)", pre + (
        "SELECT ?posting ?text WHERE { ?posting schema:title ?text }"))
    queries["descriptions"] = ("The description of every posting (for search)", pre + (
        "SELECT ?posting ?text WHERE { ?posting schema:description ?text }"))
    return queries


@dataclass
class Ran:
    """A query as a page lists it: what it is for, its text, its rows, its time and where it was answered."""

    title: str
    query: str
    rows: int
    ms: float
    source: str = "store"  # "store", "kept" (explore.ResultCache) or "index" (answered by a FacetIndex)

    @property
    def href(self) -> str:
        return "/query?" + urlencode({"query": self.query}, quote_via=quote)


# --- the relations ------------------------------------------------------------------------------------------

@dataclass(eq=False)
class Relation:
    """The (posting, value) rows of one load query, sorted by value, so that a value's postings are one slice.

    Values are sorted in code point order, which is how SPARQL orders and compares simple strings.
    """

    posting: np.ndarray  # int32 posting ids, one per row
    value: np.ndarray  # int32 index into ``values``, ascending
    values: list[str]
    starts: np.ndarray  # the rows of values[i] are starts[i]:starts[i + 1]

    @classmethod
    def of(cls, postings: list[int], values: list[str]) -> Relation:
        names = sorted(set(values))
        number = {v: i for i, v in enumerate(names)}
        value = np.fromiter((number[v] for v in values), dtype=np.int32, count=len(values))
        order = np.argsort(value, kind="stable")
        value = value[order]
        return cls(np.asarray(postings, dtype=np.int32)[order], value, names,
                   np.searchsorted(value, np.arange(len(names) + 1)))

    def rows(self, first: int, last: int) -> np.ndarray:
        """The postings of values[first:last] (a posting once per row)."""
        return self.posting[self.starts[first]:self.starts[last]]

    def of_value(self, value: str) -> np.ndarray:
        i = bisect_left(self.values, value)
        return self.rows(i, i + 1) if i < len(self.values) and self.values[i] == value else self.posting[:0]

    def counts(self, keep: np.ndarray | None) -> np.ndarray:
        """Rows per value, among the rows of the postings ``keep`` marks (None: every row)."""
        if keep is None:
            return np.diff(self.starts)
        return np.bincount(self.value[keep[self.posting]], minlength=len(self.values))


def _mask(n: int, postings: np.ndarray) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[postings] = True
    return mask


def _after(prefix: str) -> str:
    """The least string greater than every string starting with ``prefix`` (for a slice of sorted values)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


@dataclass(eq=False)
class Text:
    """Titles and descriptions, lower-cased, in one UTF-8 buffer: posting i's fields end at each NUL of
    ``buffer[starts[i]:starts[i + 1]]``. A lower-cased search text found in it is in one field of one posting
    (UTF-8 is self-synchronising: bytes found are characters found)."""

    buffer: bytearray  # never changed once built
    starts: list[int]
    found: dict[str, np.ndarray] = field(default_factory=dict)  # the last searches' answers

    @classmethod
    def of(cls, n: int, texts: dict[int, list[bytes]]) -> Text:
        """From each posting's fields, lower-cased and UTF-8 encoded (emptied on the way, to hold one copy)."""
        buffer, starts = bytearray(), [0]
        for posting in range(n):
            for text in texts.pop(posting, ()):
                buffer += text
                buffer += b"\0"
            starts.append(len(buffer))
        return cls(buffer, starts)

    def search(self, words: str) -> np.ndarray:
        """The postings with ``words`` in a title or description, as CONTAINS(LCASE(STR(?text)), …) finds them
        (a page asks once a facet: the last answers are kept; do not change the mask returned)."""
        if (kept := self.found.get(words)) is not None:
            return kept
        needle = words.lower().encode()
        if not needle or b"\0" in needle:
            raise NotIndexed("a search text with a NUL character")
        found, at, find, starts = [], 0, self.buffer.find, self.starts
        while (hit := find(needle, at)) >= 0:
            posting = bisect_right(starts, hit) - 1
            found.append(posting)
            at = starts[posting + 1]  # one hit a posting is enough: go on from the next one
        if len(self.found) >= 64:
            self.found.clear()
        mask = self.found[words] = _mask(len(starts) - 1, np.asarray(found, dtype=np.int64))
        return mask


@dataclass(eq=False)
class Salaries:
    """Each salary row of ``facets.salary_rows``: its posting, its (country, currency) group, the yearly range."""

    posting: np.ndarray
    group: np.ndarray
    low: np.ndarray
    high: np.ndarray
    groups: list[tuple[str, str]]
    first: np.ndarray = field(init=False)  # the first row of its posting in its group (rows sorted so)

    def __post_init__(self) -> None:
        self.first = np.r_[True, (self.group[1:] != self.group[:-1]) | (self.posting[1:] != self.posting[:-1])]


# --- the index --------------------------------------------------------------------------------------------

def _number(text: str | None) -> float:
    try:
        return float(text) if text is not None else math.nan
    except ValueError:
        return math.nan


@dataclass(eq=False)
class FacetIndex:
    """Every relation the explore pages count, for postings numbered 0…n-1 (``iris``)."""

    iris: list[str]
    typed: np.ndarray  # a schema:JobPosting (what the count is over when nothing is chosen)
    relations: dict[str, Relation]  # RELATIONS, plus "dates" and "closes"
    levels: dict[str, Relation]  # jg:level IRI -> (posting, skill) asked for at that level
    order: np.ndarray  # posting ids newest first: the store's ORDER BY DESC(?date) over every posting
    dates: list[str | None]  # the date of each of those rows, as an N-Triples term
    salaries: Salaries
    text: Text
    loads: list[Ran] = field(default_factory=list)
    stamp: object = None
    loaded_at: str = ""  # UTC time the load started
    seconds: float = 0.0

    @classmethod
    def load(cls, store: object, stamp: object = None) -> FacetIndex:
        """Run the load queries on the store and build the relations from their rows."""
        started, at = time.perf_counter(), datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        ids: dict[str, int] = {}
        loads: list[Ran] = []
        queries = load_queries()

        def number(iri: str) -> int:
            i = ids.get(iri)
            if i is None:
                i = ids[iri] = len(ids)
            return i

        def scan(name: str, terms: tuple[int, ...] = ()) -> Iterator[tuple[str | None, ...]]:
            """The rows of one load query: the columns ``terms`` as N-Triples terms, the others as text."""
            title, query = queries[name]
            begin, count = time.perf_counter(), 0
            solutions = store.query(query)  # type: ignore[attr-defined]
            width = len(solutions.variables)
            for solution in solutions:
                count += 1
                yield tuple(None if (t := solution[i]) is None else str(t) if i in terms else plain(t)
                            for i in range(width))
            loads.append(Ran(title, query, count, (time.perf_counter() - begin) * 1000))

        def grouped(name: str) -> Iterator[tuple[int, tuple[str, ...]]]:
            """(posting id, value columns) for each posting of each group of a grouped scan."""
            for *key, iris in scan(name):
                if iris is None:  # STR() of a blank node fails the whole GROUP_CONCAT: do not guess
                    raise NotIndexed(f"{queries[name][0]}: a posting that is not an IRI")
                for iri in iris.split(" "):
                    yield number(iri), tuple(key)  # type: ignore[arg-type]

        order, dates = [], []
        for posting, date in scan("postings", terms=(1,)):
            order.append(number(posting))  # type: ignore[arg-type]
            dates.append(date)
        typed = sorted(set(order))
        rows: dict[str, tuple[list[int], list[str]]] = {}
        for name in (*RELATIONS, "dates", "closes"):
            postings, values = rows[name] = ([], [])
            for posting, (value,) in grouped(name):
                postings.append(posting)
                values.append(value)
        by_level: dict[str, tuple[list[int], list[str]]] = {}
        for posting, (skill, level) in grouped("requirements"):
            postings, skills = by_level.setdefault(level, ([], []))
            postings.append(posting)
            skills.append(skill)
        salary = [(number(p), (c or "", cur or ""), _number(lo), _number(hi))  # type: ignore[arg-type]
                  for p, c, cur, lo, hi in scan("salaries")]
        texts: dict[int, list[bytes]] = {}
        for name in ("titles", "descriptions"):
            for posting, text in scan(name):
                texts.setdefault(number(posting), []).append(text.lower().encode())  # type: ignore[arg-type,union-attr]

        n = len(ids)
        groups = sorted({g for _, g, _, _ in salary})
        group = {g: i for i, g in enumerate(groups)}
        salary.sort(key=lambda row: (group[row[1]], row[0]))  # a group's rows together, for reduceat
        salaries = Salaries(np.fromiter((p for p, *_ in salary), np.int32, len(salary)),
                            np.fromiter((group[g] for _, g, _, _ in salary), np.int32, len(salary)),
                            np.fromiter((lo for *_, lo, _ in salary), np.float64, len(salary)),
                            np.fromiter((hi for *_, hi in salary), np.float64, len(salary)), groups)
        # A posting the scans found that is not typed a JobPosting has no date order: it goes last.
        seen = set(order)
        untyped = [i for i in range(n) if i not in seen]
        order += untyped
        dates += [None] * len(untyped)
        return cls(list(ids), _mask(n, np.asarray(typed, dtype=np.int64)),
                   {name: Relation.of(*pairs) for name, pairs in rows.items()},
                   {level: Relation.of(*pairs) for level, pairs in by_level.items()},
                   np.asarray(order, dtype=np.int32), dates, salaries, Text.of(n, texts),
                   loads, stamp, at, time.perf_counter() - started)

    @property
    def size(self) -> int:
        return len(self.iris)

    def nbytes(self) -> int:
        """Memory held by the arrays and the text buffer (the IRIs and value lists come on top)."""
        arrays = [self.typed, self.order, self.salaries.posting, self.salaries.group, self.salaries.low,
                  self.salaries.high]
        for rel in [*self.relations.values(), *self.levels.values()]:
            arrays += [rel.posting, rel.value, rel.starts]
        return sum(a.nbytes for a in arrays) + len(self.text.buffer)

    # --- the postings a state selects (facets.Filters.parts, as masks) ---

    def selection(self, filters: Filters, without: str | None = None) -> np.ndarray | None:
        """A mask of the postings the filters select, ``without`` one facet's own (None: nothing is chosen)."""
        f = filters if without is None else replace(filters, **{without: () if without == "skills" else None})
        n, picks = self.size, []
        rel = self.relations
        for skill in f.skills:
            source = self.levels.get(self.level_iri(f.level)) if f.level else rel["skills"]
            picks.append(source.of_value(skill) if source else np.zeros(0, np.int32))
        for name in ("employer", "country", "remote", "employment", "orgtype"):
            if (value := getattr(f, name)) is not None:
                picks.append(rel[name].of_value(value))
        masks = [_mask(n, p) for p in picks]
        if f.status:
            closes = rel["closes"]
            cut = bisect_left(closes.values, f.today)
            masks.append(_mask(n, closes.rows(cut, len(closes.values)) if f.status == "open" else closes.rows(0, cut)))
        if f.year:
            dates, prefix = rel["dates"], f.year + "-"
            first, last = bisect_left(dates.values, prefix), bisect_left(dates.values, _after(prefix))
            masks.append(_mask(n, dates.rows(first, last)))
        if f.q:
            masks.append(self.text.search(f.q))
        if not masks:
            return None
        mask = masks[0].copy()
        for other in masks[1:]:
            mask &= other
        return mask

    @staticmethod
    def level_iri(level: str | None) -> str:
        return f"{JG}{(level or '').capitalize()}"

    # --- the answers: rows as the matching query in facets gives them ---

    def count(self, filters: Filters) -> list[dict[str, str]]:
        mask = self.selection(filters)
        return [{"count": str(int((self.typed if mask is None else mask).sum()))}]

    def facet(self, facet: Facet, filters: Filters, limit: int | None = None) -> list[dict[str, str]]:
        """facets.facet_query(facet, filters, limit): counts per value, most first (years in order)."""
        name = facet.name
        keep = self.selection(filters, without=None if name == "skills" else name)
        if name in ("level", "status"):
            counts = self._levels(filters, keep) if name == "level" else self._status(filters.today, keep)
            return [{"value": v, "count": str(n)} for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                    ][:limit or None]
        rel = (self.levels.get(self.level_iri(filters.level)) if name == "skills" and filters.level
               else self.relations["dates" if name == "year" else name])
        if rel is None:
            return []
        counted = rel.counts(keep)
        if name == "year":  # the years of the dates, in order
            years: dict[str, int] = {}
            for value, n in zip(rel.values, counted.tolist(), strict=True):
                if n:
                    years[value[:4]] = years.get(value[:4], 0) + n
            return [{"value": v, "count": str(n)} for v, n in sorted(years.items())][:limit or None]
        top = np.argsort(-counted, kind="stable")  # most first; values are sorted, so ties go by value
        top = top[counted[top] > 0][:limit or None]
        return [{"value": rel.values[i], "count": str(n)} for i, n in zip(top.tolist(), counted[top].tolist(),
                                                                           strict=True)]

    def _levels(self, filters: Filters, keep: np.ndarray | None) -> dict[str, int]:
        """Per level (the text after '#', lower-cased), the postings asking for every chosen skill at it."""
        by_value: dict[str, np.ndarray] = {}
        for iri, rel in self.levels.items():
            mask = np.ones(self.size, dtype=bool) if keep is None else keep.copy()
            for skill in filters.skills:
                mask &= _mask(self.size, rel.of_value(skill))
            value = iri.split("#", 1)[1].lower() if "#" in iri else ""
            by_value[value] = by_value[value] | mask if value in by_value else mask
        return {v: int(m.sum()) for v, m in by_value.items() if m.any()}

    def _status(self, today: str, keep: np.ndarray | None) -> dict[str, int]:
        closes = self.relations["closes"]
        cut = bisect_left(closes.values, today)
        counts = {}
        for value, postings in (("open", closes.rows(cut, len(closes.values))), ("closed", closes.rows(0, cut))):
            mask = _mask(self.size, postings)
            counts[value] = int((mask if keep is None else mask & keep).sum())
        return {v: n for v, n in counts.items() if n}

    def months(self, filters: Filters) -> list[dict[str, str]]:
        """facets.months_query: postings (date rows) per month."""
        dates = self.relations["dates"]
        counts: dict[str, int] = {}
        for value, n in zip(dates.values, dates.counts(self.selection(filters)).tolist(), strict=True):
            if n:
                counts[value[:7]] = counts.get(value[:7], 0) + n
        return [{"value": v, "count": str(n)} for v, n in sorted(counts.items())]

    def salary(self, filters: Filters) -> list[dict[str, str]]:
        """facets.salary_query: per (country, currency) the postings, lowest, average middle and highest."""
        s, keep = self.salaries, self.selection(filters)
        rows = np.arange(len(s.posting)) if keep is None else np.flatnonzero(keep[s.posting])
        if not len(rows):
            return []
        group, low, high = s.group[rows], s.low[rows], s.high[rows]  # rows are sorted by group
        if np.isnan(low).any() or np.isnan(high).any():
            raise NotIndexed("a salary amount that is not a number")
        firsts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        sizes = np.diff(np.r_[firsts, len(rows)])
        mids = np.add.reduceat((low + high) / 2, firsts) / sizes
        lows, highs = np.minimum.reduceat(low, firsts), np.maximum.reduceat(high, firsts)
        postings = np.add.reduceat(s.first[rows], firsts)  # a posting's rows are kept or dropped together
        out = [{"country": s.groups[g][0], "currency": s.groups[g][1], "count": str(n), "min": repr(lo),
                "mid": repr(mid), "max": repr(hi)}
               for g, n, lo, mid, hi in zip(group[firsts].tolist(), postings.tolist(), lows.tolist(), mids.tolist(),
                                            highs.tolist(), strict=True)]
        out.sort(key=lambda r: (r["currency"], -int(r["count"]), r["country"]))
        return out

    def page(self, filters: Filters, page_size: int = PAGE_SIZE) -> list[tuple[str, str | None]]:
        """One page of results (facets.results_query's), newest first: (posting IRI, date as an N-Triples term)."""
        mask = self.selection(filters)
        first = (filters.page - 1) * page_size
        rows = np.flatnonzero((self.typed if mask is None else mask)[self.order])[first:first + page_size]
        return [(self.iris[self.order[r]], self.dates[r]) for r in rows.tolist()]


# --- keeping it in step with the store ----------------------------------------------------------------------

def store_stamp(store: object, ttl: float) -> object:
    """What says the store is unchanged: an embedded store's write count (it is the only writer: the folder is
    locked to one process); for a store without one (a remote store others may write to), the current
    ``ttl``-second window; None when ``ttl`` is 0 (never kept)."""
    generation = getattr(store, "generation", None)
    if generation is not None:
        return ("writes", generation)
    return ("time", int(time.monotonic() // ttl)) if ttl > 0 else None


class IndexKeeper:
    """Builds the facet index in a background thread, and rebuilds it when the store changes.

    ``get`` gives the index only while it answers for the store as it is: an embedded store's index is
    dropped at its next write (pages run their queries on the store until the new one is loaded). A remote
    store's is renewed every ``ttl`` seconds, and the previous one answers while the next one loads.
    """

    def __init__(self, store: object, ttl: float = 60.0) -> None:
        self.store, self.ttl = store, ttl
        self.index: FacetIndex | None = None
        self.loading: object = None  # the stamp being loaded, if a load is running
        self.failed: tuple[object, str] | None = None  # (stamp, error) of the last load that failed
        self.lock = threading.Lock()
        self.done = threading.Condition(self.lock)

    def get(self) -> FacetIndex | None:
        stamp = store_stamp(self.store, self.ttl)
        if stamp is None:
            return None
        with self.lock:
            index = self.index
            if index is not None and index.stamp == stamp:
                return index
            self._start(stamp)
            if index is not None and stamp[0] == "time" and self.loading is not None:  # type: ignore[index]
                return index
        return None

    def _start(self, stamp: object) -> None:
        """Start loading for ``stamp`` unless a load is running or one failed for the same stamp (with the lock)."""
        if self.loading is not None or (self.failed and self.failed[0] == stamp):
            return
        self.loading = stamp
        threading.Thread(target=self._load, args=(stamp,), name="jobgraph-facet-index", daemon=True).start()

    def _load(self, stamp: object) -> None:
        try:
            index = FacetIndex.load(self.store, stamp)
            log.info("facet index: %d postings loaded in %.1f s", index.size, index.seconds)
            failed = None
        except Exception as err:  # the pages still answer, from the store: say why the index is not there
            log.warning("facet index not loaded (the pages query the store instead): %s. Each of its load queries "
                        "must finish within the store's timeout: behind `jobgraph serve` that is --timeout, and at "
                        "300,000 postings the longest took 72 s, so start it with a longer --timeout, or with "
                        "--engine embedded, for a store of that size", err)
            index, failed = None, (stamp, f"{type(err).__name__}: {err}")
        with self.lock:
            if index is not None:
                self.index = index
            self.failed, self.loading = failed, None
            self.done.notify_all()

    def wait(self, timeout: float = 600.0) -> FacetIndex | None:
        """The index for the store as it is now, once a load running has finished (for benchmarks and tests)."""
        deadline = time.monotonic() + timeout
        self.get()  # starts a load if the index is not the store's as it is
        with self.lock:
            while self.loading is not None and (left := deadline - time.monotonic()) > 0:
                self.done.wait(left)
        return self.get()
