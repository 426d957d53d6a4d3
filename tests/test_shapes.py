"""The ontology parses, and every ingested posting satisfies the SHACL shapes (pyshacl)."""

from __future__ import annotations

import rdflib
from pyoxigraph import RdfFormat
from pyshacl import validate

from jobgraph.store import OxigraphStore

from .conftest import ROOT


def _union_graph(store: OxigraphStore) -> rdflib.Graph:
    data = store.store.dump(format=RdfFormat.N_QUADS)
    dataset = rdflib.Dataset()
    dataset.parse(data=data.decode(), format="nquads")
    union = rdflib.Graph()
    for s, p, o, _ in dataset.quads():
        union.add((s, p, o))
    return union


def test_ontology_and_shapes_parse() -> None:
    onto = rdflib.Graph().parse(ROOT / "ontology" / "jobgraph.ttl")
    assert (rdflib.URIRef("https://w3id.org/jobgraph/ns#SkillRequirement"), rdflib.RDF.type,
            rdflib.OWL.Class) in onto
    rdflib.Graph().parse(ROOT / "ontology" / "shapes.ttl")


def test_ingested_postings_conform(seeds_store: OxigraphStore) -> None:
    shapes = rdflib.Graph().parse(ROOT / "ontology" / "shapes.ttl")
    conforms, _, report = validate(_union_graph(seeds_store), shacl_graph=shapes, inference="none")
    assert conforms, report


def test_shapes_catch_a_broken_posting(seeds_store: OxigraphStore) -> None:
    data = _union_graph(seeds_store)
    posting = next(data.subjects(rdflib.RDF.type, rdflib.URIRef("http://schema.org/JobPosting")))
    data.add((posting, rdflib.URIRef("http://schema.org/title"), rdflib.Literal("a second title")))
    shapes = rdflib.Graph().parse(ROOT / "ontology" / "shapes.ttl")
    conforms, _, report = validate(data, shacl_graph=shapes, inference="none")
    assert not conforms and "exactly one title" in report
