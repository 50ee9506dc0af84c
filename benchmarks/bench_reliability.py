"""Reliability benchmark: the contention workload at full size, the kill -9 campaign, the soak tests.

Run from the repository root with the project's interpreter::

    .venv/bin/python benchmarks/bench_reliability.py            # full sizes, about 8 minutes
    .venv/bin/python benchmarks/bench_reliability.py --quick    # scaled down, under a minute
    .venv/bin/python benchmarks/bench_reliability.py --no-mlflow --kills 0
    .venv/bin/python benchmarks/bench_reliability.py --tools mlflow --kills 0   # MLflow alone
    .venv/bin/python benchmarks/bench_reliability.py --soak     # then the soak-marked tests

Contention: 16 writer processes each log one run of ``log_metric`` calls
(a 20 ms pause every 100 calls stands in for training), while 4 reader
processes read the run table and the point count in a loop; every call and
every read is timed with ``perf_counter_ns``. The same loop runs as a
*control* with a list append in place of ``log_metric`` (the machine's own
stalls under the same load) and, in ``benchmarks/.peers-venv``, with
MLflow's ``log_metric`` on SQLite (200 points per writer by default, a tenth
of the CI size: each call commits, and 16 writers queue on SQLite's lock, so
3,200 points take minutes). The workers are
the test suite's (``tests/reliability/scripts/``), so the benchmark measures
exactly what ``tests/reliability/test_contention.py`` checks. Figures go to
``benchmarks/results/reliability-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS_DIR = HERE / "results"
PEERS_PYTHON = HERE / ".peers-venv" / "bin" / "python"
sys.path.insert(0, str(REPO / "tests"))

from reliability._workers import Contention, CrashCampaign, check_crashed_store  # noqa: E402

ROWS = [  # (figure key, label, scale, format)
    ("points", "points logged", 1, "{:,.0f}"),
    ("wall_s", "wall, first start to last end_run (s)", 1, "{:.1f}"),
    ("points_per_s", "points/s (all writers)", 1, "{:,.0f}"),
    ("call_p50_us", "log_metric call p50 (µs)", 1, "{:,.1f}"),
    ("call_p99_us", "log_metric call p99 (µs)", 1, "{:,.1f}"),
    ("call_p999_us", "log_metric call p99.9 (µs)", 1, "{:,.1f}"),
    ("call_max_us", "log_metric call max (ms)", 1e-3, "{:,.2f}"),
    ("reads", "reads by 4 readers", 1, "{:,.0f}"),
    ("read_p50_ms", "read p50 (ms)", 1, "{:,.1f}"),
    ("read_p99_ms", "read p99 (ms)", 1, "{:,.1f}"),
    ("read_max_ms", "read max (ms)", 1, "{:,.1f}"),
    ("lost", "points lost", 1, "{:,.0f}"),
    ("duplicated", "points duplicated", 1, "{:,.0f}"),
    ("errors", "calls that raised", 1, "{:,.0f}"),
    ("reads_went_down", "reads that went down", 1, "{:,.0f}"),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="16 x 1,000 points, no MLflow, no kills")
    parser.add_argument("--points", type=int, help="points per writer (default 20,000; quick 1,000)")
    parser.add_argument("--mlflow-points", type=int, help="points per MLflow writer (default 200)")
    parser.add_argument("--no-mlflow", action="store_true", help="skip MLflow")
    parser.add_argument("--tools", default="nbtrack,control,mlflow", help="which contention runs, in order")
    parser.add_argument("--kills", type=int, help="kill -9 campaign size (default 60; quick 0)")
    parser.add_argument("--soak", action="store_true", help="also run pytest -m soak tests/reliability")
    parser.add_argument("--workdir", type=Path, help="parent of the scratch directory")
    parser.add_argument("--keep", action="store_true", help="keep the scratch stores and worker logs")
    args = parser.parse_args()
    args.points = args.points or (1_000 if args.quick else 20_000)
    args.mlflow_points = args.mlflow_points or 200
    args.kills = (0 if args.quick else 60) if args.kills is None else args.kills
    wanted = [t for t in args.tools.split(",") if t in ("nbtrack", "control", "mlflow")]
    if args.quick or args.no_mlflow:
        wanted = [t for t in wanted if t != "mlflow"]
    args.mlflow_missing = "mlflow" in wanted and not PEERS_PYTHON.exists()
    args.tools = [t for t in wanted if t != "mlflow" or not args.mlflow_missing]
    return args


def contention(tool: str, workdir: Path, points: int) -> dict[str, Any]:
    """One contention run in a fresh store; its figures plus lost/duplicated points."""
    store = workdir / tool / "store"
    store.mkdir(parents=True)
    os.environ["NBTRACK_URI"] = str(store)
    python = str(PEERS_PYTHON) if tool == "mlflow" else sys.executable
    if tool == "mlflow":
        _prepare_mlflow(store)
    run = Contention(workdir / tool / "workers", points=points, tool=tool, python=python, store=store)
    run.run()
    figures = run.figures()
    if tool != "control":
        stored, distinct = (_mlflow_counts if tool == "mlflow" else _nbtrack_counts)(store)
        figures.update(lost=figures["points"] - distinct, duplicated=stored - distinct)
    return figures


def _prepare_mlflow(store: Path) -> None:
    """Create MLflow's database once (its migrations take seconds) before the writers start."""
    code = (
        "import mlflow, sys; mlflow.set_tracking_uri(f'sqlite:///{sys.argv[1]}/mlflow.db'); "
        "mlflow.search_experiments()"
    )
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    subprocess.run([str(PEERS_PYTHON), "-c", code, str(store)], check=True, capture_output=True, env=env)


