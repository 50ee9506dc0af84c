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

#: What turning a Python value into Arrow raises for a value it cannot hold.
_CONVERSION_ERRORS = (ValueError, TypeError, OverflowError, UnicodeError, ArithmeticError, LookupError)

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
        self._m_series = array("i")  # int32: becomes the dictionary codes without a copy
        self._m_step = array("q")
        self._m_ts = array("q")
        self._m_value = array("d")
        self._other: list[tuple[int, str, str, int | None, int | None, float | None, str | None]] = []

    def __len__(self) -> int:
        return len(self._m_value) + len(self._other)

    def add_metric(self, run_id: str, key: str, step: int, ts: int, value: float) -> int:
        """Append one metric point, all four columns or none; returns the buffer's size afterwards.

        The caller has checked the ranges; if an append still fails (a step
        past 64 bits), the columns already appended are cut back, so a
        rejected point never leaves a partial row behind.
        """
        with self._lock:
            sid = self._series.get((run_id, key))
            if sid is None:
                sid = self._series[(run_id, key)] = len(self._series_keys)
                self._series_keys.append((run_id, key))
            size = len(self._m_value)
            try:
                self._m_step.append(step)
                self._m_ts.append(ts)
                self._m_value.append(value)
                self._m_series.append(sid)
            except BaseException:
                self._cut(size)
                raise
            return size + 1

    def add_metrics(self, run_id: str, key: str, steps: Any, timestamps: Any, values: Any) -> int:
        """Append a series of points of one key at once (numpy arrays or sequences), all or none."""
        raw = _raw(steps, "<i8"), _raw(timestamps, "<i8"), _raw(values, "<f8")  # may raise: nothing added yet
        count = len(raw[2]) // 8
        if not len(raw[0]) == len(raw[1]) == len(raw[2]):
            raise ValueError("steps, timestamps and values differ in length")
        with self._lock:
            sid = self._series.get((run_id, key))
            if sid is None:
                sid = self._series[(run_id, key)] = len(self._series_keys)
                self._series_keys.append((run_id, key))
            self._m_series.extend(array("i", [sid]) * count)
            self._m_step.frombytes(raw[0])
            self._m_ts.frombytes(raw[1])
            self._m_value.frombytes(raw[2])
            return len(self._m_value)

    def _cut(self, size: int) -> None:
        for column in (self._m_step, self._m_ts, self._m_value, self._m_series):
            del column[size:]

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

    def drain(self) -> Drained | None:
        """Take everything buffered so far (None when empty); build its table outside the lock.

        Swapping the columns out is all that happens under the lock, so a
        ``log_metric`` on another thread never waits for Arrow.
        """
        with self._lock:
            if not self._m_value and not self._other:
                return None
            drained = Drained(
                self._series_keys, self._m_series, self._m_step, self._m_ts, self._m_value, self._other
            )
            self._reset()
        return drained


class Drained:
    """Events taken out of the buffer, not yet a table."""

    def __init__(self, series_keys, m_series, m_step, m_ts, m_value, other) -> None:
        self.series_keys, self.m_series = series_keys, m_series
        self.m_step, self.m_ts, self.m_value, self.other = m_step, m_ts, m_value, other

    def __len__(self) -> int:
        return len(self.m_value) + len(self.other)

    def build(self) -> tuple[pa.Table, int, str]:
        """The event table, plus how many rows had to be left out and why (the first problem).

        Non-metric events come first: a run's start and params are never
        merged after its metrics. Rows that cannot become Arrow (checked
        input never does this) are isolated; every other row is kept.
        """
        parts, dropped, problem = [], 0, ""
        if self.other:
            table, dropped, problem = _other_table(self.other)
            if table is not None:
                parts.append(table)
        if self.m_value:
            table, lost, why = _metric_table(self)
            dropped, problem = dropped + lost, problem or why
            if table is not None:
                parts.append(table)
        return events.concat(parts), dropped, problem


def _raw(values: Any, dtype: str) -> bytes:
    """The bytes of ``values`` as a machine array (one copy, no Python object per value)."""
    import numpy as np

    return np.ascontiguousarray(values, dtype=dtype).tobytes()


def _other_table(other: list[Any]) -> tuple[pa.Table | None, int, str]:
    """Non-metric rows as a table; row by row when the whole batch will not convert."""
    try:
        return _rows_table(other), 0, ""
    except _CONVERSION_ERRORS as exc:
        first = f"{type(exc).__name__}: {exc}"
    kept = [row for row in other if _converts(row)]
    return (_rows_table(kept) if kept else None), len(other) - len(kept), first


def _rows_table(rows: list[Any]) -> pa.Table:
    columns = list(zip(*rows, strict=True))
    return events.table_from_columns(dict(zip(events.COLUMNS, columns, strict=True)))


def _converts(row: Any) -> bool:
    try:
        _rows_table([row])
    except _CONVERSION_ERRORS:
        return False
    return True


def _metric_table(drained: Drained) -> tuple[pa.Table | None, int, str]:
    """Metric points as a table; the points of a series whose run id or key is not text are dropped."""
    import numpy as np
    import pyarrow as pa

    index = np.frombuffer(drained.m_series, dtype=np.int32)
    keep, dropped, problem = None, 0, ""
    bad = [sid for sid, pair in enumerate(drained.series_keys) if not all(map(_is_text, pair))]
    if bad:
        keep = ~np.isin(index, bad)
        dropped = int(len(index) - keep.sum())
        problem = f"metric key {drained.series_keys[bad[0]][1]!r:.80} is not valid UTF-8 text"
        if not keep.any():
            return None, dropped, problem
    names = [pair if i not in bad else ("", "") for i, pair in enumerate(drained.series_keys)]
    codes = pa.array(index)
    runs = pa.DictionaryArray.from_arrays(codes, pa.array([run for run, _ in names], pa.string()))
    keys = pa.DictionaryArray.from_arrays(codes, pa.array([key for _, key in names], pa.string()))
    count = len(index)
    table = pa.Table.from_arrays(
        [
            pa.array(np.zeros(count, dtype=np.int8)),
            runs,
            keys,
            pa.array(np.frombuffer(drained.m_step, dtype=np.int64)),
            pa.array(np.frombuffer(drained.m_ts, dtype=np.int64)),
            pa.array(np.frombuffer(drained.m_value, dtype=np.float64)),
            pa.nulls(count, pa.string()),
        ],
        schema=events.schema(),
    )
    return (table.filter(pa.array(keep)) if keep is not None else table), dropped, problem


def _is_text(value: Any) -> bool:
    try:
        value.encode("utf-8")
    except (UnicodeEncodeError, AttributeError):
        return False
    return True
