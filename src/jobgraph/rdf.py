"""Stage 4, RDF: Postings and their source Document -> quads in the document's own named graph.

The one exception: an employer with no ROR record is described (once, set semantics) in the shared
``graph/organizations``, since several documents name the same organisation.

Structured values get fragment IRIs under the posting (``<posting#salary>``), never blank nodes, so the
same document always yields the same quads and each fact can be cited with its evidence.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from pyoxigraph import Literal, NamedNode, Quad

from . import __version__
from .model import Document, Evidence, Posting
from .vocab import DCT, JG, PROV, RDF, SCHEMA, XSD, graph_iri, node_iri, organization_iri, posting_iri, source_iri

# schema.org's employmentType values, as search engines read them.
EMPLOYMENT_TYPES = {"full-time": "FULL_TIME", "part-time": "PART_TIME", "contract": "CONTRACTOR",
                    "fixed-term": "TEMPORARY", "temporary": "TEMPORARY", "internship": "INTERN",
                    "volunteer": "VOLUNTEER", "student assistant": "PART_TIME"}
LEVELS = {"necessary": JG.Necessary, "desirable": JG.Desirable, "mentioned": JG.Mentioned}


def _date(value: str) -> Literal:
    """xsd:dateTime, xsd:date, or xsd:gYearMonth for a month ("interviews in December 2021")."""
    kind = XSD.dateTime if "T" in value else XSD.gYearMonth if len(value) == 7 else XSD.date
    return Literal(value, datatype=kind)


def document_quads(doc: Document, postings: list[Posting], now: datetime | None = None) -> Iterator[Quad]:
    """Everything jobgraph knows of one source document, in that document's named graph."""
    g = source_iri(doc.source_key)
    now = now or datetime.now(UTC)
    yield Quad(g, RDF.type, PROV.Entity, g)
    yield Quad(g, RDF.type, JG.SourceDocument, g)
    yield Quad(g, DCT.source, _iri_or_literal(doc.source_key), g)
    yield Quad(g, DCT.title, Literal(doc.name), g)
    yield Quad(g, JG.sha256, Literal(doc.sha256), g)
    yield Quad(g, DCT.format, Literal(doc.format), g)
    yield Quad(g, PROV.generatedAtTime, Literal(now.isoformat(timespec="seconds"), datatype=XSD.dateTime), g)
    yield Quad(g, JG.extractorVersion, Literal(__version__), g)
    if publisher := doc.meta.get("publisher"):
        yield Quad(g, DCT.publisher, Literal(str(publisher)), g)
    for repair in doc.repairs:
        yield Quad(g, JG.repair, Literal(repair), g)
    for posting in postings:
        yield from posting_quads(posting, g)


def _iri_or_literal(value: str) -> NamedNode | Literal:
    """A URL as an IRI when it is one; text that only looks like one ("https://x/<id>") stays a literal."""
    if value.startswith(("http://", "https://", "file:")):
        try:
            return NamedNode(value)
        except ValueError:
            pass
    return Literal(value)


def posting_quads(p: Posting, g: NamedNode) -> Iterator[Quad]:
    s = posting_iri(p.source_key, p.posting_index)
    lang = p.language or None

    def text(value: str) -> Literal:
        return Literal(value, language=lang) if lang else Literal(value)

    yield Quad(s, RDF.type, SCHEMA.JobPosting, g)
    yield Quad(s, PROV.wasDerivedFrom, g, g)
    yield Quad(s, JG.postingIndex, Literal(p.posting_index), g)
    if p.title:
        yield Quad(s, SCHEMA.title, text(p.title), g)
    if p.description:
        yield Quad(s, SCHEMA.description, text(p.description), g)
    yield from _employer(p, s, g)
    yield from _place(p, s, g)
    closing = f"{p.closing_date}T{p.closing_time}:00" if p.closing_date and p.closing_time else p.closing_date
    for prop, value in ((SCHEMA.datePosted, p.date_posted), (SCHEMA.validThrough, closing),
                        (SCHEMA.jobStartDate, p.start_date), (JG.interviewDate, p.interview_date)):
        if value:
            yield Quad(s, prop, _date(value), g)
    if p.work_arrangement:
        yield Quad(s, JG.workArrangement, Literal(p.work_arrangement), g)
    if p.duration_months:
        yield Quad(s, JG.contractDuration, Literal(f"P{p.duration_months}M", datatype=XSD.duration), g)
    if p.fte:
        yield Quad(s, JG.fte, Literal(f"{p.fte:g}", datatype=XSD.decimal), g)
    if p.employment_type:
        yield Quad(s, JG.employmentTypeText, Literal(p.employment_type), g)
        kinds = {EMPLOYMENT_TYPES.get(k) for k in p.employment_types or [p.employment_type]} - {None}
        for kind in sorted(kinds):  # type: ignore[type-var]
            yield Quad(s, SCHEMA.employmentType, Literal(kind), g)
    if p.hours_per_week:
        yield Quad(s, SCHEMA.workHours, Literal(f"{p.hours_per_week:g} hours per week"), g)
    yield from _salary(p, s, g)
    for email in p.contact_emails:
        yield Quad(s, JG.contactEmail, Literal(email), g)
    if p.contact_email:
        contact = node_iri(s, "contact")
        yield Quad(s, SCHEMA.applicationContact, contact, g)
        yield Quad(contact, RDF.type, SCHEMA.ContactPoint, g)
        yield Quad(contact, SCHEMA.email, Literal(p.contact_email), g)
    if p.apply_url:
        yield Quad(s, SCHEMA.url, _iri_or_literal(p.apply_url), g)
    for prop, values in ((SCHEMA.responsibilities, p.responsibilities), (SCHEMA.qualifications, p.necessary),
                         (JG.desirableQualification, p.desirable)):
        for value in values:
            yield Quad(s, prop, text(value), g)
    yield from _skills(p, s, g)
    for field_name, ev in p.evidence.items():
        yield from _evidence(node_iri(s, f"evidence-{field_name}"), s, field_name, ev, g)


