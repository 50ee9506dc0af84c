"""Turn ``log_batch`` input into checked, per-key numpy series before anything is buffered.

Two shapes are accepted: ``{key: values}`` (steps follow on from the key's
last step) and an iterable of ``(key, value, step, timestamp_ms)`` tuples.
Well-formed input takes a vectorised path (a million points cost tenths of
a second); anything else takes a row-by-row path whose errors name the row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import InvalidValueError
from . import validation

Series = dict[str, tuple[Any, Any, Any]]


def series_from(metrics: Mapping[str, Any] | Iterable[Any], next_step: dict[str, int], now_ms: int) -> Series:
    """Group and check ``metrics`` by key; ``next_step`` gives each key's next default step."""
    if isinstance(metrics, Mapping):
        return _from_mapping(metrics, next_step, now_ms)
    if isinstance(metrics, (str, bytes)):
        raise InvalidValueError("log_batch metrics must be (key, value, step, timestamp) tuples, not text")
    try:
        rows = metrics if isinstance(metrics, (list, tuple)) else list(metrics)
    except TypeError:
        raise InvalidValueError(
            "log_batch metrics must be a list of (key, value, step, timestamp) tuples or a dict of "
            f"key -> values, got {type(metrics).__name__}"
        ) from None
    fast = _from_plain_rows(rows)
    return fast if fast is not None else _from_rows(rows, next_step, now_ms)


def _from_mapping(metrics: Mapping[str, Any], next_step: dict[str, int], now_ms: int) -> Series:
    import numpy as np

    series = {}
    for key, raw in metrics.items():
        validation.check_key(key, "metric")
        try:
            array = np.asarray(raw)
        except (ValueError, TypeError, OverflowError):  # ragged nesting: each value is checked below
            array = _objects(raw if isinstance(raw, (list, tuple)) else [raw])
        if array.dtype.kind in "USV":
            raise InvalidValueError(f"log_batch: metric {key!r} values must be numbers, not {array.dtype}")
        if array.dtype.kind == "O":  # mixed objects: check each, None is not a number
            values = np.array([validation.metric_value(key, v) for v in array.ravel()], dtype=np.float64)
        else:
            values = array.astype(np.float64).ravel()
        first = next_step.get(key, 0)
        steps = np.arange(first, first + len(values), dtype=np.int64)
        series[key] = (values, steps, np.full(len(values), now_ms, dtype=np.int64))
    return series


def _from_plain_rows(rows: list[Any] | tuple[Any, ...]) -> Series | None:
    """Complete ``(key, number, int step, ms)`` rows, vectorised; None if any row is not plain.

    Each check is one C-level pass (``zip``, numpy's type inference, a set of
    keys): a row that does not fit sends the whole batch to the checked path.
    """
    import numpy as np

    try:
        keys, values, steps, stamps = zip(*rows, strict=True)
        numbers, step_array, stamp_array = np.array(values), np.array(steps), np.array(stamps)
        distinct = set(keys)
    except (TypeError, ValueError, OverflowError):
        return None
    if (
        numbers.ndim != 1
        or numbers.dtype.kind not in "fiub"
        or step_array.dtype.kind not in "iu"
        or stamp_array.dtype.kind not in "iuf"
        or not _within(step_array, validation.MIN_STEP, validation.MAX_STEP)
        or not _within(stamp_array, validation.MIN_TIMESTAMP_MS, validation.MAX_TIMESTAMP_MS)
    ):
        return None  # the row-by-row path says which row is wrong
    for key in distinct:
        validation.check_key(key, "metric")
    numbers = numbers.astype(np.float64)
    step_array, stamp_array = step_array.astype(np.int64), stamp_array.astype(np.int64)
    if len(distinct) == 1:
        return {keys[0]: (numbers, step_array, stamp_array)}
    key_array = np.array(keys, dtype=object)
    return {
        key: (numbers[mask], step_array[mask], stamp_array[mask])
        for key in distinct
        for mask in (key_array == key,)
    }


def _from_rows(rows: Iterable[Any], next_step: dict[str, int], now_ms: int) -> Series:
    """Row by row, for tuples with missing steps/timestamps or values that need a closer look."""
    series: dict[str, tuple[list, list, list]] = {}
    steps_so_far = dict(next_step)
    for row in rows:
        if not isinstance(row, (tuple, list)) or not 2 <= len(row) <= 4:
            raise InvalidValueError(
                f"log_batch metrics must be (key, value, step, timestamp) tuples, got {row!r:.80}"
            )
        key, value, step, ts = (*row, None, None)[:4]
        validation.check_key(key, "metric")
        number = validation.metric_value(key, value)
        step = steps_so_far.get(key, 0) if step is None else validation.step_value(key, step)
        steps_so_far[key] = max(steps_so_far.get(key, 0), step + 1)
        values, steps, stamps = series.setdefault(key, ([], [], []))
        values.append(number)
        steps.append(step)
        stamps.append(now_ms if ts is None else validation.timestamp_ms(key, ts))
    return series


def checked_int64(data: Any, what: str, low: int, high: int) -> Any:
    """``data`` as a flat int64 numpy array, every value within ``low..high`` (else an error naming it)."""
    import numpy as np

    try:
        array = np.asarray(data)
        if array.dtype.kind not in "iub" or not _within(array, low, high):
            raise ValueError
        return array.astype(np.int64).ravel()
    except (TypeError, ValueError, OverflowError):
        raise InvalidValueError(
            f"{what} must be integers from {low} to {high} (64-bit; timestamps in ms before 2300)"
        ) from None


def _within(array: Any, low: int, high: int) -> bool:
    """Are all values finite and within ``low..high``? (no wrap-around: compared before casting)."""
    import numpy as np

    if array.size == 0:
        return True
    if array.dtype.kind == "f":
        return bool(np.isfinite(array).all()) and low <= float(array.min()) and float(array.max()) < high
    return low <= int(array.min()) and int(array.max()) <= high


def _objects(raw: Any) -> Any:
    import numpy as np

    array = np.empty(len(raw), dtype=object)
    for i, value in enumerate(raw):
        array[i] = value
    return array
