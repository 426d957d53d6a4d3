"""Streaming, parallel, batched ingest: the same graph as one process, resumable, bad files fail alone."""

from __future__ import annotations

import importlib.util
import inspect
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jobgraph.ingest import ingest
from jobgraph.read import iter_files
from jobgraph.store import OxigraphStore
from jobgraph.vocab import sparql_prefixes

from .conftest import DATA, ROOT, SHARED

POSTINGS = sparql_prefixes() + """
SELECT ?g ?title ?org (COUNT(?s) AS ?skills) WHERE {
  GRAPH ?g { ?p a schema:JobPosting ; schema:title ?title .
             OPTIONAL { ?p schema:hiringOrganization ?org } OPTIONAL { ?p schema:skills ?s } } }
GROUP BY ?g ?title ?org"""


N = 40  # generated postings


def _generate(n: int, out: Path) -> Path:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(n, out, seed=7, ror=DATA / "ror" / "ror-records-v2.json", pool=50)
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(N, tmp_path_factory.mktemp("gen") / "postings")


def _rows(store: OxigraphStore) -> list[tuple]:
    return sorted(tuple(t.value if t else '' for t in sol) for sol in store.query(POSTINGS))


def test_iter_files_streams_every_posting_file_once_in_a_stable_order(generated: Path) -> None:
    roots = [DATA, generated, *([SHARED / "corpus"] if (SHARED / "corpus").exists() else [])]
    files = list(iter_files(roots))
    assert files == list(iter_files(roots)) and len(set(files)) == len(files)
    everything = {p for root in roots for p in root.rglob("*") if p.is_file()}
    assert set(files) <= everything and len(files) > N // 2  # generated listings hold several postings each
    assert not any(p.name.endswith(".meta.yaml") or p.name == "README.md" for p in files)
    assert inspect.isgenerator(iter_files([generated]))  # streamed, not listed up front


def test_parallel_batched_ingest_builds_the_same_graph_as_one_process(generated: Path, tmp_path: Path) -> None:
    serial = OxigraphStore(tmp_path / "serial")
    one = ingest([DATA, generated], serial, jobs=1)
    parallel = OxigraphStore(tmp_path / "parallel")
    many = ingest([DATA, generated], parallel, jobs=2, batch_size=7)
    assert (many.files, many.postings, many.triples, many.failures) == (one.files, one.postings, one.triples, [])
    assert many.postings == N + 10
    rows = _rows(parallel)
    assert rows == _rows(serial) and len(rows) == many.postings
    linked = [r for r in rows if r[2].startswith("https://ror.org/")]
    assert len(linked) >= 0.9 * len(rows)  # generated employers are real ROR organisations, and are linked
    assert len(parallel) == len(serial)


def test_resume_skips_what_is_stored_and_replaces_what_changed(generated: Path, tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    files = sorted(p for p in iter_files([generated]) if p.suffix != ".json")
    ingest([DATA, *files[:20]], store, jobs=2)
    again = ingest([DATA, generated], store, jobs=2)
    assert again.unchanged == 20 + 9 and again.files == len(files) + 9 and not again.failures  # data/: 9 files
    changed = files[3]
    changed.write_text(changed.read_text().replace("Experience with", "Solid experience with"))
    third = ingest([generated], store, jobs=2, batch_size=5)
    assert (third.unchanged, third.files - third.unchanged, third.failures) == (len(files) - 1, 1, [])
    assert third.postings >= 1
    rows = _rows(store)
    assert len({r[0] for r in rows}) == len(files) + 9  # one graph per file (and data/'s 9): none twice
    descriptions = [sol[0].value for sol in store.query(sparql_prefixes() + """
        SELECT ?d WHERE { ?p schema:description ?d FILTER(CONTAINS(?d, "Solid experience with")) }""")]
    assert len(descriptions) == third.postings


def test_bad_files_fail_alone_in_worker_processes(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (folder / "empty.md").write_text("")
    for i in range(5):
        (folder / f"ok-{i}.md").write_text(f"# Data Engineer {i}\n\nWe use Python and SPARQL.\n")
    store = OxigraphStore(tmp_path / "store")
    errors: list[str] = []
    summary = ingest([folder], store, jobs=2, batch_size=2, on_error=errors.append)
    assert summary.postings == 5 and summary.files == 7
    assert len(errors) == 2 and any("binary" in e for e in errors) and any("empty" in e for e in errors)
    assert len(_rows(store)) == 5


def test_cli_interrupted_ingest_resumes(generated: Path, tmp_path: Path) -> None:
    """Ctrl-C keeps whole documents only and says how to resume; the same command then finishes the job."""
    store = tmp_path / "store"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cmd = [sys.executable, "-m", "jobgraph", "ingest", "--store", str(store), "--jobs", "2", "--batch", "5",
           str(DATA), str(generated)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    first = proc.stderr.readline()  # "store: …": the command is running (not still importing)
    assert first.startswith("store:"), first
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    if proc.returncode == 130:
        assert "run the same command again to resume" in err, err
    else:  # the machine was quick enough to finish first
        assert proc.returncode == 0, err
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    if proc.returncode == 130:  # what the interrupted run wrote (its summary says so) is skipped by the re-run
        wrote = "postings" in out and " 0 postings" not in out  # no summary: stopped while loading reference data
        assert not wrote or " 0 unchanged" not in done.stdout
    else:  # the first run finished: nothing is left to write
        assert ", 0 postings," in done.stdout and " 0 unchanged" not in done.stdout
    count = "SELECT (COUNT(?p) AS ?n) WHERE { ?p a <http://schema.org/JobPosting> }"
    assert int(next(iter(OxigraphStore(store).query(count)))["n"].value) == 10 + N  # data/ + generated, once each
