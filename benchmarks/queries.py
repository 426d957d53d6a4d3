"""Time every stored query (queries/*.rq) on a synthetic store of N postings in the agreed RDF shapes.

    python benchmarks/queries.py [--postings 20000] [--repeat 3] [--store DIR] [--only NAME,...]

The postings are random but seeded: skills drawn from data/skills.ttl (a few popular ones much more often,
as in real postings) with levels, employers from a pool of organisations with ROR-like types, countries
and parent/child links, salaries in four currencies and periods, dates over two years, remote flags and
regions, evidence nodes. Each query runs with its default parameters; the median wall time is printed.
"top-skills, grouped by label" is the same question written the slow way, for comparison.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, parse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from jobgraph.vocab import JG, PROV, RDF, SCHEMA, SKOS, XSD, graph_iri, node_iri  # noqa: E402
from jobgraph.web.queries import catalogue  # noqa: E402

NAIVE_TOP_SKILLS = """PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?skill ?label (COUNT(DISTINCT ?posting) AS ?postings) WHERE {
  ?posting schema:skills ?skill . OPTIONAL { ?skill skos:prefLabel ?label FILTER(LANGMATCHES(LANG(?label), "en")) }
} GROUP BY ?skill ?label ORDER BY DESC(?postings) ?label LIMIT 25"""

# Parameters naming things the synthetic store holds (the catalogue's defaults name demo data).
BENCH_PARAMS = {"posting-provenance": {"posting": "https://w3id.org/jobgraph/posting/bench-5"},
                "organization-postings": {"organization": "0bench001"},
                "organization": {"organization": "0bench001"}}
LEVELS = [JG.Necessary, JG.Desirable, JG.Mentioned]
SALARIES = [("GBP", "YEAR", 30_000, 60_000), ("EUR", "YEAR", 40_000, 80_000), ("USD", "HOUR", 30, 90),
            ("USD", "MONTH", 3_000, 9_000)]
COUNTRIES = ["GB", "DE", "US", "CH", "NL", "FR"]
TYPES = ["education", "nonprofit", "facility", "company", "government"]
REGIONS = ["Europe", "Americas", "UTC-5 to UTC+2", "United States", "EU/EEA"]


def organisations(rng: random.Random, count: int) -> tuple[list[NamedNode], list[Quad]]:
    g = graph_iri("ror")
    orgs = [NamedNode(f"https://ror.org/0bench{i:03d}") for i in range(count)]
    quads = []
    for i, org in enumerate(orgs):
        quads += [Quad(org, RDF.type, SCHEMA.Organization, g), Quad(org, SCHEMA.name, Literal(f"Org {i}"), g),
                  Quad(org, SCHEMA.identifier, Literal(org.value), g),
                  Quad(org, SCHEMA.addressCountry, Literal(rng.choice(COUNTRIES)), g),
                  Quad(org, JG.organizationType, Literal(rng.choice(TYPES)), g)]
        if i % 10 and i >= 10:  # every organisation but the first ten is a child of one of them
            parent = orgs[i % 10]
            quads += [Quad(parent, SCHEMA.subOrganization, org, g), Quad(org, SCHEMA.parentOrganization, parent, g)]
    return orgs, quads


def posting_quads(rng: random.Random, n: int, skills: list[NamedNode], orgs: list[NamedNode]) -> list[Quad]:
    g = NamedNode(f"https://w3id.org/jobgraph/source/bench-{n // 100}")
    s = NamedNode(f"https://w3id.org/jobgraph/posting/bench-{n}")
    quads = [Quad(s, RDF.type, SCHEMA.JobPosting, g), Quad(s, PROV.wasDerivedFrom, g, g),
             Quad(s, SCHEMA.title, Literal(f"Research engineer {n}", language="en"), g),
             Quad(s, SCHEMA.hiringOrganization, orgs[int(rng.paretovariate(1.2)) % len(orgs)], g)]
    day = f"{rng.choice([2025, 2026])}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    quads.append(Quad(s, SCHEMA.datePosted, Literal(day, datatype=XSD.date), g))
    if rng.random() < 0.8:
        quads.append(Quad(s, SCHEMA.validThrough, Literal(day[:5] + "12-31", datatype=XSD.date), g))
    if rng.random() < 0.4:
        quads += [Quad(s, JG.remote, Literal(True), g), Quad(s, JG.workArrangement, Literal("remote"), g),
                  Quad(s, SCHEMA.applicantLocationRequirements, Literal(rng.choice(REGIONS)), g)]
    if rng.random() < 0.6:
        currency, unit, low, high = rng.choice(SALARIES)
        amount, value = node_iri(s, "salary"), node_iri(s, "salary-value")
        quads += [Quad(s, JG.salaryText, Literal(f"{currency} {low}-{high} per {unit.lower()}"), g),
                  Quad(s, SCHEMA.baseSalary, amount, g), Quad(amount, SCHEMA.currency, Literal(currency), g),
                  Quad(amount, SCHEMA.value, value, g),
                  Quad(value, SCHEMA.minValue, Literal(f"{low}.00", datatype=XSD.decimal), g),
                  Quad(value, SCHEMA.maxValue, Literal(f"{high}.00", datatype=XSD.decimal), g),
                  Quad(value, SCHEMA.unitText, Literal(unit), g)]
    chosen = {skills[min(int(rng.expovariate(0.08)), len(skills) - 1)] for _ in range(rng.randint(4, 14))}
    for i, concept in enumerate(sorted(chosen, key=lambda c: c.value)):
        req, ev = node_iri(s, f"skill-{i}"), node_iri(s, f"skill-{i}-evidence")
        quads += [Quad(s, SCHEMA.skills, concept, g), Quad(s, JG.requirement, req, g),
                  Quad(req, JG.skill, concept, g), Quad(req, JG.level, rng.choice(LEVELS), g),
                  Quad(req, JG.evidence, ev, g), Quad(ev, JG.field, Literal("skill"), g),
                  Quad(ev, JG.evidenceText, Literal(f"Experience with skill {i}"), g),
                  Quad(ev, JG.rule, Literal("skill-label"), g)]
    return quads


def build(path: Path, postings: int, seed: int = 7) -> Store:
    rng = random.Random(seed)
    store = Store(str(path))
    with open(ROOT / "data" / "skills.ttl", "rb") as fh:
        vocabulary = list(parse(fh, RdfFormat.TURTLE))
    store.bulk_extend(Quad(q.subject, q.predicate, q.object, graph_iri("skills")) for q in vocabulary)
    skills = sorted({q.subject for q in vocabulary if q.object == NamedNode("https://w3id.org/jobgraph/skill/")
                     and q.predicate.value.endswith("inScheme")}, key=lambda c: c.value)
    rng.shuffle(skills)
    esco, top = graph_iri("esco"), NamedNode("http://data.europa.eu/esco/skill/bench-top")
    for i, skill in enumerate(skills[:30]):  # ESCO matches and a three-level ESCO hierarchy for 30 skills
        concept = NamedNode(f"http://data.europa.eu/esco/skill/bench-{i}")
        group = NamedNode(f"http://data.europa.eu/esco/skill/bench-group-{i % 4}")
        store.bulk_extend([Quad(skill, SKOS.exactMatch, concept, graph_iri("skills")),
                           Quad(concept, SKOS.broader, group, esco), Quad(group, SKOS.broader, top, esco)])
    orgs, org_quads = organisations(rng, 200)
    store.bulk_extend(org_quads)
    batch: list[Quad] = []
    for n in range(postings):
        batch += posting_quads(rng, n, skills, orgs)
        if len(batch) > 200_000:
            store.bulk_extend(batch)
            batch = []
    store.bulk_extend(batch)
    store.flush()
    return store


def timed(store: Store, text: str, substitutions: dict, repeat: int) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = sum(1 for _ in store.query(text, substitutions=substitutions, use_default_graph_as_union=True))
        times.append(time.perf_counter() - started)
    return statistics.median(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--store", type=Path,
                        help="build the store here, or reuse it if it exists (default: a temporary folder)")
    parser.add_argument("--only", help="comma-separated query names to time (default: all)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.store or Path(tmp) / "store"
        started = time.perf_counter()
        if args.store and (args.store / "CURRENT").exists():  # reuse a store this script built before
            store = Store(str(path))
            print(f"reusing {path}: {len(store)} quads", file=sys.stderr)
        else:
            store = build(path, args.postings)
            print(f"built {args.postings} postings, {len(store)} quads in {time.perf_counter() - started:.1f} s",
                  file=sys.stderr)
        print(f"{'query':36} {'median ms':>10} {'rows':>7}")
        cases = [(name, q.text, q.substitutions(BENCH_PARAMS.get(name, {})))
                 for name, q in catalogue(ROOT / "queries").items() if not q.service]
        cases.append(("top-skills, grouped by label", NAIVE_TOP_SKILLS, {}))
        if args.only:
            cases = [c for c in cases if c[0] in args.only.split(",")]
        for name, text, subs in cases:
            seconds, rows = timed(store, text, subs, args.repeat)
            print(f"{name:36} {seconds * 1000:10.0f} {rows:7d}", flush=True)


if __name__ == "__main__":
    main()
