"""How long does a single ``log_metric`` call stall the training loop, alone and under load?

    .venv/bin/python benchmarks/bench_log_stall.py              # ~1 minute
    .venv/bin/python benchmarks/bench_log_stall.py --seconds 2  # shorter

Each loop runs in its own process for ``--seconds``, timing every call with
``perf_counter_ns``: a control loop (the same work as a buffered
``log_metric``: a locked append to four typed arrays, but no background
writer, so its stalls are the machine's own), nbtrack's ``log_metric`` and, when the peers
venv (``benchmarks/.peers-venv``, see bench_tracking.py) has MLflow,
``mlflow.log_metric`` with a local SQLite store. Each loop runs alone and
with 7 background processes logging to one nbtrack store (100 points per
millisecond each, sealing and merging as usual). Prints p50/p99/p99.9/max
per call and how many calls took over 5 ms. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS_PYTHON = HERE / ".peers-venv" / "bin" / "python"

LOOP = r"""
import json, os, sys, time
from array import array
tool, seconds = sys.argv[1], float(sys.argv[2])
if tool == "nbtrack":
    import nbtrack
    run = nbtrack.start_run(run_name="stall-probe")
    call = nbtrack.log_metric
elif tool == "mlflow":
    import mlflow
    mlflow.set_tracking_uri("sqlite:///" + os.path.abspath("mlflow.db"))
    run = mlflow.start_run()
    call = mlflow.log_metric
else:  # the same work as a buffered log_metric (a locked append to four typed columns), no writer
    import threading
    columns, lock, series = [array("q"), array("q"), array("d"), array("i")], threading.Lock(), {}
    def call(key, value, step=None):
        with lock:
            sid = series.setdefault(("run", key), len(series))
            columns[0].append(len(columns[0]) if step is None else step)
            columns[1].append(time.time_ns() // 1_000_000)
            columns[2].append(value)
            columns[3].append(sid)
clock = time.perf_counter_ns
for i in range(20 if tool == "mlflow" else 2000):  # warm up (first seal, imports, caches)
    call("loss", i * 0.5)
time.sleep(1.5)
took = array("q")
end = clock() + int(seconds * 1e9)
i = 0
while True:
    start = clock()
    call("loss", i * 0.5)
    stop = clock()
    took.append(stop - start)
    i += 1
    if stop > end:
        break
if tool == "nbtrack":
    nbtrack.end_run()
elif tool == "mlflow":
    mlflow.end_run()
ordered = sorted(took)
n = len(ordered)
pick = lambda q: ordered[min(n - 1, int(q * n))] / 1000
print(json.dumps({"calls": n, "p50_us": pick(0.5), "p99_us": pick(0.99), "p999_us": pick(0.999),
                  "max_us": ordered[-1] / 1000, "over_5ms": sum(1 for t in ordered if t > 5_000_000)}))
"""

WRITER = r"""
import time, nbtrack
with nbtrack.start_run(run_name="background"):
    i = 0
    while True:
        for _ in range(100):
            nbtrack.log_metric("noise", i * 0.1)
            i += 1
        time.sleep(0.001)
"""


def run_loop(python: Path, tool: str, seconds: float, workdir: Path, env: dict[str, str]) -> dict | None:
    """One loop in a fresh process; its stats, or None if the tool is missing."""
    try:
        done = subprocess.run(
            [str(python), "-c", LOOP, tool, str(seconds)],
            capture_output=True,
            text=True,
            cwd=workdir,
            env=env,
            timeout=seconds * 10 + 300,
        )
    except subprocess.TimeoutExpired:
        print(f"  {tool}: gave up after {seconds * 10 + 300:.0f} s", file=sys.stderr)
        return None
    if done.returncode != 0:
        print(f"  {tool}: failed ({done.stderr.strip().splitlines()[-1:]})", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def start_writers(count: int, env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER], env=env, stdout=subprocess.DEVNULL)
        for _ in range(count)
    ]
    time.sleep(3.0)  # let them import and reach their steady state
    return writers


def stop_writers(writers: list[subprocess.Popen[bytes]]) -> None:
    for writer in writers:
        writer.terminate()
    for writer in writers:
        writer.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each timed loop")
    parser.add_argument("--writers", type=int, default=7, help="background nbtrack writer processes")
    args = parser.parse_args()
    tools = [("control", Path(sys.executable)), ("nbtrack", Path(sys.executable))]
    if PEERS_PYTHON.exists():
        tools.append(("mlflow", PEERS_PYTHON))
    else:
        print("(no benchmarks/.peers-venv: MLflow left out; run bench_tracking.py once to make it)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="nbtrack-stall-") as tmp:
        env = {**os.environ, "NBTRACK_URI": str(Path(tmp) / "store")}
        for load in (0, args.writers):
            writers = start_writers(load, env) if load else []
            try:
                for tool, python in tools:
                    stats = run_loop(python, tool, args.seconds, Path(tmp), env)
                    if stats is not None:
                        rows.append((tool, load, stats))
            finally:
                stop_writers(writers)
    print(
        f"{'loop':<9}{'writers':>8}{'calls':>11}{'p50 µs':>9}{'p99 µs':>9}{'p99.9 µs':>10}"
        f"{'max ms':>9}{'>5 ms':>7}"
    )
    for tool, load, s in rows:
        print(
            f"{tool:<9}{load:>8}{s['calls']:>11}{s['p50_us']:>9.2f}{s['p99_us']:>9.2f}"
            f"{s['p999_us']:>10.1f}{s['max_us'] / 1000:>9.2f}{s['over_5ms']:>7}"
        )


if __name__ == "__main__":
    main()
