"""Whether a skill mention in a posting is asked for: the context rules of ``Vocabulary.find``.

A posting names many skills it does not ask for. These rules, each stated for any posting, say which
mentions are not requirements or duties:

- the hiring process ("How to apply", "Interview process") and markup (an HTML tag, a URL) name nothing
  the job needs; a heading about the employer ("## About Astropy") neither;
- a generic skill (``jg:WhenAsked``/``jg:WhenListed``: "open source", "teaching") in the employer's own
  sections ("About us", "What we offer") or in a sentence about the employer that says nothing of the
  candidate ("We promote open science", "Our team has experience in ...", "US-RSE values ..."), or after a
  cue that asks for an attitude rather than a skill ("a strong interest in open science");
- a generic skill written as a person's role ("our Community Manager", "the instructors"), unless it is
  the advertised role, or inside a name ("Statistics Denmark");
- a tool's name inside an organisation's ("The Astropy Project") or an acronym's expansion ("PyBaMM (Python
  Battery Mathematical Modelling)"); an abbreviation in brackets that restates the terms before it
  ("Continuous Integration and Continuous Delivery (CI/CD)"); a language name qualifying a noun ("Danish
  research servers").
"""

from __future__ import annotations

import re
from bisect import bisect_right

from ..extract import fields as f
from .skill_text import is_acronym, label_words, stem

Hit = tuple[str, int, int, bool]  # concept IRI, start, end, found in lower case (a guarded name)

# A sentence that asks for a skill, not one describing the employer ("our open source community").
ASKED = re.compile(r"\b(?:experience[ds]?|knowledge|familiar(?:ity)?|skill(?:s|ed)?|abilit(?:y|ies)|able to|"
                   r"proficien(?:t|cy)|understanding|comfort(?:able)?|expertise|background|track record|interest(?:ed)?"
                   r"|passion(?:ate)?|commitment|demonstrated|proven|capacity|competen(?:t|ce|cies)|fluen(?:t|cy)"
                   r"|you will|you'll|responsible for|help(?:ing)? (?:to )?|qualit(?:y|ies)|involv(?:e|es|ing)"
                   r"|hiring|seek(?:s|ing)|looking for)\b",
                   re.I)
GOVERNED = re.compile(r"\b(?:experience[ds]?|knowledge|familiar(?:ity)?|skill(?:s|ed)?|abilit(?:y|ies)|able to|"
                      r"proficien(?:t|cy)|understanding|expert(?:ise)?|background|track record|comfort(?:able)?|"
                      r"competen(?:t|ce|cies)|fluen(?:t|cy)|interest(?:ed)?|passion(?:ate)?|commitment)\b[^.;:!?\n]*$",
                      re.I)
GOVERNED_AFTER = re.compile(r"\S*\s+(?:skills?|experience|knowledge|expertise|background)\b", re.I)


# A label that names a person's role ("community manager", "instructors", "facilitator"), not a skill.
ROLE_NOUN = re.compile(r"\b(?:manager|engineer|developer|instructor|trainer|facilitator|writer|creator|mentor|"
                       r"coach|coordinator|officer|administrator|programmer|scientist|designer|editor|lead|"
                       r"specialist)s?$", re.I)
AS_A = re.compile(r"\b(?:as|be|become|are)\s+(?:an?|the|our|their|your)?\s*[\w-]*\s*$", re.I)
# A sentence about the employer ("We promote open science", "Our team has experience ...", "This project aims
# to ...") that says nothing of the candidate: a generic skill in it is the employer's, not a requirement.
EMPLOYER_VOICE = re.compile(r"\b(?:we|we're|we’re|we've|we’ve)\b|^\W*(?:(?:and|but|also|here|today|together),?\s+)?"
                            r"(?:our|(?:this|the) (?:project|organi[sz]ation|team|centre|center|group|lab|programme|"
                            r"program|partnership|consortium|initiative|company|university|department|institute))\b",
                            re.I)
# ... or a named subject doing what employers do ("US-RSE values ...", "The Carpentries teach ...").
NAMED_SUBJECT = re.compile(r"^\W*(?:[Tt]he\s+)?(?!(?:This|That|These|Those|It|There|Here|What|Which|Who|He|She|They|"
                           r"Each|Every|All|Some|Experience|Knowledge)\b)[A-Z][\w&.’'-]*(?:\s+[A-Z][\w&.’'-]*){0,4}\s+(?:is|was|values|aims|"
                           r"promotes|builds|develops|provides|uses|has|works|supports|brings|offers|maintains|runs|"
                           r"hosts|serves|believes|strives|exists|helps|enables|teaches|trains|organi[sz]es)\b")
CANDIDATE = re.compile(r"\b(?:you|your|you'll|you’ll|you're|you’re|candidates?|applicants?|someone|person|"
                       r"individual|hire|hiring|looking for|seek(?:s|ing)?|join|ideal|successful|role|position|job)\b",
                       re.I)
