"""Crash safety: an ingest killed with SIGKILL part-way leaves a store that opens, holds no half-written document,
and a re-run of the same ingest ends with exactly the triples of a run that was never interrupted.

The one difference allowed is prov:generatedAtTime, the time each document graph was written."""

from __future__ import annotations

import gc
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from fcntl import ioctl
from pathlib import Path

import pytest

from jobgraph.ingest import ingest
from jobgraph.store import OxigraphStore
from jobgraph.vocab import PROV, source_iri

from .conftest import ROOT, reference_data, run_cli, varied_postings

DOCUMENTS = 150  # enough that an idle 2-core machine is still ingesting when the kill lands
BATCH = 5  # documents per transaction, so that a kill lands between and inside batches
SOURCES = source_iri("x").value.rsplit("/", 1)[0] + "/"


def graphs(store: OxigraphStore) -> dict[str, set[str]]:
    """Every named graph's triples as N-Triples lines, without the ingest timestamps."""
    return {g.value: {str(q.triple) for q in store.quads(g) if q.predicate != PROV.generatedAtTime}
            for g in store.named_graphs()}


def ingest_until_killed(store: Path, inputs: list[Path], after: int) -> int:
    """Start `jobgraph ingest`, watch its progress bar (on a pseudo-terminal, so tqdm draws it) until ``after``
    files are done, then SIGKILL it. Returns the last count it showed."""
    main, child = pty.openpty()
    ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 160, 0, 0))  # a new pty is 0 columns wide
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "jobgraph", "ingest", "--jobs", "2", "--batch", str(BATCH),
                             "--store", str(store), *map(str, inputs)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=child, env=env,
                            start_new_session=True)
    os.close(child)
    shown, output, deadline = 0, b"", time.monotonic() + 120
    try:
        while shown < after and time.monotonic() < deadline and proc.poll() is None:
            if select.select([main], [], [], 0.2)[0]:
                output += os.read(main, 4096)
                counts = re.findall(rb"ingest:.*?\b(\d+)/(\d+)", output)
                shown = int(counts[-1][0]) if counts else 0
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the ingest and its workers: no cleanup, no flush, no atexit
        proc.wait()
        os.close(main)
    assert proc.returncode == -9, "the ingest ended by itself before it could be killed"
    return shown


def test_sigkill_mid_ingest_loses_nothing_and_a_rerun_completes_it(tmp_path: Path) -> None:
    inputs = [*reference_data(), tmp_path / "in"]
    varied_postings(tmp_path / "in", DOCUMENTS)
    uninterrupted = OxigraphStore(tmp_path / "uninterrupted")
    ingest(inputs, uninterrupted, on_error=pytest.fail)
    expected = graphs(uninterrupted)
    expected_sources = {g for g in expected if g.startswith(SOURCES)}
    assert len(expected_sources) == DOCUMENTS

    shown = ingest_until_killed(tmp_path / "store", inputs, after=DOCUMENTS // 4)
    assert DOCUMENTS // 4 <= shown < DOCUMENTS

    store = OxigraphStore(tmp_path / "store")  # opens cleanly after the kill
    killed = graphs(store)
    sources = {g for g in killed if g.startswith(SOURCES)}
    assert 0 < len(sources) < DOCUMENTS, f"{len(sources)} documents in: the kill should land part-way"
    for g in sources:  # all or nothing: every document graph present is the whole graph
        assert killed[g] == expected[g], f"{g} is half-written"
    del store
    gc.collect()  # release the store's lock for the CLI's process

    run_cli("ingest", "--store", str(tmp_path / "store"), *map(str, inputs))
    rerun = graphs(OxigraphStore(tmp_path / "store"))
    assert rerun.keys() == expected.keys()
    for g in expected:
        assert rerun[g] == expected[g], g


def test_a_bug_costs_one_error_line_naming_its_stage_and_debug_shows_the_traceback(tmp_path: Path) -> None:
    """A real failure the commands do not expect (a query "file" that is a folder; a base IRI that is no IRI):
    one `error:` line with the stage and the exception, no traceback; `--debug` shows the traceback."""
    (tmp_path / "q.rq").mkdir()
    proc = run_cli("query", "--store", str(tmp_path / "s"), str(tmp_path / "q.rq"), check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    (line,) = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert "internal error in cli (cli.py:" in line and "IsADirectoryError" in line and "--debug" in line
    debug = run_cli("--debug", "query", "--store", str(tmp_path / "s"), str(tmp_path / "q.rq"), check=False)
    assert debug.returncode != 0 and "Traceback" in debug.stderr and "IsADirectoryError" in debug.stderr

    (tmp_path / "p.md").write_text("# Data Steward\n\nExample Org is looking for a Data Steward.\n")
    proc = run_cli("ingest", "--store", str(tmp_path / "s2"), str(tmp_path / "p.md"),
                   env={"JOBGRAPH_BASE_IRI": "not an iri/"}, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "internal error in vocab (vocab.py:" in proc.stderr and "ValueError: Invalid IRI" in proc.stderr


def test_bad_metadata_is_one_clear_error_and_the_other_files_go_on(tmp_path: Path) -> None:
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text("# Data Steward\n\nExample Org is looking for a Data Steward.\n")
    (tmp_path / "a.md.meta.yaml").write_text("employer_ror: [https://ror.org/04wxnsj81, https://ror.org/x]\n")
    proc = run_cli("extract", "--json", str(tmp_path), check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == f"error: {tmp_path / 'a.md.meta.yaml'}: 'employer_ror' must be a single value, " \
                                  "not a list; fix the metadata file"
    assert '"file": "b.md"' in proc.stdout
