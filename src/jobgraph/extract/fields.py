"""Rules that read one field each from a posting's text, each returning the value and its Evidence."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import dateparser

from ..model import Evidence, Salary

# --- keyword windows ---------------------------------------------------------------------------------------
# A case-insensitive regex is tried at every position of a text. Each rule that needs a keyword (every match
# holds one of its keywords) is run only on windows around the keyword's occurrences, found with str.find on
# the lowered text: the same matches, in the same order, for a fraction of the work.

TRIGGERS: dict[re.Pattern[str], tuple[str, ...]] = {}
BEFORE, AFTER = 200, 400  # longer than any rule's match on either side of its keyword


def needs(rx: re.Pattern[str], *words: str) -> re.Pattern[str]:
    TRIGGERS[rx] = words
    return rx


@lru_cache(maxsize=16)
def _low(text: str) -> str:
    return text.lower()


def _windows(words: tuple[str, ...], text: str) -> list[list[int]] | None:
    """Merged (start, end) windows around every occurrence of the words; None when lowering changed the
    text's length (offsets would not line up), so the caller scans the whole text."""
    low = _low(text)
    if len(low) != len(text):
        return None
    spans = []
    for word in words:
        i = low.find(word)
        while i != -1:
            spans.append((max(0, i - BEFORE), i + len(word) + AFTER))
            i = low.find(word, i + 1)
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def finditer(rx: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    words = TRIGGERS.get(rx)
    windows = _windows(words, text) if words else None
    if windows is None:
        return rx.finditer(text)
    return (m for start, end in windows for m in rx.finditer(text, start, end))


def search(rx: re.Pattern[str], text: str) -> re.Match[str] | None:
    return next(finditer(rx, text), None)


# A pattern made from a name (``re.escape(name) + ...``) is compiled anew for nearly every name: with thousands
# of employers, re's cache of 512 patterns thrashes. str.find finds the same places.

def literal_starts(literal: str, text: str) -> Iterator[int]:
    """Where ``re.finditer(re.escape(literal), text)`` matches (non-overlapping)."""
    if not literal:
        yield from range(len(text) + 1)
        return
    i = text.find(literal)
    while i != -1:
        yield i
        i = text.find(literal, i + len(literal))


def literal_then(literal: str, rx: re.Pattern[str], text: str) -> str | None:
    """What ``re.search(re.escape(literal) + rx.pattern, text)`` matches, for a pattern without flags or
    lookbehind."""
    i = text.find(literal)
    while i != -1:
        if m := rx.match(text, i + len(literal)):
            return text[i:m.end()]
        i = text.find(literal, i + 1)
    return None


# --- sections -----------------------------------------------------------------------------------------

SECTION_KINDS: dict[str, tuple[str, ...]] = {
    "desirable": ("nice to have", "useful qualit", "desirable", "desired", "preferred qualif", "bonus",
                  "would be a plus", "valued", "we prefer", "not required", "wünschenswert", "von vorteil"),
    "necessary": ("necessary qualit", "requirement", "essential", "required", "qualifications", "must have",
                  "what you bring", "who you are", "about you", "skills and experience", "criteria", "competenc",
                  "ideal candidate", "great fit", "looking for in", "at a minimum", "anforderungen", "ihr profil"),
    "responsibilities": ("responsibilit", "duties", "what you will do", "what you'll do", "you will:", "outcomes",
                         "you'll get to", "you will get to",
                         "the role", "aufgaben"),
    "apply": (),  # APPLY_HEADING: "application" alone is also a word of job titles
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
LABEL_LINE = re.compile(r"^(?:\*\*)?([A-Z][^\n.!?]{2,90}?)(?:\*\*)?:?[ \t]*$", re.M)


# How to apply: "To apply", "Applying", "Application", "Application process", "Your application must …", but not
# a role heading ("Application Support Engineer", "Open Source Applications Engineer") or a sentence that
# mentions applications.
APPLY_HEADING = re.compile(r"^(?:how |where )?(?:to )?apply\b|\bhow to apply\b|^applying\b|bewerbung|"
                           r"^(?:your |submitting (?:an? |your )?)?applications?(?:\W*$| (?:process|procedure|"
                           r"instructions|deadline|form|materials|documents|package|must|should)\b)", re.I)


def classify_heading(heading: str) -> str:
    low = heading.lower().strip(" *:#")
    for kind, keys in SECTION_KINDS.items():
        if any(key in low for key in keys) or (kind == "apply" and APPLY_HEADING.search(low)):
            return kind
    return "other"


@lru_cache(maxsize=16)  # extraction and the skill matcher both ask, of the same text; callers only read it
def sections(text: str) -> list[Section]:
    """Headings (ATX, setext, or a short label line that names a known section) and their spans. A subheading
    that names no kind of its own takes its parent's ("## Responsibilities" > "### Scoping projects" is still
    responsibilities). A label line ("Candidate journey") names its own kind: it ends the section before it."""
    marks: list[tuple[int, int, str, int]] = []
    for m in ATX.finditer(text):
        marks.append((m.start(), m.end(), m.group(1), len(m.group(0)) - len(m.group(0).lstrip("#"))))
    for m in SETEXT.finditer(text):
        marks.append((m.start(), m.end(), m.group(1), 1 if text[m.end() - 1] == "=" else 2))
    for m in LABEL_LINE.finditer(text):
        # a label naming a known section, or a short one ("Candidate journey") that ends the one before it
        known = classify_heading(m.group(1)) != "other" or len(m.group(1).split()) <= 4
        if known and not any(s <= m.start() < e for s, e, _, _ in marks):
            marks.append((m.start(), m.end(), m.group(1), 7))
    marks.sort()
    out = []
    parents: list[tuple[int, str]] = []  # (level, kind) of the headings enclosing this one
    for i, (_, end, heading, level) in enumerate(marks):
        stop = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        while parents and parents[-1][0] >= level:
            parents.pop()
        kind = classify_heading(heading)
        if kind == "other" and parents and level < 7:
            kind = parents[-1][1]
        parents.append((level, kind))
        out.append(Section(kind, heading.strip(), end, stop))
    return out


def section_at(secs: list[Section], pos: int) -> str:
    for sec in secs:
        if sec.start <= pos < sec.end:
            return sec.kind
    return "other"


BULLET = re.compile(r"^[ \t]*(?:[-*+•]|\d+[.)])[ \t]+(.+)$", re.M)


EMPHASIS = re.compile(r"(?<!\w)(\*\*?|__?)(?=\S)(.+?)(?<=\S)\1(?!\w)")
DESIRABLE_ITEM = re.compile(r"\((?:desirable|preferred|optional|a plus|nice to have|wünschenswert)\)|\bis a plus\b"
                            r"|\bwould be (?:a plus|an advantage)\b|\bvon Vorteil\b", re.I)


def items(text: str, secs: list[Section], kind: str) -> list[str]:
    """List items (or lines, or ';'-separated clauses in flat text) under every section of one kind. A group
    label ("**Communications**") is not an item; an item marked "(desirable)" under the requirements is
    desirable, not necessary."""
    out: list[str] = []
    for sec in secs:
        if sec.kind not in (kind, "necessary" if kind == "desirable" else kind):
            continue
        body = text[sec.start:sec.end]
        found = [b.strip() for b in BULLET.findall(body)]
        if not found:
            lines = [c.strip() for c in body.split("\n") if c.strip()]
            found = lines if len(lines) > 1 else [c.strip() for c in re.split(r";\s+", body) if c.strip()]
        for item in found:
            plain = EMPHASIS.sub(r"\2", EMPHASIS.sub(r"\2", item)).strip()
            if len(plain) <= 3 or EMPHASIS.fullmatch(item.rstrip(":")):
                continue
            desirable = bool(DESIRABLE_ITEM.search(plain))
            if (sec.kind == kind and not (kind == "necessary" and desirable)
                    or kind == "desirable" and sec.kind == "necessary" and desirable):
                out.append(plain)
    return out


# --- simple values ------------------------------------------------------------------------------------

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.I)
URL = re.compile(r"https?://[^\s)>\]\"']+")


MAX_AT_SIGNS = 2000  # a posting names a few addresses; a page of "@"s must not cost 0.1 ms for each


def emails(text: str) -> list[tuple[str, Evidence]]:
    """Addresses in order of appearance, each once. Only the text around each "@" is searched."""
    found: dict[str, Evidence] = {}
    at, tries = text.find("@"), 0
    while at != -1 and tries < MAX_AT_SIGNS:
        tries += 1
        m = EMAIL.search(text, max(0, at - 64), at + 256)
        if m and m.start() <= at < m.end():
            addr = m.group(0).rstrip(".").lower()
            found.setdefault(addr, Evidence(_sentence(text, m.start()), "email-regex", m.start(), m.end()))
        at = text.find("@", at + 1)
    return list(found.items())


def _sentence(text: str, pos: int, width: int = 240) -> str:
    """The sentence (or line) around a position, for evidence."""
    low, high = max(0, pos - width), pos + width + 2  # searching further finds nothing nearer: stays linear
    start = max(text.rfind(". ", low, pos), text.rfind("\n", low, pos), pos - width) + 1
    ends = [e for e in (text.find(". ", pos, high), text.find("\n", pos, high)) if e != -1]
    end = min([*ends, pos + width, len(text)])
    return text[start:end + 1].strip(" \n-*")


def sentence(text: str, pos: int) -> str:
    return _sentence(text, pos)


def sentence_spans(rx: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence (or line) holding a match of ``rx``. Finding the keyword first and then
    its sentence is linear; a pattern such as ``[^.]*keyword[^.]*`` retries at every character."""
    spans: list[tuple[int, int]] = []
    for m in finditer(rx, text):
        if spans and m.start() < spans[-1][1]:
            continue
        dot = text.rfind(".", 0, m.start())  # then a newline only after it: one huge line stays linear
        start = max(dot, text.rfind("\n", dot + 1, m.start())) + 1
        dot = text.find(".", m.end())
        ends = [e for e in (dot, text.find("\n", m.end(), dot if dot != -1 else len(text))) if e != -1]
        spans.append((start, min(ends) if ends else len(text)))
    return spans


def blank(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with the spans replaced by spaces (so offsets stay valid)."""
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


# --- dates ---------------------------------------------------------------------------------------------

MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
DAY = r"\d{1,2}(?:st|nd|rd|th)?"
DATE_PHRASE = (rf"((?:{DAY}\s+(?:of\s+)?{MONTH},?\s+\d{{4}})|(?:{MONTH}\s+{DAY},?\s+\d{{4}})"
               rf"|(?:\d{{4}}-\d{{2}}-\d{{2}})"
               rf"|(?:{DAY}\.\s?(?:Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November"
               rf"|Dezember)\s+\d{{4}})|(?:\d{{1,2}}\.\d{{1,2}}\.\d{{4}}))")
# A day and month without a year ("Sunday 6th July"): resolved against the posting's other dates.
YEARLESS = rf"((?:{DAY}\s+(?:of\s+)?{MONTH})|(?:{MONTH}\s+{DAY}))(?![\w,]*\s*,?\s*\d{{4}})"
TIME = r"(?:(\d{1,2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)|\d{1,2}:\d{2}|midnight|noon)(?:\s*\([^)]*\))?,?\s+(?:on\s+)?)?"
WEEKDAY = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+(?:the\s+)?)?"
CLOSING_CUE = (r"(?:closing date[^.;\n]{0,40}?|apply (?:by|before)|deadline[^.;\n]{0,40}?"
               r"|applications? (?:close|are due|due|must be received by)[^.;\n]{0,15}?|bewerbungsfrist[^.;\n]{0,20}?"
               r"|bewerbungsschluss[^.;\n]{0,20}?|no later than|bis zum"
               r"|(?:apply|applications?|send|submit)\b(?:[^.\n]|\.(?=\S)){0,150}?\s(?:by|before))\s*(?:is|ist|:|on)?\s*(?:the\s+)?")
CUE_BEFORE_DATE = re.compile(CLOSING_CUE + TIME + WEEKDAY + "$", re.I)
DATE_ENDING = re.compile(DATE_PHRASE + "$", re.I)
YEARLESS_ANY = re.compile(YEARLESS, re.I)
YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
MONTH_NAME = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)")


