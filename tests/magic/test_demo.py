"""`nbtrack demo` executes notebooks/quickstart.ipynb in a real kernel and records its runs."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import nbtrack
from nbtrack.demo import quickstart_path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_the_quickstart_notebook_into_the_current_folder(tmp_path):
    folder = tmp_path / "somewhere"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "NBTRACK_URI"}
    result = subprocess.run(
        [sys.executable, "-m", "nbtrack", "demo"],
        cwd=folder,
        env={**env, "COLUMNS": "160"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "[10/10] %%track -n broken-config" in out and "error (expected)" in out
    assert "random-forest" in out and "boosting" in out and "FAILED" in out
    assert "WARNING" not in result.stderr

    nbtrack.connect(folder)
    frame = nbtrack.runs(experiment="quickstart", order_by=["start_time"])
    assert list(frame["run_name"]) == ["random-forest", "random-forest", "boosting", "broken-config"]
    assert list(frame["status"]) == ["FINISHED", "FINISHED", "FINISHED", "FAILED"]
    first, second, boosting, broken = (nbtrack.get_run(r) for r in frame["run_id"])
    assert (first.params["max_depth"], second.params["max_depth"]) == ("2", "8")
    assert second.tags["nbtrack.previous_run_id"] == first.run_id
    assert 0.8 < second.metrics["val_acc"] <= 1.0
    assert len(nbtrack.metric_history(boosting.run_id, "val_acc")) == 40
    assert "figures/figure-1.png" in set(nbtrack.list_artifacts(boosting.run_id)["path"])
    assert "'C' parameter of LogisticRegression" in broken.error and "line 5" in broken.error
    assert boosting.tags["nbtrack.notebook"].endswith("quickstart.ipynb")


def test_the_wheel_ships_the_notebook_the_demo_runs():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    shipped = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert shipped["notebooks/quickstart.ipynb"] == "nbtrack/_data/quickstart.ipynb"
    assert quickstart_path() == ROOT / "notebooks" / "quickstart.ipynb"  # a source checkout
