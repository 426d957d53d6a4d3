"""Shared fixtures: the real data beside the project, real stores on disk, a real HTTP server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED = Path(os.environ.get("JOBGRAPH_SHARED", ROOT.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """A path in ../shared, or skip the test (with the reason) when that data is not beside the project."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the real data in ../shared is not beside this checkout")
    return path


def gold(name: str) -> list[dict]:
    return [json.loads(line) for line in shared_path(name, "gold.jsonl").read_text().splitlines() if line.strip()]


def run_cli(*args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """The real console entry point, in a fresh interpreter, as a user would run it."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "jobgraph", *args], capture_output=True, text=True, env=full_env,
                          timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"jobgraph {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return proc



@pytest.fixture(scope="session")
def vocabulary():  # type: ignore[no-untyped-def]
    """The demo skill vocabulary (data/skills.ttl), as the matcher reads it."""
    from jobgraph.link.skills import Vocabulary

    return Vocabulary.from_turtle(DATA / "skills.ttl")

@pytest.fixture(scope="session")
def seeds_store(tmp_path_factory: pytest.TempPathFactory):
    """A real on-disk Oxigraph store holding the demo data and the five seed postings."""
    from jobgraph.ingest import ingest
    from jobgraph.store import OxigraphStore

    seeds = shared_path("seeds")
    store = OxigraphStore(tmp_path_factory.mktemp("store") / "seeds")
    summary = ingest([DATA, seeds], store, on_error=pytest.fail)
    assert not summary.failures
    return store


class LiveServer:
    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture(scope="session")
def live_server(seeds_store) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """The Flask app served over real HTTP on 127.0.0.1 (a free port), over the seeds store."""
    from jobgraph.web import create_app

    server = LiveServer(create_app(seeds_store))
    yield server
    server.stop()


FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def catalogue_store(tmp_path_factory: pytest.TempPathFactory):
    """data/ plus tests/fixtures (ESCO concepts, skill alignments, ROR parent/child, a DataCite work, one
    extra posting) in a real on-disk store: what the stored-query tests run against. Needs no ../shared."""
    from jobgraph.ingest import ingest
    from jobgraph.store import OxigraphStore

    store = OxigraphStore(tmp_path_factory.mktemp("store") / "catalogue")
    summary = ingest([DATA, FIXTURES], store, on_error=pytest.fail)
    assert not summary.failures
    return store


@pytest.fixture(scope="session")
def catalogue_server(catalogue_store) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """The real app over HTTP on 127.0.0.1, over the catalogue store."""
    from jobgraph.web import create_app

    server = LiveServer(create_app(catalogue_store))
    yield server
    server.stop()


CHROMIUM = os.environ.get("JOBGRAPH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """Debian's headless Chromium driven by Playwright (never a downloaded browser); skips when absent."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is absent: apt-get install chromium (.ci/run does) to run the browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[dev])")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A fresh page; screenshots go to tests/artifacts/ (kept by the run, ignored by git)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context()
    pg = context.new_page()
    yield pg
    context.close()


class ServeProcess:
    """``jobgraph serve`` really started (waitress + its engine) on a free loopback port."""

    def __init__(self, store: Path, *args: str, log: Path) -> None:
        import time

        import requests

        from jobgraph.web.child import free_port

        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        env.pop("JOBGRAPH_UPDATE_TOKEN", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "jobgraph", "serve", "--store", str(store),
                                      "--port", str(port), *args], env=env, stdout=log.open("wb"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"jobgraph serve exited {self.proc.returncode}:\n{log.read_text()}")
            try:
                requests.get(self.url + "/sparql", timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"jobgraph serve did not answer within 60 s:\n{log.read_text()}")

    def stop(self) -> None:
        """Kill the whole process group: the server and its oxigraph child."""
        import signal

        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


@pytest.fixture(scope="session")
def serve_process(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A factory: ``serve_process(store_path, *serve_args)``; every server is killed at the end."""
    started: list[ServeProcess] = []

    def start(store: Path, *args: str) -> ServeProcess:
        server = ServeProcess(store, *args, log=tmp_path_factory.mktemp("serve") / "serve.log")
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def load_w3c_protocol_data(path: Path) -> Path:
    """A store holding the W3C protocol test graphs (data1-3.nt, each in its kasei.us named graph)."""
    import gc

    from pyoxigraph import NamedNode, RdfFormat, Store

    folder = shared_path("sparql", "protocol")
    store = Store(str(path))
    for n in (1, 2, 3):
        store.load(path=str(folder / f"data{n}.nt"), format=RdfFormat.N_TRIPLES,
                   to_graph=NamedNode(f"http://kasei.us/2009/09/sparql/data/data{n}.rdf"))
    store.flush()
    del store
    gc.collect()  # releases the store's lock, so the served engine can open it
    return path


# --- store backends (scale): the same tests run against the embedded store and a real `oxigraph serve` ---

OXIGRAPH = Path(sys.executable).with_name("oxigraph")


class OxigraphServer:
    """A real ``oxigraph serve`` (PyPI package ``oxigraph``) on 127.0.0.1 and a free port; ``stop`` kills it."""

    def __init__(self, location: Path) -> None:
        import time
        import urllib.request

        if not OXIGRAPH.exists():
            pytest.skip(f"{OXIGRAPH} is absent: pip install -e '.[dev]' installs the oxigraph server")
        from jobgraph.web.child import free_port

        port = free_port()
        self.url = f"http://127.0.0.1:{port}/query"
        self.proc = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(location), "--bind",
                                      f"127.0.0.1:{port}", "--union-default-graph"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"oxigraph serve did not start: {self.proc.stderr.read().decode()}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        if self.proc.stderr:
            self.proc.stderr.close()


@pytest.fixture
def oxigraph_server(tmp_path: Path) -> Iterator[OxigraphServer]:
    server = OxigraphServer(tmp_path / "oxigraph-server")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["embedded", "remote"])
def backend_store(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """An empty store of each backend: OxigraphStore on disk, and SparqlStore over a real oxigraph server."""
    from jobgraph.store import OxigraphStore, SparqlStore

    if request.param == "embedded":
        yield OxigraphStore(tmp_path / "store")
        return
    server = OxigraphServer(tmp_path / "oxigraph-server")
    try:
        yield SparqlStore(server.url)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def remote_seeds_store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The seeds store again, ingested through a SparqlStore into a real oxigraph server."""
    from jobgraph.ingest import ingest
    from jobgraph.store import SparqlStore

    seeds = shared_path("seeds")
    server = OxigraphServer(tmp_path_factory.mktemp("remote") / "seeds")
    try:
        store = SparqlStore(server.url)
        summary = ingest([DATA, seeds], store, on_error=pytest.fail)
        assert not summary.failures
        yield store
    finally:
        server.stop()


@pytest.fixture(params=["embedded", "remote"])
def any_seeds_store(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """``seeds_store`` for each backend."""
    return request.getfixturevalue("seeds_store" if request.param == "embedded" else "remote_seeds_store")


CITIES = ("Edinburgh, United Kingdom", "Hannover, Germany", "Geneva, Switzerland", "Remote", "Toronto, Canada",
          "Melbourne, Australia", "Lyon, France")
ROLES = ("Research Software Engineer", "Data Steward", "Research Data Librarian", "Platform Engineer",
         "Community Manager", "Data Engineer", "Research Infrastructure Developer")


def varied_postings(folder: Path, count: int, version: int = 0) -> list[Path]:
    """``count`` posting files made from the demo postings (Markdown, flat text, HTML, Quarto), each with its own
    title, place, salary and reference; ``version`` changes every one of them (for before/after states)."""
    demos = sorted(p for p in (DATA / "postings").iterdir() if p.suffix in {".md", ".txt", ".html", ".qmd"})
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        demo = demos[i % len(demos)]
        role, city = ROLES[(i + version) % len(ROLES)], CITIES[(i * 3 + version) % len(CITIES)]
        extra = (f"We are hiring a {role} (reference JG-{i:05d}-v{version}). Location: {city}. "
                 f"Salary: £{30_000 + 97 * i + 1000 * version:,} per annum. Experience with Python and SPARQL.")
        text = demo.read_text(encoding="utf-8")
        text = text.replace("</body>", f"<p>{extra}</p></body>") if demo.suffix == ".html" else f"{text}\n\n{extra}\n"
        path = folder / f"{i:05d}-{demo.name}"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def reference_data() -> list[Path]:
    """The demo's reference files (ROR records, organisations, skills), without its postings."""
    return [DATA / "ror", DATA / "organizations.yaml", DATA / "skills.ttl"]


# Property tests draw the same examples on every run, so CI is repeatable; explore new ones with
# `pytest --hypothesis-profile=explore` (and fix what they find).
try:
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("repeatable", derandomize=True)
    _hypothesis_settings.register_profile("explore", derandomize=False)
    _hypothesis_settings.load_profile(os.environ.get("JOBGRAPH_HYPOTHESIS_PROFILE", "repeatable"))
except ImportError:  # hypothesis is a dev dependency; the fuzz tests skip without it
    pass
