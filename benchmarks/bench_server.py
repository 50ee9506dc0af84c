"""Sidebar API latency: a real `jupyter server` with nbtrack's extension, next to MLflow's REST server.

Measures, over HTTP on loopback (median and p90 of repeated requests after a warm-up):

1. the first page (100 runs) of a store with 10,000 runs;
2. a 1,000,000-point metric history downsampled to 2,000 points;
3. live updates: from ``start_run()`` in another process (a "kernel") until the server-sent
   ``change`` event arrives; and the cost of one ETag poll of ``/version`` (304).

MLflow (from ``benchmarks/.peers-venv``, as the other benchmarks use it) gets the same data in a
SQLite store behind ``mlflow server``: ``POST /api/2.0/mlflow/runs/search`` (max 100) and
``GET /ajax-api/2.0/mlflow/metrics/get-history-bulk-interval`` (max 2,000 points, the call its
UI uses for long histories). Targets: <= 100 ms for 1 and 2, <= 2 s for 3.

    .venv/bin/python benchmarks/bench_server.py            # full sizes (MLflow's setup takes minutes)
    .venv/bin/python benchmarks/bench_server.py --quick    # 1,000 runs, 100,000 points
    .venv/bin/python benchmarks/bench_server.py --no-mlflow
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PEERS_PYTHON = ROOT / "benchmarks" / ".peers-venv" / "bin" / "python"
TOKEN = "bench-token"
REPEAT = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed(call: Callable[[], object], repeat: int = REPEAT) -> tuple[float, float]:
    """Median and p90 milliseconds of ``call`` after two warm-up calls."""
    call()
    call()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), float(np.percentile(samples, 90))


def get(url: str, headers: dict | None = None, data: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_up(url: str, process: subprocess.Popen, headers: dict | None = None) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if get(url, headers)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


# -- nbtrack ---------------------------------------------------------------------------------


def populate_nbtrack(store: Path, runs: int, points: int) -> str:
    """``runs`` finished runs (5 params, 5 metrics) and one run with ``points`` points; returns its id."""
    import nbtrack
    from nbtrack.tracking.session import get_session

    nbtrack.connect(store)
    nbtrack.set_experiment("bench-server")
    session = get_session()
    with nbtrack.start_run(run_name="sweep") as parent:
        for i in range(runs):
            session.record_run(
                parent_run_id=parent.run_id,
                run_name=f"run-{i}",
                params={f"p{k}": f"v{(i + k) % 10}" for k in range(5)},
                metrics={f"m{k}": (i * 7 + k) % 100 / 100 for k in range(5)},
            )
            if i % 2000 == 1999:
                nbtrack.flush()
    with nbtrack.start_run(run_name="history") as run:
        nbtrack.log_batch({"loss": 1.0 / (np.arange(points) + 1.0)})
    nbtrack.flush()
    nbtrack.runs(max_results=1)  # merged before the server reads
    return run.run_id


def start_jupyter(store: Path, root: Path, scratch: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, NBTRACK_URI=str(store), PYTHONPATH=str(ROOT))
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        env[var] = str(scratch / var.lower())
    command = [
        sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root", f"--port={port}",
        "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={root}", "--ServerApp.jpserver_extensions={'nbtrack': True}",
    ]  # fmt: skip
    log = (scratch / "jupyter.log").open("w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}/nbtrack/api"
    wait_up(f"{base}/version", process, _auth())
    return process, base


def _auth() -> dict:
    return {"Authorization": f"token {TOKEN}"}


def live_latency(base: str, store: Path, repeat: int = 5) -> list[float]:
    """Seconds from start_run() in a separate process until the server's change event arrives."""
    arrived: list[float] = []
    event = threading.Event()
    request = urllib.request.Request(f"{base}/events", headers={**_auth(), "Accept": "text/event-stream"})
    stream = urllib.request.urlopen(request, timeout=120)

    def read() -> None:
        try:
            for line in stream:
                if line.startswith(b"event: change"):
                    arrived.append(time.perf_counter())
                    event.set()
        except (OSError, AttributeError, ValueError):
            return  # the stream was closed at the end of the measurement

    threading.Thread(target=read, name="bench-sse", daemon=True).start()
    event.wait(10)
    kernel = (
        "import sys, time, nbtrack\n"
        "nbtrack.connect(sys.argv[1])\n"
        "print('ready', flush=True)\n"
        "for line in sys.stdin:\n"
        "    with nbtrack.start_run(run_name='live'):\n"
        "        print(time.perf_counter(), flush=True)\n"
        "        time.sleep(3)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", kernel, str(store)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )  # fmt: skip
    assert child.stdout is not None and child.stdin is not None
    child.stdout.readline()
    delays = []
    for _ in range(repeat):
        event.clear()
        child.stdin.write("go\n")
        child.stdin.flush()
        started = float(child.stdout.readline())  # perf_counter is system-wide (CLOCK_MONOTONIC)
        event.wait(30)
        delays.append(arrived[-1] - started)
        time.sleep(3.5)  # the run ends (another change), then settle
    child.stdin.close()
    child.wait(30)
    stream.close()
    return delays


