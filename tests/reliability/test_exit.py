"""How a process ends decides how its runs end, and nothing is lost on the way out.

Each case runs a real script in a fresh interpreter against this test's store
(``NBTRACK_URI`` is inherited), then reads what it stored from here. The
scripts exit right after their last call: nothing may depend on the
background writer's next tick. Every script also checks that nbtrack's exit
handler imported nothing (an import at exit fails once ``threading`` shuts
down), so "stderr is empty" covers that too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

import nbtrack

#: Runs first in every script: reports modules imported by exit handlers after its snapshot.
PRELUDE = """
import atexit, sys
_seen = {}
def _report_exit_imports():
    new = sorted(set(sys.modules) - _seen.get("modules", set(sys.modules)))
    if new:
        print("imported at exit:", new, file=sys.stderr)
atexit.register(_report_exit_imports)  # registered first: runs last
import nbtrack
atexit.register(lambda: _seen.setdefault("modules", set(sys.modules)))  # runs before nbtrack's
"""


def run_script(body: str, *, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run PRELUDE + body as a script file in a fresh interpreter; stdout and stderr captured."""
    script = Path(tempfile.mkdtemp(prefix="nbtrack-exit-")) / "script.py"
    script.write_text(PRELUDE + textwrap.dedent(body))
    return subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=timeout, env=os.environ.copy()
    )


def runs_by_id() -> dict[str, dict]:
    frame = nbtrack.runs(experiment="*")
    return {row["run_id"]: row for row in frame.to_dict("records")}


def test_set_experiment_alone_creates_the_experiment():
    done = run_script('nbtrack.set_experiment("made-at-the-call")\n')
    assert (done.returncode, done.stderr) == (0, "")
    experiment = nbtrack.get_experiment("made-at-the-call")
    assert experiment.runs == 0


def test_run_left_active_ends_finished_on_a_clean_exit():
    done = run_script(
        """
        run = nbtrack.start_run(run_name="no-end")
        nbtrack.log_param("lr", 0.1)
        nbtrack.log_metric("loss", 0.5)
        print(run.info.run_id)
        """
    )
    assert (done.returncode, done.stderr) == (0, "")
    run = nbtrack.get_run(done.stdout.strip())
    assert run.status == "FINISHED"
    assert run.params == {"lr": "0.1"}
    assert run.metrics == {"loss": 0.5}


def test_uncaught_exception_ends_the_run_failed_with_its_traceback():
    done = run_script(
        """
        run = nbtrack.start_run()
        print(run.info.run_id, flush=True)
        nbtrack.log_metric("loss", 0.25)
        def train():
            raise ValueError("diverged at step 7")
        train()
        """
    )
    assert done.returncode == 1
    # the previous excepthook still prints the traceback, once
    assert done.stderr.count("Traceback (most recent call last)") == 1
    assert done.stderr.rstrip().endswith("ValueError: diverged at step 7")
    run = nbtrack.get_run(done.stdout.split()[0])
    assert run.status == "FAILED"
    assert "in train" in run.error and "ValueError: diverged at step 7" in run.error
    assert run.metrics == {"loss": 0.25}


def test_keyboard_interrupt_ends_the_run_killed():
    done = run_script(
        """
        run = nbtrack.start_run()
        print(run.info.run_id, flush=True)
        raise KeyboardInterrupt
        """
    )
    assert done.returncode != 0
    assert runs_by_id()[done.stdout.split()[0]]["status"] == "KILLED"


@pytest.mark.parametrize("code", [0, 3])
def test_sys_exit_ends_the_run_and_keeps_everything(code):
    done = run_script(
        f"""
        run = nbtrack.start_run()
        nbtrack.log_metric("acc", 0.9)
        print(run.info.run_id, flush=True)
        sys.exit({code})
        """
    )
    assert (done.returncode, done.stderr) == (code, "")
    run = nbtrack.get_run(done.stdout.split()[0])
    # the interpreter tells exit handlers no exit code: both end FINISHED (documented)
    assert run.status == "FINISHED"
    assert run.metrics == {"acc": 0.9}


def test_exception_inside_with_block_then_exit_is_not_reported_twice():
    done = run_script(
        """
        try:
            with nbtrack.start_run() as run:
                print(run.info.run_id, flush=True)
                raise RuntimeError("inside")
        except RuntimeError:
            pass
        """
    )
    assert (done.returncode, done.stderr) == (0, "")
    run = nbtrack.get_run(done.stdout.split()[0])
    assert run.status == "FAILED" and "RuntimeError: inside" in run.error


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_multiprocessing_child_runs_end_and_keep_their_points(method):
    done = run_script(
        f"""
        import multiprocessing as mp

        def worker(queue):
            run = nbtrack.start_run(run_name="child")
            nbtrack.log_metric("loss", 1.5)
            queue.put(run.info.run_id)  # returns without end_run

        def failing(queue):
            run = nbtrack.start_run(run_name="child-fails")
            queue.put(run.info.run_id)
            raise ValueError("worker broke")

        if __name__ == "__main__":
            ctx = mp.get_context("{method}")
            queue = ctx.Queue()
            for target in (worker, failing):
                child = ctx.Process(target=target, args=(queue,))
                child.start()
                run_id = queue.get(timeout=60)
                child.join(60)
                print(run_id, child.exitcode)
        """
    )
    ok, bad = (line.split() for line in done.stdout.splitlines())
    assert (ok[1], bad[1]) == ("0", "1")
    assert "ValueError: worker broke" in done.stderr  # multiprocessing prints the child's traceback
    runs = runs_by_id()
    assert runs[ok[0]]["status"] == "FINISHED"
    assert runs[ok[0]]["metrics.loss"] == 1.5
    assert runs[bad[0]]["status"] == "FAILED"
    assert "ValueError: worker broke" in nbtrack.get_run(bad[0]).error


def test_forked_worker_logs_into_the_parents_run():
    done = run_script(
        """
        import multiprocessing as mp

        def worker(step):
            nbtrack.log_metric("loss", step / 10, step=step)

        if __name__ == "__main__":
            with nbtrack.start_run() as run:
                ctx = mp.get_context("fork")
                children = [ctx.Process(target=worker, args=(step,)) for step in range(3)]
                for child in children:
                    child.start()
                for child in children:
                    child.join()
            print(run.info.run_id)
        """
    )
    assert (done.returncode, done.stderr) == (0, "")
    run_id = done.stdout.strip()
    assert nbtrack.get_run(run_id).status == "FINISHED"
    history = nbtrack.metric_history(run_id, "loss")
    assert history["step"].tolist() == [0, 1, 2]


def test_run_killed_right_after_start_run_reads_killed():
    script = PRELUDE + textwrap.dedent(
        """
        import time
        run = nbtrack.start_run(run_name="victim")
        print(run.info.run_id, flush=True)
        time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        run_id = proc.stdout.readline().strip()
        time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.stdout.close()
    assert len(run_id) == 32
    assert runs_by_id()[run_id]["status"] == "KILLED"
