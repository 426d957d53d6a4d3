"""The store's own cost of writing what ingest writes: CPU per quad of Oxigraph's bulk loader, and what it caps.

    python benchmarks/store_write.py 5000 [--work /tmp/jobgraph-write]

Generates N postings (benchmarks/generate.py, seed 1), ingests them with the real ``jobgraph ingest`` into a
scratch store, dumps the quads that ingest wrote (N-Quads), then loads that same dump into fresh stores and
measures the CPU of the whole process (every thread, RocksDB's background flushes and compactions included: the
clock runs until the process has been idle for a second): pyoxigraph's ``bulk_load`` in the batches ingest
writes (``BULK_QUADS // 3`` quads, ``lenient`` as ingest does) and in smaller ones, one ``bulk_load`` of the
whole dump, and the ``oxigraph load`` command of the PyPI ``oxigraph`` package (Oxigraph's own Rust loader,
when installed). The parse alone is timed too, to show where the cost is. From the CPU per quad and the quads
per posting it prints the ceiling the write alone puts on postings/s per core: ingest on two cores cannot go
faster than the write's share allows, however fast extraction becomes. The stores are fresh: in a store that
already holds millions of quads, each load also pays for compacting into what is there.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from pyoxigraph import RdfFormat, Store, parse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from ingest import du, run_ingest  # noqa: E402

from jobgraph.store import BULK_QUADS  # noqa: E402


def cpu() -> float:
    """CPU seconds of this process and its finished children (bulk_load uses threads of its own)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def quiet() -> float:
    """The CPU seconds used so far, once the process (RocksDB's own threads too) has been idle for a second."""
    last = cpu()
    while True:
        time.sleep(1.0)
        now = cpu()
        if now - last < 0.02:
            return now
        last = now


def timed(label: str, quads: int, run) -> dict:  # type: ignore[no-untyped-def]
    started, wall = quiet(), time.perf_counter()
    run()
    wall = time.perf_counter() - wall
    spent = quiet() - started
    return {"how": label, "cpu_us_per_quad": round(1e6 * spent / quads, 2), "wall_s": round(wall, 2)}


def batches(data: bytes, size: int) -> list[bytes]:
    lines = data.splitlines(keepends=True)
    return [b"".join(lines[i:i + size]) for i in range(0, len(lines), size)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("postings", type=int, help="how many postings to generate and write")
    parser.add_argument("--work", type=Path, default=Path("/tmp/jobgraph-write"))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    from generate import generate

    shutil.rmtree(args.work, ignore_errors=True)
    folder, built = args.work / "postings", args.work / "ingested"
    generate(args.postings, folder)
    ingest = run_ingest(folder, built, args.jobs)
    store = Store(str(built))
    dump = args.work / "written.nq"
    with open(dump, "wb") as out:  # the document graphs ingest wrote (not data/'s reference graphs)
        graphs = [g for g in store.named_graphs() if "/source/" in g.value]
        for g in graphs:
            store.dump(out, RdfFormat.N_QUADS, from_graph=g)
    del store
    data = dump.read_bytes()
    quads = data.count(b"\n")
    postings = data.count(b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://schema.org/JobPosting>")
    rows = [timed("parse only (pyoxigraph, lenient)", quads,
                  lambda: sum(1 for _ in parse(data, format=RdfFormat.N_QUADS, lenient=True)))]
    for size in (BULK_QUADS // 3, BULK_QUADS // 30, quads):
        target = args.work / f"load-{size}"
        store = Store(str(target))
        chunks = batches(data, size)

        def load(s: Store = store, parts: list[bytes] = chunks) -> None:
            for part in parts:
                s.bulk_load(part, format=RdfFormat.N_QUADS, lenient=True)
            s.flush()

        what = "ingest's batches" if size == BULK_QUADS // 3 else "one call" if size == quads else "smaller batches"
        rows.append(timed(f"pyoxigraph bulk_load, {len(chunks)} x {min(size, quads):,} quads ({what})", quads, load))
        del store
        rows[-1]["store_mb"] = round(du(target) / 2**20)
    binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if Path(binary).exists():
        target = args.work / "load-cli"
        rows.append(timed("oxigraph load (Rust CLI)", quads, lambda: subprocess.run(
            [binary, "load", "--location", str(target), "--file", str(dump)], check=True, capture_output=True)))
        rows[-1]["store_mb"] = round(du(target) / 2**20)
    per_posting = quads / postings
    ingest_us = rows[1]["cpu_us_per_quad"]
    summary = {"postings": postings, "document_graphs": len(graphs), "quads": quads,
               "quads_per_posting": round(per_posting, 1), "ingest": ingest,
               "write_ms_per_posting": round(ingest_us * per_posting / 1000, 2),
               "write_alone_caps_postings_per_s_per_core": round(1e6 / (ingest_us * per_posting)),
               "loads": rows}
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
