"""Backups: `jobgraph backup DIR` snapshots the store, `jobgraph restore DIR` brings exactly those quads back,
refuses to overwrite a store without --force, and never loses the store it replaces when something fails."""

from __future__ import annotations

import gc
import json
import threading
from pathlib import Path

import pytest
from pyoxigraph import Store

from jobgraph.backup import MANIFEST, SNAPSHOT, backup
from jobgraph.ingest import ingest
from jobgraph.store import OxigraphStore
from jobgraph.vocab import source_iri

from .conftest import reference_data, run_cli, varied_postings


def all_quads(path: Path) -> set[str]:
    store = Store.read_only(str(path))
    return {str(q) for q in store}


@pytest.fixture()
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    store = OxigraphStore(path)
    summary = ingest([*reference_data(), *varied_postings(tmp_path / "in", 6)], store, on_error=pytest.fail)
    assert summary.postings >= 6
    del store  # release the store for the CLI's process
    gc.collect()
    return path


def test_backup_change_restore_gives_back_the_same_quads(store_path: Path, tmp_path: Path) -> None:
    before = all_quads(store_path)
    proc = run_cli("backup", str(tmp_path / "bk"), "--store", str(store_path))
    assert f"({len(before)} quads" in proc.stdout
    manifest = json.loads((tmp_path / "bk" / MANIFEST).read_text())
    assert manifest["quads"] == len(before) and manifest["graphs"] >= 6

    # Change the store: a new document, and one document's graph gone.
    store = OxigraphStore(store_path)
    old_graph = store.named_graphs()[0]  # one that was there: removing the new one would undo the ingest
    ingest(varied_postings(tmp_path / "more", 1, version=7), store, on_error=pytest.fail)
    store.remove_graph(old_graph)
    del store
    gc.collect()  # the lock goes with the last reference: the CLI's process opens the store next
    changed = all_quads(store_path)
    assert changed != before

    refused = run_cli("restore", str(tmp_path / "bk"), "--store", str(store_path), check=False)
    assert refused.returncode == 1 and "--force" in refused.stderr
    assert all_quads(store_path) == changed  # nothing touched

    proc = run_cli("restore", str(tmp_path / "bk"), "--store", str(store_path), "--force")
    assert f"restored: {store_path}" in proc.stdout
    assert all_quads(store_path) == before
    assert sorted(p.name for p in store_path.parent.iterdir()) == ["bk", "in", "more", "store"]  # no leftovers

    # Restoring into a new place needs no --force; the backup itself is unchanged by restores.
    run_cli("restore", str(tmp_path / "bk"), "--store", str(tmp_path / "fresh"))
    assert all_quads(tmp_path / "fresh") == before == all_quads(tmp_path / "bk" / SNAPSHOT)


def test_backup_refuses_a_folder_that_is_not_empty(store_path: Path, tmp_path: Path) -> None:
    (tmp_path / "bk").mkdir()
    (tmp_path / "bk" / "notes.txt").write_text("mine")
    proc = run_cli("backup", str(tmp_path / "bk"), "--store", str(store_path), check=False)
    assert proc.returncode == 1 and "is not an empty folder" in proc.stderr
    assert [p.name for p in (tmp_path / "bk").iterdir()] == ["notes.txt"]


def test_a_failed_restore_keeps_the_old_store(store_path: Path, tmp_path: Path) -> None:
    before = all_quads(store_path)
    run_cli("backup", str(tmp_path / "bk"), "--store", str(store_path))
    manifest = json.loads((tmp_path / "bk" / MANIFEST).read_text())
    (tmp_path / "bk" / MANIFEST).write_text(json.dumps({**manifest, "quads": manifest["quads"] + 1}))
    proc = run_cli("restore", str(tmp_path / "bk"), "--store", str(store_path), "--force", check=False)
    assert proc.returncode == 1 and "damaged" in proc.stderr
    assert all_quads(store_path) == before
    assert sorted(p.name for p in store_path.parent.iterdir()) == ["bk", "in", "store"]

    not_a_backup = run_cli("restore", str(tmp_path / "in"), "--store", str(store_path), "--force", check=False)
    assert not_a_backup.returncode == 1 and "not a jobgraph backup" in not_a_backup.stderr

    held = OxigraphStore(store_path)  # another process holds the store: restore must not pull it away
    proc = run_cli("restore", str(tmp_path / "bk"), "--store", str(store_path), "--force", check=False)
    assert proc.returncode == 1 and "Stop the jobgraph process" in proc.stderr
    assert len(held) == len(before)


def test_backup_while_an_ingest_writes_is_a_consistent_snapshot(tmp_path: Path) -> None:
    """Each document's graph in the snapshot is the whole graph the ingest wrote, or absent. (Shared graphs such as
    graph/organizations grow with each document, so only the documents' own graphs are compared.)"""
    sources = source_iri("x").value.rsplit("/", 1)[0] + "/"
    store = OxigraphStore(tmp_path / "store")
    ingest(reference_data(), store, on_error=pytest.fail)
    docs = varied_postings(tmp_path / "in", 40)
    writer = threading.Thread(target=ingest, args=(docs, store), kwargs={"on_error": pytest.fail})
    writer.start()
    snapshots = []
    while writer.is_alive() and len(snapshots) < 3:
        target = tmp_path / f"bk{len(snapshots)}"
        backup(store, target)
        snapshots.append(target / SNAPSHOT)
    writer.join()
    final = {g: {str(q) for q in store.quads(g)} for g in store.named_graphs()}
    assert snapshots, "the ingest finished before a backup could start"
    for snapshot in snapshots:
        snap = Store.read_only(str(snapshot))
        for g in (g for g in snap.named_graphs() if g.value.startswith(sources)):
            assert {str(q) for q in snap.quads_for_pattern(None, None, None, g)} == final[g], g
