"""Live updates: one poller per server notices store changes and wakes every listener.

The poller runs only while someone listens (an open sidebar's event
stream). Every ``POLL_SECONDS`` it compares the store's change token (a
few ``stat`` calls: no lock, no query); when it moved, or at least every
``REFRESH_SECONDS`` (a RUNNING run whose heartbeat stopped turns KILLED
without any write), it recomputes the version digest
(:func:`nbtrack.server.queries.version`, one small query) and, if that
changed, resolves the futures of every waiting stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

#: How often the poller looks at the store's change token.
POLL_SECONDS = 0.25
#: How often the digest is recomputed even when no file changed.
REFRESH_SECONDS = 5.0

Version = dict[str, Any]

log = logging.getLogger("nbtrack.server")


class ChangeFeed:
    """The current version of the store, and futures that resolve when it changes."""

    def __init__(self, token: Callable[[], str | None], compute: Callable[[], Awaitable[Version]]) -> None:
        self._token_of = token
        self._compute = compute
        self.version: Version | None = None
        self._token: str | None = None
        self._checked = 0.0
        self._waiters: set[asyncio.Future[Version]] = set()
        self._listeners = 0
        self._task: asyncio.Task[None] | None = None
        self._lock: asyncio.Lock | None = None

    async def current(self) -> Version:
        """The version now (recomputed only if the store may have changed)."""
        await self.refresh()
        assert self.version is not None
        return self.version

    async def refresh(self, *, force: bool = False) -> None:
        """Recompute the digest if the change token moved, it is stale, or ``force``."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            token = self._token_of()
            fresh = time.monotonic() - self._checked < REFRESH_SECONDS
            if (
                not force
                and self.version is not None
                and token is not None
                and token == self._token
                and fresh
            ):
                return
            version = await self._compute()
            self._token, self._checked = token, time.monotonic()
            if self.version is None or version["version"] != self.version["version"]:
                self.version = version
                self._wake(version)

    def next_change(self, seen: str | None) -> asyncio.Future[Version]:
        """A future resolved with the first version other than ``seen`` (at once if already so)."""
        future: asyncio.Future[Version] = asyncio.get_running_loop().create_future()
        if self.version is not None and self.version["version"] != seen:
            future.set_result(self.version)
        else:
            self._waiters.add(future)
            future.add_done_callback(self._waiters.discard)
        return future

    @contextlib.contextmanager
    def listening(self) -> Iterator[None]:
        """Keep the poller running while the block runs."""
        self._listeners += 1
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._poll(), name="nbtrack-live")
        try:
            yield
        finally:
            self._listeners -= 1

    @property
    def listeners(self) -> int:
        """How many streams are open."""
        return self._listeners

    def _wake(self, version: Version) -> None:
        for future in list(self._waiters):
            if not future.done():
                future.set_result(version)
        self._waiters.clear()

    async def _poll(self) -> None:
        while self._listeners > 0:
            try:
                await self.refresh()
            except Exception as exc:  # a busy or broken store: keep the streams, say why, try again
                log.warning("nbtrack live updates: could not read the store (%s)", exc)
                await asyncio.sleep(REFRESH_SECONDS)
            await asyncio.sleep(POLL_SECONDS)