def dates_with_year(text: str) -> Iterator[re.Match[str]]:
    """Date phrases that state a year, found from their years (a four-digit number is cheap to find; a
    case-insensitive date pattern tried at every position is not)."""
    end = -1
    for y in YEAR.finditer(text):
        stop = y.end() + (6 if text[y.end():y.end() + 1] == "-" else 0)  # 2026-03-01
        if y.start() < end:
            continue
        if m := DATE_ENDING.search(text, max(0, y.start() - 40), stop):
            end = m.end()
            yield m


def dates_without_year(text: str) -> Iterator[re.Match[str]]:
    end = -1
    for month in MONTH_NAME.finditer(text):
        if month.start() < end:
            continue
        if m := YEARLESS_ANY.search(text, max(0, month.start() - 15), month.end() + 12):
            end = m.end()
            yield m
START = needs(
    re.compile(r"(?:start(?:ing)?(?: date)?(?: in this role)?(?: on| date:| from| is)?|beginning|beginn(?: zum)?"
                   r"|ab dem|zum)\s+(?:[A-Z][a-z]+day,?\s+)?" + DATE_PHRASE, re.I), 'start', 'beginn', 'ab dem', 'zum')
PERIOD = needs(re.compile(r"(?:for|during|in|covering) the period (?:of |from )?" + WEEKDAY + YEARLESS, re.I), 'period')
POSTED = needs(
    re.compile(r"^(?:\*\*)?(?:posted|date posted|published|veröffentlicht)(?: on)?:?(?:\*\*)?:?\s*" + DATE_PHRASE,
                    re.I | re.M), 'posted', 'published', 'veröffentlicht')
