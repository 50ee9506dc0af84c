"""The server extension's one state object: which store, the worker threads, the change feed.

It lives in ``web_app.settings["nbtrack"]``; handlers reach it as
``self.state``. Store reads block (DuckDB, a bounded wait for the store
lock), so they run on a small named thread pool, never on the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .live import ChangeFeed, Version

if TYPE_CHECKING:
    from ..store.base import Store

T = TypeVar("T")
#: Threads reading the store (reads are serialised by the store's own lock anyway).
WORKERS = 4
#: Seconds one read of a request may run before the store stops it (QueryTimeoutError, answered
#: 503), so no request holds the store lock unboundedly; ``NBTRACK_SERVER_STATEMENT_TIMEOUT``
#: overrides it (0: no bound).
DEFAULT_STATEMENT_TIMEOUT = 10.0
TIMEOUT_VARIABLE = "NBTRACK_SERVER_STATEMENT_TIMEOUT"

log = logging.getLogger("nbtrack.server")


def statement_timeout() -> float:
    """The server's statement timeout in seconds: ``NBTRACK_SERVER_STATEMENT_TIMEOUT``, else 10.

    A value that is not a non-negative number is reported in the server log and the default used
    (a typo must not take the sidebar down).
    """
    raw = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_STATEMENT_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        log.warning(
            "nbtrack: %s=%r is not a number of seconds (0 for no bound); using %g",
            TIMEOUT_VARIABLE,
            raw,
            DEFAULT_STATEMENT_TIMEOUT,
        )
        return DEFAULT_STATEMENT_TIMEOUT
    return seconds


def server_store_root(root_dir: Path) -> Path:
    """``NBTRACK_URI`` if set, else the ``.nbtrack/`` found from the server's root directory upwards."""
    from ..store.locate import discover, store_root

    if os.environ.get("NBTRACK_URI"):
        return store_root(None)
    return discover(root_dir)


class ApiState:
    """What every nbtrack handler of one server shares."""

    def __init__(self, root_dir: Path) -> None:
        self.root_dir = root_dir
        self.executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="nbtrack-api")
        self.feed = ChangeFeed(self._change_token, self._version)
        self.statement_timeout = DEFAULT_STATEMENT_TIMEOUT

    def bind_store(self) -> Path:
        """Point this process's Session at the server's store; returns the store's directory.

        The server process runs no user code, so its Session serves the API
        alone, and ``nbtrack.compare_data`` (which reads the Session's store)
        reads the same store as every other route.
        """
        from ..api import connect
        from ..tracking.session import get_session

        root = server_store_root(self.root_dir).resolve()
        if Path(get_session().store.uri) != root:
            connect(root)
        self.statement_timeout = statement_timeout()
        return root

    def store(self) -> Store:
        """The store, with this process's own writes (none, normally) sealed first, its reads bounded
        by the server's statement timeout."""
        from ..store.embedded import EmbeddedStore
        from ..tracking.session import get_session

        store = get_session().reader()
        if isinstance(store, EmbeddedStore):
            store.statement_timeout = self.statement_timeout or None
        return store

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function(*args)`` on the worker threads."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(function, *args))

    async def read(self, query: Callable[..., T], *args: Any) -> T:
        """Run ``query(store, *args)`` on the worker threads."""
        return await self.run(lambda: query(self.store(), *args))

    def _change_token(self) -> str | None:
        from ..tracking.session import get_session

        return get_session().store.change_token()

    async def _version(self) -> Version:
        from .queries import version

        return await self.read(version)
