"""How this process ends, so runs left active end with the right status.

A script that calls ``start_run()`` and never ``end_run()`` still gets its
run ended at exit: FINISHED on a clean exit, FAILED with the traceback when
the interpreter exits on an uncaught exception, KILLED on Ctrl-C. The
interpreter tells exit handlers neither the exception nor the exit code, so
the watch chains ``sys.excepthook`` (reversibly) to hear about the exception
first. ``sys.exit(n)`` never reaches the hook: the run ends FINISHED.

Exit handlers run after ``threading`` has begun shutting down, when an
import that registers a thread-exit hook (pandas, ``concurrent.futures``)
raises. So everything the exit path needs is imported while the process is
alive (:func:`prepare_exit_path`), and the exit path imports nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any

from .rows import outcome_for, status_for

Hook = Callable[[type[BaseException], BaseException, TracebackType | None], Any]


class ExitWatch:
    """Chains ``sys.excepthook`` while runs are active; remembers an uncaught exception."""

    def __init__(self) -> None:
        self._previous: Hook | None = None
        self._installed: Hook | None = None
        #: ``(status, error)`` of an uncaught exception, None while there was none.
        self.outcome: tuple[str, str] | None = None

    def install(self) -> None:
        """Start listening (idempotent); the previous hook is still called after ours."""
        if self._installed is not None:
            return
        self._previous = sys.excepthook
        self._installed = self._on_uncaught
        sys.excepthook = self._installed

    def uninstall(self) -> None:
        """Put the previous hook back, if nobody replaced ours since."""
        if self._installed is not None and sys.excepthook is self._installed:
            sys.excepthook = self._previous or sys.__excepthook__
        self._installed = None

    def _on_uncaught(self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        # an interactive interpreter reports an exception and carries on: not an exit
        if not hasattr(sys, "ps1"):
            self.outcome = describe(kind, exc, tb)
        previous = self._previous or sys.__excepthook__
        previous(kind, exc, tb)


def describe(
    kind: type[BaseException], exc: BaseException | None, tb: TracebackType | None
) -> tuple[str, str]:
    """The status and stored error of a run ended by this exception (:func:`.rows.outcome_for`)."""
    status, error = outcome_for(exc if exc is not None else kind(), tb)
    return status, error or ""


def in_flight() -> tuple[str, str] | None:
    """The outcome of an exception propagating right now (a worker's finalizers run in a ``finally``)."""
    kind, exc, tb = sys.exc_info()
    if kind is None:
        return None
    if isinstance(exc, SystemExit):
        return None if status_for(exc) == "FINISHED" else ("FAILED", f"SystemExit: {exc.code}")
    return describe(kind, exc, tb)


def prepare_exit_path() -> None:
    """Import what sealing and merging need, now, in the caller's thread.

    ``pa.array`` imports pandas on its first call; doing one here means the
    last seal at interpreter exit imports nothing. DuckDB too: left to the
    writer thread, its import could still be running at exit, or hold an
    import lock when the process forks (the child would wait on it forever).
    """
    import duckdb  # noqa: F401
    import numpy  # noqa: F401
    import pyarrow as pa
    import pyarrow.ipc

    pa.array([0], type=pa.int64())


def in_multiprocessing_child() -> bool:
    """True in a ``multiprocessing`` worker (which may leave through ``os._exit``)."""
    process = sys.modules.get("multiprocessing.process")
    return process is not None and process.parent_process() is not None


def register_worker_exit(callback: Callable[[], None], owner: object) -> None:
    """Run ``callback`` when a ``multiprocessing`` worker finishes, however it leaves."""
    import multiprocessing.util

    multiprocessing.util.Finalize(owner, callback, exitpriority=100)
