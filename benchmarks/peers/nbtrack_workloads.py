"""nbtrack side of benchmarks/bench_tracking.py (runs with the project's interpreter).

Store: ``nbtrack.connect(<store>)``, i.e. ``<store>/.nbtrack``. Public API only:
``log_metric``, ``log_batch``, ``start_run``, ``flush``, ``runs``, ``metric_history``, ``sql``.
``flush()`` is the durability point (spool files written and merged into the DuckDB file).

Usage: ``python nbtrack_workloads.py <workload> --store DIR [--n N ...]``; prints one JSON line.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from _common import (
    EXPERIMENT,
    KEY,
    QUERY_FILTER,
    QUERY_LIMIT,
    QUERY_ORDER,
    Figures,
    batches,
    count_figures,
    dir_bytes,
    median_timed,
    points,
    query_check,
    run_metrics,
    run_name,
    run_params,
    run_tags,
    run_workloads,
    value,
    wait_for_go,
)


def _nbtrack(store: Path) -> Any:
    import nbtrack

    nbtrack.connect(str(store.resolve()))
    nbtrack.set_experiment(EXPERIMENT)
    return nbtrack


def _rows(result: Any) -> list[tuple[Any, ...]]:
    """Rows of an ``nbtrack.sql`` result (a DataFrame, or anything with ``fetchall``)."""
    if hasattr(result, "itertuples"):
        return [tuple(row) for row in result.itertuples(index=False)]
    return [tuple(row) for row in result.fetchall()]


def _files(store: Path) -> dict[str, int]:
    """Every file in the store with its size, to show that no spool file is left."""
    return {str(p.relative_to(store)): p.stat().st_size for p in sorted(store.rglob("*")) if p.is_file()}


def _column(frame: Any, suffix: str) -> str:
    return next(c for c in frame.columns if str(c).endswith(suffix))


def prepare(args: argparse.Namespace) -> Figures:
    """Create the store and the experiment."""
    _nbtrack(args.store).flush()
    return {}


def log_metric(args: argparse.Namespace) -> Figures:
    """Workload 2: ``log_metric(key, value)`` (step auto-increments); durable when ``flush()`` returns."""
    nbtrack = _nbtrack(args.store)
    with nbtrack.start_run(run_name="log-metric"):
        start = time.perf_counter()
        for i in range(args.n):
            nbtrack.log_metric(KEY, value(i))
        loop_end = time.perf_counter()
    nbtrack.flush()
    durable = time.perf_counter()
    return {
        "calls": args.n,
        "per_call_us": (loop_end - start) / args.n * 1e6,
        "durable_ms": (durable - start) * 1e3,
    }


def batch_points(args: argparse.Namespace) -> Figures:
    """Workload 3 (and 9): ``log_batch`` of ``--batch`` points, ``flush()``, count them back."""
    nbtrack = _nbtrack(args.store)
    data = points(args.n)
    chunks = [[(KEY, v, step, ts) for v, step, ts in chunk] for chunk in batches(data, args.batch)]
    has_batch = hasattr(nbtrack, "log_batch")
    with nbtrack.start_run(run_name="batch-points") as run:
        empty_bytes = dir_bytes(args.store)
        start = time.perf_counter()
        if has_batch:
            for chunk in chunks:
                nbtrack.log_batch(metrics=chunk)
        else:
            for v, step, _ts in data:
                nbtrack.log_metrics({KEY: v}, step=step)
    nbtrack.flush()
    stored = _rows(nbtrack.sql(f"select count(*) from metrics where run_id = '{run.run_id}'"))[0][0]
    queryable = time.perf_counter()
    figures: Figures = {
        "points": args.n,
        "batches": len(chunks),
        "api": "log_batch" if has_batch else "log_metrics loop",
        "queryable_s": queryable - start,
        "readback": f"count = {stored}",
        "store_bytes": dir_bytes(args.store),
        "empty_store_bytes": empty_bytes,
        "files": _files(args.store),
        "run_id": run.run_id,
    }
    if not has_batch:
        figures["notes"] = {
            "batch_queryable_s": "nbtrack.log_batch missing: log_metrics loop, one per point."
        }
    return figures


def history(args: argparse.Namespace) -> Figures:
    """Workload 7: ``metric_history`` full, and with ``max_points``."""
    nbtrack = _nbtrack(args.store)
    full_s, full_samples, full = median_timed(lambda: nbtrack.metric_history(args.run_id, KEY), args.repeats)
    down_s, down_samples, down = median_timed(
        lambda: nbtrack.metric_history(args.run_id, KEY, max_points=args.max_points), args.repeats
    )
    return {
        "full_ms": full_s * 1e3,
        "full_samples_ms": [s * 1e3 for s in full_samples],
        "full_points": len(full),
        "down_ms": down_s * 1e3,
        "down_samples_ms": [s * 1e3 for s in down_samples],
        "down_points": len(down),
    }


def create_runs(args: argparse.Namespace) -> Figures:
    """Workload 4: runs with 20 params, 10 metrics and 3 tags each, then ``flush()``."""
    nbtrack = _nbtrack(args.store)
    start = time.perf_counter()
    for i in range(args.n):
        with nbtrack.start_run(run_name=run_name(i), tags=run_tags(i)):
            nbtrack.log_params(run_params(i))
            nbtrack.log_metrics(run_metrics(i), step=0)
    nbtrack.flush()
    return {"runs": args.n, "total_s": time.perf_counter() - start}


def populate(args: argparse.Namespace) -> Figures:
    """Set-up for workloads 5 and 6 (untimed in the table): the same runs as workload 4."""
    return create_runs(args)


def load_runs(args: argparse.Namespace) -> Figures:
    """Workloads 5 and 6: ``nbtrack.runs`` as a DataFrame, then the filtered, ordered query."""
    nbtrack = _nbtrack(args.store)
    load_s, load_samples, frame = median_timed(
        lambda: nbtrack.runs(experiment=EXPERIMENT, max_results=100_000), args.repeats
    )
    query_s, query_samples, top = median_timed(
        lambda: nbtrack.runs(
            experiment=EXPERIMENT, filter=QUERY_FILTER, order_by=[QUERY_ORDER], max_results=QUERY_LIMIT
        ),
        args.query_repeats,
    )
    top_m0 = float(top[_column(top, "m0")].iloc[0]) if len(top) else None
    return {
        "load_ms": load_s * 1e3,
        "load_samples_ms": [s * 1e3 for s in load_samples],
        "rows": len(frame),
        "columns": len(frame.columns),
        "query_ms": query_s * 1e3,
        "query_samples_ms": [s * 1e3 for s in query_samples],
        **query_check(args.n, len(top), top_m0),
    }


def writer(args: argparse.Namespace) -> Figures:
    """Workload 8, one of the concurrent writers: one run, ``--n`` ``log_metric`` calls, end, flush."""
    nbtrack = _nbtrack(args.store)
    go = wait_for_go(args.store, args.writer)
    errors: list[str] = []
    with nbtrack.start_run(run_name=f"writer-{args.writer}"):
        for i in range(args.n):
            try:
                nbtrack.log_metric(KEY, value(i))
            except Exception as exc:
                errors.append(repr(exc))
    nbtrack.flush()
    return {"go": go, "end": time.time(), "errors": len(errors), "first_error": errors[0] if errors else None}


COUNT_SQL = """
select r.run_name, count(*) as n, count(distinct m.step) as d
from metrics m join runs r using (run_id)
where m.key = 'loss'
group by r.run_name
"""


def count(args: argparse.Namespace) -> Figures:
    """Workload 8 check: points stored per writer run, before and after a final ``flush()``."""
    nbtrack = _nbtrack(args.store)
    visible = sum(r[1] for r in _rows(nbtrack.sql(COUNT_SQL)))
    nbtrack.flush()
    figures = count_figures([(str(r[0]), int(r[1]), int(r[2])) for r in _rows(nbtrack.sql(COUNT_SQL))])
    figures["visible_before_flush"] = visible
    return figures


WORKLOADS = {
    "prepare": prepare,
    "log_metric": log_metric,
    "batch_points": batch_points,
    "history": history,
    "create_runs": create_runs,
    "populate": populate,
    "load_runs": load_runs,
    "writer": writer,
    "count": count,
}

if __name__ == "__main__":
    run_workloads(WORKLOADS)
