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


Terms = tuple[NamedNode, NamedNode, NamedNode | Literal, NamedNode]  # a quad's terms, not yet a Quad


def document_quads(doc: Document, postings: list[Posting], now: datetime | None = None) -> Iterator[Quad]:
    """Everything jobgraph knows of one source document, in that document's named graph."""
    return (Quad(*t) for t in _document_terms(doc, postings, now))


def document_nquads(doc: Document, postings: list[Posting], now: datetime | None = None) -> tuple[bytes, int]:
    """``document_quads`` as N-Quads, and how many: each line written from its terms' N-Triples strings, the
    same text pyoxigraph's serializer writes (tests/test_fast_paths.py), for a fifth of the CPU (a Quad object
    costs ~2 µs to make, and a posting has ~250)."""
    lines = [f"{s} {p} {o} {g} .\n" for s, p, o, g in _document_terms(doc, postings, now)]
    return "".join(lines).encode(), len(lines)


def posting_quads(p: Posting, g: NamedNode) -> Iterator[Quad]:
    return (Quad(*t) for t in _posting_terms(p, g))


def _document_terms(doc: Document, postings: list[Posting], now: datetime | None) -> Iterator[Terms]:
    g = source_iri(doc.source_key)
    now = now or datetime.now(UTC)
    yield (g, RDF.type, PROV.Entity, g)
    yield (g, RDF.type, JG.SourceDocument, g)
    yield (g, DCT.source, _iri_or_literal(doc.source_key), g)
    yield (g, DCT.title, Literal(doc.name), g)
    yield (g, JG.sha256, Literal(doc.sha256), g)
    yield (g, DCT.format, Literal(doc.format), g)
    yield (g, PROV.generatedAtTime, Literal(now.isoformat(timespec="seconds"), datatype=XSD.dateTime), g)
    yield (g, JG.extractorVersion, Literal(__version__), g)
    if publisher := doc.meta.get("publisher"):
        yield (g, DCT.publisher, Literal(str(publisher)), g)
    for repair in doc.repairs:
        yield (g, JG.repair, Literal(repair), g)
    for posting in postings:
        yield from _posting_terms(posting, g)


def _iri_or_literal(value: str) -> NamedNode | Literal:
    """A URL as an IRI when it is one; text that only looks like one ("https://x/<id>") stays a literal."""
    if value.startswith(("http://", "https://", "file:")):
        try:
            return NamedNode(value)
        except ValueError:
            pass
    return Literal(value)


def _posting_terms(p: Posting, g: NamedNode) -> Iterator[Terms]:
    s = posting_iri(p.source_key, p.posting_index)
    lang = p.language or None

    def text(value: str) -> Literal:
        return Literal(value, language=lang) if lang else Literal(value)

    yield (s, RDF.type, SCHEMA.JobPosting, g)
    yield (s, PROV.wasDerivedFrom, g, g)
    yield (s, JG.postingIndex, Literal(p.posting_index), g)
    if p.title:
        yield (s, SCHEMA.title, text(p.title), g)
    if p.description:
        yield (s, SCHEMA.description, text(p.description), g)
    yield from _employer(p, s, g)
    yield from _place(p, s, g)
    closing = f"{p.closing_date}T{p.closing_time}:00" if p.closing_date and p.closing_time else p.closing_date
    for prop, value in ((SCHEMA.datePosted, p.date_posted), (SCHEMA.validThrough, closing),
                        (SCHEMA.jobStartDate, p.start_date), (JG.interviewDate, p.interview_date)):
        if value:
            yield (s, prop, _date(value), g)
    if p.work_arrangement:
        yield (s, JG.workArrangement, Literal(p.work_arrangement), g)
    if p.duration_months:
        yield (s, JG.contractDuration, Literal(f"P{p.duration_months}M", datatype=XSD.duration), g)
    if p.fte:
        yield (s, JG.fte, Literal(f"{p.fte:g}", datatype=XSD.decimal), g)
    if p.employment_type:
        yield (s, JG.employmentTypeText, Literal(p.employment_type), g)
        kinds = {EMPLOYMENT_TYPES.get(k) for k in p.employment_types or [p.employment_type]} - {None}
        for kind in sorted(kinds):  # type: ignore[type-var]
            yield (s, SCHEMA.employmentType, Literal(kind), g)
    if p.hours_per_week:
        yield (s, SCHEMA.workHours, Literal(f"{p.hours_per_week:g} hours per week"), g)
    yield from _salary(p, s, g)
    for email in p.contact_emails:
        yield (s, JG.contactEmail, Literal(email), g)
    if p.contact_email:
        contact = node_iri(s, "contact")
        yield (s, SCHEMA.applicationContact, contact, g)
        yield (contact, RDF.type, SCHEMA.ContactPoint, g)
        yield (contact, SCHEMA.email, Literal(p.contact_email), g)
    if p.apply_url:
        yield (s, SCHEMA.url, _iri_or_literal(p.apply_url), g)
    for prop, values in ((SCHEMA.responsibilities, p.responsibilities), (SCHEMA.qualifications, p.necessary),
                         (JG.desirableQualification, p.desirable)):
        for value in values:
            yield (s, prop, text(value), g)
    yield from _skills(p, s, g)
    for field_name, ev in p.evidence.items():
        yield from _evidence(node_iri(s, f"evidence-{field_name}"), s, field_name, ev, g)


