"""Facets over postings as SPARQL: the state of a browse (``Filters``) and the queries it runs.

Every number on the explore pages comes from a query built here and run against the store, and the
page shows each query, so a reader can take it to the query page and change it.

How the queries are kept quick at 100,000 postings (figures in the README, from benchmarks/explore.py):

- one query per facet, counting over the filtered postings only, with a LIMIT;
- filters and facet values are single triple patterns (no property paths, no OPTIONAL to date a
  posting); with many postings each becomes its own sub-SELECT, so Oxigraph joins whole scans by hash
  instead of looking up every posting (``join``), and with few they stay in place;
- labels are fetched after counting, in one query, only for the few values that are shown.

That still takes seconds a page at 100,000 postings, so once the facet index (``facet_index``, loaded from the
store by scans built from these same patterns) is ready, it answers these queries, row for row, in milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pycountry

from ..vocab import ROR, base_iri, sparql_prefixes

PAGE_SIZE = 20
FACET_SIZE = 8


class BadFilter(ValueError):
    """A facet value in the URL that cannot be used; the message says what would work."""


# --- values as they appear in URLs ------------------------------------------------------------------

def _prefixes() -> dict[str, str]:
    return {"ror": str(ROR), "org": f"{base_iri()}org/", "skill": f"{base_iri()}skill/",
            "esco": "http://data.europa.eu/esco/skill/"}


def compact(iri: str) -> str:
    """An IRI as a short URL value: 'https://ror.org/04wxnsj81' -> 'ror:04wxnsj81'."""
    for prefix, ns in _prefixes().items():
        if iri.startswith(ns) and iri != ns:
            return f"{prefix}:{iri[len(ns):]}"
    return iri


IRI_CHARS = re.compile(r'^[^\s<>"{}|\\^`]+$')


def expand(value: str, what: str) -> str:
    """The IRI a URL value names (compact or full), or BadFilter saying what to pass instead."""
    prefix, _, rest = value.partition(":")
    namespaces = _prefixes()
    iri = namespaces[prefix] + rest if prefix in namespaces and rest else value
    if not iri.startswith(("http://", "https://")) or not IRI_CHARS.match(iri):
        raise BadFilter(f"{what} {value!r} is not an IRI: pass a full http(s) IRI or a short form such as "
                        + ", ".join(f"{p}:…" for p in namespaces))
    return iri


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    return getattr(country, "common_name", None) or (country.name if country else code or "not stated")


EMPLOYMENT = {"FULL_TIME": "full-time", "PART_TIME": "part-time", "TEMPORARY": "fixed-term",
              "CONTRACTOR": "contract", "INTERN": "internship", "VOLUNTEER": "volunteer",
              "PER_DIEM": "per diem", "OTHER": "other"}
ARRANGEMENTS = {"remote": "remote", "hybrid": "hybrid", "on-site": "on-site"}
LEVELS = {"necessary": "necessary", "desirable": "desirable", "mentioned": "mentioned only"}
STATUSES = {"open": "open now", "closed": "closed"}


def _literal(text: str) -> str:
    """A SPARQL string literal: every character that could end or break it is escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


# --- the state of a browse ----------------------------------------------------------------------------

SINGLE = ("employer", "orgtype", "country", "remote", "employment", "level", "status", "year")


