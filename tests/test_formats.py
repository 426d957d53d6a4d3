"""Every format the extractor sniffs, on sample postings written for this project (data/postings)."""

from __future__ import annotations

import pytest

from jobgraph.ingest import linker_for_extract, process
from jobgraph.read import read_document

from .conftest import DATA

POSTINGS = DATA / "postings"


@pytest.fixture(scope="module")
def linker():  # type: ignore[no-untyped-def]
    return linker_for_extract(None)


def _one(name: str, linker):  # type: ignore[no-untyped-def]
    postings = process(read_document(POSTINGS / name), linker)
    assert len(postings) == 1
    return postings[0]


def test_html_page_with_json_ld_uses_the_structured_posting(linker) -> None:  # type: ignore[no-untyped-def]
    p = _one("cern-open-data-engineer.html", linker)
    assert p.title == "Open Data Platform Engineer"
    assert p.employer_ror == "https://ror.org/01ggx4157"  # "CERN" in hiringOrganization, resolved by acronym
    assert (p.location, p.country) == ("Geneva, CH", "CH")
    assert (p.date_posted, p.closing_date, p.closing_time) == ("2026-02-02", "2026-03-01", "23:59")
    assert p.salary is not None and (p.salary.currency, p.salary.min, p.salary.max, p.salary.unit) == (
        "CHF", 98000, 112000, "YEAR")
    assert p.employment_types == ["full-time", "fixed-term"] and p.duration_months == 36
    assert p.necessary == ["Experience with Python and PostgreSQL", "Good communication skills in English"]
    assert p.desirable == ["Knowledge of French"]
    assert p.evidence["salary"].rule == "html+jsonld-field:baseSalary"


def test_job_board_yaml_names_the_employer_not_the_board(linker) -> None:  # type: ignore[no-untyped-def]
    doc = read_document(POSTINGS / "numfocus-style-board.yaml")
    assert doc.meta["publisher"] == "NumFOCUS"
    (p,) = process(doc, linker)
    assert (p.title, p.employer_name, p.employer_ror) == ("Community Maintainer (part-time)",
                                                          "Example Array Project", None)
    assert p.employment_types == ["part-time", "contract"] and p.fte == 0.5 and p.hours_per_week == 20
    assert p.salary is not None and (p.salary.min, p.salary.max, p.salary.currency, p.salary.unit) == (
        45, 60, "USD", "HOUR")
    assert (p.remote, p.location, p.closing_date) == (True, "Remote", "2026-04-30")
    assert p.apply_url == "https://example.org/jobs/community-maintainer"


def test_german_posting_keeps_its_language(linker) -> None:  # type: ignore[no-untyped-def]
    p = _one("tib-datenmanagement.md", linker)
    assert p.language == "de"
    assert p.title == "Wissenschaftliche*r Mitarbeiter*in Forschungsdatenmanagement (m/w/d)"
    assert (p.start_date, p.closing_date, p.location) == ("2026-04-01", "2026-02-28", "Hannover")
    assert p.employment_types == ["part-time", "fixed-term"] and p.duration_months == 24
    assert p.hours_per_week == 30 and p.salary is not None and p.salary.text == "TV-L E13"
    assert p.responsibilities[0] == "Beratung von Forschenden zu Datenmanagementplänen"
    assert p.necessary == ["Abgeschlossenes Hochschulstudium", "Erfahrung mit Python"]


def test_german_literals_are_language_tagged(linker) -> None:  # type: ignore[no-untyped-def]
    from jobgraph.rdf import document_quads
    from jobgraph.vocab import SCHEMA

    doc = read_document(POSTINGS / "tib-datenmanagement.md")
    quads = list(document_quads(doc, process(doc, linker)))
    titles = [q.object for q in quads if q.predicate == SCHEMA.title]
    assert [t.language for t in titles] == ["de"]


