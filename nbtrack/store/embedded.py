"""The embedded store: one DuckDB file in a ``.nbtrack/`` directory.

Layout::

    .nbtrack/nbtrack.duckdb        the database
    .nbtrack/nbtrack.duckdb.lock   sidecar lock serialising every open
    .nbtrack/spool/                sealed event files waiting for a merge
    .nbtrack/artifacts/            content-addressed files

Writers never open the database: they seal spool files (about 1 ms each).
Whoever holds the lock next (a reader, or a writer's background thread)
merges every sealed file in one transaction, then reads. Readers therefore
always see everything sealed before they asked. See docs/storage.md.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import (
    NbtrackError,
    NotAStoreError,
    StoreError,
    StoreLockedError,
)
from . import deadline, failures, frames, history, lookups, schema, user_sql
from .base import MetricSeries, RunBrief, RunQuery, RunRecord, Store, StoreVersion
from .blobs import BlobStore
from .connection import Connections
from .lock import StoreLock
from .merger import Merger
from .search_sql import runs_select_sql
from .spool import Spool

if TYPE_CHECKING:
    import duckdb
    import pandas as pd
    import pyarrow as pa

DB_NAME = "nbtrack.duckdb"


def default_lock_timeout() -> float:
    """Seconds a read waits for the store lock (``NBTRACK_LOCK_TIMEOUT``, default 30)."""
    try:
        return float(os.environ.get("NBTRACK_LOCK_TIMEOUT", "30"))
    except ValueError:
        return 30.0


class EmbeddedStore(Store):
    """A store in one directory on a local (or shared POSIX) file system."""

    #: Seconds a read may run before it is stopped with QueryTimeoutError (None: no bound).
    statement_timeout: float | None = None

    def __init__(self, root: Path, *, lock_timeout: float | None = None) -> None:
        self.root = root.resolve()
        self.uri = str(self.root)
        self.db_path = self.root / DB_NAME
        self.blobs = BlobStore(self.root / "artifacts")
        self.spool = Spool(self.root / "spool")
        self.lock_timeout = default_lock_timeout() if lock_timeout is None else lock_timeout
        self._lock = StoreLock(self.root / (DB_NAME + ".lock"))
        self._connections = Connections(self.db_path, self._lock, self._on_open)
        self._seq_lock = threading.Lock()
        self._seq = 0
        self._writer_pid = -1
        self._writer_id = ""
        self._last_sealed: Path | None = None
        self._host = socket.gethostname()
        self.merger = Merger(self.spool, self.db_path, self._host, self.blobs)

    # -- writing -----------------------------------------------------------------
    def write_batch(self, batch: pa.Table, *, durable: bool = False) -> None:
        """Seal ``batch`` as a spool file; it survives this process once this returns."""
        with self._seq_lock:
            if self._writer_pid != os.getpid():
                self._writer_pid = os.getpid()
                host = re.sub(r"[^A-Za-z0-9]+", "_", self._host)[:40]
                self._writer_id = f"{host}-{self._writer_pid}-{secrets.token_hex(4)}"
                self._seq = 0
            self._seq += 1
            name = f"{self._writer_id}-{self._seq:010d}"
            self._ensure_root()
            try:
                path = self.spool.write(batch, name, fsync=durable and _fsync_wanted())
            except OSError as exc:
                raise failures.seal_failure(self.spool.directory, exc) from exc
            self._last_sealed = path

    def merge_pending(self, *, timeout: float = 0.0) -> bool:
        """Merge sealed spool files now; False if the lock was busy (timeout 0).

        With a timeout, this returns as soon as this process's files are
        merged, by itself or by whichever process holds the lock: eight
        writers flushing at once share one merge instead of queuing for
        eight (each open of the file costs ~10 ms, each merge more).

        A merge that fails because of the target (full disk, damaged
        database) leaves every spool file in place and raises the
        :class:`~nbtrack.errors.StoreError` subclass naming the cause; with
        ``timeout=0`` (the background writer) it warns once per cause and
        returns False instead.
        """
        if timeout <= 0:
            try:
                return not self.spool.pending() or self._try_merge(0)
            except NbtrackError as exc:
                self.merger.warn_background(exc)
                return False
        try:
            if not self.spool.pending():
                return True
            try:
                # waits its turn in the lock's queue; stops waiting once another process merged our files
                return self._try_merge(timeout, unless=lambda: not self._own_files_pending())
            except StoreLockedError:
                if not self._own_files_pending():
                    return True
                raise
        finally:
            self.merger.announce_set_aside()

    def _try_merge(self, timeout: float, *, unless: Callable[[], bool] | None = None) -> bool:
        """Merge under the lock; False if it was busy and ``timeout`` is 0."""
        self._ensure_root()
        try:
            with self._connections.connect(timeout, lease=False, unless=unless) as con:
                self.merger.merge_all(con)
        except StoreLockedError:
            if timeout > 0:
                raise
            return False
        return True

    def _own_files_pending(self) -> bool:
        """Is the last file this process sealed still waiting (merged files are deleted)?"""
        last = self._last_sealed
        return last is not None and last.exists()

    @property
    def lock(self) -> StoreLock:
        """The sidecar lock serialising every open of the database."""
        return self._lock

    def unmerged(self, timeout: float) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A connection that merges nothing first (``nbtrack doctor`` looks before it touches)."""
        return self._connections.connect(timeout, lease=False)

    # -- reading -------------------------------------------------------------------
    @contextlib.contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection on a store with every sealed file merged (bounded wait)."""
        import duckdb

        self._ensure_root()
        with self._connections.connect(self.lock_timeout) as con:
            self.merger.merge_all(con)
            self.merger.announce_set_aside()
            try:
                with deadline.bounded(con, self.statement_timeout):  # the read only, never the merge
                    yield con
            except duckdb.IOException as exc:  # a damaged block shows only when a read reaches it
                raise failures.read_failure(self.db_path, exc) from exc

    def search_runs(self, query: RunQuery) -> pd.DataFrame:
        sql, params = runs_select_sql(query, frames.BASE_SELECT, join=frames.BASE_JOIN)
        with self.reading() as con:
            return frames.wide_runs(con, con.execute(sql, params).to_arrow_table())

    def count_runs(self, query: RunQuery) -> int:
        sql, params = runs_select_sql(RunQuery(**{**query.__dict__, "order_by": ()}), "count(*)", page=False)
        with self.reading() as con:
            row = con.execute(sql, params).fetchone()
            return int(row[0]) if row else 0

    def get_run(self, run_id: str, *, include_deleted: bool = True) -> RunRecord | None:
        with self.reading() as con:
            return _read_run(con, run_id, include_deleted)

    def experiments(self) -> pd.DataFrame:
        with self.reading() as con:
            return con.execute(_EXPERIMENTS_SQL).df()

    def find_experiments(self, names_or_ids: list[str]) -> dict[str, tuple[str, str]]:
        with self.reading() as con:
            rows = con.execute(
                "SELECT experiment_id, name FROM core.experiments "
                "WHERE list_contains($w, experiment_id) OR list_contains($w, name)",
                {"w": names_or_ids},
            ).fetchall()
        found: dict[str, tuple[str, str]] = {}
        for experiment_id, name in rows:
            for key in (experiment_id, name):
                if key in names_or_ids:
                    found.setdefault(key, (experiment_id, name))
        return found

    def metric_history(self, run_id: str, key: str, max_points: int | None) -> tuple[pa.Table, int]:
        with self.reading() as con:
            return history.read_history(con, run_id, key, max_points)

    def metric_steps(self, run_id: str) -> dict[str, int]:
        with self.reading() as con:
            rows = con.execute(
                "SELECT key, step FROM core.metric_latest WHERE run_id = ?", [run_id]
            ).fetchall()
        return {key: int(step) for key, step in rows}

    def metric_series(self, run_id: str) -> list[MetricSeries]:
        with self.reading() as con:
            return lookups.metric_series(con, run_id)

    def metric_keys(self, run_ids: Sequence[str]) -> list[str]:
        with self.reading() as con:
            return lookups.metric_keys(con, run_ids)

    def series_counts(self, run_ids: Sequence[str], keys: Sequence[str]) -> dict[tuple[str, str], int]:
        with self.reading() as con:
            return lookups.series_counts(con, run_ids, keys)

    def column_keys(self, experiment_ids: Sequence[str] | None) -> dict[str, list[str]]:
        with self.reading() as con:
            return lookups.column_keys(con, experiment_ids)

    def resolve_run_prefix(self, prefix: str, limit: int = 2) -> list[str]:
        with self.reading() as con:
            return lookups.resolve_run_prefix(con, prefix, limit)

    def previous_runs(self, tag_key: str, *, exclude_run_id: str, before_ms: int) -> dict[str, RunBrief]:
        with self.reading() as con:
            return lookups.previous_runs(con, tag_key, exclude_run_id, before_ms)

    def version_digest(self) -> StoreVersion:
        with self.reading() as con:
            return lookups.version_digest(con)

    def put_blob(self, data: bytes | None = None, *, file: Path | None = None) -> tuple[str, int]:
        self._ensure_root()
        return self.blobs.put_file(file) if file is not None else self.blobs.put_bytes(data or b"")

    def blob_path(self, digest: str) -> Path:
        return self.blobs.path_for(digest)

    def artifacts(self, run_id: str) -> pd.DataFrame:
        with self.reading() as con:
            return con.execute(
                "SELECT path, size, media_type, sha256, epoch_ms(logged_ms) AS logged_time "
                "FROM core.artifacts WHERE run_id = ? ORDER BY path",
                [run_id],
            ).df()

    def sql(self, query: str, params: Any = None) -> pd.DataFrame:
        """Run one reading statement on a read-only, locked-down connection (see :mod:`.user_sql`)."""
        user_sql.check_query(query)
        with (
            self.reading(),  # merges; its read-write connection is then closed by read_only()
            self._connections.read_only(user_sql.READ_ONLY_CONFIG, user_sql.lock_down) as reader,
            deadline.bounded(reader, self.statement_timeout),
        ):
            return user_sql.run(reader, query, params)

    def close(self) -> None:
        self._connections.close()

    def change_token(self) -> str | None:
        """Sizes and mtimes of the database and its WAL, plus the sealed spool files (a few stat calls)."""
        parts = []
        for path in (self.db_path, self.db_path.with_name(DB_NAME + ".wal")):
            try:
                info = path.stat()
            except FileNotFoundError:
                parts.append("-")
            else:
                parts.append(f"{info.st_mtime_ns}:{info.st_size}")
        parts.extend(self.spool.pending())
        return "|".join(parts)

    def release_idle(self) -> None:
        """Close a leased connection unless a thread is using it (before a fork)."""
        self._connections.close_if_idle()

    def forget_after_fork(self) -> None:
        """In a forked child: never touch the parent's connection or lock."""
        self._connections.forget_after_fork()
        self._seq_lock = threading.Lock()

    # -- internals -----------------------------------------------------------------
    def check_root(self) -> None:
        """Raise :class:`NotAStoreError` if a file sits where the store directory should be."""
        if self.root.exists() and not self.root.is_dir():
            raise NotAStoreError(
                f"{self.root} is a file, not an nbtrack store directory: move it aside (nbtrack then "
                "creates the store there) or point NBTRACK_URI at another directory."
            )

    def _ensure_root(self) -> None:
        self.check_root()
        if not self.root.is_dir():
            try:
                self.root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"Cannot create the nbtrack store at {self.root}: {exc}") from exc

    def _on_open(self, con: duckdb.DuckDBPyConnection) -> None:
        schema.migrate(con, _now_ms())


