"""Linked data out: what one IRI says about itself, and the whole store as a dump.

Both the IRI pages (``jobgraph.web.resources``) and the dumps (``jobgraph export``, ``/export``) serialise
through here, so a posting reads the same in every format. N-Triples, N-Quads, Turtle and TriG are written
in batches of quads as they are read from the store (memory stays flat however large the store is);
JSON-LD is compacted with the context the project publishes (``data/context.jsonld``), one named graph at
a time, since compaction needs a graph as a whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from itertools import islice
from pathlib import Path

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Triple, serialize

from .store import GraphStore
from .vocab import DCT, JG, PREFIXES, PROV, SCHEMA, SKOS, sparql_prefixes

CONTEXT_PATH = Path(__file__).resolve().parents[2] / "data" / "context.jsonld"
BATCH = 5000


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    rdf: RdfFormat
    dataset: bool  # holds named graphs (N-Quads, TriG, JSON-LD) or triples only (Turtle, N-Triples)
    suffix: str


FORMATS = {f.name: f for f in (
    Format("turtle", "text/turtle", RdfFormat.TURTLE, False, "ttl"),
    Format("ntriples", "application/n-triples", RdfFormat.N_TRIPLES, False, "nt"),
    Format("nquads", "application/n-quads", RdfFormat.N_QUADS, True, "nq"),
    Format("trig", "application/trig", RdfFormat.TRIG, True, "trig"),
    Format("jsonld", "application/ld+json", RdfFormat.JSON_LD, True, "jsonld"),
)}
ALIASES = {"ttl": "turtle", "nt": "ntriples", "nq": "nquads", "json-ld": "jsonld", "json": "jsonld"}


class ExportError(ValueError):
    """An unknown format or graph; the message says what exists."""


def get_format(name: str) -> Format:
    key = ALIASES.get(name.lower(), name.lower())
    if key not in FORMATS:
        raise ExportError(f"unknown format {name!r}: choose one of {', '.join(FORMATS)}")
    return FORMATS[key]


@cache
def context() -> dict:
    """The published JSON-LD context (schema.org as @vocab, so schema.org consumers read the same terms)."""
    return json.loads(CONTEXT_PATH.read_text(encoding="utf-8"))["@context"]


# --- one resource -----------------------------------------------------------------------------------

LABELS = (SCHEMA.name, SKOS.prefLabel)


def describe(store: GraphStore, iri: str) -> list[Triple]:
    """The IRI's own statements, those of its fragment nodes (``<iri#salary>``, two levels deep), and the
    names of what it links to: a bounded description a client can use without a second request."""
    node = NamedNode(iri)  # raises ValueError on a malformed IRI
    frag = Literal(iri + "#")
    query = sparql_prefixes() + f"""
CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ VALUES ?s {{ {node} }} ?s ?p ?o }}
  UNION {{ {node} ?p1 ?s . FILTER(isIRI(?s) && STRSTARTS(STR(?s), {frag})) ?s ?p ?o }}
  UNION {{ {node} ?p1 ?x . FILTER(isIRI(?x) && STRSTARTS(STR(?x), {frag}))
           ?x ?p2 ?s . FILTER(isIRI(?s) && STRSTARTS(STR(?s), {frag})) ?s ?p ?o }}
  UNION {{ {node} ?p1 ?s . FILTER(isIRI(?s) && !STRSTARTS(STR(?s), {frag}))
           VALUES ?p {{ {' '.join(map(str, LABELS))} }} ?s ?p ?o }}
}}"""
    triples: list[Triple] = list(store.query(query))  # type: ignore[arg-type]
    return sorted(triples, key=lambda t: (t.subject.value, t.predicate.value, str(t.object)))


class Description:
    """A described resource for reading: ``d.first(SCHEMA.title)``, ``d.all(SCHEMA.skills)``, ``d.label(iri)``."""

    def __init__(self, iri: str, triples: list[Triple]) -> None:
        self.iri, self.triples = iri, triples
        self._by: dict[tuple[str, str], list] = {}
        for t in triples:
            self._by.setdefault((t.subject.value, t.predicate.value), []).append(t.object)

    def all(self, predicate: NamedNode, subject: str | None = None) -> list:
        return self._by.get((subject or self.iri, predicate.value), [])

    def first(self, predicate: NamedNode, subject: str | None = None) -> str | None:
        """The first value's lexical form (or IRI), or None."""
        values = self.all(predicate, subject)
        return values[0].value if values else None

    def label(self, iri: str) -> str:
        return next((v for p in LABELS if (v := self.first(p, iri))), iri)


