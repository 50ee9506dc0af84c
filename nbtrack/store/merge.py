"""Fan a batch of events out to the narrow tables, in one transaction.

Called with the store lock held. The caller records the spool file names
in ``core.merged_files`` in the same transaction, so a file is merged at
most once even if the process dies between COMMIT and deleting the file.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from . import events
from .points import apply_points

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

_PARAMS_INSERT = """
INSERT INTO core.params
SELECT run_id, key, arg_min(text, idx) FROM ev WHERE kind = 1 GROUP BY run_id, key
ON CONFLICT DO NOTHING
"""

_TAGS_LAST = """
CREATE OR REPLACE TEMP TABLE tag_last AS
SELECT run_id, key, text FROM ev WHERE kind = 2
QUALIFY row_number() OVER (PARTITION BY run_id, key ORDER BY idx DESC) = 1
"""

_ARTIFACTS_UPSERT = """
INSERT INTO core.artifacts
SELECT run_id, key, split_part(text, ' ', 1), step, nullif(split_part(text, ' ', 2), ''), ts
FROM ev WHERE kind = 5
QUALIFY row_number() OVER (PARTITION BY run_id, key ORDER BY idx DESC) = 1
ON CONFLICT (run_id, path) DO UPDATE
SET sha256 = excluded.sha256, size = excluded.size, media_type = excluded.media_type,
    logged_ms = excluded.logged_ms
"""

_EXPERIMENTS_INSERT = """
INSERT INTO core.experiments (experiment_id, name, created_ms)
SELECT run_id, arg_min(text, idx), min(ts) FROM ev WHERE kind = 4 GROUP BY run_id
ON CONFLICT DO NOTHING
"""


def apply_events(con: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
    """Write every event of ``table`` to its table; the caller owns the transaction."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if table.num_rows == 0:
        return
    # one chunk: DuckDB pays per Arrow batch, and a merge of 1,000 spool files is 1,000 batches
    table = table.combine_chunks()
    table = table.append_column("idx", pa.array(range(table.num_rows), type=pa.int64()))
    kinds = set(table.column("kind").unique().to_pylist())
    con.register("ev", table)
    try:
        if events.EXPERIMENT in kinds:
            con.execute(_EXPERIMENTS_INSERT)
        if events.RUN in kinds:
            _apply_run_attributes(con)
        if events.PARAM in kinds:
            con.execute(_PARAMS_INSERT)
        if events.TAG in kinds:
            _apply_tags(con)
        if events.ARTIFACT in kinds:
            con.execute(_ARTIFACTS_UPSERT)
        if events.METRIC in kinds:
            apply_points(con, table.filter(pc.equal(table.column("kind"), events.METRIC)))
    finally:
        con.unregister("ev")


def _apply_tags(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_TAGS_LAST)
    con.execute(
        "DELETE FROM core.tags t USING tag_last d "
        "WHERE t.run_id = d.run_id AND t.key = d.key AND d.text IS NULL"
    )
    con.execute(
        "INSERT INTO core.tags SELECT run_id, key, text FROM tag_last WHERE text IS NOT NULL "
        "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value"
    )
    con.execute("DROP TABLE tag_last")


def _apply_run_attributes(con: duckdb.DuckDBPyConnection) -> None:
    """Set-based upsert of run attributes: the last value of each (run, attribute) wins.

    Only attributes present in the batch change; an explicit NULL (e.g.
    ``end_ms`` of a resumed run) is kept as NULL.
    """
    present = {row[0] for row in con.execute("SELECT DISTINCT key FROM ev WHERE kind = 3").fetchall()}
    columns = sorted(present & (events.RUN_INT_ATTRS | events.RUN_TEXT_ATTRS))
    if not columns:
        return  # attributes of a newer nbtrack only: ignore, never fail the merge
    # column names come from the fixed attribute sets above, never from user text
    picks = ", ".join(
        f"arg_max_null({'step' if c in events.RUN_INT_ATTRS else 'text'}, idx) FILTER (WHERE key = '{c}') "
        f"AS {c}, bool_or(key = '{c}') AS has_{c}"
        for c in columns
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE run_updates AS "
        f"SELECT run_id, min(idx) AS first_idx, {picks} FROM ev WHERE kind = 3 GROUP BY run_id"
    )
    # in event order (ON CONFLICT would reorder): a run's row position, runs_live.row_order,
    # is its creation order
    con.execute(
        "INSERT INTO core.runs (run_id) SELECT run_id FROM run_updates "
        "WHERE run_id NOT IN (SELECT run_id FROM core.runs) ORDER BY first_idx"
    )
    assignments = ", ".join(f"{c} = CASE WHEN u.has_{c} THEN u.{c} ELSE core.runs.{c} END" for c in columns)
    con.execute(f"UPDATE core.runs SET {assignments} FROM run_updates u WHERE core.runs.run_id = u.run_id")
    con.execute("DROP TABLE run_updates")


def repair_dead_runs(con: duckdb.DuckDBPyConnection, host: str) -> list[str]:
    """Mark RUNNING runs of this host whose process is gone as KILLED.

    A run's end time becomes its last heartbeat: the last moment it was
    known to be alive. Returns the ids it changed.
    """
    rows = con.execute(
        "SELECT run_id, pid FROM core.runs WHERE status = 'RUNNING' AND host = ?", [host]
    ).fetchall()
    dead = [run_id for run_id, pid in rows if pid is not None and not pid_alive(int(pid))]
    if dead:
        con.executemany(
            "UPDATE core.runs SET status = 'KILLED', end_ms = COALESCE(heartbeat_ms, start_ms), "
            "error = COALESCE(error, 'The process running this run exited without ending it.') "
            "WHERE run_id = ?",
            [[run_id] for run_id in dead],
        )
    return dead


def pid_alive(pid: int) -> bool:
    """True if a process with this pid exists on this machine."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A killed child that nobody reaped still answers kill(pid, 0) on Linux."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False
