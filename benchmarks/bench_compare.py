"""Compare benchmark: bytes and milliseconds of a comparison of many long runs.

Run from the repository root with the project's interpreter::

    .venv/bin/python benchmarks/bench_compare.py                      # 20 runs x 100,000 steps
    .venv/bin/python benchmarks/bench_compare.py --runs 50 --steps 1000000 --metrics 3

Logs the runs into a scratch store (deleted at the end), then measures, for each x axis:
``compare_data`` (run table, param diff, SQL-downsampled histories) and what the compare
widget sends for its curves tab: the param diff as JSON (``nbtrack.wire.diff_json``) and the
curves chart split into a small spec plus Arrow rows (``split_datasets``); then the curves
chart with smoothing (its spec as plain JSON, and split), a PNG of it, and parameter
importance. Times are the median of ``--repeat`` warm runs. The issue's target: a compare of
20 runs x 100,000 steps sends at most 1 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_BYTES = 1_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--metrics", type=int, default=1, help="metrics logged per run (loss, loss_1, ...)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nbtrack-bench-compare-") as root:
        os.environ["NBTRACK_URI"] = root
        ids, seconds = log_runs(args.runs, args.steps, args.metrics)
        print(f"logged {args.runs} runs x {args.steps:,} steps x {args.metrics} metric(s) in {seconds:.1f} s")
        report(ids, args.repeat)
        import nbtrack

        nbtrack.reset_session()


def log_runs(runs: int, steps: int, metrics: int) -> tuple[list[str], float]:
    import numpy as np

    import nbtrack

    nbtrack.set_experiment("bench-compare")
    rng = np.random.default_rng(0)
    started, ids = time.perf_counter(), []
    for i in range(runs):
        with nbtrack.start_run(run_name=f"run-{i}") as run:
            nbtrack.log_params({"lr": 0.1 / (i + 1), "depth": i % 5, "model": ["rf", "gb"][i % 2]})
            curve = np.exp(-np.arange(steps) / (steps / 5))
            series = {
                ("loss" if m == 0 else f"loss_{m}"): curve + rng.normal(0, 0.05, steps) + i / 100
                for m in range(metrics)
            }
            nbtrack.log_batch(series)
            nbtrack.log_metric("accuracy", 0.7 + rng.uniform(0, 0.2))
            ids.append(run.run_id)
    nbtrack.flush()
    return ids, time.perf_counter() - started


def timed(call: Callable[[], Any], repeat: int) -> tuple[Any, float]:
    """The call's result and its median wall time in ms over ``repeat`` runs after one warm-up."""
    result = call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    return result, statistics.median(times)


def report(ids: list[str], repeat: int) -> None:
    from nbtrack.charts import curves_chart, param_importance, split_datasets, to_png
    from nbtrack.compare_data import compare_data

    rows = []
    for x in ("step", "wall_time", "relative_time"):
        data, load_ms = timed(lambda x=x: compare_data(ids, x=x), repeat)
        payload, pack_ms = timed(lambda data=data, x=x: sent(data, x), repeat)
        size = sum(payload.values())
        verdict = "ok" if size <= TARGET_BYTES else "OVER"
        parts = ", ".join(f"{k} {v:,}" for k, v in payload.items())
        rows.append(
            f"compare_data x={x:<13} {load_ms:8.0f} ms   pack {pack_ms:5.0f} ms   "
            f"payload {size:>9,} B ({verdict} vs {TARGET_BYTES:,})   [{parts}]"
        )
    kept, stored = len(data.history), data.stored_points
    print(f"points kept: {kept:,} of {stored:,} stored ({data.max_points} per series at most)")
    print("\n".join(rows))
    chart, chart_ms = timed(lambda: curves_chart(data.history, x="relative_time", smoothing=0.6), repeat)
    spec_json = len(json.dumps(chart.to_dict()))
    (spec, datasets), split_ms = timed(lambda: split_datasets(chart), repeat)
    split_bytes = len(json.dumps(spec)) + sum(map(len, datasets.values()))
    _, png_ms = timed(lambda: to_png(chart, scale=1.0), repeat)
    importance, importance_ms = timed(lambda: param_importance(data.runs, "accuracy"), repeat)
    print(f"curves_chart (smoothing 0.6)      {chart_ms:8.0f} ms   spec as JSON {spec_json:>9,} B")
    print(f"split_datasets                    {split_ms:8.0f} ms   spec + Arrow {split_bytes:>9,} B")
    print(f"to_png (vl-convert)               {png_ms:8.0f} ms")
    top = importance["param"].iloc[0]
    print(f"param_importance ({len(data.runs)} runs)       {importance_ms:8.0f} ms   top: {top}")


def sent(data: Any, x: str) -> dict[str, int]:
    """Bytes the compare widget sends for its curves tab: diff and spec (JSON), rows (Arrow)."""
    from nbtrack.charts import curves_chart, split_datasets
    from nbtrack.wire import diff_json

    spec, datasets = split_datasets(curves_chart(data.history, x=x))
    return {
        "diff": len(json.dumps(diff_json(data.diff))),
        "spec": len(json.dumps(spec)),
        "rows": sum(map(len, datasets.values())),
    }


if __name__ == "__main__":
    main()
