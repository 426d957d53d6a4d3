"""Stages 2-3: the seed postings come out right (title, employer, ROR id), and so do the demo's."""

from __future__ import annotations

import json

import pytest

from jobgraph.ingest import linker_for_extract, process
from jobgraph.read import read_document

from .conftest import DATA, gold, run_cli, shared_path


@pytest.fixture(scope="module")
def linker():  # type: ignore[no-untyped-def]
    return linker_for_extract(None)


def _extract(path, linker):  # type: ignore[no-untyped-def]
    return process(read_document(path), linker)


@pytest.mark.parametrize("field", ["title", "employer_name", "employer_ror"])
def test_seeds_match_gold(field: str, linker) -> None:  # type: ignore[no-untyped-def]
    for want in gold("seeds"):
        postings = _extract(shared_path("seeds", want["file"]), linker)
        got = postings[want.get("posting_index") or 0]
        assert got.to_json()[field] == want[field], (want["file"], want.get("posting_index"))


def test_seed_002_holds_two_postings(linker) -> None:  # type: ignore[no-untyped-def]
    postings = _extract(shared_path("seeds", "002_a66f3c0ad2756905.txt"), linker)
    assert [p.title for p in postings] == ["ROR Technical Lead", "Application Support Engineer"]
    assert [p.contact_email for p in postings] == ["sarala@datacite.org", "rhallett@datacite.org"]
    assert postings[0].start_date == "2022-02-01"
    assert postings[1].closing_date == "2021-12-31"


def test_flat_text_seed_fields(linker) -> None:  # type: ignore[no-untyped-def]
    (p,) = _extract(shared_path("seeds", "003_c92038ccd636fd7e.txt"), linker)
    assert p.closing_date == "2016-09-26"
    assert p.contact_email == "jobs@opendataservices.coop"
    assert p.salary is not None and (p.salary.currency, p.salary.min, p.salary.unit) == ("GBP", 34500, "YEAR")
    assert p.remote is True


def test_employer_only_implied_comes_from_publisher(linker) -> None:  # type: ignore[no-untyped-def]
    (p,) = _extract(shared_path("seeds", "000_216a3464ac741b0f.txt"), linker)
    assert p.employer_link is not None and p.employer_link.method.startswith("publisher")
    assert p.evidence["employer_name"].rule == "source-publisher"


def test_skills_are_concepts_with_levels(linker) -> None:  # type: ignore[no-untyped-def]
    (p,) = _extract(shared_path("seeds", "000_216a3464ac741b0f.txt"), linker)
    by_label = {s.label: s for s in p.skills}
    assert by_label["HTML"].level == "necessary"
    assert by_label["React"].level == "desirable"
    assert by_label["JupyterHub"].level == "mentioned"
    html = by_label["HTML"]
    assert p.description[html.evidence.start:html.evidence.end] == "HTML"


def test_demo_postings(linker) -> None:  # type: ignore[no-untyped-def]
    a, b = _extract(DATA / "postings" / "datacite-openings.md", linker)
    assert (a.title, a.employer_ror, a.closing_date, a.start_date) == (
        "PID Metadata Specialist", "https://ror.org/04wxnsj81", "2026-03-15", "2026-05-01")
    assert a.salary is not None and (a.salary.currency, a.salary.min, a.salary.max) == ("EUR", 52000, 60000)
    assert b.employment_type == "fixed-term"
    (flat,) = _extract(DATA / "postings" / "edinburgh-research-software-engineer.txt", linker)
    assert flat.employer_ror == "https://ror.org/01nrxwf90"
    assert flat.closing_date == "2026-01-12"


def test_extract_json_cli_prints_gold_shape() -> None:
    seeds = shared_path("seeds")
    proc = run_cli("extract", "--json", str(seeds))
    rows = json.loads(proc.stdout)
    assert len(rows) == 5
    for row in rows:
        assert {"file", "posting_index", "title", "employer_name", "employer_ror", "location", "remote",
                "employment_type", "date_posted", "closing_date", "start_date", "salary", "contact_email",
                "skills"} <= row.keys()
    assert {r["employer_ror"] for r in rows} == {"https://ror.org/050gv4c78", "https://ror.org/04wxnsj81", None}


def test_extract_reports_bad_files_and_goes_on(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "good.md").write_text("# Data Steward\n\nJoin us. Experience with Python.\n")
    proc = run_cli("extract", "--json", str(tmp_path), check=False)
    assert proc.returncode == 1
    assert "empty.md: the file is empty" in proc.stderr
    assert [r["title"] for r in json.loads(proc.stdout)] == ["Data Steward"]
