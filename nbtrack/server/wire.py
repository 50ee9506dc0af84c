"""Values on the wire: JSON-safe numbers, epoch-millisecond times, run rows.

JSON has no NaN or infinity, and metrics may be either (stored like
MLflow stores them), so non-finite numbers travel as the strings ``"NaN"``,
``"Infinity"`` and ``"-Infinity"``. Times are epoch milliseconds (numbers).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

#: Tags written by nbtrack itself (cell id, git, environment): shown in a run's detail, not in lists.
TOOL_TAG_PREFIX = "nbtrack."
_NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


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
    """A timestamp (datetime, pandas Timestamp, None/NaT) as integer epoch milliseconds."""
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
    return None if _missing(value) else str(value)


def run_rows(frame: pd.DataFrame, *, tool_tags: bool = False) -> list[dict[str, Any]]:
    """Rows of a wide run table (``Store.search_runs``) as run summaries.

    Missing metrics, params and tags are left out of each row's maps (the
    wide table cannot tell a NaN metric from a missing one: a run's detail can).
    """
    groups = {"metrics.": [], "params.": [], "tags.": []}  # type: dict[str, list[str]]
    for column in frame.columns:
        for prefix, names in groups.items():
            if str(column).startswith(prefix):
                key = str(column)[len(prefix) :]
                if prefix != "tags." or tool_tags or not key.startswith(TOOL_TAG_PREFIX):
                    names.append(str(column))
    records = frame.to_dict("records")
    return [_row(record, groups) for record in records]


def _row(record: dict[str, Any], groups: dict[str, list[str]]) -> dict[str, Any]:
    metrics = {c[8:]: number(record[c]) for c in groups["metrics."] if not _missing(record[c])}
    params = {c[7:]: str(record[c]) for c in groups["params."] if not _missing(record[c])}
    tags = {c[5:]: str(record[c]) for c in groups["tags."] if not _missing(record[c])}
    duration = record.get("duration")
    return {
        "run_id": record["run_id"],
        "run_name": text(record.get("run_name")),
        "experiment_id": text(record.get("experiment_id")),
        "experiment_name": text(record.get("experiment_name")),
        "status": record["status"],
        "start_time": epoch_ms(record.get("start_time")),
        "end_time": epoch_ms(record.get("end_time")),
        "duration": None if _missing(duration) else float(duration or 0.0),
        "parent_run_id": text(record.get("parent_run_id")),
        "user": text(record.get("user")),
        "metrics": metrics,
        "params": params,
        "tags": tags,
    }


def _missing(value: Any) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))  # None, NaN, NaT, pd.NA
