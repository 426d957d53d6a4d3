"""DataCite both ways: a posting as DataCite Metadata Schema 4.5 (JSON and XML), and DOIs in from the
DataCite REST API as works whose creators' affiliations are ROR IRIs (graph ``graph/datacite``).

Out: the JSON is what the REST API takes (``{"data": {"type": "dois", "attributes": …}}``); it is
validated with the JSON Schema of DataCite 4.5 that the ``datacite`` package (inveniosoftware) ships, and
the XML is written by that package's kernel-4.5 serialiser. No package on PyPI ships the XSD, so the XML
is checked against the schema's mandatory properties and controlled lists (taken from the same schema).

In: ``Client.fetch`` asks ``/dois/<doi>?affiliation=true&publisher=true`` and caches each answer on disk.
Responses recorded without ``affiliation=true`` carry affiliations as plain strings; the ROR ids are then
read from the record's own DataCite XML (the base64 ``xml`` attribute), which always has them.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Quad

from .export import Description, describe, posting_record
from .store import GraphStore
from .vocab import DEFAULT_BASE_IRI, RDF, SCHEMA, SKOS, XSD, base_iri, graph_iri

KERNEL = "http://datacite.org/schema/kernel-4"
TEST_PREFIX = "10.5072"  # DataCite's prefix for test DOIs: nothing registered under it resolves
DEFAULT_API = "https://api.datacite.org"
ROR_SCHEME = {"schemeUri": "https://ror.org/"}
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
ROR_RE = re.compile(r"(?:ror\.org/)?(0[a-z0-9]{6}[0-9]{2})$")
SKILL_SCHEME = "https://w3id.org/jobgraph/skill/"
SCHEMES = (("http://data.europa.eu/esco/", "ESCO", "http://data.europa.eu/esco/concept-scheme/skills"),
           ("http://www.wikidata.org/entity/", "Wikidata", "http://www.wikidata.org/entity/"))


class DataCiteError(Exception):
    """A DOI that cannot be fetched, or a posting that cannot be described; the message says what to do."""


# --- out: a posting as DataCite metadata -------------------------------------------------------------

def find_posting(store: GraphStore, ref: str) -> str:
    """A posting's IRI from its IRI or its id (``ad30faeb632c28df-1``, the last segment of the IRI)."""
    ref = ref.strip()
    candidates = [ref] if "://" in ref else [f"{b}posting/{ref}" for b in dict.fromkeys((base_iri(), DEFAULT_BASE_IRI))]
    for iri in candidates:
        try:
            node = NamedNode(iri)
        except ValueError:
            break
        if bool(store.query(f"ASK {{ {node} a {SCHEMA.JobPosting} }}")):
            return iri
    raise DataCiteError(f"no posting {ref!r} in the store; give a posting IRI or its id (`jobgraph query "
                        "'SELECT ?p WHERE { ?p a schema:JobPosting }'` lists them)")


