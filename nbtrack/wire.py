"""What crosses to JavaScript, for the widgets (comm) and the sidebar (REST) alike.

JavaScript numbers are doubles and Arrow's JavaScript reads 64-bit integers as
BigInt (which Vega cannot use), so no Arrow table sent from here has an int64
column: integers become int32 when they fit, else float64, and datetimes
float64 epoch milliseconds. Text is dictionary-encoded with the narrowest index
and, in run-table pages, cut to :data:`MAX_TEXT` characters. JSON has no NaN or
infinity, and metrics may be either (stored as MLflow stores them): in REST
answers they travel as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``
(:func:`number`); in chart rows (:func:`json_records`) they become null.
Times in JSON are integer epoch milliseconds (:func:`epoch_ms`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

#: Text cells are cut to this many characters in a run-table page (the full value is in ``.selected``).
MAX_TEXT = 200
_NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}

# -- JSON values --------------------------------------------------------------------------


def number(value: Any) -> float | int | str | None:
    """A JSON-safe number: None for missing, strings for NaN and infinities."""
    if value is None:
        return None
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return _NON_FINITE[number]
    return int(number) if isinstance(value, int) and not isinstance(value, bool) else number


def epoch_ms(value: Any) -> int | None:
    """A timestamp (datetime, pandas Timestamp, None/NaT) as integer epoch ms; naive means UTC."""
    if value is None:
        return None
    import pandas as pd

    if pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return int(stamp.value // 1_000_000)


def text(value: Any) -> str | None:
    """Text or None (pandas' missing values included)."""
    return None if missing(value) else str(value)


def missing(value: Any) -> bool:
    """True for None, NaN, NaT and ``pd.NA``."""
    import pandas as pd

    return value is None or bool(pd.isna(value))


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` for a chart's inline data: NaN and infinities null, datetimes epoch ms."""
    import json

    import pandas as pd

    times = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    if times:
        frame = frame.assign(**{str(c): epoch_ms_column(frame[c]) for c in times})
    records: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", double_precision=15))
    return records


def diff_json(diff: pd.DataFrame) -> dict[str, Any]:
    """A param diff (:func:`nbtrack.charts.param_diff`) as the sidebar and the widget both read it.

    ``{"fields": [...], "runs": [run labels], "values": [[text or null per run] per field]}``:
    null where a run has no such param or tag (drawn as a dash).
    """
    return {
        "fields": [str(f) for f in diff.index],
        "runs": [str(c) for c in diff.columns],
        "values": [[text(v) for v in row] for row in diff.itertuples(index=False)],
    }


# -- times ----------------------------------------------------------------------------------


def epoch_ms_column(column: pd.Series) -> pd.Series:
    """Datetimes (naive means UTC, or zoned) as float64 milliseconds since 1970; NaT becomes NaN."""
    import pandas as pd

    epoch = pd.Timestamp(0, tz="UTC") if column.dt.tz is not None else pd.Timestamp(0)
    return (column - epoch) / pd.Timedelta(milliseconds=1)


# -- Arrow ------------------------------------------------------------------------------------


def arrow_ipc(table: pa.Table) -> bytes:
    """A pyarrow Table as Arrow IPC stream bytes (what ``tableFromIPC`` reads in JavaScript)."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def read_ipc(data: bytes | memoryview) -> pa.Table:
    """Read Arrow IPC stream bytes back (tests, and the static fallbacks)."""
    import pyarrow as pa

    return pa.ipc.open_stream(pa.BufferReader(data)).read_all()


def dictionary_array(values: Any) -> pa.Array:
    """Text as an Arrow dictionary array with the narrowest index (int8 up to 127 distinct values)."""
    import pandas as pd
    import pyarrow as pa

    array = pa.array(pd.Categorical(values))
    return array.cast(pa.dictionary(array.type.index_type, pa.string()))


def compact_table(table: pa.Table, *, float32: bool = True) -> pa.Table:
    """Narrow a table's columns for the wire, without changing what a chart shows.

    Text becomes a dictionary with the narrowest index; integers become
    int32 when they fit, else float64; a float column becomes float32 when
    float32's rounding is below 1e-5 of the column's range (invisible on any
    axis; tooltips show 6 digits) - metric values yes, epoch milliseconds no
    (``float32=False`` keeps every float64).
    """
    import pyarrow as pa

    for i, field in enumerate(table.schema):
        column = table.column(i)
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            table = table.set_column(i, field.name, dictionary_array(column.to_pylist()))
        elif pa.types.is_integer(field.type):
            table = table.set_column(i, field.name, column.cast(_int_type(column)))
        elif float32 and pa.types.is_float64(field.type) and _float32_is_enough(column):
            table = table.set_column(i, field.name, column.cast(pa.float32()))
    return table


def page_table(frame: pd.DataFrame) -> pa.Table:
    """A run-table page: float64, bool and (dictionary) string columns, text cut to :data:`MAX_TEXT`."""
    import pyarrow as pa

    return pa.table({str(name): _page_column(frame[name]) for name in frame.columns})


def page_ipc(frame: pd.DataFrame) -> bytes:
    """A run-table page as Arrow IPC stream bytes (see :func:`page_table`)."""
    return arrow_ipc(page_table(frame))


def _int_type(column: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    bounds = pc.min_max(column).as_py()
    low, high = bounds["min"], bounds["max"]
    fits = low is None or (low >= -(2**31) and high < 2**31)
    return pa.int32() if fits else pa.float64()


def _float32_is_enough(column: Any) -> bool:
    import numpy as np

    values = column.to_numpy(zero_copy_only=False)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return True
    low, high = float(finite.min()), float(finite.max())
    if high == low:
        return float(np.float32(low)) == low
    scale = max(abs(low), abs(high))
    return scale <= 3.4e38 and scale * 2.0**-23 <= (high - low) * 1e-5


def _page_column(column: pd.Series) -> Any:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    if pd.api.types.is_datetime64_any_dtype(column):
        return pa.array(epoch_ms_column(column).to_numpy(dtype="float64", na_value=np.nan), pa.float64())
    if pd.api.types.is_bool_dtype(column):
        return pa.array(column.to_numpy(dtype=object), pa.bool_())
    if pd.api.types.is_numeric_dtype(column):
        return pa.array(column.to_numpy(dtype="float64", na_value=np.nan), pa.float64())
    cut = column.astype("string").str.slice(0, MAX_TEXT)
    values = cut.to_numpy(dtype=object, na_value=None)
    if len(values) > 16 and cut.nunique() <= len(values) // 4:
        return dictionary_array(values)
    return pa.array(values, pa.string())