def _evidence(node: NamedNode, about: NamedNode, field_name: str, ev: Evidence, g: NamedNode) -> Iterator[Terms]:
    yield (about, JG.evidence, node, g)
    yield (node, RDF.type, JG.Evidence, g)
    yield (node, JG.field, Literal(field_name), g)
    yield (node, JG.evidenceText, Literal(ev.text), g)
    yield (node, JG.rule, Literal(ev.rule), g)
    yield (node, JG.score, Literal(float(ev.score)), g)
    if ev.start is not None and ev.end is not None:
        yield (node, JG.startOffset, Literal(ev.start), g)
        yield (node, JG.endOffset, Literal(ev.end), g)


def _employer(p: Posting, s: NamedNode, g: NamedNode) -> Iterator[Terms]:
    """The employer link. Facts about the organisation itself live once, in the ROR or organisations graph:
    stated again in every posting's graph they would be counted again by union-graph queries."""
    if not p.employer_name:
        return
    link = p.employer_link
    yield (s, JG.employerName, Literal(p.employer_name), g)
    if link and link.chosen and link.iri:
        org = NamedNode(link.iri)
    else:
        org = organization_iri(p.employer_name)
        shared = graph_iri("organizations")
        yield (org, RDF.type, SCHEMA.Organization, shared)
        yield (org, SCHEMA.name, Literal(p.employer_name), shared)
    yield (s, SCHEMA.hiringOrganization, org, g)
    if link:
        match = node_iri(s, "employer-match")
        yield (s, JG.employerMatch, match, g)
        yield (match, RDF.type, JG.OrganizationMatch, g)
        yield (match, JG.matchedText, Literal(link.matched), g)
        yield (match, JG.method, Literal(link.method), g)
        yield (match, JG.score, Literal(float(link.score)), g)
        yield (match, JG.chosen, Literal(link.chosen), g)
        if link.iri:
            yield (match, JG.candidate, NamedNode(link.iri), g)
    if p.employer_unit:
        yield (s, JG.employerUnit, Literal(p.employer_unit), g)


def _place(p: Posting, s: NamedNode, g: NamedNode) -> Iterator[Terms]:
    if p.location or p.country:
        place = node_iri(s, "place")
        yield (s, SCHEMA.jobLocation, place, g)
        yield (place, RDF.type, SCHEMA.Place, g)
        if p.location:
            yield (place, SCHEMA.name, Literal(p.location), g)
        if p.country:
            yield (place, SCHEMA.addressCountry, Literal(p.country), g)
    if p.remote is not None:
        yield (s, JG.remote, Literal(p.remote), g)
        if p.remote:
            yield (s, SCHEMA.jobLocationType, Literal("TELECOMMUTE"), g)
    for region in p.remote_regions:
        yield (s, SCHEMA.applicantLocationRequirements, Literal(region), g)


def _salary(p: Posting, s: NamedNode, g: NamedNode) -> Iterator[Terms]:
    sal = p.salary
    if not sal:
        return
    yield (s, JG.salaryText, Literal(sal.text), g)
    if sal.min is None and sal.max is None:
        return
    amount, value = node_iri(s, "salary"), node_iri(s, "salary-value")
    yield (s, SCHEMA.baseSalary, amount, g)
    yield (amount, RDF.type, SCHEMA.MonetaryAmount, g)
    if sal.currency:
        yield (amount, SCHEMA.currency, Literal(sal.currency), g)
    yield (amount, SCHEMA.value, value, g)
    yield (value, RDF.type, SCHEMA.QuantitativeValue, g)
    if sal.min is not None:
        yield (value, SCHEMA.minValue, Literal(f"{sal.min:.2f}", datatype=XSD.decimal), g)
    if sal.max is not None:
        yield (value, SCHEMA.maxValue, Literal(f"{sal.max:.2f}", datatype=XSD.decimal), g)
    if sal.unit:
        yield (value, SCHEMA.unitText, Literal(sal.unit), g)


def _skills(p: Posting, s: NamedNode, g: NamedNode) -> Iterator[Terms]:
    for i, mention in enumerate(p.skills):
        concept = NamedNode(mention.concept)
        req = node_iri(s, f"skill-{i}")
        yield (s, SCHEMA.skills, concept, g)
        yield (s, JG.requirement, req, g)
        yield (req, RDF.type, JG.SkillRequirement, g)
        yield (req, JG.skill, concept, g)
        yield (req, JG.level, LEVELS[mention.level], g)
        yield from _evidence(node_iri(s, f"skill-{i}-evidence"), req, "skill", mention.evidence, g)