def exists(store: GraphStore, iri: str) -> bool:
    """Known when anything is said about the IRI or links to it (a ROR organisation named by postings)."""
    node = NamedNode(iri)
    return bool(store.query(f"ASK {{ {{ {node} ?p ?o }} UNION {{ ?s ?p {node} }} }}"))


def serialize_triples(triples: Iterable[Triple], fmt: Format) -> bytes:
    """One resource's description in any format (JSON-LD compacted with the published context)."""
    if fmt.name == "jsonld":
        return json.dumps(_compact(list(triples)), indent=2, ensure_ascii=False).encode()
    return serialize(triples, format=fmt.rdf, prefixes=PREFIXES if fmt.name in ("turtle", "trig") else None)


def _compact(triples: list[Triple]) -> dict:
    """``{"@context": …, "@graph": [nodes]}`` with schema.org terms unprefixed. Literals keep their exact
    lexical form and datatype: rdflib's JSON-LD writer would turn ``"1"^^xsd:double`` into the JSON number
    1, which reads back as an xsd:integer, so its converter runs with native types off."""
    import rdflib
    from rdflib.plugins.serializers.jsonld import Converter
    from rdflib.plugins.shared.jsonld.context import Context

    g = rdflib.Graph()
    for t in triples:
        g.add((_rdflib(t.subject), _rdflib(t.predicate), _rdflib(t.object)))
    converter = Converter(Context(context()), use_native_types=False, use_rdf_type=False)
    converter.use_native_types = False  # its constructor forces them on whenever a context is active
    nodes = converter.convert(g)
    if isinstance(nodes, dict):
        nodes = nodes.get("@graph", [nodes])
    return {"@context": context(), "@graph": nodes}


def _rdflib(term):  # type: ignore[no-untyped-def]
    """A pyoxigraph term as rdflib's, literals unnormalised ("1"^^xsd:double stays "1", not "1.0")."""
    import rdflib

    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, Literal):
        lang, kind = term.language, term.datatype.value
        plain = lang or kind == "http://www.w3.org/2001/XMLSchema#string"
        return rdflib.Literal(term.value, lang=lang, datatype=None if plain else kind, normalize=False)
    return rdflib.BNode(term.value)


# --- the whole store --------------------------------------------------------------------------------

def graphs_of(store: GraphStore, graph: str | None) -> list[NamedNode | DefaultGraph]:
    """The graphs to dump: the one asked for (which must exist) or every named graph plus the default graph."""
    names = store.named_graphs()
    if graph is None:
        return [DefaultGraph(), *sorted(names, key=lambda g: g.value)]
    wanted = NamedNode(graph)
    if wanted not in names:
        raise ExportError(f"no graph <{graph}> in the store; `jobgraph query 'SELECT DISTINCT ?g WHERE "
                          "{ GRAPH ?g {} }'` lists the graphs")
    return [wanted]


def stream(store: GraphStore, fmt: Format, graph: str | None = None) -> Iterator[bytes]:
    """The dump as chunks of bytes, each a valid document of the format (concatenation stays valid:
    repeated prefix lines and repeated ``GRAPH <g> { }`` blocks are allowed by Turtle and TriG).

    Without a graph, Turtle and N-Triples hold the union of all graphs (what queries see), and the
    dataset formats every named graph. Raises ExportError at once for an unknown graph, before any byte.
    """
    targets = graphs_of(store, graph)
    return _stream_jsonld(store, targets) if fmt.name == "jsonld" else _stream_rdf(store, targets, fmt)


