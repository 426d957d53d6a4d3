"""The pipeline, end to end: read -> extract -> link -> rdf -> store, one source document at a time.

Reference data found among the inputs (ROR dumps, ``organizations.yaml``, SKOS vocabularies in Turtle)
is loaded first, into graphs of its own, so that postings in the same run are linked against it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import RdfFormat, parse

from .extract import extract
from .link import Linker
from .link.organizations import organization_quads, read_local_organizations, registry_from_store
from .link.ror_dump import add_records, import_dumps, is_ror_dump
from .link.skills import Vocabulary
from .model import Document, Posting
from .rdf import document_quads
from .read import ReadError, iter_files, read_document
from .store import GraphStore
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

    def line(self) -> str:
        return (f"{self.files} files, {self.postings} postings, {self.triples} triples written, "
                f"{self.unchanged} unchanged, {len(self.failures)} failed, in {self.seconds:.1f} s")


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


def load_reference(store: GraphStore, path: Path, kind: str) -> int:
    """Load one reference file into its graph (replacing what was there); returns the triples written."""
    if kind == "ror":
        return load_ror(store, [path])
    if kind == "organizations":
        graph = graph_iri("organizations")
        quads = (q for org in read_local_organizations(path) for q in organization_quads(org, graph))
    else:
        graph = graph_iri(path.stem)
        try:
            with open(path, "rb") as fh:
                quads = list(parse(fh, RDF_SUFFIXES[path.suffix], base_iri=path.resolve().as_uri()))
        except SyntaxError as err:
            raise ReadError(f"{path}: malformed RDF ({err}); nothing from it was stored") from None
    return store.replace_graph(graph, quads)


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


def linker_for_extract(store_path: Path | None) -> Linker:
    """Link against the store when one is named (or the default one has organisations), else data/."""
    from .store import OxigraphStore, default_store_path

    path = store_path or default_store_path()
    if store_path or os.environ.get("JOBGRAPH_STORE") or (path / "CURRENT").exists():
        store = OxigraphStore(path)
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


def ingest(
    paths: Iterable[str | Path],
    store: GraphStore,
    overrides: dict[str, Any] | None = None,
    force: bool = False,
    on_error: Callable[[str], None] = print,
    progress: Callable[[Iterable[Path]], Iterable[Path]] = lambda x: x,
    ror_api: Any = None,
) -> Summary:
    """Ingest files and folders into the store; each document replaces its own graph or nothing at all."""
    started = time.perf_counter()
    summary = Summary()
    postings_files = load_references(store, list(iter_files(paths)), summary, on_error)
    linker = linker_from_store(store, resolver=ror_api)
    for path in progress(postings_files):
        summary.files += 1
        try:
            doc = read_document(path, overrides)
            graph = source_iri(doc.source_key)
            if not force and store.graph_sha256(graph) == doc.sha256:
                summary.unchanged += 1
                continue
            postings = process(doc, linker)
            summary.triples += store.replace_graph(graph, document_quads(doc, postings))
            summary.postings += len(postings)
        except ReadError as err:
            summary.failures.append(str(err))
            on_error(f"error: {err}")
        except Exception as err:  # a bug must cost one file, not the run; say so plainly
            message = f"{path}: internal error {type(err).__name__}: {err} (please report it; nothing was stored)"
            summary.failures.append(message)
            on_error(f"error: {message}")
    if ror_api is not None and ror_api.fetched:  # records the ROR API resolved join the local registry
        summary.triples += add_records(store, ror_api.fetched.values())
    summary.seconds = time.perf_counter() - started
    return summary
