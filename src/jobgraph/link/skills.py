"""Skills: a SKOS vocabulary, and mentions in a posting's text matched to its concepts.

Matching works on tokens, not characters: the text is split once into word tokens (``C++``, ``C#``,
``Node.js`` and ``.NET`` are one token each; hyphens and slashes separate, so "full-stack" is "full stack" and
"HTML/CSS" is two mentions), each token gets a key (case-folded and lightly stemmed: "organising",
"organized" and "organization" share one), and a hash of every label's key sequence is probed only at the
tokens that start some label. The longest label wins, so "JavaScript" is never "Java" and "Apache Spark" is
not "Apache". Measured against one compiled regex alternation of the same labels in
``benchmarks/skills.py``.

Some labels are ordinary words or letters ("R", "C", "Go", "React", "Excel", "Spark", "Rust"). Two
properties of a concept say how to treat them:

- ``jg:matching jg:CaseSensitive``: its labels match only as written ("Go", not "go"). Labels of three
  characters or fewer and all-capital acronyms ("REST", "AWS") always match as written, unless the concept
  says ``jg:matching jg:CaseInsensitive`` ("git" is Git). An acronym also matches its plural ("APIs").
- ``jg:matching jg:WhenAsked``: a generic skill ("open source", "teaching", "leadership") counts only in a
  requirements section or a sentence that asks for it (experience, knowledge, skills, ability, "you will"
  ...), not where the posting describes its employer ("our open source community"). ``jg:WhenListed``: the
  same, or in a list item or a responsibilities section (duties such as "code review").
  ``jg:NotMatched``: a grouping concept, never reported; its labels still match, so "programming
  languages" is not read as "programming".
- ``jg:matching jg:NeedsContext``: a one-word mention counts only near another technical mention (in the
  same sentence or list line) or next to a cue word ("programming", "package", "in R"), and never as a verb
  ("React to", "Excel at", "Go beyond").

Each mention's level comes from the section it is in (``extract.fields.sections``: "Necessary qualities",
"Nice to have", ...), or from a "(desirable)" mark or an inline "Nice to have:" cue on its line or paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, parse

from ..extract import fields as f
from ..model import Evidence, SkillMention
from ..vocab import JG, SKOS

# A token: a word with inner dots, apostrophes and trailing + or # ("C++", "C#", "Node.js", ".NET", "don't").
TOKEN = re.compile(r"\.?[^\W_](?:[\w]|[.'’](?=[^\W_]))*[+#]*")

# British and American spellings, and the few inflections postings use, share a key.
_SPELLING = ((re.compile(r"is(ation|ations|e|es|ed|ing|er|ers)$"), r"iz\1"), (re.compile(r"our$"), "or"),
             (re.compile(r"yse(s|d)?$"), r"yze\1"))
_SUFFIXES = ("izations", "ization", "ations", "ation", "ings", "ing", "ers", "er", "ies", "ied", "ed", "es", "s", "e")


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A crude, fast key for a lower-cased word: 'organising', 'organized', 'organization' -> 'organiz'."""
    if len(word) <= 4 or not word.isalpha():
        return word
    for rx, repl in _SPELLING:
        word = rx.sub(repl, word)
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word


def tokens(text: str) -> list[re.Match[str]]:
    return list(TOKEN.finditer(text))


