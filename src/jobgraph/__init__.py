"""jobgraph: job postings of research and open-science employers as a knowledge graph.

Data flows one way: read -> extract -> link -> rdf -> store -> serve/export.
"""

__version__ = "0.1.0"
