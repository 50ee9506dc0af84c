"""Run rows for the REST API, in the JSON-safe values of :mod:`nbtrack.wire`.

``number``, ``epoch_ms``, ``text`` and ``diff_json`` are :mod:`nbtrack.wire`'s
(one definition for the widgets and the sidebar): non-finite numbers travel as
the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"``, times as integer
epoch milliseconds, the param diff as ``{fields, runs, values}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..wire import diff_json, epoch_ms, missing, number, text

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TOOL_TAG_PREFIX", "diff_json", "epoch_ms", "number", "run_rows", "text"]

#: Tags written by nbtrack itself (cell id, git, environment): shown in a run's detail, not in lists.
TOOL_TAG_PREFIX = "nbtrack."


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
    metrics = {c[8:]: number(record[c]) for c in groups["metrics."] if not missing(record[c])}
    params = {c[7:]: str(record[c]) for c in groups["params."] if not missing(record[c])}
    tags = {c[5:]: str(record[c]) for c in groups["tags."] if not missing(record[c])}
    duration = record.get("duration")
    return {
        "run_id": record["run_id"],
        "run_name": text(record.get("run_name")),
        "experiment_id": text(record.get("experiment_id")),
        "experiment_name": text(record.get("experiment_name")),
        "status": record["status"],
        "start_time": epoch_ms(record.get("start_time")),
        "end_time": epoch_ms(record.get("end_time")),
        "duration": None if missing(duration) else float(duration or 0.0),
        "parent_run_id": text(record.get("parent_run_id")),
        "user": text(record.get("user")),
        "metrics": metrics,
        "params": params,
        "tags": tags,
    }
