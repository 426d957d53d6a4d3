"""Query engines behind /sparql: in-process pyoxigraph (``embedded``) or an ``oxigraph serve`` child.

Both take a query and the media type already negotiated by the Flask layer and return the serialized
body, so the protocol checks, limits and content negotiation stay in one place (web/sparql.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from flask import has_request_context, request
from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    RdfFormat,
    Variable,
)

from ..formats import GRAPH_FORMATS, RESULT_FORMATS
from ..store import GraphStore
from .limits import RowCap

RECEIVED = "jobgraph.received"  # WSGI environ key: time.monotonic() when the server had read the request


def received() -> float:
    """When the request being answered reached the server (set by ``serving.stamp_received``), or now."""
    if has_request_context():
        value = request.environ.get(RECEIVED)
        if isinstance(value, float):
            return value
    return time.monotonic()


def least_run(timeout_s: float) -> float:
    """The time a query gets however long it waited for a thread: a tenth of the timeout, at most 1 s."""
    return min(1.0, timeout_s / 10)


def deadline_for(timeout_s: float) -> float:
    """When a query must have answered: ``timeout_s`` after its request reached the server.

    Time spent queued for a free thread counts, so the timeout bounds what a client waits and a queue
    of runaway queries drains; but a query always gets :func:`least_run` once it starts, so a quick
    one that waited long behind runaway ones is still answered.
    """
    return max(received() + timeout_s, time.monotonic() + least_run(timeout_s))


class EngineError(Exception):
    """A query the engine refused or could not finish; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Dataset:
    """The protocol's RDF dataset (default-graph-uri / named-graph-uri); empty means the store's own."""

    default: list[str] = field(default_factory=list)
    named: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.default or self.named)


@dataclass
class Answer:
    """A serialized result: the whole body (small results), or an iterator streaming it."""

    mimetype: str
    body: bytes | Iterator[bytes]
    cap: RowCap | None = None


class Engine(Protocol):
    def query(self, query: str, mime: str, dataset: Dataset, substitutions: dict | None,
              base_iri: str | None = None, max_rows: int | None = None) -> Answer: ...

    def update(self, text: str, using: list[tuple[str, str]], base_iri: str) -> tuple[int, str]: ...

    def store(self, method: str, graph: str | None, body: bytes, content_type: str,
              accept: str) -> tuple[int, dict, bytes]: ...


class _Sink:
    """A file-like object for pyoxigraph's serializers: applies the row cap and checks the deadline."""

    def __init__(self, cap: RowCap | None, deadline: float, timeout_s: float) -> None:
        self.cap, self.deadline, self.timeout_s = cap, deadline, timeout_s
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        if time.monotonic() > self.deadline:
            raise TimeoutError
        if self.cap is None:
            self.parts.append(bytes(data))
        else:
            self.parts.append(self.cap.feed(bytes(data)))
            if self.cap.truncated:
                raise _Full
        return len(data)

    def flush(self) -> None:
        pass


class _Full(Exception):
    """Raised inside the serializer to stop it once the row cap is reached."""


class EmbeddedEngine:
    """pyoxigraph in this process: fastest to set up, but pyoxigraph cannot cancel a running query.

    The timeout is checked while the result is written out, so a query streaming many rows is
    stopped; a query that computes for long before its first row (a huge sort or group) is not.
    """

    def __init__(self, store: GraphStore, timeout_s: float, max_rows: int) -> None:
        self.store, self.timeout_s, self.max_rows = store, timeout_s, max_rows

    def query(self, query: str, mime: str, dataset: Dataset, substitutions: dict | None,
              base_iri: str | None = None, max_rows: int | None = None) -> Answer:
        options: dict = {"base_iri": base_iri} if base_iri else {}
        if dataset:
            options["use_default_graph_as_union"] = False
            options["default_graph"] = [NamedNode(g) for g in dataset.default] or DefaultGraph()
            options["named_graphs"] = [NamedNode(g) for g in dataset.named]
        if substitutions:
            options["substitutions"] = {Variable(k): v for k, v in substitutions.items()}
        deadline = deadline_for(self.timeout_s)
        try:
            result = self.store.query(query, **options)
        except SyntaxError as err:
            raise EngineError(400, f"the query does not parse: {err}") from None
        except RuntimeError as err:  # e.g. a substitution for a variable the query does not project
            raise EngineError(400, f"the query cannot be run with these parameters: {err}") from None
        is_results = isinstance(result, QuerySolutions | QueryBoolean)
        cap = RowCap(mime, max_rows or self.max_rows) if isinstance(result, QuerySolutions) else None
        sink = _Sink(cap, deadline, self.timeout_s)
        fmt = RESULT_FORMATS[mime] if is_results else GRAPH_FORMATS[mime]
        try:
            result.serialize(sink, format=fmt)
        except _Full:
            pass
        except TimeoutError:
            raise EngineError(503, f"the query ran longer than the {self.timeout_s:g} s limit: make it "
                                   "more selective or add a LIMIT") from None
        except OSError as err:  # evaluation errors (e.g. a failing SERVICE) surface while iterating
            raise EngineError(500, f"the query failed while running: {err}") from None
        if cap is not None:
            sink.parts.append(cap.close())
        return Answer(mime, b"".join(sink.parts), cap)

    def update(self, text: str, using: list[tuple[str, str]], base_iri: str) -> tuple[int, str]:
        """A SPARQL Update on the store (pyoxigraph takes no protocol dataset: using-graph-uri is refused)."""
        if using:
            raise EngineError(501, "using-graph-uri / using-named-graph-uri need the oxigraph engine "
                                   "(serve --engine oxigraph); put USING in the update instead")
        try:
            self._pyoxigraph().update(text, base_iri=base_iri)
        except SyntaxError as err:
            return 400, f"the update does not parse: {err}"
        except OSError as err:
            raise EngineError(500, f"the update failed while running (nothing was written): {err}") from None
        return 204, ""

    def store(self, method: str, graph: str | None, body: bytes, content_type: str,
              accept: str) -> tuple[int, dict, bytes]:
        """The Graph Store Protocol on the embedded store."""
        store = self._pyoxigraph()
        target = NamedNode(graph) if graph else DefaultGraph()
        exists = graph is None or target in set(store.named_graphs())
        if method in ("GET", "HEAD"):
            if not exists:
                return 404, {}, f"no graph {graph}".encode()
            data = store.dump(format=RdfFormat.N_TRIPLES, from_graph=target)
            return 200, {"Content-Type": "application/n-triples"}, b"" if method == "HEAD" else data
        if method == "DELETE":
            if not exists:
                return 404, {}, f"no graph {graph}".encode()
            store.update(f"DROP SILENT GRAPH {target}" if graph else "DROP SILENT DEFAULT")
            return 204, {}, b""
        fmt = RdfFormat.from_media_type(content_type.split(";")[0].strip())
        if fmt is None:
            return 415, {}, f"cannot read {content_type!r}: send Turtle, N-Triples, RDF/XML or JSON-LD".encode()
        if method == "PUT":
            store.update(f"DROP SILENT GRAPH {target}" if graph else "DROP SILENT DEFAULT")
        try:
            store.load(body, format=fmt, to_graph=target)
        except SyntaxError as err:
            return 400, {}, f"the data does not parse: {err}".encode()
        return (204 if exists else 201), {}, b""

    def _pyoxigraph(self):  # type: ignore[no-untyped-def]
        """The pyoxigraph Store under the GraphStore (writes bypass the per-document graph discipline)."""
        if not hasattr(self.store, "store"):
            raise EngineError(501, "this endpoint serves a remote store: send updates to that store itself")
        return self.store.store