def bench_nbtrack(work: Path, runs: int, points: int) -> dict:
    store = work / "nbtrack"
    root = work / "root"
    root.mkdir()
    started = time.perf_counter()
    history_run = populate_nbtrack(store, runs, points)
    print(f"  nbtrack store ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    process, base = start_jupyter(store, root, work)
    try:
        status, body = get(f"{base}/runs?limit=100", _auth())
        assert status == 200 and json.loads(body)["total"] == runs + 2, body[:200]
        page = timed(lambda: get(f"{base}/runs?limit=100", _auth()))
        filtered = timed(
            lambda: get(f"{base}/runs?limit=100&filter=metrics.m0+%3E+0.5&order_by=metrics.m0+DESC", _auth())
        )
        history_url = f"{base}/runs/{history_run}/history?key=loss&max_points=2000"
        status, body = get(history_url, _auth())
        answer = json.loads(body)
        assert answer["total_points"] == points and len(answer["step"]) <= 2000, answer.get("message")
        history = timed(lambda: get(history_url, _auth()))
        etag = get(f"{base}/version", _auth())
        version = json.loads(etag[1])["version"]
        poll = timed(lambda: get(f"{base}/version", {**_auth(), "If-None-Match": f'"{version}"'}))
        live = live_latency(base, store)
    finally:
        stop(process)
    return {"page": page, "filtered": filtered, "history": history, "poll": poll, "live": live}


# -- MLflow ----------------------------------------------------------------------------------


def bench_mlflow(work: Path, runs: int, points: int) -> dict | None:
    if not PEERS_PYTHON.exists():
        print("  MLflow: benchmarks/.peers-venv missing (bench_tracking.py creates it): n/a", file=sys.stderr)
        return None
    store = work / "mlflow"
    store.mkdir()
    env = dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="1")
    started = time.perf_counter()
    helper = str(ROOT / "benchmarks" / "server_mlflow.py")
    out = subprocess.run(
        [str(PEERS_PYTHON), helper, "populate", str(store), str(runs), str(points)],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    ids = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"  MLflow store ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    port = free_port()
    log = (work / "mlflow.log").open("w")
    process = subprocess.Popen(
        [str(PEERS_PYTHON.parent / "mlflow"), "server", "--backend-store-uri",
         f"sqlite:///{store / 'mlflow.db'}", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(f"{base}/health", process)
        search = json.dumps({"experiment_ids": [ids["experiment"]], "max_results": 100}).encode()
        headers = {"Content-Type": "application/json"}
        status, body = get(f"{base}/api/2.0/mlflow/runs/search", headers, search)
        assert status == 200 and len(json.loads(body)["runs"]) == 100, body[:200]
        page = timed(lambda: get(f"{base}/api/2.0/mlflow/runs/search", headers, search))
        history_url = (
            f"{base}/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval"
            f"?run_ids={ids['history_run']}&metric_key=loss&max_results=2000"
        )
        status, body = get(history_url)
        assert status == 200 and len(json.loads(body)["metrics"]) <= 2000, body[:200]
        history = timed(lambda: get(history_url), repeat=10)
    finally:
        stop(process)
    return {"page": page, "history": history}


# -- report ----------------------------------------------------------------------------------


def report(runs: int, points: int, ours: dict, theirs: dict | None) -> None:
    def cell(figure: tuple[float, float] | None) -> str:
        return "n/a" if figure is None else f"{figure[0]:8.1f} ms (p90 {figure[1]:.1f})"

    rows = [
        (f"first page of {runs:,} runs (100 rows)", ours["page"], theirs and theirs["page"], "<= 100 ms"),
        ("  same, filtered + ordered by a metric", ours["filtered"], None, ""),
        (
            f"{points:,}-point history -> <= 2,000 points",
            ours["history"],
            theirs and theirs["history"],
            "<= 100 ms",
        ),
        ("ETag poll of /version (304)", ours["poll"], None, ""),
    ]
    print(f"\n{'request':46} {'nbtrack (jupyter server)':30} {'MLflow server':30} target")
    for name, mine, peer, target in rows:
        print(f"{name:46} {cell(mine):30} {cell(peer):30} {target}")
    live = ours["live"]
    print(
        f"{'live: start_run() -> SSE change event':46} median {statistics.median(live):.2f} s, "
        f"max {max(live):.2f} s over {len(live)}   {'(MLflow: no push; n/a)':30} <= 2 s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1,000 runs and 100,000 points")
    parser.add_argument("--no-mlflow", action="store_true", help="skip MLflow's server")
    args = parser.parse_args()
    runs, points = (1_000, 100_000) if args.quick else (10_000, 1_000_000)
    with tempfile.TemporaryDirectory(prefix="nbtrack-bench-server-") as tmp:
        work = Path(tmp)
        print(
            f"bench_server: {runs:,} runs, {points:,} points (machine: {os.cpu_count()} cores)",
            file=sys.stderr,
        )
        ours = bench_nbtrack(work, runs, points)
        theirs = None if args.no_mlflow else bench_mlflow(work, runs, points)
    report(runs, points, ours, theirs)


if __name__ == "__main__":
    main()
