"""Merging sealed spool files into the database, and saying truthfully when it cannot.

Called with the store lock held and a connection open. Files merge in
chunks, each in one transaction. When a chunk fails, the cause decides:

* the target is to blame (full disk, damaged or read-only database, any
  DuckDB I/O, fatal or internal error): every file stays in the spool and
  the error (:mod:`~nbtrack.store.failures`) is raised; the connection is
  then closed by :class:`~nbtrack.store.connection.Connections`, never reused;
* the rows are to blame (DuckDB refused a value): the files merge one by
  one and only the file whose rows are refused is set aside in ``bad/``.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import StoreError
from . import failures, merge
from .blobs import BlobStore
from .spool import Spool

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

#: Spool files merged per transaction (bounds a merge's memory).
MERGE_CHUNK_FILES = 400
_TMP_SWEEP_EVERY = 60.0
_MERGED_NAMES_KEPT_MS = 7 * 24 * 3600 * 1000


class Merger:
    """The merge of one store's spool, with the once-per-process announcements it owes the user."""

    def __init__(self, spool: Spool, db_path: Path, host: str, blobs: BlobStore | None = None) -> None:
        self.spool = spool
        self.blobs = blobs
        self.db_path = db_path
        self.host = host
        self._last_sweep = 0.0
        self._announced_bad = False
        self._warned: set[str] = set()

    def merge_all(self, con: duckdb.DuckDBPyConnection) -> None:
        """Merge every sealed file; raises the target's failure with every file still in place."""
        try:
            names = self.spool.pending()
            while names:
                chunk, names = names[:MERGE_CHUNK_FILES], names[MERGE_CHUNK_FILES:]
                self._merge_files(con, chunk)
            self._maintain(con)
        except StoreError:
            raise
        except Exception as exc:  # outside a commit of rows (a lookup, the upkeep): the target's fault
            raise self.failure(exc) from exc

    def _maintain(self, con: duckdb.DuckDBPyConnection) -> None:
        """Mark dead runs KILLED; now and then sweep stale ``.tmp`` files and old merged names."""
        merge.repair_dead_runs(con, self.host)
        now = time.monotonic()
        if now - self._last_sweep > _TMP_SWEEP_EVERY:
            self._last_sweep = now
            self.spool.remove_stale_tmp()
            if self.blobs is not None:
                self.blobs.remove_stale_tmp()
            con.execute(
                "DELETE FROM core.merged_files WHERE merged_ms < ?", [_now_ms() - _MERGED_NAMES_KEPT_MS]
            )

    def failure(self, exc: BaseException) -> StoreError:
        """The error naming the target's failure behind ``exc``."""
        return failures.merge_failure(exc, self.db_path, self.spool.directory, len(self.spool.pending()))

    def announce_set_aside(self) -> None:
        """Warn once per process if files sit in ``bad/``: how many, where, how to recover."""
        if self._announced_bad:
            return
        names = self.spool.set_aside()
        if not names:
            return
        self._announced_bad = True
        warnings.warn(
            f"nbtrack set aside {len(names)} spool file{'s' if len(names) != 1 else ''} it cannot read "
            f"in {self.spool.bad_directory} (each has a .why note). Run `nbtrack doctor --repair` to "
            "merge the ones that are readable again; the rest need a look from you.",
            RuntimeWarning,
            stacklevel=4,
        )

    def skip_announcement(self) -> None:
        """Do not announce set-aside files in this process (``nbtrack doctor`` reports them itself)."""
        self._announced_bad = True

    def warn_background(self, error: BaseException) -> None:
        """Warn once per cause that background merges fail; flush() raises the same error."""
        cause = type(error).__name__
        if cause in self._warned:
            return
        self._warned.add(cause)
        # a warnings filter set to "error" must not turn this into a crash of the writer thread
        with contextlib.suppress(Warning):
            warnings.warn(
                f"nbtrack's background merge failed: {error} (retried every second; "
                "nbtrack.flush() raises this error until it is fixed)",
                RuntimeWarning,
                stacklevel=2,
            )

    def _merge_files(self, con: duckdb.DuckDBPyConnection, names: list[str]) -> None:
        done = {
            row[0]
            for row in con.execute(
                "SELECT name FROM core.merged_files WHERE list_contains(?, name)", [names]
            ).fetchall()
        }
        self.spool.remove(sorted(done))  # merged before, deletion interrupted
        table, read = self._read([n for n in names if n not in done])
        if not read:
            return
        try:
            _commit(con, table, read)
        except Exception as exc:
            if not failures.rows_refused(exc):
                raise self.failure(exc) from exc
            self._merge_one_by_one(con, read)
            return
        self.spool.remove(read)

    def _merge_one_by_one(self, con: duckdb.DuckDBPyConnection, names: list[str]) -> None:
        """DuckDB refused a chunk's rows: merge its files singly and set aside the refused ones."""
        for name in names:
            table, read = self._read([name])
            if not read:
                continue
            try:
                _commit(con, table, read)
            except Exception as exc:
                if not failures.rows_refused(exc):
                    raise self.failure(exc) from exc
                self.spool.quarantine(name, f"DuckDB refused its rows: {type(exc).__name__}: {exc}")
            else:
                self.spool.remove(read)

    def _read(self, names: list[str]) -> tuple[pa.Table, list[str]]:
        try:
            return self.spool.read(names)
        except OSError as exc:  # the spool's disk, not the files: keep them all
            raise self.failure(exc) from exc


def _commit(con: duckdb.DuckDBPyConnection, table: pa.Table, names: list[str]) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        merge.apply_events(con, table)
        con.execute(
            "INSERT INTO core.merged_files SELECT unnest(?::VARCHAR[]), ? ON CONFLICT DO NOTHING",
            [names, _now_ms()],
        )
        con.execute("COMMIT")
    except BaseException:
        # a failed COMMIT has already ended the transaction: the original error is what counts
        with contextlib.suppress(Exception):
            con.execute("ROLLBACK")
        raise


def _now_ms() -> int:
    return time.time_ns() // 1_000_000
