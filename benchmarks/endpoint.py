"""Endpoint speed: `jobgraph serve` against `oxigraph serve` on the same store, in the same run.

    python benchmarks/endpoint.py /work/bench/endpoint-store [--clients 1,8] [--seconds 10] [--rounds 3]

The fixed query mix of issue 11 (counts per employer, top skills, skills co-occurring with Python, postings
of one ROR id, a closing-date range with ORDER BY/LIMIT, CONSTRUCT of one posting) is sent by N client
threads (one keep-alive session each, round robin through the mix from different offsets) for a fixed time
per round; the servers run at once on two copies of the store (an on-disk store is opened by one process
only) and take turns, in alternating order, so that drift in a shared machine's load hits both alike.
Printed: throughput, p50/p95 latency, p50 of the two light lookups (are they stuck behind the heavy
ones?), and jobgraph's throughput as a ratio of oxigraph's. Bounded: nothing outlives it.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from jobgraph.web.child import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PREFIXES = "PREFIX schema: <http://schema.org/>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
PYTHON = "<https://w3id.org/jobgraph/skill/python>"
LIGHT = ("postings of one ROR id", "CONSTRUCT one posting")


def mix(ror: str, posting: str) -> dict[str, str]:
    return {k: PREFIXES + v for k, v in {
        "counts per employer": "SELECT ?org (COUNT(?p) AS ?n) WHERE { ?p schema:hiringOrganization ?org } "
                               "GROUP BY ?org ORDER BY DESC(?n) LIMIT 20",
        "top skills": "SELECT ?s (COUNT(?p) AS ?n) WHERE { ?p schema:skills ?s } "
                      "GROUP BY ?s ORDER BY DESC(?n) LIMIT 20",
        "skills with Python": f"SELECT ?s (COUNT(?p) AS ?n) WHERE {{ ?p schema:skills {PYTHON}, ?s . "
                              f"FILTER(?s != {PYTHON}) }} GROUP BY ?s ORDER BY DESC(?n) LIMIT 20",
        "postings of one ROR id": f"SELECT ?p ?title WHERE {{ ?p schema:hiringOrganization <{ror}> ; "
                                  "schema:title ?title } LIMIT 100",
        "closing-date range": "SELECT ?p ?d WHERE { ?p schema:validThrough ?d "
                              'FILTER(STR(?d) >= "2026-03-01" && STR(?d) < "2026-04-01") } ORDER BY ?d LIMIT 50',
        "CONSTRUCT one posting": f"CONSTRUCT {{ <{posting}> ?p ?o }} WHERE {{ <{posting}> ?p ?o }}",
    }.items()}


class Server:
    """A server process in its own process group, killed (with any child) on stop."""

    def __init__(self, name: str, cmd: list[str], url: str, query_url: str, start_s: float = 120) -> None:
        self.name, self.url, self.query_url = name, url, query_url
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        deadline = time.monotonic() + start_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{name} exited at start ({self.proc.returncode}): {' '.join(cmd)}")
            try:
                requests.get(query_url, params={"query": "ASK {}"}, timeout=5)
                return
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"{name} did not start within {start_s:g} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(15)


def jobgraph_serve(store: Path, workers: int, engine: str) -> Server:
    port = free_port()
    return Server("jobgraph serve", [sys.executable, "-m", "jobgraph", "serve", "--store", str(store), "--port",
                                     str(port), "--workers", str(workers), "--timeout", "300", "--engine", engine],
                  f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port}/sparql")


def oxigraph_serve(store: Path) -> Server:
    port = free_port()
    return Server("oxigraph serve", [str(BIN / "oxigraph"), "serve", "--location", str(store), "--bind",
                                     f"127.0.0.1:{port}", "--union-default-graph"],
                  f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port}/query")


def dump_triples(store: Path) -> Path:
    """The union of the store's graphs as N-Triples, for servers without a union default graph."""
    import gc

    from pyoxigraph import Store

    out = store.parent / (store.name + ".nt")
    if not out.exists():
        db = Store(str(store))
        with out.open("w", encoding="utf-8") as f:
            for q in db:
                f.write(f"{q.subject} {q.predicate} {q.object} .\n")
        del db
        gc.collect()
    return out


def rdflib_endpoint(store: Path) -> Server:
    """rdflib-endpoint (rdflib's own SPARQL engine, in memory) over the store's triples."""
    dump = dump_triples(store)
    port = free_port()
    return Server("rdflib-endpoint", [str(BIN / "rdflib-endpoint"), "serve", str(dump), "--host", "127.0.0.1",
                                      "--port", str(port)], f"http://127.0.0.1:{port}",
                  f"http://127.0.0.1:{port}/", start_s=1800)  # rdflib parses the whole dump first


