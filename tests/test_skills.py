"""Skills: the vocabulary's SKOS integrity, the hard matching cases, levels and evidence, the ESCO import."""

from __future__ import annotations

import csv
import sys

import pytest
from pyoxigraph import RdfFormat, Store

from jobgraph.link.skills import Vocabulary

from .conftest import DATA, run_cli, shared_path

PREFIXES = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX jgs: <https://w3id.org/jobgraph/skill/>
"""


@pytest.fixture(scope="module")
def skos() -> Store:
    store = Store()
    with open(DATA / "skills.ttl", "rb") as fh:
        store.load(fh, RdfFormat.TURTLE)
    return store


def ask(store: Store, query: str) -> list:
    return list(store.query(PREFIXES + query))


def found(vocabulary: Vocabulary, text: str) -> set[str]:
    return {m.label for m in vocabulary.find(text)}


# --- the vocabulary ----------------------------------------------------------------------------------------

def test_the_vocabulary_is_a_scheme_of_500_concepts_with_licence_and_sources(skos: Store) -> None:
    (row,) = ask(skos, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a skos:Concept ; skos:inScheme jgs: }")
    assert int(row["n"].value) >= 500
    assert skos.query(PREFIXES + "ASK { jgs: a skos:ConceptScheme ; dcterms:license ?l ; dcterms:rights ?r ; "
                                 "dcterms:source ?s ; skos:hasTopConcept ?t }")


def test_skos_integrity(skos: Store) -> None:
    two_prefs = ask(skos, "SELECT ?c WHERE { ?c skos:prefLabel ?a, ?b FILTER(?a != ?b && lang(?a) = lang(?b)) }")
    assert two_prefs == [], "a concept with two prefLabels in one language"
    shared_pref = ask(skos, "SELECT ?a ?b WHERE { ?a skos:prefLabel ?l . ?b skos:prefLabel ?m "
                            "FILTER(?a != ?b && lcase(str(?l)) = lcase(str(?m))) }")
    assert shared_pref == [], "two concepts with one prefLabel"
    dangling = ask(skos, "SELECT ?c ?b WHERE { ?c skos:broader ?b FILTER NOT EXISTS { ?b a skos:Concept ; "
                         "skos:inScheme jgs: } }")
    assert dangling == [], "broader targets that are not concepts of the scheme"
    cycles = ask(skos, "SELECT ?c WHERE { ?c skos:broader+ ?c }")
    assert cycles == []
    no_scheme = ask(skos, "SELECT ?c WHERE { ?c a skos:Concept FILTER NOT EXISTS { ?c skos:inScheme jgs: } }")
    assert no_scheme == []
    # a label is pref, alt or hidden, never two of them on one concept (SKOS S13/S14)
    clash = ask(skos, "SELECT ?c ?l WHERE { ?c skos:prefLabel|skos:altLabel ?l . ?c skos:hiddenLabel ?l }")
    assert clash == []
    orphans = ask(skos, "SELECT ?c WHERE { ?c a skos:Concept FILTER NOT EXISTS { ?c skos:broader ?b } "
                        "FILTER NOT EXISTS { ?c skos:topConceptOf jgs: } }")
    assert orphans == [], "every concept has a broader category or is a top concept"


def test_every_concept_has_spelling_variants_or_alternatives(skos: Store) -> None:
    bare = ask(skos, "SELECT ?c WHERE { ?c a skos:Concept FILTER NOT EXISTS { ?c skos:altLabel|skos:hiddenLabel ?x } }")
    assert len(bare) <= 25, [r["c"].value for r in bare]


def test_alignments_point_to_real_esco_concepts_and_wikidata_items(skos: Store) -> None:
    esco = {r["m"].value for r in ask(skos, "SELECT DISTINCT ?m WHERE { ?c skos:exactMatch|skos:closeMatch ?m "
                                            "FILTER(strstarts(str(?m), 'http://data.europa.eu/esco/')) }")}
    wikidata = {r["m"].value for r in ask(skos, "SELECT DISTINCT ?m WHERE { ?c skos:exactMatch ?m "
                                                "FILTER(strstarts(str(?m), 'http://www.wikidata.org/')) }")}
    assert len(esco) >= 100 and len(wikidata) >= 50
    assert all(m.removeprefix("http://www.wikidata.org/entity/Q").isdigit() for m in wikidata)
    csv.field_size_limit(sys.maxsize)
    with open(shared_path("skills", "esco", "skills_en.v1.2.0.reconstructed.csv"), encoding="utf-8") as fh:
        known = {row["conceptUri"] for row in csv.DictReader(fh)}
    assert esco <= known, esco - known
    subset = Store()
    with open(DATA / "esco.ttl", "rb") as fh:
        subset.load(fh, RdfFormat.TURTLE)
    assert all(subset.query(f"ASK {{ <{m}> a <http://www.w3.org/2004/02/skos/core#Concept> }}") for m in esco)


# --- hard cases: one test each --------------------------------------------------------------------------------

def test_r_the_language_not_the_letter(vocabulary: Vocabulary) -> None:
    assert "R" in found(vocabulary, "Experience with R and Python for statistics.")
    assert "R" in found(vocabulary, "You have written R packages.")
    for text in ("Our R&D budget grew.", "Contact Dr. R. Smith.", "See section R of the form.", "Grade R."):
        assert "R" not in found(vocabulary, text), text


def test_go_the_language_not_the_verb(vocabulary: Vocabulary) -> None:
    assert "Go" in found(vocabulary, "Services are written in Go and Rust.")
    assert "Go" in found(vocabulary, "Experience with Golang.")
    for text in ("Go beyond the call of duty.", "We go to conferences.", "Go to our website to apply."):
        assert "Go" not in found(vocabulary, text), text


def test_c_is_not_cpp_or_csharp(vocabulary: Vocabulary) -> None:
    assert found(vocabulary, "Experience with C++ and C#.") >= {"C++", "C#"}
    assert "C" not in found(vocabulary, "Experience with C++ and C#.")
    assert {"C", "C++"} <= found(vocabulary, "Knowledge of C/C++ is needed.")
    assert "C" in found(vocabulary, "Experience in C, Cython and Rust.")
    for text in ("Plan C is the fallback.", "Part C of the application form.", "Vitamin C."):
        assert "C" not in found(vocabulary, text), text


def test_java_is_not_javascript(vocabulary: Vocabulary) -> None:
    assert found(vocabulary, "A JavaScript developer.") & {"Java", "JavaScript"} == {"JavaScript"}
    assert "Java" in found(vocabulary, "Skills: Java, Python, SQL.")
    assert "Java" not in found(vocabulary, "Meet us for a java at the café.")


def test_spark_the_engine_not_the_word(vocabulary: Vocabulary) -> None:
    assert "Apache Spark" in found(vocabulary, "Pipelines on Apache Spark.")
    assert "Apache Spark" in found(vocabulary, "Experience with Spark, Hadoop and Kafka.")
    for text in ("Spark curiosity in students.", "Ideas that spark joy."):
        assert "Apache Spark" not in found(vocabulary, text), text


def test_rust_the_language_not_corrosion(vocabulary: Vocabulary) -> None:
    assert "Rust" in found(vocabulary, "Write fast extensions in Rust or C++.")
    for text in ("Remove rust from the pipes.", "Rust never sleeps."):
        assert "Rust" not in found(vocabulary, text), text


def test_react_the_library_not_the_verb(vocabulary: Vocabulary) -> None:
    assert "React" in found(vocabulary, "Front ends built with React and TypeScript.")
    for text in ("React quickly to incidents.", "We react to feedback from users.", "React to alerts."):
        assert "React" not in found(vocabulary, text), text


def test_excel_the_spreadsheet_not_the_verb(vocabulary: Vocabulary) -> None:
    assert "spreadsheets" in found(vocabulary, "Skills: Microsoft Excel, Google Sheets.")
    assert "spreadsheets" in found(vocabulary, "Experience with Excel and SQL.")
    for text in ("Excel at communication.", "You will excel in a fast-moving team.", "Excel in your role."):
        assert "spreadsheets" not in found(vocabulary, text), text


def test_acronyms_match_as_written_and_in_the_plural(vocabulary: Vocabulary) -> None:
    assert {"RESTful APIs", "AWS", "SQL"} <= found(vocabulary, "Experience with REST services on AWS and SQL.")
    assert "APIs" in found(vocabulary, "Experience of working with or providing APIs.")
    assert "DOIs" in found(vocabulary, "Knowledge of DOIs and persistent identifiers.")
    assert "RESTful APIs" not in found(vocabulary, "You will get some rest after the rest of the work.")


def test_spelling_variants_and_inflections_share_a_concept(vocabulary: Vocabulary) -> None:
    assert "virtualisation" in found(vocabulary, "Experience of virtualization and containerisation.")
    assert "containerization" in found(vocabulary, "Experience containerizing applications.")
    assert vocabulary.lookup("Linux container") == vocabulary.lookup("Linux containers")
    assert "full-stack development" in found(vocabulary, "Proven experience as a Full stack Developer.")


def test_generic_skills_count_only_where_asked(vocabulary: Vocabulary) -> None:
    assert "open source" not in found(vocabulary, "We build open source tools for science.")
    assert "open source" in found(vocabulary, "Experience contributing to open source projects.")


# --- what counts as asked for: one test per rule, on our own sentences ----------------------------------------

def test_a_stem_matches_only_words_of_its_own_derivational_class(vocabulary: Vocabulary) -> None:
    assert "performance optimisation" in found(vocabulary, "Experience with profiling and benchmarking code.")
    assert "performance optimisation" not in found(vocabulary, "Experience raising the profile of the team.")
    assert "consulting" in found(vocabulary, "Experience in consulting for research groups.")
    assert "consulting" not in found(vocabulary, "You will set the strategy in consultation with the board.")
    assert "documentation" in found(vocabulary, "## Duties\n\n- Writing documentation for users\n")
    assert "documentation" not in found(vocabulary, "## Duties\n\n- Preparing forms and other documents\n")
    assert "virtualisation" not in found(vocabulary, "Experience working with virtual teams.")


def test_nothing_inside_markup_or_a_url_is_a_mention(vocabulary: Vocabulary) -> None:
    text = 'Apply here: <script src="https://cdn.example.org/js/form.js"></script> or www.example.org/js/apply'
    assert "JavaScript" not in found(vocabulary, text)
    assert "JavaScript" in found(vocabulary, "Experience with JavaScript and HTML.")


def test_the_hiring_process_and_the_employer_heading_ask_for_nothing(vocabulary: Vocabulary) -> None:
    text = "## Interview process\n\nA 30-minute Google Meet call, then a task in a GitHub repository.\n"
    assert found(vocabulary, text) == set()
    assert "Google Meet" in found(vocabulary, "## Requirements\n\n- Experience with Google Meet and Slack\n")
    assert "Astropy" not in found(vocabulary, "## About Astropy\n\nWe are a community.\n")


def test_generic_skills_are_not_asked_for_in_the_employers_own_sections(vocabulary: Vocabulary) -> None:
    text = "## What we offer\n\n- Adaptable hours\n- Shared decision making\n\n## About us\n\n- Open source teaching\n"
    assert found(vocabulary, text) == set()
    assert "adaptability" in found(vocabulary, "## Requirements\n\n- You are adaptable and calm\n")


def test_generic_skills_in_sentences_about_the_employer_are_not_requirements(vocabulary: Vocabulary) -> None:
    for text in ("## Duties\n\n- We promote open science and teaching worldwide.\n",
                 "Our team has deep experience in open source and leadership.",
                 "Acme Labs values teaching and open science.",
                 "This project aims to follow open science principles."):
        assert found(vocabulary, text) & {"open science", "teaching", "open source", "leadership"} == set(), text
    assert "open science" in found(vocabulary, "We are looking for someone with experience in open science.")
    assert "leadership" in found(vocabulary, "## Requirements\n\n- Leadership is essential\n")


def test_a_role_noun_is_a_skill_only_for_the_advertised_role(vocabulary: Vocabulary) -> None:
    text = "You will work closely with our Community Manager and the instructors."
    assert found(vocabulary, text) & {"community management", "teaching"} == set()
    hired = "## The role\n\n- The community manager runs the forum\n"
    assert "community management" not in found(vocabulary, hired)
    assert "community management" in {m.label for m in vocabulary.find(hired, title="Community Manager")}
    assert "technical writing" in found(vocabulary, "Experience as a technical writer is needed.")
    staff = "## Duties\n\n- Support the administrative support staff\n"
    assert "business administration" not in found(vocabulary, staff)


def test_a_generic_skill_inside_a_name_is_not_a_skill(vocabulary: Vocabulary) -> None:
    assert "statistics" not in found(vocabulary, "Experience with servers at Statistics Denmark.")
    assert "statistics" in found(vocabulary, "Knowledge of statistics and R.")
    text = "Certificates such as those of the Center for Collaboration and Community Engagement."
    assert "community engagement" not in found(vocabulary, text)
    assert {"continuous integration", "continuous delivery"} <= found(
        vocabulary, "Experience with Continuous Integration and Continuous Delivery.")


def test_a_name_written_in_lower_case_counts_only_in_a_list(vocabulary: Vocabulary) -> None:
    text = "Help us make the tool better and fair to everyone."
    assert found(vocabulary, text) & {"Make", "FAIR principles"} == set()
    assert "Node.js" not in found(vocabulary, "Work for the national node of the network, with Python.")
    assert {"HTML", "CSS"} <= found(vocabulary, "Simple html/css skills.")
    assert "Sphinx" in found(vocabulary, "Documentation tools: Python, sphinx and Markdown.")


def test_a_language_qualifying_a_noun_is_not_the_language(vocabulary: Vocabulary) -> None:
    assert "Danish" not in found(vocabulary, "## Requirements\n\n- Experience with Danish research servers\n")
    assert "Danish" in found(vocabulary, "## Requirements\n\n- Fluency in Danish is required\n")
    assert {"Spanish", "French"} <= found(vocabulary, "## Requirements\n\n- Ability to work in Spanish or French\n")


def test_a_tool_name_inside_an_organisation_name_is_not_the_tool(vocabulary: Vocabulary) -> None:
    assert "Astropy" not in found(vocabulary, "The Astropy Project is a community effort.")
    assert "Astropy" in found(vocabulary, "Experience with Astropy and NumPy.")


def test_an_acronyms_expansion_is_a_name(vocabulary: Vocabulary) -> None:
    assert "Python" not in found(vocabulary, "GeoBaMM (Geo Python Battery Models) is a project.")
    assert {"JSON Schema", "XML Schema"} <= found(vocabulary, "Standards for OCDS (JSON Schema) and IATI (XML Schema).")


def test_an_abbreviation_in_brackets_restates_its_terms(vocabulary: Vocabulary) -> None:
    got = found(vocabulary, "Experience building Continuous Integration and Continuous Delivery (CI/CD) pipelines.")
    assert {"continuous integration", "continuous delivery"} <= got and "CI/CD" not in got
    assert "CI/CD" in found(vocabulary, "Experience with CI/CD and Docker.")


def test_an_interest_in_a_generic_skill_is_not_the_skill(vocabulary: Vocabulary) -> None:
    for text in ("## Nice to have\n\n- Strong interest in open science\n", "A passion for open source.",
                 "Are you passionate about statistical methods?"):
        assert found(vocabulary, text) & {"open science", "open source", "statistics"} == set(), text
    assert "open source" in found(vocabulary, "Experience or interest in working on open source projects.")
    welcome = "## Requirements\n\n- Applicants from statistics or physics are welcome\n"
    assert "statistics" not in found(vocabulary, welcome)
    assert "open science" in found(vocabulary, "## Requirements\n\n- Experience with open science practices\n")


def test_items_of_one_list_share_their_status(vocabulary: Vocabulary) -> None:
    text = "Keep quality high by adopting practices such as testing, continuous integration and code review."
    assert {"testing", "continuous integration", "code review"} <= found(vocabulary, text)
    assert "testing" not in found(vocabulary, "Keep quality high by testing ideas early.")


def test_what_the_hire_will_do_is_asked_for(vocabulary: Vocabulary) -> None:
    text = "We are hiring an administrator to coordinate logistics and communications for our workshops."
    assert {"logistics coordination", "communication"} <= found(vocabulary, text)
    assert "communication" not in found(vocabulary, "We run internal communications for our members.")
    assert {"marketing", "communication"} <= found(vocabulary, "We're hiring for a marketing and communications role.")


def test_vocabulary_labels_are_skills_not_ordinary_words(vocabulary: Vocabulary) -> None:
    text = ("## Duties\n\n- Work in consultation with stakeholders\n- Keep the quality of the end result high\n"
            "- Think outside the box\n- Coordinate videos for events\n- Contribute to the UK node of ELIXIR\n")
    assert found(vocabulary, text) == set()
    assert found(vocabulary, "## Duties\n\n- Mentoring, code & design review\n") == {"mentoring", "code review"}


def test_a_subheading_takes_its_parents_section_kind() -> None:
    from jobgraph.extract import fields as f

    text = "# Lead\n\n## Responsibilities\n\n### Scoping projects\n\nText.\n\n## Benefits\n\n### Pension\n\nText.\n"
    assert [(s.heading, s.kind) for s in f.sections(text)] == [
        ("Lead", "other"), ("Responsibilities", "responsibilities"), ("Scoping projects", "responsibilities"),
        ("Benefits", "benefits"), ("Pension", "benefits")]



def test_a_role_heading_that_names_applications_is_no_apply_section() -> None:
    """"Application Support Engineer" is a role: the sections under it are not how to apply (so a link in
    "Working here" is no application URL), while "Application", "To apply", "Your application must …" are."""
    from jobgraph.extract import fields as f

    for heading in ("Application Support Engineer", "Open Source Applications Engineer",
                    "Hands-on coding application and infrastructure work.", "We invite applications for two posts"):
        assert f.classify_heading(heading) == "other", heading
    for heading in ("To apply", "How to Apply:", "Apply", "Application", "Applications", "Application process",
                    "Applying", "Your application must include", "Bewerbung"):
        assert f.classify_heading(heading) == "apply", heading
    text = ("# Jobs\n\n## Application Support Engineer\n\n### Working here\n\nOur code: https://example.org/code\n\n"
            "### To apply\n\nWrite to jobs@example.org.\n")
    assert f.apply_url(text, f.sections(text)) is None

# --- levels and evidence ------------------------------------------------------------------------------------

POSTING = """# Research Software Engineer

