"""The ``oxigraph`` engine: ``oxigraph serve`` as a child process, with Flask forwarding /sparql to it.

Why a child process: measured on this machine it answers as fast as pyoxigraph in-process, and a
process can be killed. Its own ``--timeout-s`` stops some runaway queries (then it ends a 200 answer
with :data:`CANCELLED`, which is turned into the timeout error here) but not all (measured: not a COUNT
or a FILTER over a cross product, nor a streaming SELECT), so the Flask side enforces the deadline: a
query that has not answered by then gets the timeout error, and the child is killed and
restarted. A kill ends every query in flight on it, so:

- each request keeps the deadline it got when it arrived; one that lost its child is sent again to
  the new one (a read is safe to repeat) as often as needed until that deadline, and past it (or
  within :func:`nearly` of it) it is answered with the same timeout error: never "restarting";
- overruns are batched: the kill comes :func:`batch_window` after the first one, so every runaway query that
  overran meanwhile is stopped by that one kill instead of one restart each.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import logging
import math
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import urllib3
from urllib3.exceptions import HTTPError, ReadTimeoutError

from .engine import Answer, Dataset, EngineError, deadline_for, least_run
from .limits import RowCap

log = logging.getLogger("jobgraph.engine")
SMALL_BYTES = 256 * 1024  # results up to this size are buffered and sent whole
GRACE_S = 0.5  # beyond the deadline: time for the child's own timeout answer, when its --timeout-s works
RETRY_PAUSE_S = 0.05  # between tries while the child is unreachable but not being restarted
VARNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# What ``oxigraph serve`` writes at the end of a 200 answer when its own --timeout-s stops a query.
# Measured: it stops a 40-way COUNT on data/ so, but not on a 3-triple store, nor a 4-way COUNT or a
# FILTER over a cross product on data/: those need the kill.
CANCELLED = b"The SPARQL operation has been cancelled"


def batch_window(timeout_s: float) -> float:
    """How long after a first overrun the child is killed: every query that overruns meanwhile is
    stopped by the same kill (fewer restarts, at the price of the runaways' CPU for that long)."""
    return min(2.0, max(0.2, timeout_s / 5))


def nearly(timeout_s: float) -> float:
    """A query that lost its child this close to its deadline is answered with the timeout error, not
    sent again (it would overrun on the new child and cost it another restart)."""
    return least_run(timeout_s)


def oxigraph_binary() -> str:
    """The ``oxigraph`` CLI from PyPI, next to this Python or on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise RuntimeError("the oxigraph server binary is missing: pip install oxigraph "
                           "(or run serve --engine embedded)")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """Linux: the child gets SIGKILL if jobgraph dies, so no orphan keeps the store locked."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class OxigraphServer:
    """``oxigraph serve`` on a free loopback port; ``restart`` kills and replaces it.

    ``generation`` counts the children started: a caller that saw generation g fail knows whether
    the child it used has been replaced since (a restart for g happens once, however many ask).
    """

    def __init__(self, location: Path, timeout_s: float, pool_size: int = 32, port: int = 0) -> None:
        self.location, self.timeout_s, self.pool_size = Path(location), timeout_s, pool_size
        self.binary = oxigraph_binary()
        self.lock = threading.Lock()
        self.generation = 0
        self.proc: subprocess.Popen | None = None
        self.pool: urllib3.HTTPConnectionPool | None = None
        self.url = ""
        self.port = port
        self.batch_s = batch_window(timeout_s)
        self.kill_due: tuple[float, int, str] | None = None  # (when, generation, why): a kill to come
        self.wake = threading.Condition(self.lock)
        self.keeper: threading.Thread | None = None
        self.stopping = False

    def start(self) -> OxigraphServer:
        with self.lock:
            self._start()
        return self

    def _start(self) -> None:
        self.location.mkdir(parents=True, exist_ok=True)
        port = self.port or free_port()  # the same port after a restart: clients keep their URL
        errors = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{port}",
             "--timeout-s", str(math.ceil(self.timeout_s)), "--union-default-graph"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors, preexec_fn=_die_with_parent)
        self.url = f"http://127.0.0.1:{port}"
        self.pool = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=self.pool_size, block=False,
                                               retries=False)
        for _ in range(1000):
            if self.proc.poll() is not None:
                errors.seek(0)
                raise RuntimeError(f"oxigraph serve exited at start ({self.proc.returncode}): "
                                   f"{errors.read().decode(errors='replace')[:400]}. Is another process "
                                   f"using the store {self.location}?")
            try:
                if self.pool.request("GET", "/", timeout=1.0).status < 500:
                    time.sleep(0.05)
                    if self.proc.poll() is not None:  # that answer came from another process on the port
                        continue
                    log.info("oxigraph serve pid %s on %s", self.proc.pid, self.url)
                    self.port = port
                    return
            except HTTPError:
                time.sleep(0.01)  # it opens the store in about 0.1 s (measured, small or 5M-quad store)
        raise RuntimeError(f"oxigraph serve did not answer on {self.url} within 15 s")

    def current(self) -> tuple[int, urllib3.HTTPConnectionPool]:
        """The child to send to (waits while a restart is under way)."""
        with self.lock:
            assert self.pool is not None
            return self.generation, self.pool

    def alive(self, generation: int) -> bool:
        """False once that child has exited or been replaced."""
        with self.lock:
            return generation == self.generation and self.proc is not None and self.proc.poll() is None

    def overran(self, generation: int, reason: str) -> None:
        """A query on that child ran past its deadline: kill the child ``batch_s`` from now (once)."""
        with self.lock:
            if generation != self.generation or self.kill_due is not None or self.stopping:
                return
            self.kill_due = (time.monotonic() + self.batch_s, generation, reason)
            if self.keeper is None:
                # One long-lived thread does the delayed kills: the child dies with the thread that
                # started it (PR_SET_PDEATHSIG is per thread), so never a short-lived timer thread.
                self.keeper = threading.Thread(target=self._keep, name="oxigraph-keeper", daemon=True)
                self.keeper.start()
            self.wake.notify()

    def _keep(self) -> None:
        while True:
            with self.lock:
                while self.kill_due is None and not self.stopping:
                    self.wake.wait()
                if self.stopping:
                    return
                due, generation, reason = self.kill_due
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                self.restart(generation, reason)
            except Exception:  # noqa: BLE001 - the next query that finds no child tries again
                log.exception("the query engine could not be restarted")

    def restart(self, generation: int, reason: str) -> None:
        """Kill the child and start a new one, once per generation (later callers see a new one)."""
        with self.lock:
            if generation != self.generation or self.stopping:
                return
            self.kill_due = None
            began = time.monotonic()
            log.warning("killing the query engine (pid %s): %s", self.proc and self.proc.pid, reason)
            self._kill()
            try:
                self._start()
            except RuntimeError as err:  # e.g. the port was taken meanwhile: any free one will do
                log.warning("restart on port %s failed (%s); trying another port", self.port, err)
                self.port = 0
                self._start()
            self.generation += 1
            log.info("query engine restarted in %.2f s", time.monotonic() - began)

    def _kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if self.pool:
            self.pool.close()

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
            self.wake.notify()
            self._kill()


