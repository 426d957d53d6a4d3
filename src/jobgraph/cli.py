"""The ``jobgraph`` command: one subcommand per stage of the pipeline, plus serve and query."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .store import OxigraphStore, StoreError, default_store_path

store_option = click.option(
    "--store", "store_path", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Store folder (default: $JOBGRAPH_STORE or ~/.local/share/jobgraph/store).")


def open_store(path: Path | None) -> OxigraphStore:
    try:
        return OxigraphStore(path or default_store_path())
    except StoreError as err:
        raise click.ClickException(str(err)) from None


def meta_options(f):  # type: ignore[no-untyped-def]
    """Source metadata the text may lack; overrides sidecars (see jobgraph.read)."""
    f = click.option("--url", help="Where the document was found (names its graph).")(f)
    f = click.option("--publisher", help="Who publishes the site the document came from.")(f)
    f = click.option("--employer", help="The employer, when the text never names it.")(f)
    return f


@click.group()
@click.version_option(package_name="jobgraph")
def main() -> None:
    """jobgraph: job postings of research and open-science employers as a knowledge graph."""


@main.command("extract")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per posting.")
@store_option
@meta_options
def extract_cmd(paths: tuple[Path, ...], as_json: bool, store_path: Path | None, **meta: str | None) -> None:
    """Extract and link postings from files, without storing them.

    Employers and skills are linked against the organisations and vocabulary in the store (ingest
    data/ first) or, when the store has none, against the demo data shipped in data/.
    """
    from .ingest import linker_for_extract, process
    from .read import ReadError, iter_files, read_document

    linker = linker_for_extract(store_path)
    out, failed = [], 0
    for path in iter_files(paths):
        try:
            out += [p.to_json() for p in process(read_document(path, meta), linker)]
        except ReadError as err:
            failed += 1
            click.echo(f"error: {err}", err=True)
    if as_json:
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        for p in out:
            click.echo(f"{p['file']}#{p['posting_index']}: {p['title']} — {p['employer_name']} "
                       f"({p['employer_ror'] or 'no ROR id'})")
    sys.exit(1 if failed else 0)


@main.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@store_option
@click.option("--force", is_flag=True, help="Re-extract files even when they are unchanged.")
@meta_options
def ingest_cmd(paths: tuple[Path, ...], store_path: Path | None, force: bool, **meta: str | None) -> None:
    """Extract, link and store postings; each source file becomes (or replaces) its own named graph."""
    from tqdm import tqdm

    from .ingest import ingest

    store = open_store(store_path)
    click.echo(f"store: {store.path}", err=True)
    summary = ingest(paths, store, overrides=meta, force=force,
                     on_error=lambda msg: click.echo(msg, err=True),
                     progress=lambda files: tqdm(files, desc="ingest", unit="file", file=sys.stderr,
                                                 disable=None))
    click.echo(summary.line())
    sys.exit(1 if summary.failures else 0)


@main.command("query")
@click.argument("query")
@store_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "tsv", "xml", "turtle", "ntriples"]),
              default="table", show_default=True)
def query_cmd(query: str, store_path: Path | None, fmt: str) -> None:
    """Run a SPARQL query (text, or a path to a .rq file) against the store."""
    from .query import QueryError, render

    text = Path(query).read_text(encoding="utf-8") if query.endswith(".rq") or Path(query).is_file() else query
    try:
        click.echo(render(open_store(store_path), text, fmt), nl=False)
    except QueryError as err:
        raise click.ClickException(str(err)) from None


@main.command("serve")
@store_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve_cmd(store_path: Path | None, host: str, port: int) -> None:
    """Serve the SPARQL endpoint, the landing page and the query page."""
    from .web import create_app

    store = open_store(store_path)
    click.echo(f"store: {store.path} ({len(store)} triples); serving on http://{host}:{port}/", err=True)
    create_app(store).run(host=host, port=port, threaded=True)


@main.group("ror")
def ror_group() -> None:
    """ROR organisations: import a data dump, match employer strings."""


@main.group("skills")
def skills_group() -> None:
    """The skill vocabulary: import ESCO, inspect concepts."""


@skills_group.command("import-esco")
@click.argument("folder", metavar="DIR", type=click.Path(exists=True, file_okay=False, path_type=Path))
@store_option
def import_esco_cmd(folder: Path, store_path: Path | None) -> None:
    """Load the full ESCO skills pillar from DIR (the ESCO v1.2.0 CSV export, e.g. ../shared/skills/esco)
    into graph/esco, replacing it: 13,939 skills, skill groups, broader relations and collections.

    Queries can then roll skill concepts up ESCO's hierarchy (jgs:python skos:exactMatch ?e . ?e skos:broader+ ?g).
    """
    from tqdm import tqdm

    from .link.esco import EscoError, count_rows, esco_files, import_esco

    try:
        files = esco_files(folder)
    except EscoError as err:
        raise click.ClickException(str(err)) from None
    store = open_store(store_path)
    click.echo(f"store: {store.path}", err=True)
    with tqdm(total=count_rows(files), desc="import-esco", unit="row", file=sys.stderr, disable=None) as bar:
        count = import_esco(store, folder, progress=bar.update)
    store.flush()
    click.echo(f"graph/esco: {count} triples from {folder}", err=True)


@skills_group.command("unmatched")
@store_option
@click.option("--target", type=click.Choice(["esco", "wikidata", "any"]), default="any", show_default=True)
def unmatched_cmd(store_path: Path | None, target: str) -> None:
    """For curators: the skill concepts with no ESCO / Wikidata match yet (one prefLabel and IRI a line)."""
    from .ingest import linker_for_extract

    vocabulary = linker_for_extract(store_path).vocabulary
    prefixes = {"esco": ("http://data.europa.eu/esco/",), "wikidata": ("http://www.wikidata.org/entity/",),
                "any": ("http://data.europa.eu/esco/", "http://www.wikidata.org/entity/")}[target]
    for concept in sorted(vocabulary.concepts.values(), key=lambda c: c.label.casefold()):
        if not any(m.startswith(prefixes) for m in concept.matches):
            click.echo(f"{concept.label}\t{concept.iri}")


@main.group("datacite")
def datacite_group() -> None:
    """DataCite: metadata out for postings, DOIs in from the DataCite REST API."""


@main.command("evaluate")
@click.option("--gold", "gold_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Gold annotations: JSON lines with the keys of `extract --json` (../shared/*/gold.jsonl).")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures (and every error) as JSON.")
@store_option
def evaluate_cmd(gold_path: Path, paths: tuple[Path, ...], as_json: bool, store_path: Path | None) -> None:
    """Extract postings and compare them with gold: per-field accuracy and skill precision/recall/F1.

    How each field is compared is documented in jobgraph.evaluate (and the README). Files that fail to
    read are reported and count as missing postings.
    """
    from .evaluate import GoldError, evaluate, read_gold
    from .ingest import linker_for_extract, process
    from .read import ReadError, iter_files, read_document

    try:
        gold = read_gold(gold_path)
    except GoldError as err:
        raise click.ClickException(str(err)) from None
    from tqdm import tqdm

    linker = linker_for_extract(store_path)
    predictions, failed = [], 0
    for path in tqdm(list(iter_files(paths)), desc="evaluate", unit="file", file=sys.stderr, disable=None):
        try:
            predictions += [p.to_json() for p in process(read_document(path), linker)]
        except ReadError as err:
            failed += 1
            click.echo(f"error: {err}", err=True)
    report = evaluate(gold, predictions, linker.registry, linker.vocabulary)
    click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False) if as_json else report.table())
    sys.exit(1 if failed else 0)
