"""Stage 2, extract: a Document -> Postings with every field a reader wants, each with its evidence.

Linking (employer -> ROR, mentions -> skill concepts) is the next stage, in ``jobgraph.link``.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import Document, Evidence, Posting
from ..read import ReadError
from . import fields as f
from .sections import Block, blocks

__all__ = ["extract", "ExtractError"]


class ExtractError(ReadError):
    """The file was read but holds no posting."""


TITLE_KEYS = ("title", "job_title", "jobTitle", "position", "role", "name")
EMPLOYER_KEYS = ("company", "employer", "organization", "organisation", "hiringOrganization", "org")


def extract(doc: Document) -> list[Posting]:
    postings = [_posting(doc, i, block) for i, block in enumerate(blocks(doc))]
    postings = [p for p in postings if p.title]
    if not postings:
        raise ExtractError(f"{doc.path}: no job posting found (no title heading, header or field)")
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


def _clean_title(title: str) -> str:
    title = re.sub(r"<[^>]+>", "", title)
    title = re.sub(r"[*_`]", "", title).strip()
    return title.rstrip(".").strip()


def _posting(doc: Document, index: int, block: Block) -> Posting:
    text = block.text
    p = Posting(file=doc.name, posting_index=index, source_key=doc.source_key, description=text.strip())
    ev = p.evidence
    p.page_title = block.fields.get("_page_title")
    secs = f.sections(text)

    title = _field(block.fields, TITLE_KEYS)
    if title:
        p.title, ev["title"] = _clean_title(str(title)), Evidence(str(title), f"{block.format}-field")
    else:
        heading = f.ATX.search(text)
        if heading:
            p.title = _clean_title(heading.group(1))
            ev["title"] = Evidence(heading.group(0), "first-heading", heading.start(), heading.end())
            p.description = (text[:heading.start()] + text[heading.end():]).strip()

    employer = _field(block.fields, EMPLOYER_KEYS)
    if employer:
        p.employer_name = _clean_title(str(employer))
        ev["employer_name"] = Evidence(str(employer), f"{block.format}-field")

    for key, target in (("date", "date_posted"), ("date_posted", "date_posted"), ("datePosted", "date_posted"),
                        ("closing", "closing_date"), ("closing date", "closing_date"), ("deadline", "closing_date"),
                        ("validThrough", "closing_date"), ("start_date", "start_date")):
        iso = f.iso_date(block.fields.get(key))
        if iso and not getattr(p, target):
            setattr(p, target, iso)
            ev[target] = Evidence(str(block.fields[key]), f"{block.format}-field:{key}")
    for rx, target, rule in ((f.CLOSING, "closing_date", "closing-phrase"), (f.START, "start_date", "start-phrase")):
        if not getattr(p, target) and (found := f.find_date(rx, text, rule)):
            setattr(p, target, found[0])
            ev[target] = found[1]

    if loc := _field(block.fields, ("location",)):
        p.location, ev["location"] = str(loc), Evidence(str(loc), f"{block.format}-field:location")
    if (remote := f.remote(text)) is not None:
        p.remote, ev["remote"] = remote
        if not p.location:
            p.location = "Remote"
    if emp := f.employment_type(text):
        p.employment_type, ev["employment_type"] = emp
    if sal := f.salary(text):
        p.salary, ev["salary"] = sal

    addresses = f.emails(text)
    p.contact_emails = [a for a, _ in addresses]
    if addresses:
        apply_secs = [s for s in secs if s.kind == "apply"]
        in_apply = [a for a in addresses if any(s.start <= (a[1].start or 0) < s.end for s in apply_secs)]
        chosen = (in_apply or addresses)[0]
        p.contact_email, ev["contact_email"] = chosen
    if url := _field(block.fields, ("url", "apply_url", "application_url", "link")):
        p.apply_url = str(url)

    p.responsibilities = f.items(text, secs, "responsibilities")
    p.necessary = f.items(text, secs, "necessary")
    p.desirable = f.items(text, secs, "desirable")
    p.language = str(block.fields.get("lang") or block.fields.get("language") or doc.meta.get("language") or "en")
    return p
