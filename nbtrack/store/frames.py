"""Build MLflow-style wide DataFrames (one row per run) from the narrow tables.

Filter first, pivot the page: the search selects the page's run attributes
(:data:`BASE_SELECT`), one query reads the latest metrics, params and tags
of exactly those runs, and each key becomes an Arrow column by a numpy
scatter. Several times faster than SQL PIVOT or a pandas pivot at 10^4 runs.
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

#: Run attributes a search selects (``r`` = core.runs_live, ``e`` = core.experiments).
BASE_SELECT = (
    "r.run_id, r.experiment_id, e.name AS experiment_name, r.run_name, r.status, "
    "r.start_ms, r.end_ms, r.parent_run_id, r.user_name AS user, r.host"
)
BASE_JOIN = "LEFT JOIN core.experiments e ON e.experiment_id = r.experiment_id"

_NARROW_SQL = """
SELECT ids.ord, 0 AS kind, key, value AS number, NULL::VARCHAR AS text
FROM ids JOIN core.metric_latest USING (run_id)
UNION ALL SELECT ids.ord, 1, key, NULL, value FROM ids JOIN core.params USING (run_id)
UNION ALL SELECT ids.ord, 2, key, NULL, value FROM ids JOIN core.tags USING (run_id)
"""


def wide_runs(con: duckdb.DuckDBPyConnection, base: pa.Table) -> pd.DataFrame:
    """Widen ``base`` (rows of :data:`BASE_SELECT`, in display order) with metric/param/tag columns."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = base.num_rows
    ids = pa.table({"run_id": base.column("run_id"), "ord": pa.array(range(rows), pa.int64())})
    con.register("ids", ids)
    try:
        narrow = con.execute(_NARROW_SQL).to_arrow_table()
    finally:
        con.unregister("ids")
    keyed: dict[str, pa.Array] = {}
    for kind, (prefix, value_column) in enumerate(_NARROW_KINDS):
        part = narrow.filter(pc.equal(narrow.column("kind"), kind))
        keyed.update(_pivot(part.select(["ord", "key", value_column]), prefix, rows))
    columns = _base_columns(base) | _cell_columns(keyed, rows) | keyed
    return pa.table(columns).to_pandas()


#: Where a run came from, promoted from the %%track magic's tags to columns of their own.
CELL_COLUMNS = {"notebook": "tags.nbtrack.notebook", "cell_id": "tags.nbtrack.cell_id"}


def _cell_columns(keyed: dict[str, pa.Array], rows: int) -> dict[str, pa.Array]:
    import pyarrow as pa

    return {
        name: keyed[tag] if tag in keyed else pa.nulls(rows, pa.string())
        for name, tag in CELL_COLUMNS.items()
    }


_NARROW_KINDS = (("metrics.", "number"), ("params.", "text"), ("tags.", "text"))


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
    values = narrow.column(2).combine_chunks()
    by_code = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[by_code], np.arange(len(encoded.dictionary) + 1))
    numeric = pa.types.is_floating(values.type)
    dense = values.to_numpy(zero_copy_only=False) if numeric else np.empty(0)
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
