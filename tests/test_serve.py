"""Stage 6: the real server over HTTP answers SPARQL with the seeds and their ROR ids."""

from __future__ import annotations

import csv
import io

import rdflib
import requests

from jobgraph.vocab import sparql_prefixes

SEED_POSTINGS = sparql_prefixes() + """
SELECT ?title ?ror WHERE {
  ?p a schema:JobPosting ; schema:title ?title ; schema:hiringOrganization ?o ; prov:wasDerivedFrom ?g .
  ?g dcterms:source ?src . FILTER(CONTAINS(STR(?src), "/seeds/"))
  OPTIONAL { ?o schema:identifier ?ror } }"""


def test_select_by_get_returns_five_seed_postings_with_ror_ids(live_server) -> None:  # type: ignore[no-untyped-def]
    resp = requests.get(f"{live_server.url}/sparql", params={"query": SEED_POSTINGS},
                        headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/sparql-results+json")
    rows = {(b["title"]["value"], b.get("ror", {}).get("value")) for b in resp.json()["results"]["bindings"]}
    assert rows == {
        ("Open Source Applications Engineer", "https://ror.org/050gv4c78"),
        ("Open Source Infrastructure Engineer", "https://ror.org/050gv4c78"),
        ("ROR Technical Lead", "https://ror.org/04wxnsj81"),
        ("Application Support Engineer", "https://ror.org/04wxnsj81"),
        ("Python Web Developer for open data projects", None),
    }


def test_select_by_post_form_and_direct(live_server) -> None:  # type: ignore[no-untyped-def]
    form = requests.post(f"{live_server.url}/sparql", data={"query": SEED_POSTINGS},
                         headers={"Accept": "text/csv"}, timeout=30)
    direct = requests.post(f"{live_server.url}/sparql", data=SEED_POSTINGS.encode(),
                           headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"}, timeout=30)
    for resp in (form, direct):
        assert resp.status_code == 200
        assert len(list(csv.DictReader(io.StringIO(resp.text)))) == 5


def test_construct_returns_turtle(live_server) -> None:  # type: ignore[no-untyped-def]
    query = sparql_prefixes() + "CONSTRUCT { ?p schema:title ?t } WHERE { ?p a schema:JobPosting ; schema:title ?t }"
    resp = requests.get(f"{live_server.url}/sparql", params={"query": query},
                        headers={"Accept": "text/turtle"}, timeout=30)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/turtle")
    assert len(rdflib.Graph().parse(data=resp.text, format="turtle")) == 15


def test_ask_and_bad_query(live_server) -> None:  # type: ignore[no-untyped-def]
    ask = requests.get(f"{live_server.url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert ask.json()["boolean"] is True
    bad = requests.get(f"{live_server.url}/sparql", params={"query": "SELECT WHERE {"}, timeout=30)
    assert bad.status_code == 400 and "does not parse" in bad.text


def test_landing_page_says_what_is_in_the_store(live_server) -> None:  # type: ignore[no-untyped-def]
    page = requests.get(live_server.url + "/", timeout=30)
    assert page.status_code == 200
    assert '<span class="explore-total">15</span> postings' in page.text
    assert 'href="/ror/04wxnsj81">DataCite</a>' in page.text
    assert 'href="/query"' in page.text
