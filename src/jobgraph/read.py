"""Stage 1, read: bytes on disk -> a decoded, repaired Document with its source metadata.

Sidecar convention (also used by ../shared): beside ``NAME`` a file ``NAME.meta.yaml`` may say what a
harvester knows of the source: ``url`` (where it was found), ``publisher`` (who publishes the site, not
always the employer), and any field the text lacks (``employer``, ``employer_ror``, ``date_posted``,
``language``, ...). A folder may hold ``_meta.yaml`` with the same keys for every file in it, plus
``base_url``: a file's URL is then ``base_url`` + its path relative to that folder. The sidecar wins over
the folder file; CLI options win over both.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import ftfy
import yaml
from ftfy.badness import is_bad
from ftfy.chardata import CONTROL_CHARS, LIGATURES, WIDTH_MAP

from .model import Document

MAX_BYTES = 2 * 1024 * 1024  # a posting is a few kB (the largest real one 12 kB); extraction costs ~2.5 s/MiB
MAX_LINES = 20_000  # the longest real posting has 251; repairing text costs ~0.1 ms a line (ftfy works by line)
MAX_YAML_VALUES = 100_000  # values a YAML document may expand to, aliases counted at each use (billion laughs)
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's loader when built with it: ~10x faster
SIDECAR_SUFFIX = ".meta.yaml"
FOLDER_META = "_meta.yaml"
SCALAR_META = ("url", "base_url", "publisher", "employer", "employer_ror", "language")  # one value each
SKIPPED_SUFFIXES = (SIDECAR_SUFFIX, ".jsonl")
SKIPPED_NAMES = {FOLDER_META, "README.md", "gold.jsonl", "LICENSE", "LICENSE.md",
                 "context.jsonld"}  # the JSON-LD context jobgraph publishes (data/context.jsonld)


CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")  # control characters but tab, newline, form feed, return


class ReadError(Exception):
    """A file that cannot be read as a posting; the message names the problem and what to do."""


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Every posting file under the given paths, in a stable order (names sorted within each folder),
    skipping hidden folders, sidecars and READMEs. Streamed: one folder's names are in memory at a time,
    never the whole tree (a million files would hold ~200 MB of Path objects)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from _walk_dir(path, path)
        elif path.exists():
            yield path
        else:
            raise ReadError(f"{path}: no such file or directory")


def _walk_dir(folder: Path, root: Path) -> Iterator[Path]:
    with os.scandir(folder) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        path = Path(entry.path)
        if entry.is_dir():
            if not entry.name.startswith("."):
                yield from _walk_dir(path, root)
        elif entry.is_file() and _is_posting_candidate(path, root):
            yield path


def _is_posting_candidate(path: Path, root: Path) -> bool:
    rel_parts = path.relative_to(root).parts
    if any(part.startswith(".") for part in rel_parts):
        return False
    return not (path.name in SKIPPED_NAMES or path.name.endswith(SKIPPED_SUFFIXES))


def decode(data: bytes, name: str) -> tuple[str, list[str]]:
    """Bytes -> text, refusing binary data and repairing mojibake; returns the text and the repairs made."""
    if not data.strip():
        raise ReadError(f"{name}: the file is empty; remove it or put the posting's text in it")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(f"{name}: this is a binary file (it contains NUL bytes), not a posting; "
                        "convert it to text (Markdown, HTML, YAML) or leave it out")
    repairs: list[str] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if err.start >= len(data) - 3:  # a multi-byte character cut off at the end
            text = data[: err.start].decode("utf-8-sig")
            repairs.append(f"dropped a truncated UTF-8 sequence at byte {err.start}")
        else:  # guessing another encoding would store wrong characters without a word: say so instead
            raise ReadError(
                f"{name}: not valid UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start}); "
                "re-save the file as UTF-8"
            ) from None
    lines = text.count("\n")
    if lines > MAX_LINES:
        raise ReadError(f"{name}: {lines} lines is too many for a posting (limit {MAX_LINES}); "
                        "split it into one file per posting")
    controls = len(CONTROL.findall(text, 0, 8192))
    if controls > 0.05 * min(len(text), 8192):
        raise ReadError(f"{name}: this looks like a binary file ({controls} control characters), not a posting")
    fixed = repair(text)
    if fixed != text:
        repairs.append("repaired mojibake and broken characters (ftfy)")
    return fixed, repairs


FTFY = ftfy.TextFixerConfig(normalization="NFC", uncurl_quotes=False, explain=False)
# What ftfy can change in ASCII text: HTML entities (&amp;), \r line breaks, terminal escapes and control characters.
# Every other fix it makes (mojibake, C1 controls, ligatures, widths, surrogates, NFC) needs a non-ASCII character.
ASCII_FIXABLE = re.compile(r"[&\x00-\x08\x0b-\x1f\x7f]")


def _char_class(codes: set[int]) -> re.Pattern[str]:
    ranges, start, prev = [], None, None
    for code in sorted(codes):
        if start is None or code != prev + 1:
            if start is not None:
                ranges.append((start, prev))
            start = code
        prev = code
    if start is not None:
        ranges.append((start, prev))
    return re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges) + "]")


# The characters ftfy's fixes other than mojibake act on, from its own tables: C1 controls (also NEXT LINE), line
# and paragraph separators, ligatures, full and half widths, surrogates, the control characters it removes.
FTFY_CHARS = _char_class({*CONTROL_CHARS, *LIGATURES, *WIDTH_MAP, *range(0x80, 0xA0), 0x2028, 0x2029,
                          *range(0xD800, 0xE000)})


def _unchanged_by_ftfy(segment: str) -> bool:
    """Whether ftfy leaves a line as it is: nothing its fixes act on, already NFC, no mojibake (ftfy's own test)."""
    if segment.isascii():
        return not ASCII_FIXABLE.search(segment)
    return not (ASCII_FIXABLE.search(segment) or FTFY_CHARS.search(segment) or is_bad(segment)
                or not unicodedata.is_normalized("NFC", segment))


def repair(text: str) -> str:
    """``ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False)``, the same result, skipping the lines it
    cannot change (nearly every line of a posting): ftfy's own loop, one line at a time, with HTML unescaping
    turned off from the first line that holds a "<"."""
    if text.isascii() and not ASCII_FIXABLE.search(text):
        return text
    config, out, pos = FTFY, [], 0
    while pos < len(text):
        end = text.find("\n", pos) + 1 or len(text)
        end = min(end, pos + config.max_decode_length)
        segment = text[pos:end]
        if config.unescape_html == "auto" and "<" in segment:
            config = config._replace(unescape_html=False)
        if _unchanged_by_ftfy(segment):
            out.append(segment)
        else:
            out.append(ftfy.fix_and_explain(segment, config).text)
        pos = end
    return "".join(out)


def load_meta(path: Path) -> dict[str, Any]:
    """Merge folder-level ``_meta.yaml`` files (outermost first) with the file's own sidecar."""
    meta: dict[str, Any] = {}
    folders = [p for p in reversed(path.resolve().parents) if (p / FOLDER_META).is_file()]
    for folder in folders:
        folder_meta = _read_yaml(folder / FOLDER_META)
        base_url = folder_meta.pop("base_url", None)
        meta.update(folder_meta)
        if base_url:
            rel = path.resolve().relative_to(folder).as_posix()
            meta["url"] = base_url.rstrip("/") + "/" + rel
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if sidecar.is_file():
        meta.update(_read_yaml(sidecar))
    return meta


def load_yaml(text: str) -> Any:
    """Safe-load YAML within bounds; every failure is a ``yaml.YAMLError`` saying what is wrong.

    libyaml already caps nesting depth; this adds a cap on alias expansion (nine aliases of nine aliases
    load in no time as shared objects, then take hours and gigabytes for whoever walks them) and turns
    values Python refuses (``2026-02-30``, a 5000-digit integer) into a YAML error instead of a crash.
    """
    try:
        data = yaml.load(text, Loader=YAML_LOADER)  # noqa: S506 - a safe loader
    except (ValueError, OverflowError, RecursionError) as err:
        raise yaml.YAMLError(f"a value cannot be read: {err}") from None
    if isinstance(data, list | dict):
        _check_expansion(data)
    return data


def _check_expansion(root: list | dict) -> None:
    """Count the values ``root`` expands to (shared subtrees at each use), iteratively; refuse cycles."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        children = [*node.keys(), *node.values()] if isinstance(node, dict) else node
        if children_done:
            sizes[id(node)] = 1 + sum(sizes.get(id(c), 1) for c in children)
            active.discard(id(node))
            if sizes[id(node)] > MAX_YAML_VALUES:
                raise yaml.YAMLError(f"its aliases expand to over {MAX_YAML_VALUES} values (an alias bomb); "
                                     "write the values out or remove the aliases")
        elif id(node) in active:  # popped again while its own subtree is open: it contains itself
            raise yaml.YAMLError("an alias refers to the node that contains it; remove the recursive alias")
        elif id(node) not in sizes:
            active.add(id(node))
            stack.append((node, True))
            stack += [(c, False) for c in children if isinstance(c, list | dict)]


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ReadError(f"{path}: the metadata file does not parse as YAML ({err})") from None
    if not isinstance(data, dict):
        raise ReadError(f"{path}: the metadata file must be a YAML mapping of keys to values")
    for key in SCALAR_META:
        if isinstance(data.get(key), list | dict):
            raise ReadError(f"{path}: {key!r} must be a single value, not a {type(data[key]).__name__}; "
                            "fix the metadata file")
    return data


def read_document(path: str | Path, overrides: dict[str, Any] | None = None) -> Document:
    """Read one file; raise ReadError naming the file and the problem when it is not a posting."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as err:
        raise ReadError(f"{path}: cannot be read ({err.strerror})") from None
    if size > MAX_BYTES:
        raise ReadError(
            f"{path}: {size / 2**20:.1f} MiB is too large for a posting (limit {MAX_BYTES / 2**20:.0f} MiB); "
            "split it into one file per posting"
        )
    data = path.read_bytes()
    text, repairs = decode(data, str(path))
    meta = load_meta(path)
    meta.update({k: v for k, v in (overrides or {}).items() if v is not None})
    source_key = str(meta.get("url") or path.resolve().as_uri())
    return Document(
        path=path,
        data=data,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        source_key=source_key,
        meta=meta,
        repairs=repairs,
    )
