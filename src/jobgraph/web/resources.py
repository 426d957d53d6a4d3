"""Dereferenceable IRIs: /posting/…, /source/…, /org/…, /skill/…, and /ror/<id> for ROR organisations.

An IRI jobgraph mints is ``base_iri() + path``, so the server finds the resource by its path. The same
path under the default w3id.org base is tried too: skill concepts keep their w3id.org IRIs whatever the
base, and a store built with the public base still resolves on a local server. Each IRI is offered as
HTML (with the schema.org JSON-LD search engines read), Turtle, JSON-LD and N-Triples; ``?format=``
overrides the Accept header.
"""

from __future__ import annotations

import re
from functools import partial

from flask import Blueprint, Response, abort, current_app, render_template, request

from ..export import Description, describe, exists, get_format, posting_record, schema_org, serialize_triples
from ..vocab import DCT, DEFAULT_BASE_IRI, JG, OWL, PREFIXES, PROV, SCHEMA, SKOS, base_iri, sparql_prefixes

bp = Blueprint("resources", __name__)

OFFERS = ["text/html", "text/turtle", "application/ld+json", "application/n-triples", "application/json"]
SHORT = {"html": "text/html", "turtle": "text/turtle", "ttl": "text/turtle", "jsonld": "application/ld+json",
         "json-ld": "application/ld+json", "json": "application/json", "ntriples": "application/n-triples",
         "nt": "application/n-triples"}
RDF_NAMES = {"text/turtle": "turtle", "application/ld+json": "jsonld", "application/json": "jsonld",
             "application/n-triples": "ntriples"}
ROR_ID = re.compile(r"^0[a-z0-9]{6}[0-9]{2}$")


def store():  # type: ignore[no-untyped-def]
    return current_app.extensions["jobgraph.store"]


def negotiate(offers: list[str], short: dict[str, str]) -> str | None:
    """``?format=`` if given, else the best Accept match; no Accept (or ``*/*``) gets the first offer."""
    if fmt := request.args.get("format"):
        mime = short.get(fmt.lower(), fmt)
        return mime if mime in offers else None
    if not request.accept_mimetypes or request.accept_mimetypes.best == "*/*":
        return offers[0]
    return request.accept_mimetypes.best_match(offers)


def not_acceptable(offers: list[str], short: dict[str, str]) -> Response:
    names = ", ".join(sorted(set(short)))
    return Response(f"not acceptable: offered as {', '.join(offers)} (or ?format= one of {names})\n",
                    status=406, mimetype="text/plain")


@bp.app_template_filter("href")
def local_href(iri: str | None) -> str | None:
    """Where a link to this IRI should go: a path on this server for what it serves, else the IRI itself
    when it is http(s) (never ``javascript:`` or other schemes from harvested text)."""
    if not iri:
        return None
    for base in dict.fromkeys((base_iri(), DEFAULT_BASE_IRI)):
        if iri.startswith(base):
            return "/" + iri[len(base):]
    for prefix, path in (("https://ror.org/", "/ror/"), ("https://doi.org/", "/dois/")):
        if iri.startswith(prefix):
            return path + iri[len(prefix):]
    return iri if iri.startswith(("http://", "https://")) else None


@bp.app_template_filter("short")
def short_name(term) -> str:  # type: ignore[no-untyped-def]
    """A predicate or class as a prefixed name (schema:title) for the statements table."""
    value = getattr(term, "value", str(term))
    for prefix, ns in PREFIXES.items():
        if value.startswith(ns) and len(value) > len(ns):
            return f"{prefix}:{value[len(ns):]}"
    return value


def candidates(path: str) -> list[str]:
    return list(dict.fromkeys((base_iri() + path, DEFAULT_BASE_IRI + path)))


def serve(kind: str, iri: str) -> Response | str:
    """The resource in the negotiated format (406 when none of the offered ones is acceptable)."""
    mime = negotiate(OFFERS, SHORT)
    if mime is None:
        return not_acceptable(OFFERS, SHORT)
    if mime != "text/html":
        return serve_rdf(iri, mime)
    d = Description(iri, describe(store(), iri))
    resp = Response(render_template(TEMPLATES[kind], d=d, iri=iri, view=VIEWS[kind](d), formats=SHORT_LINKS))
    resp.headers["Vary"] = "Accept"
    resp.headers["Link"] = ", ".join(f'<?format={name}>; rel="alternate"; type="{mime}"'
                                     for name, mime in SHORT_LINKS)
    return resp


def serve_rdf(iri: str, mime: str) -> Response:
    """The IRI's description as Turtle, JSON-LD or N-Triples."""
    resp = Response(serialize_triples(describe(store(), iri), get_format(RDF_NAMES[mime])), mimetype=mime)
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Vary"] = "Accept"
    return resp


SHORT_LINKS = [("turtle", "text/turtle"), ("jsonld", "application/ld+json"), ("ntriples", "application/n-triples")]


def resolve(kind: str, key: str) -> Response | str:
    """The first candidate IRI the store knows; 404 when none is known (or the path is no IRI at all)."""
    for iri in candidates(f"{kind}/{key}"):
        try:
            known = exists(store(), iri)
        except ValueError:  # characters an IRI cannot hold, such as '<' or a space
            break
        if known:
            return serve(kind, iri)
    abort(404, description=f"nothing is known of {base_iri()}{kind}/{key}")


