"""`jobgraph evaluate`: the comparison rules, and the measured figures on seeds and corpus (they may rise,
never silently drop: the thresholds are the levels measured when this test was written)."""

from __future__ import annotations

import json

import pytest

from jobgraph.evaluate import employment_ok, evaluate, location_ok, salary_amounts, title_ok

from .conftest import run_cli, shared_path


def test_rules_compare_meaning_not_spelling() -> None:
    assert title_ok("System Manager (teaching support IT), Department of Physics", "System manager")
    assert not title_ok("Community Manager", "Community Developer")
    assert location_ok("London, UK (Department of Physics)", "London, United Kingdom", "GB")
    assert not location_ok("Aarhus, Denmark", "Denmark", "DK")
    assert not location_ok("Remote", "Remote. We are a team of forty people spread over nine countries", None)
    assert salary_amounts("£30-40k, or according to experience") == (30000, 40000, "GBP")
    assert salary_amounts("US$75,000 total; hourly rate 60-120 $/h") == (75000, 75000, "USD")
    assert employment_ok("full-time, fixed-term up to 5 years", {"employment_types": ["full-time", "fixed-term"],
                                                                 "duration_months": 60})
    assert not employment_ok("full-time, two years", {"employment_types": ["full-time"], "duration_months": 12})
    assert employment_ok("part-time initially, may convert to full-time", {"employment_types": ["part-time"]})


def test_both_empty_is_not_counted_and_skills_use_the_vocabulary() -> None:
    gold = [{"file": "a.md", "title": "Data Steward", "closing_date": None, "skills": ["python", "Git"]}]
    pred = [{"file": "a.md", "posting_index": 0, "title": "Data steward", "closing_date": None,
             "skills": [{"label": "Python"}, {"label": "SQL"}]}]
    report = evaluate(gold, pred)
    assert (report.fields["title"].counted, report.fields["closing_date"].counted) == (1, 0)
    assert (report.skill.tp, report.skill.fp, report.skill.fn) == (1, 1, 1)


def test_skills_are_also_scored_by_kind(vocabulary) -> None:  # type: ignore[no-untyped-def]
    gold = [{"file": "a.md", "skills": ["Python", "communication", "Forskermaskine"]}]
    pred = [{"file": "a.md", "skills": [{"label": "python"}, {"label": "open source"}]}]
    kinds = evaluate(gold, pred, vocabulary=vocabulary).to_json()["skills"]["by_kind"]
    assert {k: (v["true_positives"], v["false_positives"], v["false_negatives"]) for k, v in kinds.items()} == {
        "named": (1, 0, 0), "generic": (0, 1, 1), "outside the vocabulary": (0, 0, 1)}


# (correct, counted) per field as measured (README table): a field may gain correct answers, never lose one,
# and may not gain wrong ones.
SEEDS = {"title": (5, 5), "employer_name": (5, 5), "employer_ror": (4, 4), "location": (3, 3), "remote": (3, 3),
         "employment_type": (3, 3), "closing_date": (2, 2), "start_date": (1, 1), "salary": (2, 2),
         "contact_email": (3, 3)}
CORPUS = {"title": (35, 36), "employer_name": (36, 36), "employer_ror": (21, 21), "location": (21, 24),
          "remote": (21, 21), "employment_type": (23, 23), "date_posted": (17, 17), "closing_date": (13, 13),
          "start_date": (1, 1), "salary": (15, 15), "contact_email": (10, 10)}


# skill precision / recall / F1 as measured (README), rounded down
SKILLS_SEEDS = {"precision": 0.76, "recall": 0.99, "f1": 0.86}
SKILLS_CORPUS = {"precision": 0.75, "recall": 0.92, "f1": 0.82}
# named tools, languages and standards alone (the generic skills are where the gold disagrees with itself)
NAMED_SEEDS = {"precision": 0.98, "recall": 0.98}
NAMED_CORPUS = {"precision": 0.91, "recall": 0.98}


@pytest.mark.parametrize(("name", "paths", "correct", "overall", "skills", "named"), [
    ("seeds", ("seeds",), SEEDS, 1.0, SKILLS_SEEDS, NAMED_SEEDS),
    ("corpus", ("corpus", "postings"), CORPUS, 0.98, SKILLS_CORPUS, NAMED_CORPUS),
])
def test_measured_figures_do_not_drop(name: str, paths: tuple[str, ...], correct: dict[str, tuple[int, int]],
                                      overall: float, skills: dict[str, float], named: dict[str, float]) -> None:
    proc = run_cli("evaluate", "--json", "--gold", str(shared_path(name, "gold.jsonl")), str(shared_path(*paths)))
    report = json.loads(proc.stdout)
    assert report["missing"] == []
    assert report["accuracy"] >= overall, report["fields"]
    for field, score in report["fields"].items():
        right, counted = correct.get(field, (0, 0))
        assert score["correct"] >= right, (field, score["errors"])
        assert score["counted"] - score["correct"] <= counted - right, (field, score["errors"])
    for measure, floor in skills.items():
        assert report["skills"][measure] >= floor, (measure, report["skills"]["errors"])
    for measure, floor in named.items():
        assert report["skills"]["by_kind"]["named"][measure] >= floor, (measure, report["skills"]["errors"])


def test_a_broken_gold_file_is_named_with_its_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"file": "a.md", "title": "X"}\nnot json\n')
    proc = run_cli("evaluate", "--gold", str(gold), str(tmp_path), check=False)
    assert proc.returncode != 0 and f"{gold}:2: not a JSON object" in proc.stderr


def test_evaluate_prints_a_table() -> None:
    proc = run_cli("evaluate", "--gold", str(shared_path("seeds", "gold.jsonl")), str(shared_path("seeds")))
    assert "all fields" in proc.stdout and "skills: precision" in proc.stdout
