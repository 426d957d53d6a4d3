"""The ``jobgraph`` command: one subcommand per stage of the pipeline, plus serve and query."""

from __future__ import annotations

import json
import os
import signal
import sys
from contextlib import nullcontext
from pathlib import Path

import click

from .store import GraphStore, StoreError, default_store_path, open_graph_store


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


class Main(click.Group):
    """Turns a bug anywhere in a command into one ``error:`` line naming its stage (the traceback with --debug)."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as err:
            if ctx.params.get("debug"):
                raise
            from .errors import stage_of

            message = " ".join(str(err).split())[:300]
            click.echo(f"error: internal error in {stage_of(err)}: {type(err).__name__}: {message} (run with "
                       "--debug for the traceback, and please report it)", err=True)
            ctx.exit(2)


def read_and_process(path: Path, linker, meta: dict | None = None) -> list[dict]:  # type: ignore[no-untyped-def]
    """One file's postings as JSON; ReadError for a bad file, and a bug in one file is turned into one too."""
    from .errors import internal_error
    from .ingest import process
    from .read import ReadError, read_document

    try:
        return [p.to_json() for p in process(read_document(path, meta), linker)]
    except ReadError:
        raise
    except Exception as err:
        raise ReadError(internal_error(path, err)) from err


def ror_api_option(f):  # type: ignore[no-untyped-def]
    """Resolve ROR ids that are not in the local records through the ROR API (see jobgraph.link.ror_api)."""
    return click.option("--ror-api", "ror_api", metavar="URL", default=None,
                        help="Base URL of a ROR API (e.g. https://api.ror.org/v2): ids not in the local records are "
                             "fetched from it (cached on disk).")(f)


def ror_client(url: str | None):  # type: ignore[no-untyped-def]
    if not url:
        return None
    from .link.ror_api import RorClient

    return RorClient(url, on_error=lambda msg: click.echo(msg, err=True))


@click.group(cls=Main)
@click.version_option(package_name="jobgraph")
@click.option("--debug", is_flag=True, help="Log what happens, and show the traceback of an internal error.")
def main(debug: bool) -> None:
    """jobgraph: job postings of research and open-science employers as a knowledge graph."""
    if debug:
        import logging

        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")


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
    from .ingest import linker_for_extract
    from .read import ReadError, iter_files

    linker = linker_for_extract(store_path)
    out, failed = [], 0
    for path in iter_files(paths):
        try:
            out += read_and_process(path, linker, meta)
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
@ror_api_option
@meta_options
def ingest_cmd(paths: tuple[Path, ...], store_path: Path | None, force: bool, jobs: int, batch_size: int,
               ror_api: str | None, **meta: str | None) -> None:
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
                                                disable=None, smoothing=0.05),
                         ror_api=ror_client(ror_api))
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # all is written: a Ctrl-C now must not crash the summary
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
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter of a stored query (a .rq file with a '# param:' header); others take their default.")
def query_cmd(query: str, store_path: Path | None, fmt: str, params: tuple[str, ...]) -> None:
    """Run a SPARQL query (text, or a path to a .rq file) against the store."""
    from .query import QueryError, render

    is_file = query.endswith(".rq") or Path(query).is_file()
    text = Path(query).read_text(encoding="utf-8") if is_file else query
    substitutions = stored_query_substitutions(Path(query), params) if is_file else None
    if params and not is_file:
        raise click.ClickException("--param binds the parameters of a stored query: pass a .rq file")
    try:
        click.echo(render(open_store(store_path), text, fmt, substitutions), nl=False)
    except QueryError as err:
        raise click.ClickException(str(err)) from None


def stored_query_substitutions(path: Path, params: tuple[str, ...]) -> dict | None:
    """A stored query's parameters as pyoxigraph substitutions: the given values, else the defaults."""
    from .web.queries import BadParameter, CatalogueError, parse_query_file

    try:
        stored = parse_query_file(path)
    except CatalogueError:
        if params:
            raise click.ClickException(f"{path} has no readable '# param:' header, so --param cannot bind") from None
        return None
    values = dict(p.split("=", 1) for p in params if "=" in p)
    unknown = sorted(set(values) - {p.name for p in stored.params}) + [p for p in params if "=" not in p]
    if unknown:
        raise click.ClickException(f"{path.name} has no parameter {', '.join(unknown)}; write --param NAME=VALUE "
                                   f"with NAME one of: {', '.join(p.name for p in stored.params) or '(none)'}")
    try:
        return stored.substitutions(values) or None
    except BadParameter as err:
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
@click.option("--workers", default=32, show_default=True, type=click.IntRange(1, 256),
              help="Threads of the production WSGI server (waitress); more than the concurrent clients, so "
                   "runaway queries waiting for the timeout do not hold up the others.")
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
    from .web.serving import ServeOptions, run

    opts = ServeOptions(store_path or default_store_path(), host, port, engine_name, workers, timeout_s, max_rows,
                        max_request_bytes, update_token, list(allow_service), engine_port)
    try:
        run(opts, echo=click.echo)
    except (StoreError, RuntimeError) as err:
        raise click.ClickException(str(err)) from None


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(["turtle", "jsonld", "nquads", "trig", "ntriples"]),
              default="nquads", show_default=True,
              help="nquads/trig/jsonld keep the named graphs; turtle/ntriples hold the union of all graphs.")
