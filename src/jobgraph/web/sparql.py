"""The SPARQL 1.1 Protocol endpoint at /sparql: GET, POST form and POST direct, with content negotiation."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat

bp = Blueprint("sparql", __name__)

RESULT_FORMATS = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
}
SHORT_NAMES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
               "csv": "text/csv", "tsv": "text/tab-separated-values", "turtle": "text/turtle",
               "ttl": "text/turtle", "nt": "application/n-triples", "ntriples": "application/n-triples",
               "rdfxml": "application/rdf+xml"}


def _error(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def _query_text() -> str | None:
    if request.method == "GET":
        return request.args.get("query")
    if request.mimetype == "application/sparql-query":
        return request.get_data(as_text=True)
    if request.mimetype == "application/x-www-form-urlencoded":
        return request.form.get("query")
    return None


def _negotiate(offers: dict) -> str | None:
    fmt = request.values.get("format")
    if fmt:
        mime = SHORT_NAMES.get(fmt, fmt)
        return mime if mime in offers else None
    if not request.accept_mimetypes or request.accept_mimetypes.best == "*/*":
        return next(iter(offers))
    return request.accept_mimetypes.best_match(list(offers))


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    if request.method == "POST" and request.mimetype not in ("application/sparql-query",
                                                             "application/x-www-form-urlencoded"):
        return _error(415, f"unsupported Content-Type {request.mimetype!r}: send application/sparql-query "
                           "or an application/x-www-form-urlencoded form")
    query = _query_text()
    if not query:
        return _error(400, "no query: pass the SPARQL query in the 'query' parameter")
    store = current_app.extensions["jobgraph.store"]
    try:
        result = store.query(query)
    except SyntaxError as err:
        return _error(400, f"the query does not parse: {err}")
    if isinstance(result, QuerySolutions | QueryBoolean):
        mime = _negotiate(RESULT_FORMATS)
        if mime is None:
            return _error(406, "not acceptable: results are offered as " + ", ".join(RESULT_FORMATS))
        body = result.serialize(format=RESULT_FORMATS[mime])
    else:
        mime = _negotiate(GRAPH_FORMATS)
        if mime is None:
            return _error(406, "not acceptable: graphs are offered as " + ", ".join(GRAPH_FORMATS))
        body = result.serialize(format=GRAPH_FORMATS[mime])
    resp = Response(body, mimetype=mime)
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp
