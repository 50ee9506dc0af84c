"""Event rows for run lifecycle and logging: pure functions, one shape for every writer.

A row is ``(kind, run_id, key, step, ts, value, text)`` (see
:mod:`nbtrack.store.events`); the Session appends these to its buffer.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Mapping
from types import TracebackType

from ..store import events
from .run_state import RunState

Row = tuple[int, str, str, int | None, int | None, float | None, str | None]

#: Tracebacks longer than this keep their end (where the error is).
MAX_ERROR_CHARS = 20_000


def start_rows(state: RunState, *, host: str, user: str, pid: int, stamp: int) -> list[Row]:
    """The attributes a run starts (or resumes) with."""
    text = {
        "experiment_id": state.experiment_id,
        "run_name": state.run_name,
        "status": "RUNNING",
        "lifecycle": "active",
        "host": host,
        "user_name": user,
        "parent_run_id": state.parent_run_id,
    }
    ints = {"start_ms": state.start_ms, "pid": pid, "heartbeat_ms": stamp, "end_ms": None}
    rows: list[Row] = [(events.RUN, state.run_id, k, None, stamp, None, v) for k, v in text.items()]
    rows += [(events.RUN, state.run_id, k, v, stamp, None, None) for k, v in ints.items()]
    return rows


def finish_rows(run_id: str, status: str, stamp: int, error: str | None) -> list[Row]:
    """Status, end time and last heartbeat of a run that ends (plus its error, bounded)."""
    rows: list[Row] = [
        (events.RUN, run_id, "status", None, stamp, None, status),
        (events.RUN, run_id, "end_ms", stamp, stamp, None, None),
        (events.RUN, run_id, "heartbeat_ms", stamp, stamp, None, None),
    ]
    if error:
        text = error[-MAX_ERROR_CHARS:].encode("utf-8", "backslashreplace").decode("utf-8")  # storable
        rows.append((events.RUN, run_id, "error", None, stamp, None, text))
    return rows


def heartbeat_rows(run_ids: Iterable[str], stamp: int) -> list[Row]:
    """One heartbeat per live run."""
    return [(events.RUN, run_id, "heartbeat_ms", stamp, stamp, None, None) for run_id in run_ids]


def param_rows(run_id: str, params: Mapping[str, str]) -> list[Row]:
    """Checked params as rows."""
    return [(events.PARAM, run_id, k, None, None, None, v) for k, v in params.items()]


def tag_rows(run_id: str, tags: Iterable[tuple[str, str]]) -> list[Row]:
    """Checked ``(key, value)`` tags as rows."""
    return [(events.TAG, run_id, k, None, None, None, v) for k, v in tags]


def status_for(exc: BaseException | None) -> str:
    """The status a run ends with when its code ended with ``exc`` (None: it returned).

    The one rule every run end follows (``with start_run()``, autolog, ``%%track``, the exit
    handler): FINISHED when nothing was raised or on ``SystemExit(0)``/``sys.exit()`` (a clean
    exit), KILLED on KeyboardInterrupt (Ctrl-C, the kernel's interrupt), FAILED otherwise.
    """
    if exc is None:
        return "FINISHED"
    if isinstance(exc, KeyboardInterrupt):
        return "KILLED"
    if isinstance(exc, SystemExit) and exc.code in (0, None):
        return "FINISHED"
    return "FAILED"


def outcome_for(exc: BaseException | None, tb: TracebackType | None = None) -> tuple[str, str | None]:
    """(status, stored error) of a run ended by ``exc``: the traceback for FAILED, none for FINISHED."""
    status = status_for(exc)
    if status == "FINISHED" or exc is None:
        return status, None
    if status == "KILLED":
        return status, "KeyboardInterrupt"
    return status, "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))
