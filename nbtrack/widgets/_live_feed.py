"""The kernel-side buffer behind live curves: every point of one run, in bounded memory.

A :class:`LiveFeed` is a Session metric listener. The training thread only
appends to three ``array.array`` columns under a lock (well under a
microsecond); the widget's thread drains them about twice a second into a
per-metric frame that :func:`nbtrack.charts.downsample` keeps under
``max_points`` points per series (first, last, minimum and maximum of each
bucket survive), so a run of a million steps costs a few thousand points.
"""

from __future__ import annotations

import threading
from array import array
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: Points waiting to be drained before the feed asks its reader to drain early.
PENDING_LIMIT = 200_000


class LiveFeed:
    """Points of one run's metrics, pushed by ``log_metric`` and drained by the widget."""

    def __init__(self, run_id: str, run_name: str, metrics: set[str] | None, max_points: int) -> None:
        self.run_id, self.run_name = run_id, run_name
        self.metrics, self.max_points = metrics, max_points
        self._lock = threading.Lock()
        self._keys: dict[str, int] = {}
        self._key = array("i")
        self._step = array("q")
        self._ts = array("q")
        self._value = array("d")
        self._kept: pd.DataFrame | None = None
        self.wake = threading.Event()
        self.total = 0

    def __call__(self, run_id: str, key: str, step: int, ts: int, value: float) -> None:
        """The metric listener: called by ``log_metric`` in the training thread."""
        if run_id != self.run_id or (self.metrics is not None and key not in self.metrics):
            return
        with self._lock:
            code = self._keys.setdefault(key, len(self._keys))
            self._key.append(code)
            self._step.append(step)
            self._ts.append(ts)
            self._value.append(value)
            if len(self._key) >= PENDING_LIMIT:
                self.wake.set()

    def seed(self, frame: pd.DataFrame) -> None:
        """Points logged before the feed existed (``metric, step, ts, value``)."""
        self._kept = self._merge(frame)

    def drain(self) -> pd.DataFrame | None:
        """Everything so far as ``metric, step, ts, value`` (bounded per metric); None if nothing new."""
        import numpy as np
        import pandas as pd

        with self._lock:
            if not self._key:
                return None
            names = np.array(list(self._keys), dtype=object)
            fresh = pd.DataFrame(
                {
                    "metric": names[np.frombuffer(self._key, dtype=np.int32)],
                    "step": np.frombuffer(self._step, dtype=np.int64).copy(),
                    "ts": np.frombuffer(self._ts, dtype=np.int64).copy(),
                    "value": np.frombuffer(self._value, dtype=np.float64).copy(),
                }
            )
            self._key, self._step, self._ts, self._value = array("i"), array("q"), array("q"), array("d")
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