for _kind in ("posting", "source", "org", "skill"):
    bp.add_url_rule(f"/{_kind}/<path:key>", endpoint=_kind, view_func=partial(resolve, _kind))


@bp.route("/ror/<ror_id>")
def ror(ror_id: str) -> Response | str:
    """A ROR organisation (https://ror.org/<id>) as jobgraph knows it: its record and its postings."""
    if not ROR_ID.match(ror_id):
        abort(404, description=f"{ror_id!r} is not a ROR id (nine characters, such as 04wxnsj81)")
    iri = f"https://ror.org/{ror_id}"
    if not exists(store(), iri):
        abort(404, description=f"nothing is known of {iri}")
    return serve("org", iri)


# --- views: what each HTML page shows ---------------------------------------------------------------

def rows(query: str) -> list[dict[str, str | None]]:
    """SELECT results as plain dicts of lexical values."""
    result = store().query(sparql_prefixes() + query)
    names = [v.value for v in result.variables]
    return [{n: (sol[n].value if sol[n] is not None else None) for n in names} for sol in result]


def postings_where(pattern: str) -> list[dict[str, str | None]]:
    return rows(f"""SELECT ?posting ?title ?date ?level WHERE {{ {pattern}
      ?posting a schema:JobPosting . OPTIONAL {{ ?posting schema:title ?title }}
      OPTIONAL {{ ?posting schema:datePosted ?date }} }} ORDER BY DESC(?date) ?title LIMIT 500""")


def posting_view(d: Description) -> dict:
    rec = posting_record(store(), d)
    rec["jsonld"] = schema_org(rec)
    return rec


def source_view(d: Description) -> dict:
    return {"title": d.first(DCT.title), "url": d.first(DCT.source), "format": d.first(DCT.format),
            "publisher": d.first(DCT.publisher), "generated": d.first(PROV.generatedAtTime),
            "sha256": d.first(JG.sha256), "version": d.first(JG.extractorVersion),
            "repairs": [r.value for r in d.all(JG.repair)],
            "postings": postings_where(f"?posting {PROV.wasDerivedFrom} <{d.iri}> .")}


def organization_view(d: Description) -> dict:
    iri = d.iri
    ror = d.first(SCHEMA.identifier) or (iri if iri.startswith("https://ror.org/") else None)
    links = [v.value for p in (SCHEMA.url, SCHEMA.sameAs, OWL.sameAs) for v in d.all(p)]
    return {"name": d.first(SCHEMA.name) or next((r["name"] for r in rows(
                f"SELECT ?name WHERE {{ ?p jg:employerName ?name ; schema:hiringOrganization <{iri}> }} LIMIT 1")),
                iri),
            "ror": ror, "links": [u for u in dict.fromkeys(links) if u != ror],
            "country": d.first(SCHEMA.addressCountry), "types": [v.value for v in d.all(JG.organizationType)],
            "labels": sorted({v.value for v in d.all(SKOS.altLabel)} | {v.value for v in d.all(JG.acronym)}),
            "parents": [v.value for v in d.all(SCHEMA.parentOrganization)],
            "children": [v.value for v in d.all(SCHEMA.subOrganization)],
            "postings": postings_where(f"?posting schema:hiringOrganization <{iri}> ."),
            "works": rows(f"""SELECT DISTINCT ?work ?name ?date WHERE {{
                ?work (schema:creator|schema:contributor)/schema:affiliation <{iri}> .
                OPTIONAL {{ ?work schema:name ?name }}
                OPTIONAL {{ ?work schema:datePublished ?date }} }} ORDER BY DESC(?date) LIMIT 200""")}


def skill_view(d: Description) -> dict:
    def label_of(values: list) -> str | None:
        en = [v.value for v in values if getattr(v, "language", None) in ("en", None)]
        return (en or [v.value for v in values] or [None])[0]

    matches = [(kind, v.value) for kind, p in (("exact", SKOS.exactMatch), ("close", SKOS.closeMatch))
               for v in d.all(p)]
    return {"label": label_of(d.all(SKOS.prefLabel)) or d.iri,
            "alt": sorted({v.value for v in d.all(SKOS.altLabel)}),
            "definition": label_of(d.all(SKOS.definition)),
            "broader": [v.value for v in d.all(SKOS.broader)],
            "narrower": rows(f"""SELECT ?concept (SAMPLE(?l) AS ?label) WHERE {{ ?concept skos:broader <{d.iri}> .
                OPTIONAL {{ ?concept skos:prefLabel ?l }} }} GROUP BY ?concept ORDER BY ?label"""),
            "matches": [(kind, iri, vocabulary_name(iri)) for kind, iri in matches],
            "scheme": d.first(SKOS.inScheme),
            "postings": postings_where(f"?posting jg:requirement ?r . ?r jg:skill <{d.iri}> ; jg:level ?level .")}


def vocabulary_name(iri: str) -> str:
    for prefix, name in (("http://data.europa.eu/esco/", "ESCO"), ("http://www.wikidata.org/", "Wikidata"),
                         ("https://www.wikidata.org/", "Wikidata"), ("https://ror.org/", "ROR")):
        if iri.startswith(prefix):
            return name
    return iri.split("/")[2] if "://" in iri else iri


TEMPLATES = {"posting": "posting.html", "source": "source.html", "org": "organization.html",
             "skill": "skill.html"}
VIEWS = {"posting": posting_view, "source": source_view, "org": organization_view, "skill": skill_view}
