"""Stored queries, like Datasette's canned queries: every ``queries/*.rq`` published at ``/queries/<name>``.

Each file opens with a machine-readable header (see README, "Stored queries")::

    # title: Skills asked for together with a skill
    # description: For one skill, which other skills do the same postings ask for?
    # param: ?skill skill default=python — the skill (an IRI or a jobgraph skill slug)
    # column: ?other — a skill named in the same postings

Parameters are bound with pyoxigraph's ``substitutions`` (SEP-0007 pre-binding), never pasted into the
query text, so a value can only ever be one RDF term: SPARQL in a parameter stays a string.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, url_for
from pyoxigraph import (
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    RdfFormat,
    Variable,
    parse,
    parse_query_results,
)

from ..formats import GRAPH_FORMATS, RESULT_FORMATS, SHORT_NAMES
from ..vocab import DEFAULT_BASE_IRI, XSD, base_iri, skill_iri
from . import sparql
from .engine import Dataset, EngineError
from .limits import Refused, check_services

bp = Blueprint("queries", __name__)

QUERIES_DIR = Path(__file__).resolve().parents[3] / "queries"
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
ROR_ID = re.compile(r"^0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}$")
HEADER = re.compile(r"^#\s*([a-z]+):\s*(.*)$")
PARAM = re.compile(r"^\?(\w+)\s+(\w+)\s+default=(\S+)\s+[—-]+\s+(.+)$")
COLUMN = re.compile(r"^\?(\w+)\s+[—-]+\s+(.+)$")
IRI_FORBIDDEN = re.compile(r'[\s<>"{}|\\^`]')


class CatalogueError(Exception):
    """A ``.rq`` file whose header cannot be read; the message names the file and the line."""


class BadParameter(ValueError):
    """A parameter value that is not of its declared kind (answered with 400 and this message)."""


def _iri(value: str) -> NamedNode:
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", value) or IRI_FORBIDDEN.search(value):
        raise BadParameter(f"{value!r} is not an absolute IRI (such as https://ror.org/04wxnsj81)")
    return NamedNode(value)


def _skill(value: str) -> NamedNode:
    if re.match(r"^[a-z0-9-]+$", value):  # a slug of the jobgraph vocabulary: 'python'
        return skill_iri(value)
    return _iri(value)


def _ror(value: str) -> NamedNode:
    ror_id = value.removeprefix("https://ror.org/").removeprefix("ror.org/").strip("/")
    if not ROR_ID.match(ror_id):
        raise BadParameter(f"{value!r} is not a ROR id: give 9 characters such as 04wxnsj81, "
                           "or the IRI https://ror.org/04wxnsj81")
    return NamedNode("https://ror.org/" + ror_id)


def _date(value: str) -> Literal:
    try:
        return Literal(date.fromisoformat(value).isoformat(), datatype=XSD.date)
    except ValueError:
        raise BadParameter(f"{value!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-03-01") from None


def _integer(value: str) -> Literal:
    if not re.match(r"^[+-]?\d{1,18}$", value):
        raise BadParameter(f"{value!r} is not a whole number")
    return Literal(str(int(value)), datatype=XSD.integer)


def _string(value: str) -> Literal:
    if len(value) > 500:
        raise BadParameter("text parameters are at most 500 characters long")
    return Literal(value)


KINDS = {"iri": _iri, "skill": _skill, "ror": _ror, "date": _date, "integer": _integer, "string": _string}


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    default: str
    meaning: str

    def bind(self, raw: str | None):  # type: ignore[no-untyped-def]
        """The RDF term for a form value (the default when empty); BadParameter names the parameter."""
        value = (raw or "").strip() or self.default
        try:
            return KINDS[self.kind](value)
        except BadParameter as err:
            raise BadParameter(f"parameter {self.name}: {err}") from None


@dataclass(frozen=True)
class StoredQuery:
    name: str
    title: str
    description: str
    text: str
    params: tuple[Param, ...] = ()
    columns: tuple[tuple[str, str], ...] = ()
    service: str | None = None  # the remote endpoint of a federated query (documented, not run by tests)
    group: str = "Other"

    @property
    def form(self) -> str:
        """SELECT, CONSTRUCT, ASK or DESCRIBE: the first query keyword after the prologue."""
        body = re.sub(r"(?m)^\s*(#.*|PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>)\s*$", "", self.text)
        match = re.search(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", body, re.IGNORECASE)
        return match.group(1).upper() if match else "SELECT"

    def bindings(self, values: Mapping[str, str]) -> dict[str, object]:
        """Every parameter's term, by name: the form's value, else the default (BadParameter if invalid)."""
        return {p.name: p.bind(values.get(p.name)) for p in self.params}

    def substitutions(self, values: Mapping[str, str]) -> dict[Variable, object]:
        """The same, keyed for pyoxigraph's ``Store.query(substitutions=...)``."""
        return {Variable(name): term for name, term in self.bindings(values).items()}

    def summary(self) -> dict:
        """What /queries lists for this query (also its JSON form)."""
        return {"name": self.name, "title": self.title, "description": self.description, "form": self.form,
                "params": [{"name": p.name, "kind": p.kind, "default": p.default, "meaning": p.meaning}
                           for p in self.params],
                "columns": [{"name": n, "meaning": m} for n, m in self.columns],
                "group": self.group, "service": self.service,
                "link": url_for("queries.show", name=self.name, _external=True)}


