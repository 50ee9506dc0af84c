"""Damaged and foreign files: a clear error at once, never a wait for a lock, never an overwrite.

``NBTRACK_LOCK_TIMEOUT`` is set to 10 minutes in each test: an error that
were mistaken for a lock would hang there (and raise StoreLockedError)
instead of raising the error that names the file at once.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb
import pytest

import nbtrack
from nbtrack.errors import NotAStoreError, StoreCorruptError, StoreLockedError, StoreVersionError
from nbtrack.store.spool import Spool


@pytest.fixture
def patient(monkeypatch):
    """A lock timeout far longer than any test: only a real lock conflict may wait."""
    monkeypatch.setenv("NBTRACK_LOCK_TIMEOUT", "600")
    nbtrack.reset_session()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _store_with_a_run(store_dir: Path) -> Path:
    with nbtrack.start_run():
        nbtrack.log_metric("m", 1.0)
        nbtrack.log_params({f"p{i}": "x" * 200 for i in range(200)})
    nbtrack.reset_session()
    return store_dir / "nbtrack.duckdb"


def _refused(expected: type[Exception], db: Path, *words: str) -> None:
    before = _sha(db) if db.is_file() else None
    with pytest.raises(expected) as info:
        nbtrack.runs()
    assert not isinstance(info.value, StoreLockedError)
    message = str(info.value)
    assert str(db) in message
    for word in words:
        assert word.lower() in message.lower()
    if before is not None:
        assert _sha(db) == before, "nbtrack changed the file"


def test_truncated_database(store_dir, patient):
    db = _store_with_a_run(store_dir)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    _refused(StoreCorruptError, db, "damaged", "backup", "move it aside")


def test_database_with_a_damaged_block(store_dir, patient):
    db = _store_with_a_run(store_dir)
    data = bytearray(db.read_bytes())
    data[12288 : 12288 + 64] = os.urandom(64)  # a data block after the headers
    db.write_bytes(bytes(data))
    with pytest.raises(StoreCorruptError, match="damaged") as info:
        nbtrack.runs()
    assert str(db) in str(info.value)


def test_garbage_bytes_at_the_database_path(store_dir, patient):
    store_dir.mkdir(parents=True)
    db = store_dir / "nbtrack.duckdb"
    db.write_bytes(os.urandom(20_000))
    _refused(NotAStoreError, db, "not a DuckDB file", "move it aside")


def test_text_file_at_the_database_path(store_dir, patient):
    store_dir.mkdir(parents=True)
    db = store_dir / "nbtrack.duckdb"
    db.write_text("these are my notes\n" * 100)
    _refused(NotAStoreError, db, "not a DuckDB file")


def test_empty_file_at_the_database_path(store_dir, patient):
    store_dir.mkdir(parents=True)
    db = store_dir / "nbtrack.duckdb"
    db.write_bytes(b"")
    _refused(NotAStoreError, db, "empty file")


def test_directory_at_the_database_path(store_dir, patient):
    (store_dir / "nbtrack.duckdb").mkdir(parents=True)
    (store_dir / "nbtrack.duckdb" / "keep.txt").write_text("mine")
    with pytest.raises(NotAStoreError, match="is a directory"):
        nbtrack.runs()
    assert (store_dir / "nbtrack.duckdb" / "keep.txt").read_text() == "mine"


def test_text_file_at_the_store_path(store_dir, patient):
    store_dir.write_text("not a folder")  # <project>/.nbtrack is a file
    with pytest.raises(NotAStoreError, match="is a file, not an nbtrack store directory"):
        nbtrack.runs()
    with pytest.raises(NotAStoreError):
        nbtrack.doctor(repair=True)
    assert store_dir.read_text() == "not a folder"


def test_duckdb_file_of_another_program(store_dir, patient):
    store_dir.mkdir(parents=True)
    db = store_dir / "nbtrack.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE invoices AS SELECT range AS id FROM range(10)")
    con.close()
    _refused(NotAStoreError, db, "another program", "main.invoices")
    con = duckdb.connect(str(db))
    assert con.execute("SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'core'").fetchone() == (0,)
    con.close()


def test_schema_version_from_the_future(store_dir, patient):
    db = _store_with_a_run(store_dir)
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO core.schema_version VALUES (999, 0)")
    con.close()
    before = _sha(db)
    with pytest.raises(StoreVersionError, match=r"newer nbtrack \(schema v999.*pip install -U nbtrack"):
        nbtrack.runs()
    assert _sha(db) == before
    con = duckdb.connect(str(db))
    assert con.execute("SELECT max(version) FROM core.schema_version").fetchone() == (999,)
    con.close()


def test_garbage_spool_file_is_set_aside_and_the_rest_merges(store_dir, patient):
    with nbtrack.start_run() as run:
        nbtrack.log_metric("m", 1.0)
    spool = store_dir / "spool"
    garbage = os.urandom(3000)
    (spool / "aa-garbage-0000000001.arrow").write_bytes(garbage)
    with pytest.warns(RuntimeWarning, match=r"set aside 1 spool file .*spool/bad"):
        with nbtrack.start_run() as second:
            nbtrack.log_metric("m", 2.0)
        assert set(nbtrack.runs()["run_id"]) == {run.run_id, second.run_id}
    nbtrack.flush()  # announced once per process: a second warning would fail the test here
    assert len(nbtrack.runs()) == 2
    kept = spool / "bad" / "aa-garbage-0000000001.arrow"
    assert kept.read_bytes() == garbage  # moved, never changed
    assert "not a whole Arrow IPC file" in (spool / "bad" / "aa-garbage-0000000001.arrow.why").read_text()


def test_spool_file_with_foreign_columns_is_set_aside(store_dir, patient):
    import pyarrow as pa

    with nbtrack.start_run():
        pass
    path = store_dir / "spool" / "aa-foreign-0000000001.arrow"
    table = pa.table({"kind": [1], "who": ["someone"]})
    with pa.ipc.new_file(str(path), table.schema) as writer:
        writer.write_table(table)
    with pytest.warns(RuntimeWarning, match="set aside 1 spool file"):
        nbtrack.flush()
    assert "are not nbtrack's" in Spool(store_dir / "spool").why(path.name)


def test_damaged_database_keeps_every_new_spool_file_and_merges_them_once_moved_aside(store_dir, patient):
    db = _store_with_a_run(store_dir)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    before = _sha(db)
    with nbtrack.start_run() as run:
        for step in range(100):
            nbtrack.log_metric("loss", float(step), step=step)
        with pytest.raises(StoreCorruptError, match=r"nothing was lost, \d+ spool files? waits? in"):
            nbtrack.flush()
    spool = Spool(store_dir / "spool")
    assert spool.pending(), "the spool files must stay where they are"
    assert spool.set_aside() == []
    assert _sha(db) == before
    nbtrack.reset_session()
    db.rename(db.with_name("nbtrack.duckdb.damaged"))  # what the message tells the user to do
    history = nbtrack.metric_history(run.run_id, "loss")
    assert history["step"].tolist() == list(range(100))
    assert nbtrack.get_run(run.run_id).status == "FINISHED"


def test_background_merge_never_raises_on_a_damaged_database(store_dir, patient):
    db = _store_with_a_run(store_dir)
    db.write_bytes(db.read_bytes()[:5000])
    session = nbtrack.get_session()
    with nbtrack.start_run():
        nbtrack.log_metric("m", 1.0)
        session.seal(durable=False)
        with pytest.warns(RuntimeWarning, match="background merge failed: .*damaged"):
            assert session.store.merge_pending(timeout=0) is False
        assert session.store.merge_pending(timeout=0) is False  # warned once per cause, never raises
        with pytest.raises(StoreCorruptError):
            nbtrack.flush()
    assert Spool(store_dir / "spool").pending()


def test_a_real_duckdb_lock_of_another_program_is_still_waited_for_then_named(store_dir, monkeypatch):
    import subprocess
    import sys

    db = _store_with_a_run(store_dir)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
            "print('open', flush=True); time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        monkeypatch.setenv("NBTRACK_LOCK_TIMEOUT", "1")
        nbtrack.reset_session()
        with pytest.raises(StoreLockedError, match="A program outside nbtrack"):
            nbtrack.runs()
    finally:
        holder.kill()
        holder.wait()
    assert len(nbtrack.runs()) == 1  # once it is gone, the store opens as before


def test_spool_file_whose_rows_duckdb_refuses_is_set_aside_alone(store_dir, patient):
    from nbtrack.store import events

    with nbtrack.start_run() as run:
        nbtrack.log_metric("m", 1.0, step=0)
    spool = Spool(store_dir / "spool")
    refused = {  # an experiment without a name: core.experiments.name is NOT NULL
        "kind": [events.EXPERIMENT],
        "run_id": ["e-nameless"],
        "key": ["name"],
        "step": [None],
        "ts": [0],
        "value": [None],
        "text": [None],
    }
    fine = {
        "kind": [events.METRIC],
        "run_id": [run.run_id],
        "key": ["m"],
        "step": [1],
        "ts": [0],
        "value": [2.0],
        "text": [None],
    }
    spool.write(events.table_from_columns(refused), "aa-writer-0000000001")
    spool.write(events.table_from_columns(fine), "aa-writer-0000000002")
    with pytest.warns(RuntimeWarning, match="set aside 1 spool file"):
        nbtrack.flush()
    assert spool.set_aside() == ["aa-writer-0000000001.arrow"]
    assert "DuckDB refused its rows: ConstraintException" in spool.why("aa-writer-0000000001.arrow")
    assert sorted(nbtrack.metric_history(run.run_id, "m")["step"]) == [0, 1]
