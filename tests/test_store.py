"""Store discovery, URIs, schema migrations, spool merging and the lock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import nbtrack
from nbtrack.errors import StoreError, StoreLockedError
from nbtrack.store import events, open_store, schema
from nbtrack.store.embedded import EmbeddedStore
from nbtrack.store.locate import discover, store_root
from nbtrack.store.lock import StoreLock


def test_discovery_finds_nearest_parent_store(tmp_path, monkeypatch):
    monkeypatch.delenv("NBTRACK_URI")
    project = tmp_path / "proj"
    (project / ".nbtrack").mkdir(parents=True)
    deep = project / "notebooks" / "exp1"
    deep.mkdir(parents=True)
    assert discover(deep) == project / ".nbtrack"
    lonely = tmp_path / "elsewhere"
    lonely.mkdir()
    assert discover(lonely) == lonely.resolve() / ".nbtrack"
    monkeypatch.chdir(deep)
    nbtrack.reset_session()
    with nbtrack.start_run():
        pass
    nbtrack.flush()
    assert Path(nbtrack.store_path()) == (project / ".nbtrack").resolve()
    assert (project / ".nbtrack" / "nbtrack.duckdb").exists()


def test_uri_forms(tmp_path, monkeypatch):
    assert store_root(tmp_path) == tmp_path / ".nbtrack"
    assert store_root(tmp_path / ".nbtrack") == tmp_path / ".nbtrack"
    assert store_root(f"file://{tmp_path}") == tmp_path / ".nbtrack"
    custom = tmp_path / "custom"
    custom.mkdir()
    (custom / "nbtrack.duckdb").touch()
    assert store_root(custom) == custom
    monkeypatch.setenv("NBTRACK_URI", str(custom))
    assert store_root() == custom
    with pytest.raises(StoreError, match="not available"):
        store_root("ducklake:postgres:dbname=x")


def test_connect_switches_stores_and_refuses_with_active_run(tmp_path):
    first = nbtrack.connect(tmp_path / "a")
    with nbtrack.start_run() as run_a, pytest.raises(nbtrack.NbtrackError, match="End the active run"):
        nbtrack.connect(tmp_path / "b")
    second = nbtrack.connect(tmp_path / "b")
    assert first != second
    assert nbtrack.runs(experiment="*").empty
    nbtrack.connect(tmp_path / "a")
    assert nbtrack.runs(experiment="*")["run_id"].tolist() == [run_a.run_id]


def test_migrations_run_once_and_views_are_documented(store_dir):
    with nbtrack.start_run():
        pass
    nbtrack.reset_session()
    con = duckdb.connect(str(store_dir / "nbtrack.duckdb"))
    try:
        versions = con.execute("select version from core.schema_version order by 1").fetchall()
        assert versions == [(number,) for number, _, _ in schema.MIGRATIONS]
        views = {
            r[0]
            for r in con.execute("select view_name from duckdb_views() where schema_name='main'").fetchall()
        }
        assert set(schema.PUBLIC_VIEWS) <= views
        assert schema.migrate(con, 0) == schema.SCHEMA_VERSION  # nothing pending: no-op
        assert con.execute("select count(*) from core.schema_version").fetchone() == (len(schema.MIGRATIONS),)
    finally:
        con.close()


def test_store_from_a_newer_nbtrack_is_refused_clearly(store_dir):
    with nbtrack.start_run():
        pass
    nbtrack.reset_session()
    con = duckdb.connect(str(store_dir / "nbtrack.duckdb"))
    con.execute("insert into core.schema_version values (999, 0)")
    con.close()
    with pytest.raises(StoreError, match="newer nbtrack"):
        nbtrack.runs()


def test_spool_file_is_merged_exactly_once(store_dir):
    store = open_store(store_dir)
    table = events.table_from_columns(
        {
            "kind": [events.METRIC] * 3,
            "run_id": ["r"] * 3,
            "key": ["k"] * 3,
            "step": [0, 1, 2],
            "ts": [1, 2, 3],
            "value": [1.0, 2.0, 3.0],
            "text": [None] * 3,
        }
    )
    store.write_batch(table)
    name = store.spool.pending()[0]
    saved = (store.spool.directory / name).read_bytes()
    assert store.merge_pending(timeout=5)
    # a crash between COMMIT and unlink leaves the file behind: it must not merge twice
    (store.spool.directory / name).write_bytes(saved)
    assert store.merge_pending(timeout=5)
    assert not store.spool.pending()
    with store.reading() as con:
        assert con.execute("select count(*) from metrics").fetchone() == (3,)
        assert con.execute("select step, value from core.metric_latest").fetchall() == [(2, 3.0)]
    store.close()


def test_latest_metric_is_highest_step_not_last_written(store_dir):
    with nbtrack.start_run() as run:
        nbtrack.log_metric("m", 5.0, step=10)
        nbtrack.flush()
        nbtrack.log_metric("m", 1.0, step=3)  # a late, older point
    assert nbtrack.get_run(run.run_id).metrics["m"] == 5.0


def test_lock_is_exclusive_across_processes_and_names_holder(store_dir):
    store_dir.mkdir(parents=True, exist_ok=True)
    code = (
        "import sys, time; from pathlib import Path; from nbtrack.store.lock import StoreLock\n"
        "lock = StoreLock(Path(sys.argv[1]) / 'x.lock'); lock.acquire(5)\n"
        "print('ok', flush=True); time.sleep(30)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(store_dir)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ok"
        lock = StoreLock(store_dir / "x.lock")
        assert lock.acquire(0) is False
        with pytest.raises(StoreLockedError, match=f"process {proc.pid}"):
            lock.acquire(0.3)
    finally:
        proc.kill()
        proc.wait()
    assert lock.acquire(5) is True
    lock.release()


def test_lease_reuses_connection_then_releases(store_dir):
    store = EmbeddedStore(store_dir)
    with store.reading() as first:
        pass
    with store.reading() as second:
        assert second is first  # within the lease: no reopen
    store.close()
    other = StoreLock(store_dir / "nbtrack.duckdb.lock")
    assert other.acquire(1)  # closed: the lock is free for others
    other.release()
