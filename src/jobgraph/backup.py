"""Backups of the store, and restores that never lose the store they replace.

A backup is a folder holding ``store/`` (an Oxigraph snapshot made with ``Store.backup``: a RocksDB
checkpoint, consistent at one instant while other threads keep reading and writing, hard-linked rather than
copied when on the same file system) and ``jobgraph-backup.json`` (what it holds, to check a restore by).
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyoxigraph import Store

from .store import GraphStore, OxigraphStore

MANIFEST = "jobgraph-backup.json"
SNAPSHOT = "store"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says what to do instead."""


def _counts(store: Store) -> dict[str, int]:
    return {"quads": len(store), "graphs": sum(1 for _ in store.named_graphs())}


def backup(store: GraphStore, target: Path) -> dict[str, Any]:
    """Snapshot ``store`` into the new or empty folder ``target``; returns the manifest written beside it."""
    if not isinstance(store, OxigraphStore):
        raise BackupError(f"{store.location} is a remote store: back it up with its own tools (this backs up a "
                          "store folder)")
    if store.path == Path(":memory:"):
        raise BackupError("an in-memory store cannot be backed up; use --store to name a store on disk")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} exists and is not an empty folder; name a new folder for the backup")
    target.mkdir(parents=True, exist_ok=True)
    snapshot = target / SNAPSHOT
    try:
        store.store.backup(str(snapshot))
    except OSError as err:
        raise BackupError(f"the backup into {target} failed: {err}") from None
    # Counted on the snapshot, not the live store, which may have moved on since.
    manifest = {"created": datetime.now(UTC).isoformat(timespec="seconds"), "source": str(store.path),
                **_counts(Store.read_only(str(snapshot)))}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def read_manifest(source: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError(f"{source} is not a jobgraph backup (no readable {MANIFEST}); name the folder that "
                          "`jobgraph backup` wrote") from None
    if not (source / SNAPSHOT).is_dir():
        raise BackupError(f"{source} has no {SNAPSHOT}/ folder: the backup is incomplete; use another one")
    return manifest


def restore(source: Path, store_path: Path, force: bool = False) -> dict[str, Any]:
    """Replace the store at ``store_path`` with the backup in ``source``.

    The backup is copied beside the store and checked (it opens and holds the quads its manifest says)
    before anything is replaced; the old store is then moved aside, and only deleted once the restored
    one is in place and opens. Refuses a non-empty store unless ``force``.
    """
    manifest = read_manifest(source)
    existing = store_path.exists() and any(store_path.iterdir())
    if existing:
        if not force:
            raise BackupError(f"{store_path} already holds a store; pass --force to replace it (it is kept aside "
                              "until the restore has succeeded)")
        try:
            Store(str(store_path))  # refuses while another process holds the store; closed when dropped
        except OSError as err:
            raise BackupError(f"cannot replace the store at {store_path}: {err}. Stop the jobgraph process "
                              "using it first.") from None
    store_path.parent.mkdir(parents=True, exist_ok=True)
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{os.getpid()}"
    staging = store_path.with_name(f".{store_path.name}.restoring-{stamp}")
    aside = store_path.with_name(f"{store_path.name}.before-restore-{stamp}")
    try:
        shutil.copytree(source / SNAPSHOT, staging)
        counts = _counts(Store(str(staging)))
        if counts != {k: manifest.get(k) for k in counts}:
            raise BackupError(f"the backup in {source} holds {counts} but its manifest says "
                              f"{ {k: manifest.get(k) for k in counts} }: it is damaged; use another one")
        if store_path.exists():
            store_path.rename(aside)
        staging.rename(store_path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if aside.exists() and not store_path.exists():
            aside.rename(store_path)  # put the old store back
        raise
    shutil.rmtree(aside, ignore_errors=True)
    return {**manifest, "restored_to": str(store_path)}
