"""The sidebar's comparison reads the store the server hands it, not whatever the Session points at."""

from __future__ import annotations

from pathlib import Path

import pytest

import nbtrack
from nbtrack.compare_data import compare_data
from nbtrack.errors import RunNotFoundError
from nbtrack.server.comparison import comparison
from nbtrack.store import open_store


def _runs_in(directory: Path) -> list[str]:
    """Two finished runs with a loss curve in a store at ``directory``; then the Session is back home."""
    nbtrack.reset_session(str(directory))
    ids = []
    for lr in (0.1, 0.2):
        with nbtrack.start_run() as run:
            nbtrack.log_param("lr", lr)
            for step in range(5):
                nbtrack.log_metric("loss", lr / (step + 1), step=step)
        ids.append(run.run_id)
    nbtrack.flush()
    nbtrack.reset_session()  # back to this test's own (empty) store
    return ids


def test_comparison_reads_the_given_store(tmp_path: Path) -> None:
    ids = _runs_in(tmp_path / "elsewhere")
    store = open_store(str(tmp_path / "elsewhere"))
    try:
        answer = comparison(store, ids, [], "step", 0.0)
        assert answer["run_ids"] == ids and answer["metrics"] == ["loss"]
        assert answer["stored_points"] == 10
        assert compare_data(ids, store=store).metrics == ("loss",)
    finally:
        store.close()
    with pytest.raises(RunNotFoundError, match="check the ids"):
        compare_data(ids)  # the Session's own store has none of them
