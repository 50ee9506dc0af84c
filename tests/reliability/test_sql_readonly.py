"""``nbtrack.sql`` and ``nbtrack sql`` cannot write, read other files, load code or change settings.

Every attempt from issue 12 (and a few more) runs against a real store with
real runs, and must be refused with an nbtrack error while the database
file's sha256, every table's row count and the files around the store stay
exactly as they were. Each attempt runs twice: through the full ``sql()``
(whose statement check answers first, for a good message) and with that check
switched off, so the read-only, locked-down connection alone is shown to hold.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import nbtrack
from nbtrack.errors import NbtrackError, QueryError, ReadOnlyQueryError
from nbtrack.store import user_sql

TABLES = ("core.runs", "core.params", "core.tags", "core.metric_latest", "core.metrics", "core.experiments")

# {db}: the store's database file; {out}: a directory next to the store (outside it);
# {csv}, {parquet}: real files outside the store.
ATTEMPTS = [
    "COPY (SELECT * FROM runs) TO '{db}'",
    "COPY (SELECT * FROM runs) TO '{db}' (FORMAT parquet)",
    "COPY (SELECT 1 AS a) TO '{out}/copy.csv'",
    "COPY runs TO '/tmp/nbtrack-sql-readonly-test.csv'",
    "EXPLAIN ANALYZE COPY (SELECT * FROM runs) TO '{db}'",
    "EXPLAIN ANALYZE COPY (SELECT 1 AS a) TO '{out}/explain.csv'",
    "EXPLAIN ANALYZE SELECT * FROM read_csv('/etc/passwd')",
    "ATTACH '{out}/attached.duckdb' AS other",
    "ATTACH '{db}' AS again",
    "ATTACH '{db}' AS again (READ_WRITE)",
    "ATTACH '{db}' AS again; DROP TABLE again.core.runs",
    "ATTACH '{db}.wal' AS wal",
    "ATTACH ':memory:' AS scratch",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('{csv}')",
    "SELECT * FROM '{csv}'",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_blob('/etc/hostname')",
    "SELECT * FROM read_parquet('{parquet}')",
    "SELECT * FROM read_json('{csv}')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM glob('{out}/*')",
    "SELECT * FROM sniff_csv('{csv}')",
    "WITH t AS (SELECT * FROM read_text('/etc/passwd')) SELECT * FROM t",
    "SELECT * FROM query('SELECT * FROM read_text(''/etc/passwd'')')",
    "INSTALL httpfs",
    "LOAD httpfs",
    "LOAD '{out}/evil.duckdb_extension'",
    "PRAGMA enable_profiling = 'json'",
    "PRAGMA profile_output = '{out}/profile.json'",
    "PRAGMA memory_limit = '1GB'",
    "SET threads = 1",
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "RESET lock_configuration",
    "CREATE TABLE core.evil (a INTEGER)",
    "CREATE VIEW main.evil AS SELECT 1",
    "CREATE MACRO evil(a) AS a",
    "INSERT INTO core.runs (run_id, lifecycle) VALUES ('evil', 'active')",
    "UPDATE core.runs SET status = 'EVIL'",
    "DELETE FROM core.params",
    "DROP TABLE core.runs",
    "DROP VIEW runs",
    "ALTER TABLE core.runs ADD COLUMN evil INTEGER",
    "TRUNCATE core.tags",
    "EXPORT DATABASE '{out}/export'",
    "IMPORT DATABASE '{out}/export'",
    "CREATE SECRET evil (TYPE s3, KEY_ID 'a', SECRET 'b')",
    "SELECT 1; DROP TABLE core.runs",
    "SELECT 1; COPY (SELECT 1) TO '{out}/second.csv'",
    "SELECT 1; SELECT 2",
]

# With the statement check off these reach DuckDB and succeed, doing nothing to any file: the
# store file attached again is read-only too. They must leave everything unchanged.
HARMLESS_ON_READ_ONLY = {"SELECT 1; SELECT 2", "ATTACH '{db}' AS again"}


@dataclass
class Scene:
    """A store with runs, and what must not change: the file's hash, row counts, files around it."""

    root: Path
    db: Path
    out: Path
    csv: Path
    parquet: Path

    def fill(self, attempt: str) -> str:
        return attempt.format(db=self.db, out=self.out, csv=self.csv, parquet=self.parquet)

    def snapshot(self) -> tuple[str, dict[str, list[tuple[int, ...]]], list[str]]:
        nbtrack.reset_session()  # nothing of this process holds the file open
        digest = hashlib.sha256(self.db.read_bytes()).hexdigest()
        con = duckdb.connect(str(self.db), read_only=True)
        try:
            counts = {table: con.execute(f"SELECT count(*) FROM {table}").fetchall() for table in TABLES}
        finally:
            con.close()
        files = sorted(str(path.relative_to(self.root)) for path in self.root.rglob("*"))
        return digest, counts, files


