"""The media types jobgraph reads and writes, defined once: results of SELECT/ASK and RDF graphs.

The endpoint negotiates over these, ``jobgraph query`` writes them, and ``SparqlStore`` parses them back
from a remote store, so a format added here is offered everywhere.
"""

from __future__ import annotations

from pyoxigraph import QueryResultsFormat, RdfFormat

RESULT_FORMATS = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/n-quads": RdfFormat.N_QUADS,
    "application/trig": RdfFormat.TRIG,
}
# Short names for a ``format`` parameter or option (browsers cannot set Accept on a link).
SHORT_NAMES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
               "csv": "text/csv", "tsv": "text/tab-separated-values", "turtle": "text/turtle",
               "ttl": "text/turtle", "nt": "application/n-triples", "ntriples": "application/n-triples",
               "rdfxml": "application/rdf+xml", "jsonld": "application/ld+json",
               "nquads": "application/n-quads", "trig": "application/trig"}
