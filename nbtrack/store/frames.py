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
        narrow = {
            prefix: con.execute(
                f"SELECT ids.ord, key, value FROM ids JOIN {table} USING (run_id)"
            ).to_arrow_table()
            for prefix, table in _NARROW_TABLES
        }
    finally:
        con.unregister("ids")
    columns = _base_columns(base)
    for prefix, _table in _NARROW_TABLES:
        columns.update(_pivot(narrow[prefix], prefix, len(run_ids)))
    return pa.table(columns).to_pandas()


_NARROW_TABLES = (("metrics.", "core.metric_latest"), ("params.", "core.params"), ("tags.", "core.tags"))


def _pivot(narrow: pa.Table, prefix: str, rows: int) -> dict[str, pa.Array]:
    """Scatter (ord, key, value) rows into one column per key (missing: null/NaN)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if narrow.num_rows == 0:
        return {}
    encoded = pc.dictionary_encode(narrow.column("key")).combine_chunks()
    codes = encoded.indices.to_numpy()
    order = narrow.column("ord").to_numpy()
    values = narrow.column("value").combine_chunks()
    by_code = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[by_code], np.arange(len(encoded.dictionary) + 1))
    numeric = pa.types.is_floating(values.type)
    dense = values.to_numpy(zero_copy_only=False) if numeric else None
    columns: dict[str, pa.Array] = {}
    for code, key in sorted(enumerate(encoded.dictionary.to_pylist()), key=lambda item: item[1]):
        members = by_code[bounds[code] : bounds[code + 1]]
        if numeric:
            column = np.full(rows, np.nan)
            column[order[members]] = dense[members]
            columns[prefix + key] = pa.array(column)
        else:
            position = np.full(rows, -1, dtype=np.int64)
            position[order[members]] = members
            columns[prefix + key] = values.take(pa.array(position, mask=position < 0))
    return columns


def _base_columns(base: pa.Table) -> dict[str, pa.Array]:
    import pyarrow as pa
    import pyarrow.compute as pc

    start = base.column("start_ms").combine_chunks()
    end = base.column("end_ms").combine_chunks()
    stamp = pa.timestamp("ms", tz="UTC")
    columns: dict[str, pa.Array] = {}
    for name in RUN_COLUMNS:
        if name == "start_time":
            columns[name] = start.cast(stamp)
        elif name == "end_time":
            columns[name] = end.cast(stamp)
        elif name == "duration":
            columns[name] = pc.divide(pc.subtract(end, start).cast(pa.float64()), 1000.0)
        else:
            columns[name] = base.column(name).combine_chunks()
    return columns
