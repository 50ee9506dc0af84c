"""What the filter tests share: run a search exactly as the store does."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from nbtrack.store.base import RunQuery
from nbtrack.store.embedded import runs_select_sql


def select_runs(
    con: duckdb.DuckDBPyConnection, filter_text: str, order_by: Sequence[str] = (), limit: int = 1000
) -> list[str]:
    """Run a filter and order_by through the store's own SQL; return run ids in order."""
    query = RunQuery(filter=filter_text, order_by=tuple(order_by), max_results=limit)
    sql, params = runs_select_sql(query, "r.run_id")
    return [row[0] for row in con.execute(sql, params).fetchall()]