def parse_query_file(path: Path) -> StoredQuery:
    """Read one ``.rq`` file and its header; CatalogueError says which line is wrong and how."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#"):
            break
        match = HEADER.match(line)
        if not match:
            if line.strip("# "):
                raise CatalogueError(f"{path}:{number}: header lines read '# key: value', not {line!r}")
            continue
        fields.setdefault(match.group(1), []).append(match.group(2).strip())
    for key in ("title", "description"):
        if key not in fields:
            raise CatalogueError(f"{path}: the header has no '# {key}:' line")
    params = []
    for value in fields.get("param", []):
        m = PARAM.match(value)
        if not m or m.group(2) not in KINDS:
            raise CatalogueError(f"{path}: '# param: {value}' should read '?name KIND default=VALUE — meaning' "
                                 f"with KIND one of {', '.join(KINDS)}")
        param = Param(*m.groups())
        param.bind(None)  # the default itself must be valid
        params.append(param)
    columns = []
    for value in fields.get("column", []):
        m = COLUMN.match(value)
        if not m:
            raise CatalogueError(f"{path}: '# column: {value}' should read '?name — meaning'")
        columns.append((m.group(1), m.group(2)))
    service = (fields.get("service") or [None])[0]
    return StoredQuery(name=path.stem, title=fields["title"][0], description=" ".join(fields["description"]),
                       text=text, params=tuple(params), columns=tuple(columns), service=service,
                       group=(fields.get("group") or ["Other"])[0])


@cache
def _load(folder: str) -> dict[str, StoredQuery]:
    paths = sorted(Path(folder).glob("*.rq"))
    bad = [p.name for p in paths if not NAME.match(p.stem)]
    if bad:
        raise CatalogueError(f"{folder}: query file names are lower-case words and dashes: {', '.join(bad)}")
    return {p.stem: parse_query_file(p) for p in paths}


def catalogue(folder: str | Path | None = None) -> dict[str, StoredQuery]:
    """The stored queries of ``folder`` (else ``$JOBGRAPH_QUERIES``, else the checkout's queries/), by name."""
    return _load(str(folder or os.environ.get("JOBGRAPH_QUERIES") or QUERIES_DIR))


def app_catalogue() -> dict[str, StoredQuery]:
    return catalogue(current_app.config.get("JOBGRAPH_QUERIES"))


# --- HTTP ---------------------------------------------------------------------------------------------

def _short_names(offers: dict) -> dict[str, str]:
    """The download links: the endpoint's first short name for each media type it offers."""
    names: dict[str, str] = {}
    for short, mime in SHORT_NAMES.items():
        if mime in offers and mime not in names.values():
            names[short] = mime
    return names


SELECT_TYPES, GRAPH_TYPES = _short_names(RESULT_FORMATS), _short_names(GRAPH_FORMATS)


# The order /queries shows its groups in (the '# group:' header line of each file).
GROUPS = ["Skill demand", "Organisations", "Remote work", "Pay", "Time and search", "Curation", "Provenance and links"]


def grouped(queries: Iterable[StoredQuery]) -> dict[str, list[StoredQuery]]:
    """The queries by their '# group:', groups in the order of GROUPS (others last)."""
    groups: dict[str, list[StoredQuery]] = {}
    for query in sorted(queries, key=lambda q: GROUPS.index(q.group) if q.group in GROUPS else len(GROUPS)):
        groups.setdefault(query.group, []).append(query)
    return groups


def _wants_html() -> bool:
    if "format" in request.args:
        return request.args["format"] == "html"
    offers = ["text/html", *SELECT_TYPES.values(), *GRAPH_TYPES.values(), "application/json"]
    return request.accept_mimetypes.best_match(offers, default="text/html") == "text/html"


@bp.route("/queries")
@bp.route("/queries.json", endpoint="index_json")
def index() -> Response | str:
    queries = app_catalogue()
    as_json = (request.path.endswith(".json") or request.args.get("format") == "json"
               or request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json")
    if as_json:
        return jsonify([q.summary() for q in queries.values()])
    return render_template("queries.html", groups=grouped(queries.values()))


@bp.route("/queries/<name>")
def show(name: str) -> Response | str:
    query = app_catalogue().get(name)
    if query is None:
        abort(404, description=f"no stored query is named {name!r}; the list is at /queries")
    try:
        bindings = query.bindings(request.args)
    except BadParameter as err:
        return sparql.error(400, f"{err}. The parameters of {name} are: "
                                 + ", ".join(f"{p.name} ({p.kind}, default {p.default})" for p in query.params))
    if not _wants_html():
        return sparql.respond(query.text, substitutions=bindings)
    return _page(query, bindings)


LOCAL_KINDS = ("posting", "source", "org", "skill")  # the IRIs this server dereferences (web/resources.py)


def local_href(iri: str) -> str:
    """Where this server shows an IRI: /posting/…, /skill/…, /ror/<id>; any other IRI links to itself."""
    if iri.startswith("https://ror.org/"):
        return "/ror/" + iri.removeprefix("https://ror.org/")
    for base in (base_iri(), DEFAULT_BASE_IRI):
        if iri.startswith(base) and iri[len(base):].split("/", 1)[0] in LOCAL_KINDS:
            return "/" + iri[len(base):]
    return iri


NUMERIC = {XSD.integer, XSD.decimal, XSD.double, XSD.float}


def _cell(term) -> dict | None:  # type: ignore[no-untyped-def]
    """A result term for the HTML table: IRIs become links, literals keep their language or (non-numeric) type."""
    if term is None:
        return None
    if isinstance(term, NamedNode):
        return {"iri": True, "value": term.value, "href": local_href(term.value)}
    datatype = getattr(term, "datatype", None)
    note = getattr(term, "language", None) or ""
    if not note and datatype is not None and datatype != XSD.string and datatype not in NUMERIC:
        note = datatype.value.rsplit("#", 1)[-1]
    return {"iri": False, "value": term.value, "note": note, "number": datatype in NUMERIC}


@dataclass
class _Table:
    variables: list[str] = field(default_factory=list)
    rows: list[list[dict | None]] = field(default_factory=list)
    boolean: bool | None = None
    truncated: bool = False


def _table(query: StoredQuery, bindings: dict[str, object]) -> _Table:
    """Run the query with the endpoint's engine (same limits, timeout and SERVICE allowlist), read it back."""
    graph = query.form in ("CONSTRUCT", "DESCRIBE")
    mime = "application/n-triples" if graph else "application/sparql-results+json"
    check_services(query.text, current_app.config.get("JOBGRAPH_ALLOW_SERVICE", ()))  # as respond() does
    answer = sparql.engine().query(query.text, mime, Dataset(), bindings, base_iri=request.base_url)
    body = answer.body if isinstance(answer.body, bytes) else b"".join(answer.body)
    table = _Table(truncated=bool(answer.cap and answer.cap.truncated))
    if graph:
        table.variables = ["subject", "predicate", "object"]
        table.rows = [[_cell(t.subject), _cell(t.predicate), _cell(t.object)] for t in parse(body, RdfFormat.N_TRIPLES)]
        return table
    result = parse_query_results(body, QueryResultsFormat.JSON)
    if isinstance(result, QueryBoolean):
        table.boolean = bool(result)
    else:
        table.variables = [v.value for v in result.variables]
        table.rows = [[_cell(s[v]) for v in table.variables] for s in result]
    return table


def _page(query: StoredQuery, bindings: dict[str, object]) -> str:
    """The HTML page: description, parameter form, download links and the results table."""
    waiting = bool(query.service) and "run" not in request.args  # never call out to a remote endpoint unasked
    table, error = _Table(), None
    if not waiting:
        try:
            table = _table(query, bindings)
        except (EngineError, Refused) as err:
            error = err.message
    values = {p.name: request.args.get(p.name, "") or p.default for p in query.params}
    formats = GRAPH_TYPES if query.form in ("CONSTRUCT", "DESCRIBE") else SELECT_TYPES
    return render_template("stored_query.html", query=query, values=values, table=table, error=error,
                           formats=formats, waiting=waiting)
