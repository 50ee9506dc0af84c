"""The %nbtrack line magic in a real kernel."""

from __future__ import annotations

import nbtrack

from .conftest import run_notebook

WIDGET = "application/vnd.jupyter.widget-view+json"


def test_nbtrack_commands(project, store_dir):
    cells = [
        "%load_ext nbtrack\nimport nbtrack",
        "%nbtrack experiment lm",
        "%nbtrack experiment",
        "%%track -n low\nlog_metric('acc', 0.5)\nlr = 0.1",
        "%%track -n high\nlog_metric('acc', 0.9)\nlr = 0.2",
        "%nbtrack runs metrics.acc > 0.6",
        "%nbtrack runs metrics.acc >",
        "%nbtrack last",
        "%nbtrack compare last 2",
        "%nbtrack compare last two",
        "%nbtrack store",
        "r = nbtrack.start_run(run_name='dangling')\n%nbtrack reset KILLED",
        "%nbtrack reset sideways",
        "%nbtrack frobnicate",
        "%nbtrack autolog sklearn",
        "%nbtrack autolog --everything",
        "%nbtrack",
        "%nbtrack?",
        "%%track?",
        "%%track -e auto -n cell-with-fit\nfrom sklearn.linear_model import LogisticRegression\n"
        "C = 0.5\nX, y = [[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1]\n"
        "model = LogisticRegression(C=C, max_iter=300).fit(X, y)",
        "%nbtrack autolog sklearn --disable",
    ]
    nb = run_notebook(cells, cwd=project)
    assert "runs now go to experiment 'lm'" in nb.stream(1, "stdout")
    assert "the active experiment is 'lm'" in nb.stream(2, "stdout")
    widgets = callable(getattr(nbtrack, "table", None))
    runs = nb.outputs(5)[0]["data"]
    if widgets:
        assert WIDGET in runs
    else:
        assert "high" in runs["text/plain"] and "low" not in runs["text/plain"]
    assert nb.status(6) == "error" and "column" in nb.text(6) and "^" in nb.text(6)
    assert nb.errors(6)[0]["ename"] == "MagicUsageError"
    assert "high" in nb.cards(7)[0]["data"]["text/plain"]
    compare = nb.outputs(8)[0]["data"]
    if callable(getattr(nbtrack, "compare", None)):
        assert WIDGET in compare
    else:
        assert "high" in compare["text/plain"] and "low" in compare["text/plain"]
        assert "params.lr" in compare["text/plain"] and "metrics.acc" in compare["text/plain"]
    assert nb.status(9) == "error" and "N must be a positive whole number" in nb.text(9)
    assert nb.stream(10, "stdout").strip() == str(store_dir)
    assert "dangling" in nb.stream(11, "stdout") and "KILLED" in nb.stream(11, "stdout")
    assert nb.status(12) == "error" and "FINISHED, FAILED, KILLED" in nb.text(12)
    assert nb.status(13) == "error" and "%nbtrack runs [FILTER]" in nb.text(13)
    assert nb.status(14) == "ok", nb.text(14)
    assert "autolog on for sklearn" in nb.stream(14, "stdout")
    assert nb.status(20) == "ok" and "autolog off for sklearn" in nb.stream(20, "stdout")
    assert nb.status(15) == "error" and "the only option is --disable" in nb.text(15)
    assert "%nbtrack compare last [N]" in nb.stream(16, "stdout")
    assert "%nbtrack compare last [N]" in nb.text(17) or nb.replies[17]["content"]["payload"]
    help_text = str(nb.replies[18]["content"]["payload"])
    assert "--metrics" in help_text and "%%track -e churn -n rf -p max_depth=12" in help_text
    frame = nbtrack.runs(experiment="*")
    assert nbtrack.get_run(frame.set_index("run_name").loc["dangling", "run_id"]).status == "KILLED"

    # autolog attaches to the cell's run: the fit is a child of it, in the cell's experiment
    assert nb.status(19) == "ok", nb.text(19)
    auto = nbtrack.runs(experiment="auto")
    cell_run = auto.set_index("run_name").loc["cell-with-fit"]
    children = auto[auto["parent_run_id"] == cell_run["run_id"]]
    assert len(children) == 1 and children["status"].iloc[0] == "FINISHED"
    assert nbtrack.get_run(cell_run["run_id"]).params["C"] == "0.5"
