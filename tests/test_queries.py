"""The catalogue in queries/: every stored query runs on the demo data and gives the rows it should.

The store is real and on disk: data/ plus tests/fixtures (ESCO concepts and skill alignments, the
NumFOCUS/rOpenSci ROR relationship, one DataCite work, one extra posting), in the agreed RDF shapes.
Rows that depend on skill extraction are compared with an independent count over the store's quads, so
that they stay right when the skill vocabulary grows; the rest are asserted as they are.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, QuerySolutions

from jobgraph.vocab import JG, RDF, SCHEMA, SKOS
from jobgraph.web.queries import GROUPS, BadParameter, CatalogueError, StoredQuery, catalogue, parse_query_file

from .conftest import ROOT, run_cli

JGS = "https://w3id.org/jobgraph/skill/"
ESCO = "http://data.europa.eu/esco/"
WIKIDATA = "http://www.wikidata.org/entity/"
CATALOGUE = catalogue(ROOT / "queries")


@pytest.fixture
def store(catalogue_store):  # type: ignore[no-untyped-def]
    return catalogue_store


def run(store, name: str, **params: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    """The query's rows as tuples of lexical values (None for unbound), in the query's order."""
    query = CATALOGUE[name]
    result = store.query(query.text, substitutions=query.substitutions(params))
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return [tuple(s[n].value if s[n] is not None else None for n in names) for s in result]


# --- an independent reading of the store, for rows that depend on skill extraction ---------------------

def objects(store, predicate: NamedNode) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    out: dict[str, set[str]] = defaultdict(set)
    for q in store.store.quads_for_pattern(None, predicate, None, None):
        out[q.subject.value].add(q.object.value)
    return out


def en_labels(store) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {q.subject.value: q.object.value for q in store.store.quads_for_pattern(None, SKOS.prefLabel, None, None)
            if isinstance(q.object, Literal) and (q.object.language or "").startswith("en")}


def closure(links: dict[str, set[str]], start: str, reflexive: bool) -> set[str]:
    seen, todo = ({start} if reflexive else set()), list(links.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo += links.get(node, ())
    return seen


def ranked(counts: Counter, labels: dict[str, str]) -> list[tuple]:
    return sorted(((k, labels.get(k), str(n)) for k, n in counts.items()), key=lambda r: (-int(r[2]), r[1] or "", r[0]))


# --- the catalogue itself --------------------------------------------------------------------------------

def test_at_least_fifteen_queries_each_with_a_header_that_names_its_columns(store) -> None:  # type: ignore[no-untyped-def]
    assert len(CATALOGUE) >= 15
    for name, query in CATALOGUE.items():
        assert query.title and len(query.description) > 40, name
        assert query.group in GROUPS, f"{name}: '# group:' is one of {GROUPS}"
        if query.service or query.form != "SELECT":
            continue
        result = store.query(query.text, substitutions=query.substitutions({}))
        assert [c for c, _ in query.columns] == [v.value for v in result.variables], f"{name}: # column lines"
        for param in query.params:
            assert param.name in [c for c, _ in query.columns], f"{name}: a parameter must be projected"


def test_parameters_are_bound_by_kind_and_bad_values_say_what_to_write() -> None:
    query = CATALOGUE["co-occurring-skills"]
    assert query.substitutions({"skill": "r"})[next(iter(query.substitutions({})))] == NamedNode(JGS + "r")
    org = CATALOGUE["organization-postings"].params[0]
    assert org.bind("https://ror.org/04wxnsj81") == org.bind("04wxnsj81") == NamedNode("https://ror.org/04wxnsj81")
    with pytest.raises(BadParameter, match="not a ROR id"):
        org.bind("04wxnsj8")
    with pytest.raises(BadParameter, match="YYYY-MM-DD"):
        CATALOGUE["open-on-date"].params[0].bind("1 March")
    with pytest.raises(BadParameter, match="not an absolute IRI"):
        CATALOGUE["posting-provenance"].params[0].bind("https://x> } DROP ALL { <y")


def test_a_header_that_cannot_be_read_is_refused_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rq"
    bad.write_text("# title: t\n# description: d\n# param: ?x number default=1 — a number\nSELECT * {}\n")
    with pytest.raises(CatalogueError, match="bad.rq.*KIND one of"):
        parse_query_file(bad)
    bad.write_text("# description: no title\nSELECT * {}\n")
    with pytest.raises(CatalogueError, match="no '# title:' line"):
        parse_query_file(bad)


# --- demand for skills -----------------------------------------------------------------------------------

def test_top_skills(store) -> None:  # type: ignore[no-untyped-def]
    by_posting = objects(store, SCHEMA.skills)
    expected = ranked(Counter(s for skills in by_posting.values() for s in skills), en_labels(store))[:25]
    rows = run(store, "top-skills")
    assert rows == expected
    assert rows[0][:2] == (JGS + "python", "Python") and int(rows[0][2]) >= 10


def test_top_skills_by_employer(store) -> None:  # type: ignore[no-untyped-def]
    employer = {p: next(iter(o)) for p, o in objects(store, SCHEMA.hiringOrganization).items()}
    names, labels = {k: next(iter(v)) for k, v in objects(store, SCHEMA.name).items()}, en_labels(store)
    counts = Counter((employer[p], s) for p, skills in objects(store, SCHEMA.skills).items() for s in skills)
    expected = sorted(((e, names.get(e), s, labels.get(s), str(n)) for (e, s), n in counts.items()),
                      key=lambda r: (r[1] or "", -int(r[4]), r[3] or "", r[2]))
    rows = run(store, "top-skills-by-employer")
    assert rows == expected
    edinburgh = [r for r in rows if r[0] == "https://ror.org/01nrxwf90"]
    assert edinburgh[0][2:] == (JGS + "python", "Python", "2")  # both Edinburgh postings ask for Python


def test_top_skills_by_org_type_and_country(store) -> None:  # type: ignore[no-untyped-def]
    employer = {p: next(iter(o)) for p, o in objects(store, SCHEMA.hiringOrganization).items()}
    types, countries = objects(store, JG.organizationType), objects(store, SCHEMA.addressCountry)
    postings, orgs = defaultdict(set), defaultdict(set)
    for p, skills in objects(store, SCHEMA.skills).items():
        org = employer[p]
        for t in types.get(org, ()):
            for c in countries.get(org, ()):
                for s in skills:
                    postings[t, c, s].add(p)
                    orgs[t, c, s].add(org)
    labels = en_labels(store)
    expected = sorted(((t, c, s, labels.get(s), str(len(postings[t, c, s])), str(len(orgs[t, c, s])))
                       for t, c, s in postings), key=lambda r: (r[0], r[1], -int(r[4]), r[3] or "", r[2]))
    rows = run(store, "top-skills-by-org-type-country")
    assert rows == expected
    assert ("facility", "CH", JGS + "python", "Python", "1", "1") in rows  # CERN: a facility in Switzerland


def test_skills_rolled_up_through_the_vocabulary(store) -> None:  # type: ignore[no-untyped-def]
    broader, labels = objects(store, SKOS.broader), en_labels(store)
    postings, skills = defaultdict(set), defaultdict(set)
    for p, named in objects(store, SCHEMA.skills).items():
        for s in named:
            for b in closure(broader, s, reflexive=False):
                if b.startswith(JGS):
                    postings[b].add(p)
                    skills[b].add(s)
    expected = sorted(((b, labels.get(b), str(len(postings[b])), str(len(skills[b]))) for b in postings),
                      key=lambda r: (-int(r[2]), r[1] or ""))
    rows = run(store, "skills-rolled-up")
    assert rows == expected
    assert rows[0][:2] == (JGS + "programming-languages", "programming languages")


def test_skills_rolled_up_through_esco(store) -> None:  # type: ignore[no-untyped-def]
    broader, labels = objects(store, SKOS.broader), en_labels(store)
    matches = defaultdict(set)
    for predicate in (SKOS.exactMatch, SKOS.closeMatch):
        for s, targets in objects(store, predicate).items():
            matches[s] |= {t for t in targets if t.startswith(ESCO)}
    postings = defaultdict(set)
    for p, named in objects(store, SCHEMA.skills).items():
        for s in named:
            for m in matches.get(s, ()):
                for e in closure(broader, m, reflexive=True):
                    postings[e].add(p)
    rows = run(store, "skills-rolled-up-esco")
    assert rows == ranked(Counter({e: len(ps) for e, ps in postings.items()}), labels)
    # every posting naming Python, R, JavaScript or SQL counts once for ESCO's ISCED-F field 0613
    languages = {JGS + s for s in ("python", "r", "javascript", "sql")}
    field = sum(1 for named in objects(store, SCHEMA.skills).values() if named & languages)
    assert (ESCO + "isced-f/0613", "software and applications development and analysis", str(field)) in rows
    assert (ESCO + "skill/ccd0a1d9-afda-43d9-b901-96344886e14d", "Python (computer programming)") in \
        {r[:2] for r in rows}


def test_co_occurring_skills_with_a_parameter(store) -> None:  # type: ignore[no-untyped-def]
    by_posting, labels = objects(store, SCHEMA.skills).values(), en_labels(store)
    for slug in ("python", "r"):
        skill = JGS + slug
        counts = Counter(o for named in by_posting if skill in named for o in named if o != skill)
        rows = run(store, "co-occurring-skills", skill=slug)
        assert rows == [(skill, *r) for r in ranked(counts, labels)]
    assert (JGS + "r", JGS + "python", "Python") in {r[:3] for r in run(store, "co-occurring-skills", skill="r")}


def test_desirable_at_one_employer_necessary_at_another(store) -> None:  # type: ignore[no-untyped-def]
    employer = {p: next(iter(o)) for p, o in objects(store, SCHEMA.hiringOrganization).items()}
    skill, level = objects(store, JG.skill), objects(store, JG.level)
    at = defaultdict(set)
    for p, reqs in objects(store, JG.requirement).items():
        for r in reqs:
            at[next(iter(skill[r])), next(iter(level[r]))].add(employer[p])
    names, labels = {k: next(iter(v)) for k, v in objects(store, SCHEMA.name).items()}, en_labels(store)
    expected = []
    for (s, lvl), orgs in at.items():
        for d in orgs if lvl == JG.Desirable.value else ():
            others = at.get((s, JG.Necessary.value), set()) - {d}
            if others:
                first = min(others)
                expected.append((s, labels.get(s), d, names.get(d), str(len(others)), first, names.get(first)))
    expected.sort(key=lambda r: (r[1] or "", -int(r[4]), r[3] or ""))
    rows = run(store, "desirable-here-necessary-there")
    assert rows == expected
    # the fixture posting: rOpenSci finds Python nice to have, which the University of Edinburgh and others
    # require; rOpenSci requires R, which the Center for Open Science finds nice to have
    pairs = {(r[0], r[3]) for r in rows}
    assert (JGS + "python", "rOpenSci") in pairs and (JGS + "r", "Center for Open Science") in pairs


# --- organisations ---------------------------------------------------------------------------------------

ROPENSCI_POSTING = "https://w3id.org/jobgraph/posting/9afe5b4fa6bd08f1-0"


def test_one_organisation_with_its_child_organisations(store) -> None:  # type: ignore[no-untyped-def]
    numfocus = "https://ror.org/004eyxv41"
    assert run(store, "organization-postings") == [
        (numfocus, numfocus, "NumFOCUS", "self", None, None),
        (numfocus, "https://ror.org/019jywm96", "rOpenSci", "child", ROPENSCI_POSTING,
         "R Package Peer-Review Coordinator"),
    ]
    datacite = {r[5] for r in run(store, "organization-postings", organization="04wxnsj81")}
    assert datacite == {"PID Metadata Specialist", "Senior Frontend Developer"}


def test_everything_about_one_organisation_is_a_graph(store) -> None:  # type: ignore[no-untyped-def]
    query = CATALOGUE["organization"]
    assert query.form == "CONSTRUCT"
    triples = list(store.query(query.text, substitutions=query.substitutions({"organization": "004eyxv41"})))
    facts = {(t.subject.value, t.predicate.value, t.object.value) for t in triples}
    numfocus, ropensci = "https://ror.org/004eyxv41", "https://ror.org/019jywm96"
    assert (numfocus, SCHEMA.name.value, "NumFOCUS") in facts
    assert (numfocus, SCHEMA.addressCountry.value, "US") in facts
    assert (numfocus, SCHEMA.subOrganization.value, ropensci) in facts
    assert (ropensci, SCHEMA.name.value, "rOpenSci") in facts
    assert (ROPENSCI_POSTING, SCHEMA.hiringOrganization.value, ropensci) in facts
    assert (ROPENSCI_POSTING, SCHEMA.validThrough.value, "2026-04-15") in facts
    assert (ROPENSCI_POSTING, SCHEMA.skills.value, JGS + "r") in facts
    # nothing about other organisations' postings
    assert {s for s, p, o in facts if p == SCHEMA.hiringOrganization.value} == {ROPENSCI_POSTING}


# --- remote work -------------------------------------------------------------------------------------------

def test_remote_share_by_employer(store) -> None:  # type: ignore[no-untyped-def]
    rows = {r[1]: r[2:] for r in run(store, "remote-share-by-employer")}
    assert rows == {
        "DataCite": ("2", "2", "0", "1"),
        "Example Array Project": ("1", "1", "0", "1"),
        "Example Climate Institute": ("1", "1", "1", "1"),
        "rOpenSci": ("1", "1", "0", "1"),
        "University of Edinburgh": ("2", "1", "1", "0.5"),
        "2i2c": ("1", "0", "0", "0"),
        "Beispiel-Bibliothek": ("1", "0", "0", "0"),
        "Center for Open Science": ("1", "0", "0", "0"),
        "European Organization for Nuclear Research": ("1", "0", "0", "0"),
    }
    assert run(store, "remote-share-by-employer")[0][1] == "DataCite"  # highest share, most postings first


def test_remote_share_over_time(store) -> None:  # type: ignore[no-untyped-def]
    assert run(store, "remote-share-by-month") == [
        ("2026-01", "2", "1", "0.5"), ("2026-02", "2", "0", "0"), ("2026-03", "3", "2", "0.67"),
        ("2026-04", "2", "2", "1"), ("2026-05", "1", "1", "1"),
    ]


def test_regions_and_time_zones_allowed(store) -> None:  # type: ignore[no-untyped-def]
    assert run(store, "remote-regions") == [
        ("Europe", "1", "DataCite"), ("UTC+2", "1", "rOpenSci"), ("UTC-5", "1", "rOpenSci"),
        ("United States", "1", "Center for Open Science"),
    ]


# --- pay -------------------------------------------------------------------------------------------------

def test_salaries_normalised_to_a_year_with_their_text(store) -> None:  # type: ignore[no-untyped-def]
    rows = [r[1:] for r in run(store, "salaries-yearly")]
    assert rows == [
        ("Open Data Platform Engineer", "CH", "CHF", "YEAR", "98000", "112000", "98000", "112000",
         "CHF 98,000 - 112,000 per year"),
        ("PID Metadata Specialist", None, "EUR", "YEAR", "52000", "60000", "52000", "60000",
         "€52,000 - €60,000 per year"),
        ("Research Software Engineer (Data-Intensive Science)", "GB", "GBP", "YEAR", "39355", "46735", "39355",
         "46735", "£39,355 - £46,735 per annum"),
        ("Research Data Steward", "GB", "GBP", "YEAR", "38205", "45163", "38205", "45163",
         "£38,205 - £45,163 per annum"),
        ("Community Maintainer (part-time)", None, "USD", "HOUR", "45", "60", "93600", "124800",
         "USD 45 - 60 per hour"),
        ("Research Data Librarian", "US", "USD", "YEAR", "68000", "78000", "68000", "78000",
         "$68,000 - $78,000 per year"),
        ("R Package Peer-Review Coordinator", None, "USD", "MONTH", "3000", "3500", "36000", "42000",
         "USD 3,000 - 3,500 per month"),
    ]


def test_pay_by_country_and_currency(store) -> None:  # type: ignore[no-untyped-def]
    assert run(store, "salaries-by-country") == [
        ("CH", "CHF", "1", "98000", "112000", "105000"),
        ("GB", "GBP", "2", "38205", "46735", "42365"),  # midpoints 43045 and 41684
        ("US", "USD", "1", "68000", "78000", "73000"),
        ("unknown", "EUR", "1", "52000", "60000", "56000"),
        ("unknown", "USD", "2", "36000", "124800", "74100"),  # midpoints 109200 (hourly) and 39000 (monthly)
    ]


# --- time ------------------------------------------------------------------------------------------------

def test_postings_per_month(store) -> None:  # type: ignore[no-untyped-def]
    assert run(store, "postings-per-month") == [
        ("2026-01", "1", "1"), ("2026-02", "2", "1"), ("2026-03", "0", "5"), ("2026-04", "0", "2"),
        ("2026-05", "0", "1"),
    ]


def test_postings_open_on_a_date(store) -> None:  # type: ignore[no-untyped-def]
    titles = [r[2] for r in run(store, "open-on-date")]
    assert titles == ["Open Data Platform Engineer", "Research Data Librarian", "PID Metadata Specialist",
                      "Research Data Steward", "Senior Frontend Developer", "R Package Peer-Review Coordinator",
                      "Community Maintainer (part-time)", "Research software engineer for a climate data platform"]
    assert [r[2] for r in run(store, "open-on-date", date="2026-04-20")] == [
        "Community Maintainer (part-time)", "Research software engineer for a climate data platform"]
    # on 10 January the postings of CERN (posted 2 February), the Beispiel-Bibliothek (20 January) and the
    # data steward (10 February) are not open yet, though they close later; the Edinburgh RSE still is
    assert [r[3] for r in run(store, "open-on-date", date="2026-01-10")] == [
        "University of Edinburgh", "Center for Open Science", "DataCite", "DataCite", "rOpenSci",
        "Example Array Project", "Example Climate Institute"]


# --- the curator's queries -------------------------------------------------------------------------------

def test_employers_without_a_ror_id(store) -> None:  # type: ignore[no-untyped-def]
    assert [r[1:3] for r in run(store, "employers-without-ror")] == [
        ("Beispiel-Bibliothek", "1"), ("Example Array Project", "1"), ("Example Climate Institute", "1")]


def test_skills_without_an_esco_or_wikidata_match(store) -> None:  # type: ignore[no-untyped-def]
    matched = {s for p in (SKOS.exactMatch, SKOS.closeMatch) for s, targets in objects(store, p).items()
               if any(t.startswith((ESCO, WIKIDATA)) for t in targets)}
    types = objects(store, RDF.type)
    concepts = {s for s, schemes in objects(store, SKOS.inScheme).items()
                if JGS in schemes and SKOS.Concept.value in types[s]}
    counts = Counter({c: 0 for c in concepts - matched})
    for named in objects(store, SCHEMA.skills).values():
        counts.update(named & (concepts - matched))
    rows = run(store, "skills-without-match")
    assert rows == ranked(counts, en_labels(store))
    skills = {r[0] for r in rows}
    assert JGS + "python" not in skills and JGS + "sql" not in skills  # matched (by the fixture, at least)
    assert len(rows) == len(concepts - matched) > 0  # every unmatched concept, asked for or not


def test_postings_missing_a_closing_date(store) -> None:  # type: ignore[no-untyped-def]
    assert run(store, "postings-without-closing-date") == [
        ("https://w3id.org/jobgraph/posting/48f3d600c455ef0e-0", "Research Platform Engineer", "2i2c",
         "https://github.com/jobgraph/jobgraph/blob/main/data/postings/2i2c-research-platform-engineer.md")]


# --- provenance, DataCite, search ------------------------------------------------------------------------

def test_every_fact_of_one_posting_with_its_sentence(store) -> None:  # type: ignore[no-untyped-def]
    rows = run(store, "posting-provenance")
    facts = {(r[1], r[2], r[3]) for r in rows}
    assert ("salary", "£39,355 - £46,735 per annum", "Salary: £39,355 - £46,735 per annum.") in facts
    assert ("closing_date", "2026-01-12", "Closing date: 12 January 2026 at 5pm.") in facts
    assert ("contact_email", "rse-jobs@ed.ac.uk", "Informal enquiries to rse-jobs@ed.ac.uk.") in facts
    assert ("title", "Research Software Engineer (Data-Intensive Science)",
            "Research Software Engineer (Data-Intensive Science)") in facts
    posting = CATALOGUE["posting-provenance"].params[0].default
    labels, skill, level = en_labels(store), objects(store, JG.skill), objects(store, JG.level)
    requirements = objects(store, JG.requirement)[posting]
    assert {r[2] for r in rows if r[1] == "skill"} == {
        f"{labels[s]} ({lv.rsplit('#', 1)[1].lower()})" for r in requirements for s in skill[r] for lv in level[r]}
    assert any(r[2].startswith("Python (") for r in rows if r[1] == "skill")
    # one row per evidence node of the posting and of its skill requirements
    evidence = objects(store, JG.evidence)
    nodes = evidence[posting] | {e for r in requirements for e in evidence[r]}
    assert len(rows) == len(nodes)
    for _, _, _, sentence, _, start, end in rows:  # offsets point into the description at that sentence
        assert sentence and (start is None or int(start) < int(end))


def test_postings_connected_to_a_doi_through_creator_affiliations(store) -> None:  # type: ignore[no-untyped-def]
    """data/datacite/datacite.ttl and the fixture's work are both in graph/datacite (reference files for an
    imported graph add to it): the rOpenSci software's creators lead to the fixture's rOpenSci posting."""
    doi, dataone = "https://doi.org/10.5438/mk65-3m12", "https://doi.org/10.5063/f1m61h5x"
    title = "dataone: R interface to the DataONE network of data repositories (version 2.2.2)"
    assert [(r[0], r[1], r[2], r[3], r[4], r[6]) for r in run(store, "datacite-postings")] == [
        (dataone, title, "Boettiger, Carl", "https://ror.org/019jywm96", "rOpenSci",
         "R Package Peer-Review Coordinator"),
        (dataone, title, "Chamberlain, Scott", "https://ror.org/019jywm96", "rOpenSci",
         "R Package Peer-Review Coordinator"),
        (doi, "Eating your own Dog Food", "Fenner, Martin", "https://ror.org/04wxnsj81", "DataCite",
         "PID Metadata Specialist"),
        (doi, "Eating your own Dog Food", "Fenner, Martin", "https://ror.org/04wxnsj81", "DataCite",
         "Senior Frontend Developer"),
    ]


def test_a_text_parameter_is_matched_as_a_string_never_run(store) -> None:  # type: ignore[no-untyped-def]
    assert [r[2] for r in run(store, "postings-by-keyword", text="DATA")] == [
        "Open Data Platform Engineer", "PID Metadata Specialist", "Research Data Librarian", "Research Data Steward",
        "Research Software Engineer (Data-Intensive Science)",
        "Research software engineer for a climate data platform"]
    before = len(store)
    injected = '") } } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o FILTER("'
    assert run(store, "postings-by-keyword", text=injected) == []
    assert len(store) == before


def test_the_federated_example_is_documented_and_names_its_service() -> None:
    query: StoredQuery = CATALOGUE["wikidata-skills"]
    assert query.service == "https://query.wikidata.org/sparql"
    assert "SERVICE <https://query.wikidata.org/sparql>" in query.text
    assert "not run by the test suite" in query.description


def test_the_readme_lists_every_query_with_its_link() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in CATALOGUE:
        assert f"[`{name}`](http://127.0.0.1:8000/queries/{name})" in readme, name


def test_the_cli_runs_a_stored_query_with_its_parameters(tmp_path: Path, store) -> None:  # type: ignore[no-untyped-def]
    folder = str(tmp_path / "store")
    run_cli("ingest", "--store", folder, str(ROOT / "data"), str(ROOT / "tests" / "fixtures"))
    rq = str(ROOT / "queries" / "co-occurring-skills.rq")
    rows = run_cli("query", "--store", folder, rq, "--param", "skill=r", "--format", "csv").stdout.splitlines()
    assert rows[0] == "skill,other,label,postings"
    assert rows[1:] == [",".join(r) for r in run(store, "co-occurring-skills", skill="r")]  # same data, same rows
    assert rows[1].startswith(f"{JGS}r,{JGS}python,Python,")
    default = run_cli("query", "--store", folder, rq, "--format", "csv").stdout.splitlines()
    assert default[1].startswith(f"{JGS}python,")  # no --param: the header's default
    bad = run_cli("query", "--store", folder, rq, "--param", "colour=red", check=False)
    assert bad.returncode != 0 and "no parameter colour" in bad.stderr and "skill" in bad.stderr
