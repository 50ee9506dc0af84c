"""Run ids: 32 hex characters, like MLflow's, but ordered by creation time.

The first 12 characters are the creation time in milliseconds and the next
4 a per-process counter within that millisecond, so sorting ids sorts runs
by creation (a tie-break for runs started in the same millisecond), and
runs written together sit together in the database (its zone maps skip
row groups when a page of recent runs is read). The last 16 are random.
"""

from __future__ import annotations

import secrets
import threading
import time


class RunIdSource:
    """Hands out time-ordered run ids; one per process (it lives on the Session)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._counter = 0

    def new(self) -> str:
        """A fresh id, greater than every id this source gave before."""
        with self._lock:
            now = time.time_ns() // 1_000_000
            if now > self._last_ms:
                self._last_ms, self._counter = now, 0
            else:  # same millisecond (or the clock went back): keep counting
                self._counter += 1
                if self._counter > 0xFFFF:
                    self._last_ms, self._counter = self._last_ms + 1, 0
            return f"{self._last_ms:012x}{self._counter:04x}{secrets.token_hex(8)}"
