"""Fingerprint what ingest makes of a set of documents, to prove a speed-up changed nothing.

    python tools/fingerprint.py write tests/fingerprint.json      # record (after an intended change)
    python tools/fingerprint.py check tests/fingerprint.json      # compare; exit 1 naming what differs
    python tools/fingerprint.py write /tmp/fp-full.json --ror               # also link against all of ../shared/ror

The documents: data/postings, ../shared/seeds, ../shared/corpus/postings and 200 postings made by
benchmarks/generate.py (seed 3, employers from ../shared/ror, skill labels pinned in the fingerprint file so the
generated texts do not change when the vocabulary does). They are linked as ``jobgraph ingest`` links them:
against data/ and the generator's ror-employers.json (plus the whole ROR dump with ``--ror``).

For each document it keeps sha256 digests, never text (real postings must not be copied into the
repository): of each posting's extracted fields (``Posting.to_json`` one key at a time, so a difference
names the field) and of the document's N-Quads, sorted, with prov:generatedAtTime fixed. Skill mentions and
the quads about them are digested apart, with a digest of the skill matcher's inputs (link/skills.py,
data/skills.ttl): another engineer owns those, and their changes must not read as a regression here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
SHARED = Path(os.environ.get("JOBGRAPH_SHARED", ROOT.parent / "shared"))

from jobgraph.extract import ExtractError  # noqa: E402
from jobgraph.ingest import linker_from_store, load_references, process  # noqa: E402
from jobgraph.rdf import document_nquads  # noqa: E402
from jobgraph.read import ReadError, iter_files, load_meta, read_document  # noqa: E402
from jobgraph.store import OxigraphStore  # noqa: E402

NOW = datetime(2026, 1, 1, tzinfo=UTC)  # prov:generatedAtTime, the one value that changes from run to run
GENERATED, GENERATED_SEED = 200, 3


def sha(data: str | bytes) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()[:12]


def is_skill_quad(line: str) -> bool:
    """Quads about skill mentions: schema:skills, jg:requirement and the requirement nodes (and their evidence)."""
    return "#skill-" in line or "<http://schema.org/skills>" in line


def generated(folder: Path, labels: list[str]) -> Path:
    from generate import generate

    vocab = folder / "labels.ttl"  # the pinned labels, as the generator reads them (leaves of a broader concept)
    vocab.write_text("@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n" + "".join(
        f"<urn:x:{i}> skos:prefLabel {json.dumps(label)} ; skos:broader <urn:x:top> .\n"
        for i, label in enumerate(labels)), encoding="utf-8")
    out = folder / "gen"
    generate(GENERATED, out, seed=GENERATED_SEED, ror=SHARED / "ror" / "ror-records-v2.json", pool=300, skills=vocab)
    return out


def linker_for(full_ror: bool, *extra: Path) -> Any:
    """The linker ``jobgraph ingest data/ EXTRA...`` builds (with the whole ROR dump when ``full_ror``)."""
    store = OxigraphStore.in_memory()
    references = [*iter_files([ROOT / "data"]), *extra]
    if full_ror:
        references.append(SHARED / "ror" / "ror-records-v2.json")
    load_references(store, references)
    return linker_from_store(store)


def fingerprint(labels: list[str], full_ror: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        gen = generated(Path(tmp), labels)
        linker = linker_for(full_ror, gen / "ror-employers.json")
        inputs = {"data/postings": ROOT / "data" / "postings", "seeds": SHARED / "seeds",
                  "corpus/postings": SHARED / "corpus" / "postings", "generated": gen}
        docs: dict[str, Any] = {}
        for label, root in inputs.items():
            for path in iter_files([root]):
                if path.parent == gen:  # the generator's ROR records, reference data
                    continue
                name = f"{label}/{path.relative_to(root)}"
                docs[name] = document(path, name, linker)
    return {"ror": "full" if full_ror else "data+generated", "labels": labels,
            "documents": docs}


def document(path: Path, name: str, linker: Any) -> dict[str, Any]:
    """A document's digests. One whose metadata gives no URL gets ``urn:fingerprint:NAME`` (its file URI, the
    default, would differ between checkouts and temporary folders)."""
    try:
        overrides = None if load_meta(path).get("url") else {"url": f"urn:fingerprint:{name}"}
        doc = read_document(path, overrides)
        postings = process(doc, linker)
    except (ReadError, ExtractError) as err:
        return {"error": sha(str(err).replace(str(path), "PATH"))}
    lines = quad_lines(doc, postings)
    fields = []
    for p in postings:
        data = p.to_json()
        skills = data.pop("skills")
        fields.append({"fields": {k: sha(json.dumps(v, sort_keys=True, default=str)) for k, v in data.items()},
                       "skills": sha(json.dumps(skills, sort_keys=True))})
    rest = [line for line in lines if not is_skill_quad(line)]
    return {"postings": fields, "quads": len(lines), "nquads": sha("\n".join(rest)),
            "skill_nquads": sha("\n".join(line for line in lines if is_skill_quad(line)))}


def quad_lines(doc: Any, postings: list[Any]) -> list[str]:
    """The document's N-Quads as ingest writes them, sorted, generated at NOW."""
    return sorted(set(document_nquads(doc, postings, now=NOW)[0].decode().splitlines()))


def differences(old: dict[str, Any], new: dict[str, Any], skills: bool) -> list[str]:
    """What differs, by document and field (digests only, so no text is shown)."""
    out = []
    for name in sorted(old["documents"].keys() | new["documents"].keys()):
        a, b = old["documents"].get(name), new["documents"].get(name)
        if a is None or b is None:
            out.append(f"{name}: {'new' if a is None else 'gone'}")
            continue
        if ("error" in a) != ("error" in b) or a.get("error") != b.get("error"):
            out.append(f"{name}: {'fails' if 'error' in b else 'no longer fails'} or fails differently")
            continue
        if "error" in a:
            continue
        if len(a["postings"]) != len(b["postings"]):
            out.append(f"{name}: {len(a['postings'])} postings, now {len(b['postings'])}")
            continue
        for i, (pa, pb) in enumerate(zip(a["postings"], b["postings"], strict=True)):
            keys = sorted(k for k in pa["fields"].keys() | pb["fields"].keys()
                          if pa["fields"].get(k) != pb["fields"].get(k))
            if keys:
                out.append(f"{name} posting {i}: {', '.join(keys)} differ")
            if skills and pa["skills"] != pb["skills"]:
                out.append(f"{name} posting {i}: skills differ")
        if a["nquads"] != b["nquads"]:
            out.append(f"{name}: N-Quads differ ({a['quads']} quads, now {b['quads']})")
        if skills and a["skill_nquads"] != b["skill_nquads"]:
            out.append(f"{name}: skill N-Quads differ")
    return out


def default_labels() -> list[str]:
    from generate import load_skills

    return load_skills(ROOT / "data" / "skills.ttl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["write", "check"])
    parser.add_argument("file", type=Path)
    parser.add_argument("--ror", action="store_true", help="link against all of ../shared/ror too (slower)")
    args = parser.parse_args()
    if args.action == "write":
        labels = json.loads(args.file.read_text())["labels"] if args.file.exists() else default_labels()
        args.file.write_text(json.dumps(fingerprint(labels, args.ror), indent=1, sort_keys=True) + "\n")
        print(f"wrote {args.file}")
        return
    old = json.loads(args.file.read_text())
    new = fingerprint(old["labels"], old["ror"] == "full")
    diff = differences(old, new, skills=True)
    print("\n".join(diff) or f"identical: {len(new['documents'])} documents")
    sys.exit(1 if diff else 0)


if __name__ == "__main__":
    main()
