"""Documents -> posting blocks: sniff the format, strip markup, split pages that hold several postings.

Every format is reduced to the same thing, a ``Block``: the posting's text as light Markdown (headings
kept, markup stripped), the structured fields its format carried (front matter, ``Title:`` headers,
JSON-LD), and where it starts in the document, so later rules can cite character offsets.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..model import Document
from ..read import ReadError, load_yaml


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
    looks_yaml = re.match(r"^[a-z_][\w-]*:[ \t]*(?:\S|\n[ \t]+\S|$)", text) and re.search(
        r"^(?:title|description|entity|company|jobs|postings):", text, re.M)
    if FLAT_HEADER.match(text) and not looks_yaml:
        return "flat"
    if len(HTML_TAG.findall(text[:5000])) >= 3:
        return "html"
    if re.match(r"^[\w-]+:[ \t]*(?:\S|\n[ \t]+\S|$)", text) and re.search(r"^(?:title|description|entity|"
                                                                    r"company|jobs|postings):", text, re.M):
        return "yaml"
    return "markdown"


def _load_yaml(text: str) -> Any:
    return load_yaml(text)  # bounded: see jobgraph.read.load_yaml


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
        except (ValueError, RecursionError) as err:  # nested thousands deep, or a 5000-digit number
            raise ReadError(f"{doc.path}: the JSON cannot be read ({err}); flatten or fix it") from None
        return _listing_blocks(data, fmt)
    if fmt == "yaml":
        try:
            data = _load_yaml(doc.text)
        except yaml.YAMLError as err:
            problem = _yaml_problem(err)
            raise ReadError(f"{doc.path}: the YAML does not parse ({problem}); fix the YAML syntax") from None
        return _listing_blocks(data, fmt)
    if fmt == "html":
        return _html_blocks(doc.text)
    return split_markdown(clean_markdown(doc.text), {}, 0)


def _yaml_problem(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    return f"line {mark.line + 1}: {problem}" if mark is not None else problem


def _html_blocks(html: str, fields: dict[str, Any] | None = None) -> list[Block]:
    """schema.org JobPosting items (JSON-LD or microdata) when the page has them, else its visible text."""
    if re.search(r"application/ld\+json|itemtype=[\"']https?://schema\.org/JobPosting", html, re.I):
        postings = _structured_postings(html)
        if postings:
            return [Block(clean_markdown(_text_of(p.get("description"))), {**(fields or {}), **_jsonld_fields(p)},
                          format="html+jsonld") for p in postings]
    return split_markdown(clean_markdown(html_to_markdown(html)), fields or {}, 0, fmt="html")


def _structured_postings(html: str) -> list[dict[str, Any]]:
    import extruct

    try:
        data = extruct.extract(html, syntaxes=["json-ld", "microdata"], uniform=True, errors="ignore")
    except Exception:  # a page whose markup extruct cannot parse still has visible text  # noqa: BLE001
        return []
    items: list[dict[str, Any]] = []
    for item in [*data.get("json-ld", []), *data.get("microdata", [])]:
        items += item.get("@graph", []) if isinstance(item.get("@graph"), list) else [item]
    return [i for i in items if isinstance(i, dict) and "JobPosting" in str(i.get("@type"))]


def _text_of(value: Any) -> str:
    text = str(value or "")
    return html_to_markdown(text) if HTML_TAG.search(text) or "&" in text else text


def _jsonld_fields(item: dict[str, Any]) -> dict[str, Any]:
    """A JobPosting's properties under the keys the field rules read (title, employer, location, ...)."""
    out: dict[str, Any] = {k: v for k, v in item.items() if not k.startswith("@")}
    org = item.get("hiringOrganization")
    out["employer"] = org.get("name") if isinstance(org, dict) else org
    places = item.get("jobLocation")
    places = places if isinstance(places, list) else [places] if places else []
    names = []
    for place in places:
        address = place.get("address", place) if isinstance(place, dict) else place
        if isinstance(address, dict):
            country = address.get("addressCountry")
            country = country.get("name") if isinstance(country, dict) else country
            parts = [address.get("addressLocality"), address.get("addressRegion"), country]
            names.append(", ".join(str(x) for x in parts if x))
        elif address:
            names.append(str(address))
    if str(item.get("jobLocationType", "")).upper() == "TELECOMMUTE":
        names.insert(0, "Remote")
    out["location"] = "; ".join(n for n in names if n) or None
    return out


