"""``jobgraph serve``: the app behind a production WSGI server (waitress), over the chosen engine.

waitress, because it is pure Python, runs on every platform, streams responses, refuses bodies over
``max_request_body_size`` before buffering them, and its threads suit this app: with the oxigraph engine
a Flask thread only forwards bytes (the GIL is free while it waits on the socket).
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, QueryResultsFormat, parse_query_results

from ..store import OxigraphStore
from . import create_app
from .child import ChildEngine, OxigraphServer
from .engine import Dataset, EmbeddedEngine

log = logging.getLogger("jobgraph.serve")


@dataclass
class ServeOptions:
    store_path: Path
    host: str = "127.0.0.1"
    port: int = 8000
    engine: str = "oxigraph"
    workers: int = 8
    timeout_s: float = 30.0
    max_rows: int = 10_000
    max_request_bytes: int = 1024 * 1024
    update_token: str | None = None
    allow_service: list[str] = field(default_factory=list)


class EngineStore:
    """The GraphStore reads the other blueprints need (query, len, named_graphs), answered by the engine.

    Interim, until jobgraph.store.SparqlStore (the scale branch) lands: with the oxigraph engine the
    child process holds the store, so the app must not open it a second time.
    """

    def __init__(self, engine: ChildEngine, path: Path) -> None:
        self.engine, self.path = engine, path

    def query(self, query: str, **options: Any) -> Any:
        answer = self.engine.query(query, "application/sparql-results+json", Dataset(), options.get("substitutions"))
        return parse_query_results(b"".join(answer.body), format=QueryResultsFormat.JSON)

    def __len__(self) -> int:
        return int(next(iter(self.query("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")))["n"].value)

    def named_graphs(self) -> list[NamedNode]:
        return [row["g"] for row in self.query("SELECT DISTINCT ?g { GRAPH ?g { } }")]

    def replace_graph(self, graph: NamedNode, quads: Iterable) -> int:
        raise NotImplementedError("writes go through the Graph Store Protocol at /store")

    def graph_sha256(self, graph: NamedNode) -> str | None:
        raise NotImplementedError

    def quads(self, graph: NamedNode) -> Iterable:
        raise NotImplementedError


def build(opts: ServeOptions):  # type: ignore[no-untyped-def]
    """The app and the child server (None for the embedded engine); the caller stops the child."""
    config = {"JOBGRAPH_TIMEOUT_S": opts.timeout_s, "JOBGRAPH_MAX_ROWS": opts.max_rows,
              "MAX_CONTENT_LENGTH": opts.max_request_bytes, "JOBGRAPH_UPDATE_TOKEN": opts.update_token,
              "JOBGRAPH_ALLOW_SERVICE": list(opts.allow_service)}
    if opts.engine == "embedded":
        store = OxigraphStore(opts.store_path)
        app = create_app(store, config)
        app.extensions["jobgraph.engine"] = EmbeddedEngine(store, opts.timeout_s, opts.max_rows)
        return app, None
    server = OxigraphServer(opts.store_path, opts.timeout_s, pool_size=max(8, opts.workers * 2)).start()
    engine = ChildEngine(server, opts.timeout_s, opts.max_rows)
    app = create_app(EngineStore(engine, opts.store_path), config)
    app.extensions["jobgraph.engine"] = engine
    return app, server


def run(opts: ServeOptions, echo=print) -> None:  # type: ignore[no-untyped-def]
    """Serve until interrupted; the child engine is always stopped on the way out."""
    import waitress

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app, server = build(opts)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        echo(f"store: {opts.store_path}; engine: {opts.engine}"
             + (f" (oxigraph serve at {server.url}, pid {server.proc.pid})" if server else "")
             + f"; serving on http://{opts.host}:{opts.port}/ with {opts.workers} threads", err=True)
        waitress.serve(app, host=opts.host, port=opts.port, threads=opts.workers, ident="jobgraph",
                       max_request_body_size=opts.max_request_bytes, channel_timeout=max(60, opts.timeout_s * 2),
                       clear_untrusted_proxy_headers=True)
    finally:
        if server:
            server.stop()
