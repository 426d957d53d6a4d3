"""Human pages: the landing page (what is in the store) and the query page."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from ..vocab import PREFIXES, sparql_prefixes
from .queries import app_catalogue, grouped

bp = Blueprint("pages", __name__)

SUMMARY = sparql_prefixes() + """
SELECT ?posting ?title ?employer ?ror WHERE {
  ?posting a schema:JobPosting ; schema:title ?title .
  OPTIONAL { ?posting schema:hiringOrganization ?org . ?org schema:name ?employer .
             OPTIONAL { ?org schema:identifier ?ror } }
} ORDER BY ?employer ?title LIMIT 200
"""

EXAMPLE = sparql_prefixes() + """
SELECT ?title ?employer ?ror WHERE {
  ?posting a schema:JobPosting ; schema:title ?title ; schema:hiringOrganization ?org .
  ?org schema:name ?employer .
  OPTIONAL { ?org schema:identifier ?ror }
} ORDER BY ?employer LIMIT 100
"""


def _value(term):  # type: ignore[no-untyped-def]
    return term.value if term is not None else None


@bp.route("/")
def index() -> str:
    store = current_app.extensions["jobgraph.store"]
    rows = [{k: _value(sol[k]) for k in ("posting", "title", "employer", "ror")} for sol in store.query(SUMMARY)]
    return render_template("index.html", rows=rows, triples=len(store), graphs=len(store.named_graphs()))


@bp.route("/query")
def query_page() -> str:
    """The query editor: the store's prefixes, the stored queries as examples, results as a table."""
    groups = {group: [{**q.summary(), "text": q.text} for q in queries]
              for group, queries in grouped(app_catalogue().values()).items()}
    return render_template("query.html", example=request.args.get("query") or EXAMPLE, prefixes=PREFIXES,
                           groups=groups, stored=[q for queries in groups.values() for q in queries])
