"""Small read helpers shared by the autolog tests."""

from __future__ import annotations

import nbtrack


def child_runs(parent_id: str):
    """The runs whose parent is ``parent_id``, oldest first."""
    frame = nbtrack.runs(filter=f"parent_run_id = '{parent_id}'")
    return frame.sort_values("start_time", kind="stable").reset_index(drop=True)


def only_run():
    """The one run in the store (fails if there are more or none)."""
    frame = nbtrack.runs()
    assert len(frame) == 1, frame[["run_name", "parent_run_id"]]
    return frame.iloc[0]