def _stream_rdf(store: GraphStore, targets: list, fmt: Format) -> Iterator[bytes]:
    prefixes = PREFIXES if fmt.name in ("turtle", "trig") else None
    for g in targets:
        quads: Iterator[Quad] = iter(store.quads(g))  # type: ignore[arg-type]
        while batch := list(islice(quads, BATCH)):
            if prefixes:  # Turtle and TriG group a subject's statements only when they are adjacent
                batch.sort(key=lambda q: (q.subject.value, q.predicate.value, str(q.object)))
            items = batch if fmt.dataset else [q.triple for q in batch]
            yield serialize(items, format=fmt.rdf, prefixes=prefixes)


def _stream_jsonld(store: GraphStore, targets: list) -> Iterator[bytes]:
    """``{"@context": …, "@graph": [ {"@id": g, "@graph": […]}, … ]}``, written one graph at a time."""
    ctx = json.dumps(context(), ensure_ascii=False)
    yield f'{{"@context": {ctx},\n "@graph": [\n'.encode()
    first = True
    for g in targets:
        triples = [q.triple for q in store.quads(g)]
        if not triples:
            continue
        doc = _compact(triples)
        items = doc["@graph"] if isinstance(g, DefaultGraph) else [{"@id": g.value, "@graph": doc["@graph"]}]
        for item in items:
            yield (b"" if first else b",\n") + json.dumps(item, ensure_ascii=False).encode()
            first = False
    yield b"\n]}\n"


# --- a posting as a record (for its HTML page, its schema.org JSON-LD and its DataCite metadata) ----------

def posting_record(store: GraphStore, d: Description) -> dict:
    """The fields of a stored posting, read back from its description, with its source document's."""
    s = d.iri
    org = d.first(SCHEMA.hiringOrganization)
    source = d.first(PROV.wasDerivedFrom)
    src = Description(source, describe(store, source)) if source else None
    place = d.first(SCHEMA.jobLocation)
    salary = d.first(SCHEMA.baseSalary)
    value = d.first(SCHEMA.value, salary) if salary else None
    skills = []
    for req in d.all(JG.requirement):
        concept = d.first(JG.skill, req.value)
        level = d.first(JG.level, req.value) or ""
        if concept:
            skills.append({"iri": concept, "label": d.label(concept), "level": level.rsplit("#", 1)[-1]})
    ror = org if org and org.startswith("https://ror.org/") else None
    return {
        "iri": s,
        "title": d.first(SCHEMA.title),
        "language": next((v.language for v in d.all(SCHEMA.title) if getattr(v, "language", None)), None),
        "description": d.first(SCHEMA.description),
        "employer": {"iri": org, "name": d.label(org) if org else d.first(JG.employerName), "ror": ror,
                     "country": _country(store, org) if org else None}
        if org or d.first(JG.employerName) else None,
        "unit": d.first(JG.employerUnit),
        "location": d.first(SCHEMA.name, place) if place else None,
        "country": d.first(SCHEMA.addressCountry, place) if place else None,
        "remote": d.first(JG.remote) == "true",
        "arrangement": d.first(JG.workArrangement),
        "regions": [v.value for v in d.all(SCHEMA.applicantLocationRequirements)],
        "date_posted": d.first(SCHEMA.datePosted),
        "valid_through": d.first(SCHEMA.validThrough),
        "start_date": d.first(SCHEMA.jobStartDate),
        "interview_date": d.first(JG.interviewDate),
        "employment_text": d.first(JG.employmentTypeText),
        "employment_types": sorted(v.value for v in d.all(SCHEMA.employmentType)),
        "duration": d.first(JG.contractDuration),
        "hours": d.first(SCHEMA.workHours),
        "salary_text": d.first(JG.salaryText),
        "salary": {"currency": d.first(SCHEMA.currency, salary), "min": d.first(SCHEMA.minValue, value),
                   "max": d.first(SCHEMA.maxValue, value), "unit": d.first(SCHEMA.unitText, value)}
        if salary and value else None,
        "responsibilities": [v.value for v in d.all(SCHEMA.responsibilities)],
        "qualifications": [v.value for v in d.all(SCHEMA.qualifications)],
        "desirable": [v.value for v in d.all(JG.desirableQualification)],
        "skills": skills,
        "apply": d.first(SCHEMA.url),
        "contacts": [v.value for v in d.all(JG.contactEmail)],
        "source": {"iri": source, "url": src.first(DCT.source), "title": src.first(DCT.title),
                   "publisher": src.first(DCT.publisher), "generated": src.first(PROV.generatedAtTime)}
        if src else None,
    }


