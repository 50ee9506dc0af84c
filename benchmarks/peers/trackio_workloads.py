"""trackio side of benchmarks/bench_tracking.py (runs in benchmarks/.peers-venv).

Local mode: no ``space_id`` and no ``server_url``, so ``trackio.init`` starts no server and
no UI; each project is one SQLite database, ``$TRACKIO_DIR/<project>.db`` (WAL journal),
written by a background thread of the run every 0.5 s and on ``finish()``.
``TRACKIO_DIR`` is set to ``<store>/trackio`` before trackio is imported;
``TRACKIO_STORAGE_MODE=sqlite`` keeps it from choosing JSONL fragments.

trackio's public API covers logging and listing runs; it has no read API for metric
values, run tables or filters. Reads go through ``trackio.sqlite_storage.SQLiteStorage``,
the functions its dashboard server and CLI call, so they are what trackio itself runs.

Usage: ``python trackio_workloads.py <workload> --store DIR [--n N ...]``; prints one JSON line.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import (
    EXPERIMENT,
    KEY,
    QUERY_LIMIT,
    Figures,
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

#: Workload 6 in trackio's read-only SQL (``SQLiteStorage.query_project``): params live in
#: the run config (JSON), metrics in one JSON object per logged step.
QUERY_SQL = f"""
SELECT c.run_name AS run_name, json_extract(m.metrics, '$.m0') AS m0
FROM configs c JOIN metrics m ON m.run_id = c.run_id
WHERE json_extract(c.config, '$.p0') = 'v3' AND json_extract(m.metrics, '$.m0') > 0.5
ORDER BY m0 DESC
LIMIT {QUERY_LIMIT}
"""


def _trackio(store: Path) -> Any:
    """Import trackio with its data directory inside ``store``."""
    os.environ["TRACKIO_DIR"] = str(store.resolve() / "trackio")
    os.environ.setdefault("TRACKIO_STORAGE_MODE", "sqlite")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import trackio

    return trackio


def _storage() -> Any:
    from trackio.sqlite_storage import SQLiteStorage

    return SQLiteStorage


def _init(trackio: Any, name: str, config: dict[str, Any] | None = None) -> Any:
    """A local run: no dashboard, no CPU/GPU sampling threads."""
    return trackio.init(
        project=EXPERIMENT, name=name, config=config, embed=False, auto_log_cpu=False, auto_log_gpu=False
    )


def _query(sql: str) -> list[dict[str, Any]]:
    return _storage().query_project(EXPERIMENT, sql)["rows"]


def prepare(args: argparse.Namespace) -> Figures:
    """Create the project database."""
    _trackio(args.store)
    _storage().init_db(EXPERIMENT)
    return {}


def log_metric(args: argparse.Namespace) -> Figures:
    """Workload 2: ``trackio.log({key: value})`` calls (step auto-increments); durable at ``finish()``."""
    trackio = _trackio(args.store)
    _init(trackio, "log-metric")
    start = time.perf_counter()
    for i in range(args.n):
        trackio.log({KEY: value(i)})
    loop_end = time.perf_counter()
    trackio.finish()
    durable = time.perf_counter()
    return {
        "calls": args.n,
        "per_call_us": (loop_end - start) / args.n * 1e6,
        "durable_ms": (durable - start) * 1e3,
    }


def batch_points(args: argparse.Namespace) -> Figures:
    """Workload 3 (and 9). trackio has no batch call: one ``trackio.log`` per point, with its step.

    The run's background thread drains its queue into SQLite in batches every 0.5 s;
    ``finish()`` drains the rest. Readable once a count over the run returns all points.
    """
    trackio = _trackio(args.store)
    data = points(args.n)
    run = _init(trackio, "batch-points")
    empty_bytes = dir_bytes(args.store)
    start = time.perf_counter()
    for v, step, _ts in data:
        trackio.log({KEY: v}, step=step)
    trackio.finish()
    readable = _query(f"SELECT count(*) AS n FROM metrics WHERE run_id = '{run.id}'")[0]["n"]
    queryable = time.perf_counter()
    return {
        "points": args.n,
        "queryable_s": queryable - start,
        "readback": f"count = {readable}",
        "store_bytes": dir_bytes(args.store),
        "empty_store_bytes": empty_bytes,
        "run_id": run.id,
        "notes": {"batch_queryable_s": "trackio has no batch call: one trackio.log per point."},
    }


def history(args: argparse.Namespace) -> Figures:
    """Workload 7: ``SQLiteStorage.get_metric_values`` (the server's metric read), full and ``max_points``."""
    _trackio(args.store)
    storage = _storage()

    def read(max_points: int | None) -> list[dict[str, Any]]:
        return storage.get_metric_values(EXPERIMENT, None, KEY, run_id=args.run_id, max_points=max_points)

    full_s, full_samples, full = median_timed(lambda: read(None), args.repeats)
    down_s, down_samples, down = median_timed(lambda: read(args.max_points), args.repeats)
    return {
        "full_ms": full_s * 1e3,
        "full_samples_ms": [s * 1e3 for s in full_samples],
        "full_points": len(full),
        "down_ms": down_s * 1e3,
        "down_samples_ms": [s * 1e3 for s in down_samples],
        "down_points": len(down),
    }


def create_runs(args: argparse.Namespace) -> Figures:
    """Workload 4: ``init`` (params and tags as config) + one ``log`` of 10 metrics + ``finish``."""
    trackio = _trackio(args.store)
    start = time.perf_counter()
    for i in range(args.n):
        _init(trackio, run_name(i), config={**run_params(i), **run_tags(i)})
        trackio.log(run_metrics(i), step=0)
        trackio.finish()
    return {
        "runs": args.n,
        "total_s": time.perf_counter() - start,
        "notes": {"runs_create_s": "trackio has no tags: the 3 tags are stored in the run config."},
    }


def populate(args: argparse.Namespace) -> Figures:
    """Set-up for workloads 5 and 6 (untimed in the table).

    Writes the rows ``trackio.init/log/finish`` would write, through ``SQLiteStorage.bulk_log``
    (what the run's sender thread calls): ``trackio.init`` lists every existing run, which makes
    creating 10,000 runs one by one quadratic, and this is set-up, not the measured workload.
    """
    _trackio(args.store)
    storage = _storage()
    start = time.perf_counter()
    created = datetime.now(UTC).isoformat()
    for i in range(args.n):
        config = {**run_params(i), **run_tags(i), "_Username": None, "_Created": created, "_Group": None}
        storage.bulk_log(
            project=EXPERIMENT,
            run=run_name(i),
            run_id=uuid.uuid4().hex,
            metrics_list=[run_metrics(i)],
            steps=[0],
            config=config,
        )
    return {"runs": args.n, "total_s": time.perf_counter() - start}


def _runs_frame() -> Any:
    """Runs with config and latest metrics as a DataFrame: the dashboard's run list + configs + logs."""
    import pandas as pd

    storage = _storage()
    records = storage.get_run_records(EXPERIMENT)
    configs = storage.get_all_run_configs(EXPERIMENT)
    logs = storage.get_logs_batch(EXPERIMENT, [{"run": r["name"], "run_id": r["id"]} for r in records])
    rows = []
    for record, log in zip(records, logs, strict=True):
        latest = log["logs"][-1] if log["logs"] else {}
        rows.append(
            {"run_id": record["id"], "run_name": record["name"], **configs.get(record["id"], {}), **latest}
        )
    return pd.DataFrame(rows)


def load_runs(args: argparse.Namespace) -> Figures:
    """Workloads 5 and 6: all runs as a DataFrame, then the query in trackio's read-only SQL."""
    import pandas as pd

    _trackio(args.store)
    load_s, load_samples, frame = median_timed(_runs_frame, args.repeats)
    query_s, query_samples, top = median_timed(lambda: pd.DataFrame(_query(QUERY_SQL)), args.query_repeats)
    top_m0 = float(top["m0"].iloc[0]) if len(top) else None
    return {
        "load_ms": load_s * 1e3,
        "load_samples_ms": [s * 1e3 for s in load_samples],
        "rows": len(frame),
        "columns": len(frame.columns),
        "query_ms": query_s * 1e3,
        "query_samples_ms": [s * 1e3 for s in query_samples],
        **query_check(args.n, len(top), top_m0),
        "notes": {
            "runs_load_ms": "trackio has no run-table API: run records + all configs + each run's "
            "logs (SQLiteStorage, as its dashboard does), assembled into a DataFrame.",
            "query_ms": "trackio has no filter/order API: hand-written read-only SQL with json_extract "
            "(SQLiteStorage.query_project, as `trackio query project` runs it).",
        },
    }


def writer(args: argparse.Namespace) -> Figures:
    """Workload 8, one of the concurrent writers: one run, ``--n`` ``log`` calls, ``finish``."""
    trackio = _trackio(args.store)
    go = wait_for_go(args.store, args.writer)
    errors: list[str] = []
    _init(trackio, f"writer-{args.writer}")
    for i in range(args.n):
        try:
            trackio.log({KEY: value(i)})
        except Exception as exc:
            errors.append(repr(exc))
    trackio.finish()
    return {"go": go, "end": time.time(), "errors": len(errors), "first_error": errors[0] if errors else None}


def count(args: argparse.Namespace) -> Figures:
    """Workload 8 check: points stored per writer run (rows and distinct steps)."""
    _trackio(args.store)
    rows = _query("SELECT run_name, count(*) AS n, count(DISTINCT step) AS d FROM metrics GROUP BY run_name")
    return count_figures([(r["run_name"], r["n"], r["d"]) for r in rows])


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
