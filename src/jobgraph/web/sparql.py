"""The SPARQL 1.1 Protocol endpoint at /sparql: GET, POST form and POST direct, with content negotiation.

``respond(query, substitutions)`` is the one way the app answers a SPARQL query over HTTP (the /sparql
view and the stored queries both use it): it applies the endpoint's limits, picks the media type from
the ``format`` parameter or the Accept header, and lets the configured engine (web/engine.py) run it.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, request
from pyoxigraph import BlankNode

from .engine import GRAPH_FORMATS, RESULT_FORMATS, Dataset, EmbeddedEngine, Engine, EngineError
from .limits import query_form

bp = Blueprint("sparql", __name__)

# Short names for the ``format`` parameter (browsers cannot set Accept on a link).
SHORT_NAMES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
               "csv": "text/csv", "tsv": "text/tab-separated-values", "turtle": "text/turtle",
               "ttl": "text/turtle", "nt": "application/n-triples", "ntriples": "application/n-triples",
               "rdfxml": "application/rdf+xml", "jsonld": "application/ld+json",
               "nquads": "application/n-quads", "trig": "application/trig"}
# Media types clients commonly ask for that name one of ours.
ALIASES = {"application/json": "application/sparql-results+json", "application/xml": "application/sparql-results+xml",
           "text/xml": "application/sparql-results+xml", "text/plain": "application/n-triples",
           "application/x-turtle": "text/turtle"}
CORS = {"Access-Control-Allow-Origin": "*"}


def error(status: int, message: str) -> Response:
    """A plain-text error that says what went wrong and what to do (never a traceback)."""
    return Response(message.rstrip() + "\n", status=status, mimetype="text/plain", headers=CORS)


def engine(app: Flask | None = None) -> Engine:
    """The app's query engine; the embedded one over the app's store unless ``serve`` configured another."""
    app = app or current_app
    if "jobgraph.engine" not in app.extensions:
        app.extensions["jobgraph.engine"] = EmbeddedEngine(
            app.extensions["jobgraph.store"], timeout_s=float(app.config.get("JOBGRAPH_TIMEOUT_S", 30)),
            max_rows=int(app.config["JOBGRAPH_MAX_ROWS"]))
    return app.extensions["jobgraph.engine"]


def negotiate(offers: dict) -> str | None:
    """The media type to answer in: ``format`` wins over Accept; None when nothing offered is acceptable."""
    fmt = request.values.get("format")
    if fmt:
        mime = SHORT_NAMES.get(fmt.lower(), fmt.lower())
        mime = ALIASES.get(mime, mime)
        return mime if mime in offers else None
    accept = request.accept_mimetypes
    if not accept or accept.best in ("*/*", None):
        return next(iter(offers))
    candidates = list(offers) + [a for a, target in ALIASES.items() if target in offers]
    best = accept.best_match(candidates)
    return ALIASES.get(best, best) if best else None


def request_dataset() -> Dataset:
    """default-graph-uri / named-graph-uri from the URL or the form (both are repeatable)."""
    return Dataset(request.values.getlist("default-graph-uri"), request.values.getlist("named-graph-uri"))


def respond(query: str, substitutions: dict | None = None) -> Response:
    """Run ``query`` with the endpoint's limits and answer in the negotiated format.

    ``substitutions`` pre-binds variables (SEP-0007): keys are variable names without '?', values are
    pyoxigraph terms, so a caller's parameter can never change the query text.
    """
    form = query_form(query)
    offers = GRAPH_FORMATS if form == "graph" else RESULT_FORMATS
    mime = negotiate(offers)
    if mime is None:
        return error(406, "not acceptable: this result is offered as " + ", ".join(offers)
                          + " (use the Accept header or ?format=" + "|".join(
                              k for k, v in SHORT_NAMES.items() if v in offers) + ")")
    if substitutions and any(isinstance(v, BlankNode) for v in substitutions.values()):
        return error(400, "a parameter cannot be a blank node: pass an IRI or a literal")
    try:
        answer = engine().query(query, mime, request_dataset(), substitutions)
    except EngineError as err:
        if err.status >= 500:
            current_app.logger.error("query failed (%s): %s; query: %.500r", err.status, err.message, query)
        return error(err.status, err.message)
    return Response(answer.body, mimetype=answer.mimetype, headers=CORS)


def _query_text() -> str | None:
    if request.method == "GET":
        return request.args.get("query")
    if request.mimetype == "application/sparql-query":
        return request.get_data(as_text=True)
    if request.mimetype == "application/x-www-form-urlencoded":
        return request.form.get("query")
    return None


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    if request.method == "POST" and request.mimetype not in ("application/sparql-query",
                                                             "application/x-www-form-urlencoded"):
        return error(415, f"unsupported Content-Type {request.mimetype!r}: send application/sparql-query "
                          "or an application/x-www-form-urlencoded form")
    query = _query_text()
    if not query:
        return error(400, "no query: pass the SPARQL query in the 'query' parameter")
    return respond(query)