@click.option("--graph", "graph", default=None, help="Only this named graph (its IRI).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE (default: standard output).")
@store_option
def export_cmd(fmt: str, graph: str | None, output: Path | None, store_path: Path | None) -> None:
    """Dump the store (or one graph) as RDF, streamed: memory stays flat for any store size."""
    from .export import ExportError, get_format, stream

    store = open_store(store_path)
    click.echo(f"store: {store.location}", err=True)
    try:
        chunks = stream(store, get_format(fmt), graph)  # checks the graph before a file is touched
    except (ExportError, ValueError) as err:
        raise click.ClickException(str(err)) from None
    size = 0
    with open(output, "wb") if output else nullcontext(sys.stdout.buffer) as out:
        for chunk in chunks:
            out.write(chunk)
            size += len(chunk)
    if output:
        click.echo(f"wrote {size:,} bytes of {fmt} to {output}", err=True)


@main.group("ror")
def ror_group() -> None:
    """ROR organisations: import a data dump, match employer strings."""


@ror_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@store_option
def ror_import_cmd(files: tuple[Path, ...], store_path: Path | None) -> None:
    """Load ROR data dumps (schema v2 or v1 JSON, or ROR's .zip) into graph/ror.

    Several files together make the registry (a v2 and a v1 file, say); records not in them are removed,
    unchanged ones are not rewritten. A broken file changes nothing.
    """
    from tqdm import tqdm

    from .link.ror_dump import DumpError, import_dumps

    store = open_store(store_path)
    click.echo(f"store: {store.path}", err=True)
    with tqdm(desc="ror import", unit=" records", file=sys.stderr, disable=None) as bar:
        try:
            summary = import_dumps(store, list(files), progress=bar.update)
        except DumpError as err:
            raise click.ClickException(f"{err}; the registry in the store was left as it was") from None
    click.echo(summary.line())


@ror_group.command("match")
@click.argument("text")
@click.option("--country", metavar="XX", help="The posting's country (ISO 3166-1 alpha-2): candidates there score "
              "higher, others lower.")
@click.option("--domain", "domains", multiple=True, metavar="D", help="A domain of the posting's e-mails or URLs "
              "(repeatable).")
@click.option("--publisher", metavar="P", help="Who publishes the source: a candidate that is the publisher scores "
              "higher.")
@click.option("--json", "as_json", is_flag=True, help="Print the candidates as JSON.")
@store_option
@ror_api_option
def ror_match_cmd(text: str, country: str | None, domains: tuple[str, ...], publisher: str | None, as_json: bool,
                  store_path: Path | None, ror_api: str | None) -> None:
    """Match an employer string to a ROR organisation: candidates with score and method, and the chosen one.

    Matches against the ROR records in the store (``jobgraph ror import``), else the demo data in data/.
    With --ror-api, when nothing local is reliable, ROR's own affiliation matching is asked.
    """
    from .ingest import linker_for_extract
    from .link.organizations import matching_type

    client = ror_client(ror_api)
    registry = linker_for_extract(store_path).registry
    registry.resolver = client
    click.echo(f"matching against {len(registry)} organisations", err=True)
    ranked = registry.candidates(text, domains, country.upper() if country else None, publisher)
    items = [{"id": c.ror, "iri": c.iri, "name": c.name, "matched": c.matched, "method": c.method,
              "matching_type": matching_type(c.method), "score": c.score, "chosen": c.chosen} for c in ranked]
    if client and not any(i["chosen"] for i in items):
        for item in client.affiliation(text):
            org = item.get("organization") or {}
            items.append({"id": org.get("id"), "iri": org.get("id"), "name": _display(org),
                          "matched": item.get("substring"), "method": "ror-api",
                          "matching_type": item.get("matching_type"), "score": item.get("score"),
                          "chosen": bool(item.get("chosen"))})
    chosen = next((i for i in items if i["chosen"]), None)
    if as_json:
        click.echo(json.dumps({"text": text, "chosen": chosen, "items": items}, indent=2, ensure_ascii=False))
        return
    for i in items:
        mark = "*" if i["chosen"] else " "
        click.echo(f"{mark} {i['score']:.3f}  {i['method']:<22} {i['id'] or i['iri']}  {i['name']}")
    if not chosen:
        click.echo("no reliable match: the employer keeps its name and gets no id", err=True)


def _display(org: dict) -> str:
    from .link.ror_dump import display_name

    return display_name(org) if org.get("names") else org.get("name", "")


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


