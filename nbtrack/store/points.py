"""Merge metric points: give each (run, key) a series id, append numbers, keep latest values.

The grouping is done in Arrow/numpy (hashing a million 32-character run ids
in SQL costs more than the append itself); DuckDB then only sees integer
series ids: the append is a plain numeric copy and the latest-value
aggregation groups by an integer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

_SERIES_INSERT = "INSERT INTO core.series (run_id, key) SELECT run_id, key FROM pairs ON CONFLICT DO NOTHING"
_SERIES_IDS = "SELECT pairs.pos, s.sid FROM pairs JOIN core.series s USING (run_id, key)"

# the latest point of a series: its highest step, then newest time, then last logged;
# ordering by a tuple over every row costs 4x an integer max, so take the max step first
_LATEST_UPSERT = """
INSERT INTO core.metric_latest
SELECT s.run_id, s.key, last.p.step, last.p.ts, last.p.value
FROM (SELECT pts.sid, arg_max({'step': pts.step, 'ts': pts.ts, 'value': pts.value}, (pts.ts, pts.idx)) AS p
      FROM pts JOIN (SELECT sid, max(step) AS top FROM pts GROUP BY sid) AS tops
           ON pts.sid = tops.sid AND pts.step = tops.top
      GROUP BY pts.sid) AS last
JOIN core.series s USING (sid)
ON CONFLICT (run_id, key) DO UPDATE
SET step = excluded.step, ts = excluded.ts, value = excluded.value
WHERE excluded.step > core.metric_latest.step
   OR (excluded.step = core.metric_latest.step AND excluded.ts >= core.metric_latest.ts)
"""


def apply_points(con: duckdb.DuckDBPyConnection, points: pa.Table) -> None:
    """Append metric events (``kind`` = METRIC rows of an event table with ``idx``)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    runs = _dictionary(points.column("run_id"))
    keys = _dictionary(points.column("key"))
    width = len(keys.dictionary)
    pair_code = pa.array(
        runs.indices.to_numpy().astype(np.int64) * width + keys.indices.to_numpy().astype(np.int64)
    )
    distinct = pc.unique(pair_code)
    row_pair = pc.index_in(pair_code, distinct).to_numpy()
    codes = distinct.to_numpy()
    pairs = pa.table(
        {
            "run_id": runs.dictionary.take(pa.array(codes // width)),
            "key": keys.dictionary.take(pa.array(codes % width)),
            "pos": pa.array(np.arange(len(codes), dtype=np.int64)),
        }
    )
    con.register("pairs", pairs)
    try:
        con.execute(_SERIES_INSERT)
        found = con.execute(_SERIES_IDS).fetchnumpy()
    finally:
        con.unregister("pairs")
    sid_of_pair = np.empty(len(codes), dtype=np.int32)
    sid_of_pair[found["pos"]] = found["sid"]
    numbers = pa.table(
        {
            "sid": pa.array(sid_of_pair[row_pair]),
            "step": points.column("step"),
            "ts": points.column("ts"),
            "value": points.column("value"),
            "idx": points.column("idx"),
        }
    )
    con.register("pts", numbers)
    try:
        con.execute("INSERT INTO core.metrics SELECT sid, step, ts, value FROM pts")
        con.execute(_LATEST_UPSERT)
    finally:
        con.unregister("pts")


def _dictionary(column: pa.ChunkedArray) -> pa.DictionaryArray:
    """The column as one dictionary array (spool columns already are; anything else is encoded)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = column.combine_chunks()
    return array if pa.types.is_dictionary(array.type) else pc.dictionary_encode(array)
