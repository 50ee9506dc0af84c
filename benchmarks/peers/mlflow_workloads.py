"""MLflow side of benchmarks/bench_tracking.py (runs in benchmarks/.peers-venv).

Store: the SQLAlchemy tracking store on SQLite, ``<store>/mlflow.db``, artifacts under
``<store>/artifacts`` (none are written). Public APIs throughout, except the downsampled
history read, which calls the tracking store's sampling method (see ``history``).

Usage: ``python mlflow_workloads.py <workload> --store DIR [--n N ...]``; prints one JSON line.
"""

from __future__ import annotations

import argparse
import os
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


def _mlflow(store: Path) -> tuple[Any, str]:
    """Import MLflow, point it at the SQLite store in ``store`` and select the bench experiment."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow

    store = store.resolve()
    mlflow.set_tracking_uri(f"sqlite:///{store / 'mlflow.db'}")
    experiment = mlflow.get_experiment_by_name(EXPERIMENT)
    if experiment is None:
        experiment_id = mlflow.create_experiment(EXPERIMENT, artifact_location=(store / "artifacts").as_uri())
    else:
        experiment_id = experiment.experiment_id
    mlflow.set_experiment(experiment_id=experiment_id)
    return mlflow, experiment_id


def prepare(args: argparse.Namespace) -> Figures:
    """Create the database (schema migrations take about a second) and the experiment."""
    _mlflow(args.store)
    return {}


def log_metric(args: argparse.Namespace) -> Figures:
    """Workload 2: single ``mlflow.log_metric`` calls in one run; durable when ``end_run`` returns."""
    mlflow, _ = _mlflow(args.store)
    mlflow.start_run(run_name="log-metric")
    start = time.perf_counter()
    for i in range(args.n):
        mlflow.log_metric(KEY, value(i), step=i)
    loop_end = time.perf_counter()
    mlflow.end_run()
    durable = time.perf_counter()
    return {
        "calls": args.n,
        "per_call_us": (loop_end - start) / args.n * 1e6,
        "durable_ms": (durable - start) * 1e3,
    }


def batch_points(args: argparse.Namespace) -> Figures:
    """Workload 3 (and 9): ``MlflowClient.log_batch`` of ``--batch`` points until readable."""
    mlflow, _ = _mlflow(args.store)
    from mlflow import MlflowClient
    from mlflow.entities import Metric

    client = MlflowClient()
    chunks = [
        [Metric(KEY, v, ts, step) for v, step, ts in chunk] for chunk in batches(points(args.n), args.batch)
    ]
    run_id = mlflow.start_run(run_name="batch-points").info.run_id
    empty_bytes = dir_bytes(args.store)
    start = time.perf_counter()
    for chunk in chunks:
        client.log_batch(run_id, metrics=chunk)
    mlflow.end_run()
    latest = client.get_run(run_id).data.metrics.get(KEY)
    queryable = time.perf_counter()
    return {
        "points": args.n,
        "batches": len(chunks),
        "queryable_s": queryable - start,
        "readback": "latest value via get_run" if latest is not None else "missing",
        "store_bytes": dir_bytes(args.store),
        "empty_store_bytes": empty_bytes,
        "run_id": run_id,
    }


def history(args: argparse.Namespace) -> Figures:
    """Workload 7: full history via ``get_metric_history``; downsampled via the store's sampler.

    MLflow's client has no downsampling call. Its UI asks the tracking server's
    ``get-history-bulk-interval`` endpoint, which runs ``get_metric_history_bulk_interval``
    on the store (sampling in SQL). We call that store method in-process: MLflow's own
    downsampling, without the HTTP hop a real UI request would add.
    """
    mlflow, _ = _mlflow(args.store)
    from mlflow import MlflowClient

    client = MlflowClient()
    store = mlflow.tracking._get_store()
    full_s, full_samples, full = median_timed(
        lambda: client.get_metric_history(args.run_id, KEY), args.repeats
    )
    down_s, down_samples, down = median_timed(
        lambda: store.get_metric_history_bulk_interval([args.run_id], KEY, args.max_points, None, None),
        args.repeats,
    )
    return {
        "full_ms": full_s * 1e3,
        "full_samples_ms": [s * 1e3 for s in full_samples],
        "full_points": len(full),
        "down_ms": down_s * 1e3,
        "down_samples_ms": [s * 1e3 for s in down_samples],
        "down_points": len(down),
        "notes": {
            "history_down_ms": "MLflow has no client downsampling API: timed its server-side sampler "
            "(tracking store get_metric_history_bulk_interval) in-process, without the HTTP hop."
        },
    }


def _create_runs(mlflow: Any, n: int) -> None:
    for i in range(n):
        with mlflow.start_run(run_name=run_name(i), tags=run_tags(i)):
            mlflow.log_params(run_params(i))
            mlflow.log_metrics(run_metrics(i), step=0)


def create_runs(args: argparse.Namespace) -> Figures:
    """Workload 4: runs with 20 params, 10 metrics and 3 tags each, through the fluent API."""
    mlflow, _ = _mlflow(args.store)
    start = time.perf_counter()
    _create_runs(mlflow, args.n)
    return {"runs": args.n, "total_s": time.perf_counter() - start}


def populate(args: argparse.Namespace) -> Figures:
    """Set-up for workloads 5 and 6 (untimed in the table): the same runs as workload 4."""
    return create_runs(args)


def load_runs(args: argparse.Namespace) -> Figures:
    """Workloads 5 and 6: ``mlflow.search_runs`` as a DataFrame, then the filtered, ordered query."""
    mlflow, experiment_id = _mlflow(args.store)
    load_s, load_samples, frame = median_timed(
        lambda: mlflow.search_runs(experiment_ids=[experiment_id], max_results=100_000), args.repeats
    )
    query_s, query_samples, top = median_timed(
        lambda: mlflow.search_runs(
            experiment_ids=[experiment_id],
            filter_string=QUERY_FILTER,
            order_by=[QUERY_ORDER],
            max_results=QUERY_LIMIT,
        ),
        args.query_repeats,
    )
    top_m0 = float(top["metrics.m0"].iloc[0]) if len(top) else None
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
    """Workload 8, one of the concurrent writers: one run, ``--n`` ``log_metric`` calls, end it."""
    mlflow, _ = _mlflow(args.store)
    go = wait_for_go(args.store, args.writer)
    errors: list[str] = []
    try:
        mlflow.start_run(run_name=f"writer-{args.writer}")
    except Exception as exc:
        return {"go": go, "end": time.time(), "errors": args.n, "first_error": repr(exc)}
    for i in range(args.n):
        try:
            mlflow.log_metric(KEY, value(i), step=i)
        except Exception as exc:
            errors.append(repr(exc))
    try:
        mlflow.end_run()
    except Exception as exc:
        errors.append(repr(exc))
    return {"go": go, "end": time.time(), "errors": len(errors), "first_error": errors[0] if errors else None}


def count(args: argparse.Namespace) -> Figures:
    """Workload 8 check: points stored per writer run (rows and distinct steps)."""
    _, experiment_id = _mlflow(args.store)
    from mlflow import MlflowClient

    client = MlflowClient()
    rows = []
    for run in client.search_runs([experiment_id], max_results=1000):
        history_ = client.get_metric_history(run.info.run_id, KEY)
        rows.append((run.info.run_name, len(history_), len({m.step for m in history_})))
    return count_figures(rows)


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
