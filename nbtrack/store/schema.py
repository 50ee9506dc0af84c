"""The embedded store's schema: narrow tables in ``core``, read-only views in ``main``.

Tables are narrow (one row per run, param, tag or metric point) so writes
are appends; ``core.metric_latest`` is kept current at merge time so run
tables never scan metric history. The views in ``main`` are the documented
surface of :func:`nbtrack.sql`; ``core.runs_live`` is the one place the
effective status of a run (stale heartbeat reads as KILLED) is defined.

Migrations run forward, once, under the store lock (see ``migrate``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import NotAStoreError, StoreVersionError

if TYPE_CHECKING:
    import duckdb

#: A RUNNING run whose heartbeat is older than this reads as KILLED.
STALE_HEARTBEAT_SECONDS = 90

_V1 = """
CREATE SCHEMA IF NOT EXISTS core;
CREATE TABLE core.schema_version (version INTEGER NOT NULL, applied_ms BIGINT NOT NULL);
CREATE TABLE core.experiments (
    experiment_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    created_ms BIGINT,
    lifecycle VARCHAR NOT NULL DEFAULT 'active'
);
CREATE TABLE core.runs (
    run_id VARCHAR PRIMARY KEY,
    experiment_id VARCHAR,
    run_name VARCHAR,
    status VARCHAR,
    start_ms BIGINT,
    end_ms BIGINT,
    parent_run_id VARCHAR,
    lifecycle VARCHAR NOT NULL DEFAULT 'active',
    pid BIGINT,
    host VARCHAR,
    user_name VARCHAR,
    heartbeat_ms BIGINT,
    error VARCHAR
);
CREATE TABLE core.params (run_id VARCHAR, key VARCHAR, value VARCHAR, PRIMARY KEY (run_id, key));
CREATE TABLE core.tags (run_id VARCHAR, key VARCHAR, value VARCHAR, PRIMARY KEY (run_id, key));
-- one id per (run, key): the point table holds only numbers (fast appends, ~10 bytes a
-- point, zone maps on sid make one history's read skip every other series)
CREATE SEQUENCE core.series_ids START 1;
CREATE TABLE core.series (
    sid INTEGER PRIMARY KEY DEFAULT nextval('core.series_ids'),
    run_id VARCHAR NOT NULL, key VARCHAR NOT NULL, UNIQUE (run_id, key)
);
CREATE TABLE core.metrics (sid INTEGER, step BIGINT, ts BIGINT, value DOUBLE);
CREATE TABLE core.metric_latest (
    run_id VARCHAR, key VARCHAR, step BIGINT, ts BIGINT, value DOUBLE,
    PRIMARY KEY (run_id, key)
);
CREATE TABLE core.merged_files (name VARCHAR PRIMARY KEY, merged_ms BIGINT NOT NULL);
"""

_VIEWS = f"""
CREATE OR REPLACE VIEW core.runs_live AS
SELECT r.rowid AS row_order, r.* REPLACE (
    CASE WHEN r.status = 'RUNNING'
              AND r.heartbeat_ms < epoch_ms(current_timestamp) - {STALE_HEARTBEAT_SECONDS * 1000}
         THEN 'KILLED' ELSE r.status END AS status)
FROM core.runs r;

CREATE OR REPLACE VIEW main.experiments AS
SELECT experiment_id, name, epoch_ms(created_ms) AS created_time, lifecycle AS lifecycle_stage
FROM core.experiments;

CREATE OR REPLACE VIEW main.all_runs AS
SELECT r.run_id, r.experiment_id, e.name AS experiment_name, r.run_name, r.status,
       epoch_ms(r.start_ms) AS start_time, epoch_ms(r.end_ms) AS end_time,
       (r.end_ms - r.start_ms) / 1000.0 AS duration_s, r.parent_run_id,
       r.lifecycle AS lifecycle_stage, r.user_name, r.host, r.pid,
       epoch_ms(r.heartbeat_ms) AS heartbeat_time, r.error
FROM core.runs_live r LEFT JOIN core.experiments e USING (experiment_id);

CREATE OR REPLACE VIEW main.runs AS
SELECT * EXCLUDE (lifecycle_stage) FROM main.all_runs WHERE lifecycle_stage = 'active';

CREATE OR REPLACE VIEW main.params AS SELECT run_id, key, value FROM core.params;
CREATE OR REPLACE VIEW main.tags AS SELECT run_id, key, value FROM core.tags;
CREATE OR REPLACE VIEW main.metrics AS
SELECT s.run_id, s.key, m.step, epoch_ms(m.ts) AS timestamp, m.value
FROM core.metrics m JOIN core.series s USING (sid);
CREATE OR REPLACE VIEW main.artifacts AS
SELECT run_id, path, sha256, size, media_type, epoch_ms(logged_ms) AS logged_time FROM core.artifacts;
CREATE OR REPLACE VIEW main.latest_metrics AS
SELECT run_id, key, step, epoch_ms(ts) AS timestamp, value FROM core.metric_latest;
"""

_V2 = """
CREATE TABLE core.artifacts (
    run_id VARCHAR, path VARCHAR, sha256 VARCHAR NOT NULL, size BIGINT, media_type VARCHAR,
    logged_ms BIGINT, PRIMARY KEY (run_id, path)
);
"""

#: (version, what it does, DDL). Append only; never edit a released entry.
MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "initial schema: experiments, runs, params, tags, metrics, latest metrics", _V1),
    (2, "artifacts: content-addressed files of runs", _V2),
    (3, "runs_live.row_order: creation order breaks ties of equal start times", "SELECT 1"),
]

SCHEMA_VERSION = MIGRATIONS[-1][0]

#: The views :func:`nbtrack.sql` documents, with one line each (README and CLI help use it).
PUBLIC_VIEWS: dict[str, str] = {
    "experiments": "experiment_id, name, created_time, lifecycle_stage",
    "runs": "one row per run that is not deleted: run_id, experiment_id, experiment_name, "
    "run_name, status, start_time, end_time, duration_s, parent_run_id, user_name, host, "
    "pid, heartbeat_time, error",
    "all_runs": "like runs, deleted runs included, plus lifecycle_stage",
    "params": "run_id, key, value (text)",
    "tags": "run_id, key, value (text)",
    "metrics": "every logged point: run_id, key, step, timestamp, value",
    "latest_metrics": "the last point (highest step) of each run and key",
    "artifacts": "files of runs: run_id, path, sha256, size, media_type, logged_time",
}


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version of an open store, 0 for an empty file."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'core' AND table_name = 'schema_version'"
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    row = con.execute("SELECT max(version) FROM core.schema_version").fetchone()
    return int(row[0] or 0) if row else 0


def _refuse_foreign(con: duckdb.DuckDBPyConnection) -> None:
    """A DuckDB file with tables but no nbtrack schema is someone else's: never write into it."""
    row = con.execute(
        "SELECT count(*), any_value(schema_name || '.' || table_name) FROM duckdb_tables() "
        "WHERE database_name = current_database()"
    ).fetchone()
    if row and row[0]:
        path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
        where = (path.fetchone() or ["the store's database"])[0]
        raise NotAStoreError(
            f"{where} is a DuckDB database of another program (it has tables such as {row[1]}, "
            "but no nbtrack schema). Move it aside and nbtrack will create a new store; "
            "nbtrack never writes into it."
        )


def migrate(con: duckdb.DuckDBPyConnection, now_ms: int) -> int:
    """Bring the store to :data:`SCHEMA_VERSION`; the caller holds the store lock.

    All pending migrations and the views run in one transaction, so a crash
    leaves the store at its old version. Returns the version the store is at.
    """
    version = current_version(con)
    if version > SCHEMA_VERSION:
        raise StoreVersionError(
            f"This store was written by a newer nbtrack (schema v{version}; this nbtrack "
            f"reads up to v{SCHEMA_VERSION}). Upgrade with `pip install -U nbtrack`; "
            "this one never downgrades or migrates it."
        )
    if version == 0:
        _refuse_foreign(con)
    pending = [(number, ddl) for number, _about, ddl in MIGRATIONS if number > version]
    if not pending:
        return version
    con.execute("BEGIN TRANSACTION")
    try:
        for number, ddl in pending:
            con.execute(ddl)
            con.execute("INSERT INTO core.schema_version VALUES (?, ?)", [number, now_ms])
        con.execute(_VIEWS)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return pending[-1][0]