ROLE_AS = re.compile(r"\b(?:job titles?|roles?) (?:such as|like|including)\b", re.I)
CLAUSE_END = re.compile(r"[.;!?](?=\s)|:[ \t]*\n|\n(?=[ \t]*(?:\n|[-*+•#>]|\d+[.)]\s))")  # wrapped lines continue
# Section headings, as far as skills are concerned: the hiring process names tools the job does not need,
# and the employer's own description ("About Astropy", "Who we are", "What we offer") asks for nothing.
# (How to apply is the section kind "apply" of extract.fields; these are the other steps of hiring.)
PROCESS_HEADING = re.compile(r"\b(?:candidate journey|interview|selection process|hiring process|"
                             r"recruitment process)\b", re.I)
EMPLOYER_HEADING = re.compile(r"^\W*(?:about(?! (?:you|the (?:role|position|job|candidate)))\b|who we are|"
                              r"our (?!ideal|candidate)|why (?:join|work)|what we offer|benefits|"
                              r"the (?:company|organi[sz]ation)\b)", re.I)


def where(sec: f.Section | None) -> str:
    """'process' (applying, interviews), 'employer' (about us, benefits) or 'job' for a section."""
    if sec is None:
        return "job"
    if sec.kind == "apply" or PROCESS_HEADING.search(sec.heading):
        return "process"
    if sec.kind == "benefits" or EMPLOYER_HEADING.search(sec.heading):
        return "employer"
    return "job"


def clause_at(text: str, pos: int) -> tuple[str, int]:
    """The clause around ``pos`` and where it starts: up to the nearest '.', ';', '!', '?', list item or
    paragraph break on each side."""
    start = max((m.end() for m in CLAUSE_END.finditer(text, max(0, pos - 300), pos)), default=max(0, pos - 300))
    m = CLAUSE_END.search(text, pos, pos + 300)  # bounded both ways: one huge line stays linear
    return text[start:m.start() if m else min(len(text), pos + 300)], start


def about_employer(text: str, pos: int, hits: list[Hit]) -> bool:
    """The clause speaks of the employer (we, our ..., this project, "US-RSE values") and not of the candidate."""
    clause, start = clause_at(text, pos)
    if CANDIDATE.search(clause):
        return False
    if EMPLOYER_VOICE.search(clause):
        return True
    m = NAMED_SUBJECT.match(clause)  # and the subject is not a skill ("Python is required")
    return bool(m) and not any(start <= s < start + m.end() for _, s, _e, _g in hits)


def sentence_start(text: str, pos: int) -> bool:
    """Nothing but markup or punctuation between the last sentence, line or item break and ``pos``."""
    before = text[max(0, pos - 6):pos].rstrip(" \t*_\"“‘'(")
    return not before or before[-1] in ".!?:;\n-•>#" or before.endswith("\n")


MARKUP = re.compile(r"<[^<>\n]*>|\b(?:https?://|www\.)\S+")


def markup_spans(text: str) -> list[tuple[int, int]]:
    """HTML tags and URLs ("static.airtable.com/js/embed.js" names no skill), found once per text."""
    if "<" not in text and "http" not in text and "www." not in text:
        return []
    return [m.span() for m in MARKUP.finditer(text)]


def in_spans(spans: list[tuple[int, int]], pos: int) -> bool:
    i = bisect_right(spans, (pos, 1 << 62)) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]


def in_employer_heading(text: str, pos: int) -> bool:
    """In a heading about the employer ("## About Astropy", "**About Earthmover**:")."""
    low = max(0, pos - 200)  # a heading is a short line; bounded, so one huge line stays linear
    newline = text.rfind("\n", low, pos)
    line = text[newline + 1 if newline >= 0 else low:pos]
    return line.lstrip().startswith(("#", "**")) and bool(EMPLOYER_HEADING.search(line.lstrip(" #*_")))


# What the nearest cue before a generic skill asks for: a skill ("experience with", "knowledge of") or an attitude
# or a relation to it ("interest in", "passion for", "connections in the ecosystem of"), which is not a skill.
ATTITUDE = re.compile(r"\b(?:interest(?:ed)?|passion(?:ate)?|commit(?:ment|ted)|enthusias(?:m|tic)|excited|care about|"
                      r"connections?|relationships?)\b", re.I)


WELCOME = re.compile(r"\b(?:are|is) (?:all |also |very )?welcome\b", re.I)


def attitude(text: str, pos: int) -> bool:
    """The nearest cue asks for an attitude, or the clause only welcomes ("Applicants from statistics or related
    disciplines are all welcome": an openness, not a requirement)."""
    clause, start = clause_at(text, pos)
    if WELCOME.search(clause):
        return True
    head = clause[:pos - start]
    cues = [m.start() for rx in (GOVERNED, ASKED) for m in rx.finditer(head) if not ATTITUDE.match(m.group())]
    last = max((m.start() for m in ATTITUDE.finditer(head)), default=-1)
    if last < 0 or re.search(r"\b(?:experience|knowledge|skills?|expertise)\s+(?:or|and)\s+$", head[:last], re.I):
        return False  # "experience or interest in open source" asks for the experience
    return all(c < last for c in cues)


