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

Which mentions are asked for at all (not the employer's description, the hiring process, a person's role or
a name) is ``jobgraph.link.skill_context``. Each mention's level comes from the section it is in
(``extract.fields.sections``: "Necessary qualities", "Nice to have", ...), or from a "(desirable)" mark or an
inline "Nice to have:" cue on its line or paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, parse

from ..extract import fields as f
from ..model import Evidence, SkillMention
from ..vocab import JG, SKOS
from . import skill_context as ctx
from .skill_text import TOKEN, folded_key, is_acronym, label_words, stem, tokens, word_class

__all__ = ["TOKEN", "Concept", "Vocabulary", "folded_key", "is_acronym", "label_words", "stem", "tokens", "word_class"]


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
LIST_GAP = re.compile(r"\s*(?:[,;/]|\band\b|\bor\b)\s*(?:and\s+|or\s+)?")  # between items of one list
GAP = re.compile(r"[ \t\u00a0/–()&-]*")  # what may stand between the words of one label
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
        self._guard_first: dict[tuple[str, ...], str] = {}  # ... and their first word as written
        self._classes: dict[tuple[str, ...], set[tuple[str, ...]]] = {}  # folded key -> its labels' word classes
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
                        if self._guarded.setdefault(key, concept.iri) == concept.iri:
                            self._guard_first[key] = words[0]
                        self._note_start(key)
                elif len(words) == 1 and not words[0].islower():
                    # a one-word name is not stemmed: "Looker" is not "looking", "Panel" not "panels"
                    key = (words[0].lower(),)
                    self._lower.setdefault(key, concept.iri)
                    self._note_start(key)
                else:
                    key = folded_key(words)
                    if self._folded.setdefault(key, concept.iri) == concept.iri:
                        self._classes.setdefault(key, set()).add(tuple(word_class(w.lower()) for w in words))
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
                iri = (self._exact.get(tuple(words[i:i + length])) or self._folded_match(keys, lowers, i, length)
                       or (self._lower.get((lowers[i],)) if length == 1 else None))
                guarded = False
                if not iri and (iri := self._guarded.get(tuple(lowers[i:i + length]))):
                    guarded = words[i] != self._guard_first[tuple(lowers[i:i + length])]  # "Discord Server" is not
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

    def _folded_match(self, keys: list[str], lowers: list[str], i: int, length: int) -> str | None:
        """A stemmed label whose words are of the same derivational classes as the text's ("profiling" is
        not "profile")."""
        key = tuple(keys[i:i + length])
        iri = self._folded.get(key)
        if iri and tuple(word_class(w) for w in lowers[i:i + length]) in self._classes[key]:
            return iri
        return None

    @staticmethod
    def _contiguous(text: str, toks: list[re.Match[str]], i: int, length: int) -> bool:
        """A label's words must be separated only by spaces, hyphens, slashes or brackets, or a hard line wrap."""
        for j in range(i, i + length - 1):
            gap = text[toks[j].end():toks[j + 1].start()]
            if not (len(gap) <= 3 and GAP.fullmatch(gap) or WRAP.fullmatch(gap)):
                return False
        return True

    def find(self, text: str, title: str | None = None) -> list[SkillMention]:
        """Every concept the text asks for or names, once each, at its strongest level (necessary > desirable).
        ``title`` (the posting's) lets a role noun that names the advertised role count ("Community Manager")."""
        secs = f.sections(text)
        markup = ctx.markup_spans(text)
        hits = [h for h in self.matches(text) if not ctx.in_spans(markup, h[1])]
        accepted: set[int] = set()
        unasked: list[int] = []  # generic skills in no asking context: they count if a list-mate does
        for k in range(len(hits)):
            verdict = self._verdict(text, secs, hits, k, title)
            if verdict == "yes":
                accepted.add(k)
            elif verdict == "unasked":
                unasked.append(k)
        grown = True
        while grown:  # "practices such as testing, continuous integration and code review": one list, one status
            grown = False
            for k in unasked:
                if k not in accepted and any(j in accepted and LIST_GAP.fullmatch(
                        text[hits[min(j, k)][2]:hits[max(j, k)][1]]) for j in (k - 1, k + 1)):
                    accepted.add(k)
                    grown = True
        best: dict[str, SkillMention] = {}
        marked: dict[int, bool] = {}
        for k in sorted(accepted):
            iri, start, end, _g = hits[k]
            level = self._level(text, secs, start, marked)
            mention = SkillMention(self.concepts[iri].label, iri, level,  # type: ignore[arg-type]
                                   Evidence(f.sentence(text, start), "skill-label", start, end))
            old = best.get(iri)
            if old is None or LEVEL_RANK[level] < LEVEL_RANK[old.level]:
                best[iri] = mention
        return sorted(best.values(), key=lambda s: s.evidence.start or 0)

    def _verdict(self, text: str, secs: list[f.Section], hits: list[ctx.Hit], k: int, title: str | None) -> str:
        """'yes' (a mention the posting asks for or names), 'no', or 'unasked' (a generic skill that counts
        only if an item of the same list does)."""
        iri, start, end, guarded = hits[k]
        concept = self.concepts[iri]
        if "NotMatched" in concept.flags:  # a category's label only keeps its words from matching alone
            return "no"
        sec = next((x for x in secs if x.start <= start < x.end), None)
        where = ctx.where(sec)
        if where == "process" or ctx.in_employer_heading(text, start) or ctx.restates(text, hits, k):
            return "no"  # the interview names tools the job does not need; "## About Astropy"; "CI and CD (CI/CD)"
        if ctx.ORGANIZATION_AFTER.match(text, end) or ctx.in_expansion(text, start):
            return "no"  # "The Astropy Project", "PyBaMM (Python Battery Mathematical Modelling)": a name
        if "Language" in concept.flags and ctx.qualifies_a_noun(text, end):
            return "no"  # "Danish research servers", "English literature": not the language
        ambiguous = guarded or ("NeedsContext" in concept.flags and TOKEN.fullmatch(text, start, end))
        if ambiguous and not self._in_context(text, hits, k):
            return "no"
        if not concept.flags & {"WhenAsked", "WhenListed"}:
            return "yes"
        if where == "employer" or ctx.about_employer(text, start, hits):
            return "no"  # "We promote open science", "About us", "What we offer": the employer, not the job
        if ctx.attitude(text, start) or ctx.names_someone(text, hits, k, title):
            return "no"  # "a strong interest in open science"; "our Community Manager"; "Statistics Denmark"
        if self._asked(text, secs, start, listed="WhenListed" in concept.flags) or self._among_tools(text, hits, k):
            return "yes"
        return "unasked"

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
        if guarded:  # a name in lower case ("rust", "make", "fair") is a name only in a list ("html/css skills")
            return self._among_tools(text, hits, k, any_kind=True) and (
                self._among_tools(text, hits, k) or self._list_has_cue(text, hits, k))
        for j, (other, s, _e, other_guarded) in enumerate(hits):
            if j != k and line_start <= s < line_end and other != iri and abs(s - start) < 160 and \
                    not other_guarded and "NeedsContext" not in self.concepts[other].flags:
                return True
        window = [stem(m.group().lower()) for m in TOKEN.finditer(text[max(line_start, start - 30):
                                                                       min(line_end, end + 30)])]
        return any(w in CUES for w in window)

    def _among_tools(self, text: str, hits: list[tuple[str, int, int, bool]], k: int, any_kind: bool = False) -> bool:
        """A generic skill listed with named tools ("Java, Python, Web-app, Database") is asked for; with
        ``any_kind``, listed with any other mention."""
        _iri, start, end, _g = hits[k]
        for j in (k - 1, k + 1):
            if 0 <= j < len(hits):
                other, s, e, guarded = hits[j]
                gap = text[e:start] if j < k else text[end:s]
                flags = self.concepts[other].flags
                if (any_kind and "NotMatched" not in flags or not guarded and not flags & {
                        "WhenAsked", "WhenListed", "NotMatched", "NeedsContext"}) and LIST_GAP.fullmatch(gap):
                    return True
        return False

    @staticmethod
    def _list_has_cue(text: str, hits: list[tuple[str, int, int, bool]], k: int) -> bool:
        """The list holding hit ``k`` is named as skills: a cue word right before or after it ("html/css skills")."""
        first = last = k
        while first > 0 and LIST_GAP.fullmatch(text[hits[first - 1][2]:hits[first][1]]):
            first -= 1
        while last + 1 < len(hits) and LIST_GAP.fullmatch(text[hits[last][2]:hits[last + 1][1]]):
            last += 1
        before = [stem(w.lower()) for w in TOKEN.findall(text, max(0, hits[first][1] - 25), hits[first][1])][-2:]
        after = [stem(w.lower()) for w in TOKEN.findall(text, hits[last][2], hits[last][2] + 25)][:1]
        return any(w in CUES for w in before + after)

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
            return bool(ctx.GOVERNED.search(clause) or ctx.GOVERNED_AFTER.match(text, pos))
        return bool(ctx.ASKED.search(f.sentence(text, pos)))

    @staticmethod
    def _level(text: str, secs: list[f.Section], pos: int, marked: dict[int, bool]) -> str:
        """``marked``: line start -> whether the line says "(desirable)", filled as lines are read (a flat
        posting is one long line, read once, not once per mention)."""
        kind = f.section_at(secs, pos)
        line_start = text.rfind("\n", 0, pos) + 1
        if line_start not in marked:
            line_end = text.find("\n", pos)
            line_end = line_end if line_end != -1 else len(text)
            marked[line_start] = bool(f.DESIRABLE_ITEM.search(text, line_start, line_end))
        if marked[line_start]:
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