def _evidence(node: NamedNode, about: NamedNode, field_name: str, ev: Evidence, g: NamedNode) -> Iterator[Quad]:
    yield Quad(about, JG.evidence, node, g)
    yield Quad(node, RDF.type, JG.Evidence, g)
    yield Quad(node, JG.field, Literal(field_name), g)
    yield Quad(node, JG.evidenceText, Literal(ev.text), g)
    yield Quad(node, JG.rule, Literal(ev.rule), g)
    yield Quad(node, JG.score, Literal(float(ev.score)), g)
    if ev.start is not None and ev.end is not None:
        yield Quad(node, JG.startOffset, Literal(ev.start), g)
        yield Quad(node, JG.endOffset, Literal(ev.end), g)


def _employer(p: Posting, s: NamedNode, g: NamedNode) -> Iterator[Quad]:
    """The employer link. Facts about the organisation itself live once, in the ROR or organisations graph:
    stated again in every posting's graph they would be counted again by union-graph queries."""
    if not p.employer_name:
        return
    link = p.employer_link
    yield Quad(s, JG.employerName, Literal(p.employer_name), g)
    if link and link.chosen and link.iri:
        org = NamedNode(link.iri)
    else:
        org = organization_iri(p.employer_name)
        shared = graph_iri("organizations")
        yield Quad(org, RDF.type, SCHEMA.Organization, shared)
        yield Quad(org, SCHEMA.name, Literal(p.employer_name), shared)
    yield Quad(s, SCHEMA.hiringOrganization, org, g)
    if link:
        match = node_iri(s, "employer-match")
        yield Quad(s, JG.employerMatch, match, g)
        yield Quad(match, RDF.type, JG.OrganizationMatch, g)
        yield Quad(match, JG.matchedText, Literal(link.matched), g)
        yield Quad(match, JG.method, Literal(link.method), g)
        yield Quad(match, JG.score, Literal(float(link.score)), g)
        yield Quad(match, JG.chosen, Literal(link.chosen), g)
        if link.iri:
            yield Quad(match, JG.candidate, NamedNode(link.iri), g)
    if p.employer_unit:
        yield Quad(s, JG.employerUnit, Literal(p.employer_unit), g)


def _place(p: Posting, s: NamedNode, g: NamedNode) -> Iterator[Quad]:
    if p.location or p.country:
        place = node_iri(s, "place")
        yield Quad(s, SCHEMA.jobLocation, place, g)
        yield Quad(place, RDF.type, SCHEMA.Place, g)
        if p.location:
            yield Quad(place, SCHEMA.name, Literal(p.location), g)
        if p.country:
            yield Quad(place, SCHEMA.addressCountry, Literal(p.country), g)
    if p.remote is not None:
        yield Quad(s, JG.remote, Literal(p.remote), g)
        if p.remote:
            yield Quad(s, SCHEMA.jobLocationType, Literal("TELECOMMUTE"), g)
    for region in p.remote_regions:
        yield Quad(s, SCHEMA.applicantLocationRequirements, Literal(region), g)


def _salary(p: Posting, s: NamedNode, g: NamedNode) -> Iterator[Quad]:
    sal = p.salary
    if not sal:
        return
    yield Quad(s, JG.salaryText, Literal(sal.text), g)
    if sal.min is None and sal.max is None:
        return
    amount, value = node_iri(s, "salary"), node_iri(s, "salary-value")
    yield Quad(s, SCHEMA.baseSalary, amount, g)
    yield Quad(amount, RDF.type, SCHEMA.MonetaryAmount, g)
    if sal.currency:
        yield Quad(amount, SCHEMA.currency, Literal(sal.currency), g)
    yield Quad(amount, SCHEMA.value, value, g)
    yield Quad(value, RDF.type, SCHEMA.QuantitativeValue, g)
    if sal.min is not None:
        yield Quad(value, SCHEMA.minValue, Literal(f"{sal.min:.2f}", datatype=XSD.decimal), g)
    if sal.max is not None:
        yield Quad(value, SCHEMA.maxValue, Literal(f"{sal.max:.2f}", datatype=XSD.decimal), g)
    if sal.unit:
        yield Quad(value, SCHEMA.unitText, Literal(sal.unit), g)


def _skills(p: Posting, s: NamedNode, g: NamedNode) -> Iterator[Quad]:
    for i, mention in enumerate(p.skills):
        concept = NamedNode(mention.concept)
        req = node_iri(s, f"skill-{i}")
        yield Quad(s, SCHEMA.skills, concept, g)
        yield Quad(s, JG.requirement, req, g)
        yield Quad(req, RDF.type, JG.SkillRequirement, g)
        yield Quad(req, JG.skill, concept, g)
        yield Quad(req, JG.level, LEVELS[mention.level], g)
        yield from _evidence(node_iri(s, f"skill-{i}-evidence"), req, "skill", mention.evidence, g)