INTERVIEWS = needs(re.compile(r"interviews?\b[^.\n]{0,60}?\b(?:on|from|in|during|by|between|the week of)\s+(?:the\s+)?"
                        r"(?:end of |beginning of |mid-)?((?:" + DAY + r"\s+)?" + MONTH + r"(?:\s+" + DAY
                        + r")?,?\s+\d{4})",
                        re.I), 'interview')
CLOCK = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?m\.?|(\d{1,2}):(\d{2})|(midnight)|(noon)", re.I)


ENGLISH_MONTHS = {name: i for i, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
    ("december", "dec")), 1) for name in names}
PLAIN_DATE = re.compile(r"(?:(\d{1,2}) ([A-Za-z]+)\.?|([A-Za-z]+)\.? (\d{1,2})),? (\d{4})")


def plain_date(phrase: str) -> str | None:
    """"14 March 2026", "Mar. 14, 2026" -> ISO, as dateparser reads them (tests/test_fast_paths.py checks every
    day of every month in both orders), without it: a dateparser call builds its parser anew, ~1 ms. None for
    anything else, which dateparser then reads (German months, "14 of March", a 31 April)."""
    m = PLAIN_DATE.fullmatch(phrase)
    if not m:
        return None
    day, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
    number = ENGLISH_MONTHS.get(month.lower())
    try:
        return date(int(m.group(5)), number, int(day)).isoformat() if number else None
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def parse_date(phrase: str, relative_to: str | None = None) -> str | None:
    """A short date phrase -> ISO date; a phrase without a year takes the year that puts it on or after
    ``relative_to`` (an ISO date the posting states), so "Sunday 6th July" in a June 2014 post is 2014-07-06."""
    settings: dict[str, object] = {"STRICT_PARSING": relative_to is None, "PREFER_DATES_FROM": "future",
                                   "REQUIRE_PARTS": ["day", "month"]}
    if relative_to:
        settings["RELATIVE_BASE"] = datetime.fromisoformat(relative_to) - timedelta(days=1)
    phrase = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", phrase)
    if relative_to is None and (iso := plain_date(phrase)):
        return iso
    parsed = dateparser.parse(phrase, languages=["en", "de"], settings=settings)  # type: ignore[arg-type]
    return parsed.date().isoformat() if parsed else None


MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                        "dec"), 1)}


def interviews(text: str) -> tuple[str, Evidence] | None:
    """When interviews are held: a day ("2026-03-20") or, when the posting names only a month, the month
    ("2021-12" for "from the end of December 2021")."""
    for m in finditer(INTERVIEWS, text):
        phrase = m.group(1)
        value = parse_date(phrase)
        if not value and (month := re.match(r"([A-Za-z]{3})[a-z]*\.?,?\s+(\d{4})$", phrase)):
            number = MONTHS.get(month.group(1).lower())
            value = f"{month.group(2)}-{number:02d}" if number else None
        if value:
            return value, Evidence(_sentence(text, m.start()), "interview-phrase", m.start(1), m.end(1))
    return None


def find_date(rx: re.Pattern[str], text: str, rule: str, relative_to: str | None = None,
              group: int = -1) -> tuple[str, Evidence] | None:
    for m in finditer(rx, text):
        g = group if group > 0 else rx.groups
        iso = parse_date(m.group(g), relative_to)
        if iso:
            return iso, Evidence(_sentence(text, m.start()), rule, m.start(g), m.end(g))
    return None


NOT_A_DEADLINE = needs(re.compile(r"\b(?:full consideration|review of applications (?:will )?begin"
                            r"|review (?:will )?begins?)\b", re.I), 'consideration', 'review')


def closing(text: str, relative_to: str | None) -> tuple[str, str | None, Evidence] | None:
    """The closing date, with the time of day when one is given ("9am Monday 26th September 2016")."""
    text = blank(text, sentence_spans(NOT_A_DEADLINE, text))
    # Dates are rare and cheap to find; the cue before each ("apply by", "deadline is 9am on") is then
    # matched backwards from it, which is much cheaper than trying the cue at every position of the text.
    for dates, rule, relative in ((dates_with_year, "closing-phrase", None),
                                  (dates_without_year, "closing-phrase-no-year", relative_to)):
        if dates is dates_without_year and not relative_to:
            break
        for d in dates(text):
            cue = CUE_BEFORE_DATE.search(text, max(0, d.start() - 220), d.start())
            if cue and (iso := parse_date(d.group(1), relative)):
                return iso, _clock(cue.group(1)), Evidence(_sentence(text, d.start()), rule, d.start(1), d.end(1))
    return None


