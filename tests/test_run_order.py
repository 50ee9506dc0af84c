"""Runs started in a tight loop still list newest first."""

from __future__ import annotations

import nbtrack


def test_runs_started_in_one_millisecond_list_newest_first():
    started = []
    for _ in range(20):
        with nbtrack.start_run() as run:
            started.append(run.run_id)
    assert nbtrack.runs()["run_id"].tolist() == started[::-1]
    assert all(len(run_id) == 32 for run_id in started)
