"""The RDF vocabulary jobgraph speaks, defined once.

Every other module takes its namespaces, terms and IRI-minting rules from here, so the ontology in
``ontology/jobgraph.ttl`` and the data the code writes cannot drift apart.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata

from pyoxigraph import NamedNode


class Namespace:
    """A namespace IRI whose attributes are pyoxigraph NamedNodes: ``SCHEMA.JobPosting``.

    Not a ``str`` subclass, so that terms such as ``DCT.title`` or ``DCT.format`` are never str methods.
    """

    def __init__(self, iri: str) -> None:
        self.iri = iri

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        node = NamedNode(self.iri + name)
        setattr(self, name, node)  # made once: the RDF stage names ~100 terms per posting
        return node

    def term(self, name: str) -> NamedNode:
        return NamedNode(self.iri + name)

    def __str__(self) -> str:
        return self.iri

    def __repr__(self) -> str:
        return f"Namespace({self.iri!r})"


# Reused vocabularies. schema.org's own JSON-LD context maps terms to http://schema.org/.
SCHEMA = Namespace("http://schema.org/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
PROV = Namespace("http://www.w3.org/ns/prov#")
DCT = Namespace("http://purl.org/dc/terms/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VOID = Namespace("http://rdfs.org/ns/void#")
ROR = Namespace("https://ror.org/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ESCO = Namespace("http://data.europa.eu/esco/model#")  # ESCO's own model terms (skillType, ...)

# jobgraph's own terms, minted only where no reused vocabulary has one (see ontology/jobgraph.ttl).
JG = Namespace("https://w3id.org/jobgraph/ns#")

PREFIXES: dict[str, str] = {
    "schema": str(SCHEMA),
    "skos": str(SKOS),
    "prov": str(PROV),
    "dcterms": str(DCT),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "owl": str(OWL),
    "jg": str(JG),
    "ror": str(ROR),
    "esco": str(ESCO),
}

DEFAULT_BASE_IRI = "https://w3id.org/jobgraph/"


def base_iri() -> str:
    """The base under which instance IRIs are minted (``JOBGRAPH_BASE_IRI``), always ending in '/'."""
    base = os.environ.get("JOBGRAPH_BASE_IRI", DEFAULT_BASE_IRI)
    return base if base.endswith("/") else base + "/"


def sparql_prefixes(extra: dict[str, str] | None = None) -> str:
    """PREFIX lines for every namespace above, for queries written in code."""
    items = {**PREFIXES, **(extra or {})}
    return "".join(f"PREFIX {k}: <{v}>\n" for k, v in items.items())


def short_hash(text: str, length: int = 16) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def slug(text: str) -> str:
    """A readable, IRI-safe slug: 'Open Data Services Co-operative' -> 'open-data-services-co-operative'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or short_hash(text, 8)


# --- IRI minting: one rule per kind of thing --------------------------------------------------------

def source_iri(source_key: str) -> NamedNode:
    """The named graph (and prov:Entity) of one source document, keyed by its URL or path."""
    return NamedNode(f"{base_iri()}source/{short_hash(source_key)}")


def posting_iri(source_key: str, index: int) -> NamedNode:
    return NamedNode(f"{base_iri()}posting/{short_hash(source_key)}-{index}")


def organization_iri(name: str) -> NamedNode:
    """An employer with no ROR id gets a jobgraph IRI; one with a ROR id is named by the ROR IRI itself."""
    return NamedNode(f"{base_iri()}org/{slug(name)}")


def skill_iri(label: str) -> NamedNode:
    return NamedNode(f"{base_iri()}skill/{slug(label)}")


def graph_iri(name: str) -> NamedNode:
    """Named graphs that are not source documents: 'ror', 'skills', 'ontology', 'esco', 'datacite'."""
    return NamedNode(f"{base_iri()}graph/{name}")


def node_iri(parent: NamedNode, part: str) -> NamedNode:
    """A skolem-style IRI for a structured value of a posting (salary, place, requirement, evidence).

    Named rather than blank nodes so that re-ingesting a document produces the very same triples and
    every fact stays addressable for provenance queries.
    """
    return NamedNode(f"{parent.value}#{part}")
