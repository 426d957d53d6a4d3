"""Stage 2, extract: a Document -> Postings with every field a reader wants, each with its evidence.

Linking (employer -> ROR, mentions -> skill concepts) is the next stage, in ``jobgraph.link``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from typing import Any

from ..model import Document, Evidence, Posting
from ..read import ReadError
from . import fields as f
from .sections import Block, blocks

__all__ = ["extract", "ExtractError"]


class ExtractError(ReadError):
    """The file was read but holds no posting."""


TITLE_KEYS = ("title", "job_title", "jobTitle", "position", "role", "name", "stellenbezeichnung")
EMPLOYER_KEYS = ("company", "employer", "entity", "organization", "organisation", "hiringOrganization", "org",
                 "arbeitgeber")
DATE_KEYS = (("date_posted", "date_posted"), ("datePosted", "date_posted"), ("posted", "date_posted"),
             ("date", "date_posted"), ("closing", "closing_date"), ("closing date", "closing_date"),
             ("closing_date", "closing_date"), ("closes", "closing_date"), ("deadline", "closing_date"),
             ("application_deadline", "closing_date"), ("validThrough", "closing_date"),
             ("start_date", "start_date"), ("jobStartDate", "start_date"))


def extract(doc: Document) -> list[Posting]:
    found = blocks(doc)
    if len(found) > MAX_POSTINGS:
        raise ExtractError(f"{doc.path}: {len(found)} postings in one document is more than the {MAX_POSTINGS} "
                           "allowed; split it into several files")
    postings = [_posting(doc, i, block) for i, block in enumerate(found)]
    postings = [p for p in postings if p.title]
    if not postings:
        raise ExtractError(f"{doc.path}: no job posting found (no title heading, header or field); if it is one, "
                           "give it a '# Title' heading or a 'Title:' line")
    for i, posting in enumerate(postings):
        posting.posting_index = i
    return postings


def _field(fields: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = fields.get(key)
        if isinstance(value, dict):
            value = value.get("name")
        if value:
            return value
    return None


FULL_NAME_SUFFIX = re.compile(r" (?:Project|Foundation|Institute|Association|Society|Consortium)\b")
MAX_POSTINGS = 1000  # per document; a job board's listing holds tens
MAX_DESCRIPTION = 50_000  # characters; the longest real posting has 12,000
MAX_TITLE = 300  # a "title" longer than this is a paragraph (a page with no line breaks): cut it, the rules stay fast


def _clean_title(title: str) -> str:
    title = title[:MAX_TITLE]
    title = re.sub(r"<[^>]+>", "", title)
    title = re.sub(r"(?<!\w)(\*\*?|__?)(?=\S)(.+?)(?<=\S)\1(?!\w)", r"\2", title).replace("`", "").strip()
    title = re.sub(r"(?i)\s+(?:role|position|job|vacancy)$", "", title.rstrip(".").strip())
    return title.strip()


def _title(p: Posting, block: Block, text: str) -> None:
    """The title: a structured field, unless it is a blog headline ("We're hiring a community manager!"), when
    the role the text names wins; else the first heading; else a role the text names."""
    ev = p.evidence
    title = _field(block.fields, TITLE_KEYS)
    if title:
        title = _clean_title(str(title))
        rule = f"{block.format}-field"
        if f.HEADLINE.search(title):
            if found := f.title_from_text(text):
                p.title, ev["title"] = found
                return
            if role := f.headline_role(title):
                title, rule = role, f"{block.format}-field-headline"
        p.title, ev["title"] = title, Evidence(str(title), rule)
        return
    heading = f.ATX.search(text)
    if heading and not f.HEADLINE.search(heading.group(1)):
        p.title = _clean_title(heading.group(1))
        ev["title"] = Evidence(heading.group(0), "first-heading", heading.start(), heading.end())
    elif found := f.title_from_text(text):
        p.title, ev["title"] = found
    elif heading:
        p.title = _clean_title(heading.group(1))
        ev["title"] = Evidence(heading.group(0), "first-heading", heading.start(), heading.end())


def _dates(p: Posting, block: Block, text: str) -> None:
    ev = p.evidence
    for key, target in DATE_KEYS:
        iso = f.iso_date(block.fields.get(key))
        if iso and not getattr(p, target):
            setattr(p, target, iso)
            clock = re.search(r"T(\d{2}:\d{2})", str(block.fields[key]))
            if target == "closing_date" and clock:
                p.closing_time = clock.group(1)
            ev[target] = Evidence(str(block.fields[key]), f"{block.format}-field:{key}")
    if not p.date_posted and (found := f.find_date(f.POSTED, text, "posted-label")):
        p.date_posted, ev["date_posted"] = found
    if not p.closing_date and (closing := f.closing(text, p.date_posted)):
        p.closing_date, p.closing_time, ev["closing_date"] = closing
    if not p.start_date and (found := f.find_date(f.START, text, "start-phrase")):
        p.start_date, ev["start_date"] = found
    reference = p.closing_date or p.date_posted
    if not p.start_date and reference and (found := f.find_date(f.PERIOD, text, "start-of-period", reference)):
        p.start_date, ev["start_date"] = found
    if found := f.interviews(text):
        p.interview_date, ev["interview_date"] = found


def _place(p: Posting, block: Block, text: str, secs: list[f.Section]) -> None:
    ev = p.evidence
    if loc := _field(block.fields, ("location", "jobLocation", "arbeitsort")):
        loc = str(loc).strip().rstrip(",").strip()
        p.location, ev["location"] = loc, Evidence(loc, f"{block.format}-field:location")
    elif found := f.location(text):
        p.location, ev["location"] = found
    arrangement = f.work_arrangement(text, secs)
    page_text = block.fields.get("_page_text")
    if arrangement is None and page_text:  # what a page says of its whole team holds for each of its postings
        arrangement = _page_arrangement(page_text)
        if arrangement and arrangement[1]:
            arrangement = None
    if p.location and re.match(r"(?i)remote|anywhere|global", p.location):
        arrangement = arrangement if arrangement and arrangement[0] != "on-site" else (
            "remote", True, Evidence(p.location, f"{block.format}-field:location"))
    if arrangement:
        kind, strong, evidence = arrangement
        evidence = replace(evidence)  # each posting its own (the page's is cached)
        p.work_arrangement = kind
        if kind != "on-site" or evidence.rule != "remote-optional":
            p.remote = kind in ("remote", "hybrid")
        elif kind == "on-site" and evidence.rule == "remote-optional":
            p.work_arrangement = None
        ev["remote"] = evidence
        fully = kind == "remote" and strong and re.search(r"(?i)fully|100|entirely|completely|all", evidence.text)
        if not p.location and fully:
            p.location, ev["location"] = "Remote", evidence
    p.remote_regions = f.remote_regions(text)
    if p.location:
        p.country = f.country_of(p.location)
        if ev["location"].rule == "location-work-authorisation":
            p.remote_regions += [r for r in f.countries_named(p.location) if r not in p.remote_regions]


@lru_cache(maxsize=8)
def _page_arrangement(page_text: str) -> tuple[str, bool, Evidence] | None:
    """Once per page, not once per posting on it (a page of thousands of headings was quadratic)."""
    return f.work_arrangement(page_text, f.sections(page_text))


def _posting(doc: Document, index: int, block: Block) -> Posting:
    text = block.text.strip()  # evidence offsets index the description, which is this text
    if len(text) > MAX_DESCRIPTION:  # the field rules and the linker are linear, but ~30 s a MiB: bound them
        text = text[:MAX_DESCRIPTION]
        doc.repairs.append(f"cut posting {index}'s text at {MAX_DESCRIPTION} characters (it had {len(block.text)})")
    p = Posting(file=doc.name, posting_index=index, source_key=doc.source_key, description=text.strip())
    ev = p.evidence
    p.page_title = block.fields.get("_page_title")
    secs = f.sections(text)
    _title(p, block, text)

    employer = _field(block.fields, EMPLOYER_KEYS)
    if employer:
        employer = _clean_title(str(employer))
        # A job board's short name ("Astropy") when the text gives the full one ("The Astropy Project").
        if full := f.literal_then(employer, FULL_NAME_SUFFIX, text):
            employer = full
        p.employer_name = employer
        ev["employer_name"] = Evidence(str(employer), f"{block.format}-field")
    elif found := f.hiring_organization(text):
        ev["employer_phrase"] = found[1]
        ev["employer_phrase"].text = found[0]

    _dates(p, block, text)
    _place(p, block, text, secs)
    percent = block.fields.get("percentTime")
    declared = block.fields.get("employmentType")
    declared = [declared] if isinstance(declared, str) else declared if isinstance(declared, list) else []
    if emp := f.employment(text, percent, p.title or "", [str(d) for d in declared]):
        p.employment_types, p.duration_months, p.fte = emp.kinds, emp.duration_months, emp.fte
        p.employment_type = ", ".join(emp.kinds)
        ev["employment_type"] = emp.evidence
    if hours := f.hours_per_week(text):
        p.hours_per_week, ev["hours_per_week"] = hours
    if sal := f.structured_salary(block.fields.get("baseSalary")):
        p.salary, ev["salary"] = sal, Evidence(sal.text, f"{block.format}-field:baseSalary")
    elif sal := f.salary(text):
        p.salary, ev["salary"] = sal

    addresses = f.emails(text)
    p.contact_emails = [a for a, _ in addresses]
    if addresses:
        apply_secs = [s for s in secs if s.kind == "apply"]
        in_apply = [a for a in addresses if any(s.start <= (a[1].start or 0) < s.end for s in apply_secs)]
        chosen = (in_apply or addresses)[0]
        p.contact_email, ev["contact_email"] = chosen
    elif m := f.search(f.OBFUSCATED_EMAIL, text):
        p.contact_email = f"{m.group(1)}@{m.group(2)}.{m.group(3)}".lower()
        p.contact_emails = [p.contact_email]
        ev["contact_email"] = Evidence(f.sentence(text, m.start()), "email-obfuscated", m.start(), m.end())
    if url := _field(block.fields, ("apply_url", "application_url", "url", "external_url", "link")):
        url = str(url)
        p.apply_url = url if re.match(r"https?://", url) else f"https://{url}"
    elif found := f.apply_url(text, secs):
        p.apply_url, ev["apply_url"] = found

    p.responsibilities = f.items(text, secs, "responsibilities")
    p.necessary = f.items(text, secs, "necessary")
    p.desirable = f.items(text, secs, "desirable")
    p.language = str(block.fields.get("lang") or block.fields.get("language") or block.fields.get("inLanguage")
                     or doc.meta.get("language") or f.language(text))
    return p
