"""Lineage: the previous run of the same cell, and what changed since.

Within a kernel the last run of each cell is remembered in memory. For the
cells not executed yet in this kernel, the latest run of every cell in the
store (found through the ``nbtrack.cell_id`` tag) is read once per kernel and
store, by :func:`load_previous_runs` in the magics' background thread: one
query, started by the first ``%%track`` cell, never waited for by a cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..store.base import RunBrief

CELL_ID_TAG = "nbtrack.cell_id"
PREVIOUS_TAG = "nbtrack.previous_run_id"


#: What a run card needs to know about a run: the store's own summary of one.
RunSummary = RunBrief


@dataclass(frozen=True)
class Change:
    """A param or metric whose value differs from the previous run's (None: absent there)."""

    key: str
    old: Any
    new: Any


class Lineage:
    """The last run of each cell executed in this kernel."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._last: dict[str, RunSummary] = {}
        self._capacity = capacity

    def known(self, cell_id: str) -> RunSummary | None:
        """The last run of ``cell_id`` executed in this kernel, if any."""
        return self._last.get(cell_id)

    def remember(self, cell_id: str, summary: RunSummary) -> None:
        """``summary`` is now the latest run of ``cell_id`` (the oldest entry goes past capacity)."""
        self._last.pop(cell_id, None)
        self._last[cell_id] = summary
        if len(self._last) > self._capacity:
            self._last.pop(next(iter(self._last)))


def load_previous_runs(session: Any, exclude_run_id: str, before_ms: int) -> dict[str, RunSummary]:
    """cell id -> the newest run of that cell in ``session``'s store started before ``before_ms``.

    ``exclude_run_id`` (the asking cell's run) and every run started from
    ``before_ms`` on (this kernel's own later cells, remembered in memory)
    are left out. One read (it merges what is sealed first, as every read
    does); meant for a background thread: cells use the answer once it is there.
    """
    return session.reader().previous_runs(CELL_ID_TAG, exclude_run_id=exclude_run_id, before_ms=before_ms)


def param_changes(previous: RunSummary, params: dict[str, str]) -> list[Change]:
    """Params that differ from the previous run (added, removed or changed)."""
    keys = list(params) + [k for k in previous.params if k not in params]
    return [
        Change(key, previous.params.get(key), params.get(key))
        for key in keys
        if previous.params.get(key) != params.get(key)
    ]
