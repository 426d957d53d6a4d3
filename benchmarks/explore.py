"""Facet-page latency of the explore front page on a big store (the issue's target: 300 ms at 100,000).

    python benchmarks/explore.py --store /work/bench/store-100k                # the 100k store (opens in one process)
    python benchmarks/explore.py --store DIR --page '/?country=GB' --live --queries  # one page, also on the store
    python benchmarks/explore.py --store /tmp/synthetic --build 100000       # make a synthetic store first

First the facet index is loaded from the store as the app does at start (``facet_index``): its load time,
each load query's time and rows, and the memory it holds. Then each page is requested through the real
Flask app (``create_app``), rendering included: ``index`` (the facet index answers the counts; the page's
result lines and labels are still queried on the store, nothing kept) and ``kept`` (the app's result cache
also holds those, as for a page seen since the store last changed). With ``--live``, first ``store``: no
index and no cache, every query of the page on the store (seconds a page at 100,000 postings), after a
warm-up pass that fills the operating system's file cache. Medians of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

from tqdm import tqdm
from werkzeug.datastructures import MultiDict

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from jobgraph.store import OxigraphStore  # noqa: E402
from jobgraph.web import create_app  # noqa: E402
from jobgraph.web.explore import Runner, explore_view  # noqa: E402
from jobgraph.web.facet_index import FacetIndex  # noqa: E402
from jobgraph.web.facets import Filters, count_query  # noqa: E402

PAGES = ("/", "/?country=GB", "/?skill=python", "/?country=GB&skill=python", "/?employer=ror:04wxnsj81",
         "/?remote=remote&employment=FULL_TIME", "/?year=2024&orgtype=education", "/?status=open&level=necessary",
         "/?skill=python&skill=sql&level=necessary&page=3", "/?q=cloud", "/?q=data+steward", "/?q=python&country=GB")


def rss_mb() -> float:
    """This process's resident memory (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def held_mb(index: FacetIndex) -> float:
    """What the index holds: its arrays and text buffer, the posting IRIs and the value lists."""
    strings = index.iris + [v for rel in [*index.relations.values(), *index.levels.values()] for v in rel.values]
    return (index.nbytes() + sum(sys.getsizeof(s) for s in strings) + 8 * len(strings)) / 2**20


def timed(client, path: str) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    resp = client.get(path)
    elapsed = (time.perf_counter() - start) * 1000
    if resp.status_code != 200:
        raise SystemExit(f"error: {path} answered {resp.status_code}: {resp.get_data(as_text=True)[:300]}")
    return elapsed