@dataclass(frozen=True)
class Filters:
    """What the reader has chosen; every state is a URL (``url()``) and a SPARQL pattern (``pattern()``)."""

    employer: str | None = None  # organisation IRI
    orgtype: str | None = None  # ROR type: education, nonprofit, facility, …
    country: str | None = None  # ISO 3166-1 alpha-2 of the posting's place
    remote: str | None = None  # jg:workArrangement
    employment: str | None = None  # schema:employmentType
    skills: tuple[str, ...] = ()  # concept IRIs, all required
    level: str | None = None  # how strongly the skills are asked for (with no skill chosen: which to count)
    status: str | None = None  # open or closed on ``today``
    year: str | None = None  # of the date posted, else of the closing date
    q: str | None = None  # words in the title or description
    page: int = 1
    today: str = field(default_factory=lambda: datetime.now(UTC).date().isoformat(), compare=False)

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> Filters:
        """Read and check the URL's query string; a value that cannot be used raises ``BadFilter``."""
        get = args.get
        getlist = args.getlist if hasattr(args, "getlist") else lambda k: [v for v in [args.get(k)] if v]
        values: dict[str, Any] = {}
        if employer := get("employer"):
            values["employer"] = expand(employer, "employer")
        if skills := [s for s in getlist("skill") if s]:
            values["skills"] = tuple(dict.fromkeys(expand(s if ":" in s else f"skill:{s}", "skill") for s in skills))
        checks = {"orgtype": (r"[a-z][a-z_ -]{0,30}", "a ROR type such as education or nonprofit"),
                  "country": (r"[A-Z]{2}", "a two-letter ISO 3166 code such as GB"),
                  "year": (r"\d{4}", "a year such as 2024")}
        for name, (pattern, hint) in checks.items():
            if value := get(name):
                value = value.upper() if name == "country" else value
                if not re.fullmatch(pattern, value):
                    raise BadFilter(f"{name} {value!r} is not {hint}")
                values[name] = value
        for name, allowed in (("remote", ARRANGEMENTS), ("employment", EMPLOYMENT), ("level", LEVELS),
                              ("status", STATUSES)):
            if value := get(name):
                if value not in allowed:
                    raise BadFilter(f"{name} {value!r} is not one of: {', '.join(allowed)}")
                values[name] = value
        if q := (get("q") or "").strip():
            if len(q) > 200:
                raise BadFilter("the search text is longer than 200 characters: shorten it")
            values["q"] = q
        page = get("page") or "1"
        if not page.isdigit() or not 1 <= int(page) <= 10_000:
            raise BadFilter(f"page {page!r} is not a page number (1, 2, …)")
        return cls(**values, page=int(page))

    def args(self) -> list[tuple[str, str]]:
        out = [(k, compact(v) if k == "employer" else v) for k in SINGLE if (v := getattr(self, k))]
        out += [("skill", compact(s).removeprefix("skill:")) for s in self.skills]
        if self.q:
            out.append(("q", self.q))
        if self.page > 1:
            out.append(("page", str(self.page)))
        return out

    def url(self, path: str = "/") -> str:
        query = urlencode(self.args())
        return f"{path}?{query}" if query else path

    def set(self, **changes: Any) -> Filters:
        """This state with some values changed (and back on page 1, as a new selection starts there)."""
        return replace(self, **{"page": 1, **changes})

    def toggle_skill(self, iri: str) -> Filters:
        skills = tuple(s for s in self.skills if s != iri) if iri in self.skills else (*self.skills, iri)
        return self.set(skills=skills)

    def parts(self, without: str | None = None) -> list[str]:
        """The filters as small group patterns, each binding ``?posting``: joined, they select the postings.

        ``without`` leaves one facet's own filter out, so that facet can show the alternatives to its choice.
        No property paths, and two-step filters are split into single triple patterns, so that ``join``
        can hand each one to Oxigraph as a whole scan.
        """
        f = self if without is None else replace(self, **{without: () if without == "skills" else None})
        level = f"jg:{f.level.capitalize()}" if f.level else None
        parts = []
        for i, skill in enumerate(f.skills):
            if level:
                parts += [f"?fReq{i} jg:skill <{skill}> .", f"?fReq{i} jg:level {level} .",
                          f"?posting jg:requirement ?fReq{i} ."]
            else:
                parts.append(f"?posting schema:skills <{skill}> .")
        if f.employer:
            parts.append(f"?posting schema:hiringOrganization <{f.employer}> .")
        if f.country:
            parts += [f"?fPlace schema:addressCountry {_literal(f.country)} .", "?posting schema:jobLocation ?fPlace ."]
        if f.remote:
            parts.append(f"?posting jg:workArrangement {_literal(f.remote)} .")
        if f.employment:
            parts.append(f"?posting schema:employmentType {_literal(f.employment)} .")
        if f.orgtype:
            parts += [f"?fOrg jg:organizationType {_literal(f.orgtype)} .",
                      "?posting schema:hiringOrganization ?fOrg ."]
        if f.status:
            op = ">=" if f.status == "open" else "<"
            parts.append(f"?posting schema:validThrough ?fCloses . FILTER(STR(?fCloses) {op} {_literal(f.today)})")
        if f.year:
            parts.append(dated("?fDate") + f" FILTER(STRSTARTS(STR(?fDate), {_literal(f.year + '-')}))")
        if f.q:
            words = _literal(f.q.lower())
            parts.append(f"{{ ?posting schema:title ?fTitle FILTER(CONTAINS(LCASE(STR(?fTitle)), {words})) }} UNION "
                         f"{{ ?posting schema:description ?fText FILTER(CONTAINS(LCASE(STR(?fText)), {words})) }}")
        return parts

    def selected(self, hashed: bool, without: str | None = None, typed: bool = True) -> str:
        """A sub-SELECT of the distinct postings this state selects ('' when nothing is chosen and not
        ``typed``: the caller's own pattern then says which postings count)."""
        parts = self.parts(without)
        if not parts:
            return "  { SELECT ?posting WHERE { ?posting a schema:JobPosting } }" if typed else ""
        return f"  {{ SELECT DISTINCT ?posting WHERE {{\n{join(parts, hashed, indent=4)}\n  }} }}"


