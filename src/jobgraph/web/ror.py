"""ROR API v2 routes over the local records, so existing ROR clients can point at jobgraph.

``/organizations/{id}``, ``/organizations?query=…`` (with ``filter`` and ``page``), ``/organizations?
affiliation=…`` (matching: ``score``, ``matching_type``, ``chosen``), in ROR's JSON shape; plus
``/organizations/{id}/postings``, the postings that organisation is hiring for. The matching index is built
once per app, at the first request that needs it.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from typing import Any

from flask import Blueprint, Response, current_app, request

from ..link.organizations import Organization, Registry, matching_type, normalize, registry_from_store
from ..link.ror_dump import stored_json
from ..vocab import JG, OWL, SCHEMA

bp = Blueprint("ror", __name__)

ROR_ID = re.compile(r"^(?:(?:https?://)?ror\.org/)?(0[a-hj-km-np-tv-z0-9]{6}[0-9]{2})$")
PAGE_SIZE = 20
FILTER_KEYS = {"types": "types", "type": "types", "country.country_code": "country",
               "locations.geonames_details.country_code": "country", "status": "status",
               "continent_code": "continent", "locations.geonames_details.continent_code": "continent"}
CONTINENTS = {"AF": "Africa", "AN": "Antarctica", "AS": "Asia", "EU": "Europe", "NA": "North America",
              "OC": "Oceania", "SA": "South America"}


def _json(body: Any, status: int = 200) -> Response:
    resp = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


def _errors(status: int, *messages: str) -> Response:
    """ROR's error body: ``{"errors": [...]}``."""
    return _json({"errors": list(messages)}, status)


def registry() -> Registry:
    app = current_app
    if "jobgraph.ror.registry" not in app.extensions:
        app.extensions["jobgraph.ror.registry"] = registry_from_store(app.extensions["jobgraph.store"])
    return app.extensions["jobgraph.ror.registry"]


def _records(iris: list[str]) -> dict[str, dict]:
    store = current_app.extensions["jobgraph.store"]
    out: dict[str, dict] = {}
    for iri in iris:
        for subject, j in stored_json(store, iri=iri):
            out[subject.value] = json.loads(j.value)
    return out


def _ror_iri(raw: str) -> str | None:
    m = ROR_ID.match(raw.strip())
    return f"https://ror.org/{m.group(1)}" if m else None


@bp.route("/organizations/<path:raw_id>")
def organization(raw_id: str) -> Response:
    if raw_id.endswith("/postings"):
        return postings(raw_id.removesuffix("/postings"))
    iri = _ror_iri(raw_id)
    if iri is None:
        return _errors(400, f"'{raw_id}' is not a valid ROR ID")
    record = _records([iri]).get(iri)
    if record is None:
        return _errors(404, f"ROR ID '{iri}' does not exist")
    return _json(record)


def postings(raw_id: str) -> Response:
    """The postings whose employer is this organisation (schema:hiringOrganization), newest first."""
    iri = _ror_iri(raw_id)
    if iri is None:
        return _errors(400, f"'{raw_id}' is not a valid ROR ID")
    store = current_app.extensions["jobgraph.store"]
    rows = store.query(f"""SELECT ?p ?title ?date ?url WHERE {{
        ?p {SCHEMA.hiringOrganization} <{iri}> . OPTIONAL {{ ?p {SCHEMA.title} ?title }}
        OPTIONAL {{ ?p {SCHEMA.datePosted} ?date }} OPTIONAL {{ ?p {SCHEMA.url} ?url }} }}
        ORDER BY DESC(?date) ?p""")
    items = [{"id": p.value, "title": t.value if t else None, "date_posted": d.value if d else None,
              "url": u.value if u else None} for p, t, d, u in rows]
    if not items and iri not in registry().orgs:
        return _errors(404, f"ROR ID '{iri}' does not exist")
    return _json({"organization": iri, "number_of_results": len(items), "items": items})


@bp.route("/organizations")
def organizations() -> Response:
    started = time.perf_counter()
    if "affiliation" in request.args:
        return _affiliation(request.args["affiliation"])
    try:
        page = int(request.args.get("page", "1"))
        filters = _filters(request.args.get("filter", ""))
    except ValueError as err:
        return _errors(400, str(err))
    if page < 1:
        return _errors(400, f"page must be 1 or more, not {page}")
    reg = registry()
    query = request.args.get("query", "").strip()
    iris = _search(reg, query) if query else sorted(i for i in reg.orgs if i.startswith("https://ror.org/"))
    orgs = [reg.orgs[i] for i in iris if _passes(reg.orgs[i], filters)]
    chunk = [o.iri for o in orgs[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]]
    records = _records(chunk)
    return _json({"number_of_results": len(orgs), "time_taken": round((time.perf_counter() - started) * 1000),
                  "items": [records[i] for i in chunk if i in records], "meta": _meta(orgs)})


