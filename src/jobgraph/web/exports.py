"""Dumps and DataCite links: /export (the store, streamed), /context.jsonld, /dois/<doi>."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, render_template, request, stream_with_context

from ..datacite import work_iri
from ..export import CONTEXT_PATH, FORMATS, Description, ExportError, describe, exists, stream
from ..vocab import RDF, SCHEMA, base_iri
from .resources import candidates, negotiate, not_acceptable, rows, serve_rdf, store

bp = Blueprint("exports", __name__)

EXPORT_OFFERS = [f.media_type for f in FORMATS.values()]
EXPORT_SHORT = {**{name: f.media_type for name, f in FORMATS.items()}, "ttl": "text/turtle",
                "nt": "application/n-triples", "nq": "application/n-quads", "json-ld": "application/ld+json"}
# N-Quads first: with no preference the client gets every named graph.
EXPORT_OFFERS.sort(key=lambda mime: mime != "application/n-quads")


@bp.route("/export")
def export() -> Response:
    """The whole store (or ``?graph=IRI``), streamed in batches: memory stays flat for any store size."""
    return dump(EXPORT_OFFERS, request.args.get("graph") or None)


@bp.route("/graph/<path:name>")
def graph(name: str) -> Response:
    """A named graph jobgraph mints (graph/ror, graph/skills, …) dereferences to its dump (Turtle first)."""
    names = {g.value for g in store().named_graphs()}
    iri = next((i for i in candidates(f"graph/{name}") if i in names), None)
    if iri is None:
        abort(404, description=f"no graph {base_iri()}graph/{name} in the store")
    return dump(sorted(EXPORT_OFFERS, key=lambda mime: mime != "text/turtle"), iri)


def dump(offers: list[str], graph: str | None) -> Response:
    mime = negotiate(offers, EXPORT_SHORT)
    if mime is None:
        return not_acceptable(offers, EXPORT_SHORT)
    fmt = next(f for f in FORMATS.values() if f.media_type == mime)
    try:
        chunks = stream(store(), fmt, graph)
    except (ExportError, ValueError) as err:
        return Response(f"{err}\n", status=404, mimetype="text/plain")
    resp = Response(stream_with_context(chunks), mimetype=mime)
    resp.headers["Content-Disposition"] = f'inline; filename="jobgraph.{fmt.suffix}"'
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Vary"] = "Accept"
    return resp


@bp.route("/context.jsonld")
def jsonld_context() -> Response:
    resp = Response(CONTEXT_PATH.read_bytes(), mimetype="application/ld+json")
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


DOI_OFFERS = ["text/html", "application/json", "text/turtle", "application/ld+json", "application/n-triples"]
DOI_SHORT = {"html": "text/html", "json": "application/json", "turtle": "text/turtle", "ttl": "text/turtle",
             "jsonld": "application/ld+json", "ntriples": "application/n-triples", "nt": "application/n-triples"}


@bp.route("/dois/<path:doi>")
def doi_page(doi: str) -> Response | str:
    """A DataCite work (linked with ``jobgraph datacite link``) and the postings of its creators'
    organisations, joined through their ROR ids."""
    doi = doi.lower()
    iri = work_iri(doi).value
    known = exists(store(), iri)
    if not known:
        abort(404, description=f"{doi} is not in the store: `jobgraph datacite link {doi}` adds it")
    mime = negotiate(DOI_OFFERS, DOI_SHORT)
    if mime is None:
        return not_acceptable(DOI_OFFERS, DOI_SHORT)
    if mime not in ("text/html", "application/json"):
        return serve_rdf(iri, mime)
    view = work_view(Description(iri, describe(store(), iri)))
    if mime == "application/json":
        return Response(json.dumps(view, indent=2, ensure_ascii=False), mimetype="application/json")
    return render_template("doi.html", iri=iri, view=view)


AFFILIATED = "(schema:creator|schema:contributor)/schema:affiliation"


def work_view(d: Description) -> dict:
    def agents(prop) -> list[dict]:  # type: ignore[no-untyped-def]
        return [{"name": d.first(SCHEMA.name, c.value), "id": d.first(SCHEMA.sameAs, c.value),
                 "affiliations": [a.value for a in d.all(SCHEMA.affiliation, c.value)]}
                for c in sorted(d.all(prop), key=lambda c: int(c.value.rsplit("-", 1)[-1]))]

    orgs = rows(f"""SELECT DISTINCT ?org (SAMPLE(?n) AS ?name) WHERE {{ <{d.iri}> {AFFILIATED} ?org .
        OPTIONAL {{ ?org schema:name ?n }} }} GROUP BY ?org""")
    postings = rows(f"""SELECT DISTINCT ?posting ?title ?org WHERE {{
        <{d.iri}> {AFFILIATED} ?org . ?posting schema:hiringOrganization ?org .
        OPTIONAL {{ ?posting schema:title ?title }} }} ORDER BY ?org ?title""")
    names = {o["org"]: o["name"] for o in orgs}
    return {"doi": d.first(SCHEMA.identifier), "iri": d.iri, "title": d.first(SCHEMA.name),
            "types": sorted(t.value.rsplit("/", 1)[-1] for t in d.all(RDF.type)),
            "published": d.first(SCHEMA.datePublished), "url": d.first(SCHEMA.url),
            "creators": agents(SCHEMA.creator), "contributors": agents(SCHEMA.contributor),
            "organizations": [{"ror": o["org"], "name": o["name"]} for o in orgs],
            "postings": [{"iri": p["posting"], "title": p["title"], "employer": p["org"],
                          "employer_name": names.get(p["org"] or "")} for p in postings]}
