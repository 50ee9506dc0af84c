"""``nbtrack doctor`` and ``nbtrack.doctor()``: the store's state, and the repair of set-aside files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import nbtrack
from nbtrack.errors import InvalidValueError
from nbtrack.store import events
from nbtrack.store.schema import SCHEMA_VERSION
from nbtrack.store.spool import Spool


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nbtrack", "doctor", *args], capture_output=True, text=True, timeout=120
    )


def _points(run_id: str, steps: range) -> dict[str, list]:
    n = len(steps)
    return {
        "kind": [events.METRIC] * n,
        "run_id": [run_id] * n,
        "key": ["m"] * n,
        "step": list(steps),
        "ts": [1_700_000_000_000] * n,
        "value": [float(s) for s in steps],
        "text": [None] * n,
    }


def _set_aside_valid_file(store_dir: Path, run_id: str, steps: range, name: str) -> None:
    """What an older nbtrack did at a full disk: a whole, valid spool file moved to spool/bad."""
    spool = Spool(store_dir / "spool")
    spool.write(events.table_from_columns(_points(run_id, steps)), name)
    spool.bad_directory.mkdir(exist_ok=True)
    os.replace(spool.directory / f"{name}.arrow", spool.bad_directory / f"{name}.arrow")


def test_healthy_store(store_dir):
    with nbtrack.start_run():
        nbtrack.log_metric("m", 1.0)
        nbtrack.log_text("x", "a.txt")
    with pytest.raises(ZeroDivisionError), nbtrack.start_run():
        raise ZeroDivisionError
    nbtrack.flush()
    report = nbtrack.doctor()
    assert report.ok and report.problems == []
    assert report.store == str(store_dir.resolve())
    assert report.schema_version == SCHEMA_VERSION
    assert report.duckdb_version == duckdb.__version__
    assert report.runs_by_status == {"FAILED": 1, "FINISHED": 1}
    assert report.database_bytes > 0 and report.artifacts_files == 1
    assert report.pending_files == 0 and report.set_aside == {}
    assert report.lock_held_now is False
    assert report.lock_holder is not None and report.lock_holder["pid"] == os.getpid()
    text = repr(report)
    assert f"schema       v{SCHEMA_VERSION}" in text and "no problems found" in text
    assert "runs         FAILED 1, FINISHED 1" in text


def test_repair_merges_what_was_set_aside_and_keeps_what_is_unreadable(store_dir):
    with nbtrack.start_run() as run:
        nbtrack.log_metric("m", -1.0, step=1000)
    nbtrack.flush()
    _set_aside_valid_file(store_dir, run.run_id, range(0, 50), "old-writer-0000000001")
    bad = store_dir / "spool" / "bad"
    (bad / "old-writer-0000000002.arrow").write_bytes(b"\x00garbage")
    report = nbtrack.doctor()
    assert not report.ok
    assert set(report.set_aside) == {"old-writer-0000000001.arrow", "old-writer-0000000002.arrow"}
    assert any("set aside" in p and "--repair" in p for p in report.problems)
    with pytest.warns(RuntimeWarning, match=r"set aside 2 spool files .*nbtrack doctor --repair"):
        assert len(nbtrack.metric_history(run.run_id, "m")) == 1  # examining merged nothing
    repaired = nbtrack.doctor(repair=True)
    assert repaired.repaired == ["old-writer-0000000001.arrow"]
    assert list(repaired.set_aside) == ["old-writer-0000000002.arrow"]
    assert "not a whole Arrow IPC file" in repaired.set_aside["old-writer-0000000002.arrow"]
    assert not repaired.ok  # the unreadable file still needs a human
    assert sorted(nbtrack.metric_history(run.run_id, "m")["step"]) == [*range(50), 1000]
    again = nbtrack.doctor(repair=True)  # repairing twice merges nothing twice
    assert again.repaired == []
    assert sorted(nbtrack.metric_history(run.run_id, "m")["step"]) == [*range(50), 1000]


def test_repair_while_the_cause_remains_keeps_the_files_to_retry(store_dir):
    with nbtrack.start_run() as run:
        pass
    _set_aside_valid_file(store_dir, run.run_id, range(10), "old-writer-0000000001")
    nbtrack.reset_session()
    db = store_dir / "nbtrack.duckdb"
    db.write_bytes(db.read_bytes()[:5000])
    report = nbtrack.doctor(repair=True)
    assert not report.ok
    assert report.problems[0].startswith("the merge failed: ") and "damaged" in report.problems[0]
    assert report.pending_files == 1 and report.set_aside == {}  # waits in the spool, not in bad/
    assert report.schema_version is None


def test_old_pending_files_are_a_problem(store_dir):
    with nbtrack.start_run() as run:
        pass
    nbtrack.flush()
    spool = Spool(store_dir / "spool")
    path = spool.write(events.table_from_columns(_points(run.run_id, range(3))), "stuck-0000000001")
    old = time.time() - 7200
    os.utime(path, (old, old))
    report = nbtrack.doctor()
    assert report.pending_files == 1 and report.pending_bytes == path.stat().st_size
    assert report.oldest_pending_s is not None and report.oldest_pending_s >= 7000
    assert any("merges are failing" in p for p in report.problems)


def test_lock_held_now_names_the_holder(store_dir, monkeypatch):
    with nbtrack.start_run():
        pass
    nbtrack.flush()
    code = (
        "import sys, time; from nbtrack.store import open_store\n"
        "s = open_store(sys.argv[1]); s.lock.acquire(5); print('HOLDING', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(store_dir)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "HOLDING"
        monkeypatch.setenv("NBTRACK_LOCK_TIMEOUT", "0.5")
        nbtrack.reset_session()
        report = nbtrack.doctor()
    finally:
        holder.kill()
        holder.wait()
    assert report.lock_held_now is True
    assert report.lock_holder is not None and report.lock_holder["pid"] == holder.pid
    assert report.lock_holder["program"] == "python -c"
    assert any(f"process {holder.pid}" in p for p in report.problems)  # the database could not be read


def test_cli_text_json_and_exit_codes(store_dir):
    with nbtrack.start_run():
        nbtrack.log_metric("m", 1.0)
    nbtrack.flush()
    nbtrack.reset_session()
    healthy = _cli()
    assert healthy.returncode == 0, healthy.stderr
    assert healthy.stdout.startswith(f"store        {store_dir.resolve()}")
    as_json = json.loads(_cli("--json").stdout)
    assert as_json["ok"] is True and as_json["runs_by_status"] == {"FINISHED": 1}
    (store_dir / "spool" / "bad").mkdir(parents=True, exist_ok=True)
    (store_dir / "spool" / "bad" / "x-0000000001.arrow").write_bytes(b"junk")
    sick = _cli("--json", "--repair")
    assert sick.returncode == 1
    assert json.loads(sick.stdout)["set_aside"].keys() == {"x-0000000001.arrow"}


def test_cli_on_a_damaged_database_reports_and_exits_1(store_dir):
    with nbtrack.start_run():
        pass
    nbtrack.reset_session()
    db = store_dir / "nbtrack.duckdb"
    db.write_bytes(b"not a database" * 100)
    result = _cli()
    assert result.returncode == 1
    assert "not a DuckDB file" in result.stdout and "Traceback" not in result.stderr


def test_bad_arguments():
    with pytest.raises(InvalidValueError, match="doctor: uri must be a directory path"):
        nbtrack.doctor(uri=42)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="doctor: repair must be True or False"):
        nbtrack.doctor(repair="yes")  # type: ignore[arg-type]


def test_half_written_artifact_copies_are_reported_and_removed(store_dir):
    """A writer killed mid-copy leaves ``artifacts/ab/.tmp-*``: never an artifact, reported, swept."""
    with nbtrack.start_run():
        nbtrack.log_text("kept", "a.txt")
    nbtrack.flush()
    folder = next(p for p in (store_dir / "artifacts").iterdir() if p.is_dir())
    old, fresh = folder / ".tmp-0123456789abcdef", folder / ".tmp-fedcba9876543210"
    old.write_bytes(b"x" * 1000)
    fresh.write_bytes(b"y")  # a copy in progress right now: left alone
    hour_ago = time.time() - 2 * 3600
    os.utime(old, (hour_ago, hour_ago))
    report = nbtrack.doctor()
    assert report.stale_tmp_files == 1 and report.artifacts_files == 1  # copies are not artifacts
    assert "+1 half-written copies to remove" in repr(report)
    repaired = nbtrack.doctor(repair=True)
    assert not old.exists() and fresh.exists()
    assert repaired.stale_tmp_files == 0
    assert any("half-written" in line for line in repaired.repaired)
    run = nbtrack.runs(experiment="*").iloc[0]
    assert nbtrack.load_text(run.run_id, "a.txt") == "kept"
