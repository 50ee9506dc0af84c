"""Waiting in line for the store lock: first come, first served.

``flock`` gives a released lock to whichever process asks first, and that
is usually the process that just released it (it is awake; the waiters are
sleeping between polls). Readers in a loop then starve everyone else: a
read waited seconds while a read costs 50 ms. So a process that has to wait
takes a ticket, a file in ``<lock>.queue/`` named by its arrival time, and
asks ``flock`` only while no live ticket is older than its own. Newcomers,
the releasing process included, queue behind the tickets already there.

A waiter touches its ticket at every poll (a few milliseconds apart), so a
ticket is live while it is fresh: one left by a killed process goes stale
within :data:`STALE_SECONDS`, is skipped, and is removed once it is old. The
tickets are also the "someone is waiting" signal a lease holder looks at.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from pathlib import Path

#: A ticket untouched for this long belongs to a process that stopped waiting (killed, suspended).
STALE_SECONDS = 2.0
#: A ticket untouched for this long is removed by whoever sees it.
REMOVE_AFTER_SECONDS = 60.0


class LockQueue:
    """The tickets of the processes waiting for one lock."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def take(self) -> str:
        """Join the line; returns the ticket's name (arrival time first, so names sort in arrival order)."""
        name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(3)}"
        with contextlib.suppress(FileExistsError):
            self.directory.mkdir(mode=0o777)  # narrowed by the umask, like the lock file
        fd = os.open(self.directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        os.close(fd)
        return name

    def touch(self, ticket: str) -> None:
        """Say "still waiting" (a poll)."""
        with contextlib.suppress(OSError):
            os.utime(self.directory / ticket)

    def leave(self, ticket: str) -> None:
        """Leave the line (the lock was taken, or the wait given up)."""
        with contextlib.suppress(OSError):
            os.unlink(self.directory / ticket)

    def ahead(self, ticket: str | None) -> bool:
        """Is a live ticket older than ``ticket`` (any live ticket, for a newcomer) in line?"""
        now = time.time()
        for name, touched in self._tickets():
            if ticket is not None and name >= ticket:
                continue
            age = now - touched
            if age < STALE_SECONDS:
                return True
            if age > REMOVE_AFTER_SECONDS:
                self.leave(name)
        return False

    def active_since(self, moment: float) -> bool:
        """Has any waiter polled after ``moment`` (a ``time.time()``)?"""
        return any(touched > moment for _, touched in self._tickets())

    def _tickets(self) -> list[tuple[str, float]]:
        try:
            entries = list(os.scandir(self.directory))
        except OSError:  # no queue yet: nobody ever waited
            return []
        tickets = []
        for entry in entries:
            try:
                tickets.append((entry.name, entry.stat().st_mtime))
            except FileNotFoundError:
                continue  # left the line meanwhile
        return tickets
