"""ROR: import time and peak memory for a dump, then matching throughput and quality against it.

    nice .venv/bin/python benchmarks/ror.py ../shared/ror/ror-records-v2.json ../shared/ror/ror-records-v1.json

1. ``jobgraph ror import`` into a fresh store (a child process: its wall time, CPU time and peak RSS), then a
   second import of the same files (incremental: nothing changes, nothing is rewritten).
2. The matching index built from that store (time), then ``Registry.match`` over the seed and corpus gold
   employer names and variants of them (sub-units, acronyms, legal forms) for ``--rounds`` rounds:
   strings per second, and precision / recall of the chosen ids on the gold names.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from jobgraph.link.organizations import read_local_organizations, registry_from_store
from jobgraph.store import OxigraphStore

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("JOBGRAPH_SHARED", ROOT.parent / "shared"))


def run_import(store: Path, files: list[str]) -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "jobgraph", "ror", "import", "--store", str(store), *files],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        sys.exit(proc.stderr)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(f"  {proc.stdout.strip()}\n  wall {wall:.1f} s, CPU {cpu:.1f} s, peak RSS {after.ru_maxrss / 1024:.0f} MiB")


def gold_employers() -> list[tuple[str, str | None, str | None]]:
    rows = []
    for folder in (SHARED / "seeds", SHARED / "corpus" / "postings"):
        gold = folder / "gold.jsonl" if (folder / "gold.jsonl").exists() else folder.parent / "gold.jsonl"
        for line in gold.read_text().splitlines():
            row = json.loads(line)
            meta = folder / (row["file"] + ".meta.yaml")
            publisher = (yaml.safe_load(meta.read_text()) or {}).get("publisher") if meta.exists() else None
            rows.append((row["employer_name"], row["employer_ror"], publisher))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store_path = Path(tmp) / "store"
        print("import into an empty store:")
        run_import(store_path, args.files)
        print("import again (unchanged records are not rewritten):")
        run_import(store_path, args.files)
        started, cpu = time.perf_counter(), time.process_time()
        registry = registry_from_store(OxigraphStore(store_path))
        for org in read_local_organizations(ROOT / "data" / "organizations.yaml"):
            registry.add(org)
        print(f"matching index: {len(registry)} organisations in {time.perf_counter() - started:.1f} s "
              f"(CPU {time.process_time() - cpu:.1f} s)")

    rows = gold_employers()
    strings = [name for name, _, _ in rows]
    strings += [f"Department of Physics, {name}, Earth" for name in strings]  # sub-unit + place noise
    strings += ["UCL", "DataCite GmbH", "The University of Oxford", "NumFOCUS, Inc.", "CERN", "Zarr developers"]
    cpu = time.process_time()
    for _ in range(args.rounds):
        for text in strings:
            registry.match(text)
    per = (time.process_time() - cpu) / (args.rounds * len(strings))
    print(f"matching: {len(strings)} strings x {args.rounds} rounds, {per * 1000:.2f} ms CPU per string, "
          f"{1 / per:.0f} strings/s per core")

    tp = fp = fn = 0
    for name, expected, publisher in rows:
        got = registry.match(name, publisher=publisher).ror
        tp += bool(got and got == expected)
        fp += bool(got and got != expected)
        fn += bool(expected and got != expected)
    print(f"gold employers ({len(rows)} postings, {tp + fn} with a ROR id): precision {tp / max(tp + fp, 1):.1%}, "
          f"recall {tp / max(tp + fn, 1):.1%} (tp {tp}, fp {fp}, fn {fn})")


if __name__ == "__main__":
    main()
