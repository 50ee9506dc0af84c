"""Helpers shared by the per-tool workload scripts.

Standard library only: the scripts import this from their own directory, both in the
project's venv (nbtrack) and in ``benchmarks/.peers-venv`` (MLflow, trackio).

A workload script is called as ``python <tool>_workloads.py <workload> --store DIR [options]``
and prints exactly one JSON object (its figures) as the last line of stdout. Everything
the tool itself prints goes to stderr, so chatty tools cannot corrupt the result.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Figures = dict[str, Any]
Workload = Callable[[argparse.Namespace], Figures]

#: First timestamp (ms) of generated metric points; one millisecond apart.
BASE_TS_MS = 1_700_000_000_000
EXPERIMENT = "bench"
KEY = "loss"
N_PARAMS, N_METRICS, N_TAGS = 20, 10, 3


def parse_args(names: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("workload", choices=names)
    parser.add_argument("--store", type=Path, required=True, help="directory holding this workload's store")
    parser.add_argument("--n", type=int, default=0, help="size: calls, points or runs")
    parser.add_argument("--batch", type=int, default=1000, help="points per batch call")
    parser.add_argument("--repeats", type=int, default=1, help="timed repetitions (median reported)")
    parser.add_argument("--max-points", type=int, default=2000, help="downsampling target")
    parser.add_argument("--query-repeats", type=int, default=1, help="timed repetitions of the query")
    parser.add_argument("--writer", type=int, default=0, help="index of a concurrent writer")
    parser.add_argument("--run-id", default="", help="run to read (history workload)")
    return parser.parse_args()


def run_workloads(workloads: dict[str, Workload]) -> None:
    """Run the workload named on the command line and print its figures as one JSON line."""
    args = parse_args(sorted(workloads))
    args.store.mkdir(parents=True, exist_ok=True)
    real_stdout = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        figures = workloads[args.workload](args)
    real_stdout.write(json.dumps(figures) + "\n")
    real_stdout.flush()


def value(i: int) -> float:
    """A decaying loss curve with deterministic noise: realistic to compress, the same for every tool."""
    noise = (math.sin(i * 12.9898) * 43758.5453) % 1.0
    return 2.0 / math.sqrt(1.0 + i / 100.0) + 0.05 * noise


def points(n: int) -> list[tuple[float, int, int]]:
    """``n`` points as ``(value, step, timestamp_ms)``."""
    return [(value(i), i, BASE_TS_MS + i) for i in range(n)]


def batches(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def run_params(i: int) -> dict[str, str]:
    """20 params; ``p0`` cycles through v0..v9 so ``params.p0 = 'v3'`` selects 10% of runs."""
    return {"p0": f"v{i % 10}", **{f"p{k}": f"value-{k}-{i % 97}" for k in range(1, N_PARAMS)}}


def run_metrics(i: int) -> dict[str, float]:
    """10 metrics; ``m0`` is uniform in [0, 1) so ``metrics.m0 > 0.5`` selects half the runs."""
    rng = random.Random(i)
    return {f"m{k}": rng.random() for k in range(N_METRICS)}


def run_tags(i: int) -> dict[str, str]:
    return {f"t{k}": f"tag-{k}-{i % 7}" for k in range(N_TAGS)}


def run_name(i: int) -> str:
    return f"run-{i:06d}"


#: The filtered query of workload 6, in MLflow/nbtrack filter syntax.
QUERY_FILTER = "metrics.m0 > 0.5 and params.p0 = 'v3'"
QUERY_ORDER = "metrics.m0 DESC"
QUERY_LIMIT = 100


def expected_query(n_runs: int) -> tuple[int, float | None]:
    """Rows the workload-6 query must return over ``n_runs`` runs, and its first (largest) ``m0``."""
    hits = [m0 for i in range(n_runs) if run_params(i)["p0"] == "v3" and (m0 := run_metrics(i)["m0"]) > 0.5]
    return min(len(hits), QUERY_LIMIT), max(hits, default=None)


def query_check(n_runs: int, rows: int, top_m0: float | None) -> Figures:
    """Figures telling whether a workload-6 answer has the right size and order."""
    want_rows, want_top = expected_query(n_runs)
    ok = rows == want_rows and (want_top is None or (top_m0 is not None and abs(top_m0 - want_top) < 1e-9))
    return {"query_rows": rows, "query_top_m0": top_m0, "query_expected_rows": want_rows, "query_ok": ok}


def dir_bytes(path: Path) -> int:
    """Bytes of all regular files below ``path`` (apparent size)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(FileNotFoundError):
                total += os.stat(os.path.join(root, name)).st_size
    return total


def file_count(path: Path) -> int:
    return sum(len(files) for _root, _dirs, files in os.walk(path))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds taken by ``fn()`` and its result."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def median_timed(fn: Callable[[], Any], repeats: int) -> tuple[float, list[float], Any]:
    """Median seconds over ``repeats`` calls, every sample, and the last result."""
    samples, result = [], None
    for _ in range(max(1, repeats)):
        seconds, result = timed(fn)
        samples.append(seconds)
    return statistics.median(samples), samples, result


def wait_for_go(store: Path, writer: int, poll_s: float = 0.001) -> float:
    """Barrier for concurrent writers: announce readiness, then wait for the ``go`` file."""
    (store / f"ready-{writer}").touch()
    go = store / "go"
    while not go.exists():
        time.sleep(poll_s)
    return time.time()


def count_figures(rows: list[tuple[str, int, int]]) -> Figures:
    """Summarise ``(run, stored rows, distinct steps)`` triples of the concurrent-writer store."""
    return {
        "runs": len(rows),
        "rows": sum(r[1] for r in rows),
        "distinct": sum(r[2] for r in rows),
        "per_run": {r[0]: [r[1], r[2]] for r in rows},
    }
