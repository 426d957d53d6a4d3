"""Export speed and memory: quads/s of ``jobgraph.export.stream`` and how much the process grows doing it.

    .venv/bin/python benchmarks/export.py --store DIR [--format nquads]
    .venv/bin/python benchmarks/export.py --copies 200 [--format nquads]   # a synthetic store, see below

With ``--copies N`` the benchmark builds a throw-away store in a temporary folder: data/ is ingested once and
every document graph is copied N times under new IRIs (so N=200 is ~300k quads in ~2,000 graphs). The dump
goes to /dev/null. Peak RSS is read before and after the dump: a dump that streams grows by about one batch,
whatever the store's size; one built in memory would grow by about the dump's size.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from pyoxigraph import NamedNode, Quad

from jobgraph import export
from jobgraph.ingest import ingest
from jobgraph.store import OxigraphStore

ROOT = Path(__file__).resolve().parents[1]


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic(path: Path, copies: int) -> OxigraphStore:
    store = OxigraphStore(path)
    ingest([ROOT / "data"], store, on_error=print)
    docs = [g for g in store.named_graphs() if "/source/" in g.value]
    originals = {g.value: list(store.quads(g)) for g in docs}

    def renamed(term, old: str, new: str):  # type: ignore[no-untyped-def]
        return NamedNode(term.value.replace(old, new)) if isinstance(term, NamedNode) and old in term.value else term

    for i in range(copies):
        batch = []
        for g, quads in originals.items():
            key = g.rsplit("/", 1)[-1]
            new = f"{key}c{i}"
            batch += [Quad(renamed(q.subject, key, new), q.predicate, renamed(q.object, key, new),
                           NamedNode(g.replace(key, new))) for q in quads]
        store.store.bulk_extend(batch)
    store.flush()
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path)
    parser.add_argument("--copies", type=int, default=0)
    parser.add_argument("--format", default="nquads", choices=list(export.FORMATS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = OxigraphStore(args.store) if args.store else synthetic(Path(tmp) / "store", args.copies or 200)
        quads = len(store)
        before = peak_mib()
        wall, size = time.perf_counter(), 0
        with open("/dev/null", "wb") as out:
            for chunk in export.stream(store, export.FORMATS[args.format]):
                out.write(chunk)
                size += len(chunk)
        wall = time.perf_counter() - wall
        print(f"{args.format}: {quads:,} quads in {len(store.named_graphs()):,} graphs, {size / 2**20:,.1f} MiB "
              f"written in {wall:.1f} s ({quads / wall:,.0f} quads/s); peak RSS {before:,.0f} -> {peak_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
