"""Stage 5, store: the graph, one named graph per source document, replaced as a whole.

``GraphStore`` is the interface the rest of jobgraph uses. ``OxigraphStore`` is the embedded default (a
folder on disk); ``SparqlStore`` speaks to any SPARQL 1.1 store over HTTP (the SPARQL Protocol for
queries and updates, the Graph Store Protocol for reading graphs), for when one machine is not enough.
Both return pyoxigraph result objects, so callers cannot tell them apart. Queries see the union of all
named graphs as their default graph (``oxigraph serve --union-default-graph`` on a server), so
researchers need no GRAPH clause.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from pyoxigraph import (
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    parse,
    parse_query_results,
    serialize,
)

from .formats import GRAPH_FORMATS, RESULT_FORMATS
from .vocab import JG

DEFAULT_STORE = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local/share")) / "jobgraph" / "store"

QueryResult = QuerySolutions | QueryBoolean | QueryTriples
BULK_QUADS = 900_000  # below pyoxigraph's bulk-load batch (1M quads), so that one call is one atomic ingestion


class StoreError(Exception):
    """The store cannot be opened or written; the message says what to do."""


def default_store_path() -> Path:
    """``JOBGRAPH_STORE`` if set, else ~/.local/share/jobgraph/store (printed by every command that uses it)."""
    return Path(os.environ.get("JOBGRAPH_STORE") or DEFAULT_STORE)


@dataclass(frozen=True)
class GraphWrite:
    """One document's graph ready to be written: its quads as N-Quads (made by an ingest worker).

    Quads naming another graph (shared facts, e.g. ``graph/organizations``) are added to that graph.
    """

    graph: str
    nquads: bytes
    triples: int


class GraphStore(Protocol):
    """What jobgraph needs of a store. Every write replaces whole document graphs, or nothing."""

    location: str  # a folder or a URL: printed by every command

    def replace_graph(self, graph: NamedNode, quads: Iterable[Quad]) -> int: ...
    def write_graphs(self, writes: Sequence[GraphWrite]) -> None: ...
    def remove_graph(self, graph: NamedNode) -> None: ...
    def graph_sha256(self, graph: NamedNode) -> str | None: ...
    def source_digests(self) -> Iterator[tuple[str, str]]: ...
    def query(self, query: str, **options: Any) -> QueryResult: ...
    def update(self, update: str) -> None: ...
    def named_graphs(self) -> list[NamedNode]: ...
    def quads(self, graph: NamedNode) -> Iterable[Quad]: ...
    def __len__(self) -> int: ...
    def flush(self) -> None: ...


def _by_graph(graph: NamedNode, quads: Iterable[Quad]) -> tuple[dict[str, list[str]], int]:
    """Triples as N-Triples lines grouped by target graph (default-graph quads go into ``graph``)."""
    by_graph: dict[str, list[str]] = {str(graph): []}
    count = 0
    for q in quads:
        target = graph if isinstance(q.graph_name, DefaultGraph) else q.graph_name
        by_graph.setdefault(str(target), []).append(f"{q.subject} {q.predicate} {q.object} .")
        count += 1
    return by_graph, count


def replace_update(graph: NamedNode, quads: Iterable[Quad]) -> tuple[str, int]:
    """A SPARQL Update that replaces ``graph``: one request, so one transaction in any SPARQL 1.1 store."""
    body, count = _insert_data(graph, quads)
    return f"DROP SILENT GRAPH {graph} ; {body}", count


def add_update(graph: NamedNode, quads: Iterable[Quad], replace_subjects: bool = False) -> tuple[str, int]:
    """A SPARQL Update that adds to ``graph``, first removing what it said of the quads' subjects when
    ``replace_subjects``: what others wrote in the graph about anything else stays. One transaction too."""
    quads = list(quads)
    body, count = _insert_data(graph, quads)
    subjects = " ".join(sorted({str(q.subject) for q in quads if isinstance(q.subject, NamedNode)}))
    if not (replace_subjects and subjects):
        return body, count
    return (f"DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ VALUES ?s {{ {subjects} }} "
            f"GRAPH {graph} {{ ?s ?p ?o }} }} ; {body}"), count


def _insert_data(graph: NamedNode, quads: Iterable[Quad]) -> tuple[str, int]:
    by_graph, count = _by_graph(graph, quads)
    body = " ".join(f"GRAPH {g} {{ {' '.join(triples)} }}" for g, triples in by_graph.items() if triples)
    return f"INSERT DATA {{ {body} }}", count


def _write_quads(write: GraphWrite) -> Iterator[Quad]:
    return parse(write.nquads, RdfFormat.N_QUADS)


def _sha_query(graphs: str = "") -> str:
    return f"SELECT ?g ?sha WHERE {{ {graphs} GRAPH ?g {{ ?g <{JG.sha256.value}> ?sha }} }}"


class OxigraphStore:
    """A pyoxigraph Store on disk (read-write: measured ~2x faster for queries than ``read_only``)."""

    bulk = True
    generation = 0  # bumped by every write through this object: the only writer, since the store is locked

    def __init__(self, path: str | Path | None = None, bulk: bool = True) -> None:
        self.bulk = bulk
        self.path = Path(path) if path else default_store_path()
        self.location = str(self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            self.store = Store(str(self.path))
        except OSError as err:
            raise StoreError(f"cannot open the store at {self.path}: {err}. Is another jobgraph process "
                             "writing to it? Stop it, or use --store to choose another folder.") from None

    @classmethod
    def in_memory(cls) -> OxigraphStore:
        """A throw-away store (for ``extract`` without a store, and for tests of single stages)."""
        self = cls.__new__(cls)
        self.path = Path(":memory:")
        self.location = ":memory:"
        self.store = Store()
        return self

    def replace_graph(self, graph: NamedNode, quads: Iterable[Quad]) -> int:
        """Drop the graph and write the new quads in one transaction: readers see old or new, never half.

        Quads in the default graph go into ``graph``; quads naming another graph are added to it.
        """
        update, count = replace_update(graph, quads)
        self.update(update)
        return count

    def write_graphs(self, writes: Sequence[GraphWrite]) -> None:
        """Write a batch of document graphs; graphs that already exist are replaced one by one (an update).

        New graphs go in with ``bulk_load``: ~3x less CPU than a transactional ``load``, which reads every
        quad back before writing it. It is still all-or-nothing: below pyoxigraph's bulk batch size (1M
        quads) a call writes one set of SST files, ingested into RocksDB in one atomic step, so a crash leaves
        the batch either absent or whole. ``bulk=False`` uses ``load`` (one transaction) instead.
        """
        latest = {w.graph: w for w in writes}  # a graph named twice in a batch: the last write wins
        stored = {g for g in latest if self.store.contains_named_graph(NamedNode(g))}
        chunk: list[bytes] = []
        size = 0
        for g, w in latest.items():
            if g in stored:
                continue
            if chunk and size + w.triples > BULK_QUADS:
                self._load(chunk)
                chunk, size = [], 0
            chunk.append(w.nquads)
            size += w.triples
        if chunk:
            self._load(chunk)
        for g in stored:
            self.replace_graph(NamedNode(g), _write_quads(latest[g]))

    def _load(self, chunk: list[bytes]) -> None:
        data = b"".join(chunk)
        self.generation += 1
        if self.bulk:  # lenient: the quads were made from validated pyoxigraph terms; ~15% less CPU (measured)
            self.store.bulk_load(data, RdfFormat.N_QUADS, lenient=True)
        else:
            self.store.load(data, RdfFormat.N_QUADS)

    def remove_graph(self, graph: NamedNode) -> None:
        self.update(f"DROP SILENT GRAPH {graph}")

    def graph_sha256(self, graph: NamedNode) -> str | None:
        """The sha256 of the source that a document graph was built from, to skip unchanged files."""
        for q in self.store.quads_for_pattern(graph, JG.sha256, None, graph):
            assert isinstance(q.object, Literal)
            return q.object.value
        return None

    def source_digests(self) -> Iterator[tuple[str, str]]:
        """(graph IRI, sha256) of every stored document, streamed: one index scan for a resumed ingest."""
        for q in self.store.quads_for_pattern(None, JG.sha256, None, None):
            if q.subject == q.graph_name and isinstance(q.object, Literal):
                yield q.subject.value, q.object.value

    def query(self, query: str, **options: Any) -> QueryResult:
        if options.get("default_graph") is None:
            options.setdefault("use_default_graph_as_union", True)
        return self.store.query(query, **options)

    def update(self, update: str) -> None:
        self.generation += 1
        self.store.update(update)

    def quads(self, graph: NamedNode) -> Iterable[Quad]:
        return self.store.quads_for_pattern(None, None, None, graph)

    def named_graphs(self) -> list[NamedNode]:
        return [g for g in self.store.named_graphs() if isinstance(g, NamedNode)]

    def __len__(self) -> int:
        return len(self.store)

    def flush(self) -> None:
        self.store.flush()

    def bulk_update_graph(self, graph: NamedNode, remove_subjects: Iterable[NamedNode], ntriples: Path) -> None:
        """Change a large graph in place (a 100k-record ROR dump) fast: drop the triples of the subjects being
        replaced (in batches), then bulk-load an N-Triples file into the graph, 32 MiB at a time.

        Not one transaction: the caller validates the whole input first, so bad input never gets here.
        """
        batch: list[str] = []
        for subject in [*remove_subjects, None]:
            if subject is not None:
                batch.append(str(subject))
            if batch and (subject is None or len(batch) == 1000):
                self.update(f"DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }} "
                            f"WHERE {{ VALUES ?s {{ {' '.join(batch)} }} GRAPH {graph} {{ ?s ?p ?o }} }}")
                batch = []
        with open(ntriples, "rb") as fh:  # in chunks: one bulk_load of a whole dump holds ~1 GB in memory
            while chunk := fh.read(32 << 20):
                chunk += fh.readline()
                self.generation += 1
                self.store.bulk_load(chunk, format=RdfFormat.N_TRIPLES, to_graph=graph, lenient=True)


# What a remote store's answers are parsed from: CSV is left out, it does not say which values are IRIs.
RESULTS_TYPES = {mime: fmt for mime, fmt in RESULT_FORMATS.items() if mime != "text/csv"}
GRAPH_TYPES = GRAPH_FORMATS
ACCEPT = ("application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8, "
          "application/sparql-results+xml;q=0.5, application/rdf+xml;q=0.4")


def endpoint_urls(url: str) -> tuple[str, str, str | None]:
    """(query, update, graph store) URLs from the query endpoint's URL, by the servers' path conventions.

    Oxigraph ``…/query`` -> ``…/update``, ``…/store``; Virtuoso ``…/sparql`` -> same, ``…/sparql-graph-crud``;
    GraphDB/RDF4J ``…/repositories/R`` -> ``…/statements``, ``…/rdf-graphs/service``; anything else (QLever)
    takes updates at the same URL and has no graph store. Environment variables override each guess.
    """
    parts = urlsplit(url)
    path = parts.path.rstrip("/")

    def sibling(name: str) -> str:
        return urlunsplit(parts._replace(path=path.rsplit("/", 1)[0] + "/" + name, query=""))

    gsp: str | None
    if path.endswith("/query"):  # Oxigraph; Fuseki's graph store is …/data: set JOBGRAPH_SPARQL_GSP_URL
        update, gsp = sibling("update"), sibling("store")
    elif path.endswith("/sparql"):
        update, gsp = url, sibling("sparql-graph-crud")
    elif "/repositories/" in path:
        base = urlunsplit(parts._replace(path=path, query=""))
        update, gsp = base + "/statements", base + "/rdf-graphs/service"
    else:
        update, gsp = url, None
    update = os.environ.get("JOBGRAPH_SPARQL_UPDATE_URL") or update
    gsp = os.environ.get("JOBGRAPH_SPARQL_GSP_URL", gsp or "") or None
    return url, update, gsp


class SparqlStore:
    """Any SPARQL 1.1 store over HTTP: Oxigraph server, Fuseki, QLever, Virtuoso, GraphDB, ...

    Writes are SPARQL Updates, ``DROP SILENT GRAPH g ; INSERT DATA {…}``, several documents per request
    and never more than ``max_update_bytes``: one request is one transaction, so each document is
    replaced whole or not at all. (A Graph Store Protocol PUT would be one request too, but Oxigraph
    server clears the graph and then loads the body in two steps; ``write="gsp"`` uses PUT anyway, for
    stores where it is atomic.) Graphs are read back with a GSP GET, or a CONSTRUCT where there is no GSP.
    """

    def __init__(self, url: str, update_url: str | None = None, gsp_url: str | None = None,
                 write: str = "update", max_update_bytes: int = 1_000_000, timeout: float = 600.0) -> None:
        import requests  # only remote stores need it

        self.query_url, default_update, default_gsp = endpoint_urls(url)
        self.update_url = update_url or default_update
        self.gsp_url = gsp_url or default_gsp
        self.location = url
        self.write = write
        self.max_update_bytes = max_update_bytes
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "jobgraph (https://w3id.org/jobgraph/)"
        self._requests = requests

    def _request(self, method: str, url: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        try:
            resp = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except self._requests.RequestException as err:
            raise StoreError(f"cannot reach the SPARQL store at {url}: {err}. Is the server running, and is "
                             "the URL its query endpoint (e.g. http://host:7878/query)?") from None
        if resp.status_code == 400:  # the store refused the query or update text, as pyoxigraph would
            raise SyntaxError(f"the store at {url} refused it: {resp.text.strip()[:500]}")
        if resp.status_code >= 400 and not (method == "GET" and resp.status_code == 404):
            raise StoreError(f"the SPARQL store at {url} answered {resp.status_code} {resp.reason}: "
                             f"{resp.text.strip()[:500]}. Check the store's URLs and permissions "
                             "(JOBGRAPH_SPARQL_UPDATE_URL, JOBGRAPH_SPARQL_GSP_URL).")
        return resp

    def query(self, query: str, **options: Any) -> QueryResult:
        """The SPARQL Protocol (POST, ``application/sparql-query``); results parsed by pyoxigraph.

        pyoxigraph's options map onto the protocol: ``default_graph``/``named_graphs`` become
        ``default-graph-uri``/``named-graph-uri``, ``base_iri``/``prefixes`` a prologue, ``substitutions``
        a trailing VALUES clause. The union default graph is the server's setting.
        """
        options.pop("use_default_graph_as_union", None)
        params: list[tuple[str, str]] = []
        for key, name in (("default_graph", "default-graph-uri"), ("named_graphs", "named-graph-uri")):
            value = options.pop(key, None)
            for g in [value] if isinstance(value, NamedNode) else value or []:
                params.append((name, g.value))
        prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (options.pop("prefixes", None) or {}).items())
        if base := options.pop("base_iri", None):
            prologue = f"BASE <{base}>\n" + prologue
        if subs := options.pop("substitutions", None):
            query += "\nVALUES (" + " ".join(str(v) for v in subs) + ") { (" + " ".join(map(str, subs.values())) + ") }"
        if options:
            raise TypeError(f"SparqlStore.query does not support {', '.join(options)}")
        resp = self._request("POST", self.query_url, data=(prologue + query).encode(), params=params,
                             headers={"Content-Type": "application/sparql-query", "Accept": ACCEPT})
        mime = resp.headers.get("Content-Type", "").split(";")[0].strip()
        if mime in RESULTS_TYPES:
            return parse_query_results(resp.content, RESULTS_TYPES[mime])
        if mime in GRAPH_TYPES:  # CONSTRUCT/DESCRIBE: pyoxigraph only makes QueryTriples from a store
            memory = Store()
            memory.load(resp.content, GRAPH_TYPES[mime])
            return memory.query("CONSTRUCT WHERE { ?s ?p ?o }")
        raise StoreError(f"the SPARQL store at {self.query_url} answered with {mime or 'no Content-Type'}, "
                         "which jobgraph cannot read; is this a SPARQL 1.1 query endpoint?")

    def update(self, update: str) -> None:
        self._request("POST", self.update_url, data=update.encode(),
                      headers={"Content-Type": "application/sparql-update"})

    def replace_graph(self, graph: NamedNode, quads: Iterable[Quad]) -> int:
        """Replace one graph in one request (see the class docstring for why an update and not a PUT)."""
        quads = list(quads)
        update, count = replace_update(graph, quads)
        if self.gsp_url and (self.write == "gsp" or len(update) > self.max_update_bytes):
            self._put(graph, quads)
        else:
            self.update(update)
        return count

    def _put(self, graph: NamedNode, quads: list[Quad]) -> None:
        """GSP: shared facts first (added, idempotent), then the document graph in one PUT."""
        own = [q.triple for q in quads if isinstance(q.graph_name, DefaultGraph) or q.graph_name == graph]
        others: dict[NamedNode, list] = {}
        for q in quads:
            if not (isinstance(q.graph_name, DefaultGraph) or q.graph_name == graph):
                others.setdefault(q.graph_name, []).append(q.triple)
        headers = {"Content-Type": "application/n-triples"}
        for other, triples in others.items():
            self._request("POST", self.gsp_url, params={"graph": other.value}, headers=headers,
                          data=serialize(triples, format=RdfFormat.N_TRIPLES))
        self._request("PUT", self.gsp_url, params={"graph": graph.value}, headers=headers,
                      data=serialize(own, format=RdfFormat.N_TRIPLES))

    def write_graphs(self, writes: Sequence[GraphWrite]) -> None:
        """Several documents per update request, each replaced whole: the request is the transaction."""
        batch: list[str] = []
        size = 0
        for w in writes:
            update, _ = replace_update(NamedNode(w.graph), _write_quads(w))
            if self.write == "gsp" or len(update) > self.max_update_bytes:
                self.replace_graph(NamedNode(w.graph), _write_quads(w))
                continue
            if batch and size + len(update) > self.max_update_bytes:
                self.update(" ;\n".join(batch))
                batch, size = [], 0
            batch.append(update)
            size += len(update) + 3
        if batch:
            self.update(" ;\n".join(batch))

    def remove_graph(self, graph: NamedNode) -> None:
        self.update(f"DROP SILENT GRAPH {graph}")

    def graph_sha256(self, graph: NamedNode) -> str | None:
        for sol in self.query(_sha_query(f"VALUES ?g {{ {graph} }}")):
            return sol["sha"].value
        return None

    def source_digests(self) -> Iterator[tuple[str, str]]:
        for sol in self.query(_sha_query()):
            yield sol["g"].value, sol["sha"].value

    def quads(self, graph: NamedNode) -> Iterable[Quad]:
        """A GSP GET of the graph (empty when it does not exist), else a CONSTRUCT over it."""
        if not self.gsp_url:
            result = self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
            return [Quad(t.subject, t.predicate, t.object, graph) for t in result]
        resp = self._request("GET", self.gsp_url, params={"graph": graph.value},
                             headers={"Accept": "application/n-triples"})
        if resp.status_code == 404:
            return []
        return [Quad(q.subject, q.predicate, q.object, graph) for q in parse(resp.content, RdfFormat.N_TRIPLES)]

    def named_graphs(self) -> list[NamedNode]:
        result = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return [sol["g"] for sol in result if isinstance(sol["g"], NamedNode)]

    def __len__(self) -> int:
        """Triples in named graphs (jobgraph writes nothing else; the default graph is their union)."""
        for sol in self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"):
            return int(sol["n"].value)
        return 0

    def flush(self) -> None:
        """Nothing to do: the server persists each request before it answers."""


def open_graph_store(location: str | Path | None) -> GraphStore:
    """``http(s)://…`` -> a SparqlStore (that URL is its query endpoint), anything else -> a folder on disk."""
    text = str(location) if location is not None else os.environ.get("JOBGRAPH_STORE", "")
    if text.startswith(("http://", "https://")):
        return SparqlStore(text, write=os.environ.get("JOBGRAPH_SPARQL_WRITE", "update"))
    return OxigraphStore(Path(text) if text else default_store_path())
