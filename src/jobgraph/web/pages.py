"""The query page. (The front page, `/`, is the explore blueprint's.)"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ..vocab import DEFAULT_BASE_IRI, PREFIXES, base_iri, sparql_prefixes
from .queries import LOCAL_KINDS, app_catalogue, grouped

bp = Blueprint("pages", __name__)

EXAMPLE = sparql_prefixes() + """
SELECT ?title ?employer ?ror WHERE {
  ?posting a schema:JobPosting ; schema:title ?title ; schema:hiringOrganization ?org .
  ?org schema:name ?employer .
  OPTIONAL { ?org schema:identifier ?ror }
} ORDER BY ?employer LIMIT 100
"""


@bp.route("/query")
def query_page() -> str:
    """The query editor: the store's prefixes, the stored queries as examples, results as a table."""
    groups = {group: [{**q.summary(), "text": q.text} for q in queries]
              for group, queries in grouped(app_catalogue().values()).items()}
    return render_template("query.html", example=request.args.get("query") or EXAMPLE, prefixes=PREFIXES,
                           groups=groups, stored=[q for queries in groups.values() for q in queries],
                           local={"bases": [base_iri(), DEFAULT_BASE_IRI], "kinds": LOCAL_KINDS})