def attributes(store: GraphStore, posting: str, prefix: str = TEST_PREFIX) -> dict:
    """DataCite 4.5 attributes for a posting: employer as creator's affiliation and publisher by ROR id,
    skills as subjects (with their ESCO/Wikidata matches), dates, related identifiers."""
    if not re.fullmatch(r"10\.\d{4,9}", prefix):
        raise DataCiteError(f"{prefix!r} is not a DOI prefix: give your repository's, such as 10.5072")
    rec = posting_record(store, Description(posting, describe(store, posting)))
    suffix = "jobgraph." + posting.rstrip("/").rsplit("/", 1)[-1]
    emp = rec["employer"] or {}
    org = {"name": emp.get("name") or ":unav"}  # ":unav": DataCite's code for a value not available
    ror = emp.get("ror")
    creator: dict = {"name": rec["unit"] or org["name"], "nameType": "Organizational"}
    if ror and not rec["unit"]:
        creator["nameIdentifiers"] = [{"nameIdentifier": ror, "nameIdentifierScheme": "ROR", **ROR_SCHEME}]
    creator["affiliation"] = [{**org, "affiliationIdentifier": ror, "affiliationIdentifierScheme": "ROR",
                               **ROR_SCHEME} if ror else org]
    publisher = {**org, "publisherIdentifier": ror, "publisherIdentifierScheme": "ROR", **ROR_SCHEME} if ror else org
    generated = ((rec["source"] or {}).get("generated") or "")[:10]
    issued = rec["date_posted"] or generated
    lang = rec["language"]
    attrs: dict = {
        "doi": f"{prefix}/{suffix}", "prefix": prefix, "suffix": suffix, "url": posting,
        "types": {"resourceTypeGeneral": "Text", "resourceType": "Job posting"},
        "creators": [creator],
        "titles": [{"title": rec["title"] or "Untitled job posting", **({"lang": lang} if lang else {})}],
        "publisher": publisher,
        "publicationYear": issued[:4],
        "subjects": _subjects(store, rec["skills"]),
        "dates": _dates(rec, issued, generated),
        "alternateIdentifiers": [{"alternateIdentifier": posting, "alternateIdentifierType": "URL"}],
        "relatedIdentifiers": _related(rec),
        "schemaVersion": KERNEL,
    }
    if lang:
        attrs["language"] = lang
    if rec["description"]:
        attrs["descriptions"] = [{"description": rec["description"], "descriptionType": "Abstract",
                                  **({"lang": lang} if lang else {})}]
    return attrs


def _subjects(store: GraphStore, skills: list[dict]) -> list[dict]:
    """Each skill concept (jobgraph's scheme), then the ESCO skills and Wikidata items it matches."""
    out: dict[tuple[str, str], dict] = {}
    for s in skills:
        out.setdefault((s["iri"], "jobgraph"), {"subject": s["label"], "subjectScheme": "jobgraph skills",
                                                "schemeUri": SKILL_SCHEME, "valueUri": s["iri"]})
    if out:
        values = " ".join(f"<{iri}>" for iri, _ in out)
        for sol in store.query(f"""SELECT ?c ?m WHERE {{ VALUES ?c {{ {values} }}
                ?c {SKOS.exactMatch}|{SKOS.closeMatch} ?m }} ORDER BY ?c ?m"""):
            concept, match = sol["c"].value, sol["m"].value
            for prefix, name, scheme in SCHEMES:
                if match.startswith(prefix):
                    label = out[(concept, "jobgraph")]["subject"]
                    out.setdefault((match, name), {"subject": label, "subjectScheme": name, "schemeUri": scheme,
                                                   "valueUri": match})
    return list(out.values())


def _dates(rec: dict, issued: str, generated: str) -> list[dict]:
    dates = []
    if rec["date_posted"]:
        dates += [{"date": rec["date_posted"], "dateType": "Issued"},
                  {"date": rec["date_posted"], "dateType": "Available"}]
    if rec["valid_through"]:
        start = rec["date_posted"] or ""
        dates.append({"date": f"{start}/{rec['valid_through']}" if start else rec["valid_through"],
                      "dateType": "Valid", "dateInformation": "open for applications until the closing date"})
    if rec["start_date"]:
        dates.append({"date": rec["start_date"], "dateType": "Other", "dateInformation": "job start date"})
    if generated:
        dates.append({"date": generated, "dateType": "Collected", "dateInformation": "harvested by jobgraph"})
    return dates


def _related(rec: dict) -> list[dict]:
    def url(value: str | None, relation: str) -> list[dict]:
        if value and value.startswith(("http://", "https://")):
            return [{"relatedIdentifier": value, "relatedIdentifierType": "URL", "relationType": relation,
                     "resourceTypeGeneral": "Text"}]
        return []

    src = rec["source"] or {}
    related = url(src.get("url"), "IsDerivedFrom") + url(src.get("iri"), "IsDerivedFrom")
    return related + [r for r in url(rec["apply"], "References") if r not in related]


