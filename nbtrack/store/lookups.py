"""The embedded store's named lookups: the small reads the layers above need, as SQL on one connection.

Each function takes a connection the store has already merged (``EmbeddedStore.reading()``)
and answers plain Python values, so nothing above ``store/`` writes DuckDB SQL for them.
All user text is a bound parameter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .base import MetricSeries, RunBrief, StoreVersion

if TYPE_CHECKING:
    import duckdb

#: Groups of keyed columns the run table offers, as :func:`column_keys` answers them.
KEY_GROUPS = ("metrics", "params", "tags")

_SERIES_SQL = (
    "SELECT s.key, count(*) AS points, max(m.step) AS last_step "
    "FROM core.metrics m JOIN core.series s USING (sid) WHERE s.run_id = ? GROUP BY s.key ORDER BY s.key"
)

_METRIC_KEYS_SQL = (
    "SELECT DISTINCT key FROM core.metric_latest WHERE list_contains(?::VARCHAR[], run_id) ORDER BY key"
)

_SERIES_COUNTS_SQL = (
    "SELECT s.run_id, s.key, count(*) AS points FROM core.metrics m JOIN core.series s USING (sid) "
    "WHERE list_contains(?::VARCHAR[], s.run_id) AND list_contains(?::VARCHAR[], s.key) "
    "GROUP BY s.run_id, s.key"
)

_KEYS_SQL = """
SELECT 'metrics' AS grp, key FROM latest_metrics JOIN runs r USING (run_id) WHERE {where} GROUP BY key
UNION ALL
SELECT 'params', key FROM params JOIN runs r USING (run_id) WHERE {where} GROUP BY key
UNION ALL
SELECT 'tags', key FROM tags JOIN runs r USING (run_id) WHERE {where} GROUP BY key
ORDER BY grp, key
"""

_PREFIX_SQL = "SELECT run_id FROM core.runs WHERE starts_with(run_id, ?) ORDER BY run_id LIMIT ?"

#: The latest run of every tag value, with its params and latest metrics: one statement over the views.
_PREVIOUS_RUNS_SQL = """
WITH latest AS (
    SELECT t.value AS tag_value, arg_max(r.run_id, r.start_time) AS run_id
    FROM tags t JOIN runs r USING (run_id)
    WHERE t.key = ? AND r.run_id <> ? AND r.start_time < epoch_ms(?::BIGINT)
    GROUP BY t.value
)
SELECT l.tag_value, l.run_id, r.run_name, r.status, 'p' AS kind, p.key, p.value, NULL::DOUBLE AS number
FROM latest l JOIN runs r USING (run_id) LEFT JOIN params p USING (run_id)
UNION ALL
SELECT l.tag_value, l.run_id, NULL, NULL, 'm', m.key, NULL, m.value
FROM latest l JOIN latest_metrics m USING (run_id)
"""

_VERSION_SQL = """
SELECT (SELECT count(*) FROM experiments) AS experiments,
       (SELECT count(*) FROM runs) AS runs,
       (SELECT coalesce(sum(hash(run_id, status, end_time, lifecycle_stage, run_name)), 0) FROM all_runs)
           AS run_hash,
       (SELECT coalesce(sum(hash(run_id, key, step)), 0) FROM latest_metrics) AS metric_hash,
       (SELECT count(*) FROM params) + (SELECT count(*) FROM tags) AS attributes
"""


def metric_series(con: duckdb.DuckDBPyConnection, run_id: str) -> list[MetricSeries]:
    """Every metric key of ``run_id`` with its point count and highest step, by key."""
    rows = con.execute(_SERIES_SQL, [run_id]).fetchall()
    return [MetricSeries(str(key), int(points), int(last)) for key, points, last in rows]


def metric_keys(con: duckdb.DuckDBPyConnection, run_ids: Sequence[str]) -> list[str]:
    """The distinct metric keys of ``run_ids``, sorted."""
    return [str(row[0]) for row in con.execute(_METRIC_KEYS_SQL, [list(run_ids)]).fetchall()]


def series_counts(
    con: duckdb.DuckDBPyConnection, run_ids: Sequence[str], keys: Sequence[str]
) -> dict[tuple[str, str], int]:
    """Point count of each stored (run_id, key) series among ``run_ids`` x ``keys``."""
    if not run_ids or not keys:
        return {}
    rows = con.execute(_SERIES_COUNTS_SQL, [list(run_ids), list(keys)]).fetchall()
    return {(str(run_id), str(key)): int(points) for run_id, key, points in rows}


def column_keys(con: duckdb.DuckDBPyConnection, experiment_ids: Sequence[str] | None) -> dict[str, list[str]]:
    """Metric, param and tag keys of the active runs of ``experiment_ids`` (None: every experiment)."""
    where = "TRUE" if experiment_ids is None else "list_contains(?::VARCHAR[], r.experiment_id)"
    params = None if experiment_ids is None else [list(experiment_ids)] * 3
    found: dict[str, list[str]] = {group: [] for group in KEY_GROUPS}
    for group, key in con.execute(_KEYS_SQL.format(where=where), params).fetchall():
        found[group].append(str(key))
    return found


def resolve_run_prefix(con: duckdb.DuckDBPyConnection, prefix: str, limit: int) -> list[str]:
    """Up to ``limit`` run ids starting with ``prefix``, sorted (deleted runs included)."""
    return [str(row[0]) for row in con.execute(_PREFIX_SQL, [prefix, limit]).fetchall()]


def previous_runs(
    con: duckdb.DuckDBPyConnection, tag_key: str, exclude_run_id: str, before_ms: int
) -> dict[str, RunBrief]:
    """Tag value -> newest active run with that value of ``tag_key``, started before ``before_ms``."""
    rows = con.execute(_PREVIOUS_RUNS_SQL, [tag_key, exclude_run_id, before_ms]).fetchall()
    heads: dict[str, tuple[str, str, str]] = {}
    params: dict[str, dict[str, str]] = {}
    metrics: dict[str, dict[str, float]] = {}
    for tag_value, run_id, name, status, kind, key, value, number in rows:
        params.setdefault(tag_value, {})
        metrics.setdefault(tag_value, {})
        if kind == "p":
            heads[tag_value] = (str(run_id), str(name or ""), str(status or ""))
            if isinstance(key, str):
                params[tag_value][key] = str(value)
        elif isinstance(key, str):
            metrics[tag_value][key] = float(number)
    return {tag: RunBrief(*heads[tag], params=params[tag], metrics=metrics[tag]) for tag in heads}


def version_digest(con: duckdb.DuckDBPyConnection) -> StoreVersion:
    """A digest of runs, statuses, latest metric steps, params and tags, plus run and experiment counts."""
    row = con.execute(_VERSION_SQL).fetchone()
    assert row is not None  # an aggregate always answers one row
    experiments, runs, run_hash, metric_hash, attributes = row
    text = "|".join(str(v) for v in (experiments, runs, run_hash, metric_hash, attributes))
    return StoreVersion(hashlib.sha256(text.encode()).hexdigest()[:20], int(runs), int(experiments))
