"""The store interface: one write primitive, a dozen reads.

Everything the tracking layer, the widgets, the server extension and the
CLI need from storage goes through :class:`Store`, so a filter means the
same thing everywhere and a second backend only implements this class.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


@dataclass(frozen=True)
class RunQuery:
    """What :meth:`Store.search_runs` selects.

    ``experiment_ids`` None means every experiment; ``filter`` uses the
    filter grammar of :mod:`nbtrack.store.filter`.
    """

    experiment_ids: tuple[str, ...] | None = None
    filter: str | None = None
    order_by: tuple[str, ...] = ()
    max_results: int = 100_000
    offset: int = 0
    include_deleted: bool = False
    run_ids: tuple[str, ...] | None = None


@dataclass(frozen=True)
class RunRecord:
    """Everything stored about one run."""

    run_id: str
    experiment_id: str | None
    experiment_name: str | None
    run_name: str | None
    status: str
    start_time: Any
    end_time: Any
    parent_run_id: str | None
    lifecycle_stage: str
    user: str | None
    host: str | None
    pid: int | None
    error: str | None
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def duration(self) -> float | None:
        """Seconds from start to end (None while running)."""
        if self.start_time is None or self.end_time is None:
            return None
        return (self.end_time - self.start_time).total_seconds()


@dataclass(frozen=True)
class Experiment:
    """An experiment: a named group of runs."""

    experiment_id: str
    name: str
    created_time: Any = None
    lifecycle_stage: str = "active"
    runs: int = 0


@dataclass(frozen=True)
class MetricSeries:
    """One metric key of a run: how many points it has and its highest step."""

    key: str
    points: int
    last_step: int


@dataclass(frozen=True)
class RunBrief:
    """The little a run card needs about an earlier run: name, status, params, latest metrics."""

    run_id: str
    run_name: str
    status: str
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class StoreVersion:
    """A digest of what readers show (runs, statuses, latest steps, params, tags) and two counts."""

    digest: str
    runs: int
    experiments: int


class Store(abc.ABC):
    """A place runs are written to and read from."""

    uri: str
    #: Seconds a read or an explicit flush waits for the store (backends may take it from the environment).
    lock_timeout: float = 30.0
    #: Seconds a read may run before QueryTimeoutError stops it (None: no bound; the server sets one).
    statement_timeout: float | None = None

    @abc.abstractmethod
    def write_batch(self, batch: pa.Table, *, durable: bool = False) -> None:
        """The only write: append a batch of events (see :mod:`.events`)."""

    @abc.abstractmethod
    def merge_pending(self, *, timeout: float = 0.0) -> bool:
        """Make written batches visible to readers; False if the store was busy."""

    @abc.abstractmethod
    def search_runs(self, query: RunQuery) -> pd.DataFrame:
        """Runs as a wide DataFrame (MLflow's search_runs columns)."""

    @abc.abstractmethod
    def count_runs(self, query: RunQuery) -> int:
        """How many runs ``query`` selects (ignoring max_results/offset)."""

    @abc.abstractmethod
    def get_run(self, run_id: str, *, include_deleted: bool = True) -> RunRecord | None:
        """One run with its params, latest metrics and tags, or None."""

    @abc.abstractmethod
    def experiments(self) -> pd.DataFrame:
        """Every experiment with its run count."""

    @abc.abstractmethod
    def find_experiments(self, names_or_ids: list[str]) -> dict[str, tuple[str, str]]:
        """Map each given name or id that exists to its (experiment_id, name)."""

    @abc.abstractmethod
    def metric_history(self, run_id: str, key: str, max_points: int | None) -> tuple[pa.Table, int]:
        """(step, ts, value) points of one metric, downsampled to ``max_points``."""

    @abc.abstractmethod
    def metric_steps(self, run_id: str) -> dict[str, int]:
        """The highest step stored for each metric key of a run (to resume it)."""

    @abc.abstractmethod
    def metric_series(self, run_id: str) -> list[MetricSeries]:
        """Every metric key of a run with its point count and highest step, by key."""

    @abc.abstractmethod
    def metric_keys(self, run_ids: Sequence[str]) -> list[str]:
        """The distinct metric keys any of ``run_ids`` has, sorted."""

    @abc.abstractmethod
    def series_counts(self, run_ids: Sequence[str], keys: Sequence[str]) -> dict[tuple[str, str], int]:
        """Stored point count of each (run_id, key) series that exists among ``run_ids`` x ``keys``."""

    @abc.abstractmethod
    def column_keys(self, experiment_ids: Sequence[str] | None) -> dict[str, list[str]]:
        """Sorted metric, param and tag keys of the active runs of these experiments (None: all).

        Answers ``{"metrics": [...], "params": [...], "tags": [...]}``.
        """

    @abc.abstractmethod
    def resolve_run_prefix(self, prefix: str, limit: int = 2) -> list[str]:
        """Up to ``limit`` ids of runs (deleted ones too) that start with ``prefix``, sorted."""

    @abc.abstractmethod
    def previous_runs(self, tag_key: str, *, exclude_run_id: str, before_ms: int) -> dict[str, RunBrief]:
        """Tag value -> the newest active run carrying tag ``tag_key`` with that value.

        Only runs started before ``before_ms`` (epoch milliseconds) count, and
        never ``exclude_run_id``: ``%%track`` asks this with the cell-id tag
        to find the previous run of every cell.
        """

    @abc.abstractmethod
    def version_digest(self) -> StoreVersion:
        """A digest that changes whenever runs, statuses, latest metric steps, params or tags do."""

    @abc.abstractmethod
    def put_blob(self, data: bytes | None = None, *, file: Path | None = None) -> tuple[str, int]:
        """Store artifact content (bytes or a file) once; returns (sha256, size)."""

    @abc.abstractmethod
    def blob_path(self, digest: str) -> Path:
        """A local path holding the content with this digest."""

    @abc.abstractmethod
    def artifacts(self, run_id: str) -> pd.DataFrame:
        """The artifacts of a run: path, size, media_type, sha256, logged_time."""

    @abc.abstractmethod
    def sql(self, query: str, params: Any = None) -> pd.DataFrame:
        """Run one read-only SQL statement over the documented views."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release every resource (connections, locks)."""

    def change_token(self) -> str | None:
        """A cheap token (no lock, no query) that changes when the store's content may have.

        Equal tokens mean nothing was written since; a different token means
        "look again". None: this backend cannot tell, so callers must query.
        """
        return None

    def release_idle(self) -> None:
        """Before a fork: let go of resources a child must not inherit. Default: nothing to release."""
        return None

    def forget_after_fork(self) -> None:
        """In a forked child: drop the parent's resources without closing them. Default: nothing held."""
        return None