def build(path: Path, count: int) -> None:
    """A synthetic store in the agreed shapes (rdf.posting_quads) over the demo's ROR records and skills.

    For when the scale branch's 100k store (benchmarks/generate.py) is not at hand; the postings are
    made up (random titles, employers, places, dates, salaries and Zipf-distributed skills).
    """
    import random

    from jobgraph.ingest import ingest
    from jobgraph.model import Evidence, OrganizationLink, Posting, Salary, SkillMention
    from jobgraph.rdf import posting_quads
    from jobgraph.vocab import source_iri, sparql_prefixes

    data = Path(__file__).resolve().parents[1] / "data"
    store = OxigraphStore(path)
    ingest([data / "ror", data / "skills.ttl", data / "organizations.yaml"], store)
    orgs = [(r[0].value, r[1].value) for r in store.query(
        sparql_prefixes() + "SELECT ?o ?n WHERE { ?o a schema:Organization ; schema:name ?n }")]
    skills = [(r[0].value, r[1].value) for r in store.query(
        sparql_prefixes() + "SELECT ?c ?l WHERE { ?c a skos:Concept ; skos:prefLabel ?l }")]
    rnd = random.Random(1)
    words = ["data", "research", "software", "engineer", "open", "science", "platform", "cloud", "library",
             "infrastructure", "support"]
    currency = {"GB": "GBP", "US": "USD", "DE": "EUR", "NL": "EUR", "FR": "EUR", "CH": "CHF", "CA": "CAD",
                "AU": "AUD", "DK": "DKK", "ES": "EUR", "IT": "EUR", "SE": "SEK"}
    weights = [1 / (i + 1) for i in range(len(skills))]
    batch = []
    for i in tqdm(range(count), desc="synthetic postings", unit="posting", file=sys.stderr):
        country = rnd.choice([*currency, None])
        org_iri, org_name = rnd.choice(orgs)
        year, month = rnd.randint(2016, 2026), rnd.randint(1, 12)
        kinds = rnd.sample(["full-time", "part-time", "fixed-term", "contract"], k=rnd.randint(1, 2))
        p = Posting(file=f"s{i}.md", posting_index=0, source_key=f"https://example.org/synthetic/{i}",
                    title=" ".join(rnd.choices(words, k=4)).title(), employer_name=org_name,
                    employer_link=OrganizationLink(org_name, org_name, iri=org_iri, method="exact", score=1.0,
                                                   chosen=True),
                    country=country, location="Somewhere" if country else None, remote=rnd.random() < .4,
                    work_arrangement=rnd.choice(["remote", "hybrid", "on-site", None]), employment_types=kinds,
                    employment_type=", ".join(kinds), description=" ".join(rnd.choices(words, k=300)),
                    date_posted=f"{year}-{month:02d}-{rnd.randint(1, 28):02d}" if rnd.random() < .7 else None,
                    closing_date=f"{year}-{month:02d}-{rnd.randint(1, 28):02d}")
        if country and rnd.random() < .6:
            low = rnd.randint(30, 90) * 1000
            p.salary = Salary("", currency[country], low, low + rnd.randint(0, 20) * 1000, "YEAR")
        for iri, label in {s for s in rnd.choices(skills, weights=weights, k=8)}:
            p.skills.append(SkillMention(label, iri, rnd.choice(["necessary", "desirable", "mentioned"]),
                                         Evidence(text="", rule="synthetic")))
        batch.extend(posting_quads(p, source_iri(p.source_key)))
        if len(batch) > 200_000:
            store.store.bulk_extend(batch)
            batch = []
    store.store.bulk_extend(batch)
    store.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True, type=Path, help="a store folder (it opens in one process only)")
    parser.add_argument("--page", action="append", help="a page to time (repeatable; default: a set of facet pages)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per page and pass (default 3)")
    parser.add_argument("--live", action="store_true", help="also time each page with every query on the store")
    parser.add_argument("--queries", action="store_true", help="with --live, print each query's time on the store")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--build", type=int, metavar="N", help="first make a synthetic store of N postings at --store")
    args = parser.parse_args()
    if args.build:
        if args.store.exists():
            raise SystemExit(f"error: {args.store} exists: --build makes a new store; pass a new folder")
        build(args.store, args.build)
    if not args.store.is_dir():
        raise SystemExit(f"error: {args.store} is not a store folder: pass --store with a copy of the 100k store")
    store = OxigraphStore(args.store)
    postings = int(next(iter(store.query(count_query(Filters()))))[0].value)
    pages = args.page or list(PAGES)
    figures: dict[str, dict[str, float]] = {path: {} for path in pages}
    load_at_start = os.getloadavg()[0]
    if args.live:
        live = create_app(store, {"JOBGRAPH_EXPLORE_CACHE": 0, "JOBGRAPH_EXPLORE_INDEX": 0}).test_client()
        for path in tqdm(pages, desc="warm-up", unit="page", file=sys.stderr):
            timed(live, path)
        for path in tqdm(pages, desc="store", unit="page", file=sys.stderr):
            figures[path]["store_ms"] = statistics.median(timed(live, path) for _ in range(args.repeat))

    gc.collect()
    before = rss_mb()
    app = create_app(store, {"JOBGRAPH_EXPLORE_CACHE": 0})  # starts loading the index in the background
    index = app.extensions["jobgraph.explore.index"].wait()
    if index is None:
        raise SystemExit("error: the facet index did not load (see the log above)")
    gc.collect()
    loaded = {"seconds": round(index.seconds, 2), "rss_growth_mb": round(rss_mb() - before),
              "held_mb": round(held_mb(index)), "postings": index.size,
              "queries": [{"title": r.title, "rows": r.rows, "ms": round(r.ms)} for r in index.loads]}
    client = app.test_client()
    for path in tqdm(pages, desc="index", unit="page", file=sys.stderr):
        figures[path]["index_ms"] = statistics.median(timed(client, path) for _ in range(args.repeat))
    app.config["JOBGRAPH_EXPLORE_CACHE"] = 1024
    for path in tqdm(pages, desc="kept", unit="page", file=sys.stderr):
        timed(client, path)  # fills the result cache
        figures[path]["kept_ms"] = statistics.median(timed(client, path) for _ in range(args.repeat))
    if args.json:
        print(json.dumps({"store": str(args.store), "postings": postings, "index": loaded, "pages": figures,
                          "load_average": [load_at_start, os.getloadavg()[0]]}, indent=2))
        return
    print(f"{postings:,} postings in {args.store}; load average {load_at_start:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end (1-minute)")
    print(f"facet index: {index.size:,} postings loaded in {index.seconds:.1f} s; holds {loaded['held_mb']} MB "
          f"(the process grew by {loaded['rss_growth_mb']} MB, the store's caches included)")
    for r in index.loads:
        print(f"  {r.ms:9.0f} ms {r.rows:>10,} rows  {r.title}")
    print(f"\nmedian of {args.repeat} runs per page")
    print(f"{'page':50} {'store ms':>9} {'index ms':>9} {'kept ms':>9}")
    for path, f in figures.items():
        print(f"{path:50} {f.get('store_ms', float('nan')):9.0f} {f['index_ms']:9.1f} {f['kept_ms']:9.1f}")
    if args.queries and args.live:
        with create_app(store, {"JOBGRAPH_EXPLORE_CACHE": 0, "JOBGRAPH_EXPLORE_INDEX": 0}).test_request_context():
            for path in pages:
                run = Runner(store)
                explore_view(Filters.from_args(MultiDict(parse_qsl(urlparse(path).query))), run)
                print(f"\n{path}")
                for ran in sorted(run.ran.values(), key=lambda r: -r.ms):
                    print(f"  {ran.ms:8.1f} ms  {ran.title}")


if __name__ == "__main__":
    main()