def test_toml_front_matter(linker) -> None:  # type: ignore[no-untyped-def]
    p = _one("toml-front-matter.md", linker)
    assert (p.title, p.employer_ror, p.country) == ("Research Data Steward", "https://ror.org/01nrxwf90", "GB")
    assert (p.fte, p.duration_months, p.employment_types) == (0.6, 18, ["part-time", "fixed-term"])
    assert (p.closing_date, p.closing_time) == ("2026-03-16", "17:00")
    assert p.salary is not None and (p.salary.min, p.salary.max, p.salary.currency) == (38205, 45163, "GBP")


def test_quarto_page(linker) -> None:  # type: ignore[no-untyped-def]
    p = _one("quarto-rse.qmd", linker)
    assert p.title == "Research software engineer for a climate data platform"
    assert (p.employer_name, p.employer_ror) == ("Example Climate Institute", None)
    assert p.evidence["employer_name"].rule == "hiring-organization"
    assert (p.work_arrangement, p.remote) == ("hybrid", True)
    assert (p.employment_types, p.duration_months) == (["full-time", "fixed-term"], 36)
    assert (p.contact_email, p.closing_date) == ("ada@climate.example.org", "2026-05-04")


def test_every_value_keeps_its_evidence(linker) -> None:  # type: ignore[no-untyped-def]
    p = _one("toml-front-matter.md", linker)
    for name in ("title", "closing_date", "salary", "employment_type"):
        assert p.evidence[name].rule and p.evidence[name].text
    ev = p.evidence["closing_date"]
    assert p.description[ev.start:ev.end] == "16 March 2026"


def test_multi_posting_page_split_on_role_headings(tmp_path, linker) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "openings.md"
    page.write_text("---\ntitle: We are hiring two people. Join us.\ndate: 2026-01-05\n---\n"
                    "Example Org is hiring!\n\n## Data Engineer\n\nWe are hiring a Data Engineer. "
                    "This is a US-based position.\n\n## Community Coordinator\n\nWe are hiring a Community "
                    "Coordinator to run our calls. Our team of remote professionals works worldwide.\n")
    postings = process(read_document(page), linker)
    assert [p.title for p in postings] == ["Data Engineer", "Community Coordinator"]
    assert [p.date_posted for p in postings] == ["2026-01-05", "2026-01-05"]
    assert postings[0].location == "United States" and postings[0].country == "US"
    assert [p.remote for p in postings] == [True, True]  # a page-level statement about the whole team


def test_flat_text_header_without_line_breaks(tmp_path, linker) -> None:  # type: ignore[no-untyped-def]
    flat = tmp_path / "flat.txt"
    flat.write_text("Title: Data Curator\nCompany: University of Edinburgh\nTags: data\n"
                    "We need a data curator. Apply by 9am Friday 6th March 2026. Location: We're a UK-based team. "
                    "Salary £30,000 - £34,000 per annum.")
    (p,) = process(read_document(flat), linker)
    assert (p.title, p.employer_ror) == ("Data Curator", "https://ror.org/01nrxwf90")
    assert (p.closing_date, p.closing_time, p.location, p.country) == ("2026-03-06", "09:00", "United Kingdom", "GB")


def test_remote_in_a_requirement_bullet_describes_the_applicant(tmp_path, linker) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "job.md"
    page.write_text("# Data Engineer\n\nExample Org is hiring a Data Engineer.\n\n## Requirements\n\n"
                    "- Experience of working in remote, distributed teams\n")
    (p,) = process(read_document(page), linker)
    assert (p.remote, p.work_arrangement) == (None, None)
    page.write_text(page.read_text() + "\nThis is a full-time position, fully remote within Europe.\n")
    (p,) = process(read_document(page), linker)
    assert (p.remote, p.work_arrangement, p.location, p.remote_regions) == (True, "remote", "Remote", ["Europe"])