def _unshift(message: str) -> str:
    """Parser positions as the user wrote the text, before the BASE line was put in front of it."""
    return re.sub(r"\b(at |line )(\d+)", lambda m: f"{m.group(1)}{int(m.group(2)) - 1}", message, count=1)


def values_clause(substitutions: dict) -> str:
    """Pre-binding over the protocol: a trailing VALUES block of terms written by pyoxigraph (escaped)."""
    for name in substitutions:
        if not VARNAME.match(name):
            raise EngineError(400, f"{name!r} is not a SPARQL variable name")
    names = " ".join("?" + n for n in substitutions)
    terms = " ".join(str(t) for t in substitutions.values())
    return f"\nVALUES ({names}) {{ ({terms}) }}\n"


class _Lost(Exception):
    """The child went away while answering (killed for another query's overrun, or crashed)."""


class ChildEngine:
    """Forwards queries to an :class:`OxigraphServer`, streaming the answer through the row cap."""

    def __init__(self, server: OxigraphServer, timeout_s: float, max_rows: int) -> None:
        self.server, self.timeout_s, self.max_rows = server, timeout_s, max_rows

    def timed_out(self) -> EngineError:
        return EngineError(503, f"the query ran longer than the {self.timeout_s:g} s limit and was "
                                "stopped: make it more selective or add a LIMIT")

    def query(self, query: str, mime: str, dataset: Dataset, substitutions: dict | None,
              base_iri: str | None = None, max_rows: int | None = None) -> Answer:
        text = query + values_clause(substitutions) if substitutions else query
        if base_iri:  # relative IRIs resolve against this endpoint, not the child's private address
            text = f"BASE <{base_iri}>\n{text}"
        path = "/query"
        if dataset:
            path += "?" + urlencode([("default-graph-uri", g) for g in dataset.default]
                                    + [("named-graph-uri", g) for g in dataset.named])
        deadline = deadline_for(self.timeout_s)  # fixed: a retry on a new child gets no more time
        while True:
            resp, generation = self._send(path, text.encode(), mime, deadline)
            if resp.status != 200:
                message = resp.data.decode(errors="replace").strip()
                resp.release_conn()
                if resp.status == 400:
                    raise EngineError(400, f"the query does not parse: {_unshift(message) if base_iri else message}")
                raise EngineError(502, f"the query engine answered {resp.status}: {message[:300]}")
            cap = RowCap(mime, max_rows or self.max_rows) if resp.headers.get("Content-Type", "").startswith(
                ("application/sparql-results", "text/csv", "text/tab-separated-values")) else None
            mimetype = resp.headers.get("Content-Type", mime).split(";")[0]
            stream = self._stream(resp, cap, deadline, generation)
            # A small result is sent in one piece with a Content-Length: measured, waitress answers a
            # streamed (chunked) body several ms later than a whole one.
            head: list[bytes] = []
            size = 0
            try:
                for part in stream:
                    head.append(part)
                    size += len(part)
                    if size > SMALL_BYTES:
                        return Answer(mimetype, itertools.chain(head, self._rest(stream, cap)), cap)
            except _Lost:
                self._lost(generation, deadline)  # nothing was sent yet: send it again, or time out
                continue
            return Answer(mimetype, b"".join(head), cap)

    def _send(self, path: str, body: bytes, mime: str, deadline: float) -> tuple:
        """The child's response (headers read), retried on a new child until the deadline if it went away."""
        while True:
            generation, pool = self.server.current()
            if time.monotonic() >= deadline:  # e.g. waited for a restart until the time was up
                raise self.timed_out()
            try:
                resp = pool.urlopen("POST", path, body=body, preload_content=False, retries=False,
                                    headers={"Content-Type": "application/sparql-query", "Accept": mime},
                                    timeout=urllib3.Timeout(connect=2.0, read=deadline - time.monotonic() + GRACE_S))
                return resp, generation
            except ReadTimeoutError:
                self.server.overran(generation, f"a query gave no answer within {self.timeout_s:g} s")
                raise self.timed_out() from None
            except HTTPError as err:
                log.debug("query engine generation %s lost a query: %s", generation, err)
                self._lost(generation, deadline)

    def _lost(self, generation: int, deadline: float) -> None:
        """After the child of ``generation`` failed a query: return to try again, or raise the timeout error."""
        proc = self.server.proc
        if not self.server.alive(generation) and proc is not None and proc.poll() is not None:
            self.server.restart(generation, f"it exited with {proc.returncode}")  # a crash nobody killed
        if self.server.current()[0] == generation:  # (current() waits while a restart is under way)
            time.sleep(RETRY_PAUSE_S)  # not replaced: alive but unreachable for a moment, or shutting down
        if time.monotonic() >= deadline - nearly(self.timeout_s):
            raise self.timed_out()

    def _stream(self, resp: urllib3.HTTPResponse, cap: RowCap | None, deadline: float,
                generation: int) -> Iterator[bytes]:
        """The body through the row cap; raises the timeout error or :class:`_Lost` if it stops flowing."""
        complete = False
        tail = b""
        try:
            for chunk in resp.stream(65536):
                tail = (tail + chunk[-len(CANCELLED):])[-len(CANCELLED):]
                out = cap.feed(chunk) if cap else chunk
                if out:
                    yield out
                if cap and cap.truncated:
                    break
                if time.monotonic() > deadline + GRACE_S:
                    log.warning("result cut: still streaming after %s s", self.timeout_s)
                    break
            else:
                if CANCELLED in tail:  # the child stopped the query itself (no kill needed): not a result
                    raise self.timed_out()
                complete = True
            if cap:
                yield cap.close()
        except ReadTimeoutError:
            self.server.overran(generation, "a result stopped flowing")
            raise self.timed_out() from None
        except HTTPError as err:
            if CANCELLED in tail:  # the child stopped the query itself: no kill needed
                raise self.timed_out() from None
            raise _Lost(str(err)) from None
        finally:
            if complete:
                resp.release_conn()
            else:
                resp.close()  # drop the connection: the child stops writing a result nobody reads

    def _rest(self, stream: Iterator[bytes], cap: RowCap | None) -> Iterator[bytes]:
        """The rest of a streamed answer, once its start is sent: a failure can only cut it (closed validly)."""
        try:
            yield from stream
        except (EngineError, _Lost) as err:
            log.warning("result cut after it started: %s", err)
            if cap:
                yield cap.close()

    def forward(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict, bytes]:
        """Updates and Graph Store requests, passed through as they are (never retried)."""
        _, pool = self.server.current()
        try:
            resp = pool.urlopen(method, path, body=body, headers=headers, retries=False,
                                timeout=urllib3.Timeout(connect=2.0, read=self.timeout_s * 10))
        except HTTPError as err:
            log.error("query engine unreachable for %s %s: %s", method, path, err)
            raise EngineError(503, "the query engine is unreachable: try again in a moment") from None
        keep = {k: v for k, v in resp.headers.items() if k.lower() in ("content-type", "location", "etag")}
        return resp.status, keep, resp.data

    def update(self, text: str, using: list[tuple[str, str]], base_iri: str) -> tuple[int, str]:
        path = "/update" + ("?" + urlencode(using) if using else "")
        status, _, data = self.forward("POST", path, f"BASE <{base_iri}>\n{text}".encode(),
                                       {"Content-Type": "application/sparql-update"})
        message = data.decode(errors="replace").strip()
        if status == 400:
            message = f"the update cannot be run: {_unshift(message)}"
        return status, message

    def store(self, method: str, graph: str | None, body: bytes, content_type: str,
              accept: str) -> tuple[int, dict, bytes]:
        path = "/store?" + (urlencode({"graph": graph}) if graph else "default")
        headers = {"Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        return self.forward(method, path, body, headers)
