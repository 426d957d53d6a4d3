"""Stage 6, serve: the Flask application over the store (SPARQL endpoint, pages, lookups)."""

from __future__ import annotations

from flask import Flask

from ..store import GraphStore


def create_app(store: GraphStore, config: dict | None = None) -> Flask:
    """The app factory: every blueprint reads the store from ``app.extensions['jobgraph.store']``."""
    app = Flask(__name__)
    app.config.update(JOBGRAPH_MAX_ROWS=10_000, MAX_CONTENT_LENGTH=1 * 1024 * 1024)
    app.config.update(config or {})
    app.extensions["jobgraph.store"] = store

    from . import pages, sparql

    app.register_blueprint(sparql.bp)
    app.register_blueprint(pages.bp)
    return app