def _clock(written: str | None) -> str | None:
    """"9am" -> "09:00", "midnight" -> "23:59" (the end of the closing day), "17:30" -> "17:30"."""
    clock = None
    if written and (c := CLOCK.search(written)):
        if c.group(6):
            clock = "23:59"
        elif c.group(7):
            clock = "12:00"
        elif c.group(4):
            clock = f"{int(c.group(4)):02d}:{c.group(5)}"
        else:
            hour = int(c.group(1)) % 12 + (12 if c.group(3).lower() == "p" else 0)
            clock = f"{hour:02d}:{c.group(2) or '00'}"
    return clock


def iso_date(value: object) -> str | None:
    """A date from structured fields (front matter, JSON-LD) as ISO, whatever type YAML gave it."""
    if isinstance(value, date):
        return value.isoformat()[:10]
    if isinstance(value, str) and value.strip():
        return parse_date(value.strip()) if not re.match(r"\d{4}-\d{2}-\d{2}", value) else value[:10]
    return None


# --- remote / hybrid / on-site, and where applicants may work from ------------------------------------

REMOTE_STRONG = needs(re.compile(r"\b(?:fully|100\s?%|entirely|completely|all|100 percent)[- ](?:globally )?remote\b"
                           r"|\bremote (?:position|role|job|post)\b|\bremote,[^.\n]{0,40}\bposition\b"
                           r"|\b(?:this )?(?:role|position|job) is (?:also )?(?:fully )?remote\b"
                           r"|\bwork(?:ing)? (?:fully )?remotely\b(?! may)|\bremote/home working\b"
                           r"|\bremote[- ]only\b|\bvollständig remote\b|\bmobile[sn]? arbeiten\b", re.I),
                      'remote', 'mobil')
REMOTE_TEAM = needs(re.compile(r"\bremote (?:team|professionals|company|organi[sz]ation)\b|\bcan be located anywhere\b"
                         r"|\banywhere on earth\b|\bwork from anywhere\b|\bwork from home\b|\bhome working\b", re.I),
                    'remote', 'anywhere', 'home')
HYBRID = needs(re.compile(r"\bhybrid\b|\b(?:partly|partially|largely|mostly) remote\b|\bin person or remote\b"
                    r"|\bremote or in person\b|\bremote / work from home\b|\bteilweise remote\b", re.I),
               'hybrid', 'remote')
REMOTE_OPTIONAL = needs(
    re.compile(r"remote(?:ly)?[^.\n]{0,40}\b(?:also an option|may be (?:available|possible)|possible"
                             r"|negotiable|for the right candidate)|\bremote possible\b", re.I), 'remote')
ONSITE = needs(
    re.compile(r"\bon[- ]site (?:position|role|only)\b|\bin[- ]office (?:position|role)\b|\bvor ort\b", re.I),
               'on-site', 'on site', 'in-office', 'in office', 'vor ort')
REMOTE_NOT_ABOUT_JOB = re.compile(r"remote[- ]first|remote, agile|remote environments?|remote work\b(?! is)", re.I)


def work_arrangement(text: str, secs: list[Section]) -> tuple[str, bool, Evidence] | None:
    """("remote" | "hybrid" | "on-site", whether the statement is strong, evidence). Statements in the
    qualification sections describe the applicant ("experience in remote environments"), not the job."""
    def about_applicant(pos: int) -> bool:
        back = max(0, pos - 2000)  # at most 2000 characters back: huge lines stay linear
        line = text[text.rfind("\n", back, pos) + 1 or back:pos]
        return section_at(secs, pos) in ("necessary", "desirable") and bool(BULLET.match(line + "x"))

    def first(rx: re.Pattern[str]) -> re.Match[str] | None:
        return next((m for m in finditer(rx, text) if not about_applicant(m.start())
                     and not REMOTE_NOT_ABOUT_JOB.match(text, m.start())), None)

    if m := first(REMOTE_OPTIONAL):
        return "on-site", False, Evidence(_sentence(text, m.start()), "remote-optional", m.start(), m.end())
    for rx, kind, strong in ((HYBRID, "hybrid", True), (REMOTE_STRONG, "remote", True),
                             (REMOTE_TEAM, "remote", False), (ONSITE, "on-site", True)):
        if m := first(rx):
            return kind, strong, Evidence(_sentence(text, m.start()), f"{kind}-keyword", m.start(), m.end())
    return None


ZONE = r"(?:Pacific|Eastern|Central|Mountain|Atlantic|Central European|Greenwich)"
TIMEZONE = needs(
    re.compile(r"\b(?:time ?zones?|timezone)\b[^.\n]{0,40}?\b(?:aligns? with|overlaps? with|in|of)\s+(?:the\s+)?"
                      r"((?:U\.?S\.? )?[A-Z][\w.]*(?: (?:and )?[A-Z][\w.]*){0,3})"
                      rf"|\b((?:U\.?S\.? |European )?{ZONE}(?: and {ZONE})? [Tt]ime(?: [Zz]ones?)?)"
                      r"|\b((?:UTC|GMT|CET)\s?[+-]\s?\d{1,2})\b"
                      r"|\bremote(?:ly)? (?:with)?in (?:the )?([A-Z][\w]+(?: [A-Z][\w]+){0,2})"),
                 'time', 'utc', 'gmt', 'cet',
                 'remote')


def remote_regions(text: str) -> list[str]:
    """Regions or time zones remote applicants must work from or overlap with."""
    out: list[str] = []
    for m in finditer(TIMEZONE, text):
        value = next(g for g in m.groups() if g)
        if value not in out:
            out.append(value.strip())
    return out


# --- location ---------------------------------------------------------------------------------------------

LOCATION_LABEL = needs(re.compile(r"(?:^|(?<=[.!?] )|(?<=[.!?]  ))(?:\*\*)?"
                            r"(?:location|place of work|arbeitsort|dienstort|standort)(?:\*\*)?:(?:\*\*)?"
                            r"[ \t]*([^\n]+?)(?:\.(?:\s|$)|$)", re.I | re.M),
                       'location', 'place of work', 'arbeitsort', 'dienstort', 'standort')
