"""A bug behind any route: the client gets a 500 naming an id and no traceback; the log has both."""

from __future__ import annotations

import logging
import re

import requests

from .conftest import LiveServer
from .test_endpoint_hostile import assert_no_traceback


def test_an_unexpected_error_is_logged_with_an_id_and_never_shown(seeds_store, caplog) -> None:  # type: ignore[no-untyped-def]
    from jobgraph.web import create_app

    app = create_app(seeds_store)

    @app.get("/broken")
    def broken() -> str:  # a bug as a view could have one: the handler must catch it, whatever raised it
        return {"a": 1}["b"]  # KeyError

    server = LiveServer(app)
    try:
        with caplog.at_level(logging.ERROR):
            resp = requests.get(server.url + "/broken", params={"x": "1"}, timeout=10)
            assert requests.get(server.url + "/sparql", params={"query": "ASK {}"}, timeout=10).ok  # still serving
    finally:
        server.stop()
    assert resp.status_code == 500
    assert_no_traceback(resp)
    assert "KeyError" not in resp.text and "'b'" not in resp.text
    ref = re.search(r"internal error ([0-9a-f]{12})", resp.text)
    assert ref, resp.text
    logged = [r for r in caplog.records if ref.group(1) in r.getMessage()]
    assert logged, "the id the client got is not in the log"
    record = logged[0]
    assert "GET /broken" in record.getMessage() and "'x': '1'" in record.getMessage()
    assert record.exc_info and record.exc_info[0] is KeyError  # the traceback is in the log