ORGANIZATION_AFTER = re.compile(r"[ \t]+(?:Software[ \t]+)?(?:Project|Foundation|Institute|Association|Society|"
                                r"Consortium|Initiative)\b")
# An acronym's expansion in brackets: "PyBaMM (Python Battery Mathematical Modelling)" names PyBaMM, not Python.
EXPANSION = re.compile(r"\b[A-Za-z]*[A-Z][a-z]*[A-Z][\w-]*[ \t]+\(([A-Z][\w-]*(?:[ \t]+[A-Z][\w-]*){2,})\)")


def in_expansion(text: str, pos: int) -> bool:
    """Inside the bracketed expansion of an acronym before it (three or more capitalised words)."""
    opening = text.rfind("(", max(0, pos - 80), pos + 1)
    if opening < 0:
        return False
    m = EXPANSION.search(text, max(0, opening - 40), opening + 120)
    return bool(m) and m.start(1) <= pos < m.end(1)


ABBREVIATION = re.compile(r"[ \t]*\(([A-Z][\w/&.+-]{0,11})\)")


def restates(text: str, hits: list[Hit], k: int) -> bool:
    """An abbreviation in brackets right after the terms it abbreviates ("Continuous Integration and
    Continuous Delivery (CI/CD)") is the same mention again, not one more skill."""
    if k == 0:
        return False
    m = ABBREVIATION.match(text, hits[k - 1][2])
    return bool(m) and m.start(1) == hits[k][1] and is_acronym(m.group(1))


# What may follow a language named as a skill ("English is required", "in Spanish, Portuguese, or French");
# any other lower-case word is a noun it qualifies ("Danish research computing environments").
LANGUAGE_NEXT = frozenset(("and", "or", "is", "are", "as", "at", "to", "in", "required", "preferred", "essential",
                           "desirable", "skills", "speaking", "speaker", "speakers", "language", "languages",
                           "proficiency", "fluency", "level", "would", "will", "a", "an", "the", "with", "plus",
                           "also", "both", "written", "spoken", "verbal", "oral", "native", "fluently", "well"))


def qualifies_a_noun(text: str, end: int) -> bool:
    """The word after a language name is a lower-case noun it qualifies, not "is", "skills", "and" ..."""
    nxt = re.match(r"[ \t]+([a-z][\w-]*)", text[end:end + 30])
    return bool(nxt) and nxt.group(1) not in LANGUAGE_NEXT


def role_key(text: str) -> str:
    """A role's words as stems, to find it in a title ("community managers" in "Community Manager")."""
    return " ".join(stem(w.lower()) for w in label_words(text))


def advertised(role: str, text: str, start: int, title: str | None) -> bool:
    """A role noun names the job itself: the title names it, or the text says "as a ..." / "job titles such as"."""
    return bool(title and role_key(role) in role_key(title) or AS_A.search(text, max(0, start - 30), start)
                or ROLE_AS.search(clause_at(text, start)[0]))


def names_someone(text: str, hits: list[Hit], k: int, title: str | None) -> bool:
    """A generic skill written as a person's role ("the Community Manager", "our instructors", "administrative
    support staff") or inside a name ("Statistics Denmark", "the Center for Collaboration and Community
    Engagement") is not a skill asked for, unless the role is the one advertised."""
    _iri, start, end, _g = hits[k]
    written = text[start:end]
    words = written.split()
    if len(words) <= 3 and ROLE_NOUN.search(written):
        return not advertised(written, text, start, title)
    nxt = re.match(r"[ \t]+([\w-]+)", text[end:end + 40])
    if nxt and (ROLE_NOUN.fullmatch(nxt.group(1)) or nxt.group(1) == "staff"):  # "a DevOps Engineer"
        return not advertised(written + " " + nxt.group(1), text, start, title)
    if written.isupper() or not all(w[:1].isupper() for w in words) or sentence_start(text, start):
        return False

    def in_hit(pos: int) -> bool:  # a capitalised neighbour that is itself a skill ("Continuous Delivery")
        return any(s <= pos < e for _, s, e, _g in hits[max(0, k - 3):k + 4])

    after = re.match(r"[ \t]+(?:(?:of|for|and|&)[ \t]+)?([A-Z][\w-]*)", text[end:end + 40])
    if after and not in_hit(end + after.start(1)):
        return True
    before = re.search(r"([A-Z][\w-]*)[ \t]+(?:(?:of|for|and|&)[ \t]+)?$", text[max(0, start - 40):start])
    if before:
        at = max(0, start - 40) + before.start(1)
        return not in_hit(at) and not sentence_start(text, at)
    return False