@pytest.fixture
def scene(store_dir: Path, tmp_path: Path) -> Iterator[Scene]:
    nbtrack.set_experiment("hostile")
    for index in range(3):
        with nbtrack.start_run(run_name=f"r{index}"):
            nbtrack.log_param("lr", 0.1 * (index + 1))
            nbtrack.set_tag("team", "a")
            for step in range(5):
                nbtrack.log_metric("loss", 1.0 / (step + 1), step=step)
    nbtrack.flush()
    assert len(nbtrack.sql("SELECT * FROM runs")) == 3
    out = tmp_path / "outside"
    out.mkdir()
    csv = out / "secret.csv"
    csv.write_text("user,password\nalice,hunter2\n")
    parquet = out / "secret.parquet"
    pq.write_table(pa.table({"password": ["hunter2"]}), parquet)
    yield Scene(tmp_path, store_dir / "nbtrack.duckdb", out, csv, parquet)
    assert not Path("/tmp/nbtrack-sql-readonly-test.csv").exists()


def attempt_ids() -> list[str]:
    return [attempt.split("'")[0][:40].strip() + f"#{index}" for index, attempt in enumerate(ATTEMPTS)]


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=attempt_ids())
def test_sql_refuses_and_changes_nothing(scene: Scene, attempt: str) -> None:
    before = scene.snapshot()
    with pytest.raises((ReadOnlyQueryError, QueryError)) as refused:
        nbtrack.sql(scene.fill(attempt))
    assert str(refused.value)
    assert "hunter2" not in str(refused.value) and "root:" not in str(refused.value)
    assert scene.snapshot() == before


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=attempt_ids())
def test_the_connection_alone_holds(scene: Scene, attempt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the statement check, DuckDB's read-only, locked-down connection refuses by itself."""
    monkeypatch.setattr(user_sql, "check_query", lambda query: None)
    before = scene.snapshot()
    if attempt in HARMLESS_ON_READ_ONLY:
        nbtrack.sql(scene.fill(attempt))
    else:
        with pytest.raises(NbtrackError) as refused:
            nbtrack.sql(scene.fill(attempt))
        assert isinstance(refused.value, (ReadOnlyQueryError, QueryError))
        assert "hunter2" not in str(refused.value) and "root:" not in str(refused.value)
    assert scene.snapshot() == before


def test_settings_of_the_user_connection(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the connection runs with, read back from DuckDB itself."""
    monkeypatch.setattr(user_sql, "check_query", lambda query: None)
    settings = nbtrack.sql(
        "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', "
        "'lock_configuration', 'autoinstall_known_extensions', 'autoload_known_extensions', "
        "'allow_community_extensions', 'enable_progress_bar', 'access_mode')"
    )
    assert dict(zip(settings["name"], settings["value"], strict=True)) == {
        "access_mode": "read_only",
        "enable_external_access": "false",
        "lock_configuration": "true",
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
        "allow_community_extensions": "false",
        "enable_progress_bar": "false",
    }


def test_reads_still_work_with_params(scene: Scene) -> None:
    before = scene.snapshot()
    frame = nbtrack.sql("SELECT run_name FROM runs WHERE run_name = ? ORDER BY run_name", ["r1"])
    assert list(frame["run_name"]) == ["r1"]
    named = nbtrack.sql("SELECT count(*) AS n FROM metrics WHERE key = $key", {"key": "loss"})
    assert int(named["n"][0]) == 15
    internal = nbtrack.sql("SELECT count(*) AS n FROM core.runs")  # readable, not documented
    assert int(internal["n"][0]) == 3
    plan = nbtrack.sql("EXPLAIN SELECT * FROM runs")
    assert len(plan) == 1
    assert scene.snapshot() == before


@pytest.mark.parametrize(
    ("query", "params"),
    [("SELECT ?", None), ("SELECT $x", {"y": 1}), ("SELECT ?", [object()]), ("SELECT * FROM nope", None)],
)
def test_bad_params_and_unknown_tables_are_query_errors(scene: Scene, query: str, params: object) -> None:
    with pytest.raises(QueryError):
        nbtrack.sql(query, params)


def test_writes_after_refusals_still_land(scene: Scene) -> None:
    """The store stays writable for the API: a refused query leaves no lock or connection behind."""
    with pytest.raises(ReadOnlyQueryError):
        nbtrack.sql("DROP TABLE core.runs")
    with nbtrack.start_run(run_name="after"):
        nbtrack.log_metric("loss", 0.5)
    nbtrack.flush()
    assert len(nbtrack.sql("SELECT * FROM runs")) == 4


CLI_ATTEMPTS = [
    "COPY (SELECT * FROM runs) TO '{db}'",
    "EXPLAIN ANALYZE COPY (SELECT * FROM runs) TO '{db}'",
    "ATTACH '{out}/attached.duckdb' AS other",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('{csv}')",
    "INSTALL httpfs",
    "SET threads = 1",
    "DROP TABLE core.runs",
    "SELECT 1; DROP TABLE core.runs",
    "EXPORT DATABASE '{out}/export'",
]


def test_cli_sql_refuses_and_changes_nothing(scene: Scene) -> None:
    before = scene.snapshot()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}  # NBTRACK_URI: this store
    for attempt in CLI_ATTEMPTS:
        done = subprocess.run(
            [sys.executable, "-m", "nbtrack", "sql", scene.fill(attempt)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert done.returncode != 0, (attempt, done.stdout)
        assert "Traceback" not in done.stderr, (attempt, done.stderr)
        assert "nbtrack.sql" in done.stderr or "refused" in done.stderr, (attempt, done.stderr)
        assert "hunter2" not in done.stdout + done.stderr
    assert scene.snapshot() == before
