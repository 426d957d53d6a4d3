"""respond(query, substitutions): the one entry point for answering SPARQL over HTTP (stored queries use it)."""

from __future__ import annotations

import json

from pyoxigraph import Literal

from jobgraph.vocab import sparql_prefixes
from jobgraph.web import create_app
from jobgraph.web.sparql import respond

TITLES_OF = sparql_prefixes() + "SELECT ?p ?title WHERE { ?p a schema:JobPosting ; schema:title ?title }"


def test_respond_binds_substitutions_as_terms_and_negotiates(seeds_store) -> None:  # type: ignore[no-untyped-def]
    app = create_app(seeds_store)
    title = next(iter(seeds_store.query(TITLES_OF)))["title"]  # the real term, language tag and all
    with app.test_request_context("/queries/x", headers={"Accept": "application/sparql-results+json"}):
        resp = respond(TITLES_OF, {"title": title})
        rows = json.loads(b"".join(resp.response))["results"]["bindings"]
    assert resp.status_code == 200 and len(rows) == 1
    injected = Literal('x" } ?p ?q ?r { "')
    with app.test_request_context("/queries/x?format=csv"):
        resp = respond(TITLES_OF, {"title": injected})
        assert resp.mimetype == "text/csv"
        assert b"".join(resp.response).decode().strip() == "p,title"  # header only: bound as a literal, not executed


def test_respond_caps_rows(seeds_store) -> None:  # type: ignore[no-untyped-def]
    app = create_app(seeds_store, {"JOBGRAPH_MAX_ROWS": 3})
    with app.test_request_context("/sparql?format=json"):
        body = b"".join(respond("SELECT * { ?s ?p ?o }").response)
    assert len(json.loads(body)["results"]["bindings"]) == 3


def test_respond_refuses_a_substitution_outside_the_projection(seeds_store) -> None:  # type: ignore[no-untyped-def]
    app = create_app(seeds_store)
    with app.test_request_context("/sparql"):
        resp = respond(sparql_prefixes() + "SELECT ?p { ?p schema:title ?t }", {"t": Literal("x")})
    assert resp.status_code == 400 and "?t" in resp.get_data(as_text=True)