def join(parts: list[str], hashed: bool, indent: int = 2) -> str:
    """Group patterns joined in place (Oxigraph looks each row up in its indexes: quick for a few hundred
    postings) or ``hashed``: each its own sub-SELECT, so whole scans are joined in memory (at 100,000
    postings 20-40x quicker than a lookup per posting; see benchmarks/explore.py)."""
    pad = " " * indent
    if not hashed:
        return "\n".join(pad + p for p in parts)
    return "\n".join(f"{pad}{{ SELECT * WHERE {{ {p} }} }}" for p in parts)


def dated(var: str = "?date") -> str:
    """The date a posting is placed in time by: when it was posted, else when it closes (most give only that).

    A UNION of two scans (MINUS, unlike FILTER NOT EXISTS, is answered without a lookup per row).
    """
    return (f"{{ ?posting schema:datePosted {var} }} UNION "
            f"{{ ?posting schema:validThrough {var} MINUS {{ ?posting schema:datePosted {var}Posted }} }}")


# --- facets ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Facet:
    name: str  # the Filters field it sets
    label: str
    value: tuple[str, ...]  # patterns binding ?value from ?posting (joined like filters)
    iri_values: bool = False  # values are IRIs whose labels are fetched afterwards
    names: Mapping[str, str] | None = None  # display names for literal values
    bind: str = ""  # computes ?value from what the patterns bind


FACETS = (
    Facet("employer", "Employer", ("?posting schema:hiringOrganization ?value .",), iri_values=True),
    Facet("orgtype", "Organisation type (ROR)",
          ("?posting schema:hiringOrganization ?employer .", "?employer jg:organizationType ?value .")),
    Facet("country", "Country", ("?posting schema:jobLocation ?place .", "?place schema:addressCountry ?value .")),
    Facet("remote", "Remote", ("?posting jg:workArrangement ?value .",), names=ARRANGEMENTS),
    Facet("employment", "Employment", ("?posting schema:employmentType ?value .",), names=EMPLOYMENT),
    Facet("skills", "Skill", ("?posting schema:skills ?value .",), iri_values=True),
    Facet("level", "Necessary or desirable", (), names=LEVELS,
          bind="BIND(LCASE(STRAFTER(STR(?level), '#')) AS ?value)"),
    Facet("status", "Open or closed", ("?posting schema:validThrough ?closes .",), names=STATUSES),
    Facet("year", "Year", (dated(),), bind="BIND(SUBSTR(STR(?date), 1, 4) AS ?value)"),
)
FACET = {f.name: f for f in FACETS}


def counted(facet: Facet, filters: Filters) -> bool:
    """Whether a facet's values get counts. The level counts postings only for chosen skills; with none
    chosen it says which requirements the skill counts use, and counting every requirement of every
    posting for it would be the slowest query of the page."""
    return facet.name != "level" or bool(filters.skills)


