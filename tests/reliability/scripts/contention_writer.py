"""One of the contention test's writers: one run, POINTS log_metric calls, each call timed.

usage: contention_writer.py START_FILE POINTS [--tool nbtrack|mlflow|control] [--batch N]
                            [--pause S] [--timings PATH] [--store DIR]

Prints ``READY`` once imported and connected, waits for START_FILE (so all
writers start together), logs steps 0..POINTS-1 of ``x`` (value = step),
sleeping ``--pause`` seconds every ``--batch`` calls (the training work),
ends the run and prints ``DONE <run_id> <t_start> <t_end> <errors>``.
``--timings`` writes every call's duration (perf_counter_ns, int64
native order). ``--tool control`` does the same loop with a list append in
place of the tracker (the machine's own stalls); ``mlflow`` runs MLflow's
``log_metric`` on a SQLite store in ``--store`` (benchmarks only).
"""

import argparse
import array
import os
import time
from pathlib import Path


class Control:
    """The same loop without a tracker: a list append stands in for log_metric."""

    def __init__(self) -> None:
        self.sink: list[tuple[str, float, int]] = []

    def start(self, name: str) -> str:
        return name

    def log(self, key: str, value: float, step: int) -> None:
        self.sink.append((key, value, step))

    def end(self) -> None:
        pass


class Nbtrack:
    def __init__(self) -> None:
        import duckdb  # noqa: F401  (what the first seal and merge import: not part of the contention)
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401

        import nbtrack

        self.nbtrack = nbtrack
        nbtrack.store_path()  # connect before the start line

    def start(self, name: str) -> str:
        return self.nbtrack.start_run(run_name=name).run_id

    def log(self, key: str, value: float, step: int) -> None:
        self.nbtrack.log_metric(key, value, step=step)

    def end(self) -> None:
        self.nbtrack.end_run()


class Mlflow:
    def __init__(self, store: Path) -> None:
        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
        import mlflow

        self.mlflow = mlflow
        mlflow.set_tracking_uri(f"sqlite:///{store.resolve() / 'mlflow.db'}")

    def start(self, name: str) -> str:
        return self.mlflow.start_run(run_name=name).info.run_id

    def log(self, key: str, value: float, step: int) -> None:
        self.mlflow.log_metric(key, value, step=step)

    def end(self) -> None:
        self.mlflow.end_run()


def _tracker(args: argparse.Namespace):
    if args.tool == "control":
        return Control()
    if args.tool == "mlflow":
        return Mlflow(args.store)
    return Nbtrack()


def _log_all(tracker, args: argparse.Namespace, timings: array.array) -> int:
    """The timed loop; returns how many calls raised (MLflow's 'database is locked')."""
    errors = 0
    clock = time.perf_counter_ns
    for i in range(args.points):
        began = clock()
        try:
            tracker.log("x", float(i), i)
        except Exception:
            if args.tool != "mlflow":
                raise
            errors += 1
        timings.append(clock() - began)
        if (i + 1) % args.batch == 0:
            time.sleep(args.pause)
    return errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("start_file", type=Path)
    parser.add_argument("points", type=int)
    parser.add_argument("--tool", choices=["nbtrack", "mlflow", "control"], default="nbtrack")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--pause", type=float, default=0.02)
    parser.add_argument("--timings", type=Path)
    parser.add_argument("--store", type=Path, default=Path("."))
    args = parser.parse_args()
    tracker = _tracker(args)
    timings = array.array("q")
    print("READY", flush=True)
    while not args.start_file.exists():
        time.sleep(0.002)
    t_start = time.time()
    run_id = tracker.start(f"writer-{os.getpid()}")
    errors = _log_all(tracker, args, timings)
    tracker.end()
    t_end = time.time()
    if args.timings:
        args.timings.write_bytes(timings.tobytes())
    print(f"DONE {run_id} {t_start:.6f} {t_end:.6f} {errors}", flush=True)


if __name__ == "__main__":
    main()
