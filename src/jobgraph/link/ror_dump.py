"""ROR data dumps as ROR publishes them (schema v2 or v1 JSON, zipped or not) -> RDF in ``graph/ror``.

Records are streamed (ijson) so memory stays flat whatever the dump's size. v1 records are first turned
into the v2 shape, so the rest of jobgraph (RDF, matching, the ROR-compatible API) knows one shape only;
each record's v2 JSON is kept as a ``jg:rorRecord`` literal, which is what the API routes answer with.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import IO, Any

import ijson
from pyoxigraph import NamedNode, RdfFormat, parse

from ..vocab import DCT, JG, OWL, RDF, SCHEMA, SKOS, XSD, graph_iri

Record = dict[str, Any]
RDF_JSON = RDF.JSON
GEONAMES = "https://sws.geonames.org/{}/"
WIKIDATA = "http://www.wikidata.org/entity/{}"
EXTERNAL_IDS = {"isni": str(JG.isni), "grid": str(JG.grid), "fundref": str(JG.fundref)}
RELATIONSHIPS = {"parent": str(SCHEMA.parentOrganization), "child": str(SCHEMA.subOrganization),
                 "related": str(JG.relatedOrganization), "successor": str(DCT.isReplacedBy),
                 "predecessor": str(DCT.replaces)}


class DumpError(ValueError):
    """A file that is not a ROR dump, or a record that breaks the schema; the message says what to do."""


# --- reading ------------------------------------------------------------------------------------------

@contextmanager
def _open_dump(path: Path) -> Iterator[IO[bytes]]:
    """The JSON inside: ROR's zips hold a v1 and a ``*_schema_v2.json`` file; the v2 one is preferred."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            members = [n for n in zf.namelist() if n.endswith(".json")]
            if not members:
                raise DumpError(f"{path}: the zip holds no .json file; is it a ROR data dump (ror-data.zip)?")
            member = next((n for n in members if "schema_v2" in n), members[0])
            with zf.open(member) as fh:
                yield fh
    else:
        with open(path, "rb") as fh:
            yield fh


def read_dump(path: str | Path) -> Iterator[Record]:
    """The records of a dump, one at a time, each in the v2 shape (v1 records converted)."""
    path = Path(path)
    with _open_dump(path) as fh:
        try:
            for n, rec in enumerate(ijson.items(fh, "item", use_float=True)):
                if not isinstance(rec, dict) or not str(rec.get("id", "")).startswith("https://ror.org/"):
                    raise DumpError(f"{path}: record {n} has no ROR id ('id': 'https://ror.org/…'); "
                                    "is this a ROR data dump?")
                yield rec if "names" in rec else v1_to_v2(rec)
        except ijson.JSONError as err:
            raise DumpError(f"{path}: not valid JSON ({err}); download the dump again") from None


def schema_version(path: Path) -> int:
    """2 or 1, from a dump's first record (ROR's zips hold the same records in both schemas)."""
    with _open_dump(path) as fh:
        try:
            first = next(ijson.items(fh, "item"), None)
        except ijson.JSONError:
            return 2  # read_dump says what is wrong with it
    return 1 if isinstance(first, dict) and "names" not in first else 2


