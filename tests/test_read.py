"""Stage 1: decoding, repair, refusal of what is not a posting, and the sidecar convention."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobgraph.read import ReadError, decode, iter_files, read_document

from .conftest import DATA, shared_path


def test_mojibake_in_seed_000_is_repaired() -> None:
    doc = read_document(shared_path("seeds", "000_216a3464ac741b0f.txt"))
    assert "don’t exist" in doc.text
    assert "â€" not in doc.text
    assert any("mojibake" in r for r in doc.repairs)


def test_sidecar_says_who_published_the_page() -> None:
    doc = read_document(shared_path("seeds", "000_216a3464ac741b0f.txt"))
    assert doc.meta["publisher"] == "2i2c"
    assert doc.source_key.startswith("file://")


def test_folder_meta_gives_demo_files_a_stable_url() -> None:
    doc = read_document(DATA / "postings" / "datacite-openings.md")
    assert doc.source_key == ("https://github.com/jobgraph/jobgraph/blob/main/data/postings/datacite-openings.md")
    assert doc.meta["publisher"] == "DataCite"  # the sidecar adds to the folder's metadata


def test_cli_overrides_win_over_sidecar() -> None:
    doc = read_document(shared_path("seeds", "000_216a3464ac741b0f.txt"), {"publisher": "Someone else"})
    assert doc.meta["publisher"] == "Someone else"


@pytest.mark.parametrize(("data", "problem"), [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10, "binary"),
    (b"Title: x\n" + bytes(range(1, 32)) * 50, "binary"),
])
def test_what_is_not_a_posting_is_refused_with_a_reason(data: bytes, problem: str) -> None:
    with pytest.raises(ReadError, match=problem):
        decode(data, "bad.txt")


def test_truncated_utf8_is_repaired_not_refused() -> None:
    text, repairs = decode("Title: Café".encode()[:-1], "cut.txt")
    assert text == "Title: Caf"
    assert any("truncated" in r for r in repairs)


def test_iter_files_skips_sidecars_and_readmes(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A")
    (tmp_path / "a.md.meta.yaml").write_text("publisher: X")
    (tmp_path / "README.md").write_text("# readme")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "b.md").write_text("# B")
    assert [p.name for p in iter_files([tmp_path])] == ["a.md"]
