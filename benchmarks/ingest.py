"""End-to-end ingest benchmark: postings/s, triples/s, peak RSS, store size, and a query mix, at several sizes.

    python benchmarks/ingest.py 10000 100000 [--jobs 2] [--work /tmp/jobgraph-bench]
    python benchmarks/ingest.py 100000 --postings /work/bench/gen-100k  # ingest postings generated before
    python benchmarks/ingest.py --store /work/bench/store-100k      # the query mix alone, on a built store

For each size it generates the postings (benchmarks/generate.py, seed 1), runs the real ``jobgraph ingest``
in a fresh process over data/ and them, and measures: wall time and CPU time (all processes), postings/s and
triples/s, the peak RSS of the largest process (the writer or a worker: getrusage of the children), the store's
size on disk, the 1-minute load average before and after (the machine may be shared), and the median latency
of each query in a small mix (5 runs each, after one warm-up run).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

PREFIXES = """PREFIX schema: <http://schema.org/>
PREFIX jg: <https://w3id.org/jobgraph/ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
QUERY_MIX = {
    "count postings": "SELECT (COUNT(?p) AS ?n) WHERE { ?p a schema:JobPosting }",
    "postings per country": """SELECT ?c (COUNT(?p) AS ?n) WHERE {
                                 ?p a schema:JobPosting ; schema:jobLocation/schema:addressCountry ?c }
                               GROUP BY ?c ORDER BY DESC(?n) LIMIT 10""",
    "top skills": """SELECT ?label (COUNT(?p) AS ?n) WHERE { ?p schema:skills ?s . ?s skos:prefLabel ?label }
                     GROUP BY ?label ORDER BY DESC(?n) LIMIT 10""",
    "one employer's postings": """SELECT ?p ?t WHERE { ?p schema:hiringOrganization ?o ; schema:title ?t .
                                  { SELECT ?o WHERE { ?x schema:hiringOrganization ?o } LIMIT 1 } } LIMIT 100""",
    "title search": """SELECT ?p ?t WHERE { ?p a schema:JobPosting ; schema:title ?t
                       FILTER(CONTAINS(LCASE(STR(?t)), "data steward")) } LIMIT 20""",
    "describe one posting": "DESCRIBE ?p WHERE { ?p a schema:JobPosting } LIMIT 1",
}


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def query_mix(store_path: Path, runs: int = 5) -> dict[str, float]:
    """Median milliseconds per query (results fully read). The store is opened read-only: a published store
    (such as /work/bench/store-100k) is not modified, not even by a compaction."""
    from pyoxigraph import Store

    store = Store.read_only(str(store_path))
    out = {}
    for name, query in QUERY_MIX.items():
        times = []
        for i in range(runs + 1):
            started = time.perf_counter()
            result = store.query(PREFIXES + query, use_default_graph_as_union=True)
            rows = sum(1 for _ in result)
            if i:  # the first run warms the caches
                times.append((time.perf_counter() - started) * 1000)
        out[name] = round(statistics.median(times), 1)
        assert rows >= 0
    return out


def run_ingest(folder: Path, store: Path, jobs: int) -> dict:
    """The real CLI in a fresh process; CPU and peak RSS come from getrusage over the finished children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "jobgraph", "ingest", "--store", str(store), "--jobs", str(jobs),
                           str(ROOT / "data"), str(folder)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"ingest failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    m = re.search(r"(\d+) files, (\d+) postings, (\d+) triples written, (\d+) unchanged, (\d+) failed", proc.stdout)
    assert m, proc.stdout
    files, postings, triples, _, failed = map(int, m.groups())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"files": files, "postings": postings, "triples": triples, "failed": failed, "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1), "postings_per_s": round(postings / wall, 1),
            "triples_per_s": round(triples / wall), "cpu_ms_per_posting": round(1000 * cpu / postings, 2),
            "peak_rss_mb": round(after.ru_maxrss / 1024), "store_mb": round(du(store) / 2**20)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", type=int, nargs="*", help="posting counts to benchmark, e.g. 10000 100000")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/jobgraph-bench"), help="where to generate and store")
    parser.add_argument("--store", type=Path, help="only run the query mix on this existing store")
    parser.add_argument("--postings", type=Path, help="ingest this folder of generated postings (read only, e.g. "
                        "/work/bench/gen-100k) instead of generating SIZE postings into --work")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query (after one warm-up)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--no-queries", action="store_true", help="skip the query mix (once a store outgrows the "
                        "page cache, one aggregation can take half an hour: 28 minutes at 300k here)")
    args = parser.parse_args()
    rows = []
    if args.store:
        rows.append({"size": "existing", "store": str(args.store), "queries_ms": query_mix(args.store, args.runs),
                     "store_mb": round(du(args.store) / 2**20)})
    for n in args.sizes:
        from generate import generate

        folder, store = args.postings or args.work / f"gen-{n}", args.work / f"store-{n}"
        if not folder.exists():
            generate(n, folder)
        if store.exists():
            raise SystemExit(f"{store} exists: remove it, or benchmark another --work folder")
        load_before = os.getloadavg()[0]
        row = {"size": n, **run_ingest(folder, store, args.jobs)}
        row["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]  # 1-minute, before and after
        print(json.dumps(row), file=sys.stderr, flush=True)  # the ingest figures, before a query mix that may be long
        if not args.no_queries:
            row["queries_ms"] = query_mix(store, args.runs)
        rows.append(row)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    for row in rows:
        print(json.dumps({k: v for k, v in row.items() if k != "queries_ms"}))
        for name, ms in row.get("queries_ms", {}).items():
            print(f"  {name:<26} {ms:>8.1f} ms")


if __name__ == "__main__":
    main()