def pick(server: Server) -> tuple[str, str]:
    """A ROR id with postings and one posting, from the data itself."""
    q = PREFIXES + ("SELECT ?o ?p WHERE { ?p schema:hiringOrganization ?o . "
                    'FILTER(STRSTARTS(STR(?o), "https://ror.org/")) } LIMIT 1')
    row = requests.get(server.query_url, params={"query": q}, timeout=300,
                       headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"][0]
    return row["o"]["value"], row["p"]["value"]


def load(server: Server, queries: dict[str, str], clients: int, seconds: float) -> dict:
    names = list(queries)
    samples: list[tuple[str, float, int]] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(offset: int) -> None:
        session = requests.Session()
        i = offset
        while time.monotonic() < stop_at:
            name = names[i % len(names)]
            i += 1
            accept = "text/turtle" if name.startswith("CONSTRUCT") else "application/sparql-results+json"
            start = time.perf_counter()
            resp = session.post(server.query_url, data=queries[name].encode(), timeout=600,
                                headers={"Content-Type": "application/sparql-query", "Accept": accept})
            _ = resp.content
            with lock:
                samples.append((name, time.perf_counter() - start, resp.status_code))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"n": len(samples), "errors": sum(s[2] != 200 for s in samples), "wall": time.monotonic() - began,
            "lat": [s[1] for s in samples], "light": [s[1] for s in samples if s[0] in LIGHT],
            "per": {n: [s[1] for s in samples if s[0] == n] for n in names}}


def copy_of(store: Path) -> Path:
    """A second copy of the (closed) store, so that both servers can run at once and take turns."""
    import shutil

    twin = store.parent / (store.name + ".twin")
    if not twin.exists():
        shutil.copytree(store, twin)
    return twin


def pooled(runs: list[dict]) -> dict:
    n = sum(r["n"] for r in runs)
    lat = sorted(x for r in runs for x in r["lat"])
    light = sorted(x for r in runs for x in r["light"])
    return {"n": n, "errors": sum(r["errors"] for r in runs), "qps": n / sum(r["wall"] for r in runs),
            "p50": statistics.median(lat) * 1000, "p95": lat[int(0.95 * (len(lat) - 1))] * 1000,
            "light_p50": statistics.median(light) * 1000 if light else float("nan"),
            "per_query": {q: statistics.median([x for r in runs for x in r["per"][q]] or [float("nan")]) * 1000
                          for q in runs[0]["per"]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path, help="a jobgraph store folder, closed (the benchmark opens it)")
    parser.add_argument("--clients", default="1,8", help="comma-separated client counts")
    parser.add_argument("--seconds", type=float, default=10.0, help="per round, server and client count")
    parser.add_argument("--rounds", type=int, default=3, help="the servers take turns, this many times each")
    parser.add_argument("--workers", type=int, default=8, help="jobgraph serve --workers")
    parser.add_argument("--engine", default="oxigraph", choices=["oxigraph", "embedded"],
                        help="jobgraph serve --engine")
    parser.add_argument("--rdflib-endpoint", action="store_true",
                        help="also rdflib-endpoint (pip install 'rdflib-endpoint[cli]'), over STORE.nt (written once)")
    parser.add_argument("--only", help="comma-separated server names to run, in this order (default: all)")
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    # One round: the servers open the store one after the other. More: both at once, on two copies.
    twin = args.store if args.rounds == 1 else copy_of(args.store)  # copied before any server opens it
    factories = [("jobgraph serve", lambda: jobgraph_serve(args.store, args.workers, args.engine)),
                 ("oxigraph serve", lambda: oxigraph_serve(twin))]
    if args.rdflib_endpoint:
        factories.append(("rdflib-endpoint", lambda: rdflib_endpoint(args.store)))
    if args.only:
        by_name = dict(factories)
        factories = [(name, by_name[name]) for name in args.only.split(",")]  # in the order given
    results: dict[tuple[str, int], dict] = {}
    groups = [[f] for f in factories] if args.rounds == 1 else [factories]
    for group in groups:
        run_group(group, clients, args, results)
    for n in clients:
        if ("jobgraph serve", n) in results and ("oxigraph serve", n) in results:
            ratio = results[("jobgraph serve", n)]["qps"] / results[("oxigraph serve", n)]["qps"]
            print(f"ratio jobgraph/oxigraph throughput at {n} clients: {ratio:.2f}x")


def run_group(factories: list, clients: list[int], args: argparse.Namespace, results: dict) -> None:
    """Start these servers together, warm them, and let them take turns for each client count."""
    servers: list[Server] = []
    try:
        for _, factory in factories:
            servers.append(factory())
        queries = mix(*pick(servers[0]))
        for server in servers:  # warm each server's caches once, untimed
            for query in queries.values():
                requests.post(server.query_url, data=query.encode(), timeout=600,
                              headers={"Content-Type": "application/sparql-query"})
        for n in clients:
            runs: dict[str, list[dict]] = {s.name: [] for s in servers}
            for r in range(args.rounds):  # alternate the order, so drift in the machine's load hits both
                for server in servers if r % 2 == 0 else servers[::-1]:
                    runs[server.name].append(load(server, queries, n, args.seconds))
            for name, rs in runs.items():
                results[(name, n)] = p = pooled(rs)
                print(f"{name:16} {n:2} clients: {p['qps']:7.2f} q/s  p50 {p['p50']:8.1f} ms  p95 {p['p95']:8.1f} ms"
                      f"  light p50 {p['light_p50']:7.1f} ms  ({p['n']} queries, {p['errors']} errors)", flush=True)
                print("    per query p50 (ms): " + ", ".join(f"{q} {v:.0f}" for q, v in p["per_query"].items()),
                      flush=True)
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
