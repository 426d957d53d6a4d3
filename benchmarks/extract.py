"""Extraction speed: postings per second of read -> extract (and, with --link, linking too), in one process.

    .venv/bin/python benchmarks/extract.py [--link] [--rounds 5] PATH...

Files are read once; extraction runs ``--rounds`` times over them. Prints CPU time per posting (what one core
spends) and wall-clock postings/s; the ingest benchmarks of the scale issue measure the whole pipeline.
"""

from __future__ import annotations

import argparse
import contextlib
import time

from jobgraph.extract import extract
from jobgraph.ingest import linker_for_extract
from jobgraph.read import ReadError, iter_files, read_document


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--link", action="store_true", help="also link employers and skills (jobgraph.link)")
    args = parser.parse_args()
    docs = []
    for path in iter_files(args.paths):
        with contextlib.suppress(ReadError):  # bad files are the bad-input tests' business, not speed's
            docs.append(read_document(path))
    linker = linker_for_extract(None) if args.link else None
    for doc in docs:  # warm caches (dateparser, pycountry) as a long ingest would have them
        extract(doc)
    cpu, wall, n = time.process_time(), time.perf_counter(), 0
    for _ in range(args.rounds):
        for doc in docs:
            try:
                postings = extract(doc)
            except ReadError:
                continue
            if linker:
                for p in postings:
                    linker.link(p, doc)
            n += len(postings)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    stage = "extract+link" if linker else "extract"
    print(f"{stage}: {n} postings from {len(docs)} files x {args.rounds} rounds: "
          f"{cpu / n * 1000:.2f} ms CPU per posting ({n / cpu:.0f}/s per core), {n / wall:.0f} postings/s wall")


if __name__ == "__main__":
    main()
