"""Internal errors as one line a user can act on: which file, which stage, what went wrong.

The traceback is for developers: ``jobgraph --debug ...`` logs it (see ``jobgraph.cli``); without it a bug
in one file costs one ``error:`` line, never the run, and never prints a traceback.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

log = logging.getLogger("jobgraph")


def stage_of(err: BaseException) -> str:
    """Where an exception came from: the innermost jobgraph frame, as ``stage (module.py:line)``."""
    where = "jobgraph"
    for frame, line in traceback.walk_tb(err.__traceback__):
        module = frame.f_globals.get("__name__", "")
        if module.startswith("jobgraph."):
            where = f"{module.split('.')[1]} ({Path(frame.f_code.co_filename).name}:{line})"
    return where


def internal_error(path: object, err: BaseException) -> str:
    """The one-line message for a bug hit while processing ``path``; logs the traceback at DEBUG level."""
    log.debug("internal error while processing %s", path, exc_info=err)
    message = " ".join(str(err).split())[:300]
    return (f"{path}: internal error in {stage_of(err)}: {type(err).__name__}: {message} (nothing of this file was "
            "stored; run with --debug for the traceback, and please report it)")