@datacite_group.command("export")
@click.argument("posting")
@click.option("--format", "fmt", type=click.Choice(["json", "xml"]), default="json", show_default=True,
              help="json: the body of a DataCite REST API request; xml: DataCite kernel-4 XML.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE (default: standard output).")
@click.option("--prefix", default="10.5072", show_default=True,
              help="Your repository's DOI prefix (the default is DataCite's test prefix).")
@store_option
def datacite_export_cmd(posting: str, fmt: str, output: Path | None, prefix: str, store_path: Path | None) -> None:
    """DataCite Metadata Schema 4.5 for POSTING (its IRI or id), validated before it is written."""
    from .datacite import DataCiteError, attributes, find_posting, json_errors, rest_json, to_xml, xml_errors

    store = open_store(store_path)
    click.echo(f"store: {store.location}", err=True)
    try:
        attrs = attributes(store, find_posting(store, posting), prefix)
    except DataCiteError as err:
        raise click.ClickException(str(err)) from None
    text = json.dumps(rest_json(attrs), indent=2, ensure_ascii=False) + "\n" if fmt == "json" else to_xml(attrs)
    errors = json_errors(attrs) + (xml_errors(text) if fmt == "xml" else [])
    if errors:
        raise click.ClickException("the metadata does not validate against DataCite 4.5 (please report it):\n  "
                                   + "\n  ".join(errors))
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote DataCite {fmt} for {attrs['url']} to {output}", err=True)
    else:
        click.echo(text, nl=False)


@datacite_group.command("link")
@click.argument("dois", nargs=-1, required=True)
@click.option("--api", default="https://api.datacite.org", show_default=True, envvar="JOBGRAPH_DATACITE_API",
              help="Base URL of the DataCite REST API ($JOBGRAPH_DATACITE_API).")
@click.option("--cache", "cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of cached API answers (default: ~/.cache/jobgraph/datacite).")
@click.option("--refresh", is_flag=True, help="Ask the API again even for DOIs already cached.")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds to wait for each answer.")
@store_option
def datacite_link_cmd(dois: tuple[str, ...], api: str, cache: Path | None, refresh: bool, timeout: float,
                      store_path: Path | None) -> None:
    """Fetch DOIs from DataCite and add the works, with their creators' ROR affiliations, to graph/datacite."""
    from tqdm import tqdm

    from .datacite import Client, DataCiteError, add_works

    store = open_store(store_path)
    click.echo(f"store: {store.location}", err=True)
    client = Client(api, cache, timeout, refresh)
    works, failed = [], 0
    for doi in tqdm(dois, desc="datacite", unit="doi", file=sys.stderr, disable=None):
        try:
            works.append(client.fetch(doi))
        except DataCiteError as err:
            failed += 1
            click.echo(f"error: {err}", err=True)
    triples = add_works(store, works) if works else 0
    click.echo(f"{len(works)} works linked ({triples} triples in graph/datacite), {failed} failed")
    sys.exit(1 if failed else 0)


@main.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@store_option
def backup_cmd(directory: Path, store_path: Path | str | None) -> None:
    """Write a consistent snapshot of the store into DIRECTORY (a new or empty folder).

    The snapshot is of one instant, even while this process's threads write; a store held by another
    process (a running `jobgraph serve`) cannot be opened: back it up before starting it, or stop it.
    """
    from .backup import BackupError, backup

    store = open_store(store_path)
    click.echo(f"store: {store.location}", err=True)
    try:
        manifest = backup(store, directory)
    except BackupError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"backup: {directory} ({manifest['quads']} quads in {manifest['graphs']} graphs)")


@main.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@store_option
@click.option("--force", is_flag=True, help="Replace a non-empty store (kept aside until the restore succeeded).")
def restore_cmd(directory: Path, store_path: Path | str | None, force: bool) -> None:
    """Restore the store from a backup folder written by `jobgraph backup`."""
    from .backup import BackupError, restore

    if isinstance(store_path, str):
        raise click.ClickException(f"{store_path}: a restore needs a store folder; a remote SPARQL store is "
                                   "restored with its own tools")
    path = store_path or default_store_path()
    click.echo(f"store: {path}", err=True)
    try:
        manifest = restore(directory, path, force=force)
    except BackupError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"restored: {path} ({manifest['quads']} quads in {manifest['graphs']} graphs, "
               f"backed up {manifest['created']})")


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
    from .ingest import linker_for_extract
    from .read import ReadError, iter_files

    try:
        gold = read_gold(gold_path)
    except GoldError as err:
        raise click.ClickException(str(err)) from None
    from tqdm import tqdm

    linker = linker_for_extract(store_path)
    predictions, failed = [], 0
    for path in tqdm(list(iter_files(paths)), desc="evaluate", unit="file", file=sys.stderr, disable=None):
        try:
            predictions += read_and_process(path, linker)
        except ReadError as err:
            failed += 1
            click.echo(f"error: {err}", err=True)
    report = evaluate(gold, predictions, linker.registry, linker.vocabulary)
    click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False) if as_json else report.table())
    sys.exit(1 if failed else 0)