PLACE = r"((?:the )?[A-Z][\w.'’-]*(?:,? (?:[A-Z][\w.'’-]*|for|of|de|am|an der|upon|at)){0,8})"
LOCATION_PHRASES = [
    ("based-at", needs(re.compile(r"\b(?:position|post|role|job) (?:will be|is) based (?:at|in) (?:the )?" + PLACE),
                       "based")),
    ("based-at", needs(re.compile(r"\bis based (?:at|in) (?:the )?" + PLACE), "based")),
    ("based-at", needs(re.compile(r"\bbased (?:at|in) " + PLACE + r" is (?:looking|seeking|hiring)"), "based")),
    ("anywhere", re.compile(r"\b(?:located|work from|based) "
                            r"(anywhere with [^.,;\n]{3,60}|anywhere in [^.,;\n]{3,40})")),
    ("work-authorisation", re.compile(r"\bwork authori[sz]ation (?:in|for) ((?:the )?[A-Z][\w.]*(?:,? (?:or |and )?"
                                      r"(?:the )?[A-Z][\w.]*)*)")),
    ("country-based", re.compile(r"\b(?:a|an) ([A-Z][\w.]*)-based (?:position|role|job)")),
    ("move-to", re.compile(r"\b(?:live (?:in )?or move to|relocate to|office in) ([A-Z][\w-]+)")),
    ("ort", re.compile(r"\b(?:Dienstort|Arbeitsort|Einsatzort|Standort) (?:ist )?([A-ZÄÖÜ][\wäöüß-]+)")),
]


def country_of(text: str) -> str | None:
    """The ISO code of the one country a location names ("UK-based", "Aarhus, Denmark"); None when it names
    several (a list of countries applicants may work from is not where the job is)."""
    from .places import country_code, place_tokens

    codes = {t.upper() for t in place_tokens(text) if len(t) == 2 and country_code(t.upper())}
    return codes.pop() if len(codes) == 1 else None


def countries_named(text: str) -> list[str]:
    """Country names in a text, as written, in order (for long "Location:" sentences)."""
    from .places import country_code

    out = []
    for m in re.finditer(r"\b(?:the )?((?:[A-Z][a-z]+ ){0,2}[A-Z][a-z]+|[A-Z]{2,3}|U\.S\.?A?\.?)(?=-based|\b)", text):
        if country_code(m.group(1)) and m.group(1) not in out and m.group(1) not in ("Remote", "The", "We"):
            out.append(m.group(1))
    return out


def location(text: str) -> tuple[str, Evidence] | None:
    """Where the job is, as the posting writes it (a place, a list of countries, "anywhere with ...")."""
    if m := search(LOCATION_LABEL, text):
        value = re.sub(r"[*_]", "", m.group(1)).strip().rstrip(".")
        if len(value.split()) > 14 or re.match(r"(?i)we(?:'|’)?re|we are|our", value):
            named = countries_named(value)
            from .places import country_code

            value = ", ".join(pycountry_name(country_code(n) or n) for n in named) if named else ""
        if value:
            return value, Evidence(_sentence(text, m.start()), "location-label", m.start(1), m.end(1))
    for rule, rx in LOCATION_PHRASES:
        if m := search(rx, text):
            value = re.sub(r"^the ", "", re.split(r"\.\s", m.group(1))[0].strip(" ,.")).strip()
            if rule == "country-based":
                from .places import country_code

                code = country_code(value)
                if not code:
                    continue
                value = pycountry_name(code)
            if rule == "move-to" and (country := _country_word(text)):
                value = f"{value}, {country}"
            return value, Evidence(_sentence(text, m.start()), f"location-{rule}", m.start(1), m.end(1))
    return None


def _country_word(text: str) -> str | None:
    named = countries_named(text)
    return named[0] if named else None


def pycountry_name(code: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or country.name if country else code


# --- employment type, hours, salary ------------------------------------------------------------------------

SCHEDULE = needs(re.compile(r"\b(full|part)[- ]?time\b|\b(vollzeit|teilzeit)\b", re.I), 'time', 'vollzeit', 'teilzeit')
NOT_THIS_JOB = re.compile(r"(?:grow|convert|change|move)s? (?:in)?to (?:a )?(?:full|part)|yet-to-be-filled,? "
                          r"|or nearly\s*$|(?:full|part)[- ]time (?:research software engineers|staff|employees"
                          r"|members|team members)", re.I)
CONTRACT = needs(re.compile(r"\b(?:independent )?contractor\b|\bcontract (?:position|role|basis|work)\b"
                      r"|\b(?:full|part)[- ]time contract\b|\bfreelance\b|\bWerkvertrag\b", re.I),
                 'contract', 'freelance', 'werkvertrag')
VOLUNTEER = needs(re.compile(r"\bvolunteer(?:ing)?\s+(?:\(i\.e\.\s*unpaid\)\s+)?(?:position|basis|role)\b|\bunpaid\b"
                       r"|\behrenamtlich\b", re.I), 'volunteer', 'unpaid', 'ehrenamt')
PERMANENT = needs(re.compile(r"\bopen[- ]ended\b|(?<!transition to a )(?<!convert to a )(?<!become a )"
                       r"\bpermanent (?:position|post|contract|role|appointment)\b|\bunbefristet\b",
                       re.I), 'permanent', 'open ended', 'open-ended', 'unbefristet')
STUDENT = needs(re.compile(r"\bstudent(?:ische)? (?:assistant|hilfskraft|research assistant)\b|\bhilfskraft\b|\bHiWi\b",
                     re.I), 'student', 'hilfskraft', 'hiwi')
FIXED = needs(re.compile(r"\bfixed[- ]term\b|\btemporary (?:position|contract|post)\b|\bbefristet\b", re.I),
              'fixed', 'temporary', 'befristet')
NUM = r"(\d+(?:\.\d+)?|one|two|three|four|five|six|eighteen|twelve|zwei|drei|vier|fünf)"
UNIT = r"[- ](year|month|jahr|monat)s?(?:e|en)?\b"
TERM = needs(
    re.compile(r"(?:\b(?:for|auf) (?:up to |an initial |a period of |a |bis zu )?|\bup to |\bbe for )" + NUM + UNIT
                  + r"(?![- ]old| of experience| experience)"
                  r"|\b" + NUM + UNIT + r"(?=[- ](?:term|project|position|contract|fixed[- ]term|appointment|post)\b)",
                  re.I), 'year', 'month', 'jahr', 'monat')
WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "twelve": 12, "eighteen": 18, "zwei": 2,
         "drei": 3, "vier": 4, "fünf": 5}