def _front_matter_blocks(doc: Document) -> list[Block]:
    match = FRONT_MATTER.match(doc.text.lstrip("\ufeff"))
    assert match is not None
    raw = match.group(2)
    try:
        fields = _load_yaml(raw) if match.group(1) == "---" else _toml(raw)
    except yaml.YAMLError as err:
        raise ReadError(f"{doc.path}: the YAML front matter does not parse ({_yaml_problem(err)}); "
                        "fix the YAML syntax") from None
    if not isinstance(fields, dict):
        fields = {}
    body = doc.text[match.end():]
    if HTML_TAG.search(body[:2000]) and len(HTML_TAG.findall(body)) >= 3:
        return _html_blocks(body, fields)
    if not body.strip():  # a listing entry that is all front matter (the summary is its text)
        body = str(next((fields[k] for k in ("summary", "description", "excerpt") if fields.get(k)), ""))
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


MD_LINK = re.compile(r"(?<!!)\[([^\[\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*\)(?:\{[^}\n]*\})?")


def clean_markdown(text: str) -> str:
    """Drop MyST directives, HTML comments, link targets, footnote markers and escapes; keep headings and lists."""
    text = drop_directives(text)
    text = drop_hidden(text, COMMENT)
    text = re.sub(r"^:::+\s*(?:\{[\w-]+\}.*)?$", "", text, flags=re.M)  # MyST colon fences: keep their content
    text = re.sub(r"\{(?:[\w-]+)\}`([^`]*)`", r"\1", text)  # {role}`text`
    text = MD_LINK.sub(lambda m: m.group(1), text)
    text = re.sub(r"<(https?://[^>\s]+|[\w.+-]+@[\w.-]+)>", r"\1", text)
    text = re.sub(r"\\([@_*#\[\]().-])", r"\1", text)
    text = re.sub(r"~~[^~\n]*~~", "", text)  # struck-through text is no longer true
    text = re.sub(r"\[\^[\w-]+\](?!:)", "", text)
    return unwrap(text)


HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.M)
ROLE_HEADING = re.compile(r"\b(?:manager|engineer|developer|scientist|director|coordinator|officer|administrator|lead"
                          r"|leader|specialist|maintainer|scholar|postdoc|researcher|analyst|architect|steward"
                          r"|librarian|assistant|technician|designer|writer|editor|consultant|intern|fellow"
                          r"|entwickler|referent|mitarbeiter|wissenschaftler|doktorand|hilfskraft|leitung)(?:in)?s?\b",
                          re.I)
NOT_ROLE_HEADING = re.compile(r"\b(?:about|responsibilit|duties|requirements|hiring|apply|benefits|who we are"
                              r"|what you|your |our |the role)", re.I)


def _posting_headings(text: str) -> list[re.Match[str]]:
    """Headings that each start a posting: ones with HTML anchors, else (at the page's top heading level)
    headings that name roles, when at least two do and they are most headings of that level."""
    headings = list(HEADING.finditer(text))
    anchored = [m for m in headings if ANCHOR.search(m.group(2))]
    if len(anchored) >= 2:
        return anchored
    for level in sorted({len(m.group(1)) for m in headings}):
        same = [m for m in headings if len(m.group(1)) == level]
        if len(same) < 2:
            continue
        roles = [m for m in same if ROLE_HEADING.search(m.group(2)) and not NOT_ROLE_HEADING.search(m.group(2))]
        return roles if len(roles) >= 2 and len(roles) * 3 >= len(same) * 2 else []
    return []


def split_markdown(text: str, fields: dict[str, Any], offset: int, fmt: str = "markdown") -> list[Block]:
    """Split where a page holds several postings (anchored headings, or several headings that name roles)."""
    anchored = _posting_headings(text)
    if len(anchored) < 2:
        return [Block(ANCHOR.sub("", text), dict(fields), offset, format=fmt)]
    out = []
    for i, match in enumerate(anchored):
        end = anchored[i + 1].start() if i + 1 < len(anchored) else len(text)
        chunk = ANCHOR.sub("", text[match.start():end])
        out.append(Block(chunk, {**fields, "_page_title": fields.get("title"), "_page_text": text},
                         offset + match.start(), format=fmt))
    for block in out:
        block.fields.pop("title", None)
    return out


