"""Documents -> posting blocks: sniff the format, strip markup, split pages that hold several postings.

Every format is reduced to the same thing, a ``Block``: the posting's text as light Markdown (headings
kept, markup stripped), the structured fields its format carried (front matter, ``Title:`` headers,
JSON-LD), and where it starts in the document, so later rules can cite character offsets.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..model import Document
from ..read import ReadError


@dataclass
class Block:
    text: str
    fields: dict[str, Any] = field(default_factory=dict)
    offset: int = 0  # where text starts in Document.text (approximate once markup is stripped)
    format: str = "markdown"


FRONT_MATTER = re.compile(r"\A(?:\ufeff)?(---|\+\+\+)[ \t]*\n(.*?)\n\1[ \t]*(?:\n|\Z)", re.S)
FLAT_HEADER = re.compile(r"^(Title|Company|Employer|Location|Tags|Salary|Closing date|Deadline):[ \t]*(.*)$",
                         re.M | re.I)
MYST_DIRECTIVE = re.compile(r"^```\{(\w[\w-]*)\}[^\n]*\n(?:.*?\n)?```[ \t]*$", re.M | re.S)
ANCHOR = re.compile(r"<a\s+(?:name|id)=[\"'][^\"']*[\"']\s*>\s*</a>", re.I)
HTML_TAG = re.compile(r"<(?:!DOCTYPE|html|body|div|p|h[1-6]|ul|ol|li|table|span|section|article)\b", re.I)


def sniff(doc: Document) -> str:
    """The document's format, read from its content (the seeds are all .txt, so never the extension)."""
    text = doc.text.lstrip()
    if FRONT_MATTER.match(text):
        return "frontmatter"
    if text.startswith(("{", "[")):
        return "json"
    if FLAT_HEADER.match(text):
        return "flat"
    if len(HTML_TAG.findall(text[:5000])) >= 3:
        return "html"
    if re.match(r"^[\w-]+:\s", text) and _yaml_mapping(text) is not None:
        return "yaml"
    return "markdown"


def _yaml_mapping(text: str) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def blocks(doc: Document) -> list[Block]:
    """Split a document into one Block per posting."""
    fmt = sniff(doc)
    doc.format = fmt
    if fmt == "frontmatter":
        return _front_matter_blocks(doc)
    if fmt == "flat":
        return [_flat_block(doc.text)]
    if fmt == "json":
        try:
            data = json.loads(doc.text)
        except json.JSONDecodeError as err:
            raise ReadError(f"{doc.path}: JSON does not parse ({err})") from None
        return _listing_blocks(data, fmt)
    if fmt == "yaml":
        return _listing_blocks(_yaml_mapping(doc.text), fmt)
    if fmt == "html":
        return [Block(html_to_markdown(doc.text), format="html")]
    return split_markdown(clean_markdown(doc.text), {}, 0)


def _front_matter_blocks(doc: Document) -> list[Block]:
    match = FRONT_MATTER.match(doc.text.lstrip("\ufeff"))
    assert match is not None
    raw = match.group(2)
    try:
        fields = yaml.safe_load(raw) if match.group(1) == "---" else _toml(raw)
    except yaml.YAMLError as err:
        raise ReadError(f"{doc.path}: the YAML front matter does not parse ({err})") from None
    if not isinstance(fields, dict):
        fields = {}
    body = doc.text[match.end():]
    if HTML_TAG.search(body[:2000]) and len(HTML_TAG.findall(body)) >= 3:
        body = html_to_markdown(body)
    return split_markdown(clean_markdown(body), fields, match.end())


def _toml(raw: str) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(raw)
    except tomllib.TOMLDecodeError:
        return {}


def _flat_block(text: str) -> Block:
    fields: dict[str, Any] = {}
    pos = 0
    for match in FLAT_HEADER.finditer(text):
        if text[pos:match.start()].strip():
            break
        fields[match.group(1).lower()] = match.group(2).strip()
        pos = match.end()
    body = text[pos:].lstrip("\n")
    return Block(body, fields, offset=len(text) - len(body), format="flat")


def _listing_blocks(data: Any, fmt: str) -> list[Block]:
    """A job board's listing (YAML/JSON): each entry that looks like a posting becomes a Block."""
    entries: list[Any]
    if isinstance(data, list):
        entries = data
    elif isinstance(data, dict):
        inner = next((data[k] for k in ("jobs", "postings", "openings", "@graph") if isinstance(data.get(k), list)),
                     None)
        entries = inner if inner is not None else [data]
    else:
        entries = []
    out = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        description = next((entry[k] for k in ("description", "body", "content", "text") if entry.get(k)), "")
        description = str(description)
        if HTML_TAG.search(description):
            description = html_to_markdown(description)
        out.append(Block(clean_markdown(description), dict(entry), format=fmt))
    return out


def clean_markdown(text: str) -> str:
    """Drop MyST directives, HTML anchors and footnote markers; keep headings and lists."""
    text = MYST_DIRECTIVE.sub("", text)
    text = re.sub(r"\[\^[\w-]+\](?!:)", "", text)
    return text


HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.M)


def split_markdown(text: str, fields: dict[str, Any], offset: int) -> list[Block]:
    """Split where a page holds several postings: top-level headings that carry HTML anchors."""
    anchored = [m for m in HEADING.finditer(text) if ANCHOR.search(m.group(2))]
    if len(anchored) < 2:
        return [Block(ANCHOR.sub("", text), dict(fields), offset)]
    out = []
    for i, match in enumerate(anchored):
        end = anchored[i + 1].start() if i + 1 < len(anchored) else len(text)
        chunk = ANCHOR.sub("", text[match.start():end])
        out.append(Block(chunk, {**fields, "_page_title": fields.get("title")}, offset + match.start()))
    for block in out:
        block.fields.pop("title", None)
    return out


def html_to_markdown(html: str) -> str:
    """Visible text of an HTML page or fragment, with headings and list items kept as Markdown."""
    from html import unescape

    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", html)
    html = re.sub(r"(?i)<h([1-6])[^>]*>(.*?)</h\1>", lambda m: "\n" + "#" * int(m.group(1)) + " " + m.group(2)
                  + "\n", html, flags=re.S)
    html = re.sub(r"(?i)<li[^>]*>", "\n- ", html)
    html = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>", "\n", html)
    html = re.sub(r"<[^>]+>", "", html)
    text = unescape(html)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