def v1_to_v2(rec: Record) -> Record:
    """A schema v1 record in the v2 layout (names[], locations[], external_ids[], lower-case types)."""
    names = [{"value": rec["name"], "types": ["ror_display", "label"], "lang": None}]
    names += [{"value": a, "types": ["alias"], "lang": None} for a in rec.get("aliases") or []]
    names += [{"value": a, "types": ["acronym"], "lang": None} for a in rec.get("acronyms") or []]
    names += [{"value": lab["label"], "types": ["label"], "lang": lab.get("iso639")} for lab in rec.get("labels") or []]
    links = [{"type": "website", "value": v} for v in rec.get("links") or [] if v]
    if rec.get("wikipedia_url"):
        links.append({"type": "wikipedia", "value": rec["wikipedia_url"]})
    external = []
    for kind, ids in (rec.get("external_ids") or {}).items():
        if kind.lower() in ("isni", "grid", "fundref", "wikidata") and ids:
            every = ids.get("all") or []
            external.append({"type": kind.lower(), "all": [every] if isinstance(every, str) else list(every),
                             "preferred": ids.get("preferred")})
    country = rec.get("country") or {}
    locations = []
    for addr in (rec.get("addresses") or [])[:1]:
        city = addr.get("geonames_city") or {}
        admin1 = city.get("geonames_admin1") or {}
        locations.append({"geonames_id": city.get("id"), "geonames_details": {
            "name": city.get("city") or addr.get("city"), "lat": addr.get("lat"), "lng": addr.get("lng"),
            "country_code": country.get("country_code"), "country_name": country.get("country_name"),
            "country_subdivision_name": admin1.get("name"),
            "country_subdivision_code": (admin1.get("code") or "").rpartition(".")[2] or None,
            "continent_code": None, "continent_name": None}})
    return {
        "id": rec["id"], "names": names, "status": rec.get("status", "active"),
        "types": [t.lower() for t in rec.get("types") or []], "established": rec.get("established"),
        "links": links, "domains": list(rec.get("domains") or []), "locations": locations,
        "external_ids": external,
        "relationships": [{**r, "type": r.get("type", "").lower()} for r in rec.get("relationships") or []],
        "admin": {"created": {"date": None, "schema_version": "1.0"},
                  "last_modified": {"date": None, "schema_version": "1.0"}},
    }


def display_name(rec: Record) -> str:
    names = rec["names"]
    return next((n["value"] for n in names if "ror_display" in n.get("types", [])), names[0]["value"])


# --- RDF ----------------------------------------------------------------------------------------------
# Written as N-Triples text, not pyoxigraph terms: for 100k records string formatting plus Oxigraph's own
# bulk loader is several times faster than building a million Quad objects in Python.

IRI_OK = re.compile(r'^https?://[^\x00-\x20<>"{}|^`\\]+$')
LANG_OK = re.compile(r"^[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*$")


class _Terms:
    """A namespace's terms as N-Triples text, each made once (``_S.name`` == "<http://schema.org/name>")."""

    def __init__(self, namespace: Any) -> None:
        self.namespace = namespace

    def __getattr__(self, name: str) -> str:
        value = str(getattr(self.namespace, name))
        setattr(self, name, value)
        return value


_S, _J, _R, _K, _O, _D, _X = (_Terms(ns) for ns in (SCHEMA, JG, RDF, SKOS, OWL, DCT, XSD))
_RDF_JSON = str(RDF_JSON)


def _lit(value: object, datatype: str | None = None, lang: str | None = None) -> str:
    text = encode_basestring(str(value))  # a JSON string is a valid N-Triples string
    if lang and LANG_OK.match(lang):
        return f"{text}@{lang}"
    return f"{text}^^{datatype}" if datatype else text


def _iri(value: str) -> str | None:
    value = value.strip()
    return f"<{value}>" if IRI_OK.match(value) else None


