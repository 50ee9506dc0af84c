"""What a tracked cell captures: source, history, git, environment, seeds, output and figures."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import nbtrack

from .conftest import run_notebook

CAPTURED = """%%track -e cap -n capture
import numpy as np
import matplotlib.pyplot as plt
np.random.seed(7)
SEED = 11
rng = np.random.default_rng(SEED)
!echo shell-works
%time total = sum(range(10))
len?
print("to stdout")
import sys; print("to stderr", file=sys.stderr)
plt.plot([1, 2, 3]); plt.show()
fig = plt.figure(); _ = plt.plot([3, 2, 1])
"""


def _git(folder, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, text=True).stdout


def _repository(folder) -> str:
    _git(folder, "init", "-q", "-b", "exp")
    _git(folder, "config", "user.email", "t@example.com")
    _git(folder, "config", "user.name", "t")
    (folder / "train.py").write_text("LR = 0.1\n")
    (folder / "analysis.ipynb").write_text("{}\n")
    _git(folder, "add", "train.py", "analysis.ipynb")
    _git(folder, "commit", "-q", "-m", "first")
    (folder / "train.py").write_text("LR = 0.2\n")
    (folder / "analysis.ipynb").write_text('{"cells": []}\n')
    (folder / "notes.txt").write_text("scratch\n")
    return _git(folder, "rev-parse", "HEAD").strip()


def test_source_history_git_environment_seeds_output_figures(project):
    commit = _repository(project)
    notebook = project / "analysis.ipynb"
    cells = ["%load_ext nbtrack", "x = 41", CAPTURED, "%%track -e cap -n bare --no-capture\ny = 1"]
    nb = run_notebook(cells, cwd=project, env={"JPY_SESSION_NAME": str(notebook)})
    assert nb.status(2) == "ok", nb.text(2)
    assert "shell-works" in nb.stream(2, "stdout") and "Wall time" in nb.stream(2, "stdout")
    assert sum("image/png" in o.get("data", {}) for o in nb.outputs(2)) == 2  # both figures still shown

    frame = nbtrack.runs(experiment="cap", order_by=["start_time"])
    run = nbtrack.get_run(frame["run_id"].iloc[0])
    tags = run.tags
    assert tags["nbtrack.notebook"] == str(notebook)
    assert tags["nbtrack.git_commit"] == commit and tags["nbtrack.git_branch"] == "exp"
    assert tags["nbtrack.git_dirty"] == "true"
    assert tags["nbtrack.seeds"] == "numpy.random.seed=7 numpy.random.default_rng=11"
    assert tags["nbtrack.execution_count"] == "3"
    packages = dict(item.split("=") for item in tags["nbtrack.packages"].split())
    assert packages["numpy"] and packages["matplotlib"]
    assert run.params == {"SEED": "11"}

    paths = set(nbtrack.list_artifacts(run.run_id)["path"])
    assert paths == {
        "nbtrack/source.py",
        "nbtrack/history.py",
        "nbtrack/environment.json",
        "nbtrack/stdout.txt",
        "nbtrack/stderr.txt",
        "nbtrack/git.diff",
        "figures/figure-1.png",
        "figures/figure-2.png",
    }
    source = nbtrack.load_text(run.run_id, "nbtrack/source.py")
    assert "get_ipython().system('echo shell-works')" in source and "run_line_magic('time'" in source
    history = nbtrack.load_text(run.run_id, "nbtrack/history.py")
    assert (
        history.index("%load_ext nbtrack")
        < history.index("x = 41")
        < history.index("%%track -e cap -n capture")
    )
    diff = nbtrack.load_text(run.run_id, "nbtrack/git.diff")
    assert "-LR = 0.1" in diff and "+LR = 0.2" in diff and "untracked notes.txt" in diff
    assert "changed   analysis.ipynb" in diff and '"cells"' not in diff and ".nbtrack" not in diff
    stdout = nbtrack.load_text(run.run_id, "nbtrack/stdout.txt")
    assert "to stdout" in stdout and "shell-works" in stdout and "nbtrack ·" not in stdout
    assert "to stderr" in nbtrack.load_text(run.run_id, "nbtrack/stderr.txt")
    environment = nbtrack.load_dict(run.run_id, "nbtrack/environment.json")
    assert environment["python"].startswith("3.") and environment["packages"]["numpy"] == packages["numpy"]
    png = Path(nbtrack.download_artifacts(run.run_id, "figures/figure-2.png")).read_bytes()
    assert png.startswith(b"\x89PNG")
    assert "figure(s)" in nb.cards(2)[0]["data"]["text/plain"]

    bare = nbtrack.get_run(frame["run_id"].iloc[1])
    assert nbtrack.list_artifacts(bare.run_id).empty
    assert not any(key.startswith("nbtrack.git") for key in bare.tags) and bare.params == {"y": "1"}
    assert json.loads(json.dumps(bare.tags))["nbtrack.cell_id"].startswith("src-")
