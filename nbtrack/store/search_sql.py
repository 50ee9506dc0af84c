"""The one place a run search becomes SQL: filter, experiments, order and page.

User text reaches the SQL only as parameters (see :mod:`.filter_sql`).
"""

from __future__ import annotations

from typing import Any

from .base import RunQuery


def runs_select_sql(
    query: RunQuery, what: str, *, page: bool = True, join: str = ""
) -> tuple[str, list[Any]]:
    """SQL selecting ``what`` (columns of ``r`` = core.runs_live) for ``query``, in display order.

    The one place a search becomes SQL (filter, experiments, order, page);
    user text reaches it only as parameters.
    """
    from .filter import parse_filter, parse_order_by
    from .filter_sql import compile_filter, compile_order_by

    params: list[Any] = []
    joins, order_body, order_params = compile_order_by(parse_order_by(list(query.order_by)))
    params.extend(order_params)
    where = [] if query.include_deleted else ["r.lifecycle = 'active'"]
    if query.experiment_ids is not None:
        where.append("list_contains(?::VARCHAR[], r.experiment_id)")
        params.append(list(query.experiment_ids))
    if query.run_ids is not None:
        where.append("list_contains(?::VARCHAR[], r.run_id)")
        params.append(list(query.run_ids))
    expr = parse_filter(query.filter or "")
    if expr is not None:
        filter_sql, filter_params = compile_filter(expr)
        where.append(f"({filter_sql})")
        params.extend(filter_params)
    sql = (
        f"SELECT {what} FROM core.runs_live r {join} {' '.join(joins)} WHERE {' AND '.join(where) or 'TRUE'}"
    )
    if page:
        order = f"{order_body}, " if order_body else ""
        # row_order (insertion order) breaks ties of runs started in the same millisecond
        sql += f" ORDER BY {order}r.start_ms DESC NULLS LAST, r.row_order DESC LIMIT ? OFFSET ?"
        params.extend([query.max_results, query.offset])
    return sql, params
