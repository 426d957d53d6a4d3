"""respond(query, substitutions): the one entry point for answering SPARQL over HTTP (stored queries use it)."""

from __future__ import annotations

import json

from pyoxigraph import Literal

from jobgraph.vocab import sparql_prefixes
from jobgraph.web import create_app
from jobgraph.web.sparql import respond

TITLES_OF = sparql_prefixes() + "SELECT ?p WHERE { ?p a schema:JobPosting ; schema:title ?title }"


def test_respond_binds_substitutions_as_terms_and_negotiates(seeds_store) -> None:  # type: ignore[no-untyped-def]
    app = create_app(seeds_store)
    title = Literal("ROR Technical Lead")
    with app.test_request_context("/queries/x", headers={"Accept": "application/sparql-results+json"}):
        resp = respond(TITLES_OF, {"title": title})
        rows = json.loads(b"".join(resp.response))["results"]["bindings"]
    assert resp.status_code == 200 and len(rows) == 1
    injected = Literal('x" } ?p ?q ?r { "')
    with app.test_request_context("/queries/x?format=csv"):
        resp = respond(TITLES_OF, {"title": injected})
        assert resp.mimetype == "text/csv"
        assert b"".join(resp.response).decode().strip() == "p"  # header only: bound as a literal, not executed


def test_respond_caps_rows(seeds_store) -> None:  # type: ignore[no-untyped-def]
    app = create_app(seeds_store, {"JOBGRAPH_MAX_ROWS": 3})
    with app.test_request_context("/sparql?format=json"):
        body = b"".join(respond("SELECT * { ?s ?p ?o }").response)
    assert len(json.loads(body)["results"]["bindings"]) == 3
