"""Load: 16 concurrent clients drive a running `jobgraph serve` for 60 s with good, slow and bad queries.

    python benchmarks/load.py                       # starts `jobgraph serve` on a temporary copy of data/
    python benchmarks/load.py --store DIR           # ... over that store (it must not be in use)
    python benchmarks/load.py --url http://127.0.0.1:8000   # a server you started (loopback only)
    python benchmarks/load.py --serve-arg=--timeout --serve-arg=5   # options for the server it starts

Reports throughput, latency percentiles of the good queries, the outcomes by kind, how often the server it
started restarted its query engine (from its log) and the load average. The goals: no server error, every bad
query answered 400, every slow query stopped by the server's timeout (an error answer saying so, not a client
giving up; those answered later than the timeout + 5 s are counted too). Bounded: it stops after --seconds or
--max-requests, each request has a client timeout, and a server it started is stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import requests

from jobgraph.web.child import free_port

ROOT = Path(__file__).resolve().parents[1]
PREFIXES = "PREFIX schema: <http://schema.org/>\n"
GOOD = [
    PREFIXES + "SELECT (COUNT(?p) AS ?n) WHERE { ?p a schema:JobPosting }",
    PREFIXES + "SELECT ?p ?title WHERE { ?p a schema:JobPosting ; schema:title ?title } ORDER BY ?title LIMIT 20",
    PREFIXES + "SELECT ?org (COUNT(?p) AS ?n) WHERE { ?p schema:hiringOrganization ?org } GROUP BY ?org "
    "ORDER BY DESC(?n) LIMIT 10",
    PREFIXES + "ASK { ?p a schema:JobPosting ; schema:title ?t FILTER(CONTAINS(LCASE(?t), 'engineer')) }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g LIMIT 50",
    PREFIXES + "CONSTRUCT { ?p schema:title ?t } WHERE { ?p a schema:JobPosting ; schema:title ?t } LIMIT 50",
]
SLOW = [  # each would run for hours on any store of a few thousand triples
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
    "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(STR(?c) = CONCAT(STR(?f), STR(?i), 'x')) }",
]
BAD = [
    "SELEC ?x WHERE { ?x ?y ?z }",
    "SELECT * WHERE { ?s ?p }",
    "SELECT ?x WHERE { ?x nope:thing ?y }",
    "SELECT ?x WHERE { ?x ?y ?z } GROUP BY",
    "\x00\x01 not sparql",
]
GRACE_S = 5.0  # beyond the server's timeout, before a stopped query counts as stopped late
TIMEOUT_WORDS = re.compile(r"(?i)timeout|timed out|time limit|longer than|limit of")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
RESTARTED = re.compile(r"query engine restarted in ([0-9.]+) s")


@dataclass
class Outcome:
    kind: str  # good | slow | bad
    status: int | None  # None: no answer (client timeout or connection error)
    seconds: float
    detail: str = ""


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


def client(url: str, run: Run, stop_at: float, budget: list[int], timeout: float, seed: int) -> None:
    rng = random.Random(seed)
    session = requests.Session()
    while time.monotonic() < stop_at:
        with run.lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        kind = rng.choices(["good", "slow", "bad"], weights=[8, 1, 1])[0]
        query = rng.choice({"good": GOOD, "slow": SLOW, "bad": BAD}[kind])
        started = time.monotonic()
        try:
            resp = session.post(f"{url}/sparql", data={"query": query}, timeout=(5, timeout),
                                headers={"Accept": "application/sparql-results+json, text/turtle;q=0.9"})
            run.add(Outcome(kind, resp.status_code, time.monotonic() - started, resp.text[:200]))
        except requests.RequestException as err:
            run.add(Outcome(kind, None, time.monotonic() - started, type(err).__name__))


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def report(run: Run, seconds: float, server_timeout: float) -> dict:
    by_kind: dict[str, Counter[str]] = {k: Counter() for k in ("good", "slow", "bad")}
    for o in run.outcomes:
        by_kind[o.kind][str(o.status) if o.status is not None else o.detail] += 1
    good = [o.seconds for o in run.outcomes if o.kind == "good" and o.status == 200]
    slow = [o for o in run.outcomes if o.kind == "slow"]
    # Stopped by the timeout: the server itself answered that the query ran too long (any 4xx/5xx saying so).
    stopped = [o for o in slow if o.status is not None and o.status >= 400 and TIMEOUT_WORDS.search(o.detail)]
    return {
        "requests": len(run.outcomes),
        "seconds": round(seconds, 1),
        "throughput_per_s": round(len(run.outcomes) / seconds, 1),
        "good_per_s": round(len(good) / seconds, 1),
        "good_p50_ms": round(1000 * (percentile(good, 50) or 0)),
        "good_p95_ms": round(1000 * (percentile(good, 95) or 0)),
        "good_p99_ms": round(1000 * (percentile(good, 99) or 0)),
        "outcomes": {k: dict(v) for k, v in by_kind.items()},
        "server_errors": sum(1 for o in run.outcomes if o.status is not None and o.status >= 500
                             and not any(o is s for s in stopped)),
        "server_error_messages": dict(Counter(o.detail[:90] for o in run.outcomes if o.status is not None
                                              and o.status >= 500 and not any(o is s for s in stopped))),
        "good_failed": sum(1 for o in run.outcomes if o.kind == "good" and o.status != 200),
        "bad_not_400": sum(1 for o in run.outcomes if o.kind == "bad" and o.status != 400),
        "slow_stopped_by_timeout": len(stopped),
        "slow_not_stopped": len(slow) - len(stopped),
        "slow_stopped_late": sum(1 for o in stopped if o.seconds > server_timeout + GRACE_S),
        "slow_max_s": round(max((o.seconds for o in slow), default=0), 1),
    }


def engine_restarts(log: Path) -> dict:
    """How often the server killed and restarted its query engine, and how long a restart took (its log)."""
    text = log.read_text(errors="replace") if log.exists() else ""
    took = [float(s) for s in RESTARTED.findall(text)]
    return {"engine_restarts": len(took),
            "restart_s_median_max": [round(statistics.median(took), 2), round(max(took), 2)] if took else None}


def start_server(store: Path, serve_args: list[str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "jobgraph", "serve", "--store", str(store), "--host", "127.0.0.1",
                             "--port", str(port), *serve_args], env=env, stdout=subprocess.DEVNULL,
                            stderr=log.open("wb"))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"jobgraph serve exited with {proc.returncode}; run it by hand to see why")
        try:
            if requests.get(f"{url}/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return proc, url
        except requests.RequestException:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("jobgraph serve did not answer within 60 s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", help="a running server (loopback only); default: start one")
    ap.add_argument("--store", type=Path, help="the store for the server it starts (default: data/ ingested)")
    ap.add_argument("--serve-arg", action="append", default=[], help="an option for `jobgraph serve` (repeatable)")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--max-requests", type=int, default=200_000)
    ap.add_argument("--server-timeout", type=float, default=30, help="the server's query timeout, to judge slow ones")
    ap.add_argument("--client-timeout", type=float, default=None, help="default: server timeout + 15 s")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    client_timeout = args.client_timeout or args.server_timeout + 15

    server, tmp = None, Path(tempfile.mkdtemp(prefix="jobgraph-load-"))
    log = tmp / "serve.log"
    load_before = os.getloadavg()
    if args.url:
        if urlparse(args.url).hostname not in LOOPBACK:
            raise SystemExit(f"{args.url}: only a server on this machine (127.0.0.1) may be loaded")
        url = args.url.rstrip("/")
    else:
        store = args.store
        if store is None:
            store = tmp / "store"
            subprocess.run([sys.executable, "-m", "jobgraph", "ingest", "--store", str(store), str(ROOT / "data")],
                           check=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, capture_output=True)
        server, url = start_server(store, args.serve_arg, log)
    try:
        run, budget = Run(), [args.max_requests]
        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(url, run, started + args.seconds, budget, client_timeout, i),
                                    daemon=True) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(args.seconds + client_timeout + 10)
        elapsed = time.monotonic() - started
        alive_after = None
        try:
            alive_after = requests.get(f"{url}/sparql", params={"query": "ASK {}"}, timeout=10).status_code
        except requests.RequestException as err:
            alive_after = type(err).__name__
        load_after = os.getloadavg()
        restarts = engine_restarts(log) if server is not None else {}
    finally:
        if server is not None:
            server.kill()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    result = {**report(run, elapsed, args.server_timeout), **restarts, "clients": args.clients,
              "server_answers_afterwards": alive_after,
              "load_average_1min_before_after": [round(load_before[0], 1), round(load_after[0], 1)]}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key:>26}: {value}")


if __name__ == "__main__":
    main()