def _country(store: GraphStore, org: str) -> str | None:
    for sol in store.query(f"SELECT ?c WHERE {{ {NamedNode(org)} {SCHEMA.addressCountry} ?c }} LIMIT 1"):
        return sol["c"].value
    return None


def schema_org(rec: dict) -> dict:
    """The posting as Google's JobPosting structured data wants it: nested objects rather than our
    fragment IRIs; datePosted (the harvest date when the posting states none); a jobLocation (the
    employer's country when the posting names no place) and, for remote work, jobLocationType
    TELECOMMUTE with applicantLocationRequirements (the regions it names, else its country)."""
    job: dict = {"@context": "https://schema.org/", "@type": "JobPosting", "@id": rec["iri"], "url": rec["iri"],
                 "title": rec["title"], "description": rec["description"]}
    posted = rec["date_posted"] or ((rec["source"] or {}).get("generated") or "")[:10] or None
    if posted:
        job["datePosted"] = posted
    if emp := rec["employer"]:
        org = {"@type": "Organization", "name": emp["name"]}
        if emp["ror"]:
            org["sameAs"] = emp["ror"]
        if emp["iri"]:
            org["@id"] = emp["iri"]
        job["hiringOrganization"] = org
    country = rec["country"] or (None if rec["location"] or rec["remote"] else (rec["employer"] or {}).get("country"))
    if rec["location"] or country:  # a posting that names no place is at its employer's (ROR) address
        address = {"@type": "PostalAddress"}
        if rec["location"]:
            address["addressLocality"] = rec["location"]
        if country:
            address["addressCountry"] = country
        job["jobLocation"] = {"@type": "Place", "address": address}
    if rec["remote"]:
        job["jobLocationType"] = "TELECOMMUTE"
        regions = rec["regions"] or ([rec["country"]] if rec["country"] else [])
        if regions:
            job["applicantLocationRequirements"] = [{"@type": "AdministrativeArea", "name": r} for r in regions]
    for key, field in (("validThrough", "valid_through"), ("jobStartDate", "start_date"), ("workHours", "hours")):
        if rec[field]:
            job[key] = rec[field]
    if rec["employment_types"]:
        job["employmentType"] = rec["employment_types"]
    if sal := rec["salary"]:
        value = {"@type": "QuantitativeValue"}
        for key in ("min", "max"):
            if sal[key] is not None:
                value[f"{key}Value"] = float(sal[key])
        if sal["unit"]:
            value["unitText"] = sal["unit"]
        job["baseSalary"] = {"@type": "MonetaryAmount", "currency": sal["currency"], "value": value}
    if rec["skills"]:
        job["skills"] = sorted({s["label"] for s in rec["skills"]})
    if rec["qualifications"]:
        job["qualifications"] = "\n".join(rec["qualifications"])
    if rec["responsibilities"]:
        job["responsibilities"] = "\n".join(rec["responsibilities"])
    return job
