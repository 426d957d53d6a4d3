"""The records that flow between stages: a read Document becomes Postings, which become RDF.

Plain dataclasses, so every stage can be tested on its own and ``extract --json`` is just ``to_json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

Level = Literal["necessary", "desirable", "mentioned"]


@dataclass
class Evidence:
    """Where a value came from: the text it was read from, the rule that read it, and how sure it is."""

    text: str
    rule: str
    start: int | None = None  # character offsets into the posting's description
    end: int | None = None
    score: float = 1.0


@dataclass
class Salary:
    text: str
    currency: str | None = None  # ISO 4217
    min: float | None = None
    max: float | None = None
    unit: str | None = None  # schema.org unitText: HOUR, DAY, WEEK, MONTH, YEAR


@dataclass
class SkillMention:
    label: str  # the concept's preferred label
    concept: str  # the concept IRI
    level: Level
    evidence: Evidence


@dataclass
class OrganizationLink:
    """An employer name resolved (or not) to an organisation, in the spirit of ROR's affiliation matching."""

    name: str  # the organisation's display name, or the text as written when nothing matched
    matched: str  # the text that was matched
    ror: str | None = None
    iri: str | None = None
    method: str = "none"
    score: float = 0.0
    chosen: bool = False


@dataclass
class Document:
    """One source file as read from disk: decoded, repaired, with what its sidecar says about it."""

    path: Path
    data: bytes
    text: str
    sha256: str
    source_key: str  # the URL the harvester knows, else the file's URI: names the document's graph
    meta: dict[str, Any] = field(default_factory=dict)
    format: str = "text"
    repairs: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name


@dataclass
class Posting:
    file: str
    posting_index: int
    source_key: str
    title: str | None = None
    employer_name: str | None = None
    employer_ror: str | None = None
    employer_unit: str | None = None  # a sub-unit or project named in the posting (e.g. ROR at DataCite)
    location: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    remote: bool | None = None
    remote_regions: list[str] = field(default_factory=list)
    employment_type: str | None = None  # the kinds below, as one readable phrase ("full-time, fixed-term")
    employment_types: list[str] = field(default_factory=list)  # full-time, part-time, contract, fixed-term, ...
    duration_months: int | None = None  # the term of a fixed-term job
    fte: float | None = None  # full-time equivalent (0.5 = half time)
    work_arrangement: str | None = None  # remote, hybrid or on-site
    hours_per_week: float | None = None
    date_posted: str | None = None
    closing_date: str | None = None
    closing_time: str | None = None  # HH:MM when the posting gives one ("9am")
    interview_date: str | None = None  # ISO date, or YYYY-MM when the posting names only the month
    start_date: str | None = None
    salary: Salary | None = None
    contact_email: str | None = None
    contact_emails: list[str] = field(default_factory=list)
    apply_url: str | None = None
    responsibilities: list[str] = field(default_factory=list)
    necessary: list[str] = field(default_factory=list)
    desirable: list[str] = field(default_factory=list)
    description: str = ""
    page_title: str | None = None  # the title of a page that holds several postings
    language: str = "en"
    skills: list[SkillMention] = field(default_factory=list)
    employer_link: OrganizationLink | None = None
    evidence: dict[str, Evidence] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The shape of ../shared/*/gold.jsonl, plus the structure and evidence behind each value."""
        data = asdict(self)
        data["skills"] = [
            {"label": s.label, "concept": s.concept, "level": s.level, "evidence": asdict(s.evidence)}
            for s in self.skills
        ]
        return data