We build open infrastructure.

## Necessary qualities

- Experience with Python and SQL

## Nice to have

- Familiarity with Kubernetes
- Experience with Terraform (desirable)

## How to apply

Send your CV.
"""


def test_levels_come_from_sections(vocabulary: Vocabulary) -> None:
    levels = {m.label: m.level for m in vocabulary.find(POSTING)}
    assert levels == {"Python": "necessary", "SQL": "necessary", "Kubernetes": "desirable", "Terraform": "desirable"}


@pytest.mark.parametrize("heading", ["Useful qualities", "Desirable", "Desirable skills", "Bonus points"])
def test_every_desirable_heading_makes_desirable_skills(vocabulary: Vocabulary, heading: str) -> None:
    text = f"## Requirements\n\n- Experience with Python\n\n## {heading}\n\n- Experience with Docker\n"
    assert {m.label: m.level for m in vocabulary.find(text)} == {"Python": "necessary", "Docker": "desirable"}


def test_inline_cues_set_levels_in_flat_text(vocabulary: Vocabulary) -> None:
    text = "Requirements - Experience with Django - Strong SQL  Nice to have - Experience with Elasticsearch"
    levels = {m.label: m.level for m in vocabulary.find(text)}
    assert levels == {"Django": "necessary", "SQL": "necessary", "Elasticsearch": "desirable"}


def test_each_requirement_keeps_its_sentence_and_offsets(vocabulary: Vocabulary) -> None:
    for mention in vocabulary.find(POSTING):
        ev = mention.evidence
        assert ev.start is not None and ev.end is not None
        assert POSTING[ev.start:ev.end].lower() in {label.lower() for label in
                                                      vocabulary.concepts[mention.concept].labels}
        assert POSTING[ev.start:ev.end] in ev.text


def test_requirements_reach_the_store_with_levels(seeds_store) -> None:  # type: ignore[no-untyped-def]
    rows = list(seeds_store.query(
        "PREFIX jg: <https://w3id.org/jobgraph/ns#> SELECT ?level (COUNT(*) AS ?n) WHERE { ?p jg:requirement ?r . "
        "?r jg:skill ?c ; jg:level ?level } GROUP BY ?level"))
    levels = {r["level"].value.rsplit("#", 1)[-1]: int(r["n"].value) for r in rows}
    assert levels.get("Necessary", 0) > 10 and levels.get("Desirable", 0) > 5


# --- ESCO -----------------------------------------------------------------------------------------------

ROLLUP = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?group WHERE { ?p <http://schema.org/skills> <https://w3id.org/jobgraph/skill/python> .
  <https://w3id.org/jobgraph/skill/python> skos:exactMatch ?e . ?e skos:broader+ ?g . ?g skos:prefLabel ?group }"""


