"""The SPARQL 1.1 Protocol endpoint at /sparql (query, update) and the Graph Store Protocol at /store.

``respond(query, substitutions)`` is the one way the app answers a SPARQL query over HTTP (the /sparql
view and the stored queries both use it): it applies the endpoint's limits, picks the media type from
the ``format`` parameter or the Accept header, and lets the configured engine (web/engine.py) run it.
The protocol checks, limits and CORS live here whatever the engine, so both engines behave alike.
"""

from __future__ import annotations

import hmac
import uuid

from flask import Blueprint, Flask, Response, current_app, request
from pyoxigraph import BlankNode, NamedNode
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..formats import GRAPH_FORMATS, RESULT_FORMATS, SHORT_NAMES
from .engine import Dataset, EmbeddedEngine, Engine, EngineError
from .limits import Refused, check_services, query_form

bp = Blueprint("sparql", __name__)

# Media types clients commonly ask for that name one of ours.
ALIASES = {"application/json": "application/sparql-results+json", "application/xml": "application/sparql-results+xml",
           "text/xml": "application/sparql-results+xml", "text/plain": "application/n-triples",
           "application/x-turtle": "text/turtle"}
CORS = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT = {"Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
             "Access-Control-Allow-Headers": "Accept, Authorization, Content-Type",
             "Access-Control-Max-Age": "86400"}
QUERY_TYPES = ("application/sparql-query", "application/x-www-form-urlencoded")
UPDATE_TYPES = ("application/sparql-update", "application/x-www-form-urlencoded")


class ProtocolError(Exception):
    """A request that breaks the protocol; answered with ``status`` and a message saying what to do."""

    def __init__(self, status: int, message: str, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def error(status: int, message: str, headers: dict | None = None) -> Response:
    """A plain-text error that says what went wrong and what to do (never a traceback)."""
    return Response(message.rstrip() + "\n", status=status, mimetype="text/plain", headers={**CORS, **(headers or {})})


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
    fmt = request.args.get("format") or (request.form.get("format") if request.mimetype == QUERY_TYPES[1] else None)
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


def _iris(name: str) -> list[str]:
    values = request.args.getlist(name)
    if request.mimetype == "application/x-www-form-urlencoded":
        values += request.form.getlist(name)
    for iri in values:
        try:
            NamedNode(iri)
        except ValueError:
            raise ProtocolError(400, f"{name} must be an absolute IRI, not {iri!r}") from None
    return values


def respond(query: str, substitutions: dict | None = None) -> Response:
    """Run ``query`` with the endpoint's limits and answer in the negotiated format.

    ``substitutions`` pre-binds variables: keys are variable names without '?', values are pyoxigraph
    terms, so a caller's parameter can never change the query text. The embedded engine uses
    pyoxigraph's SEP-0007 substitution (the variable must be in the SELECT projection); the oxigraph
    engine sends them as a trailing VALUES block (terms serialized, and so escaped, by pyoxigraph).
    """
    try:
        dataset = Dataset(_iris("default-graph-uri"), _iris("named-graph-uri"))
        check_services(query, current_app.config.get("JOBGRAPH_ALLOW_SERVICE", ()))
    except (ProtocolError, Refused) as err:
        return error(err.status, err.message)
    offers = GRAPH_FORMATS if query_form(query) == "graph" else RESULT_FORMATS
    mime = negotiate(offers)
    if mime is None:
        names = "|".join(k for k, v in SHORT_NAMES.items() if v in offers)
        return error(406, f"not acceptable: this result is offered as {', '.join(offers)} "
                          f"(ask with the Accept header, or ?format={names})")
    if substitutions and any(isinstance(v, BlankNode) for v in substitutions.values()):
        return error(400, "a parameter cannot be a blank node: pass an IRI or a literal")
    try:
        answer = engine().query(query, mime, dataset, substitutions, base_iri=request.base_url)
    except EngineError as err:
        if err.status >= 500:
            current_app.logger.error("query failed (%s): %s; query: %.500r", err.status, err.message, query)
        return error(err.status, err.message)
    return Response(answer.body, mimetype=answer.mimetype, headers=CORS)


def _single(name: str, values: list[str]) -> str | None:
    if len(values) > 1:
        raise ProtocolError(400, f"more than one '{name}' parameter: send exactly one")
    return values[0] if values else None


def _body_text() -> str:
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"the body is {charset}: send the SPARQL text as UTF-8")
    try:
        return request.get_data().decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(400, "the body is not valid UTF-8: send the SPARQL text as UTF-8") from None


