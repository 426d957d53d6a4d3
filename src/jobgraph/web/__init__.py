"""Stage 6, serve: the Flask application over the store (SPARQL endpoint, pages, lookups)."""

from __future__ import annotations

import importlib

from flask import Flask

from ..store import GraphStore

# One blueprint module per concern; each module defines ``bp``.
BLUEPRINTS = (
    "sparql",  # /sparql: the SPARQL 1.1 Protocol endpoint
    "queries",  # /queries: stored queries from queries/*.rq
    "ror",  # /organizations: ROR API-compatible lookups over the local records
    "resources",  # dereferenceable IRIs: /posting/…, /org/…, /skill/…, /source/…, /ror/…
    "exports",  # /export and /dois: dumps and DataCite links
    "explore",  # the browsable front page: facets and charts
    "pages",  # the query page
)


def create_app(store: GraphStore, config: dict | None = None) -> Flask:
    """The app factory: every blueprint reads the store from ``app.extensions['jobgraph.store']``."""
    app = Flask(__name__)
    app.config.update(JOBGRAPH_MAX_ROWS=10_000, MAX_CONTENT_LENGTH=1 * 1024 * 1024)
    app.config.update(config or {})
    app.extensions["jobgraph.store"] = store
    for name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(f"{__name__}.{name}").bp)
    return app
