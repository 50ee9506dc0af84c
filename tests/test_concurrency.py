"""Several real processes writing and reading one store at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import nbtrack
from nbtrack.errors import StoreLockedError

SCRIPTS = Path(__file__).parent / "scripts"


def _spawn(script: str, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(SCRIPTS / script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def _finish(proc: subprocess.Popen, timeout: float = 120) -> str:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"process failed ({proc.returncode}):\n{out}\n{err}"
    assert "Traceback" not in err, err
    assert "Warning" not in err, err
    return out


def _eight_writers_and_a_reader(tmp_path: Path, points: int = 5_000) -> None:
    start, stop = tmp_path / "start", tmp_path / "stop"
    writers = [_spawn("writer.py", str(start), str(points), "--pause", "0.03") for _ in range(8)]
    reader = _spawn("reader.py", str(stop))
    time.sleep(1.0)  # let every interpreter come up, then start them together
    start.touch()
    run_ids = [
        line.split()[1] for w in writers for line in _finish(w).splitlines() if line.startswith("DONE")
    ]
    stop.touch()
    reader_out = _finish(reader)
    assert "ERRORS 0" in reader_out and "WENT DOWN" not in reader_out
    assert int(reader_out.split("READS ")[1].split()[0]) > 5

    assert len(run_ids) == 8
    stats = nbtrack.sql(
        "select count(*) n, count(distinct (run_id, step)) d, count(distinct run_id) r from metrics"
    ).iloc[0]
    assert (stats["n"], stats["d"], stats["r"]) == (8 * points, 8 * points, 8)
    frame = nbtrack.runs(experiment="*")
    assert set(frame["status"]) == {"FINISHED"}
    assert frame["metrics.x"].tolist() == [float(points - 1)] * 8
    assert not list((Path(nbtrack.store_path()) / "spool").glob("*.arrow"))


def test_eight_writers_and_a_reader_lose_and_duplicate_nothing(tmp_path):
    _eight_writers_and_a_reader(tmp_path)


@pytest.mark.soak
@pytest.mark.parametrize("round_", range(5))
def test_soak_eight_writers_and_a_reader(tmp_path, round_):
    _eight_writers_and_a_reader(tmp_path, points=20_000)


def test_kill_9_loses_at_most_the_unsealed_second_and_store_stays_readable(tmp_path):
    start = tmp_path / "start"
    start.touch()
    proc = _spawn(
        "writer.py",
        str(start),
        "200000",
        "--batch",
        "500",
        "--pause",
        "0.02",
        "--progress",
        "--flush-at",
        "2000",
    )
    run_id, flushed, progress = None, 0, []
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("RUN"):
            run_id = line.split()[1]
        elif line.startswith("FLUSHED"):
            flushed = int(line.split()[1])
        elif line.startswith("logged"):
            _, count, stamp = line.split()
            progress.append((int(count), float(stamp)))
            if progress[-1][1] - progress[0][1] > 2.5:
                break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = time.time()
    logged = progress[-1][0]
    logged_a_second_before = max(c for c, t in progress if t <= killed_at - 1.6) if progress else 0

    stored = int(nbtrack.sql("select count(*) n from metrics where run_id = ?", [run_id])["n"].iloc[0])
    assert stored >= flushed > 0  # everything acknowledged by flush() survived
    assert stored >= logged_a_second_before  # at most the last (unsealed) second is lost
    assert stored <= logged
    distinct = nbtrack.sql("select count(distinct step) n from metrics where run_id = ?", [run_id])["n"].iloc[
        0
    ]
    assert distinct == stored
    record = nbtrack.get_run(run_id)
    assert record.status == "KILLED"  # the process is gone: liveness says so
    assert record.end_time is not None


def test_truncated_spool_file_is_set_aside_not_fatal(store_dir):
    with nbtrack.start_run() as run:
        nbtrack.log_metric("m", 1.0)
    spool = store_dir / "spool"
    spool.mkdir(exist_ok=True)
    (spool / "zz-bad-0000000001.arrow").write_bytes(b"ARROW1\x00\x00garbage")
    (spool / "zz-old.arrow.tmp").write_bytes(b"partial")
    old = time.time() - 3600
    os.utime(spool / "zz-old.arrow.tmp", (old, old))
    with pytest.warns(RuntimeWarning, match=r"set aside 1 spool file .*nbtrack doctor --repair"):
        with nbtrack.start_run() as second:
            nbtrack.log_metric("m", 2.0)
        frame = nbtrack.runs()
    assert set(frame["run_id"]) == {run.run_id, second.run_id}
    assert (spool / "bad" / "zz-bad-0000000001.arrow").exists()
    assert "not a whole Arrow IPC file" in (spool / "bad" / "zz-bad-0000000001.arrow.why").read_text()
    assert not (spool / "zz-old.arrow.tmp").exists()


def test_stuck_lock_gives_clear_message_after_bounded_wait(store_dir, monkeypatch):
    with nbtrack.start_run():
        nbtrack.log_metric("m", 1.0)
    holder = _spawn("hold_lock.py", str(store_dir))
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "HOLDING"
        nbtrack.reset_session()
        monkeypatch.setenv("NBTRACK_LOCK_TIMEOUT", "1.5")
        began = time.monotonic()
        with pytest.raises(StoreLockedError) as info:
            nbtrack.runs()
        waited = time.monotonic() - began
        assert f"process {holder.pid}" in str(info.value)
        assert "NBTRACK_LOCK_TIMEOUT" in str(info.value)
        assert waited < 30  # bounded, never a hang
        # Writing never waits for the lock: the training loop carries on.
        with nbtrack.start_run() as run:
            for i in range(1000):
                nbtrack.log_metric("m", float(i))
    finally:
        holder.kill()
        holder.wait()
    monkeypatch.setenv("NBTRACK_LOCK_TIMEOUT", "30")
    nbtrack.reset_session()
    assert len(nbtrack.metric_history(run.run_id, "m")) == 1000


def test_fork_pool_workers_log_to_the_parent_run():
    import multiprocessing

    with nbtrack.start_run(run_name="parent") as run, multiprocessing.get_context("fork").Pool(3) as pool:
        assert pool.map(_fork_worker, range(3)) == [0, 1, 2]
        pool.close()
        pool.join()
    for i in range(3):
        assert len(nbtrack.metric_history(run.run_id, f"worker{i}")) == 500


def _fork_worker(i: int) -> int:
    for step in range(500):
        nbtrack.log_metric(f"worker{i}", float(step), step=step)
    return i


def test_joblib_workers_write_child_runs():
    joblib = pytest.importorskip("joblib")
    with nbtrack.start_run(run_name="sweep") as parent:
        store = nbtrack.store_path()
        results = joblib.Parallel(n_jobs=2)(
            joblib.delayed(_child_run)(store, parent.run_id, i) for i in range(4)
        )
    assert sorted(results) == [0, 1, 2, 3]
    children = nbtrack.runs(filter=f"parent_run_id = '{parent.run_id}'")
    assert len(children) == 4
    assert sorted(children["metrics.score"]) == [0.0, 1.0, 2.0, 3.0]
    assert set(children["status"]) == {"FINISHED"}


def _child_run(store: str, parent_run_id: str, i: int) -> int:
    nbtrack.connect(store)
    with nbtrack.start_run(parent_run_id=parent_run_id, run_name=f"trial-{i}"):
        nbtrack.log_param("i", i)
        for step in range(100):
            nbtrack.log_metric("loss", 1.0 / (step + 1))
        nbtrack.log_metric("score", float(i))
    return i


def test_background_writer_makes_data_visible_without_flush():
    code = (
        "import nbtrack, time, sys\n"
        "run = nbtrack.start_run()\n"
        "print(run.run_id, flush=True)\n"
        "nbtrack.log_metric('m', 1.0)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        run_id = proc.stdout.readline().strip()
        deadline = time.monotonic() + 20
        record = None
        while time.monotonic() < deadline:
            try:
                record = nbtrack.get_run(run_id)
            except nbtrack.NbtrackError:
                record = None
            if record is not None and record.metrics:
                break
            time.sleep(0.1)
        assert record is not None and record.metrics == {"m": 1.0}
        assert record.status == "RUNNING"  # alive: not mistaken for dead
    finally:
        proc.kill()
        proc.wait()
    assert nbtrack.get_run(run_id).status == "KILLED"


def test_stale_heartbeat_from_another_host_reads_killed(store_dir):
    from nbtrack.store import events, open_store

    store = open_store(store_dir)
    stamp = int(time.time() * 1000) - 10 * 60 * 1000
    rows = {"kind": [], "run_id": [], "key": [], "step": [], "ts": [], "value": [], "text": []}

    def add(key, step=None, text=None):
        for column, value in zip(
            events.COLUMNS, (events.RUN, "r" * 32, key, step, stamp, None, text), strict=True
        ):
            rows[column].append(value)

    add("status", text="RUNNING")
    add("host", text="some-other-machine")
    add("pid", step=1)
    add("start_ms", step=stamp)
    add("heartbeat_ms", step=stamp)
    add("lifecycle", text="active")
    store.write_batch(events.table_from_columns(rows))
    store.close()
    assert nbtrack.get_run("r" * 32).status == "KILLED"
    assert nbtrack.runs(filter="status = 'KILLED'", experiment="*")["run_id"].tolist() == ["r" * 32]
    assert nbtrack.sql("select status from runs")["status"].tolist() == ["KILLED"]