def _filters(text: str) -> dict[str, set[str]]:
    """``filter=types:Government,country.country_code:GB`` as {field: allowed values (lower case)}."""
    out: dict[str, set[str]] = {}
    for part in filter(None, text.split(",")):
        key, sep, value = part.partition(":")
        if not sep or key not in FILTER_KEYS:
            raise ValueError(f"filter {part!r} is not supported: use types:, country.country_code:, status: "
                             "or continent_code: (e.g. filter=types:education,country.country_code:GB)")
        out.setdefault(FILTER_KEYS[key], set()).add(value.lower())
    return out


def _passes(org: Organization, filters: dict[str, set[str]]) -> bool:
    values = {"types": set(org.types), "country": {(org.country or "").lower()}, "status": {org.status},
              "continent": {(org.continent or "").lower()}}
    return all(values[k] & allowed for k, allowed in filters.items())


def _search(reg: Registry, query: str) -> list[str]:
    """ROR's ``query``: an external id ("grid.5335.0", a FundRef or ISNI number, a Wikidata Q-id) or a ROR id
    finds its record; otherwise names and acronyms that hold every word, exact names first."""
    text = query.strip('"')
    if iri := _ror_iri(text):
        return [iri] if iri in reg.orgs else []
    if re.fullmatch(r"grid\.\d+\.\w+|Q\d+|[\d ]{8,}X?", text):
        return _by_external_id(text)
    key = normalize(text)
    words = key.split()
    if not words:
        return []
    index = _word_index(reg)
    keys = set.intersection(*(index.get(w, set()) for w in words))
    exact = set(reg.by_name.get(key, set())) | reg.by_acronym.get(text, set())
    rest = {i for k in keys for i in reg.by_name[k]} - exact
    ranked = sorted(exact) + sorted(rest, key=lambda i: (len(reg.orgs[i].name), reg.orgs[i].name))
    return [i for i in ranked if i.startswith("https://ror.org/")]


def _word_index(reg: Registry) -> dict[str, set[str]]:
    """word -> the normalised names holding it (built once per registry)."""
    index = current_app.extensions.get("jobgraph.ror.words")
    if index is None or index[0] is not reg:
        words: dict[str, set[str]] = {}
        for key in reg.by_name:
            for w in key.split():
                words.setdefault(w, set()).add(key)
        index = current_app.extensions["jobgraph.ror.words"] = (reg, words)
    return index[1]


def _by_external_id(value: str) -> list[str]:
    store = current_app.extensions["jobgraph.store"]
    if value.startswith("Q"):
        pattern = f"?s {OWL.sameAs} <http://www.wikidata.org/entity/{value}>"
    else:
        pattern = f"VALUES ?p {{ {JG.grid} {JG.fundref} {JG.isni} }} ?s ?p {json.dumps(value)}"
    return sorted({row[0].value for row in store.query(f"SELECT DISTINCT ?s WHERE {{ {pattern} }}")})


def _meta(orgs: list[Organization]) -> dict[str, list[dict]]:
    import pycountry

    def facet(counts: Counter[str], title: Any = lambda k: k) -> list[dict]:
        return [{"id": k.lower(), "title": title(k), "count": n} for k, n in counts.most_common(10) if k]

    def country_name(code: str) -> str:
        country = pycountry.countries.get(alpha_2=code.upper())
        return getattr(country, "name", code) if country else code

    return {"types": facet(Counter(t for o in orgs for t in o.types)),
            "countries": facet(Counter(o.country or "" for o in orgs), country_name),
            "continents": facet(Counter(o.continent or "" for o in orgs), lambda k: CONTINENTS.get(k.upper(), k)),
            "statuses": facet(Counter(o.status for o in orgs))}


def _affiliation(text: str) -> Response:
    """ROR's affiliation matching: every candidate with its score, matching_type and whether it is chosen."""
    if not text.strip():
        return _errors(400, "affiliation is empty: pass the affiliation string, e.g. ?affiliation=University+of+Oxford")
    ranked = [c for c in registry().candidates(text) if (c.ror or "").startswith("https://ror.org/")]
    records = _records([c.ror for c in ranked if c.ror])
    items = [{"substring": c.matched, "score": c.score,
              "matching_type": matching_type(c.method),
              "chosen": c.chosen, "organization": records[c.ror]} for c in ranked if c.ror in records]
    return _json({"number_of_results": len(items), "items": items})
