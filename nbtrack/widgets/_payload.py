"""Turn run tables into compact Arrow IPC pages that JavaScript reads without surprises.

JavaScript numbers are doubles and Arrow's 64-bit integers arrive as BigInt,
so integers and datetimes travel as float64 (datetimes as epoch
milliseconds); low-cardinality text is dictionary-encoded; long text is cut,
since a cell shows a few dozen characters anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

#: Text cells are cut to this many characters in a page (the full value is in ``.selected``).
MAX_TEXT = 200


def page_table(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table of float64, bool and (dictionary) string columns."""
    import pyarrow as pa

    return pa.table({str(name): _column(frame[name]) for name in frame.columns})


def page_ipc(frame: pd.DataFrame) -> bytes:
    """``frame`` as Arrow IPC stream bytes (see :func:`page_table`)."""
    from ..charts.export import arrow_ipc

    return arrow_ipc(page_table(frame))


def _column(column: pd.Series) -> Any:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    if pd.api.types.is_datetime64_any_dtype(column):
        from ..charts._inline import epoch_ms

        return pa.array(epoch_ms(column).to_numpy(dtype="float64", na_value=np.nan), pa.float64())
    if pd.api.types.is_bool_dtype(column):
        return pa.array(column.to_numpy(dtype=object), pa.bool_())
    if pd.api.types.is_numeric_dtype(column):
        return pa.array(column.to_numpy(dtype="float64", na_value=np.nan), pa.float64())
    text = column.astype("string").str.slice(0, MAX_TEXT)
    values = text.to_numpy(dtype=object, na_value=None)
    if len(values) > 16 and text.nunique() <= len(values) // 4:
        from ..charts.export import dictionary_array

        return dictionary_array(values)
    return pa.array(values, pa.string())


def read_ipc(data: bytes | memoryview) -> pa.Table:
    """Read Arrow IPC stream bytes back (tests, and the static fallbacks)."""
    import pyarrow as pa

    return pa.ipc.open_stream(pa.BufferReader(data)).read_all()
