"""The in-memory event buffer every ``log_*`` call appends to.

Columnar on purpose: typed ``array.array`` columns for metric points turn
into Arrow without a Python object per row, so sealing a million points
costs milliseconds of the writer thread, not seconds of the user's loop.
Rarer events (params, tags, run attributes) go to a plain list of tuples.
"""

from __future__ import annotations

import threading
from array import array
from typing import TYPE_CHECKING, Any

from ..store import events

if TYPE_CHECKING:
    import pyarrow as pa


class EventBuffer:
    """Thread-safe append-only buffer, drained whole by :meth:`drain`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._series: dict[tuple[str, str], int] = {}
        self._series_keys: list[tuple[str, str]] = []
        self._m_series = array("l")
        self._m_step = array("q")
        self._m_ts = array("q")
        self._m_value = array("d")
        self._other: list[tuple[int, str, str, int | None, int | None, float | None, str | None]] = []

    def __len__(self) -> int:
        return len(self._m_value) + len(self._other)

    def add_metric(self, run_id: str, key: str, step: int, ts: int, value: float) -> int:
        """Append one metric point; returns the buffer's size afterwards."""
        with self._lock:
            sid = self._series.get((run_id, key))
            if sid is None:
                sid = self._series[(run_id, key)] = len(self._series_keys)
                self._series_keys.append((run_id, key))
            self._m_series.append(sid)
            self._m_step.append(step)
            self._m_ts.append(ts)
            self._m_value.append(value)
            return len(self._m_value)

    def add_metrics(self, run_id: str, key: str, steps: Any, timestamps: Any, values: Any) -> int:
        """Append a series of points of one key at once (numpy arrays or sequences)."""
        with self._lock:
            sid = self._series.get((run_id, key))
            if sid is None:
                sid = self._series[(run_id, key)] = len(self._series_keys)
                self._series_keys.append((run_id, key))
            count = len(values)
            self._m_series.extend(array("l", [sid]) * count)
            self._m_step.frombytes(_raw(steps, "<i8"))
            self._m_ts.frombytes(_raw(timestamps, "<i8"))
            self._m_value.frombytes(_raw(values, "<f8"))
            return len(self._m_value)

    def add(
        self,
        kind: int,
        run_id: str,
        key: str,
        *,
        step: int | None = None,
        ts: int | None = None,
        value: float | None = None,
        text: str | None = None,
    ) -> None:
        """Append a non-metric event (param, tag, run attribute, experiment)."""
        with self._lock:
            self._other.append((kind, run_id, key, step, ts, value, text))

    def add_many(
        self, rows: list[tuple[int, str, str, int | None, int | None, float | None, str | None]]
    ) -> None:
        """Append several non-metric events atomically (all or none are seen by a drain)."""
        with self._lock:
            self._other.extend(rows)

    def discard(self) -> None:
        """Drop everything (after a fork: the parent seals what it buffered)."""
        self._lock = threading.Lock()
        self._reset()

    def drain(self) -> pa.Table | None:
        """Take everything buffered so far as one event table (None when empty).

        Non-metric events come first: a run's start and params are never
        merged after its metrics.
        """
        with self._lock:
            if not self._m_value and not self._other:
                return None
            series_keys, m_series = self._series_keys, self._m_series
            m_step, m_ts, m_value, other = self._m_step, self._m_ts, self._m_value, self._other
            self._reset()
        return _to_table(series_keys, m_series, m_step, m_ts, m_value, other)


def _raw(values: Any, dtype: str) -> bytes:
    """The bytes of ``values`` as a machine array (one copy, no Python object per value)."""
    import numpy as np

    return np.ascontiguousarray(values, dtype=dtype).tobytes()


def _to_table(series_keys, m_series, m_step, m_ts, m_value, other) -> pa.Table:
    import numpy as np
    import pyarrow as pa

    parts = []
    if other:
        columns = list(zip(*other, strict=True))
        parts.append(events.table_from_columns(dict(zip(events.COLUMNS, columns, strict=True))))
    if m_value:
        index = np.frombuffer(m_series, dtype=np.int64) if m_series.itemsize == 8 else np.asarray(m_series)
        codes = pa.array(index.astype(np.int32))
        runs = pa.DictionaryArray.from_arrays(codes, pa.array([run for run, _ in series_keys], pa.string()))
        keys = pa.DictionaryArray.from_arrays(codes, pa.array([key for _, key in series_keys], pa.string()))
        count = len(m_value)
        parts.append(
            pa.Table.from_arrays(
                [
                    pa.array(np.zeros(count, dtype=np.int8)),
                    runs,
                    keys,
                    pa.array(np.frombuffer(m_step, dtype=np.int64)),
                    pa.array(np.frombuffer(m_ts, dtype=np.int64)),
                    pa.array(np.frombuffer(m_value, dtype=np.float64)),
                    pa.nulls(count, pa.string()),
                ],
                schema=events.schema(),
            )
        )
    return events.concat(parts)
