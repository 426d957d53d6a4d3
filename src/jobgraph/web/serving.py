"""``jobgraph serve``: the app behind a production WSGI server (waitress), over the chosen engine.

waitress, because it is pure Python, runs on every platform, streams responses, refuses bodies over
``max_request_body_size`` before buffering them, and its threads suit this app: with the oxigraph engine
a Flask thread only forwards bytes (the GIL is free while it waits on the socket).
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..store import SparqlStore, open_graph_store
from . import create_app
from .child import ChildEngine, OxigraphServer
from .engine import RECEIVED, EmbeddedEngine

log = logging.getLogger("jobgraph.serve")


@dataclass
class ServeOptions:
    store_path: Path | str
    host: str = "127.0.0.1"
    port: int = 8000
    engine: str = "oxigraph"
    workers: int = 32
    timeout_s: float = 30.0
    max_rows: int = 10_000
    max_request_bytes: int = 1024 * 1024
    update_token: str | None = None
    allow_service: list[str] = field(default_factory=list)
    engine_port: int = 0


def stamp_received(wsgi_app):  # type: ignore[no-untyped-def]
    """Record when waitress had read each request (``environ[RECEIVED]``, a ``time.monotonic()``).

    waitress reads a request, then queues it until one of its ``--workers`` threads is free; the query
    deadline counts from the read (engine.received). The read time is the channel's ``last_activity``
    (waitress's own ``time.time()`` of its last read: no write happens between that read and the app);
    without it, now.
    """
    def app(environ, start_response):  # type: ignore[no-untyped-def]
        channel = getattr(environ.get("waitress.client_disconnected"), "__self__", None)
        read_at = getattr(channel, "last_activity", None)
        waited = time.time() - read_at if isinstance(read_at, float) else 0.0
        environ[RECEIVED] = time.monotonic() - min(max(waited, 0.0), 3600.0)
        return wsgi_app(environ, start_response)

    return app


def build(opts: ServeOptions):  # type: ignore[no-untyped-def]
    """The app and the child server (None for the embedded engine); the caller stops the child."""
    config = {"JOBGRAPH_TIMEOUT_S": opts.timeout_s, "JOBGRAPH_MAX_ROWS": opts.max_rows,
              "MAX_CONTENT_LENGTH": opts.max_request_bytes, "JOBGRAPH_UPDATE_TOKEN": opts.update_token,
              "JOBGRAPH_ALLOW_SERVICE": list(opts.allow_service)}
    remote = str(opts.store_path).startswith(("http://", "https://"))
    if opts.engine == "embedded" or remote:  # a remote store: its own server runs (and times out) queries
        store = open_graph_store(opts.store_path)
        app = create_app(store, config)
        app.extensions["jobgraph.engine"] = EmbeddedEngine(store, opts.timeout_s, opts.max_rows)
        app.wsgi_app = stamp_received(app.wsgi_app)
        return app, None
    server = OxigraphServer(Path(opts.store_path), opts.timeout_s, pool_size=max(8, opts.workers * 2),
                            port=opts.engine_port).start()
    engine = ChildEngine(server, opts.timeout_s, opts.max_rows)
    # The other blueprints reach the same child over the protocol: the store is open in one process only.
    app = create_app(SparqlStore(server.url + "/query", timeout=opts.timeout_s + 5), config)
    app.extensions["jobgraph.engine"] = engine
    app.wsgi_app = stamp_received(app.wsgi_app)
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
