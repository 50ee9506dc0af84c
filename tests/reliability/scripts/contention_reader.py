"""One of the contention test's readers: reads the store in a loop until STOP_FILE exists.

usage: contention_reader.py START_FILE STOP_FILE [--tool nbtrack|mlflow] [--pause S]
                            [--latencies PATH] [--store DIR]

One untimed read comes before ``READY``. Each read is the run table of every experiment plus, for nbtrack, the
point count. What a reader sees must never go down: the point count, and
the sum over runs of the latest ``x`` (each writer logs value = step). At
the end prints ``READS <n> LAST <count> WENT_DOWN <k>``; ``--latencies``
writes each read's duration (perf_counter_ns, int64 native order).
"""

import argparse
import array
import os
import time
from pathlib import Path


def _nbtrack_read():
    import nbtrack

    def read() -> tuple[int, float]:
        count = int(nbtrack.sql("select count(*) as n from metrics")["n"].iloc[0])
        frame = nbtrack.runs(experiment="*")
        latest = float(frame["metrics.x"].sum()) if "metrics.x" in frame else 0.0
        return count, latest

    return read


def _mlflow_read(store: Path):
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{store.resolve() / 'mlflow.db'}")

    def read() -> tuple[int, float]:
        frame = mlflow.search_runs(search_all_experiments=True)
        latest = float(frame["metrics.x"].sum()) if "metrics.x" in frame else 0.0
        return len(frame), latest

    return read


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("start_file", type=Path)
    parser.add_argument("stop_file", type=Path)
    parser.add_argument("--tool", choices=["nbtrack", "mlflow"], default="nbtrack")
    parser.add_argument("--pause", type=float, default=0.02)
    parser.add_argument("--latencies", type=Path)
    parser.add_argument("--store", type=Path, default=Path("."))
    args = parser.parse_args()
    read = _mlflow_read(args.store) if args.tool == "mlflow" else _nbtrack_read()
    read()  # untimed: imports, first open (and, for the first process, creating the store)
    print("READY", flush=True)
    while not args.start_file.exists():
        time.sleep(0.002)
    latencies = array.array("q")
    last, went_down = (0, 0.0), 0
    while not args.stop_file.exists():
        began = time.perf_counter_ns()
        seen = read()
        latencies.append(time.perf_counter_ns() - began)
        if seen[0] < last[0] or seen[1] < last[1]:
            print(f"WENT DOWN {last} -> {seen}", flush=True)
            went_down += 1
        last = seen
        time.sleep(args.pause)
    if args.latencies:
        args.latencies.write_bytes(latencies.tobytes())
    print(f"READS {len(latencies)} LAST {last[0]} WENT_DOWN {went_down}", flush=True)


if __name__ == "__main__":
    main()
