"""Put a DataFrame into a chart as JSON-safe inline rows (encoded by :mod:`nbtrack.wire`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..wire import json_records

if TYPE_CHECKING:
    import pandas as pd


def inline(frame: pd.DataFrame) -> dict[str, Any]:
    """The rows of ``frame`` as inline data: NaN and infinities become null, datetimes epoch ms.

    A plain ``{"values": [...]}`` mapping: Altair neither applies its
    5,000-row guard nor validates every row against the schema (seconds for
    40,000 rows); it still moves the rows to the spec's top-level
    ``datasets``. The chart functions bound their rows themselves.
    """
    return {"values": json_records(frame)}
