"""Ingest output is unchanged by speed work: extracted postings and N-Quads of the demo postings, the seeds,
the corpus and 200 generated postings match tests/fingerprint.json (tools/fingerprint.py).

After an intended change to what is extracted or linked, record it: ``python tools/fingerprint.py write
tests/fingerprint.json`` (and say why in the commit)."""

from __future__ import annotations

import importlib.util
import json

import pytest

from .conftest import ROOT, shared_path

FIXTURE = ROOT / "tests" / "fingerprint.json"  # not in tests/fixtures, which tests ingest


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("fingerprint", ROOT / "tools" / "fingerprint.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fingerprints(tool):
    shared_path("corpus", "postings")
    shared_path("ror", "ror-records-v2.json")
    old = json.loads(FIXTURE.read_text())
    return old, tool.fingerprint(old["labels"])


def test_every_document_is_fingerprinted(fingerprints):
    old, new = fingerprints
    names = set(new["documents"])
    assert {n.split("/")[0] for n in names} == {"data", "seeds", "corpus", "generated"}
    assert sum(n.startswith("generated/") for n in names) >= 100
    assert sum(len(d.get("postings", [])) for d in new["documents"].values()) >= 250
    assert names == set(old["documents"])


def test_postings_and_quads_unchanged(tool, fingerprints):
    old, new = fingerprints
    assert tool.differences(old, new, skills=False) == []


def test_skill_mentions_unchanged(tool, fingerprints):
    old, new = fingerprints
    assert tool.differences(old, new, skills=True) == []


def test_a_changed_value_is_named(tool, fingerprints):
    """The check can fail: one field of one posting altered is reported by document, posting and field."""
    old, new = fingerprints
    changed = json.loads(json.dumps(new))
    name = next(n for n, d in changed["documents"].items() if d.get("postings"))
    changed["documents"][name]["postings"][0]["fields"]["closing_date"] = "0" * 12
    changed["documents"][name]["nquads"] = "1" * 12
    assert tool.differences(new, changed, skills=True) == [
        f"{name} posting 0: closing_date differ",
        f"{name}: N-Quads differ ({new['documents'][name]['quads']} quads, now {new['documents'][name]['quads']})"]


def test_generated_at_time_is_the_only_thing_left_out(tool, tmp_path):
    """prov:generatedAtTime, the one value that differs between runs, is fixed; every other quad is kept."""
    from jobgraph.ingest import process
    from jobgraph.read import read_document

    doc_path = tmp_path / "p.md"
    doc_path.write_text("# Data Steward\n\nClosing date: 1 March 2026. Apply to jobs@example.org.\n",
                        encoding="utf-8")
    doc = read_document(doc_path)
    postings = process(doc, tool.linker_for(False))
    lines = tool.quad_lines(doc, postings)
    stamped = [line for line in lines if "generatedAtTime" in line]
    assert len(stamped) == 1 and '"2026-01-01T00:00:00+00:00"' in stamped[0]
    assert any("2026-03-01" in line for line in lines) and any("jobs@example.org" in line for line in lines)
