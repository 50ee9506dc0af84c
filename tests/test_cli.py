"""The ``nbtrack`` command in real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import nbtrack


def _cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "nbtrack", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "160"},
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def two_runs():
    nbtrack.set_experiment("cli")
    ids = []
    for depth, acc in ((4, 0.8), (8, 0.95)):
        with nbtrack.start_run(run_name=f"rf-{depth}") as run:
            nbtrack.log_params({"max_depth": depth})
            nbtrack.log_metric("acc", acc)
        ids.append(run.run_id)
    nbtrack.reset_session()
    return ids


def test_runs_table_csv_json(two_runs):
    table = _cli("runs").stdout
    assert "rf-4" in table and "rf-8" in table and "FINISHED" in table and "acc" in table
    csv = _cli("runs", "--format", "csv", "--order-by", "metrics.acc DESC").stdout.splitlines()
    assert csv[0].startswith("run_id,") and two_runs[1] in csv[1]
    rows = json.loads(_cli("runs", "-f", "json", "--filter", "metrics.acc > 0.9").stdout)
    assert [r["run_id"] for r in rows] == [two_runs[1]]
    assert rows[0]["params.max_depth"] == "8"
    only = json.loads(_cli("runs", "-f", "json", "--experiment", "cli", "-n", "1").stdout)
    assert len(only) == 1


def test_show_by_prefix_and_json(two_runs):
    out = _cli("show", two_runs[0][:8]).stdout
    assert "rf-4" in out and "max_depth" in out and "acc" in out
    data = json.loads(_cli("show", two_runs[1], "-f", "json").stdout)
    assert data["metrics"] == {"acc": 0.95} and data["status"] == "FINISHED"


def test_experiments_and_sql(two_runs):
    assert "cli" in _cli("experiments").stdout
    out = _cli("sql", "select count(*) as n from runs", "-f", "csv").stdout
    assert out.splitlines() == ["n", "2"]


def test_errors_go_to_stderr_with_nonzero_exit(two_runs):
    bad = _cli("runs", "--filter", "metrics.acc >", check=False)
    assert bad.returncode == 1 and "error:" in bad.stderr and "column" in bad.stderr and bad.stdout == ""
    write = _cli("sql", "delete from core.runs", check=False)
    assert write.returncode == 1 and "only reads" in write.stderr
    missing = _cli("show", "zzzz", check=False)
    assert missing.returncode == 1 and "'zzzz' matches no run" in missing.stderr
    usage = _cli("runs", "--format", "xml", check=False)
    assert usage.returncode == 2 and "xml" in usage.stderr
