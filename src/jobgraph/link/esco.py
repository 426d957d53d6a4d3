"""ESCO's skills pillar as SKOS quads, read from the official CSV export (``../shared/skills/esco``).

ESCO (European Skills, Competences, Qualifications and Occupations) is published by the European Commission;
reuse is authorised under Commission Decision 2011/833/EU with attribution: "This service uses the ESCO
classification of the European Commission." The one-row-per-skill table used here
(``skills_en.v1.2.0.reconstructed.csv``) is derived from the official files (see its README), so the graph
says it is a modified version.

What is read: every skill (``KnowledgeSkillCompetence``: prefLabel, altLabels, description, skill type, reuse
level), every skill group, the ``skos:broader`` relations of both (``broaderRelationsSkillPillar_en.csv``), and
the concept schemes with their members (the digital, green, transversal, language and research collections are
concept schemes in ESCO; ``conceptSchemes_en.csv`` lists each one's members in ``hasTopConcept``). Nothing is
minted: every IRI is one ESCO publishes.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from ..vocab import DCT, ESCO, RDF, SKOS, graph_iri

SKILLS_FILE = "skills_en.v1.2.0.reconstructed.csv"
OFFICIAL = "v1.2.0"
SKILLS_SCHEME = NamedNode("http://data.europa.eu/esco/concept-scheme/skills")
ATTRIBUTION = ("This service uses the ESCO classification of the European Commission (ESCO v1.2.0, "
               "https://esco.ec.europa.eu). Modified: skills read from a table rebuilt from the official CSV "
               "export; reuse under Commission Decision 2011/833/EU.")
LICENSE = NamedNode("https://eur-lex.europa.eu/eli/dec/2011/833/oj")


class EscoError(Exception):
    """The folder is not an ESCO CSV export; the message says which file is missing."""


def _rows(path: Path) -> Iterator[dict[str, str]]:
    csv.field_size_limit(sys.maxsize)  # conceptSchemes_en.csv has fields over 128 KiB
    with open(path, encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def esco_files(folder: Path) -> dict[str, Path]:
    """The files an import needs, or EscoError naming the first one that is missing."""
    folder = Path(folder)
    official = folder / OFFICIAL if (folder / OFFICIAL).is_dir() else folder
    files = {"skills": folder / SKILLS_FILE, "groups": official / "skillGroups_en.csv",
             "broader": official / "broaderRelationsSkillPillar_en.csv",
             "schemes": official / "conceptSchemes_en.csv"}
    for path in files.values():
        if not path.is_file():
            raise EscoError(f"{path} not found: DIR must be the ESCO v1.2.0 folder holding {SKILLS_FILE} and "
                            f"{OFFICIAL}/ (as ../shared/skills/esco does)")
    return files


def count_rows(files: dict[str, Path]) -> int:
    """Rows to read, for a progress bar (a cheap line count; multi-line fields make it an upper bound)."""
    total = 0
    for path in files.values():
        with open(path, "rb") as fh:
            total += sum(1 for _ in fh)
    return total


def _labels(value: str, sep: str = "\n") -> list[str]:
    return [v.strip() for v in re.split(sep, value) if v.strip()]


def scheme_quads() -> Iterator[Quad]:
    yield Quad(SKILLS_SCHEME, RDF.type, SKOS.ConceptScheme)
    yield Quad(SKILLS_SCHEME, DCT.license, LICENSE)
    yield Quad(SKILLS_SCHEME, DCT.rights, Literal(ATTRIBUTION, language="en"))
    yield Quad(SKILLS_SCHEME, DCT.source, NamedNode("https://esco.ec.europa.eu/en/use-esco/download"))


def read_esco(folder: Path, wanted: set[str] | None = None,
              progress: Callable[[int], None] | None = None) -> Iterator[Quad]:
    """The ESCO skills pillar as quads (default graph), streamed row by row.

    ``wanted``: only these concept IRIs (and nothing else: use ``broader_closure`` to add their ancestors).
    ``progress`` is called with the number of rows read since its last call.
    """
    files = esco_files(folder)
    tick = progress or (lambda n: None)
    yield from scheme_quads()
    for row in _rows(files["schemes"]):
        scheme = NamedNode(row["conceptSchemeUri"])
        members = [m for m in _labels(row.get("hasTopConcept", ""), r"[|\n]") if wanted is None or m in wanted]
        if wanted is None or members:
            yield Quad(scheme, RDF.type, SKOS.ConceptScheme)
            yield Quad(scheme, SKOS.prefLabel, Literal(row["preferredLabel"].strip(), language="en"))
        for member in members:
            yield Quad(NamedNode(member), SKOS.inScheme, scheme)
        tick(1)
    for row in _rows(files["groups"]):
        if wanted is None or row["conceptUri"] in wanted:
            yield from _concept(row, altsep="\n")
            for scheme in _labels(row.get("inScheme", "")):
                yield Quad(NamedNode(row["conceptUri"]), SKOS.inScheme, NamedNode(scheme))
        tick(1)
    for row in _rows(files["skills"]):
        if wanted is None or row["conceptUri"] in wanted:
            yield from _concept(row, altsep="\n")
            s = NamedNode(row["conceptUri"])
            yield Quad(s, SKOS.inScheme, SKILLS_SCHEME)
            if row.get("skillType"):
                yield Quad(s, ESCO.skillType, NamedNode(
                    "http://data.europa.eu/esco/skill-type/" + row["skillType"].replace("skill/competence", "skill")))
            if row.get("reuseLevel"):
                yield Quad(s, ESCO.skillReuseLevel,
                           NamedNode("http://data.europa.eu/esco/skill-reuse-level/" + row["reuseLevel"]))
        tick(1)
    for row in _rows(files["broader"]):
        if wanted is None or row["conceptUri"] in wanted:
            yield Quad(NamedNode(row["conceptUri"]), SKOS.broader, NamedNode(row["broaderUri"]))
        tick(1)


def _concept(row: dict[str, str], altsep: str) -> Iterator[Quad]:
    s = NamedNode(row["conceptUri"])
    yield Quad(s, RDF.type, SKOS.Concept)
    yield Quad(s, SKOS.prefLabel, Literal(row["preferredLabel"].strip(), language="en"))
    for alt in sorted(set(_labels(row.get("altLabels", ""), altsep)) - {row["preferredLabel"].strip()}):
        yield Quad(s, SKOS.altLabel, Literal(alt, language="en"))
    for hidden in _labels(row.get("hiddenLabels", "") or "", altsep):
        yield Quad(s, SKOS.hiddenLabel, Literal(hidden, language="en"))
    if row.get("description", "").strip():
        yield Quad(s, SKOS.definition, Literal(row["description"].strip(), language="en"))


def skill_labels(folder: Path) -> dict[str, str]:
    """ESCO preferred label -> concept IRI, for skills and skill groups (to check a mapping is real)."""
    files = esco_files(folder)
    out: dict[str, str] = {}
    for name in ("skills", "groups"):
        for row in _rows(files[name]):
            out.setdefault(row["preferredLabel"].strip(), row["conceptUri"])
    return out


def broader_closure(folder: Path, iris: Iterable[str]) -> set[str]:
    """The concepts and every ancestor they reach through ESCO's broader relations."""
    parents: dict[str, set[str]] = {}
    for row in _rows(esco_files(folder)["broader"]):
        parents.setdefault(row["conceptUri"], set()).add(row["broaderUri"])
    seen: set[str] = set()
    todo = list(iris)
    while todo:
        iri = todo.pop()
        if iri not in seen:
            seen.add(iri)
            todo += parents.get(iri, ())
    return seen


def import_esco(store: Any, folder: Path, progress: Callable[[int], None] | None = None,
                batch: int = 20_000) -> int:
    """Replace ``graph/esco`` with the full ESCO skills pillar; returns the triples written.

    On the embedded store the quads stream in batches into a staging graph that one ``MOVE`` then swaps in,
    so memory stays flat and a failed import leaves the old graph as it was. Other stores get one
    ``replace_graph``.
    """
    graph, staging = graph_iri("esco"), graph_iri("esco-import")
    quads = read_esco(folder, progress=progress)
    oxigraph = getattr(store, "store", None)
    if oxigraph is None:
        return store.replace_graph(graph, quads)
    oxigraph.update(f"DROP SILENT GRAPH {staging}")
    count, chunk = 0, []
    try:
        for q in quads:
            chunk.append(Quad(q.subject, q.predicate, q.object, staging))
            if len(chunk) >= batch:
                oxigraph.extend(chunk)
                count, chunk = count + len(chunk), []
        oxigraph.extend(chunk)
        count += len(chunk)
        oxigraph.update(f"MOVE SILENT GRAPH {staging} TO {graph}")
    except BaseException:
        oxigraph.update(f"DROP SILENT GRAPH {staging}")
        raise
    return count
