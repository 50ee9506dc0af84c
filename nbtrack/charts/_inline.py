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
    text = frame.to_json(orient="records", double_precision=15, date_format="epoch", date_unit="ms")
    return {"values": json.loads(text)}
