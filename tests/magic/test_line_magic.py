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
        "%nbtrack autolog sklearn\n%nbtrack autolog sklearn --disable",
        "%nbtrack autolog --everything",
        "%nbtrack",
        "%nbtrack?",
        "%%track?",
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
    assert "autolog on for" in nb.stream(14, "stdout") and "autolog off for" in nb.stream(14, "stdout")
    assert nb.status(15) == "error" and "the only option is --disable" in nb.text(15)
    assert "%nbtrack compare last [N]" in nb.stream(16, "stdout")
    assert "%nbtrack compare last [N]" in nb.text(17) or nb.replies[17]["content"]["payload"]
    help_text = str(nb.replies[18]["content"]["payload"])
    assert "--metrics" in help_text and "%%track -e churn -n rf -p max_depth=12" in help_text
    frame = nbtrack.runs(experiment="*")
    assert nbtrack.get_run(frame.set_index("run_name").loc["dangling", "run_id"]).status == "KILLED"
