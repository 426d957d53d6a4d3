"""Rules that read one field each from a posting's text, each returning the value and its Evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import dateparser

from ..model import Evidence, Salary

# --- sections -----------------------------------------------------------------------------------------

SECTION_KINDS: dict[str, tuple[str, ...]] = {
    "desirable": ("nice to have", "useful qualit", "desirable", "preferred qualif", "bonus", "would be a plus",
                  "wünschenswert", "von vorteil"),
    "necessary": ("necessary qualit", "requirement", "essential", "required", "qualifications", "must have",
                  "what you bring", "who you are", "about you", "skills and experience", "anforderungen",
                  "ihr profil"),
    "responsibilities": ("responsibilit", "duties", "what you will do", "what you'll do", "you will:", "outcomes",
                         "the role", "aufgaben"),
    "apply": ("to apply", "how to apply", "application", "bewerbung"),
    "benefits": ("why work for us", "benefits", "what we offer", "we offer", "wir bieten"),
}


@dataclass
class Section:
    kind: str  # one of SECTION_KINDS, or "other"
    heading: str
    start: int
    end: int


SETEXT = re.compile(r"^([^\n#>*-][^\n]{0,80})\n(?:-{3,}|={3,})[ \t]*$", re.M)
ATX = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.M)
LABEL_LINE = re.compile(r"^(?:\*\*)?([A-Z][^\n.!?]{2,60}?)(?:\*\*)?:?[ \t]*$", re.M)


def classify_heading(heading: str) -> str:
    low = heading.lower().strip(" *:#")
    for kind, keys in SECTION_KINDS.items():
        if any(key in low for key in keys):
            return kind
    return "other"


def sections(text: str) -> list[Section]:
    """Headings (ATX, setext, or a short label line that names a known section) and their spans."""
    marks: list[tuple[int, int, str]] = []
    for rx in (ATX, SETEXT):
        marks += [(m.start(), m.end(), m.group(1)) for m in rx.finditer(text)]
    for m in LABEL_LINE.finditer(text):
        if classify_heading(m.group(1)) != "other" and not any(s <= m.start() < e for s, e, _ in marks):
            marks.append((m.start(), m.end(), m.group(1)))
    marks.sort()
    out = []
    for i, (_, end, heading) in enumerate(marks):
        stop = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        out.append(Section(classify_heading(heading), heading.strip(), end, stop))
    return out


def section_at(secs: list[Section], pos: int) -> str:
    for sec in secs:
        if sec.start <= pos < sec.end:
            return sec.kind
    return "other"


BULLET = re.compile(r"^[ \t]*(?:[-*+•]|\d+[.)])[ \t]+(.+)$", re.M)


def items(text: str, secs: list[Section], kind: str) -> list[str]:
    """List items (or, for flat text, ';'-separated clauses) under every section of one kind."""
    out: list[str] = []
    for sec in secs:
        if sec.kind != kind:
            continue
        body = text[sec.start:sec.end]
        bullets = [b.strip() for b in BULLET.findall(body)]
        out += bullets or [c.strip() for c in re.split(r";\s+|\n{2,}", body) if len(c.strip()) > 3]
    return out


# --- simple values ------------------------------------------------------------------------------------

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.I)
URL = re.compile(r"https?://[^\s)>\]\"']+")


def emails(text: str) -> list[tuple[str, Evidence]]:
    found: dict[str, Evidence] = {}
    for m in EMAIL.finditer(text):
        addr = m.group(0).rstrip(".").lower()
        found.setdefault(addr, Evidence(_sentence(text, m.start()), "email-regex", m.start(), m.end()))
    return list(found.items())


def _sentence(text: str, pos: int, width: int = 240) -> str:
    """The sentence (or line) around a position, for evidence."""
    start = max(text.rfind(". ", 0, pos), text.rfind("\n", 0, pos), pos - width) + 1
    ends = [e for e in (text.find(". ", pos), text.find("\n", pos)) if e != -1]
    end = min([*ends, pos + width, len(text)])
    return text[start:end + 1].strip(" \n-*")


def sentence(text: str, pos: int) -> str:
    return _sentence(text, pos)


# --- dates ---------------------------------------------------------------------------------------------

DATE_PHRASE = (r"((?:\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?[A-Z][a-z]+\.?,?\s+\d{4})"
               r"|(?:[A-Z][a-z]+\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})|(?:\d{4}-\d{2}-\d{2}))")
CLOSING = re.compile(
    r"(?:closing date[^.;\n]{0,40}?|apply (?:by|before)|deadline[^.;\n]{0,20}?"
    r"|applications? (?:close|due)[^.;\n]{0,15}?|by|no later than)\s+"
    r"(?:\d{1,2}(?::\d{2})?\s*[ap]m,?\s+)?(?:[A-Z][a-z]+day,?\s+)?" + DATE_PHRASE, re.I)
START = re.compile(r"(?:start(?:ing)?(?: date)?(?: in this role)?(?: on| date:| from)?)\s+(?:[A-Z][a-z]+day,?\s+)?"
                   + DATE_PHRASE, re.I)


def parse_date(phrase: str) -> str | None:
    parsed = dateparser.parse(phrase, languages=["en", "de"], settings={"STRICT_PARSING": True})
    return parsed.date().isoformat() if parsed else None


def find_date(rx: re.Pattern[str], text: str, rule: str) -> tuple[str, Evidence] | None:
    for m in rx.finditer(text):
        iso = parse_date(m.group(1))
        if iso:
            return iso, Evidence(_sentence(text, m.start()), rule, m.start(1), m.end(1))
    return None


def iso_date(value: object) -> str | None:
    """A date from structured fields (front matter, JSON-LD) as ISO, whatever type YAML gave it."""
    if isinstance(value, date):
        return value.isoformat()[:10]
    if isinstance(value, str) and value.strip():
        return parse_date(value.strip()) if not re.match(r"\d{4}-\d{2}-\d{2}", value) else value[:10]
    return None


# --- remote, employment type, salary -------------------------------------------------------------------

REMOTE = re.compile(r"\b(?:fully remote|remote[- ]first|remote position|work(?:ing)? remotely|remote team"
                    r"|remote/home working|home working|work from home|remote)\b", re.I)
HYBRID = re.compile(r"\bhybrid\b", re.I)


def remote(text: str) -> tuple[bool, Evidence] | None:
    m = REMOTE.search(text)
    if not m:
        return None
    return True, Evidence(_sentence(text, m.start()), "remote-keyword", m.start(), m.end())


EMPLOYMENT = [
    ("fixed-term", re.compile(r"\bfixed[- ]term\b", re.I)),
    ("part-time", re.compile(r"\bpart[- ]time (?:position|role|post)\b", re.I)),
    ("full-time", re.compile(r"\bfull[- ]time\b", re.I)),
    ("contract", re.compile(r"\b(?:independent )?contractor\b", re.I)),
]


def employment_type(text: str) -> tuple[str, Evidence] | None:
    for label, rx in EMPLOYMENT:
        m = rx.search(text)
        if m:
            return label, Evidence(_sentence(text, m.start()), f"employment-{label}", m.start(), m.end())
    return None


CURRENCY_SIGNS = {"£": "GBP", "$": "USD", "€": "EUR", "US$": "USD", "USD": "USD", "EUR": "EUR", "GBP": "GBP",
                  "DKK": "DKK", "CHF": "CHF"}
SALARY = re.compile(
    r"(US\$|[£$€]|USD|EUR|GBP|DKK|CHF)\s?(\d{1,3}(?:[,.]\d{3})+|\d+(?:\.\d+)?)\s*(k)?"
    r"(?:\s*(?:-|–|to)\s*(?:US\$|[£$€])?\s?(\d{1,3}(?:[,.]\d{3})+|\d+(?:\.\d+)?)\s*(k)?)?"
    r"(?:\s*(p\.?a\.?|per (?:year|annum|month|hour)|/\s?(?:year|yr|h|hour|month)|a year|annually))?", re.I)
PERIODS = {"p": "YEAR", "y": "YEAR", "a": "YEAR", "m": "MONTH", "h": "HOUR"}
SALARY_WORDS = re.compile(r"\b(?:competitive (?:local )?salary|salary is competitive)[^.\n]*", re.I)


def _amount(num: str, k: str | None) -> float:
    value = float(num.replace(",", "").replace(".", "") if re.search(r"[,.]\d{3}$", num) else num)
    return value * 1000 if k else value


def salary(text: str) -> tuple[Salary, Evidence] | None:
    for m in SALARY.finditer(text):
        low = _amount(m.group(2), m.group(3))
        high = _amount(m.group(4), m.group(5)) if m.group(4) else None
        if low < 1000 and not m.group(6):  # "$5" is not a salary; "$60/h" is
            continue
        period_text = (m.group(6) or "").lower().replace("per ", "").lstrip("/ ").replace("annum", "year")
        unit = PERIODS.get(period_text[:1]) if period_text else ("YEAR" if low >= 10000 else None)
        currency = CURRENCY_SIGNS.get(m.group(1).upper() if m.group(1).isalpha() else m.group(1))
        written = m.group(0).strip()
        return (Salary(written, currency, low, high or low, unit),
                Evidence(_sentence(text, m.start()), "salary-amount", m.start(), m.end()))
    m = SALARY_WORDS.search(text)
    if m:
        words = m.group(0).strip()
        return Salary(words[0].upper() + words[1:]), Evidence(_sentence(text, m.start()), "salary-words",
                                                              m.start(), m.end())
    return None