def rest_json(attrs: dict) -> dict:
    """The body of ``POST /dois`` (a draft DOI: add ``"event": "publish"`` to make it findable)."""
    return {"data": {"type": "dois", "attributes": attrs}}


def json_errors(attrs: dict) -> list[str]:
    """Where the attributes break the DataCite 4.5 JSON Schema (empty when valid)."""
    from datacite.schema45 import validator

    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in sorted(validator.iter_errors(attrs), key=lambda e: list(map(str, e.absolute_path)))]


def to_xml(attrs: dict) -> str:
    from datacite.schema45 import tostring

    return tostring(attrs)


def xml_errors(text: str) -> list[str]:
    """The XML checked for DataCite 4.5's mandatory properties (Identifier, Creator, Title, Publisher,
    PublicationYear, ResourceType) and its controlled lists."""
    from datacite.schema45 import validator
    from lxml import etree

    try:
        root = etree.fromstring(text.encode(), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as err:
        return [f"not well-formed XML: {err}"]
    ns = {"d": KERNEL}
    defs = validator.schema["definitions"]
    errors = [] if root.tag == f"{{{KERNEL}}}resource" else [f"root element is {root.tag}, not kernel-4 resource"]

    def one(path: str, what: str) -> etree._Element | None:
        found = root.findall(path, ns)
        if not found or not (found[0].text or "").strip():
            errors.append(f"{what} is mandatory ({path})")
            return None
        return found[0]

    ident = one("d:identifier", "Identifier")
    if ident is not None and (ident.get("identifierType") != "DOI" or not DOI_RE.match(ident.text or "")):
        errors.append("identifier must be a DOI with identifierType='DOI'")
    one("d:creators/d:creator/d:creatorName", "Creator (creatorName)")
    one("d:titles/d:title", "Title")
    one("d:publisher", "Publisher")
    year = one("d:publicationYear", "PublicationYear")
    if year is not None and not re.fullmatch(r"\d{4}", year.text or ""):
        errors.append(f"publicationYear {year.text!r} is not YYYY")
    rtype = root.find("d:resourceType", ns)
    if rtype is None:
        errors.append("ResourceType is mandatory (resourceType)")
    checks = [("d:resourceType", "resourceTypeGeneral", "resourceTypeGeneral"),
              ("d:dates/d:date", "dateType", "dateType"),
              ("d:relatedIdentifiers/d:relatedIdentifier", "relationType", "relationType"),
              ("d:relatedIdentifiers/d:relatedIdentifier", "relatedIdentifierType", "relatedIdentifierType"),
              ("d:creators/d:creator/d:creatorName", "nameType", "nameType"),
              ("d:descriptions/d:description", "descriptionType", "descriptionType")]
    for path, attr, definition in checks:
        for el in root.findall(path, ns):  # every attribute checked here but nameType is mandatory
            value = el.get(attr)
            if (value is not None or attr != "nameType") and value not in defs[definition]["enum"]:
                errors.append(f"{path} @{attr}={value!r} is not in DataCite's list")
    for el in root.iter(f"{{{KERNEL}}}affiliation", f"{{{KERNEL}}}publisher", f"{{{KERNEL}}}nameIdentifier"):
        scheme = el.get("affiliationIdentifierScheme") or el.get("publisherIdentifierScheme") \
            or el.get("nameIdentifierScheme")
        value = el.get("affiliationIdentifier") or el.get("publisherIdentifier") or el.text
        if scheme == "ROR" and not re.fullmatch(r"https://ror\.org/0[a-z0-9]{6}[0-9]{2}", value or ""):
            errors.append(f"{el.tag.split('}')[1]}: {value!r} is not a ROR IRI")
    return errors


# --- in: DOIs from the DataCite REST API -------------------------------------------------------------

def default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "jobgraph" / "datacite"


def normalize_doi(text: str) -> str:
    doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", text.strip(), flags=re.I).lower()
    if not DOI_RE.match(doi):
        raise DataCiteError(f"{text!r} is not a DOI (expected 10.NNNN/suffix, doi:… or https://doi.org/…)")
    return doi


class Client:
    """The DataCite REST API: one GET per DOI not yet cached, with timeouts and plain-spoken errors."""

    def __init__(self, api: str = DEFAULT_API, cache: Path | None = None, timeout: float = 30.0,
                 refresh: bool = False) -> None:
        import requests

        self.api, self.cache, self.timeout, self.refresh = api.rstrip("/"), cache or default_cache(), timeout, refresh
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/vnd.api+json", "User-Agent": "jobgraph (DataCite link)"})

    def cached(self, doi: str) -> Path:
        return self.cache / (quote(doi, safe="") + ".json")

    def fetch(self, doi: str) -> dict:
        """The DOI's JSON:API resource object (``{"id", "type", "attributes", …}``)."""
        import requests

        doi = normalize_doi(doi)
        path = self.cached(doi)
        if path.exists() and not self.refresh:
            return json.loads(path.read_text(encoding="utf-8"))["data"]
        url = f"{self.api}/dois/{quote(doi, safe='/')}"
        try:
            resp = self.session.get(url, params={"affiliation": "true", "publisher": "true"},
                                    timeout=(min(self.timeout, 10.0), self.timeout))
        except requests.Timeout:
            raise DataCiteError(f"{url}: no answer within {self.timeout:g} s; try again later, or raise --timeout") \
                from None
        except requests.ConnectionError as err:
            raise DataCiteError(f"cannot reach the DataCite API at {self.api} ({type(err).__name__}); "
                                "check the network, or point --api at another server") from None
        if resp.status_code == 404:
            raise DataCiteError(f"DOI {doi} is not known to DataCite ({url} answered 404): check the DOI; "
                                "DOIs registered elsewhere (e.g. Crossref) are not in DataCite")
        if resp.status_code != 200:
            raise DataCiteError(f"{url} answered HTTP {resp.status_code}: {resp.text[:200]!r}; try again later")
        try:
            body = resp.json()
            body["data"]["attributes"]["doi"]
        except (ValueError, KeyError, TypeError):
            raise DataCiteError(f"{url} did not answer with a DataCite DOI record (is --api a DataCite API?)") \
                from None
        self.cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(resp.content)
        tmp.replace(path)
        return body["data"]


def ror_iri(value: str | None) -> str | None:
    m = ROR_RE.search((value or "").strip().rstrip("/"))
    return f"https://ror.org/{m.group(1)}" if m else None


def _xml_affiliations(attrs: dict, role: str) -> list[list[str]]:
    """ROR ids of each creator (or contributor), in order, from the record's base64 DataCite XML."""
    from lxml import etree

    try:
        root = etree.fromstring(base64.b64decode(attrs.get("xml") or ""),
                                etree.XMLParser(resolve_entities=False, no_network=True))
    except (ValueError, etree.XMLSyntaxError):
        return []
    out = []
    for person in root.iter(f"{{*}}{role}"):
        ids = [ror_iri(a.get("affiliationIdentifier")) for a in person.iter("{*}affiliation")
               if (a.get("affiliationIdentifierScheme") or "").upper() == "ROR"]
        out.append([i for i in ids if i])
    return out


def _json_affiliations(creator: dict) -> list[str]:
    ids = []
    for a in creator.get("affiliation") or []:
        if isinstance(a, dict) and ((a.get("affiliationIdentifierScheme") or "").upper() == "ROR"
                                    or "ror.org" in (a.get("affiliationIdentifier") or "")):
            ids.append(ror_iri(a.get("affiliationIdentifier")))
    return [i for i in ids if i]


def work_iri(doi: str) -> NamedNode:
    return NamedNode("https://doi.org/" + quote(doi.lower(), safe="/()-._;:~!$&'*+,=@"))


def work_quads(data: dict) -> list[Quad]:
    """A DataCite record in the agreed shape: the work, its creators and their ROR affiliations."""
    a = data["attributes"]
    g = graph_iri("datacite")
    s = work_iri(a["doi"])
    quads = [Quad(s, RDF.type, SCHEMA.CreativeWork, g), Quad(s, SCHEMA.identifier, Literal(a["doi"].lower()), g)]
    kind = (a.get("types") or {}).get("schemaOrg") or ""
    if re.fullmatch(r"[A-Z][A-Za-z]+", kind) and kind != "CreativeWork":
        quads.append(Quad(s, RDF.type, SCHEMA.term(kind), g))
    if general := (a.get("types") or {}).get("resourceTypeGeneral"):
        quads.append(Quad(s, SCHEMA.additionalType, Literal(general), g))
    for t in (a.get("titles") or [])[:1]:
        quads.append(Quad(s, SCHEMA.name, Literal(t["title"], language=t.get("lang") or None), g))
    issued = next((d["date"] for d in a.get("dates") or [] if d.get("dateType") == "Issued"
                   and re.fullmatch(r"\d{4}-\d{2}-\d{2}", d.get("date") or "")), None)
    if issued:
        quads.append(Quad(s, SCHEMA.datePublished, Literal(issued, datatype=XSD.date), g))
    elif a.get("publicationYear"):
        quads.append(Quad(s, SCHEMA.datePublished, Literal(str(a["publicationYear"]), datatype=XSD.gYear), g))
    if (a.get("url") or "").startswith(("http://", "https://")):
        quads.append(Quad(s, SCHEMA.url, NamedNode(a["url"]), g))
    publisher = a.get("publisher")
    if isinstance(publisher, dict) and (ror := ror_iri(publisher.get("publisherIdentifier"))):
        quads.append(Quad(s, SCHEMA.publisher, NamedNode(ror), g))
    for role, prop in (("creator", SCHEMA.creator), ("contributor", SCHEMA.contributor)):
        quads += _agents(s, a, role, prop, g)
    return quads


def _agents(work: NamedNode, a: dict, role: str, prop: NamedNode, g: NamedNode) -> list[Quad]:
    """Creators (or contributors) as ``<doi#creator-1>`` nodes: name, ORCID/ROR as sameAs, ROR affiliations."""
    people = a.get(f"{role}s") or []
    from_xml = [] if any(_json_affiliations(c) for c in people) else _xml_affiliations(a, role)
    quads = []
    for i, c in enumerate(people):
        node = NamedNode(f"{work.value}#{role}-{i + 1}")
        kind = SCHEMA.Organization if c.get("nameType") == "Organizational" else SCHEMA.Person
        quads += [Quad(work, prop, node, g), Quad(node, RDF.type, kind, g),
                  Quad(node, SCHEMA.name, Literal(c.get("name") or ":unav"), g)]
        for ident in c.get("nameIdentifiers") or []:
            value, scheme = ident.get("nameIdentifier") or "", (ident.get("nameIdentifierScheme") or "").upper()
            if scheme == "ORCID":
                orcid = value if value.startswith("http") else f"https://orcid.org/{value}"
                quads.append(Quad(node, SCHEMA.sameAs, NamedNode(orcid.replace("http://", "https://")), g))
            elif scheme == "ROR" and (ror := ror_iri(value)):
                quads.append(Quad(node, SCHEMA.sameAs, NamedNode(ror), g))
        rors = _json_affiliations(c) or (from_xml[i] if i < len(from_xml) else [])
        quads += [Quad(node, SCHEMA.affiliation, NamedNode(r), g) for r in dict.fromkeys(rors)]
    return quads


def add_works(store: GraphStore, works: Iterable[dict]) -> int:
    """Add (or refresh) works in graph/datacite, keeping every other work already there."""
    g = graph_iri("datacite")
    new = [q for w in works for q in work_quads(w)]
    replaced = {q.subject.value.split("#", 1)[0] for q in new}
    kept = [q for q in store.quads(g) if q.subject.value.split("#", 1)[0] not in replaced]
    store.replace_graph(g, kept + new)
    return len(new)
