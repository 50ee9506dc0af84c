"""What nbtrack leaves on disk and prints: a lock note without arguments, files no wider than the umask,
no DuckDB progress bar in the user's output."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import nbtrack
from nbtrack.errors import StoreLockedError
from nbtrack.store.lock import StoreLock

SECRET = "0123456789abcdef-secret-token"

_HOLD = """
import sys, time
from pathlib import Path
from nbtrack.store import open_store
store = open_store(sys.argv[1])
store.lock.acquire(5)
print("HOLDING", flush=True)
time.sleep(60)
"""


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_lock_note_records_no_arguments_and_errors_repeat_none(store_dir, tmp_path, monkeypatch):
    with nbtrack.start_run():
        pass
    script = tmp_path / "jupyter-lab-like.py"
    script.write_text(_HOLD)
    holder = subprocess.Popen(
        [sys.executable, str(script), str(store_dir), f"--IdentityProvider.token={SECRET}", "--port=8888"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "HOLDING"
        text = (store_dir / "nbtrack.duckdb.lock").read_text()
        assert SECRET not in text and "--port" not in text
        note = json.loads(text)
        assert note["pid"] == holder.pid
        assert note["program"] == "jupyter-lab-like.py"
        assert set(note) == {"pid", "host", "program", "since"}
        monkeypatch.setenv("NBTRACK_LOCK_TIMEOUT", "0.5")
        nbtrack.reset_session()
        with pytest.raises(StoreLockedError) as info:
            nbtrack.runs()
        assert f"process {holder.pid}" in str(info.value)
        assert "jupyter-lab-like.py" in str(info.value)
        assert SECRET not in str(info.value)
    finally:
        holder.kill()
        holder.wait()


def test_an_old_note_with_a_command_line_is_never_repeated(tmp_path):
    lock = StoreLock(tmp_path / "x.lock")
    lock.path.write_text(
        f"process 4242 on somehost (jupyter-lab --IdentityProvider.token={SECRET}) since 2025"
    )
    assert SECRET not in lock.holder()
    assert lock.holder().startswith("process 4242 on somehost")
    lock.path.write_text("something else entirely")
    assert lock.holder() == "an unknown process"


def test_program_name_of_a_module_run_is_the_module(tmp_path):
    code = "from nbtrack.store.lock import program_name; print(program_name())"
    module = tmp_path / "trainer_mod.py"
    module.write_text(code)
    out = subprocess.run(
        [sys.executable, "-m", "trainer_mod", f"--token={SECRET}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "python -m trainer_mod"


_UMASK_WRITER = """
import os, sys
os.umask(int(sys.argv[2], 8))
import nbtrack
from nbtrack.store import open_store
nbtrack.connect(sys.argv[1])
with nbtrack.start_run():
    nbtrack.log_metric("m", 1.0)
    nbtrack.log_text("hello", "notes.txt")
nbtrack.flush()
store = open_store(sys.argv[1])
with nbtrack.start_run():
    nbtrack.log_metric("m", 2.0)
    nbtrack.get_session().seal(durable=True)  # a spool file that stays until the next merge
    store.lock.queue.take()  # a ticket in the lock's queue, as a waiting process leaves one
    os._exit(0)  # leave the spool file unmerged
"""


@pytest.mark.parametrize(
    ("umask", "spool_mode", "lock_mode", "blob_mode"),
    [
        ("077", 0o600, 0o600, 0o400),
        ("022", 0o644, 0o644, 0o444),
    ],
)
def test_files_are_no_wider_than_the_umask(tmp_path, umask, spool_mode, lock_mode, blob_mode):
    store = tmp_path / "umask-store"
    script = tmp_path / "umask_writer.py"
    script.write_text(_UMASK_WRITER)
    subprocess.run([sys.executable, str(script), str(store), umask], check=True, timeout=120)
    root = store / ".nbtrack"
    spool_files = list((root / "spool").glob("*.arrow"))
    assert spool_files, "the writer should have left a sealed spool file"
    assert {_mode(p) for p in spool_files} == {spool_mode}
    assert _mode(root / "nbtrack.duckdb.lock") == lock_mode
    tickets = list((root / "nbtrack.duckdb.lock.queue").iterdir())
    assert tickets and {_mode(p) for p in tickets} == {lock_mode}
    assert _mode(root / "nbtrack.duckdb.lock.queue") == 0o777 & ~int(umask, 8)  # a directory
    assert _mode(root / "nbtrack.duckdb") == lock_mode  # DuckDB honours the umask too
    blobs = [p for p in (root / "artifacts").rglob("*") if p.is_file()]
    assert blobs and {_mode(p) for p in blobs} == {blob_mode}


_SLOW_QUERY = """
import sys
from nbtrack.store import open_store
store = open_store(sys.argv[1])
with store.reading() as con:
    con.execute("SET progress_bar_time = 0")  # would draw the bar at once if it were enabled
    con.execute("SELECT count(*) FROM range(40000000) t WHERE hash(t.range) % 7 = 1").fetchall()
print("done")
"""


def test_duckdb_progress_bar_never_prints_into_user_output(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_SLOW_QUERY), str(tmp_path / "pb-store")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "done\n"
    assert "%" not in result.stderr and "\u2588" not in result.stderr
