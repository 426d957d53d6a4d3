"""The ``jobgraph`` command: one subcommand per stage of the pipeline, plus serve and query."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from .store import GraphStore, StoreError, open_graph_store


class StoreLocation(click.ParamType):
    """A store folder (a Path) or a SPARQL store's query endpoint URL (kept as a str: Path would mangle //)."""

    name = "DIR|URL"

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        if isinstance(value, Path) or str(value).startswith(("http://", "https://")):
            return value
        path = Path(value)
        if path.is_file():
            self.fail(f"{path} is a file; --store takes a folder (or the URL of a SPARQL store)", param, ctx)
        return path


store_option = click.option(
    "--store", "store_path", type=StoreLocation(), default=None,
    help="Store folder, or a SPARQL 1.1 store's query URL such as http://host:7878/query "
         "(default: $JOBGRAPH_STORE or ~/.local/share/jobgraph/store).")


def open_store(path: Path | str | None) -> GraphStore:
    """The embedded store in a folder, or a remote one for an http(s) URL (see jobgraph.store)."""
    try:
        return open_graph_store(path)
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
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="all cores",
              help="Processes that extract and link in parallel.")
@click.option("--batch", "batch_size", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Documents written per transaction (each is still stored whole or not at all).")
@meta_options
def ingest_cmd(paths: tuple[Path, ...], store_path: Path | None, force: bool, jobs: int, batch_size: int,
               **meta: str | None) -> None:
    """Extract, link and store postings; each source file becomes (or replaces) its own named graph.

    Folders of any size are streamed; files already stored unchanged are skipped, so an interrupted run
    (Ctrl-C, or a crash) is resumed by running the same command again.
    """
    from tqdm import tqdm

    from .ingest import ingest

    store = open_store(store_path)
    click.echo(f"store: {store.location}", err=True)
    try:
        summary = ingest(paths, store, overrides=meta, force=force, jobs=jobs, batch_size=batch_size,
                         on_error=lambda msg: tqdm.write(msg, file=sys.stderr),
                         bar=lambda total: tqdm(total=total, desc="ingest", unit="file", file=sys.stderr,
                                                disable=None, smoothing=0.05))
    except StoreError as err:
        raise click.ClickException(f"{err} Documents written so far are complete; run again to resume.") from None
    except KeyboardInterrupt:  # while reference data loads, before postings are read: nothing half-written either
        click.echo("interrupted: every document written is complete; run the same command again to resume",
                   err=True)
        sys.exit(130)
    click.echo(summary.line())
    if summary.interrupted:
        click.echo("interrupted: every document written is complete; run the same command again to resume",
                   err=True)
        sys.exit(130)
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
@click.option("--engine", "engine_name", type=click.Choice(["oxigraph", "embedded"]), default="oxigraph",
              show_default=True, help="oxigraph: an `oxigraph serve` child process answers /sparql (a runaway "
              "query is really stopped); embedded: pyoxigraph in this process (the timeout is checked only "
              "while results are written).")
@click.option("--engine-port", default=0, type=click.IntRange(0, 65535),
              help="Port of the oxigraph child on 127.0.0.1 (default: a free one), e.g. to ingest while serving.")
@click.option("--workers", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Threads of the production WSGI server (waitress).")
@click.option("--timeout", "timeout_s", default=30.0, show_default=True, type=click.FloatRange(0.1),
              help="Seconds a query may run.")
@click.option("--max-rows", default=10_000, show_default=True, type=click.IntRange(1),
              help="Most solutions a SELECT returns (the result is cut, still valid).")
@click.option("--max-request-bytes", default=1024 * 1024, show_default=True, type=click.IntRange(1024),
              help="Largest request body accepted (413 above).")
@click.option("--update-token", envvar="JOBGRAPH_UPDATE_TOKEN", default=None, metavar="TOKEN",
              help="Enable SPARQL Update and the Graph Store Protocol (/store) for requests with "
              "'Authorization: Bearer TOKEN' (or set $JOBGRAPH_UPDATE_TOKEN). Read-only without it.")
@click.option("--allow-service", multiple=True, metavar="URL",
              help="A SERVICE endpoint federated queries may call (repeatable); all others are refused.")
def serve_cmd(store_path: Path | None, host: str, port: int, engine_name: str, engine_port: int, workers: int,
              timeout_s: float, max_rows: int, max_request_bytes: int, update_token: str | None,
              allow_service: tuple[str, ...]) -> None:
    """Serve the SPARQL endpoint, the landing page and the query page (waitress, production-ready)."""
    from .store import default_store_path
    from .web.serving import ServeOptions, run

    opts = ServeOptions(store_path or default_store_path(), host, port, engine_name, workers, timeout_s, max_rows,
                        max_request_bytes, update_token, list(allow_service), engine_port)
    try:
        run(opts, echo=click.echo)
    except (StoreError, RuntimeError) as err:
        raise click.ClickException(str(err)) from None


@main.group("ror")
def ror_group() -> None:
    """ROR organisations: import a data dump, match employer strings."""


@main.group("skills")
def skills_group() -> None:
    """The skill vocabulary: import ESCO, inspect concepts."""


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
