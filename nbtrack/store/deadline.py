"""A time bound on reads: interrupt a DuckDB connection that runs too long.

``EmbeddedStore.statement_timeout`` (seconds, default None: no bound) is
applied around every read: a timer calls ``con.interrupt()`` when it
expires, DuckDB stops the running statement, and the read raises
:class:`~nbtrack.errors.QueryTimeoutError`. The store lock is then given
back as usual, so a slow read never holds up other processes' merges for
longer than the bound. Merges (writes) are never interrupted.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import QueryTimeoutError

if TYPE_CHECKING:
    import duckdb


@contextlib.contextmanager
def bounded(con: duckdb.DuckDBPyConnection, seconds: float | None) -> Iterator[None]:
    """Run the body with ``con`` interrupted after ``seconds``; None or <= 0 means no bound.

    Raises :class:`QueryTimeoutError` (from the DuckDB error) when the
    timer fired while the body ran; a body that finished in time is left alone.
    """
    if seconds is None or seconds <= 0:
        yield
        return
    fired = threading.Event()
    guard = threading.Lock()
    finished = False

    def interrupt() -> None:
        with guard:
            if finished:
                return
            fired.set()
            with contextlib.suppress(Exception):  # a connection closed meanwhile
                con.interrupt()

    timer = threading.Timer(seconds, interrupt)
    timer.daemon = True
    timer.name = "nbtrack-statement-timeout"
    timer.start()
    try:
        yield
    except QueryTimeoutError:
        raise
    except Exception as exc:
        if fired.is_set():
            raise QueryTimeoutError(
                f"the read took longer than the store's statement_timeout of {seconds:g} s and was "
                "stopped; nothing was changed. Narrow the filter (fewer runs, fewer terms) or raise "
                "statement_timeout."
            ) from exc
        raise
    finally:
        with guard:
            finished = True
        timer.cancel()
