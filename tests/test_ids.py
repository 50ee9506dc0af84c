"""Run ids are unique, 32 hex characters, and ordered by creation."""

from __future__ import annotations

import nbtrack
from nbtrack.tracking.ids import RunIdSource


def test_ids_are_hex_unique_and_increasing():
    source = RunIdSource()
    ids = [source.new() for _ in range(20_000)]  # many share a millisecond
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_runs_started_in_one_millisecond_list_newest_first():
    started = []
    for _ in range(5):
        with nbtrack.start_run() as run:
            started.append(run.run_id)
    assert nbtrack.runs()["run_id"].tolist() == started[::-1]