def facet_query(facet: Facet, filters: Filters, limit: int = FACET_SIZE + 1, hashed: bool = False,
                hashed_value: bool | None = None) -> str:
    """Counts of postings per value of one facet, under every filter but the facet's own (skills: all).

    ``hashed`` joins the filters by hash; ``hashed_value`` (default: the same) the facet's own patterns.
    """
    own = None if facet.name == "skills" else facet.name
    value, bind = list(facet.value), facet.bind
    level = f"jg:{filters.level.capitalize()}" if filters.level else None
    if facet.name == "skills" and level:  # skills asked for at the chosen strength
        value = [f"?r jg:level {level} .", "?r jg:skill ?value .", "?posting jg:requirement ?r ."]
    if facet.name == "level":  # how strongly the chosen skills are asked for (see ``counted``)
        value = [p for i, s in enumerate(filters.skills)
                 for p in (f"?r{i} jg:skill <{s}> .", f"?r{i} jg:level ?level .", f"?posting jg:requirement ?r{i} .")]
    if facet.name == "status":  # open/closed is the closing date against today
        bind = f"BIND(IF(STR(?closes) >= {_literal(filters.today)}, 'open', 'closed') AS ?value)"
    # one triple per posting and value: every row is a distinct posting, so counting rows is enough
    counter = "COUNT(*)" if len(value) == 1 and facet.name != "status" else "COUNT(DISTINCT ?posting)"
    order = "?value" if facet.name == "year" else "DESC(?count) ?value"
    selected = filters.selected(hashed, without=own, typed=False)
    return (sparql_prefixes() + f"SELECT ?value ({counter} AS ?count) WHERE {{\n"
            + (selected + "\n" if selected else "") + join(value, hashed if hashed_value is None else hashed_value)
            + (f"\n  {bind}" if bind else "")
            + f"\n}} GROUP BY ?value ORDER BY {order}" + (f" LIMIT {limit}" if limit else ""))


def count_query(filters: Filters) -> str:
    """How many postings match: each filter is scanned whole and joined by hash (quick at any size)."""
    parts = filters.parts() or ["?posting a schema:JobPosting ."]
    return sparql_prefixes() + f"SELECT (COUNT(DISTINCT ?posting) AS ?count) WHERE {{\n{join(parts, True)}\n}}"


# What a result line shows of a posting; ?posting and ?date are bound before it.
RESULT_FIELDS = "?posting ?title ?employer ?employerName ?country ?date ?closes"
RESULT_DETAILS = """  OPTIONAL { ?posting schema:title ?title }
  OPTIONAL { ?posting schema:hiringOrganization ?employer . OPTIONAL { ?employer schema:name ?employerName } }
  OPTIONAL { ?posting schema:jobLocation ?place . ?place schema:addressCountry ?country }
  OPTIONAL { ?posting schema:validThrough ?closes }"""


def results_query(filters: Filters, page_size: int = PAGE_SIZE, hashed: bool = False) -> str:
    """One page of postings, newest first, with what a result line shows (employer, place, closing date).

    Ordered by the date alone: ordering by IRIs too makes Oxigraph read every IRI's text (40 s at 100,000).
    Postings with the same date keep the engine's order, which is the same for every page of one query.
    """
    offset = (filters.page - 1) * page_size
    dates = f"OPTIONAL {{ SELECT ?posting ?date WHERE {{ {dated()} }} }}" if hashed else f"OPTIONAL {{ {dated()} }}"
    return sparql_prefixes() + f"""SELECT {RESULT_FIELDS} WHERE {{
  {{ SELECT ?posting ?date WHERE {{
  {filters.selected(hashed)}
    {dates}
  }} ORDER BY DESC(?date) LIMIT {page_size} OFFSET {offset} }}
{RESULT_DETAILS}
}} ORDER BY DESC(?date)"""


def postings_query(rows: Iterable[tuple[str, str | None]]) -> str:
    """What a result line shows of the postings named, with their dates (posting IRI, date as an N-Triples
    term or None): the page the facet index chose, in any order. The dates are given, not looked up: an
    OPTIONAL over ``dated`` makes Oxigraph read every posting's date (0.4 s at 100,000 postings)."""
    values = " ".join(f"(<{iri}> {date or 'UNDEF'})" for iri, date in dict.fromkeys(rows))
    return sparql_prefixes() + f"""SELECT {RESULT_FIELDS} WHERE {{
  VALUES (?posting ?date) {{ {values} }}
{RESULT_DETAILS}
}}"""