def _operation() -> tuple[str, str | None]:
    """('query'|'update'|'describe', text) from GET, a POSTed form, or a direct POST."""
    if request.method == "GET":
        if "update" in request.args:
            raise ProtocolError(405, "updates must be POSTed (application/sparql-update or a form)",
                                {"Allow": "POST"})
        text = _single("query", request.args.getlist("query"))
        return ("query", text) if text is not None else ("describe", None)
    if request.mimetype == "application/sparql-query":
        return "query", _body_text()
    if request.mimetype == "application/sparql-update":
        return "update", _body_text()
    if request.mimetype == "application/x-www-form-urlencoded":
        queries, updates = request.form.getlist("query"), request.form.getlist("update")
        if queries and updates:
            raise ProtocolError(400, "a request carries either 'query' or 'update', not both")
        if updates:
            return "update", _single("update", updates)
        text = _single("query", queries)
        if text is None:
            raise ProtocolError(400, "no query: put the SPARQL query in the 'query' form field")
        return "query", text
    raise ProtocolError(415, f"unsupported Content-Type {request.mimetype or '(none)'!r}: POST "
                             "application/sparql-query, application/sparql-update, or a form "
                             "(application/x-www-form-urlencoded) with 'query' or 'update'")


def authorize() -> None:
    """Writes need ``serve --update-token``; then a matching ``Authorization: Bearer`` header."""
    token = current_app.config.get("JOBGRAPH_UPDATE_TOKEN")
    if not token:
        raise ProtocolError(403, "this endpoint is read-only: updates and the Graph Store Protocol are "
                                 "enabled only with serve --update-token (or $JOBGRAPH_UPDATE_TOKEN)")
    given = request.headers.get("Authorization", "")
    if not given.startswith("Bearer "):
        raise ProtocolError(401, "updates need a token: send 'Authorization: Bearer <token>'",
                            {"WWW-Authenticate": 'Bearer realm="jobgraph"'})
    if not hmac.compare_digest(given[7:].strip().encode(), token.encode()):
        raise ProtocolError(403, "the bearer token is wrong: ask the endpoint's operator for the update token")


@bp.before_request
def _limit_size() -> Response | None:
    cap = current_app.config.get("MAX_CONTENT_LENGTH")
    if request.method == "OPTIONS":
        return Response(status=204, headers={**CORS, **PREFLIGHT})
    if cap and request.content_length and request.content_length > cap:
        current_app.logger.warning("refused a %s-byte %s %s (cap %s)", request.content_length, request.method,
                                   request.path, cap)
        return error(413, f"the request is {request.content_length} bytes; this endpoint takes at most {cap}: "
                          "send a shorter query, or load big data with jobgraph ingest", {"Connection": "close"})
    return None


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"], strict_slashes=False)
def sparql() -> Response:
    try:
        kind, text = _operation()
        if kind == "describe":
            return describe.service_description()
        if not text or not text.strip():
            raise ProtocolError(400, f"the {kind} is empty: pass the SPARQL text in the '{kind}' parameter")
        if kind == "query":
            return respond(text)
        authorize()
        return _update(text)
    except ProtocolError as err:
        return error(err.status, err.message, err.headers)


def _update(text: str) -> Response:
    try:
        check_services(text, current_app.config.get("JOBGRAPH_ALLOW_SERVICE", ()), update=True)
    except Refused as err:
        return error(err.status, err.message)
    using = [("using-graph-uri", g) for g in _iris("using-graph-uri")]
    using += [("using-named-graph-uri", g) for g in _iris("using-named-graph-uri")]
    try:
        status, body = engine().update(text, using, base_iri=request.base_url)
    except EngineError as err:
        return error(err.status, err.message)
    if status >= 400:
        return error(status, body)
    return Response(status=204, headers=CORS)


@bp.route("/store", methods=["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"])
def graph_store() -> Response:
    """SPARQL 1.1 Graph Store HTTP Protocol: ``?graph=IRI`` or ``?default``, behind the update token."""
    try:
        authorize()
        graph = request.args.get("graph")
        if graph is not None:
            try:
                NamedNode(graph)
            except ValueError:
                raise ProtocolError(400, f"graph must be an absolute IRI, not {graph!r}") from None
        elif "default" not in request.args:
            raise ProtocolError(400, "name the graph: ?graph=<absolute IRI> or ?default")
        body = request.get_data() if request.method in ("PUT", "POST") else b""
        status, headers, data = engine().store(request.method, graph, body, request.headers.get("Content-Type", ""),
                                               request.headers.get("Accept", "text/turtle"))
    except ProtocolError as err:
        return error(err.status, err.message, err.headers)
    except EngineError as err:
        return error(err.status, err.message)
    if status >= 400:
        return error(status, data.decode(errors="replace"))
    return Response(data, status=status, headers={**CORS, **headers})


@bp.app_errorhandler(RequestEntityTooLarge)
def _too_large(err: RequestEntityTooLarge) -> Response:
    return error(413, "the request is too large for this endpoint: send a shorter query", {"Connection": "close"})


@bp.app_errorhandler(Exception)
def _unexpected(err: Exception) -> Response | HTTPException:
    """Log what an operator needs (id, request, traceback); tell the client only the id."""
    if isinstance(err, HTTPException):
        return err
    ref = uuid.uuid4().hex[:12]
    current_app.logger.exception("error %s on %s %s (args %s)", ref, request.method, request.path,
                                 dict(request.args))
    return error(500, f"internal error {ref}: the server logged the details; please report this id")


from . import describe  # noqa: E402 - registers /.well-known/void on bp; needs the names above
