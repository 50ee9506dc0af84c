"""The store lock: one sidecar file that serialises every open of the database.

DuckDB lets one process at a time open a file read-write, and an open
connection blocks every other process, with no busy timeout. So every open
goes through an ``flock`` on ``<db>.lock``: blocking with a bounded wait for
readers, non-blocking for the background merge. Waiters queue first come,
first served (:mod:`.lock_queue`), so a reader in a loop cannot starve a
writer's ``flush()`` or the other readers. The holder writes who it is
into the file (pid, host, program name, start time: never its arguments,
which can hold secrets such as a Jupyter token) so a waiter that gives up
can say which process to look at. The lock file and the queue's tickets
are created with mode ``0o666`` narrowed by the umask.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import StoreError, StoreLockedError
from .lock_queue import LockQueue

try:
    import fcntl
except ImportError:  # Windows: no flock
    fcntl = None  # type: ignore[assignment]


#: Longest sleep between two polls of a waiter.
POLL_MAX = 0.004
#: A ticket touched more recently than this means someone is polling now (polls are POLL_MAX apart).
ACTIVE_WAIT = 0.05


class StoreLock:
    """An inter-process lock on a sidecar file, plus an in-process mutex.

    ``flock`` locks belong to an open file description, so two threads of
    one process must also be kept apart: the in-process mutex does that, and
    makes waiting threads sleep instead of polling the file.
    """

    def __init__(self, path: Path) -> None:
        if fcntl is None:
            raise StoreError(
                "nbtrack's embedded store needs POSIX file locks (Linux, macOS, or WSL on Windows); "
                "this Python has no fcntl module."
            )
        self.path = path
        self.queue = LockQueue(path.with_name(path.name + ".queue"))
        self._mutex = threading.Lock()
        self._fd: int | None = None
        self.acquired_at = 0.0
        self.acquired_wall = 0.0

    @property
    def held(self) -> bool:
        """True while this process holds the lock."""
        return self._fd is not None

    def acquire(self, timeout: float, *, unless: Callable[[], bool] | None = None) -> bool:
        """Take the lock, waiting at most ``timeout`` seconds (0: do not wait).

        Returns False when the lock is busy and ``timeout`` is 0, or when
        ``unless()`` turns true while waiting (the wait is no longer needed);
        raises :class:`StoreLockedError` naming the holder when a wait times out.
        """
        deadline = time.monotonic() + timeout
        got = self._mutex.acquire(timeout=timeout) if timeout > 0 else self._mutex.acquire(blocking=False)
        if not got:
            return self._busy(timeout, "another thread of this process")
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except BaseException:
            self._mutex.release()
            raise
        try:
            outcome = self._wait_in_line(fd, deadline, timeout, unless)
        except BaseException:
            os.close(fd)
            self._mutex.release()
            raise
        if outcome != "taken":
            os.close(fd)
            self._mutex.release()
            return self._busy(timeout, self.holder()) if outcome == "timeout" else False
        self._fd = fd
        self.acquired_at = time.monotonic()
        self.acquired_wall = time.time()
        self._write_owner(fd)
        return True

    def _wait_in_line(
        self, fd: int, deadline: float, timeout: float, unless: Callable[[], bool] | None
    ) -> str:
        """Poll ``flock`` in arrival order; returns "taken", "timeout" or "given up"."""
        ticket: str | None = None
        delay = 0.001
        try:
            while True:
                if not self.queue.ahead(ticket) and _try_flock(fd):
                    return "taken"
                remaining = deadline - time.monotonic()
                if timeout <= 0 or remaining <= 0:
                    return "timeout"
                if unless is not None and unless():
                    return "given up"
                if ticket is None:
                    ticket = self.queue.take()
                else:
                    self.queue.touch(ticket)
                time.sleep(min(delay, remaining))
                delay = min(delay * 2, POLL_MAX)
        finally:
            if ticket is not None:
                self.queue.leave(ticket)

    def release(self) -> None:
        """Give the lock back (closing the descriptor drops the flock)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.close(fd)
        finally:
            self._mutex.release()

    def someone_waiting(self) -> bool:
        """True if another process is polling for the lock right now."""
        return self.queue.active_since(time.time() - ACTIVE_WAIT)

    def forget_after_fork(self) -> None:
        """In a forked child: drop the inherited descriptor without unlocking the parent."""
        fd, self._fd = self._fd, None
        self._mutex = threading.Lock()
        if fd is not None:
            os.close(fd)  # the parent's descriptor keeps its flock

    def holder(self) -> str:
        """Who wrote themselves into the lock file last (best effort)."""
        note = self.note()
        if note is None:
            return "an unknown process"
        return f"process {note['pid']} on {note['host']} ({note['program']}) since {note['since']}"

    def note(self) -> dict[str, object] | None:
        """The last holder's note: pid, host, program, since (None if absent or unreadable).

        A note in the old free-text format (which held the whole command
        line) yields its pid and host only, so no argument is ever repeated.
        """
        try:
            text = self.path.read_text(errors="replace").strip()
        except OSError:
            return None
        try:
            note = json.loads(text)
        except ValueError:
            old = re.match(r"process (\d+) on (\S+)", text)
            if old is None:
                return None
            return {"pid": int(old[1]), "host": old[2], "program": "unknown program", "since": "unknown"}
        if not isinstance(note, dict) or not {"pid", "host", "program", "since"} <= note.keys():
            return None
        return {key: note[key] for key in ("pid", "host", "program", "since")}

    def held_elsewhere(self) -> bool:
        """True if some process holds the lock right now (a probe that takes nothing and writes nothing)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:  # no lock file yet (or not ours to read): nobody holds it through nbtrack
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing drops the probe's shared lock
        return False

    def _busy(self, timeout: float, holder: str) -> bool:
        if timeout <= 0:
            return False
        raise StoreLockedError(
            f"The nbtrack store at {self.path.parent} stayed locked for {timeout:g} s by {holder}. "
            "If that process is stuck, stop it; the store is safe to use once it exits. "
            "To wait longer, set NBTRACK_LOCK_TIMEOUT (seconds)."
        )

    @staticmethod
    def _write_owner(fd: int) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())
        info = {"pid": os.getpid(), "host": socket.gethostname(), "program": program_name(), "since": stamp}
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(info).encode(), 0)
        except OSError:
            pass  # the owner note is a courtesy; the flock is what matters


def _try_flock(fd: int) -> bool:
    """Take the flock if it is free, without waiting."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def program_name() -> str:
    """The running program, without its arguments: ``python -m <module>`` or the script's file name."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and getattr(spec, "name", None):
        return f"python -m {spec.name}"[:100]
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
    if argv0 in ("", "-c"):
        return "python -c" if argv0 == "-c" else "python"
    return os.path.basename(argv0)[:100]