def html_to_markdown(html: str) -> str:
    """Visible text of an HTML page or fragment, with headings and list items kept as Markdown."""
    from html import unescape

    html = drop_hidden(html)
    html = re.sub(r"\s+", " ", html)
    html = re.sub(r"(?i)<h([1-6])[^<>]*>(.{0,1000}?)</h\1>", lambda m: "\n\n" + "#" * int(m.group(1)) + " " + m.group(2)
                  + "\n\n", html)
    html = re.sub(r"(?i)<li[^<>]*>\s*(?:<p[^<>]*>\s*)?", "\n- ", html)
    html = re.sub(r"(?i)<br\s*/?>", "\n", html)
    html = re.sub(r"(?i)</?(?:p|div|ul|ol|table|section|article)\b[^<>]*>|</li>|</tr>", "\n\n", html)
    html = re.sub(r"(?i)<(?:strong|b)>([^<]{1,80})</(?:strong|b)>\s*(?=\n)", r"**\1**", html)
    html = re.sub(r"<[^<>]+>", "", html)  # [^<>]: a '<' never closed must not rescan the page
    text = "\n".join(line.strip() for line in unescape(html).splitlines())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


HIDDEN = re.compile(r"(?i)<(script|style|iframe)\b|<!--")
COMMENT = re.compile("<!--")


DIRECTIVE_OPEN = re.compile(r"^```\{\w[\w-]*\}[^\n]*$", re.M)
FENCE_CLOSE = re.compile(r"^```[ \t]*$", re.M)


def drop_directives(text: str) -> str:
    """What ``MYST_DIRECTIVE.sub("", text)`` does, without rescanning: each opener finds its closing fence by
    bisection (the regex rescans to the end for every opener that is never closed: minutes on a hostile page)."""
    closes = [(m.start(), m.end()) for m in FENCE_CLOSE.finditer(text)]
    starts = [start for start, _ in closes]
    out, pos = [], 0
    for m in DIRECTIVE_OPEN.finditer(text):
        if m.start() < pos:
            continue
        # The regex's optional content `(?:.*?\n)?` is greedy: a fence after at least one line, else the next line.
        i = bisect_left(starts, m.end() + 2)
        if i == len(starts) and not (i and starts[i - 1] == m.end() + 1):
            continue
        out.append(text[pos:m.start()])
        pos = closes[i][1] if i < len(starts) else closes[i - 1][1]
    return "".join(out) + text[pos:]


def drop_hidden(text: str, opener: re.Pattern[str] = HIDDEN) -> str:
    """Drop <script>/<style>/<iframe> elements and comments in one pass. (A lazy ``<!--.*?-->`` rescans to the end
    for every opener never closed: minutes on a hostile page.) An opener that is never closed stays as text."""
    out, pos, unclosed = [], 0, set()
    for m in opener.finditer(text):
        if m.start() < pos:
            continue
        close = "-->" if m.group(0) == "<!--" else f"</{m.group(1)}>"
        end = None if close.lower() in unclosed else re.compile(re.escape(close), re.I).search(text, m.end())
        if end is None:
            unclosed.add(close.lower())  # none after here, so none after any later opener either
            continue
        out.append(text[pos:m.start()])
        pos = end.end()
    return "".join(out) + text[pos:]


def unwrap(text: str) -> str:
    """Join hard-wrapped lines of a paragraph or list item (Markdown wrapped at 72 columns), so that rules
    reading a sentence see all of it; headings, list items and label lines stay on lines of their own."""
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        stripped = line.strip()
        if (out and out[-1].strip() and stripped and re.match(r"[a-z0-9(“\"'’,;]", stripped)
                and not re.match(r"\s*(?:[-*+•]|\d+[.)])\s", line) and not out[-1].lstrip().startswith("#")
                and not out[-1].rstrip().endswith((":", "**"))):
            out[-1] = out[-1].rstrip() + " " + stripped
        else:
            out.append(line)
    return "\n".join(out)