FTE = needs(re.compile(r"\b(\d(?:\.\d+)?)\s*FTE\b|\b(\d{2,3})\s?%\s*(?:effort|FTE|of full[- ]time|time|position)"
                 r"|up to (\d{2})%(?=\s*(?:effort|FTE|time|\)))",
                 re.I), 'fte', '%')
HOURS = needs(
    re.compile(r"\b(\d{1,2}(?:[.,]\d)?)\s*(?:hours|hrs|h|Stunden|Std\.?)\s*(?:a|per|/|pro)\s*(?:week|wk|Woche)\b"
                   r"|\((\d{1,2}(?:[.,]\d)?) hours?\)\s*a week", re.I), 'week', 'woche', 'wk')


@dataclass
class Employment:
    kinds: list[str]  # full-time, part-time, contract, volunteer, permanent, student assistant, fixed-term
    duration_months: int | None
    fte: float | None
    evidence: Evidence


SCHEMA_KINDS = {"FULL_TIME": "full-time", "PART_TIME": "part-time", "CONTRACTOR": "contract", "TEMPORARY": "fixed-term",
                "VOLUNTEER": "volunteer", "INTERN": "internship"}


def structured_salary(value: object) -> Salary | None:
    """A schema.org MonetaryAmount (JSON-LD ``baseSalary``) as a Salary."""
    if not isinstance(value, dict):
        return None
    amount = value.get("value")
    amount = amount if isinstance(amount, dict) else {"value": amount}
    low = amount.get("minValue", amount.get("value"))
    high = amount.get("maxValue", low)
    try:
        low, high = float(low), float(high)
    except (TypeError, ValueError):
        return None
    currency, unit = value.get("currency"), amount.get("unitText")
    return Salary(f"{currency or ''} {low:,.0f} - {high:,.0f} per {str(unit or 'YEAR').lower()}".strip(),
                  currency, low, high, unit)


def employment(text: str, percent_time: object = None, title: str = "",
               declared: list[str] | None = None) -> Employment | None:
    """Schedule, contract basis and term. The first statement about this job wins ("This is a part-time
    position ... may grow into a full-time one" is part-time), unless it offers both ("full-time or part-time")."""
    kinds: list[str] = [SCHEMA_KINDS[d.upper()] for d in declared or [] if d.upper() in SCHEMA_KINDS]
    first: re.Match[str] | None = None
    for source in (title, text) if not kinds else ():
        for m in SCHEDULE.finditer(source):
            if NOT_THIS_JOB.search(source[max(0, m.start() - 30):m.end() + 30].replace("\n", " ")):
                continue
            kind = "full-time" if (m.group(1) or m.group(2)).lower() in ("full", "vollzeit") else "part-time"
            if not kinds:
                kinds.append(kind)
                first = m if source is text else first
                window = source[m.end():m.end() + 20]
                if re.match(r"\s*(?:or|and/or|oder)\s+(?:full|part)[- ]?time", window, re.I):
                    kinds.append("part-time" if kind == "full-time" else "full-time")
        if kinds:
            break
    for rx, kind in ((CONTRACT, "contract"), (VOLUNTEER, "volunteer"), (PERMANENT, "permanent"),
                     (STUDENT, "student assistant")):
        if m := search(rx, text):
            kinds.append(kind)
            first = first or m
    fte = None
    if m := search(FTE, text):
        fte = float(m.group(1)) if m.group(1) else int(m.group(2) or m.group(3)) / 100
    if fte is not None and "full-time" in kinds and "part-time" not in kinds:
        fte = None  # "full-time; part-time 0.5 FTE considered" states an option, not this job's share
    pct = _percent(percent_time)
    if pct is not None:
        fte = pct[0]  # the board's structured figure wins over a percentage in the text
        if not kinds or kinds == ["contract"]:
            kinds[:0] = ["full-time"] if pct[0] >= 1 else (["full-time", "part-time"] if pct[1] >= 1
                                                            else ["part-time"])
    months = None
    if m := search(TERM, text):
        n, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        value = float(n) if n[0].isdigit() else WORDS[n.lower()]
        months = int(value * (12 if unit.lower() in ("year", "jahr") else 1))
        first = first or m
    if search(FIXED, text) or months:
        kinds.append("fixed-term")
        first = first or search(FIXED, text)
    if not kinds:
        return None
    kinds = list(dict.fromkeys(kinds))
    start = first.start() if first else 0
    evidence = Evidence(_sentence(text, start) if first else title, "employment-keywords",
                        start if first else None, first.end() if first else None)
    return Employment(kinds, months, fte, evidence)


def _percent(value: object) -> tuple[float, float] | None:
    """A job board's ``percentTime`` (100, "50-100") as (low, high) fractions of full time."""
    if value is None:
        return None
    numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", str(value))]
    return (min(numbers) / 100, max(numbers) / 100) if numbers else None


def hours_per_week(text: str) -> tuple[float, Evidence] | None:
    if m := search(HOURS, text):
        value = float((m.group(1) or m.group(2)).replace(",", "."))
        return value, Evidence(_sentence(text, m.start()), "hours-per-week", m.start(), m.end())
    return None


CURRENCY_SIGNS = {"£": "GBP", "$": "USD", "€": "EUR", "US$": "USD", "USD": "USD", "EUR": "EUR", "GBP": "GBP",
                  "DKK": "DKK", "CHF": "CHF"}
SALARY = needs(re.compile(
    r"(US\$|[£$€]|USD|EUR|GBP|DKK|CHF)\s?(\d{1,3}(?:[,.]\d{3})+|\d+(?:\.\d+)?)\s*(k)?"
    r"(?:\s*(?:-|–|to|bis)\s*(?:US\$|[£$€])?\s?(\d{1,3}(?:[,.]\d{3})+|\d+(?:\.\d+)?)\s*(k)?)?"
    r"(?:\s*(p\.?a\.?|per (?:year|annum|month|hour)|/\s?(?:year|yr|h|hour|month)|a year|annually|im Jahr|pro Jahr"
    r"|brutto))?", re.I), '$', '£', '€', 'usd', 'eur', 'gbp', 'dkk', 'chf')
