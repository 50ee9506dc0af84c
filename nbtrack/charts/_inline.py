"""Put a DataFrame into a chart as JSON-safe inline rows."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def inline(frame: pd.DataFrame) -> dict[str, Any]:
    """The rows of ``frame`` as inline data: NaN and infinities become null, datetimes epoch ms.

    A plain ``{"values": [...]}`` mapping: Altair neither applies its
    5,000-row guard nor validates every row against the schema (seconds for
    40,000 rows); it still moves the rows to the spec's top-level
    ``datasets``. The chart functions bound their rows themselves.
    """
    import pandas as pd

    times = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    if times:
        frame = frame.assign(**{str(c): epoch_ms(frame[c]) for c in times})
    text = frame.to_json(orient="records", double_precision=15)
    return {"values": json.loads(text)}


def epoch_ms(column: pd.Series) -> pd.Series:
    """Datetimes (naive or zoned) as float milliseconds since 1970 UTC; NaT becomes NaN."""
    import pandas as pd

    epoch = pd.Timestamp(0, tz="UTC") if column.dt.tz is not None else pd.Timestamp(0)
    return (column - epoch) / pd.Timedelta(milliseconds=1)