def months_query(filters: Filters, hashed: bool = False) -> str:
    """Postings per month (of the date posted, else the closing date), for the line over time."""
    selected = filters.selected(hashed, typed=False)
    return sparql_prefixes() + f"""SELECT ?value (COUNT(*) AS ?count) WHERE {{
{selected + chr(10) if selected else ""}{join([dated()], hashed)}
  BIND(SUBSTR(STR(?date), 1, 7) AS ?value)
}} GROUP BY ?value ORDER BY ?value"""


# Salaries on a yearly basis: hours at the posting's stated weekly hours (else 40) for 52 weeks.
SALARY_PER_YEAR = ("IF(?unit = 'HOUR', COALESCE(xsd:decimal(STRBEFORE(?hours, ' ')), 40) * 52, "
                   "IF(?unit = 'DAY', 260, IF(?unit = 'WEEK', 52, IF(?unit = 'MONTH', 12, 1))))")


def salary_rows(hashed: bool = False) -> str:
    """The rows salaries are summarised from: ?posting ?country ?currency and the ?low and ?high of one
    stated amount on a yearly basis (a minimum, a maximum or both: one sub-SELECT takes the lowest and
    highest value)."""
    amounts = ["?posting schema:baseSalary ?salary .", "?salary schema:currency ?currency .",
               "?salary schema:value ?amount .",
               "{ SELECT ?amount (MIN(?v) AS ?low0) (MAX(?v) AS ?high0) WHERE { { ?amount schema:minValue ?v } "
               "UNION { ?amount schema:maxValue ?v } } GROUP BY ?amount }"]
    optional = ["?amount schema:unitText ?unitText .", "?posting schema:workHours ?hours ."]
    place = join(["?posting schema:jobLocation ?place .", "?place schema:addressCountry ?placeCountry ."], hashed, 0)
    return f"""{join(amounts, hashed)}
{chr(10).join("  OPTIONAL { " + p.strip() + " }" for p in join(optional, hashed, 0).splitlines())}
  OPTIONAL {{ {" ".join(place.splitlines())} }}
  BIND(COALESCE(?placeCountry, "") AS ?country)
  BIND(COALESCE(?unitText, "YEAR") AS ?unit)
  BIND({SALARY_PER_YEAR} AS ?perYear)
  BIND(?low0 * ?perYear AS ?low)
  BIND(?high0 * ?perYear AS ?high)"""


def salary_query(filters: Filters, hashed: bool = False) -> str:
    """Salary ranges per country and currency, normalised to a year, over the filtered postings."""
    selected = filters.selected(hashed, typed=False)
    return sparql_prefixes() + f"""SELECT ?country ?currency (COUNT(DISTINCT ?posting) AS ?count)
       (MIN(?low) AS ?min) (AVG((?low + ?high) / 2) AS ?mid) (MAX(?high) AS ?max) WHERE {{
{selected + chr(10) if selected else ""}{salary_rows(hashed)}
}} GROUP BY ?country ?currency ORDER BY ?currency DESC(?count) ?country"""


def labels_query(iris: Iterable[str]) -> str | None:
    """Display names for the IRIs a page shows: SKOS preferred labels or schema.org names."""
    values = " ".join(f"<{i}>" for i in sorted(set(iris)))
    if not values:
        return None
    return sparql_prefixes() + f"""SELECT ?iri ?label WHERE {{
  VALUES ?iri {{ {values} }}
  {{ ?iri skos:prefLabel ?label }} UNION {{ ?iri schema:name ?label }}
  FILTER(LANG(?label) = "" || LANGMATCHES(LANG(?label), "en"))
}}"""


def links_query(iri: str) -> str:
    """Where else a thing is described: its ROR record, homepage, Wikidata, Wikipedia, ESCO."""
    return sparql_prefixes() + f"""SELECT DISTINCT ?link WHERE {{
  <{iri}> schema:url|schema:sameAs|owl:sameAs|skos:exactMatch|skos:closeMatch|schema:identifier ?link .
}}"""
