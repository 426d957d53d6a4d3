"""Limits the endpoint puts on every query, whatever engine answers it.

The row cap works on the serialized bytes (not on Python objects) so it costs nothing per row in the
child-engine path, where results stream through from ``oxigraph serve``: it finds solution boundaries
in each results format and ends the document validly after ``max_rows`` solutions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)


class Refused(Exception):
    """A request the endpoint will not run; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def service_endpoints(text: str, update: bool = False) -> list[str]:
    """The endpoints a query or update would call with SERVICE ('?var' for a variable endpoint).

    Cheap when there is no SERVICE keyword (the hot path); otherwise rdflib parses the text so
    SERVICE in comments or strings is not mistaken for one, and prefixed names are resolved.
    """
    if not _SERVICE.search(text):
        return []
    from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        tree = (translateUpdate(parseUpdate(text)) if update else translateQuery(parseQuery(text))).algebra
    except Exception:  # noqa: BLE001 - rdflib raises many types; refused by check_services
        return ["(unparsed)"]
    found: list[str] = []
    _walk(tree, found)
    return found


def _walk(node: object, found: list[str]) -> None:
    from rdflib import Variable
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            term = node.get("term")
            found.append("?" + str(term) if isinstance(term, Variable) else str(term))
        children: Iterable[object] = node.values()
    elif isinstance(node, list | tuple | set):
        children = node
    elif isinstance(node, dict):
        children = node.values()
    else:
        return
    for child in children:
        _walk(child, found)


def check_services(text: str, allowed: Iterable[str], update: bool = False) -> None:
    """Refuse SERVICE to any endpoint not allowlisted exactly (no SSRF to private or outside hosts)."""
    allowed = set(allowed)
    for endpoint in service_endpoints(text, update):
        if endpoint == "(unparsed)":
            raise Refused(400, "the query mentions SERVICE but does not parse as SPARQL 1.1, so its "
                               "endpoints cannot be checked: fix the syntax (or drop SERVICE)")
        if endpoint not in allowed:
            raise Refused(403, f"SERVICE {endpoint} is refused: this endpoint calls only the SERVICE "
                               f"endpoints its operator allowed ({', '.join(sorted(allowed)) or 'none'}); "
                               "run the federated part yourself, or ask for it to be allowed "
                               "(serve --allow-service URL)")

# The query form comes after the prologue (BASE / PREFIX declarations and comments).
_FORM = re.compile(
    r"""\A(?:\s+|\#[^\n]*(?:\n|\Z)|BASE\s*<[^>]*>|PREFIX\s*[^\s:]*:\s*<[^>]*>)*
        (SELECT|CONSTRUCT|DESCRIBE|ASK)\b""", re.IGNORECASE | re.VERBOSE)


def query_form(query: str) -> str | None:
    """'select' (SELECT/ASK: a results document), 'graph' (CONSTRUCT/DESCRIBE), or None (not a query)."""
    m = _FORM.match(query)
    if not m:
        return None
    return "graph" if m.group(1).upper() in ("CONSTRUCT", "DESCRIBE") else "select"


_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|"|[{}\[\]]', re.DOTALL)
_CSV_TOKEN = re.compile(rb'["\n]')
_TSV_TOKEN = re.compile(rb"\n")


class RowCap:
    """Passes a serialized SELECT result through, cut after ``max_rows`` solutions (``truncated`` says so)."""

    def __init__(self, mime: str, max_rows: int) -> None:
        self.kind = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml",
                     "text/csv": "csv", "text/tab-separated-values": "tsv"}.get(mime)
        self.max_rows = max_rows
        self.rows = 0
        self.truncated = False
        self._pending = b""
        self._depth = 0
        self._in_bindings = False
        self._in_quotes = False
        self._lines = 0
        self._full = False

    def feed(self, chunk: bytes) -> bytes:
        if self.truncated or self.kind is None:
            return b"" if self.truncated else chunk
        return getattr(self, "_feed_" + self.kind)(chunk)

    def close(self) -> bytes:
        """What must follow the last passed byte for the document to be valid."""
        if not self.truncated or self.kind in ("csv", "tsv"):
            return self._pending
        return {"json": b"]}}", "xml": b"</results></sparql>"}.get(self.kind or "", b"")

    def _cut(self, data: bytes, end: int) -> bytes:
        self.truncated = True
        self.rows = self.max_rows
        self._pending = b""
        return data[:end]

    def _feed_json(self, chunk: bytes) -> bytes:
        data = self._pending + chunk
        safe = len(data)
        for m in _JSON_TOKEN.finditer(data):
            tok = m.group()
            if tok == b'"':  # a string that continues in the next chunk
                safe = m.start()
                break
            if tok in (b"{", b"["):
                if tok == b"{" and self._depth == 3 and self._in_bindings:
                    self.rows += 1
                    if self.rows > self.max_rows:
                        start = m.start()
                        return self._cut(data, start - 1 if data[start - 1:start] == b"," else start)
                self._depth += 1
            elif tok in (b"}", b"]"):
                self._depth -= 1
            elif self._depth == 2 and tok == b'"bindings"':
                self._in_bindings = True
        self._pending = data[safe:]
        return data[:safe]

    def _feed_xml(self, chunk: bytes) -> bytes:
        data = self._pending + chunk
        pos = 0
        while (i := data.find(b"<result>", pos)) >= 0:
            self.rows += 1
            if self.rows > self.max_rows:
                return self._cut(data, i)
            pos = i + 8
        keep = max(pos, len(data) - 7)  # a tag may be split across chunks
        self._pending = data[keep:]
        return data[:keep]

    def _feed_tsv(self, chunk: bytes) -> bytes:
        return self._feed_lines(chunk, _TSV_TOKEN)

    def _feed_csv(self, chunk: bytes) -> bytes:
        return self._feed_lines(chunk, _CSV_TOKEN)

    def _feed_lines(self, chunk: bytes, tokens: re.Pattern[bytes]) -> bytes:
        """One solution a line after the header line; CSV lines may hold newlines inside quotes."""
        if self._full:
            self.truncated = bool(chunk)
            return b""
        for m in tokens.finditer(chunk):
            if m.group() == b'"':
                self._in_quotes = not self._in_quotes
            elif not self._in_quotes:
                self._lines += 1
                self.rows = self._lines - 1
                if self.rows >= self.max_rows:
                    self._full = True
                    self.truncated = m.end() < len(chunk)
                    return chunk[:m.end()]
        return chunk
