"""Parity with MLflow: every param and metric MLflow's autolog records, nbtrack records too, same value.

The same workloads (``_parity_workloads.py``) run under ``mlflow.autolog()`` in a
separate venv (``_mlflow_venv.py``) and under ``nbtrack.autolog()`` here. Runs are
matched by position in the run tree (search candidates by their params). Timing
metrics (``mean_fit_time``...) are compared by key only: they are measured, not computed.
Under ``CI=true`` the MLflow venv is created if missing; elsewhere the test is skipped
when it cannot be.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

import nbtrack

from . import _mlflow_venv, _parity_workloads

HERE = Path(__file__).resolve().parent
TIMINGS = ("mean_fit_time", "std_fit_time", "mean_score_time", "std_score_time")


@pytest.fixture(scope="module")
def mlflow_runs(tmp_path_factory):
    """What MLflow recorded for each workload (run dicts with params, metrics, tags, parent)."""
    try:
        python = _mlflow_venv.mlflow_python(create=True)
    except (OSError, subprocess.SubprocessError) as exc:
        python, reason = None, str(exc)
    else:
        reason = "the MLflow venv does not have our library versions"
    if python is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"could not set up MLflow for the parity test: {reason}")
        pytest.skip(f"MLflow venv unavailable: {reason}")
    folder = tmp_path_factory.mktemp("mlflow")
    result = subprocess.run(
        [str(python), str(HERE / "_mlflow_side.py"), str(folder)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=folder,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(x for x in result.stdout.splitlines() if x.startswith("PARITY-JSON "))
    return json.loads(line.removeprefix("PARITY-JSON "))


def _nbtrack_runs(workload) -> list[dict]:
    before = set(nbtrack.runs()["run_id"]) if len(nbtrack.runs()) else set()
    workload()
    frame = nbtrack.runs()
    created = []
    for run_id in set(frame["run_id"]) - before:
        record = nbtrack.get_run(run_id)
        created.append(
            {
                "run_id": run_id,
                "parent": record.parent_run_id,
                "params": dict(record.params),
                "metrics": dict(record.metrics),
                "tags": dict(record.tags),
            }
        )
    return created


def _key(run: dict, runs: list[dict]) -> tuple:
    """Where a run sits: top-level, or a child identified by its params."""
    ids = {r["run_id"] for r in runs}
    if run["parent"] not in ids:
        return ("top",)
    return ("child", json.dumps(run["params"], sort_keys=True))


@pytest.mark.parametrize("name", list(_parity_workloads.WORKLOADS))
def test_nbtrack_records_everything_mlflow_records(name, mlflow_runs, autolog):
    autolog(log_models=False, log_datasets=False, log_input_examples=False)
    runs = _nbtrack_runs(_parity_workloads.WORKLOADS[name])
    ours = {_key(r, runs): r for r in runs}
    theirs = mlflow_runs[name]
    assert len(theirs) >= 1
    for mlflow_run in theirs:
        where = _key(mlflow_run, theirs)
        assert where in ours, f"{name}: MLflow has a run {where} that nbtrack lacks"
        nbtrack_run = ours[where]
        for key, value in mlflow_run["params"].items():
            assert nbtrack_run["params"].get(key) == value, f"{name} {where[0]} param {key}"
        for key, value in mlflow_run["metrics"].items():
            assert key in nbtrack_run["metrics"], f"{name} {where[0]}: metric {key} missing"
            if key not in TIMINGS:
                assert nbtrack_run["metrics"][key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
        for key, value in mlflow_run["tags"].items():
            assert nbtrack_run["tags"].get(key) == value, f"{name} {where[0]} tag {key}"
    assert len(ours) == len(theirs), f"{name}: nbtrack made {len(ours)} runs, MLflow {len(theirs)}"
