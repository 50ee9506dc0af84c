"""The run always ends: FINISHED, FAILED (error shown once, the cell fails), KILLED (interrupt)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbtrack

from .conftest import Cell, run_notebook

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
INTERRUPTED = """%%track -e life -n interrupted
import pathlib, time
for step in range(100000):
    log_metric("loss", 1.0 / (step + 1))
    if step == 50:
        pathlib.Path("started").write_text("yes")
    time.sleep(0.01)
"""


def _interrupt_when_started(index: int, client, folder) -> None:
    if index != 3:
        return

    def interrupt() -> None:
        deadline = time.monotonic() + 120
        while not (folder / "started").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        os.kill(client.km.provisioner.pid, signal.SIGINT)

    threading.Thread(target=interrupt, name="test-interrupt", daemon=True).start()


def test_failed_killed_dangling_nested(project):
    cells = [
        "%load_ext nbtrack\nimport nbtrack, sys\nsys.modules['anywidget'] = None  # as if not installed",
        Cell("%%track -e life -n failing\nlog_metric('before', 1.0)\nprint('partial output')\n1 / 0\n"),
        "err = get_ipython().last_execution_result.error_in_exec\ntype(err).__name__",
        INTERRUPTED,
        "dangling = nbtrack.start_run(run_name='left-open', experiment='life')",
        "%%track -e life -n after-dangling\nwith nbtrack.start_run(run_name='inner', nested=True):\n"
        "    log_metric('inner_metric', 3.0)\nlog_metric('outer_metric', 2.0)\n'done'",
        "parent = nbtrack.start_run(run_name='sweep', experiment='life')",
        "%%track -e life -n child --nested --quiet\nlog_metric('m', 1.0)",
        "%%track -e life -n semicolon --quiet --nested\n41 + 1;",
        "nbtrack.end_run()\nimport sys\n"
        "[type(sys.stdout).__name__, len(nbtrack.get_session().metric_listeners)]",
        "%nbtrack runs status = 'KILLED'",
    ]
    nb = run_notebook(cells, cwd=project, on_cell_start=lambda i, c: _interrupt_when_started(i, c, project))

    # FAILED: one traceback, the execution itself failed (Run All stops), the exception is the user's
    assert nb.status(1) == "error" and len(nb.errors(1)) == 1
    assert nb.errors(1)[0]["ename"] == "ZeroDivisionError"
    assert "partial output" in nb.stream(1, "stdout")
    assert nb.outputs(2)[0]["data"]["text/plain"] == "'ZeroDivisionError'"
    assert "FAILED" in nb.cards(1)[0]["data"]["text/plain"]

    # KILLED: interrupted mid-loop; what was logged before is kept
    assert nb.status(3) == "error" and nb.errors(3)[0]["ename"] == "KeyboardInterrupt"
    assert "KILLED" in nb.cards(3)[0]["data"]["text/plain"]

    frame = nbtrack.runs(experiment="life", order_by=["start_time"])
    by_name = {row.run_name: row for row in frame.itertuples()}
    failed = nbtrack.get_run(by_name["failing"].run_id)
    assert (
        failed.status == "FAILED"
        and "ZeroDivisionError" in failed.error
        and failed.metrics == {"before": 1.0}
    )
    assert "1 / 0" in failed.error
    assert nbtrack.load_text(failed.run_id, "nbtrack/stdout.txt") == "partial output\n"
    killed = nbtrack.get_run(by_name["interrupted"].run_id)
    assert killed.status == "KILLED" and "KeyboardInterrupt" in killed.error
    history = nbtrack.metric_history(killed.run_id, "loss")
    assert len(history) > 50 and list(history["step"]) == list(range(len(history)))

    # a run left active by an earlier cell is ended, with a notice, and blocks nothing
    dangling = nbtrack.get_run(by_name["left-open"].run_id)
    assert dangling.status == "FINISHED"
    assert "that an earlier cell left active" in nb.stream(5, "stdout")
    after = nbtrack.get_run(by_name["after-dangling"].run_id)
    assert after.status == "FINISHED" and after.parent_run_id is None
    assert after.metrics == {"outer_metric": 2.0}
    inner = nbtrack.get_run(by_name["inner"].run_id)
    assert inner.parent_run_id == after.run_id and inner.metrics == {"inner_metric": 3.0}
    assert [o["data"]["text/plain"] for o in nb.outputs(5) if o["output_type"] == "execute_result"] == [
        "'done'"
    ]

    # --nested makes the cell's run a child of the active run; --quiet shows no card
    child = nbtrack.get_run(by_name["child"].run_id)
    assert child.parent_run_id == by_name["sweep"].run_id and child.status == "FINISHED"
    assert nb.cards(7) == []
    # a trailing semicolon hides the value, as without the magic
    assert nb.status(8) == "ok" and nb.outputs(8) == []
    # nothing of the cell's capture is left installed
    assert nb.outputs(9)[0]["data"]["text/plain"] == "['OutStream', 0]"
    assert set(frame["status"]) == {"FINISHED", "FAILED", "KILLED"}
    # without the widgets' dependencies, %nbtrack runs still answers, with a DataFrame
    assert nb.status(10) == "ok", nb.text(10)
    if callable(getattr(nbtrack, "table", None)):
        assert "the table widget cannot load" in nb.stream(10, "stdout")
    table = next(o for o in nb.outputs(10) if o["output_type"] == "execute_result")["data"]["text/plain"]
    assert "interrupted" in table and "failing" not in table


def test_a_busy_store_never_holds_the_cell_up_and_the_card_is_updated(project, store_dir):
    with nbtrack.start_run(run_name="earlier", tags={"nbtrack.cell_id": "busy-cell"}) as earlier:
        nbtrack.log_param("depth", 1)
    nbtrack.flush()
    nbtrack.reset_session()
    holder = subprocess.Popen(
        [sys.executable, str(SCRIPTS / "hold_lock.py"), str(store_dir)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "HOLDING"
        alive_after_cell: list[bool] = []

        def release(index: int, client) -> None:
            if index == 2:
                alive_after_cell.append(holder.poll() is None)
                holder.kill()

        # %nbtrack reads wait (bounded) for what the capture thread still has to write
        cells = [
            "%load_ext nbtrack",
            Cell("%%track -n busy\ndepth = 2\n'ran'", "busy-cell"),
            "%nbtrack store",
        ]
        nb = run_notebook(cells, cwd=project, on_cell_start=release)
    finally:
        holder.kill()
        holder.wait(10)
    assert nb.status(1) == "ok" and alive_after_cell == [True]  # the cell ended while the lock was held
    # the card, shown without the previous run, was updated in place once the store answered
    card = nb.cards(1)[0]["data"]
    assert f"previous {earlier.run_id[:8]}" in card["text/plain"] and "depth 1 → 2" in card["text/plain"]
    assert card["application/vnd.nbtrack.run+json"]["previous_run_id"] == earlier.run_id
    busy = nbtrack.runs(filter="attributes.run_name = 'busy'")
    assert busy["tags.nbtrack.previous_run_id"].tolist() == [earlier.run_id]