def record_ntriples(rec: Record, text: str | None = None) -> list[str]:
    """One v2 record as N-Triples lines: schema.org where it has terms, SKOS labels with language tags,
    ``jg:`` terms for the rest, and the record's JSON itself (``jg:rorRecord``) for the API routes."""
    s = _iri(rec["id"])
    if not s:
        raise DumpError(f"{rec['id']!r} is not a ROR IRI")
    out = [f"{s} {_R.type} {_S.Organization} .", f"{s} {_S.identifier} {_lit(rec['id'])} .",
           f"{s} {_S.name} {_lit(display_name(rec))} ."]
    for n in rec["names"]:
        types, value = n.get("types", []), _lit(n["value"], lang=n.get("lang"))
        if "acronym" in types:
            out.append(f"{s} {_J.acronym} {_lit(n['value'])} .")
        elif "ror_display" in types:
            out.append(f"{s} {_K.prefLabel} {value} .")
        else:  # labels in other languages, and aliases
            out.append(f"{s} {_K.altLabel} {value} .")
            if "alias" in types:
                out.append(f"{s} {_S.alternateName} {value} .")
    out += [f"{s} {_J.organizationType} {_lit(kind)} ." for kind in rec.get("types", [])]
    out.append(f"{s} {_J.status} {_lit(rec.get('status', 'active'))} .")
    if rec.get("established"):
        out.append(f"{s} {_S.foundingDate} {_lit(rec['established'], _X.gYear)} .")
    for link in rec.get("links", []):
        if target := _iri(link.get("value") or ""):
            out.append(f"{s} {_S.sameAs if link.get('type') == 'wikipedia' else _S.url} {target} .")
    out += [f"{s} {_J.domain} {_lit(domain)} ." for domain in rec.get("domains", [])]
    for loc in rec.get("locations", []):
        geo = loc.get("geonames_details") or {}
        if geo.get("country_code"):
            out.append(f"{s} {_S.addressCountry} {_lit(geo['country_code'])} .")
        if loc.get("geonames_id"):
            place = f"<{GEONAMES.format(int(loc['geonames_id']))}>"
            out += [f"{s} {_S.location} {place} .", f"{place} {_R.type} {_S.Place} ."]
            for prop, key, kind in ((_S.name, "name", None), (_S.addressCountry, "country_code", None),
                                    (_S.addressRegion, "country_subdivision_name", None),
                                    (_S.latitude, "lat", _X.double), (_S.longitude, "lng", _X.double)):
                if geo.get(key) is not None:
                    out.append(f"{place} {prop} {_lit(geo[key], kind)} .")
    for ext in rec.get("external_ids", []):
        kind = ext.get("type")
        for value in ext.get("all") or []:
            if kind == "wikidata" and (target := _iri(WIKIDATA.format(value))):
                out.append(f"{s} {_O.sameAs} {target} .")
            elif kind in EXTERNAL_IDS:
                out.append(f"{s} {EXTERNAL_IDS[kind]} {_lit(value)} .")
    for rel in rec.get("relationships", []):
        prop = RELATIONSHIPS.get(rel.get("type", "").lower())
        if prop and (target := _iri(rel.get("id") or "")):
            out.append(f"{s} {prop} {target} .")
    if modified := ((rec.get("admin") or {}).get("last_modified") or {}).get("date"):
        out.append(f"{s} {_D.modified} {_lit(modified, _X.date)} .")
    out.append(f"{s} {_J.rorRecord} {_lit(text or record_json(rec), _RDF_JSON)} .")
    return out


