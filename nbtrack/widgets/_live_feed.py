"""The kernel-side buffer behind live curves: every point of one run, in bounded memory.

A :class:`LiveFeed` is a Session metric listener. The training thread only
appends a tuple to a deque (thread-safe without a lock, well under a
microsecond); the widget's thread drains it about twice a second into a
per-metric frame that :func:`nbtrack.charts.downsample` keeps under
``max_points`` points per series (first, last, minimum and maximum of each
bucket survive), so a run of a million steps costs a few thousand points.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: Points waiting to be drained before the feed asks its reader to drain early.
PENDING_LIMIT = 200_000
#: Hard bound on waiting points (a stalled reader): the oldest are dropped beyond it.
PENDING_MAX = 4 * PENDING_LIMIT


class LiveFeed:
    """Points of one run's metrics, pushed by ``log_metric`` and drained by the widget."""

    def __init__(self, run_id: str, run_name: str, metrics: set[str] | None, max_points: int) -> None:
        self.run_id, self.run_name = run_id, run_name
        self.metrics, self.max_points = metrics, max_points
        self._pending: deque[tuple[str, int, int, float]] = deque(maxlen=PENDING_MAX)
        self._kept: pd.DataFrame | None = None
        self._drain_lock = threading.Lock()
        self.wake = threading.Event()
        self.total = 0

    def __call__(self, run_id: str, key: str, step: int, ts: int, value: float) -> None:
        """The metric listener: called by ``log_metric`` in the training thread."""
        if run_id != self.run_id or (self.metrics is not None and key not in self.metrics):
            return
        pending = self._pending
        pending.append((key, step, ts, value))
        if len(pending) >= PENDING_LIMIT:
            self.wake.set()

    def seed(self, frame: pd.DataFrame) -> None:
        """Points logged before the feed existed (``metric, step, ts, value``)."""
        self._kept = self._merge(frame)

    def drain(self) -> pd.DataFrame | None:
        """Everything so far as ``metric, step, ts, value`` (bounded per metric); None if nothing new."""
        import pandas as pd

        with self._drain_lock:
            pending = self._pending
            if not pending:
                return None
            points = [pending.popleft() for _ in range(len(pending))]  # appends may go on meanwhile
            fresh = pd.DataFrame(points, columns=["metric", "step", "ts", "value"])
            self.total += len(fresh)
            self._kept = self._merge(fresh)
            return self._kept

    def snapshot(self) -> pd.DataFrame | None:
        """What was kept at the last drain (or seed)."""
        return self._kept

    def _merge(self, fresh: pd.DataFrame) -> pd.DataFrame:
        import pandas as pd

        from ..charts.series import downsample

        frame = fresh if self._kept is None else pd.concat([self._kept, fresh], ignore_index=True)
        frame = frame.drop_duplicates(["metric", "step"], keep="last")
        return downsample(frame, self.max_points, by=("metric",))
