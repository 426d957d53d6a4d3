"""Limits the endpoint puts on every query, whatever engine answers it.

The row cap works on the serialized bytes (not on Python objects) so it costs nothing per row in the
child-engine path, where results stream through from ``oxigraph serve``: it finds solution boundaries
in each results format and ends the document validly after ``max_rows`` solutions.
"""

from __future__ import annotations

import re

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
