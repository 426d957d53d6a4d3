"""Bad input: each bad file gets one clear line naming it and the problem; the others are still processed;
the exit code says something failed; nothing from a bad file reaches the store."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobgraph.ingest import ingest
from jobgraph.store import OxigraphStore
from jobgraph.vocab import sparql_prefixes

from .conftest import run_cli

GOOD = "# Data Steward\n\nExample Org is looking for a Data Steward. Experience with Python.\n"
BAD = {
    "empty.md": (b"", "the file is empty"),
    "image.md": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "binary file"),
    "latin1.md": ("# Référent\n\nCafé à Genève, ".encode("latin-1") * 3, "not valid UTF-8"),
    "broken.yaml": (b"title: Data Steward\ndescription: [unclosed\nentity: X\n", "YAML does not parse"),
    "broken-front-matter.md": (b"---\ntitle: [oops\n---\n# Data Steward\n", "front matter does not parse"),
    "notes.md": (b"Some notes about nothing in particular.\n", "no job posting found"),
}


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.md").write_text(GOOD)
    for name, (data, _) in BAD.items():
        (folder / name).write_bytes(data)
    big = folder / "huge.md"  # 50 MB, made here and never committed
    with open(big, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    return folder


def test_extract_names_each_bad_file_and_its_problem(folder: Path) -> None:
    proc = run_cli("extract", "--json", str(folder), check=False)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == len(BAD) + 1  # one line per bad file, nothing else
    for name, (_, problem) in {**BAD, "huge.md": (b"", "too large for a posting")}.items():
        (line,) = [line for line in lines if f"{name}:" in line]
        assert problem in line, line
    assert '"title": "Data Steward"' in proc.stdout


def test_ingest_stores_the_good_file_and_nothing_of_the_bad(folder: Path, tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    errors: list[str] = []
    summary = ingest([folder], store, on_error=errors.append)
    assert summary.postings == 1 and len(summary.failures) == len(BAD) + 1 == len(errors)
    query = sparql_prefixes() + "SELECT ?src WHERE { GRAPH ?g { ?g a jg:SourceDocument ; dcterms:source ?src } }"
    sources = [r[0].value for r in store.query(query)]
    assert len(sources) == 1 and sources[0].endswith("good.md")


def test_ingest_cli_exit_code_says_something_failed(folder: Path, tmp_path: Path) -> None:
    proc = run_cli("ingest", "--store", str(tmp_path / "cli"), str(folder), check=False)
    assert proc.returncode == 1
    assert f"{len(BAD) + 1} failed" in proc.stdout
