"""Write N synthetic but realistic postings in the formats jobgraph reads, for ingest benchmarks.

    python benchmarks/generate.py 100000 /tmp/gen-100k [--seed 1] [--ror ../shared/ror/ror-records-v2.json]

Employers are real organisations drawn from the ROR records in ../shared/ror (names, cities, countries, web
domains; ROR data is CC0; ``$JOBGRAPH_SHARED`` locates ../shared as in the tests), skills are the labels of
data/skills.ttl, and the texts are written from templates here (no real posting text is copied). The
formats are mixed as they are on the web: MyST pages, Jekyll pages whose front matter lists several
postings, flat ``Title:``/``Company:`` text, HTML with schema.org JSON-LD, YAML listings (a job board's
entries) and single-posting YAML front matter. The ROR records of the employers used are written verbatim
to ``OUT/ror-employers.json``, so ``jobgraph ingest OUT`` links them.

Deterministic for a given seed, and streamed to disk (1,000 files per folder), so a million postings take
minutes and little memory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, parse

ROOT = Path(__file__).resolve().parents[1]
SHARED_ROR = Path(os.environ.get("JOBGRAPH_SHARED", ROOT.parent / "shared")) / "ror" / "ror-records-v2.json"
SKOS_PREF = NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
SKOS_BROADER = NamedNode("http://www.w3.org/2004/02/skos/core#broader")

ROLES = ["Research Software Engineer", "Data Steward", "Research Data Manager", "Open Science Officer",
         "Bioinformatician", "Data Scientist", "Research Platform Engineer", "Digital Curator",
         "HPC Systems Administrator", "Community Manager", "Metadata Specialist", "Data Engineer",
         "Scientific Programmer", "Repository Developer", "Frontend Developer", "Backend Developer",
         "DevOps Engineer", "Research Computing Facilitator", "Machine Learning Engineer", "Data Librarian",
         "Software Developer", "Technical Lead", "Product Manager", "Research Associate in Computational Biology",
         "Postdoctoral Researcher in Climate Data Science", "Digital Humanities Developer", "GIS Analyst"]
LEVELS = ["", "", "", "Senior ", "Junior ", "Lead ", "Principal "]
TEAMS = ["Research Computing", "Digital Research Infrastructure", "Open Science", "Library Services",
         "Data Services", "Scientific Computing", "Research IT", "eScience", "Research Software Engineering"]
VERBS = ["Develop and maintain", "Design and build", "Operate", "Improve", "Document", "Support researchers with",
         "Automate workflows using", "Review code written in", "Teach workshops on", "Contribute upstream to"]
THINGS = ["research software", "data pipelines", "the institutional repository", "our metadata services",
          "cloud infrastructure", "the data portal", "analysis notebooks", "training materials", "web services"]
SOFT = ["Excellent communication skills in English", "Experience working in a distributed team",
        "A commitment to open science and reproducibility", "Ability to explain technical topics clearly"]
CURRENCY = {"GB": ("GBP", "£"), "US": ("USD", "$"), "DE": ("EUR", "€"), "FR": ("EUR", "€"), "NL": ("EUR", "€"),
            "CH": ("CHF", "CHF "), "CA": ("CAD", "CA$"), "AU": ("AUD", "A$"), "IT": ("EUR", "€"), "ES": ("EUR", "€")}
KINDS = ["full-time", "full-time", "full-time, permanent", "part-time (0.6 FTE)", "full-time, fixed-term for 24 months",
         "full-time, fixed-term for 12 months", "contract"]
ARRANGEMENTS = ["on site in {city}", "hybrid ({city} and remote)", "remote within {country}", "remote"]


def q(value: str) -> str:
    """A YAML scalar that stays a string whatever it holds (JSON strings are YAML)."""
    return json.dumps(value, ensure_ascii=False)


def load_employers(ror_path: Path, pool: int, rng: random.Random) -> list[dict]:
    """A deterministic sample of active ROR organisations with an English display name and a city."""
    records = json.loads(ror_path.read_text(encoding="utf-8"))
    usable = []
    for rec in records:
        names = rec.get("names", [])
        display = next((n["value"] for n in names if "ror_display" in n.get("types", [])), None)
        loc = (rec.get("locations") or [{}])[0].get("geonames_details", {})
        if rec.get("status") == "active" and display and display.isascii() and loc.get("name"):
            usable.append(rec)
    return rng.sample(usable, min(pool, len(usable)))


def load_skills(path: Path) -> list[str]:
    """Preferred labels of the concepts that have a broader concept (the leaves people ask for)."""
    quads = list(parse(path=str(path), format=RdfFormat.TURTLE))
    leaves = {q.subject for q in quads if q.predicate == SKOS_BROADER}
    return sorted({q.object.value for q in quads if q.predicate == SKOS_PREF and q.subject in leaves})


class Generator:
    def __init__(self, employers: list[dict], skills: list[str], seed: int) -> None:
        self.rng = random.Random(seed)
        self.employers = [self._employer(rec) for rec in employers]
        self.skills = skills
        self.start = date(2026, 1, 1)

    @staticmethod
    def _employer(rec: dict) -> dict:
        names = rec["names"]
        loc = rec["locations"][0]["geonames_details"]
        domain = (rec.get("domains") or [None])[0]
        if not domain:
            link = next((lk["value"] for lk in rec.get("links", []) if lk.get("type") == "website"), "")
            domain = link.split("//", 1)[-1].split("/", 1)[0].removeprefix("www.") or "example.org"
        return {"name": next(n["value"] for n in names if "ror_display" in n.get("types", [])),
                "city": loc["name"], "country": loc.get("country_name", ""), "cc": loc.get("country_code", ""),
                "domain": domain, "ror": rec["id"]}

    def posting(self, n: int) -> dict:
        r = self.rng
        org = r.choice(self.employers)
        title = r.choice(LEVELS) + r.choice(ROLES)
        picked = r.sample(self.skills, k=min(len(self.skills), r.randint(5, 10)))
        posted = self.start + timedelta(days=r.randint(0, 365))
        currency, sign = CURRENCY.get(org["cc"], ("EUR", "€"))
        low = r.randrange(35, 90) * 1000
        return {"n": n, "org": org, "title": title, "team": r.choice(TEAMS), "necessary": picked[:-2],
                "desirable": picked[-2:], "posted": posted, "closing": posted + timedelta(days=r.randint(14, 60)),
                "kind": r.choice(KINDS), "where": r.choice(ARRANGEMENTS).format(**org),
                "salary": f"{sign}{low:,} - {sign}{low + r.randrange(5, 25) * 1000:,} per year", "currency": currency,
                "low": low, "email": f"jobs@{org['domain']}",
                "duties": [f"{r.choice(VERBS)} {r.choice(THINGS)} with {s}" for s in picked[:4]],
                "soft": r.sample(SOFT, 2)}

    # --- the text of one posting, shared by every format --------------------------------------------------

    @staticmethod
    def intro(p: dict) -> str:
        o = p["org"]
        return (f"{o['name']} is looking for a {p['title']} to join the {p['team']} team in {o['city']}, "
                f"{o['country']}. You will work with researchers across {o['name']} to make their software and "
                "data findable, reusable and well maintained, and you will share what you build as open source.")

    @staticmethod
    def terms(p: dict) -> list[str]:
        return [f"The position is {p['kind']}, {p['where']}.", f"Salary: {p['salary']}, depending on experience.",
                f"Closing date: {p['closing']:%d %B %Y}.", f"Questions to {p['email']}."]

    def markdown_body(self, p: dict, heading: str = "##") -> str:
        lines = [self.intro(p), "", f"{heading} Responsibilities", *(f"- {d}" for d in p["duties"]), "",
                 f"{heading} Requirements", *(f"- Experience with {s}" for s in p["necessary"]),
                 *(f"- {s}" for s in p["soft"]), "", f"{heading} Nice to have",
                 *(f"- Knowledge of {s}" for s in p["desirable"]), "", *self.terms(p)]
        return "\n".join(lines) + "\n"

    # --- formats ---------------------------------------------------------------------------------------------

    def myst(self, p: dict) -> str:
        return (f"```{{role}} {p['title']}\n```\n\n# {p['title']}\n\n(about-the-role)=\n"
                + self.markdown_body(p).replace("## Responsibilities", "## Key responsibilities {#duties}")
                + "\nSee {ref}`how to apply <apply>` and the {doc}`benefits page <benefits>`.\n")

    def front_matter_page(self, ps: list[dict]) -> str:
        o = ps[0]["org"]
        anchors = [f"role-{p['n']}" for p in ps]
        out = [f"---\ntitle: {q(o['name'] + ' - Open positions')}\nlayout: page\n"
               f"date: {ps[0]['posted']:%Y-%m-%d}\n---\n",
               "## Current Openings\n", *(f"- [{p['title']}](#{a})" for p, a in zip(ps, anchors, strict=True)), ""]
        for p, a in zip(ps, anchors, strict=True):
            p["org"] = o  # one employer's page
            out += [f'# <a name="{a}"></a>{p["title"]}\n', self.intro(p), "", "Responsibilities", "---",
                    *(f"- {d}" for d in p["duties"]), "", "Requirements", "---",
                    *(f"- Experience with {s}" for s in p["necessary"]), "", "Nice to have",
                    *(f"- {s}" for s in p["desirable"]), "", *self.terms(p), ""]
        return "\n".join(out)

    def flat(self, p: dict) -> str:
        o = p["org"]
        tags = " ".join(s.split()[0] for s in p["necessary"][:4])
        body = " ".join([self.intro(p), "You will:", *(f"{d};" for d in p["duties"]), "You have:",
                         *(f"experience with {s};" for s in p["necessary"]), *self.terms(p)])
        return f"Title: {p['title']}.\nCompany: {o['name']}.\nTags: {tags}.\n{body}\n"

    def html(self, p: dict) -> str:
        o = p["org"]
        desc = (f"<p>{self.intro(p)}</p><h3>Responsibilities</h3><ul>" + "".join(f"<li>{d}</li>" for d in p["duties"])
                + "</ul><h3>Requirements</h3><ul>" + "".join(f"<li>Experience with {s}</li>" for s in p["necessary"])
                + "</ul><h3>Nice to have</h3><ul>" + "".join(f"<li>{s}</li>" for s in p["desirable"]) + "</ul>")
        ld = {"@context": "https://schema.org/", "@type": "JobPosting", "title": p["title"],
              "datePosted": f"{p['posted']:%Y-%m-%d}", "validThrough": f"{p['closing']:%Y-%m-%d}T23:59",
              "employmentType": "PART_TIME" if "part-time" in p["kind"] else "FULL_TIME",
              "hiringOrganization": {"@type": "Organization", "name": o["name"], "sameAs": f"https://{o['domain']}"},
              "jobLocation": {"@type": "Place", "address": {"@type": "PostalAddress", "addressLocality": o["city"],
                                                            "addressCountry": o["cc"]}},
              "baseSalary": {"@type": "MonetaryAmount", "currency": p["currency"],
                             "value": {"@type": "QuantitativeValue", "minValue": p["low"], "unitText": "YEAR"}},
              "description": desc}
        return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n  <title>{p["title"]} | Careers</title>\n'
                f'  <script type="application/ld+json">\n{json.dumps(ld, indent=2)}\n  </script>\n</head>\n'
                f'<body>\n<main>\n<h1>{p["title"]}</h1>\n{desc}\n<p>{" ".join(self.terms(p))}</p>\n</main>\n'
                "</body>\n</html>\n")

    def listing(self, p: dict) -> str:
        o = p["org"]
        desc = self.markdown_body(p).replace("\n", "\n  ")
        return (f"entity: {q(o['name'])}\ntitle: {q(p['title'])}\nurl: https://{o['domain']}/jobs/{p['n']}\n"
                f"deadline: {p['closing']:%Y-%m-%d}\nlocation: {q(o['city'] + ', ' + o['country'])}\n"
                f"description: |\n  {desc.rstrip()}\n")

    def front_matter_single(self, p: dict) -> str:
        o = p["org"]
        return (f"---\ntitle: {q(p['title'])}\ndate: {p['posted']:%Y-%m-%d}\n"
                f"location: {q(o['city'] + ', ' + o['country'])}\nemployer: {q(o['name'])}\n---\n\n"
                + self.markdown_body(p))

    def files(self, n: int) -> Iterator[tuple[str, str, int]]:
        """(suffix, text, postings in it) until n postings are written; the format mix is fixed per seed."""
        done = 0
        while done < n:
            kind = self.rng.choices(["myst", "page", "flat", "html", "listing", "single"], [3, 1, 2, 2, 2, 2])[0]
            if kind == "page":
                k = min(n - done, self.rng.randint(2, 4))
                ps = [self.posting(done + i) for i in range(k)]
                yield ".md", self.front_matter_page(ps), k
            else:
                p = self.posting(done)
                suffix, text = {"myst": (".md", self.myst), "flat": (".txt", self.flat), "html": (".html", self.html),
                                "listing": (".yaml", self.listing), "single": (".md", self.front_matter_single)}[kind]
                yield suffix, text(p), 1
                k = 1
            done += k


def generate(n: int, out: Path, seed: int = 1, ror: Path = SHARED_ROR, pool: int = 2000,
             skills: Path = ROOT / "data" / "skills.ttl") -> tuple[int, int]:
    """Write the postings under ``out``; returns (files, postings)."""
    from tqdm import tqdm

    rng = random.Random(seed)
    employers = load_employers(ror, pool, rng)
    out.mkdir(parents=True, exist_ok=True)
    (out / "ror-employers.json").write_text(json.dumps(employers, ensure_ascii=False), encoding="utf-8")
    gen = Generator(employers, load_skills(skills), seed)
    files = postings = 0
    with tqdm(total=n, unit="posting", desc="generate", file=sys.stderr, disable=None) as bar:
        for suffix, text, k in gen.files(n):
            folder = out / f"{files // 1000:04d}"
            if files % 1000 == 0:
                folder.mkdir(exist_ok=True)
            (folder / f"posting-{files:07d}{suffix}").write_text(text, encoding="utf-8")
            files += 1
            postings += k
            bar.update(k)
    return files, postings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="how many postings")
    parser.add_argument("out", type=Path, help="folder to write (created)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ror", type=Path, default=SHARED_ROR, help="a ROR v2 dump to draw employers from")
    parser.add_argument("--employers", type=int, default=2000, help="how many distinct employers")
    args = parser.parse_args()
    if not args.ror.exists():
        sys.exit(f"error: {args.ror} is absent; pass --ror with a ROR v2 dump (the JSON array of records)")
    started = time.perf_counter()
    files, postings = generate(args.n, args.out, args.seed, args.ror, args.employers)
    print(f"{postings} postings in {files} files under {args.out}, in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