def _fsync_wanted() -> bool:
    """fsync durable seals only when ``NBTRACK_FSYNC=1``.

    A sealed spool file survives the death of its process without fsync
    (it is in the page cache); fsync only adds safety against power loss
    during the ~second before the merge commits it (DuckDB fsyncs its own
    commits), and costs ~5 ms per run end on this kind of disk.
    """
    return os.environ.get("NBTRACK_FSYNC", "") not in ("", "0")


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


_EXPERIMENTS_SQL = """
SELECT e.experiment_id, e.name, epoch_ms(e.created_ms) AS created_time, e.lifecycle AS lifecycle_stage,
       count(r.run_id) AS runs, epoch_ms(max(r.start_ms)) AS last_run_time
FROM core.experiments e
LEFT JOIN core.runs r ON r.experiment_id = e.experiment_id AND r.lifecycle = 'active'
GROUP BY ALL ORDER BY e.name
"""

_RUN_SQL = """
SELECT r.run_id, r.experiment_id, e.name, r.run_name, r.status, epoch_ms(r.start_ms), epoch_ms(r.end_ms),
       r.parent_run_id, r.lifecycle, r.user_name, r.host, r.pid, r.error
FROM core.runs_live r LEFT JOIN core.experiments e USING (experiment_id) WHERE r.run_id = ?
"""


def _read_run(con: duckdb.DuckDBPyConnection, run_id: str, include_deleted: bool) -> RunRecord | None:
    row = con.execute(_RUN_SQL, [run_id]).fetchone()
    if row is None or (row[8] != "active" and not include_deleted):
        return None
    params = dict(con.execute("SELECT key, value FROM core.params WHERE run_id = ?", [run_id]).fetchall())
    metrics = dict(
        con.execute("SELECT key, value FROM core.metric_latest WHERE run_id = ?", [run_id]).fetchall()
    )
    tags = dict(con.execute("SELECT key, value FROM core.tags WHERE run_id = ?", [run_id]).fetchall())
    return RunRecord(
        run_id=row[0],
        experiment_id=row[1],
        experiment_name=row[2],
        run_name=row[3],
        status=row[4],
        start_time=row[5],
        end_time=row[6],
        parent_run_id=row[7],
        lifecycle_stage=row[8],
        user=row[9],
        host=row[10],
        pid=row[11],
        error=row[12],
        params=params,
        metrics=metrics,
        tags=tags,
    )
