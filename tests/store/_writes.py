"""Event batches for the contract suite, built like the Session builds them (tracking.rows)."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping, Sequence

from nbtrack.store import events
from nbtrack.store.base import Store
from nbtrack.tracking import rows
from nbtrack.tracking.run_state import RunState

EXPERIMENT_ID = "e0000000000000001"


class Writes:
    """Writes runs, metrics and artifacts to a store with ``write_batch`` only, then merges."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._rows: list[rows.Row] = []

    def experiment(self, experiment_id: str = EXPERIMENT_ID, name: str = "exp") -> None:
        self._rows.append((events.EXPERIMENT, experiment_id, "name", None, 1_000, None, name))

    def run(
        self,
        run_id: str,
        *,
        start_ms: int,
        experiment_id: str = EXPERIMENT_ID,
        name: str | None = None,
        status: str | None = "FINISHED",
        params: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        """A run started at ``start_ms``; ended with ``status`` one second later (None: still RUNNING)."""
        state = RunState(run_id, experiment_id, name or f"run-{run_id[:4]}", None, os.getpid(), start_ms)
        self._rows += rows.start_rows(
            state, host=socket.gethostname(), user="tester", pid=os.getpid(), stamp=start_ms
        )
        self._rows += rows.param_rows(run_id, dict(params or {}))
        self._rows += rows.tag_rows(run_id, list((tags or {}).items()))
        if status is not None:
            self._rows += rows.finish_rows(run_id, status, start_ms + 1_000, None)

    def metric(self, run_id: str, key: str, points: Sequence[tuple[int, float]], ts: int = 2_000) -> None:
        self._rows += [(events.METRIC, run_id, key, step, ts + step, value, None) for step, value in points]

    def tag(self, run_id: str, key: str, value: str) -> None:
        self._rows += rows.tag_rows(run_id, [(key, value)])

    def status(self, run_id: str, status: str, stamp: int = 9_000) -> None:
        self._rows += rows.finish_rows(run_id, status, stamp, None)

    def delete(self, run_id: str) -> None:
        self._rows.append((events.RUN, run_id, "lifecycle", None, 9_000, None, "deleted"))

    def artifact(self, run_id: str, path: str, data: bytes, media_type: str = "text/plain") -> str:
        digest, size = self.store.put_blob(data)
        self._rows.append((events.ARTIFACT, run_id, path, size, 3_000, None, f"{digest} {media_type}"))
        return digest

    def commit(self) -> None:
        """One ``write_batch`` of everything gathered, then a merge (bounded wait)."""
        columns = list(zip(*self._rows, strict=True)) if self._rows else [[] for _ in events.COLUMNS]
        table = events.table_from_columns(dict(zip(events.COLUMNS, columns, strict=True)))
        self._rows = []
        self.store.write_batch(table, durable=True)
        assert self.store.merge_pending(timeout=30.0) is True
