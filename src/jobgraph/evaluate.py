"""``jobgraph evaluate``: extraction measured against gold annotations (``../shared/*/gold.jsonl``).

Each gold field is compared with the prediction by what it *means*, not by how it is written, and the
rule for each field is stated here (and in the README) so a figure can be checked by hand:

- ``closing_date``, ``date_posted``, ``start_date``, ``employer_ror``, ``contact_email``: exact (ISO dates,
  ROR ids; e-mail addresses case-insensitively).
- ``title``: case, punctuation and spacing do not count. A qualifier in parentheses or after a comma or
  dash ("Research Software Engineer (Seedcase project)") may be missing on either side: the role names
  before the qualifier must then be equal.
- ``employer_name``: two names match when their normalised forms (``link.organizations.normalize``: case,
  accents, "The", legal forms) are equal, when one is the other's parenthesised alternative
  ("US-RSE (United States Research Software Engineer Association)"), or when the organisation registry
  resolves both to the same organisation (its names, aliases and acronyms are synonyms).
- ``location``: the places the gold names before any parenthesised or ';'-separated remark (country names become ISO
  codes, so "UK" is "United Kingdom") must all be in the prediction (its text plus its ISO country), and
  at least half of the prediction's words must appear in the gold text (a paragraph is not a location).
- ``remote``: booleans; a prediction of ``false`` counts as "not stated" (the gold records only ``true``).
- ``employment_type``: the kinds the text names (full-time, part-time, contract, volunteer, permanent,
  student assistant; "fixed-term" or a stated duration) must be the same set; when the gold states a
  duration in years or months, the prediction's duration must be equal. A kind the posting may turn into
  later ("may convert to full-time") is not the current kind.
- ``salary``: when the gold states amounts, the first amount (or range) must have the same minimum,
  maximum and currency; otherwise the prediction must be a text salary whose key words cover the gold's.

A field counts only when gold or prediction has a value (both empty: not counted). Skills are compared
as sets per posting: a gold skill and a predicted one are the same when their case-folded labels are
equal or the skill vocabulary maps both to one concept; precision, recall and F1 are micro-averaged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .extract.places import STOP, place_tokens, words
from .link.organizations import Registry, normalize
from .link.skills import Vocabulary

FIELDS = ("title", "employer_name", "employer_ror", "location", "remote", "employment_type", "date_posted",
          "closing_date", "start_date", "salary", "contact_email")
EXACT = {"employer_ror", "date_posted", "closing_date", "start_date"}


class GoldError(Exception):
    """The gold file cannot be read; the message says which line and why."""


def read_gold(path: str | Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise GoldError(f"{path}:{number}: not a JSON object ({err.msg})") from None
        if not isinstance(row, dict) or "file" not in row:
            raise GoldError(f"{path}:{number}: each line must be an object with at least a 'file' key")
        rows.append(row)
    return rows


# --- text keys ------------------------------------------------------------------------------------------

PAREN = re.compile(r"\s*[(\[][^)\]]*[)\]]?")


def main_part(text: str) -> str:
    """The text without parenthesised remarks."""
    return PAREN.sub(" ", text).strip()


def place_part(text: str) -> str:
    """The place a location names: before any parenthesised or semicolon-separated remark."""
    return re.split(r"[(;]", text, maxsplit=1)[0].strip()


def role(title: str) -> str:
    return words(re.split(r"\s[(\[–—-]\s?|,|:|\(", title, maxsplit=1)[0])


def title_ok(gold: str, pred: str) -> bool:
    return words(gold) == words(pred) or role(gold) == role(pred)


def _name_variants(name: str) -> set[str]:
    out = {name, main_part(name)}
    for inner in re.findall(r"\(([^)]*)\)", name):
        out.update(p.strip() for p in re.split(r";|,", inner))
    out = {re.sub(r"^(?:now|formerly|project based at)\s+", "", v, flags=re.I) for v in out}
    return {normalize(v) for v in out if v.strip()}


def employer_ok(gold: str, pred: str, registry: Registry | None) -> bool:
    g, p = _name_variants(gold), _name_variants(pred)
    if g & p:
        return True
    if registry is None:
        return False
    g_iris = {registry.match(v).iri for v in _name_variants(gold) | {gold}} - {None}
    p_iris = {registry.match(v).iri for v in p | {pred}} - {None}
    return bool(g_iris & p_iris)


def location_ok(gold: str, pred: str, country: str | None) -> bool:
    want = place_tokens(place_part(gold))
    have = place_tokens(pred) | ({country.lower()} if country else set())
    if not want <= have:
        return False
    told = place_tokens(pred)
    return not told or len(told & place_tokens(gold)) >= len(told) / 2


KINDS = {
    "full-time": r"full[- ]?time",
    "part-time": r"part[- ]?time",
    "contract": r"contract(?:or)?\b(?! of)|contractor",
    "volunteer": r"volunteer",
    "permanent": r"permanent|open[- ]ended",
    "student assistant": r"student assistant|hilfskraft",
}
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
DURATION = re.compile(r"\b(\d+|one|two|three|four|five|six)[- ](year|month)s?\b", re.I)


def employment_key(text: str) -> tuple[frozenset[str], int | None, bool]:
    """The kinds, the duration in months, and whether the text says the job is fixed-term."""
    text = re.sub(r"(?:may|will|could|expected to)\s+(?:convert|grow|change)\s+(?:in)?to\s+\S+", " ", text, flags=re.I)
    low = text.lower()
    kinds = {kind for kind, rx in KINDS.items() if re.search(rx, low)}
    if "contractor of" in low or "contract or employed" in low:
        kinds.add("contract")
    months = None
    if m := DURATION.search(low):
        n = m.group(1)
        months = (int(n) if n.isdigit() else NUMBER_WORDS[n]) * (12 if m.group(2) == "year" else 1)
    fixed = bool(months) or bool(re.search(r"fixed[- ]term|temporary|\bterm\b", low))
    return frozenset(kinds), months, fixed


def employment_ok(gold: str, pred: dict[str, Any]) -> bool:
    g_kinds, g_months, g_fixed = employment_key(gold)
    p_kinds = frozenset(pred.get("employment_types") or ([pred["employment_type"]]
                                                          if pred.get("employment_type") else []))
    p_kinds = p_kinds - {"fixed-term"}
    if g_kinds != p_kinds:
        return False
    if g_months is not None:
        return pred.get("duration_months") == g_months
    return True


AMOUNT = re.compile(r"(US\$|[£$€]|USD|EUR|GBP|DKK|CHF)?\s?(\d[\d,.]*)\s*(k)?\b(?:\s*(?:-|–|to)\s*(?:US\$|[£$€])?"
                    r"\s?(\d[\d,.]*)\s*(k)?)?\s*(\$|USD|EUR|GBP)?", re.I)
CURRENCIES = {"£": "GBP", "$": "USD", "US$": "USD", "€": "EUR"}


def salary_amounts(text: str) -> tuple[float | None, float | None, str | None] | None:
    """The first amount or range in a salary text: (min, max, ISO 4217 currency), or None."""
    for m in AMOUNT.finditer(text):
        if not (m.group(1) or m.group(6)):
            continue

        def num(value: str, k: str | None) -> float:
            value = value.rstrip(".,")
            value = value.replace(",", "") if re.search(r",\d{3}", value) else value
            return float(value) * (1000 if k else 1)

        k = m.group(3) or m.group(5)
        low = num(m.group(2), k)
        high = num(m.group(4), m.group(5)) if m.group(4) else low
        sign = (m.group(1) or m.group(6)).upper()
        return low, high, CURRENCIES.get(sign, sign)
    return None


def salary_ok(gold: str, pred: dict[str, Any] | None) -> bool:
    if not pred:
        return False
    want = salary_amounts(gold)
    if want:
        got = (pred.get("min"), pred.get("max") if pred.get("max") is not None else pred.get("min"),
               pred.get("currency"))
        return got == want
    if pred.get("min") is not None:
        return False
    g, p = set(words(gold).split()) - STOP, set(words(pred.get("text") or "").split()) - STOP
    return bool(g) and len(g & p) >= len(g) / 2 and len(g & p) >= len(p) / 2


def field_ok(name: str, gold: Any, pred: dict[str, Any], registry: Registry | None) -> bool:
    value = pred.get(name)
    if name == "remote":
        return (gold is True) == (value is True)
    if gold in (None, "", []) or value in (None, "", []):
        return False
    if name in EXACT:
        return str(gold) == str(value)
    if name == "contact_email":
        return str(gold).lower() == str(value).lower()
    if name == "title":
        return title_ok(gold, value)
    if name == "employer_name":
        return employer_ok(gold, value, registry)
    if name == "location":
        return location_ok(gold, value, pred.get("country"))
    if name == "employment_type":
        return employment_ok(gold, pred)
    if name == "salary":
        return salary_ok(gold, value)
    return gold == value


def is_empty(name: str, value: Any) -> bool:
    return value in (None, "", [], False) if name == "remote" else value in (None, "", [])


# --- skills ---------------------------------------------------------------------------------------------

def skill_keys(labels: Iterable[str], vocabulary: Vocabulary | None) -> set[str]:
    """Case-folded labels, replaced by the concept IRI when the vocabulary reads the label as a concept (as its
    matcher does: "Linux containers" and "Linux container" are one concept, "Github" is GitHub)."""
    return {(vocabulary.lookup(label) if vocabulary is not None else None) or label.casefold() for label in labels}


# --- the report -----------------------------------------------------------------------------------------

@dataclass
class FieldScore:
    correct: int = 0
    counted: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.counted if self.counted else None


@dataclass
class SkillScore:
    """True positives, false positives and false negatives of skill concepts, and what they make."""
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: set[str], predicted: set[str]) -> None:
        self.tp += len(gold & predicted)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)

    def figures(self) -> dict[str, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}

    def to_json(self) -> dict[str, Any]:
        return {**self.figures(), "true_positives": self.tp, "false_positives": self.fp,
                "false_negatives": self.fn}

    def line(self) -> str:
        if not self.tp + self.fp:
            return f"{self.fn} missed"
        f = self.figures()
        return (f"precision {f['precision']:.1%}, recall {f['recall']:.1%}, F1 {f['f1']:.1%} "
                f"({self.tp} found, {self.fp} extra, {self.fn} missed)")


# The two kinds of skill concept the matcher treats differently (jobgraph.link.skills): a named tool, language
# or standard counts wherever the text names it; a generic skill ("communication", "open source", flagged
# jg:WhenAsked or jg:WhenListed) only where the text asks for it, which is where readers (and annotators) differ.
SKILL_KINDS = {"named": "named tools, languages, standards", "generic": "generic skills",
               "outside the vocabulary": "gold labels outside the vocabulary"}


def skill_kind(key: str, vocabulary: Vocabulary | None) -> str:
    concept = vocabulary.concepts.get(key) if vocabulary is not None else None
    if concept is None:
        return "outside the vocabulary"
    return "generic" if concept.flags & {"WhenAsked", "WhenListed"} else "named"


@dataclass
class Report:
    postings: int = 0
    missing: list[str] = field(default_factory=list)
    fields: dict[str, FieldScore] = field(default_factory=lambda: {name: FieldScore() for name in FIELDS})
    skill: SkillScore = field(default_factory=SkillScore)
    skill_by_kind: dict[str, SkillScore] = field(default_factory=lambda: {k: SkillScore() for k in SKILL_KINDS})
    skill_errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def correct(self) -> int:
        return sum(s.correct for s in self.fields.values())

    @property
    def counted(self) -> int:
        return sum(s.counted for s in self.fields.values())

    def skills(self) -> dict[str, float]:
        return self.skill.figures()

    def to_json(self) -> dict[str, Any]:
        return {
            "postings": self.postings,
            "missing": self.missing,
            "accuracy": self.correct / self.counted if self.counted else None,
            "correct": self.correct,
            "counted": self.counted,
            "fields": {name: {"accuracy": s.accuracy, "correct": s.correct, "counted": s.counted,
                              "errors": s.errors} for name, s in self.fields.items()},
            "skills": {**self.skill.to_json(), "errors": self.skill_errors,
                       "by_kind": {k: s.to_json() for k, s in self.skill_by_kind.items() if s.tp + s.fp + s.fn}},
        }

    def table(self) -> str:
        lines = [f"{'field':<16} {'accuracy':>8}  correct/counted"]
        for name, s in self.fields.items():
            acc = f"{s.accuracy:.1%}" if s.accuracy is not None else "-"
            lines.append(f"{name:<16} {acc:>8}  {s.correct}/{s.counted}")
        total = f"{self.correct / self.counted:.1%}" if self.counted else "-"
        lines.append(f"{'all fields':<16} {total:>8}  {self.correct}/{self.counted}")
        lines.append(f"skills: {self.skill.line()}")
        for kind, score in self.skill_by_kind.items():
            if score.tp + score.fp + score.fn:
                lines.append(f"  {SKILL_KINDS[kind]}: {score.line()}")
        missing = f", {len(self.missing)} not extracted" if self.missing else ""
        lines.append(f"{self.postings} gold postings{missing}")
        return "\n".join(lines)


def evaluate(gold: list[dict[str, Any]], predictions: list[dict[str, Any]], registry: Registry | None = None,
             vocabulary: Vocabulary | None = None) -> Report:
    """Compare predictions (``Posting.to_json()`` rows) with gold rows, matched by file and posting index."""
    by_key = {(p["file"], p.get("posting_index") or 0): p for p in predictions}
    report = Report()
    for want in gold:
        key = (want["file"], want.get("posting_index") or 0)
        report.postings += 1
        got = by_key.get(key)
        if got is None:
            report.missing.append(f"{key[0]}#{key[1]}")
            got = {}
        for name in FIELDS:
            if name not in want:
                continue
            gold_value, pred_value = want[name], got.get(name)
            if is_empty(name, gold_value) and is_empty(name, pred_value):
                continue
            score = report.fields[name]
            score.counted += 1
            if field_ok(name, gold_value, got, registry):
                score.correct += 1
            else:
                shown = pred_value.get("text") if isinstance(pred_value, dict) else pred_value
                score.errors.append({"posting": f"{key[0]}#{key[1]}", "gold": gold_value, "predicted": shown})
        if "skills" in want:
            g = {next(iter(skill_keys([label], vocabulary))): label for label in want["skills"]}
            p = {next(iter(skill_keys([s["label"]], vocabulary))): s["label"] for s in got.get("skills", [])}
            report.skill.add(g.keys(), p.keys())
            kinds = {k: skill_kind(k, vocabulary) for k in g.keys() | p.keys()}
            for kind, score in report.skill_by_kind.items():
                score.add({k for k in g if kinds[k] == kind}, {k for k in p if kinds[k] == kind})
            if g.keys() != p.keys():
                report.skill_errors.append({"posting": f"{key[0]}#{key[1]}",
                                            "missed": sorted(g[k] for k in g.keys() - p.keys()),
                                            "extra": sorted(p[k] for k in p.keys() - g.keys())})
    return report
