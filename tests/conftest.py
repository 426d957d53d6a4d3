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
