"""Build data/skills.ttl (the jobgraph skill vocabulary) and data/esco.ttl (the ESCO concepts it maps to).

    python tools/build_skills.py [--esco ../shared/skills/esco]

The vocabulary is written by hand in tools/skills.txt (its header says how); this script checks it and writes
SKOS Turtle. It refuses to write when an ESCO label is not in ESCO (so no ESCO URI is ever invented), when an id
or a prefLabel is used twice, when two concepts share a label as the matcher reads it, or when a broader
concept does not exist. data/esco.ttl holds the mapped ESCO concepts plus their whole broader chain, so
roll-up queries work on the demo data without the full ESCO import (``jobgraph skills import-esco``).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, serialize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from jobgraph.link.esco import broader_closure, read_esco, skill_labels  # noqa: E402
from jobgraph.link.skills import folded_key, label_words  # noqa: E402
from jobgraph.vocab import DCT, JG, RDF, SKOS  # noqa: E402

JGS = "https://w3id.org/jobgraph/skill/"
WIKIDATA = "http://www.wikidata.org/entity/"
FLAGS = {"cs": "CaseSensitive", "ci": "CaseInsensitive", "ctx": "NeedsContext", "ask": "WhenAsked",
         "duty": "WhenListed", "nomatch": "NotMatched", "lang": "Language"}


@dataclass
class Entry:
    id: str
    label: str
    alts: list[str]
    hidden: list[str]
    esco: list[str]
    wikidata: str
    flags: list[str]
    broader: list[str] = field(default_factory=list)
    top: bool = False
    line: int = 0


def split(value: str) -> list[str]:
    return [v.strip() for v in value.split(";") if v.strip()]


def parse_source(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    category = None
    inherited: list[str] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("# ") or line == "#":
            continue
        top = line.startswith("## ")
        cols = [c.strip() for c in line.removeprefix("## ").split("|")]
        cols += [""] * (7 - len(cols))
        head, label, alts, hidden, esco, wikidata, flags = cols[:7]
        m = re.fullmatch(r"([a-z0-9-]+)(?:\s*\[([a-z0-9 -]+)\])?", head)
        if not m or not label:
            raise SystemExit(f"{path}:{number}: expected 'id | label | ...', got {raw!r}")
        entry = Entry(m.group(1), label, split(alts), split(hidden), split(esco), wikidata, flags.split(),
                      top=top, line=number)
        if top:
            category = entry.id
            inherited = ["duty"] if "askall" in entry.flags else ["ask"] if "strictall" in entry.flags else []
            entry.flags = [f for f in entry.flags if f not in ("askall", "strictall")]
        else:
            entry.broader = m.group(2).split() if m.group(2) else [category] if category else []
            entry.flags = list(dict.fromkeys(entry.flags + ([] if "ask" in entry.flags else inherited)))
        entries.append(entry)
    return entries


def spelling_variants(label: str) -> set[str]:
    """Spelling variants a posting may write: British/American, hyphen/space, lower case."""
    out = set() if re.sub(r"[^A-Za-z]", "", label).isupper() else {label.lower()}  # "rest" is not REST
    if "-" in label:
        out |= {label.replace("-", " "), label.replace("-", "")}
    elif " " in label and len(label.split()) == 2:
        out.add(label.replace(" ", "-"))
    for a, b in (("isation", "ization"), ("ise", "ize"), ("yse", "yze"), ("our", "or"), ("ogue", "og")):
        if a in label:
            out.add(label.replace(a, b))
        elif b in label:
            out.add(label.replace(b, a))
    return out


def check(entries: list[Entry], esco: dict[str, str]) -> list[str]:
    problems = []
    ids = {}
    for e in entries:
        if e.id in ids:
            problems.append(f"line {e.line}: id {e.id} already used on line {ids[e.id]}")
        ids[e.id] = e.line
    prefs: dict[str, str] = {}
    keys: dict[tuple[str, ...], str] = {}
    for e in entries:
        if e.label.casefold() in prefs:
            problems.append(f"line {e.line}: prefLabel {e.label!r} also on {prefs[e.label.casefold()]}")
        prefs[e.label.casefold()] = e.id
        for b in e.broader:
            if b not in ids:
                problems.append(f"line {e.line}: broader {b!r} is not a concept")
        for label in [e.label, *e.alts, *e.hidden]:
            key = folded_key(label_words(label))
            if keys.get(key, e.id) != e.id:
                problems.append(f"line {e.line}: label {label!r} of {e.id} reads as one of {keys[key]}")
            keys.setdefault(key, e.id)
        for ref in e.esco:
            if ref[:1] not in "=~" or ref[1:].strip() not in esco:
                problems.append(f"line {e.line}: ESCO label {ref!r} is not an ESCO v1.2.0 preferred label")
        if e.wikidata and not re.fullmatch(r"Q[1-9]\d*", e.wikidata):
            problems.append(f"line {e.line}: Wikidata id {e.wikidata!r} is not a QID")
        problems += [f"line {e.line}: unknown flag {f!r}" for f in e.flags if f not in FLAGS]
    return problems


def vocabulary_quads(entries: list[Entry], esco: dict[str, str]) -> list[Quad]:
    scheme = NamedNode(JGS)
    en = "en"
    q = [Quad(scheme, RDF.type, SKOS.ConceptScheme),
         Quad(scheme, SKOS.prefLabel, Literal("jobgraph skills", language=en)),
         Quad(scheme, DCT.title, Literal("jobgraph skills", language=en)),
         Quad(scheme, DCT.description, Literal(
             "The skills research and open-science job postings ask for: programming languages, frameworks, data "
             "and infrastructure tools, data standards, engineering practices, domain and soft skills. Written "
             "for jobgraph; aligned with ESCO v1.2.0 (skos:exactMatch/closeMatch, each URI checked against the "
             "ESCO CSV export) and with Wikidata items where the item is certain.", language=en)),
         Quad(scheme, DCT.license, NamedNode("https://creativecommons.org/publicdomain/zero/1.0/")),
         Quad(scheme, DCT.modified, Literal(date.today().isoformat(),
                                            datatype=NamedNode("http://www.w3.org/2001/XMLSchema#date"))),
         Quad(scheme, DCT.source, NamedNode("https://esco.ec.europa.eu/en/use-esco/download")),
         Quad(scheme, DCT.rights, Literal(
             "The vocabulary is CC0 1.0. The ESCO URIs it links to are facts about ESCO; ESCO itself (see "
             "graph/esco) is reused under Commission Decision 2011/833/EU: 'This service uses the ESCO "
             "classification of the European Commission.' The O*NET (CC BY 4.0) and Lightcast lists were "
             "consulted, not copied: no label or identifier from them is shipped.", language=en))]
    owner = {lab.casefold(): e.id for e in entries for lab in [e.label, *e.alts, *e.hidden]}
    for e in entries:
        s = NamedNode(JGS + e.id)
        q += [Quad(s, RDF.type, SKOS.Concept), Quad(s, SKOS.inScheme, scheme),
              Quad(s, SKOS.prefLabel, Literal(e.label, language=en))]
        if e.top:
            q += [Quad(s, SKOS.topConceptOf, scheme), Quad(scheme, SKOS.hasTopConcept, s)]
        q += [Quad(s, SKOS.broader, NamedNode(JGS + b)) for b in e.broader]
        q += [Quad(s, SKOS.altLabel, Literal(a, language=en)) for a in dict.fromkeys(e.alts) if a != e.label]
        hidden = set(e.hidden)
        if "cs" not in e.flags:  # a case-sensitive concept's lower-case form is an ordinary word ("slack")
            for label in [e.label, *e.alts]:
                hidden |= {v for v in spelling_variants(label) if owner.get(v.casefold(), e.id) == e.id}
        seen: set[str] = set()
        for h in sorted(hidden):
            if h.casefold() not in seen and h not in (e.label, *e.alts):
                seen.add(h.casefold())
                q.append(Quad(s, SKOS.hiddenLabel, Literal(h, language=en)))
        for ref in e.esco:
            q.append(Quad(s, SKOS.exactMatch if ref[0] == "=" else SKOS.closeMatch, NamedNode(esco[ref[1:].strip()])))
        if e.wikidata:
            q.append(Quad(s, SKOS.exactMatch, NamedNode(WIKIDATA + e.wikidata)))
        q += [Quad(s, JG.matching, JG.term(FLAGS[f])) for f in e.flags]
    return q


PREFIXES = {"skos": str(SKOS), "dcterms": str(DCT), "jgs": JGS, "jg": str(JG), "wd": WIKIDATA,
            "esco": "http://data.europa.eu/esco/skill/", "escom": "http://data.europa.eu/esco/model#"}


def write(path: Path, quads: list[Quad], header: str) -> None:
    body = serialize([qq.triple for qq in quads], format=RdfFormat.TURTLE, prefixes=PREFIXES)
    path.write_bytes(header.encode() + body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT / "tools" / "skills.txt")
    shared = Path(os.environ.get("JOBGRAPH_SHARED", ROOT.parent / "shared"))
    parser.add_argument("--esco", type=Path, default=shared / "skills" / "esco")
    parser.add_argument("--out", type=Path, default=ROOT / "data")
    args = parser.parse_args()
    entries = parse_source(args.source)
    esco = skill_labels(args.esco)
    problems = check(entries, esco)
    if problems:
        raise SystemExit("\n".join(problems) + f"\n{len(problems)} problems; nothing written")
    quads = vocabulary_quads(entries, esco)
    write(args.out / "skills.ttl", quads, "# Generated by tools/build_skills.py from tools/skills.txt: edit that.\n")
    mapped = {str(qq.object.value) for qq in quads if qq.predicate in (SKOS.exactMatch, SKOS.closeMatch)
              and qq.object.value.startswith("http://data.europa.eu/")}
    wanted = broader_closure(args.esco, mapped)
    esco_quads = list(read_esco(args.esco, wanted))
    write(args.out / "esco.ttl", esco_quads,
          "# ESCO v1.2.0 concepts that data/skills.ttl maps to, with their broader chain (tools/build_skills.py).\n"
          "# This service uses the ESCO classification of the European Commission. Modified (a subset);\n"
          "# reuse under Commission Decision 2011/833/EU. `jobgraph skills import-esco` loads all of it.\n")
    concepts = sum(1 for qq in quads if qq.predicate == RDF.type and qq.object == SKOS.Concept)
    print(f"{concepts} concepts, {len(mapped)} ESCO matches -> {len(wanted)} ESCO concepts in esco.ttl, "
          f"{sum(1 for e in entries if e.wikidata)} Wikidata matches")


if __name__ == "__main__":
    main()
