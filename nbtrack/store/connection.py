"""Short-lived, lock-guarded connections to the DuckDB file.

Opening the file costs about 9 ms, so a connection opened for a read is
kept for a short lease (``keepalive``, default 0.25 s) to serve the next
read of a burst (a widget paging, a loop of queries), then closed by a
janitor thread. Once a lease has lasted ``max_hold`` seconds, or as soon
as a use of it ends, it is given up if another process is waiting in the
lock's queue, which serves waiters in arrival order: a reader in a tight
loop never starves the others. Writes from the background merge ask for
no lease.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import StoreError, StoreLockedError
from . import failures
from .lock import StoreLock

if TYPE_CHECKING:
    import duckdb

_DUCKDB_CONFIG = {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}


class Connections:
    """Hands out the one connection this process may hold to a store file."""

    def __init__(
        self,
        db_path: Path,
        lock: StoreLock,
        on_open: Callable[[duckdb.DuckDBPyConnection], None],
        *,
        keepalive: float = 0.25,
        max_hold: float = 0.2,
    ) -> None:
        self.db_path = db_path
        self.lock = lock
        self._on_open = on_open
        self.keepalive = keepalive
        self.max_hold = max_hold
        self._mutex = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._last_used = 0.0
        self._janitor: threading.Thread | None = None
        self._pid = os.getpid()

    @contextlib.contextmanager
    def connect(
        self, timeout: float, *, lease: bool = True, unless: Callable[[], bool] | None = None
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """Yield an open connection, holding the store lock while it is used.

        ``timeout`` bounds the wait for the lock (0: fail at once with
        :class:`StoreLockedError`); ``lease`` keeps the connection for the
        next caller for ``keepalive`` seconds (unless another process waits);
        ``unless()`` turning true while waiting ends the wait with
        :class:`StoreLockedError` too (the caller checks why).
        """
        got = self._mutex.acquire(timeout=timeout) if timeout > 0 else self._mutex.acquire(blocking=False)
        if not got:
            raise StoreLockedError(f"another thread of this process kept the store busy for {timeout:g} s")
        try:
            con = self._ensure_open(timeout, unless)
            try:
                yield con
            except BaseException:
                # after an I/O error DuckDB may have invalidated the database: never reuse it
                self._close()
                raise
            finally:
                self._last_used = time.monotonic()
                keep = lease and self.keepalive > 0 and not self.lock.someone_waiting()
                if self._con is not None and not keep:
                    self._close()
                elif self._con is not None:
                    self._start_janitor()
        finally:
            self._mutex.release()

    def close(self) -> None:
        """Close the connection now (waits for a user of it to finish)."""
        with self._mutex:
            self._close()

    def close_if_idle(self) -> None:
        """Close the connection unless a thread is using it right now."""
        if self._mutex.acquire(blocking=False):
            try:
                self._close()
            finally:
                self._mutex.release()

    def forget_after_fork(self) -> None:
        """In a forked child: drop the parent's connection without closing it.

        Closing would checkpoint the parent's database from the child; the
        descriptor of the flock is the parent's too. Start from nothing.
        """
        self._mutex = threading.Lock()
        if self._con is not None:
            _ORPHANS.append(self._con)  # never closed, never collected
        self._con = None
        self.lock.forget_after_fork()
        self._janitor = None
        self._pid = os.getpid()

    def _ensure_open(self, timeout: float, unless: Callable[[], bool] | None) -> duckdb.DuckDBPyConnection:
        if (
            self._con is not None
            and time.monotonic() - self.lock.acquired_at > self.max_hold
            and self.lock.someone_waiting()
        ):
            self._close()  # its turn: the waiter holds a ticket, so this process queues behind it
        if self._con is None:
            if not self.lock.acquire(timeout, unless=unless):
                raise StoreLockedError(f"the store at {self.db_path.parent} is busy")
            try:
                self._con = _open_file(self.db_path, timeout)
                self._on_open(self._con)
            except BaseException:
                self._close()
                raise
        return self._con

    def _close(self) -> None:
        con, self._con = self._con, None
        try:
            if con is not None:
                with contextlib.suppress(Exception):  # an invalidated database fails to close too
                    con.close()
        finally:
            if self.lock.held:
                self.lock.release()

    def _start_janitor(self) -> None:
        if self._janitor is not None and self._janitor.is_alive():
            return
        self._janitor = threading.Thread(target=self._expire, name="nbtrack-lease", daemon=True)
        self._janitor.start()

    def _expire(self) -> None:
        while True:
            wait = self._last_used + self.keepalive - time.monotonic()
            if wait > 0:
                time.sleep(wait)
                continue
            if not self._mutex.acquire(blocking=False):
                time.sleep(self.keepalive / 4)  # in use right now; look again soon
                continue
            try:
                if time.monotonic() - self._last_used >= self.keepalive:
                    self._close()
                    return
            finally:
                self._mutex.release()

    @contextlib.contextmanager
    def read_only(
        self,
        config: Mapping[str, str],
        setup: Callable[[duckdb.DuckDBPyConnection], None],
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """Inside :meth:`connect`: swap this process's connection for a read-only one on the same file.

        DuckDB admits one configuration per file and process, so the
        read-write connection is closed first; the store lock stays held
        until the read-only connection is closed, so no process writes in
        between. ``setup`` runs on the new connection before it is yielded
        (to lock its configuration). The next :meth:`connect` opens
        read-write again.
        """
        import duckdb

        if not self.lock.held:
            raise RuntimeError("Connections.read_only() is only for use inside connect()")
        con, self._con = self._con, None
        if con is not None:
            with contextlib.suppress(Exception):
                con.close()
        try:
            try:
                reader = duckdb.connect(str(self.db_path), read_only=True, config=dict(config))
            except duckdb.ConnectionException as exc:  # only after a fork in mid-read: see _ORPHANS
                raise StoreError(
                    f"cannot open {self.db_path} read-only in this process: it was forked while "
                    "another thread was reading the store, and DuckDB keeps that connection here. "
                    "Query from the parent process, or start workers with the 'spawn' method."
                ) from exc
            except duckdb.Error as exc:
                raise failures.open_failure(self.db_path, exc) from exc
            try:
                setup(reader)
                yield reader
            finally:
                reader.close()
        finally:
            self.lock.release()


_ORPHANS: list[object] = []


def _open_file(db_path: Path, timeout: float) -> duckdb.DuckDBPyConnection:
    """Open the file, retrying only while another program holds DuckDB's own lock on it.

    Any other failure (a damaged, truncated or foreign file, a directory) is
    raised at once as the :mod:`~nbtrack.store.failures` error that names it.
    """
    import duckdb

    deadline = time.monotonic() + max(timeout, 0.0)
    delay = 0.005
    while True:
        try:
            con = duckdb.connect(str(db_path), config=dict(_DUCKDB_CONFIG))
        except duckdb.IOException as exc:
            if not failures.is_lock_conflict(exc):
                raise failures.open_failure(db_path, exc) from exc
            if time.monotonic() >= deadline:
                raise StoreLockedError(
                    f"DuckDB could not open {db_path}: {exc}. A program outside nbtrack (a DuckDB "
                    "shell or another tool) holds the file open; close it and try again."
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
        else:
            quiet(con)
            return con


def quiet(con: duckdb.DuckDBPyConnection) -> None:
    """Keep DuckDB's progress bar out of the user's output (it prints to stdout even when piped).

    These are connection settings (DuckDB refuses them in the open config):
    call this on every connection before its configuration is locked.
    """
    con.execute("SET enable_progress_bar = false")
    con.execute("SET enable_progress_bar_print = false")
