"""Lineage: the previous run of the same cell, and what changed since.

Within a kernel the last run of each cell is remembered in memory. After a
restart the first execution of a cell finds its previous run in the store
through the ``nbtrack.cell_id`` tag (one indexed read, done in a background
thread while the cell runs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CELL_ID_TAG = "nbtrack.cell_id"
PREVIOUS_TAG = "nbtrack.previous_run_id"


@dataclass
class RunSummary:
    """What a run card needs to know about a run."""

    run_id: str
    run_name: str
    status: str
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


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
        return self._last.get(cell_id)

    def remember(self, cell_id: str, summary: RunSummary) -> None:
        self._last.pop(cell_id, None)
        self._last[cell_id] = summary
        if len(self._last) > self._capacity:
            self._last.pop(next(iter(self._last)))


def find_previous(cell_id: str, exclude_run_id: str) -> RunSummary | None:
    """The newest run in the store tagged with ``cell_id``, other than ``exclude_run_id``."""
    from .. import api

    frame = api.sql(
        "SELECT t.run_id FROM tags t JOIN runs r USING (run_id) "
        "WHERE t.key = ? AND t.value = ? AND t.run_id <> ? ORDER BY r.start_time DESC LIMIT 1",
        [CELL_ID_TAG, cell_id, exclude_run_id],
    )
    if frame.empty:
        return None
    record = api.get_run(str(frame["run_id"].iloc[0]))
    return RunSummary(
        record.run_id, record.run_name or "", record.status, dict(record.params), dict(record.metrics)
    )


def param_changes(previous: RunSummary, params: dict[str, str]) -> list[Change]:
    """Params that differ from the previous run (added, removed or changed)."""
    keys = list(params) + [k for k in previous.params if k not in params]
    return [
        Change(key, previous.params.get(key), params.get(key))
        for key in keys
        if previous.params.get(key) != params.get(key)
    ]