def _nbtrack_counts(store: Path) -> tuple[int, int]:
    import nbtrack

    nbtrack.connect(store)
    row = nbtrack.sql("select count(*) n, count(distinct (run_id, key, step)) d from metrics").iloc[0]
    return int(row["n"]), int(row["d"])


def _mlflow_counts(store: Path) -> tuple[int, int]:
    with sqlite3.connect(f"file:{store / 'mlflow.db'}?mode=ro", uri=True) as con:
        n, d = con.execute(
            "select count(*), count(distinct run_uuid || '/' || key || '/' || step) from metrics"
        ).fetchone()
    return int(n), int(d)


def crash(workdir: Path, kills: int) -> dict[str, Any]:
    """The kill -9 campaign of tests/reliability/test_crash.py at ``kills`` kills, then the store check."""
    store = workdir / "crash" / "store"
    store.mkdir(parents=True)
    os.environ["NBTRACK_URI"] = str(store)
    import nbtrack

    nbtrack.connect(store)
    began = time.monotonic()
    campaign = CrashCampaign(store / ".nbtrack", workdir / "crash" / "victims", kills=kills)
    campaign.run()
    problems, figures = check_crashed_store(store / ".nbtrack", campaign.acknowledged)
    return {**campaign.summary(), **figures, "wall_s": time.monotonic() - began, "problems": problems}


def table(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> str:
    tools = list(results)
    sizes = {t: f"16 x {results[t]['points'] // 16:,}" for t in tools}
    lines = [f"{'':40}" + "".join(f"{t:>16}" for t in tools), f"{'writers x points':40}"]
    lines[-1] += "".join(f"{sizes[t]:>16}" for t in tools)
    for key, label, scale, fmt in ROWS:
        cells = [fmt.format(results[t][key] * scale) if key in results[t] else "n/a" for t in tools]
        lines.append(f"{label:40}" + "".join(f"{c:>16}" for c in cells))
    return "\n".join(lines)


def crash_text(figures: dict[str, Any]) -> str:
    lines = [
        f"  {k:32} {v:,.1f}" if isinstance(v, float) else f"  {k:32} {v:,}"
        for k, v in figures.items()
        if k != "problems"
    ]
    lines.append(f"  {'problems':32} {len(figures['problems'])}")
    lines += [f"    - {p}" for p in figures["problems"][:20]]
    return "\n".join(lines)


def header() -> str:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    import duckdb

    import nbtrack

    return (
        f"nbtrack {nbtrack.__version__} (DuckDB {duckdb.__version__}), Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, load average {load}, {datetime.now():%Y-%m-%d %H:%M}"
    )


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="nbtrack-bench-reliability-", dir=args.workdir))
    print(header(), flush=True)
    if args.mlflow_missing:
        print(f"MLflow left out: no {PEERS_PYTHON} (bench_tracking.py creates it)", flush=True)
    results: dict[str, dict[str, Any]] = {}
    try:
        for tool in args.tools:
            points = args.mlflow_points if tool == "mlflow" else args.points
            print(f"contention: {tool}, 16 writers x {points:,} points + 4 readers ...", flush=True)
            results[tool] = contention(tool, workdir, points)
        crashed = None
        if args.kills:
            print(f"kill -9 campaign: {args.kills} kills ...", flush=True)
            crashed = crash(workdir, args.kills)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print("\n" + table(results, args))
    if crashed is not None:
        print("\nkill -9 campaign\n" + crash_text(crashed))
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    _save({"header": header(), "contention": results, "crash": crashed, "args": vars(args)})
    return _soak() if args.soak else 0


def _save(figures: dict[str, Any]) -> None:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"reliability-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(figures, indent=2, default=str))
    print(f"figures written to {path.relative_to(REPO)}")


def _soak() -> int:
    """The soak-marked reliability tests (many more kills, bigger contention), through pytest."""
    os.environ.pop("NBTRACK_URI", None)  # each test makes its own store
    command = [
        sys.executable,
        "-m",
        "pytest",
        "tests/reliability",
        "-m",
        "soak",
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    print("\n" + " ".join(command), flush=True)
    return subprocess.run(command, cwd=REPO).returncode


if __name__ == "__main__":
    sys.exit(main())
