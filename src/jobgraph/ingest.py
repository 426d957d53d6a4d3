"""The pipeline, end to end: read -> extract -> link -> rdf -> store, one source document at a time.

Reference data found among the inputs (ROR dumps, ``organizations.yaml``, SKOS vocabularies in Turtle)
is loaded first, into graphs of its own, so that postings in the same run are linked against it.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import RdfFormat, parse

from .errors import internal_error
from .extract import extract
from .link import Linker
from .link.organizations import organization_quads, read_local_organizations, registry_from_store
from .link.ror_dump import add_records, import_dumps, is_ror_dump
from .link.skills import Vocabulary
from .model import Document, Posting
from .rdf import document_nquads
from .read import ReadError, iter_files, load_meta, read_document
from .store import BULK_QUADS, GraphStore, GraphWrite, add_update
from .vocab import graph_iri, source_iri

RDF_SUFFIXES = {".ttl": RdfFormat.TURTLE, ".nt": RdfFormat.N_TRIPLES, ".rdf": RdfFormat.RDF_XML}


@dataclass
class Summary:
    files: int = 0
    postings: int = 0
    triples: int = 0
    unchanged: int = 0
    reference: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False

    def line(self) -> str:
        rate = f" ({self.postings / self.seconds:.0f} postings/s)" if self.seconds and self.postings else ""
        return (f"{self.files} files, {self.postings} postings, {self.triples} triples written, "
                f"{self.unchanged} unchanged, {len(self.failures)} failed, in {self.seconds:.1f} s{rate}")


def reference_kind(path: Path) -> str | None:
    """What kind of reference data a file holds, from its content, or None for a posting."""
    if path.name == "organizations.yaml":
        return "organizations"
    if path.suffix in RDF_SUFFIXES:
        return "rdf"
    if path.suffix in {".json", ".zip"} and is_ror_dump(path):
        return "ror"
    return None


def load_ror(store: GraphStore, paths: list[Path]) -> int:
    """ROR dump files (v1 and v2 may be split across files) added to the ROR graph: the same code path as
    ``jobgraph ror import`` (incremental, streamed), but records already there and not in these files stay
    (ingesting data/ must not shrink a full registry imported before to the demo's few records)."""
    return import_dumps(store, paths, remove_missing=False).triples


# Graphs that an importer fills (`jobgraph skills import-esco`, `jobgraph datacite link`): a reference file for
# one of them (data/'s demo subsets) is added to what is there, so re-ingesting data/ never shrinks an import.
IMPORTED_GRAPHS = frozenset({"esco", "datacite"})


def load_reference(store: GraphStore, path: Path, kind: str) -> int:
    """Load one reference file into its graph; returns the triples written.

    A vocabulary file replaces its graph. The organisations file replaces only the organisations it lists:
    the same graph holds those that postings name and ROR does not, written with the postings (which a
    re-ingest skips when unchanged). A file for an imported graph is added to it."""
    if kind == "ror":
        return load_ror(store, [path])
    if kind == "organizations":
        graph = graph_iri("organizations")
        update, count = add_update(graph, (q for org in read_local_organizations(path)
                                           for q in organization_quads(org, graph)), replace_subjects=True)
    else:
        graph = graph_iri(path.stem)
        try:
            with open(path, "rb") as fh:
                quads = list(parse(fh, RDF_SUFFIXES[path.suffix], base_iri=path.resolve().as_uri()))
        except SyntaxError as err:
            raise ReadError(f"{path}: malformed RDF ({err}); nothing from it was stored") from None
        if path.stem not in IMPORTED_GRAPHS:
            return store.replace_graph(graph, quads)
        update, count = add_update(graph, quads)
    store.update(update)
    return count


def linker_from_store(store: GraphStore, resolver: Any = None) -> Linker:
    """The matching indexes, built from the organisations and skills now in the store (``resolver``, a
    RorClient, resolves ROR ids that are not in the local records through the ROR API)."""
    registry = registry_from_store(store, resolver=resolver)
    vocabulary = Vocabulary.from_quads(store.quads(graph_iri("skills")))
    return Linker(registry, vocabulary)


DEMO_DATA = Path(__file__).resolve().parents[2] / "data"


def data_dir() -> Path:
    """The reference data to link against when no store is given: $JOBGRAPH_DATA or the checkout's data/."""
    return Path(os.environ.get("JOBGRAPH_DATA") or DEMO_DATA)


def linker_for_extract(store_path: Path | str | None) -> Linker:
    """Link against the store when one is named (or the default one has organisations), else data/."""
    from .store import OxigraphStore, default_store_path, open_graph_store

    path = store_path or default_store_path()
    if store_path or os.environ.get("JOBGRAPH_STORE") or (Path(path) / "CURRENT").exists():
        store = open_graph_store(path)
        if any(True for _ in store.quads(graph_iri("ror"))):
            return linker_from_store(store)
    memory = OxigraphStore.in_memory()
    load_references(memory, list(iter_files([data_dir()])))
    return linker_from_store(memory)


def load_references(store: GraphStore, files: list[Path], summary: Summary | None = None,
                    on_error: Callable[[str], None] = print) -> list[Path]:
    """Load the reference files among ``files``; return the others (the postings)."""
    summary = summary or Summary()
    kinds = {path: reference_kind(path) for path in files}
    ror = [path for path, kind in kinds.items() if kind == "ror"]
    jobs: list[tuple[str, Callable[[], int]]] = []
    if ror:
        jobs.append((", ".join(map(str, ror)), lambda: load_ror(store, ror)))
    jobs += [(str(path), lambda p=path, k=kind: load_reference(store, p, k))
             for path, kind in kinds.items() if kind not in (None, "ror")]
    for name, job in jobs:
        try:
            summary.triples += job()
            summary.reference.append(name)
        except (ReadError, ValueError, KeyError) as err:
            summary.failures.append(str(err))
            on_error(f"error: {err}")
    return [path for path, kind in kinds.items() if kind is None]


def process(doc: Document, linker: Linker) -> list[Posting]:
    """Extract and link the postings of one document (no store involved: used by ``extract --json``)."""
    return [linker.link(p, doc) for p in extract(doc)]


# --- streaming, parallel ingest ----------------------------------------------------------------------------


def digest_key(graph: str, sha256: str) -> int:
    """(document graph, sha256 of its source) as 8 bytes: a million stored documents fit in ~70 MB to check."""
    return int.from_bytes(hashlib.blake2b(f"{graph} {sha256}".encode(), digest_size=8).digest(), "big")


@dataclass
class _WorkerState:
    linker: Linker
    overrides: dict[str, Any] | None
    stored: set[int]


_STATE: _WorkerState | None = None  # set before the pool forks, so every worker inherits the linker once


def _work(paths: list[Path]) -> list[tuple[str, Path, Any]]:
    """Read, check, extract, link and serialise a chunk of files (in a worker process).

    Returns ("unchanged", path, None), ("ok", path, (GraphWrite, postings)) or ("error", path, message)."""
    assert _STATE is not None
    out: list[tuple[str, Path, Any]] = []
    for path in paths:
        try:
            if _STATE.stored and _unchanged(path, _STATE.overrides, _STATE.stored):
                out.append(("unchanged", path, None))
                continue
            doc = read_document(path, _STATE.overrides)
            graph = source_iri(doc.source_key)
            postings = process(doc, _STATE.linker)
            write = GraphWrite(graph.value, *document_nquads(doc, postings))
            out.append(("ok", path, (write, len(postings))))
        except ReadError as err:
            out.append(("error", path, str(err)))
        except Exception as err:  # a bug must cost one file, not the run; say so plainly
            out.append(("error", path, internal_error(path, err)))
    return out


def _unchanged(path: Path, overrides: dict[str, Any] | None, stored: set[int]) -> bool:
    """Whether the store holds this file as it is now: its bytes' sha256 and its graph (named from the source
    metadata as read_document names it), without decoding or repairing the text."""
    try:
        data = path.read_bytes()
        meta = {**load_meta(path), **{k: v for k, v in (overrides or {}).items() if v is not None}}
    except (OSError, ReadError):
        return False  # read_document will say what is wrong
    graph = source_iri(str(meta.get("url") or path.resolve().as_uri()))
    return digest_key(graph.value, hashlib.sha256(data).hexdigest()) in stored


def _chunks(files: Iterable[Path], size: int) -> Iterator[list[Path]]:
    chunk: list[Path] = []
    for path in files:
        chunk.append(path)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _results(files: Iterable[Path], jobs: int, chunk_size: int) -> Iterator[tuple[str, Path, Any]]:
    """Results in input order. With jobs > 1 a pool of forked processes works on a bounded window of chunks
    (Pool.imap would read the whole input ahead and queue every result: unbounded memory)."""
    if jobs <= 1:
        for chunk in _chunks(files, chunk_size):
            yield from _work(chunk)
        return
    pool = multiprocessing.get_context("fork").Pool(jobs)
    try:
        window: deque = deque()
        for chunk in _chunks(files, chunk_size):
            window.append(pool.apply_async(_work, (chunk,)))
            if len(window) >= 4 * jobs:
                yield from window.popleft().get()
        while window:
            yield from window.popleft().get()
        pool.close()
    finally:
        pool.terminate()
        pool.join()


class _Writer:
    """Writes batches in a thread of the main process while the workers keep extracting: pyoxigraph releases
    the GIL while it loads. At most two batches wait (bounded memory); a store error stops the run."""

    def __init__(self, store: GraphStore, summary: Summary) -> None:
        self.store, self.summary = store, summary
        self.queue: queue.Queue[list[tuple[GraphWrite, int]] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="jobgraph-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (batch := self.queue.get()) is not None:
            if self.error is not None:
                continue
            try:
                self.store.write_graphs([w for w, _ in batch])
            except BaseException as err:  # re-raised in the main thread
                self.error = err
                continue
            self.summary.triples += sum(w.triples for w, _ in batch)
            self.summary.postings += sum(n for _, n in batch)

    def put(self, batch: list[tuple[GraphWrite, int]]) -> None:
        self._raise()
        self.queue.put(batch)

    def close(self) -> None:
        """Wait until every batch handed over is written (a batch is written whole, or not at all)."""
        self.queue.put(None)
        self.thread.join()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error


def ingest(
    paths: Iterable[str | Path],
    store: GraphStore,
    overrides: dict[str, Any] | None = None,
    force: bool = False,
    on_error: Callable[[str], None] = print,
    progress: Callable[[Iterable[Path]], Iterable[Path]] = lambda x: x,
    jobs: int = 1,
    batch_size: int = 1000,
    bar: Callable[[int], Any] | None = None,
    ror_api: Any = None,
) -> Summary:
    """Ingest files and folders into the store; each document replaces its own graph or nothing at all.

    Files are streamed (bounded memory for any number), extracted and linked by ``jobs`` processes, and
    written ``batch_size`` documents per transaction. A file whose graph already holds its sha256 is skipped,
    so an interrupted run resumes where it stopped. ``bar(total_files)`` makes a tqdm-like progress bar.
    """
    global _STATE
    if ror_api is not None:  # the records it fetches are collected in this process, not in forked workers
        jobs = 1
    started = time.perf_counter()
    summary = Summary()
    references, total = [], 0
    for path in iter_files(paths):  # first pass: reference data (loaded first) and the count for the progress bar
        if reference_kind(path):
            references.append(path)
        else:
            total += 1
    load_references(store, references, summary, on_error)
    stored = set() if force else {digest_key(g, sha) for g, sha in store.source_digests()}
    _STATE = _WorkerState(linker_from_store(store, resolver=ror_api), overrides, stored)
    meter = bar(total) if bar else None
    writer = _Writer(store, summary)
    batch: list[tuple[GraphWrite, int]] = []
    triples = 0
    postings_files = progress(p for p in iter_files(paths) if not reference_kind(p))
    try:
        for kind, _path, value in _results(postings_files, jobs, chunk_size=8):
            summary.files += 1
            if kind == "unchanged":
                summary.unchanged += 1
            elif kind == "error":
                summary.failures.append(value)
                on_error(f"error: {value}")
            else:
                batch.append(value)
                triples += value[0].triples
                if len(batch) >= batch_size or triples >= BULK_QUADS // 3:
                    writer.put(batch)
                    batch, triples = [], 0
            if meter is not None:
                meter.update(1)
                if summary.files % 64 == 0:
                    rate = summary.postings / max(time.perf_counter() - started, 1e-9)
                    meter.set_postfix_str(f"{rate:.0f} postings/s", refresh=False)
    except KeyboardInterrupt:  # keep what is done (whole documents only); the next run skips it
        summary.interrupted = True
    finally:
        _STATE = None
        if batch:
            writer.put(batch)
        writer.close()
        if ror_api is not None and ror_api.fetched:  # records the ROR API resolved join the local registry
            summary.triples += add_records(store, ror_api.fetched.values())
        if meter is not None:
            meter.close()
        summary.seconds = time.perf_counter() - started
    return summary