AMOUNT_CURRENCY = needs(
    re.compile(r"(\d{1,3}(?:[.,]\d{3})+|\d+)\s*(?:-|–|bis)\s*(\d{1,3}(?:[.,]\d{3})+|\d+)\s*(€|EUR|Euro)"
                             r"(?:\s*(brutto|pro Jahr|im Jahr|jährlich|monatlich|pro Monat))?", re.I), '€', 'eur')
PAY_SCALE = re.compile(r"\b(?:TV-?L|TVöD|TV-H|E ?\d{1,2}\b|Entgeltgruppe \d+|[Pp]ay [Ss]cale|[Gg]rade \d+)[^.\n]{0,80}")
PERIODS = {"p": "YEAR", "y": "YEAR", "a": "YEAR", "m": "MONTH", "h": "HOUR", "i": "YEAR", "j": "YEAR", "b": "YEAR"}
SALARY_WORDS = needs(re.compile(r"\bcompetitive (?:\w+ ){0,2}salary(?: (?:range|package))?(?:,? (?:and|plus) benefits"
                          r"|, commensurate with experience)?|\bsalary is competitive[^.]*", re.I), 'competitive')
PAY_WORD = re.compile(r"\b(?:salary|pay|remuneration|vergütung)\b", re.I)
PAY_RULE = needs(
    re.compile(r"\b(?:collective agreement|regulated|in accordance with|according to|tarifvertrag)\b", re.I),
                 'agreement', 'regulated', 'accordance', 'according', 'tarifvertrag')


def _amount(num: str, k: str | None) -> float:
    value = float(num.replace(",", "").replace(".", "") if re.search(r"[,.]\d{3}$", num) else num)
    return value * 1000 if k else value


def salary(text: str) -> tuple[Salary, Evidence] | None:
    """Amounts (min, max, ISO 4217 currency, period) plus the text as written; else a salary statement."""
    text_one_line = text
    for m in finditer(SALARY, text_one_line):
        k_low, k_high = m.group(3), m.group(5)
        if m.group(4) and k_high and not k_low and float(m.group(2).replace(",", "")) < 1000:
            k_low = k_high  # "£30-40k"
        low = _amount(m.group(2), k_low)
        high = _amount(m.group(4), k_high) if m.group(4) else None
        if low < 1000 and not m.group(6):  # "$5" is not a salary; "$60/h" is
            continue
        period_text = (m.group(6) or "").lower().replace("per ", "").lstrip("/ ").replace("annum", "year")
        unit = PERIODS.get(period_text[:1]) if period_text else ("YEAR" if low >= 10000 else None)
        currency = CURRENCY_SIGNS.get(m.group(1).upper() if m.group(1).isalpha() else m.group(1))
        written = m.group(0).strip()
        return (Salary(written, currency, low, high or low, unit),
                Evidence(_sentence(text, m.start()), "salary-amount", m.start(), m.end()))
    if m := search(AMOUNT_CURRENCY, text):
        low, high = _amount(m.group(1), None), _amount(m.group(2), None)
        unit = "MONTH" if m.group(4) and m.group(4).lower().startswith(("monat", "pro monat")) else "YEAR"
        return (Salary(m.group(0).strip(), "EUR", low, high, unit),
                Evidence(_sentence(text, m.start()), "salary-amount", m.start(), m.end()))
    for rx, rule in ((SALARY_WORDS, "salary-words"), (PAY_SCALE, "salary-pay-scale")):
        if m := search(rx, text):
            words = re.sub(r"\s+", " ", m.group(0)).strip(" ,")
            return Salary(words[0].upper() + words[1:]), Evidence(_sentence(text, m.start()), rule, m.start(), m.end())
    for start, end in sentence_spans(PAY_RULE, text):
        if PAY_WORD.search(text, start, end):
            words = re.sub(r"\s+", " ", text[start:end + 1]).strip(" ,")
            return Salary(words[0].upper() + words[1:]), Evidence(words, "salary-sentence", start, end)
    return None


# --- titles and employers named in running text -------------------------------------------------------------

ROLE_NOUNS = (r"manager|engineer|developer|scientist|director|coordinator|officer|administrator|lead|leader"
              r"|specialist|maintainer|scholar|postdoc|researcher|analyst|architect|steward|librarian|assistant"
              r"|technician|designer|writer|editor|consultant|intern|fellow|programmer|curator|associate"
              r"|entwickler(?:in)?|referent(?:in)?|mitarbeiter(?:in)?|wissenschaftler(?:in)?|doktorand(?:in)?"
              r"|hilfskraft|leiter(?:in)?|leitung|koordinator(?:in)?")
ROLE = re.compile(rf"\b({ROLE_NOUNS})s?\b", re.I)
ADJECTIVES = {"creative", "dedicated", "collaborative", "new", "motivated", "talented", "experienced", "passionate",
              "enthusiastic", "dynamic", "full-time", "part-time", "our", "next", "a", "an", "the", "and", "highly",
              "skilled", "fully", "remote", "self-motivated", "open-source", "fixed-term", "permanent"}
HIRING_VERB = (r"(?:is|are)\s+(?:looking\s+for|looking\s+to\s+(?:recruit|hire)|seeking|hiring|searching\s+for"
               r"|recruiting)"
               r"|seeks|wish(?:es)?\s+to\s+hire|invites\s+applications\s+for|sucht|suchen")
HIRING_ROLE = needs(re.compile(rf"(?:{HIRING_VERB})\s+(?:to\s+hire\s+)?(?:an?|one|our\s+next|a\s+new)?\s*"
                         rf"([^.;:!?\n]{{0,90}}?\b(?:{ROLE_NOUNS})s?\b(?:[ \t]+(?:{ROLE_NOUNS})s?\b)*)", re.I),
                    'looking', 'seek', 'hiring', 'searching', 'recruit', 'hire', 'invites', 'such')