def test_html_microdata_posting(tmp_path, linker) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "page.html"
    page.write_text(
        '<html><body><div itemscope itemtype="https://schema.org/JobPosting">'
        '<h1 itemprop="title">Metadata Librarian</h1>'
        '<div itemprop="hiringOrganization" itemscope itemtype="https://schema.org/Organization">'
        '<span itemprop="name">Crossref</span></div>'
        '<meta itemprop="datePosted" content="2026-03-02"><meta itemprop="validThrough" content="2026-04-01">'
        '<div itemprop="description"><p>Help members register rich metadata. This is a part-time role.</p></div>'
        '</div></body></html>')
    (p,) = process(read_document(page), linker)
    assert (p.title, p.employer_ror, p.date_posted, p.closing_date) == (
        "Metadata Librarian", "https://ror.org/02twcfp32", "2026-03-02", "2026-04-01")
    assert p.employment_types == ["part-time"]


def test_json_ld_listing_file_and_plain_html(tmp_path, linker) -> None:  # type: ignore[no-untyped-def]
    listing = tmp_path / "jobs.json"
    listing.write_text('{"@context": "https://schema.org", "@graph": ['
                       '{"@type": "JobPosting", "title": "Data Steward", "hiringOrganization": {"name": "DataCite"},'
                       ' "description": "Full-time, remote.", "jobLocationType": "TELECOMMUTE"},'
                       '{"@type": "JobPosting", "title": "Ontologist", "hiringOrganization": {"name": "CERN"},'
                       ' "description": "<p>Fixed-term contract for 2 years.</p>"}]}')
    a, b = process(read_document(listing), linker)
    assert (a.title, a.employer_ror, b.title, b.employer_ror) == (
        "Data Steward", "https://ror.org/04wxnsj81", "Ontologist", "https://ror.org/01ggx4157")
    assert b.duration_months == 24 and "<p>" not in b.description
    page = tmp_path / "plain.html"
    page.write_text("<html><body><h1>Research Software Engineer</h1><p>The University of Edinburgh is looking "
                    "for a Research Software Engineer.</p><h2>Requirements</h2><ul><li>Python</li></ul>"
                    "<p>Closing date: 12 January 2026</p></body></html>")
    (p,) = process(read_document(page), linker)
    assert (p.title, p.employer_ror, p.closing_date, p.necessary) == (
        "Research Software Engineer", "https://ror.org/01nrxwf90", "2026-01-12", ["Python"])


def test_qualities_are_split_into_necessary_and_desirable(tmp_path, linker) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "job.md"
    page.write_text("# Community Lead\n\nExample Org is looking for a Community Lead.\n\n"
                    "**Duties and responsibilities**\n- **Outreach**\n  - Run the monthly calls\n\n**Criteria**\n"
                    "1. Proven experience in communication.\n2. Skills in graphic design (desirable).\n\n"
                    "Candidate journey\nAn interview with the team.\n")
    (p,) = process(read_document(page), linker)
    assert p.responsibilities == ["Run the monthly calls"]
    assert p.necessary == ["Proven experience in communication."]
    assert p.desirable == ["Skills in graphic design (desirable)."]


def test_interview_dates_keep_their_precision(tmp_path, linker) -> None:  # type: ignore[no-untyped-def]
    from jobgraph.rdf import document_quads
    from jobgraph.vocab import JG

    page = tmp_path / "job.md"
    page.write_text("# Data Engineer\n\nExample Org is hiring. Interviews will be held from the end of March 2026.\n")
    doc = read_document(page)
    (p,) = process(doc, linker)
    assert p.interview_date == "2026-03"
    (value,) = [q.object for q in document_quads(doc, [p]) if q.predicate == JG.interviewDate]
    assert value.datatype.value.endswith("#gYearMonth")
    page.write_text("# Data Engineer\n\nInterviews will take place on 20 April 2026.\n")
    (p,) = process(read_document(page), linker)
    assert p.interview_date == "2026-04-20"
