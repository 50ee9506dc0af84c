"""Loading, reloading and unloading the extension; failures inside nbtrack never reach the user."""

from __future__ import annotations

import nbtrack

from .conftest import run_notebook

STATE = (
    "import sys, nbtrack\n"
    "pub = get_ipython().display_pub\n"
    "[type(sys.stdout).__name__, 'publish' in vars(pub), len(nbtrack.get_session().metric_listeners),"
    " 'track' in get_ipython().magics_manager.magics['cell'],"
    " get_ipython().user_ns.get('log_metric') is nbtrack.log_metric,"
    " len(get_ipython().magics_manager.registry)]"
)


def test_load_twice_reload_unload(project):
    cells = [
        "%load_ext nbtrack\n%load_ext nbtrack\nimport nbtrack\nnbtrack.load_ipython_extension(get_ipython())",
        "%%track -e ext -n once\nlog_metric('m', 1.0)",
        "%reload_ext nbtrack",
        "%%track -e ext -n after-reload\nlog_metric('m', 2.0)",
        STATE,
        "log_metric = 'mine'\n%unload_ext nbtrack\n%load_ext nbtrack",
        "log_metric",
        "del log_metric",
        "%unload_ext nbtrack",
        STATE,
        "%%track\nprint('should not run')",
        "nbtrack.unload_ipython_extension(get_ipython())\n%load_ext nbtrack",
        STATE,
    ]
    nb = run_notebook(cells, cwd=project)
    assert [len(nb.cards(i)) for i in (1, 3)] == [1, 1]
    frame = nbtrack.runs(experiment="ext")
    assert sorted(frame["run_name"]) == ["after-reload", "once"] and set(frame["status"]) == {"FINISHED"}
    loaded = nb.outputs(4)[0]["data"]["text/plain"]
    assert loaded.startswith("['OutStream', False, 0, True, True,")
    assert nb.outputs(6)[0]["data"]["text/plain"] == "'mine'"  # a user's own name is never replaced
    unloaded = nb.outputs(9)[0]["data"]["text/plain"]
    assert unloaded.startswith("['OutStream', False, 0, False, False,")
    assert int(unloaded.strip("]").split(",")[-1]) == int(loaded.strip("]").split(",")[-1]) - 1
    assert nb.status(10) == "error" and "should not run" not in nb.text(10)
    assert nb.outputs(12)[0]["data"]["text/plain"] == loaded


BREAK = """import nbtrack.capture.history as history, nbtrack.magics.cell as card
def broken(*args, **kwargs):
    raise RuntimeError("simulated bug")
history.session_history = broken
card.render = broken
"""


def test_a_failing_capture_is_reported_once_and_the_code_still_runs(project):
    cells = [
        "%load_ext nbtrack",
        BREAK,
        "%%track -e hooks -n first\nprint('user code ran')\nlog_metric('m', 1.0)\n'value'",
        "%%track -e hooks -n second\nprint('user code ran again')",
        "%nbtrack reset",
        "%%track -e hooks -n third\nprint('and again')",
    ]
    nb = run_notebook(cells, cwd=project)
    assert nb.status(2) == "ok" and "user code ran" in nb.stream(2, "stdout")
    assert [o["data"]["text/plain"] for o in nb.outputs(2) if o["output_type"] == "execute_result"] == [
        "'value'"
    ]
    messages = nb.stream(2, "stderr")
    assert "nbtrack: history capture failed (RuntimeError: simulated bug)" in messages
    assert "nbtrack: run card failed (RuntimeError: simulated bug)" in messages
    assert messages.count("nbtrack:") == 2
    assert nb.status(3) == "ok" and nb.stream(3, "stderr") == ""  # reported once, then switched off
    assert "switched back on: history capture, run card" in nb.stream(4, "stdout")
    assert "history capture failed" in nb.stream(5, "stderr")
    frame = nbtrack.runs(experiment="hooks", order_by=["start_time"])
    assert list(frame["status"]) == ["FINISHED"] * 3
    first = frame["run_id"].iloc[0]
    paths = set(nbtrack.list_artifacts(first)["path"])
    assert "nbtrack/history.py" not in paths and "nbtrack/source.py" in paths
    assert nbtrack.get_run(first).metrics == {"m": 1.0}


def test_a_store_that_cannot_be_written_is_reported_once(tmp_path):
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / ".nbtrack").write_text("a file where the store's folder should be")
    cells = [
        "%load_ext nbtrack",
        "%%track -n first\nprint('user code ran')\nlog_metric('m', 1.0)",
        "%%track -n second\nprint('user code ran again')",
    ]
    nb = run_notebook(cells, cwd=blocked, env={"NBTRACK_URI": str(blocked)})
    assert [nb.status(i) for i in (1, 2)] == ["ok", "ok"]
    assert "user code ran" in nb.stream(1, "stdout") and "user code ran again" in nb.stream(2, "stdout")
    assert nb.stream(1, "stderr").count("nbtrack: cannot write to the store") == 1
    lines = nb.stream(1, "stderr").splitlines()
    assert [line.startswith("nbtrack:") for line in lines] == [True] and nb.stream(2, "stderr") == ""
    assert "not written to the store yet" in nb.cards(2)[0]["data"]["text/plain"]