JOB_PHRASE = needs(
    re.compile(rf"\b[Tt]his is an? ((?:[\w-]+ ){{0,3}}?(?:{ROLE_NOUNS}))(?: job| position| role)\b", re.I),
                   'this is a')
JOB_TITLE_LABEL = needs(
    re.compile(r"^(?:\*\*)?(?:job title|position|role|stellenbezeichnung)(?:\*\*)?:(?:\*\*)?[ \t]*(.+)$",
                             re.I | re.M), 'title', 'position', 'role', 'stellenbezeichnung')
HEADLINE = re.compile(r"\b(?:hiring|position (?:at|with|available|in)|positions?$|job (?:at|opening)|join (?:our|the)"
                      r"|vacanc|opening|wir suchen|stellenausschreibung)\b|!$", re.I)


def role_phrase(raw: str) -> str:
    """The role in a phrase such as "creative, dedicated, and collaborative software research scientist"."""
    raw = re.sub(r"[*_\[\]]|\([^)]*\)", "", raw)
    raw = re.split(r",\s*(?:and\s+)?|\s+and\s+(?=\w+\s+\w)", raw)[-1] if "," in raw else raw
    words_ = raw.split()
    while words_ and words_[0].lower() in ADJECTIVES:
        words_.pop(0)
    phrase = " ".join(words_)
    if phrase and phrase == phrase.lower():
        phrase = " ".join(w[:1].upper() + w[1:] if w not in ("and", "of", "for", "in") else w for w in phrase.split())
    return phrase


def title_from_text(text: str) -> tuple[str, Evidence] | None:
    """A role stated in running text: a "Job title:" label, "X is looking for a <role>", "This is a <role> job"."""
    if m := search(JOB_TITLE_LABEL, text):
        return m.group(1).strip().rstrip("."), Evidence(m.group(0), "job-title-label", m.start(1), m.end(1))
    for rx, rule in ((HIRING_ROLE, "hiring-phrase"), (JOB_PHRASE, "this-is-a-job")):
        for m in finditer(rx, text):
            phrase = role_phrase(m.group(1))
            if phrase and len(phrase.split()) <= 8 and not re.match(r"(?i)someone|people|candidates", phrase):
                return phrase, Evidence(_sentence(text, m.start()), rule, m.start(1), m.end(1))
    return None


def headline_role(title: str) -> str | None:
    """A blog headline ("We're hiring a community manager!") reduced to the role it announces."""
    if not HEADLINE.search(title):
        return None
    t = re.sub(r"(?i)^.*?\b(?:hiring|seeks|seeking|looking for)\s+"
               r"(?:an?|our next|a new|for (?:a )?new position in)?\s*",
               "", title)
    t = re.sub(r"(?i)\s*(?:position|job|vacancy)\b.*$|\s+is\s+hiring.*$|[.!]\s*join our team.*$|[.!]+$", "", t)
    t = role_phrase(t.strip())
    return t if t and ROLE.search(t) else None


ORG_NAME = r"((?:[A-Z][\w&'’.-]*|US-RSE)(?:[ \t]+(?:[A-Z][\w&'’.-]*|of|for|and|&|de|für|e\.V\.))*)"
HIRING_ORG = needs(re.compile(rf"(?:^|(?<=[.!?]\s)|(?<=\n))(?:#+\s*)?(?:The\s+|Die\s+|Der\s+|Das\s+)?"
                        rf"{ORG_NAME}\s*(?:\(([A-Z][\w-]{{1,10}})\))?"
                        rf"(?:\s+(?:team|project|group))?(?:\s+based\s+(?:at|in)\s+[^.]{{0,40}}?)?\s+(?:{HIRING_VERB})\b"),
                   'looking', 'seek', 'hiring', 'searching', 'recruit', 'hire', 'invites', 'such')
NOT_ORGS = {"We", "Our", "You", "This", "It", "They", "He", "She", "Currently", "Rather"}


def hiring_organization(text: str) -> tuple[str, Evidence] | None:
    """The organisation a sentence says is hiring ("The Earlham Institute is seeking ...")."""
    for m in finditer(HIRING_ORG, text):
        name = m.group(1).strip()
        if name.split()[0] in NOT_ORGS:
            continue
        if m.group(2):
            name = f"{name} ({m.group(2)})"
        return name, Evidence(_sentence(text, m.start()), "hiring-organization", m.start(1), m.end(1))
    return None


# --- contact, how to apply, language --------------------------------------------------------------------

OBFUSCATED_EMAIL = needs(
    re.compile(r"\b([\w.+-]+)\s*(?:\[at\]|\(at\)|\bat\b)\s*([\w-]+)\s*(?:\[dot\]|\(dot\)|\bdot\b|\s)\s*"
                              r"(org|com|net|edu|de|uk|io|coop|dk)\b"), ' at ', '[at]', '(at)')


def apply_url(text: str, secs: list[Section]) -> tuple[str, Evidence] | None:
    """The first link in a "how to apply" section, or one next to the words "apply" / "application form"."""
    for sec in secs:
        if sec.kind == "apply" and (m := URL.search(text, sec.start, sec.end)):
            evidence = Evidence(_sentence(text, m.start()), "apply-section-url", m.start(), m.end())
            return m.group(0).rstrip(".,"), evidence
    for m in re.finditer(r"(?i)\bapply\b|application form|bewerbung", text):
        window = text[m.start():m.start() + 200]
        if u := URL.search(window):
            start = m.start() + u.start()
            return u.group(0).rstrip(".,"), Evidence(_sentence(text, start), "apply-phrase-url", start,
                                                     start + len(u.group(0)))
    return None


GERMAN = re.compile(r"\b(?:und|die|der|das|wir|Sie|mit|für|eine?n?|Ihre?|bei|zum|werden)\b")


def language(text: str) -> str:
    """"de" when German function words dominate a sample of the text, else "en" (cheap and good enough for
    the languages the corpus holds; the sidecar's ``language`` wins over it)."""
    sample = text[:3000]
    german = len(GERMAN.findall(sample))
    english = len(re.findall(r"\b(?:and|the|we|you|with|for|an?|your|will|to)\b", sample))
    return "de" if german > english else "en"
