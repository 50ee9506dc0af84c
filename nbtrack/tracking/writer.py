"""The background writer: seals the buffer about once a second and merges.

One named daemon thread per process. It never raises: a failure is
reported once per kind as a warning (whose text the session writes: where
the data is, what happens next) and the tick runs again a second later; the
user's training loop never waits on it.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Callable

#: Seconds between two seals of the buffer.
SEAL_INTERVAL = 1.0
#: Seal early when this many events are buffered (bounds memory).
SEAL_AT_EVENTS = 250_000


class BackgroundWriter:
    """Calls ``tick`` every :data:`SEAL_INTERVAL` seconds, or sooner when woken."""

    def __init__(self, tick: Callable[[], None], interval: float = SEAL_INTERVAL) -> None:
        self._tick = tick
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._warned: set[str] = set()
        self._thread = threading.Thread(target=self._loop, name="nbtrack-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def wake(self) -> None:
        """Seal and merge now instead of at the next tick."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after one last tick; waits at most ``timeout`` seconds."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _loop(self) -> None:
        _warm_up()
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self._tick()
            except Exception as exc:  # never let the thread die
                self._warn_once(exc)

    def _warn_once(self, exc: Exception) -> None:
        kind = type(exc).__name__
        if kind in self._warned:
            return
        self._warned.add(kind)
        # the message is the exception's own: the session says where the data is and what happens next
        # a warnings filter set to "error" (pytest -W error) must not kill the thread
        with contextlib.suppress(Exception):
            warnings.warn(f"nbtrack's background writer: {exc}", RuntimeWarning, stacklevel=1)


def _warm_up() -> None:
    """Import what sealing and merging need while the user's code runs.

    ``import nbtrack`` stays light, so the first seal would otherwise pay
    for pyarrow (which imports pandas on its first ``pa.array``) and the
    first merge for DuckDB, ~0.35 s in all, right when a run ends or
    ``flush()`` is called. The writer starts with the first run, so this
    overlaps with training instead.
    """
    try:
        import duckdb  # noqa: F401
        import pandas  # noqa: F401
        import pyarrow.ipc  # noqa: F401
    except Exception:  # ImportError is reported where they are really needed; never kill the thread
        pass