def folded_key(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(stem(w.lower()) for w in words)


def label_words(label: str) -> list[str]:
    return [m.group() for m in TOKEN.finditer(label)]


def is_acronym(label: str) -> bool:
    letters = re.sub(r"[^A-Za-z]", "", label)
    return len(letters) >= 2 and letters.isupper()


@dataclass
class Concept:
    iri: str
    label: str
    labels: set[str] = field(default_factory=set)
    flags: set[str] = field(default_factory=set)  # CaseSensitive, CaseInsensitive, NeedsContext
    broader: set[str] = field(default_factory=set)
    matches: set[str] = field(default_factory=set)  # skos:exactMatch / closeMatch (ESCO, Wikidata)


# Words beside a one-word mention that say it names a technology ("in R", "R packages", "Go programming").
CUES = frozenset(stem(w) for w in ("programming", "program", "programs", "language", "languages", "package",
    "packages", "library", "libraries", "framework", "frameworks", "code", "coding", "scripting", "scripts",
    "developer", "developers", "development", "stack", "programmer", "programmers", "software", "tools", "tooling",
    "ecosystem", "notebooks", "notebook", "apps", "app", "api", "apis", "sdk", "using", "experience",
    "proficiency", "proficient", "fluency", "fluent", "familiarity", "familiar", "knowledge", "skills", "written"))
VERB_AFTER = frozenset(("to", "at", "in", "as", "on", "into", "with", "beyond", "above", "further", "ahead",
    "through", "out", "back", "up", "down", "over", "yourself", "themselves", "ourselves", "quickly", "well",
    "when"))
# A sentence that asks for a skill, not one describing the employer ("our open source community").
ASKED = re.compile(r"\b(?:experience[ds]?|knowledge|familiar(?:ity)?|skill(?:s|ed)?|abilit(?:y|ies)|able to|"
                   r"proficien(?:t|cy)|understanding|comfort(?:able)?|expertise|background|track record|interest(?:ed)?"
                   r"|passion(?:ate)?|commitment|demonstrated|proven|capacity|competen(?:t|ce|cies)|fluen(?:t|cy)"
                   r"|you will|you'll|responsible for|help(?:ing)? (?:to )?|qualit(?:y|ies)|involv(?:e|es|ing))\b",
                   re.I)
GOVERNED = re.compile(r"\b(?:experience[ds]?|knowledge|familiar(?:ity)?|skill(?:s|ed)?|abilit(?:y|ies)|able to|"
                      r"proficien(?:t|cy)|understanding|expert(?:ise)?|background|track record|comfort(?:able)?|"
                      r"competen(?:t|ce|cies)|fluen(?:t|cy)|interest(?:ed)?|passion(?:ate)?|commitment)\b[^.;:!?\n]*$",
                      re.I)
GOVERNED_AFTER = re.compile(r"\S*\s+(?:skills?|experience|knowledge|expertise|background)\b", re.I)
LIST_GAP = re.compile(r"\s*(?:[,;/]|\band\b|\bor\b)\s*(?:and\s+|or\s+)?")  # between items of one list
GAP = re.compile(r"[ \t\u00a0/–()-]*")  # what may stand between the words of one label
WRAP = re.compile(r"[ \t]*\n[ \t]{0,12}")  # or a hard line wrap ("Open Science\n    Framework")
BULLET_START = re.compile(r"[ \t]*(?:[-*+•]|\d+[.)])[ \t]+")
LEVEL_RANK = {"necessary": 0, "desirable": 1, "mentioned": 2}
INLINE_DESIRABLE = re.compile(r"\b(?:nice to have|nice-to-have|desirable|desired|bonus|a plus|preferred|"
                              r"an advantage|would be great|useful|helpful|not required|optional)\b", re.I)
INLINE_NECESSARY = re.compile(r"\b(?:required|requirements|essential|must have|necessary|minimum)\b", re.I)


def _item_start(text: str, pos: int) -> int:
    """Where the list item (or line) holding ``pos`` starts: hard-wrapped items continue on indented lines."""
    start = text.rfind("\n", 0, pos) + 1
    while start > 0 and text[start:start + 1] in (" ", "\t") and not BULLET_START.match(text, start):
        prev = text.rfind("\n", 0, start - 1) + 1
        if not text[prev:start - 1].strip():
            break
        start = prev
    return start


class Vocabulary:
    """The concepts of a SKOS scheme and an index of their labels for matching."""

    def __init__(self, concepts: list[Concept]) -> None:
        self.concepts = {c.iri: c for c in concepts}
        self._exact: dict[tuple[str, ...], str] = {}
        self._folded: dict[tuple[str, ...], str] = {}
        self._lower: dict[tuple[str, ...], str] = {}
        self._guarded: dict[tuple[str, ...], str] = {}  # case-sensitive labels in lower case: need context
        self._starts: dict[str, int] = {}  # first token (key or exact word) -> longest label length in tokens
        for concept in concepts:
            for label in sorted(concept.labels | {concept.label}):
                words = label_words(label)
                if not words:
                    continue
                exact = "CaseSensitive" in concept.flags or (
                    "CaseInsensitive" not in concept.flags and (len(label) <= 3 or is_acronym(label)))
                if exact:
                    keys = [tuple(words)]
                    if is_acronym(label) and len(words) == 1:
                        keys.append((words[0] + "s",))
                    for key in keys:
                        self._exact.setdefault(key, concept.iri)
                        self._note_start(key)
                    if len(label) > 1:  # "rust", "html/css", "slack" in a list of tools: only with context
                        key = tuple(w.lower() for w in words)
                        self._guarded.setdefault(key, concept.iri)
                        self._note_start(key)
                elif len(words) == 1 and not words[0].islower():
                    # a one-word name is not stemmed: "Looker" is not "looking", "Panel" not "panels"
                    key = (words[0].lower(),)
                    self._lower.setdefault(key, concept.iri)
                    self._note_start(key)
                else:
                    key = folded_key(words)
                    self._folded.setdefault(key, concept.iri)
                    self._note_start(key)

    def _note_start(self, key: tuple[str, ...]) -> None:
        self._starts[key[0]] = max(self._starts.get(key[0], 0), len(key))

    @classmethod
    def from_turtle(cls, path: str | Path) -> Vocabulary:
        with open(path, "rb") as fh:
            return cls.from_quads(parse(fh, RdfFormat.TURTLE))

    @classmethod
    def from_quads(cls, quads) -> Vocabulary:  # type: ignore[no-untyped-def]
        concepts: dict[str, Concept] = {}
        flags: dict[str, set[str]] = {}
        broader: dict[str, set[str]] = {}
        matches: dict[str, set[str]] = {}
        labels = (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)
        for q in quads:
            p = q.predicate
            if p in labels:
                if getattr(q.object, "language", None) not in (None, "en"):
                    continue
                iri = q.subject.value
                concept = concepts.setdefault(iri, Concept(iri, q.object.value))
                if p == SKOS.prefLabel:
                    concept.label = q.object.value
                concept.labels.add(q.object.value)
            elif p == JG.matching and isinstance(q.object, NamedNode):
                flags.setdefault(q.subject.value, set()).add(q.object.value.rsplit("#", 1)[-1])
            elif p == SKOS.broader:
                broader.setdefault(q.subject.value, set()).add(q.object.value)
            elif p in (SKOS.exactMatch, SKOS.closeMatch):
                matches.setdefault(q.subject.value, set()).add(q.object.value)
        for iri, concept in concepts.items():
            concept.flags = flags.get(iri, set())
            concept.broader = broader.get(iri, set())
            concept.matches = matches.get(iri, set())
        return cls(list(concepts.values()))

    def __len__(self) -> int:
        return len(self.concepts)

    def lookup(self, label: str) -> str | None:
        """The concept a label names (as the matcher would read it), or None."""
        words = label_words(label)
        if not words:
            return None
        return (self._exact.get(tuple(words)) or self._lower.get(tuple(w.lower() for w in words))
                or self._folded.get(folded_key(words)))

    def matches(self, text: str) -> list[tuple[str, int, int, bool]]:
        """(concept IRI, start, end, guarded) of every label occurrence, longest first at each token, left to
        right; ``guarded``: a case-sensitive label found in lower case, which counts only in context."""
        toks = tokens(text)
        words = [m.group() for m in toks]
        lowers = [w.lower() for w in words]
        keys = [stem(w) for w in lowers]
        starts = self._starts
        out: list[tuple[str, int, int, bool]] = []
        i, n = 0, len(toks)
        while i < n:
            longest = max(starts.get(words[i], 0), starts.get(keys[i], 0), starts.get(lowers[i], 0))
            found = None
            for length in range(min(longest, n - i), 0, -1):
                if not self._contiguous(text, toks, i, length):
                    continue
                iri = (self._exact.get(tuple(words[i:i + length])) or self._folded.get(tuple(keys[i:i + length]))
                       or (self._lower.get((lowers[i],)) if length == 1 else None))
                guarded = False
                if not iri and (iri := self._guarded.get(tuple(lowers[i:i + length]))):
                    guarded = True
                if iri:
                    found = (iri, length, guarded)
                    break
            if found:
                iri, length, guarded = found
                out.append((iri, toks[i].start(), toks[i + length - 1].end(), guarded))
                i += length
            else:
                i += 1
        return out

    @staticmethod
    def _contiguous(text: str, toks: list[re.Match[str]], i: int, length: int) -> bool:
        """A label's words must be separated only by spaces, hyphens, slashes or brackets, or a hard line wrap."""
        for j in range(i, i + length - 1):
            gap = text[toks[j].end():toks[j + 1].start()]
            if not (len(gap) <= 3 and GAP.fullmatch(gap) or WRAP.fullmatch(gap)):
                return False
        return True

    def find(self, text: str) -> list[SkillMention]:
        """Every concept mentioned in the text, once each, at its strongest level (necessary > desirable)."""
        secs = f.sections(text)
        hits = self.matches(text)
        best: dict[str, SkillMention] = {}
        for k, (iri, start, end, guarded) in enumerate(hits):
            concept = self.concepts[iri]
            if "NotMatched" in concept.flags:  # a category's label only keeps its words from matching alone
                continue
            ambiguous = guarded or ("NeedsContext" in concept.flags and TOKEN.fullmatch(text, start, end))
            if ambiguous and not self._in_context(text, hits, k):
                continue
            if ("WhenAsked" in concept.flags or "WhenListed" in concept.flags) and \
                    not self._asked(text, secs, start, listed="WhenListed" in concept.flags) and \
                    not self._among_tools(text, hits, k):
                continue
            level = self._level(text, secs, start)
            mention = SkillMention(concept.label, iri, level,  # type: ignore[arg-type]
                                   Evidence(f.sentence(text, start), "skill-label", start, end))
            old = best.get(iri)
            if old is None or LEVEL_RANK[level] < LEVEL_RANK[old.level]:
                best[iri] = mention
        return sorted(best.values(), key=lambda s: s.evidence.start or 0)

    def _in_context(self, text: str, hits: list[tuple[str, int, int, bool]], k: int) -> bool:
        """An ambiguous word counts when it is not used as a verb and a technical mention or a cue is near."""
        iri, start, end, guarded = hits[k]
        after = text[end:end + 40]
        nxt = re.match(r"[ \t]+([A-Za-z]+)", after)
        before = text[max(0, start - 40):start]
        sentence_start = not before.strip() or before.rstrip()[-1] in ".!?:\n*-•" or before.endswith("\n")
        if re.match(r"[&'’]\w|-\d|\.\w", after) or re.search(r"\b(?:Dr|Mr|Ms|Mrs|Prof)\.?\s*$", before):
            return False
        if nxt and nxt.group(1).lower() in VERB_AFTER and (sentence_start or nxt.group(1).lower() != "in"):
            # "React to", "Excel at", "Go beyond" are verbs; "in R" is not, but "Excel in" is
            return False
        line_start = max(text.rfind("\n", 0, start), text.rfind(". ", 0, start)) + 1
        line_end = min([e for e in (text.find("\n", end), text.find(". ", end)) if e != -1] or [len(text)])
        if guarded and re.search(r"\b(?:the|a|an|this|that|our|your|their|its|to|will|can|could|would|should|may|"
                                 r"might|we|you|they|I|not|help|helps)\s+$", before, re.I):
            return False  # "the rest of", "ready to go", "help make"
        for j, (other, s, _e, other_guarded) in enumerate(hits):
            if j != k and line_start <= s < line_end and other != iri and abs(s - start) < 160 and \
                    not other_guarded and "NeedsContext" not in self.concepts[other].flags:
                return True
        window = [stem(m.group().lower()) for m in TOKEN.finditer(text[max(line_start, start - 30):
                                                                       min(line_end, end + 30)])]
        return any(w in CUES for w in window)

    def _among_tools(self, text: str, hits: list[tuple[str, int, int, bool]], k: int) -> bool:
        """A generic skill listed with named tools ("Java, Python, Web-app, Database") is asked for."""
        _iri, start, end, _g = hits[k]
        for j in (k - 1, k + 1):
            if 0 <= j < len(hits):
                other, s, e, guarded = hits[j]
                gap = text[e:start] if j < k else text[end:s]
                flags = self.concepts[other].flags
                if not guarded and not flags & {"WhenAsked", "WhenListed", "NotMatched", "NeedsContext"} and \
                        LIST_GAP.fullmatch(gap):
                    return True
        return False

    @staticmethod
    def _asked(text: str, secs: list[f.Section], pos: int, listed: bool) -> bool:
        """A requirement (its section, or a sentence that asks for a skill); with ``listed`` a duty too (a list
        item, a responsibilities section)."""
        kind = f.section_at(secs, pos)
        if listed and kind in ("necessary", "desirable", "responsibilities"):
            return True
        line_start = text.rfind("\n", 0, pos) + 1
        item_start = _item_start(text, pos)
        if (listed or kind in ("necessary", "desirable")) and BULLET_START.match(text, item_start):
            return True
        if not listed:  # the cue must govern the mention: "experience with ... open source", not just share a line
            clause = text[max(line_start, pos - 90):pos]
            return bool(GOVERNED.search(clause) or GOVERNED_AFTER.match(text, pos))
        return bool(ASKED.search(f.sentence(text, pos)))

    @staticmethod
    def _level(text: str, secs: list[f.Section], pos: int) -> str:
        kind = f.section_at(secs, pos)
        line_start = text.rfind("\n", 0, pos) + 1
        line_end = text.find("\n", pos)
        line = text[line_start:line_end if line_end != -1 else len(text)]
        if f.DESIRABLE_ITEM.search(line):
            return "desirable"
        if kind in ("necessary", "desirable"):
            return kind
        # flat text puts a whole posting on one line: the nearest inline cue before the mention decides
        para_start = max(text.rfind("\n\n", 0, pos), 0)
        head = text[max(para_start, pos - 400):pos]
        cues = [(m.start(), "desirable") for m in INLINE_DESIRABLE.finditer(head)]
        cues += [(m.start(), "necessary") for m in INLINE_NECESSARY.finditer(head)]
        if cues:
            return max(cues)[1]
        return "mentioned"