def record_json(rec: Record) -> str:
    return json.dumps(rec, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def stored_json(store: Any, graph: NamedNode | None = None, iri: str | None = None) -> Iterator[tuple[Any, Any]]:
    """(ROR IRI, JSON literal) of the records in the store (any GraphStore: it asks in SPARQL)."""
    pattern = f"VALUES ?s {{ <{iri}> }} " if iri else ""
    graph = graph or graph_iri("ror")
    rows = store.query(f"SELECT ?s ?j WHERE {{ {pattern}GRAPH {graph} {{ ?s {JG.rorRecord} ?j }} }}")
    for row in rows:
        yield row[0], row[1]


def stored_records(store: Any, graph: NamedNode | None = None) -> Iterator[Record]:
    """The v2 JSON of every record in the store, to build the matching index and answer the API."""
    for _, j in stored_json(store, graph):
        yield json.loads(j.value)


def is_ror_dump(path: Path) -> bool:
    """Whether a file looks like a ROR dump (a zip holding JSON, or a JSON array of ROR records)."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            return any(n.endswith(".json") for n in zf.namelist())
    with open(path, "rb") as fh:
        head = fh.read(4096)
    return head.lstrip().startswith(b"[") and b'"https://ror.org/' in head


# --- import -------------------------------------------------------------------------------------------

@dataclass
class ImportSummary:
    records: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    triples: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (f"{self.records} ROR records: {self.added} added, {self.changed} changed, {self.unchanged} unchanged, "
                f"{self.removed} removed; {self.triples} triples written in {self.seconds:.1f} s")


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).digest()


def import_dumps(store: Any, paths: Iterable[Path], progress: Callable[[int], None] = lambda n: None,
                 graph: NamedNode | None = None, remove_missing: bool = True) -> ImportSummary:
    """Make ``graph/ror`` hold exactly the records of these dump files (v1 and v2 files may be mixed), or with
    ``remove_missing=False`` add and update them, keeping the others (``ingest`` of data/ after a full import).

    Incremental: a record whose JSON is unchanged is not rewritten, so importing the next ROR release touches
    only what changed. The whole input is read and converted (to a temporary N-Triples file) before the store
    is touched, so a broken dump leaves the registry as it was.
    """
    started = time.perf_counter()
    graph = graph or graph_iri("ror")
    old = {s.value: _digest(j.value) for s, j in stored_json(store, graph)}
    summary, seen, replace = ImportSummary(), set(), []
    paths = sorted(paths, key=schema_version, reverse=True)  # an id in a v2 and a v1 file: the v2 record wins
    with tempfile.NamedTemporaryFile("w", suffix=".nt", encoding="utf-8", delete=False) as out:
        tmp = Path(out.name)
        try:
            for path in paths:
                for rec in read_dump(path):
                    summary.records += 1
                    progress(1)
                    iri = rec["id"]
                    if iri in seen:
                        continue
                    seen.add(iri)
                    before, text = old.get(iri), record_json(rec)
                    if before == _digest(text):
                        summary.unchanged += 1
                        continue
                    if before is None:
                        summary.added += 1
                    else:
                        summary.changed += 1
                        replace.append(NamedNode(iri))
                    lines = record_ntriples(rec, text)
                    summary.triples += len(lines)
                    out.write("\n".join(lines))
                    out.write("\n")
        except BaseException:
            out.close()
            tmp.unlink()
            raise
    try:
        gone = [NamedNode(iri) for iri in old if iri not in seen] if remove_missing else []
        summary.removed = len(gone)
        _write(store, graph, [*replace, *gone], tmp)
    finally:
        tmp.unlink()
    summary.seconds = time.perf_counter() - started
    return summary


def _write(store: Any, graph: NamedNode, remove: list[NamedNode], ntriples: Path) -> None:
    """Through the store's bulk path when it has one (OxigraphStore), else as one graph replacement."""
    if hasattr(store, "bulk_update_graph"):
        store.bulk_update_graph(graph, remove, ntriples)
        return
    drop = {s.value for s in remove}
    kept = [q for q in store.quads(graph) if q.subject.value not in drop]
    with open(ntriples, "rb") as fh:
        store.replace_graph(graph, [*kept, *parse(fh, RdfFormat.N_TRIPLES)])  # default-graph quads go into graph


def add_records(store: Any, records: Iterable[Record], graph: NamedNode | None = None) -> int:
    """Single records (fetched from the ROR API) into ``graph/ror``, replacing what it held about them."""
    graph = graph or graph_iri("ror")
    records = list(records)
    if not records:
        return 0
    with tempfile.NamedTemporaryFile("w", suffix=".nt", encoding="utf-8", delete=False) as out:
        lines = [line for rec in records for line in record_ntriples(rec)]
        out.write("\n".join(lines) + "\n")
    try:
        _write(store, graph, [NamedNode(rec["id"]) for rec in records], Path(out.name))
    finally:
        Path(out.name).unlink()
    return len(lines)
