"""Build MLflow-style wide DataFrames (one row per run) from the narrow tables.

Filter first, pivot the page: the caller passes the ordered run ids it
selected, and each narrow table is read once for exactly those runs and
scattered into a 2-D numpy block with one vectorised assignment. That is
several times faster than SQL PIVOT or a pandas pivot for 10^4 runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import pandas as pd
    import pyarrow as pa

#: The leading columns of every run table, in order.
RUN_COLUMNS = (
    "run_id",
    "experiment_id",
    "experiment_name",
    "run_name",
    "status",
    "start_time",
    "end_time",
    "duration",
    "parent_run_id",
    "user",
    "host",
)

_RUNS_SQL = """
SELECT r.run_id, r.experiment_id, e.name AS experiment_name, r.run_name, r.status,
       r.start_ms, r.end_ms, r.parent_run_id, r.user_name AS user, r.host
FROM ids JOIN core.runs_live r USING (run_id) LEFT JOIN core.experiments e USING (experiment_id)
ORDER BY ids.ord
"""


def wide_runs(con: duckdb.DuckDBPyConnection, run_ids: list[str]) -> pd.DataFrame:
    """One row per run, in the order of ``run_ids``, with metrics/params/tags columns."""
    import pyarrow as pa

    ids = pa.table(
        {"run_id": pa.array(run_ids, pa.string()), "ord": pa.array(range(len(run_ids)), pa.int64())}
    )
    con.register("ids", ids)
    try:
        base = con.execute(_RUNS_SQL).to_arrow_table()
        blocks = [
            _pivot(
                con,
                "metrics.",
                "SELECT ids.ord, key, value FROM ids JOIN core.metric_latest USING (run_id)",
                len(run_ids),
                numeric=True,
            ),
            _pivot(
                con,
                "params.",
                "SELECT ids.ord, key, value FROM ids JOIN core.params USING (run_id)",
                len(run_ids),
                numeric=False,
            ),
            _pivot(
                con,
                "tags.",
                "SELECT ids.ord, key, value FROM ids JOIN core.tags USING (run_id)",
                len(run_ids),
                numeric=False,
            ),
        ]
    finally:
        con.unregister("ids")
    return _assemble(base, blocks)


def _pivot(con: duckdb.DuckDBPyConnection, prefix: str, sql: str, rows: int, *, numeric: bool) -> dict:
    import numpy as np
    import pyarrow.compute as pc

    narrow = con.execute(sql).to_arrow_table()
    if narrow.num_rows == 0:
        return {}
    encoded = pc.dictionary_encode(narrow.column("key")).combine_chunks()
    keys = encoded.dictionary.to_pylist()
    codes = encoded.indices.to_numpy()
    order = narrow.column("ord").to_numpy()
    if numeric:
        block = np.full((rows, len(keys)), np.nan)
        block[order, codes] = narrow.column("value").to_numpy()
    else:
        block = np.full((rows, len(keys)), None, dtype=object)
        block[order, codes] = narrow.column("value").to_numpy(zero_copy_only=False)
    return {prefix + key: block[:, i] for i, key in sorted(enumerate(keys), key=lambda p: p[1])}


def _assemble(base: pa.Table, blocks: list[dict]) -> pd.DataFrame:
    import pandas as pd

    start = base.column("start_ms").to_numpy(zero_copy_only=False)
    end = base.column("end_ms").to_numpy(zero_copy_only=False)
    columns: dict[str, object] = {}
    for name in RUN_COLUMNS:
        if name == "start_time":
            columns[name] = pd.to_datetime(start, unit="ms", utc=True)
        elif name == "end_time":
            columns[name] = pd.to_datetime(end, unit="ms", utc=True)
        elif name == "duration":
            columns[name] = (end - start) / 1000.0
        else:
            columns[name] = base.column(name).to_numpy(zero_copy_only=False)
    for block in blocks:
        columns.update(block)
    return pd.DataFrame(columns, copy=False)
