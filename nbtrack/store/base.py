"""The store interface: one write primitive, a dozen reads.

Everything the tracking layer, the widgets, the server extension and the
CLI need from storage goes through :class:`Store`, so a filter means the
same thing everywhere and a second backend only implements this class.
"""

from __future__ import annotations

import abc
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


class Store(abc.ABC):
    """A place runs are written to and read from."""

    uri: str

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