def test_the_demo_esco_subset_lets_queries_roll_up(seeds_store) -> None:  # type: ignore[no-untyped-def]
    groups = {r["group"].value for r in seeds_store.query(ROLLUP)}
    assert "programming computer systems" in groups or len(groups) >= 2, groups


@pytest.fixture(scope="module")
def esco_sample(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The real ESCO files, cut to their first rows (the full import takes minutes: benchmarks/skills.py)."""
    source = shared_path("skills", "esco")
    out = tmp_path_factory.mktemp("esco")
    (out / "v1.2.0").mkdir()
    csv.field_size_limit(sys.maxsize)
    for rel, rows in (("skills_en.v1.2.0.reconstructed.csv", 400), ("v1.2.0/skillGroups_en.csv", 200),
                      ("v1.2.0/broaderRelationsSkillPillar_en.csv", 3000), ("v1.2.0/conceptSchemes_en.csv", 30)):
        with open(source / rel, encoding="utf-8", newline="") as src, \
                open(out / rel, "w", encoding="utf-8", newline="") as dst:
            reader = csv.reader(src)
            writer = csv.writer(dst)
            for i, row in enumerate(reader):
                if i > rows:
                    break
                writer.writerow(row)
    return out


def test_import_esco_loads_skills_groups_broader_and_collections(esco_sample, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from jobgraph.link.esco import import_esco
    from jobgraph.store import OxigraphStore

    path = tmp_path / "store"
    proc = run_cli("skills", "import-esco", "--store", str(path), str(esco_sample))
    assert "graph/esco:" in proc.stderr
    query = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT "
             "(COUNT(DISTINCT ?s) AS ?skills) (COUNT(DISTINCT ?b) AS ?broader) (COUNT(DISTINCT ?k) AS ?schemes) "
             "WHERE { GRAPH <https://w3id.org/jobgraph/graph/esco> { ?s a skos:Concept ; skos:prefLabel ?l . "
             "OPTIONAL { ?s skos:broader ?b } OPTIONAL { ?s skos:inScheme ?k } } }")
    store = OxigraphStore(path)
    (row,) = store.query(query)
    skills, broader, schemes = (int(row[k].value) for k in ("skills", "broader", "schemes"))
    assert skills == 600 and broader > 50 and schemes >= 2
    before = len(store)
    assert import_esco(store, esco_sample) == int(proc.stderr.split("graph/esco:")[1].split()[0])
    assert len(store) == before  # replaced, not added to
    assert not store.query("ASK { GRAPH <https://w3id.org/jobgraph/graph/esco-import> { ?s ?p ?o } }")


def test_import_esco_refuses_a_folder_that_is_not_esco(tmp_path) -> None:  # type: ignore[no-untyped-def]
    proc = run_cli("skills", "import-esco", "--store", str(tmp_path / "store"), str(tmp_path), check=False)
    assert proc.returncode != 0 and "skills_en.v1.2.0.reconstructed.csv not found" in proc.stderr
