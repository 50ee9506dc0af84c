"""Autolog in a real Jupyter kernel (nbclient): the example notebook, re-run cells, the magic."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

import nbtrack

from ._helpers import child_runs

ROOT = Path(__file__).resolve().parents[2]


def _execute(cells: list[str], cwd: Path) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    ).execute()
    return notebook


def test_example_notebook_runs_and_records_every_library(tmp_path):
    notebook = nbformat.read(ROOT / "notebooks" / "autolog.ipynb", as_version=4)
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    frame = nbtrack.runs(experiment="autolog-tour")
    parents = frame[frame["parent_run_id"].isna()].set_index("run_name")
    expected_children = {
        "sklearn": {"LogisticRegression", "GridSearchCV"},
        "xgboost": {"XGBClassifier"},
        "lightgbm": {"LightGBM Booster"},
        "lightning": {"Classifier"},
        "keras": {"sequential"},
    }
    for parent, children in expected_children.items():
        assert set(child_runs(parents.loc[parent, "run_id"])["run_name"]) == children, parent
    assert len(child_runs(parents.loc["optuna", "run_id"])) == 8
    watched = nbtrack.get_run(parents.loc["plain-pytorch", "run_id"])
    assert int(watched.params["param_count"]) == 4 * 16 + 16 + 16 * 3 + 3
    assert "grad_norm/total" in watched.metrics
    assert set(frame["status"]) == {"FINISHED"}


def test_rerunning_the_autolog_cell_in_a_kernel_never_double_logs(tmp_path):
    enable = (
        "import nbtrack\nfrom nbtrack.integrations._registry import REGISTRY\n"
        "nbtrack.autolog('sklearn')\nprint(len(REGISTRY.live()))"
    )
    train = (
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.datasets import load_iris\n"
        "X, y = load_iris(return_X_y=True)\n"
        "with nbtrack.start_run(run_name='cell'):\n"
        "    LogisticRegression(max_iter=300).fit(X, y)\n"
        "    LogisticRegression(C=0.5, max_iter=300).fit(X, y)\n"
    )
    notebook = _execute([enable, train, enable, enable, train, "nbtrack.autolog(disable=True)"], tmp_path)
    counts = {notebook.cells[i].outputs[0]["text"] for i in (2, 3)}  # cell 0 ran before sklearn was imported
    assert len(counts) == 1 and int(counts.pop()) > 100  # one patch per method, however often it ran
    cells = nbtrack.runs(filter="run_name = 'cell'")
    assert len(cells) == 2
    for run_id in cells["run_id"]:
        assert child_runs(run_id)["run_name"].tolist() == ["LogisticRegression", "LogisticRegression"]


def test_autolog_inside_a_track_cell(tmp_path):
    train = (
        "%%track -n cell\n"
        "from sklearn.linear_model import LogisticRegression, Ridge\n"
        "from sklearn.datasets import load_iris\n"
        "X, y = load_iris(return_X_y=True)\n"
        "LogisticRegression(max_iter=300).fit(X, y)\n"
        "Ridge().fit(X, y)\n"
    )
    cells = ["%load_ext nbtrack", "%nbtrack autolog sklearn", train, "%nbtrack autolog sklearn", train]
    _execute([*cells, "%nbtrack autolog --disable"], tmp_path)
    tracked = nbtrack.runs(filter="run_name = 'cell'")
    assert len(tracked) == 2
    for run_id in tracked["run_id"]:
        assert child_runs(run_id)["run_name"].tolist() == ["LogisticRegression", "Ridge"]
