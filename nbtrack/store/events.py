"""The one record format every write goes through.

A write is a batch of events, one row each, in a single Arrow table:

============  =======================================================
kind          what the row means
============  =======================================================
``METRIC``    a metric point: run_id, key, step, ts (ms), value
``PARAM``     a param: run_id, key, text
``TAG``       a tag: run_id, key, text (NULL text deletes the tag)
``RUN``       one attribute of a run: run_id, key = column name,
              ``step`` for integer columns, ``text`` for text ones
``EXPERIMENT``an experiment: run_id = experiment id, key ``name``, text
``ARTIFACT``  a file of a run: run_id, key = artifact path,
              text = ``"<sha256> <media type>"``, step = size in
              bytes, ts = when it was logged
============  =======================================================

Keeping one narrow schema means one spool file per seal (atomic rename) and
one merge that fans the rows out to the narrow tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

METRIC, PARAM, TAG, RUN, EXPERIMENT, ARTIFACT = 0, 1, 2, 3, 4, 5

#: Run attributes stored as integers (in the ``step`` column of a RUN event).
RUN_INT_ATTRS = frozenset({"start_ms", "end_ms", "pid", "heartbeat_ms"})
#: Run attributes stored as text (in the ``text`` column of a RUN event).
RUN_TEXT_ATTRS = frozenset(
    {"experiment_id", "run_name", "status", "parent_run_id", "lifecycle", "host", "user_name", "error"}
)

COLUMNS = ("kind", "run_id", "key", "step", "ts", "value", "text")


def schema() -> pa.Schema:
    """Arrow schema of an event batch."""
    import pyarrow as pa

    # run ids and keys repeat on nearly every row: dictionary-encoded, a million points
    # carry each distinct string once (smaller spool files, no re-hashing at merge)
    return pa.schema(
        [
            ("kind", pa.int8()),
            ("run_id", pa.dictionary(pa.int32(), pa.string())),
            ("key", pa.dictionary(pa.int32(), pa.string())),
            ("step", pa.int64()),
            ("ts", pa.int64()),
            ("value", pa.float64()),
            ("text", pa.string()),
        ]
    )


def table_from_columns(columns: dict[str, Any]) -> pa.Table:
    """Build an event table from column sequences (lists, ``array.array`` or numpy)."""
    import pyarrow as pa

    sch = schema()
    arrays = [pa.array(columns[name], type=sch.field(name).type) for name in COLUMNS]
    return pa.Table.from_arrays(arrays, schema=sch)


def concat(tables: list[pa.Table]) -> pa.Table:
    """Concatenate event tables in order (empty list gives an empty table)."""
    import pyarrow as pa

    if not tables:
        return schema().empty_table()
    if len(tables) == 1:
        return tables[0]
    # one dictionary per column across chunks: the IPC file format allows no replacement
    return pa.concat_tables(tables).unify_dictionaries()
