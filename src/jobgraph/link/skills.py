"""Skills: a SKOS vocabulary, and mentions in a posting's text matched to its concepts.

Labels are matched on word boundaries in one pass of a compiled alternation (longest label first), so
"JavaScript" is not "Java" and "C++" is not "C". Labels that are also ordinary words ("R", "Go", "React")
are matched only as written in the vocabulary's hiddenLabels/prefLabel case, never case-folded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import RdfFormat, parse

from ..extract import fields as f
from ..model import Evidence, SkillMention
from ..vocab import SKOS


@dataclass
class Concept:
    iri: str
    label: str
    labels: set[str] = field(default_factory=set)


CASE_SENSITIVE_MAX = 4  # labels this short ("R", "Go", "AWS", "Git") only match as written


class Vocabulary:
    def __init__(self, concepts: list[Concept]) -> None:
        self.concepts = {c.iri: c for c in concepts}
        folded: dict[str, str] = {}
        exact: dict[str, str] = {}
        for concept in concepts:
            for label in concept.labels | {concept.label}:
                (exact if len(label) <= CASE_SENSITIVE_MAX else folded).setdefault(
                    label if len(label) <= CASE_SENSITIVE_MAX else label.lower(), concept.iri)
        self._folded, self._exact = folded, exact
        self._rx_folded = _alternation(folded, re.I)
        self._rx_exact = _alternation(exact, 0)

    @classmethod
    def from_turtle(cls, path: str | Path) -> Vocabulary:
        with open(path, "rb") as fh:
            return cls.from_quads(parse(fh, RdfFormat.TURTLE))

    @classmethod
    def from_quads(cls, quads) -> Vocabulary:  # type: ignore[no-untyped-def]
        labels: dict[str, Concept] = {}
        for q in quads:
            p = q.predicate
            if p in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel):
                lang = getattr(q.object, "language", None)
                if lang not in (None, "en"):
                    continue
                iri = q.subject.value
                concept = labels.setdefault(iri, Concept(iri, q.object.value))
                if p == SKOS.prefLabel:
                    concept.label = q.object.value
                concept.labels.add(q.object.value)
        return cls(list(labels.values()))

    def __len__(self) -> int:
        return len(self.concepts)

    def find(self, text: str) -> list[SkillMention]:
        """Every concept mentioned in the text, once each, at its strongest level (necessary > desirable)."""
        secs = f.sections(text)
        best: dict[str, SkillMention] = {}
        rank = {"necessary": 0, "desirable": 1, "mentioned": 2}
        for rx, table, fold in ((self._rx_folded, self._folded, True), (self._rx_exact, self._exact, False)):
            if rx is None:
                continue
            for m in rx.finditer(text):
                iri = table[m.group(1).lower() if fold else m.group(1)]
                kind = f.section_at(secs, m.start())
                level = kind if kind in ("necessary", "desirable") else "mentioned"
                mention = SkillMention(self.concepts[iri].label, iri, level,  # type: ignore[arg-type]
                                       Evidence(f.sentence(text, m.start(1)), "skill-label", m.start(1), m.end(1)))
                old = best.get(iri)
                if old is None or rank[level] < rank[old.level]:
                    best[iri] = mention
        return sorted(best.values(), key=lambda s: s.evidence.start or 0)


def _alternation(table: dict[str, str], flags: int) -> re.Pattern[str] | None:
    if not table:
        return None
    labels = sorted(table, key=len, reverse=True)
    body = "|".join(re.escape(label) for label in labels)
    return re.compile(rf"(?<![\w+#/-])({body})(?![\w+#]|-\w|\.\w)", flags)

