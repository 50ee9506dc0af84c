"""Autolog overhead: nbtrack's against MLflow's, on the same fits.

Run from the repository root with the project's interpreter::

    .venv/bin/python benchmarks/bench_autolog.py             # all workloads, about five minutes
    .venv/bin/python benchmarks/bench_autolog.py --quick     # fewer repeats
    .venv/bin/python benchmarks/bench_autolog.py --only nbtrack

Workloads: a small ``LogisticRegression.fit`` (each fit its own run, as outside a cell),
``GridSearchCV`` over 50 candidates (3-fold), and 1,000 Lightning training steps. Each
tool runs every workload in a fresh subprocess (this file with ``--worker``): nbtrack's in
this interpreter, MLflow's in the MLflow venv the parity test uses (``.venv-mlflow``, made
by ``tests/autolog/_mlflow_venv.py``; it has no torch, so Lightning is nbtrack only).
Within a worker, runs with autolog off and on alternate, after warm-up, and the medians
are compared: overhead = median(on) - median(off). nbtrack's target: at most 5 % of the
fit time or 20 ms, whichever is larger.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
WORKLOADS = ("small_fit", "grid_search_50", "lightning_1000_steps")
QUIET_ENV = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true", "PYTHONWARNINGS": "ignore"}


# -- workloads (run inside a worker) -------------------------------------------------------


def _small_fit() -> Callable[[], Any]:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 10))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return lambda: LogisticRegression(max_iter=200).fit(X, y)


def _grid_search() -> Callable[[], Any]:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 8))
    y = (X[:, 0] - X[:, 2] > 0).astype(int)
    grid = {"C": list(np.logspace(-3, 3, 25)), "fit_intercept": [True, False]}  # 50 candidates
    return lambda: GridSearchCV(LogisticRegression(), grid, cv=3).fit(X, y)


def _lightning_steps() -> Callable[[], Any]:
    import lightning.pytorch as L
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    class Tiny(L.LightningModule):
        def __init__(self, lr: float = 0.01):
            super().__init__()
            self.save_hyperparameters()
            self.layer = torch.nn.Linear(8, 1)

        def training_step(self, batch, index):
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.layer(x).squeeze(-1), y)
            self.log("train_loss", loss)
            return loss

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

    generator = torch.Generator().manual_seed(0)
    X = torch.randn(8000, 8, generator=generator)
    loader = DataLoader(TensorDataset(X, X.sum(dim=1)), batch_size=8)
    folder = tempfile.mkdtemp(prefix="bench-lightning-")

    def fit() -> None:
        trainer = L.Trainer(
            max_steps=1000,
            logger=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            enable_checkpointing=False,
            default_root_dir=folder,
        )
        trainer.fit(Tiny(), loader)

    return fit


FACTORIES = {
    "small_fit": _small_fit,
    "grid_search_50": _grid_search,
    "lightning_1000_steps": _lightning_steps,
}


# -- a worker: one tool, one workload --------------------------------------------------------


def _switch(tool: str, workdir: str) -> tuple[Callable[[], None], Callable[[], None], Callable[[], None]]:
    """enable, disable, and what finishes the writing a fit started (timed with the fit)."""
    if tool == "nbtrack":
        os.environ["NBTRACK_URI"] = workdir
        import nbtrack

        # nbtrack's writer thread merges into DuckDB after a run ends, in the background. The
        # worker flushes after each "on" fit, timed apart, so that merge neither slows the next
        # measurement nor goes unreported.
        return (
            lambda: nbtrack.autolog(),  # the default arguments, as a user would call it
            lambda: nbtrack.autolog(disable=True),
            nbtrack.flush,
        )
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{workdir}/mlflow.db")
    mlflow.set_experiment("bench-autolog")
    return (lambda: mlflow.autolog(silent=True), lambda: mlflow.autolog(disable=True), lambda: None)


def worker(tool: str, workload: str, repeats: int) -> dict[str, Any]:
    """Median seconds of the workload with autolog off and on (alternating, after warm-up)."""
    import logging

    logging.disable(logging.WARNING)
    workdir = tempfile.mkdtemp(prefix=f"bench-autolog-{tool}-")
    enable, disable, finish = _switch(tool, workdir)
    fit = FACTORIES[workload]()
    wall: dict[str, list[float]] = {"off": [], "on": []}
    cpu: dict[str, list[float]] = {"off": [], "on": []}
    writes: list[float] = []
    for index in range(repeats + 2):
        for state in ("off", "on"):
            (enable if state == "on" else disable)()
            start, start_cpu = time.perf_counter(), time.thread_time()
            fit()
            elapsed, elapsed_cpu = time.perf_counter() - start, time.thread_time() - start_cpu
            if state == "on":
                start = time.perf_counter()
                finish()
                writes.append(time.perf_counter() - start)
            if index >= 2:  # the first two rounds warm caches, imports and the store
                wall[state].append(elapsed)
                cpu[state].append(elapsed_cpu)
    disable()
    figures: dict[str, Any] = {"tool": tool, "workload": workload, "flush_s": statistics.median(writes[2:])}
    for state in ("off", "on"):
        figures[f"{state}_s"] = statistics.median(wall[state])
        figures[f"{state}_cpu_s"] = statistics.median(cpu[state])
    return figures


# -- the driver -------------------------------------------------------------------------------


def _mlflow_python() -> Path | None:
    spec = importlib.util.spec_from_file_location(
        "_mlflow_venv", REPO / "tests" / "autolog" / "_mlflow_venv.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.mlflow_python(create=True)


def _run_worker(python: Path, tool: str, workload: str, repeats: int) -> dict[str, Any] | None:
    env = {**os.environ, **QUIET_ENV, "PYTHONPATH": str(REPO)}
    command = [str(python), __file__, "--worker", tool, workload, "--repeats", str(repeats)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3600)
    if result.returncode != 0:
        print(f"  {tool}/{workload} failed:\n{result.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def _row(figures: dict[str, Any] | None) -> str:
    if figures is None:
        return "n/a"
    cells = []
    for suffix in ("_s", "_cpu_s"):
        off, on = figures["off" + suffix] * 1000, figures["on" + suffix] * 1000
        extra = on - off
        cells.append(f"{off:>8.1f} {on:>8.1f} {extra:>+8.1f} {100 * extra / off:>+7.1f}%")
    return "  | ".join(cells) + f"  | {figures['flush_s'] * 1000:>7.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--worker", nargs=2, metavar=("TOOL", "WORKLOAD"), help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--only", default="nbtrack,mlflow", help="tools, comma-separated")
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help="workloads, comma-separated")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker, args.repeats or 5)))
        return
    tools = args.only.split(",")
    mlflow_python = _mlflow_python() if "mlflow" in tools else None
    repeats = {"small_fit": 30, "grid_search_50": 5, "lightning_1000_steps": 5}
    print(
        "milliseconds, medians: wall clock | CPU time of the calling thread (steadier on a shared "
        "machine) | flush: nbtrack's background merge of the fit's run into DuckDB, timed after the fit"
    )
    head = f"{'off':>8} {'on':>8} {'extra':>8} {'%':>8}"
    print(f"{'workload':<22} {'tool':<8} {head}  | {head}  | {'flush':>7}  target")
    for workload in args.workloads.split(","):
        count = args.repeats or (max(2, repeats[workload] // 3) if args.quick else repeats[workload])
        for tool in tools:
            python = Path(sys.executable) if tool == "nbtrack" else mlflow_python
            if python is None or (tool == "mlflow" and workload.startswith("lightning")):
                print(f"{workload:<22} {tool:<8} {'(not run: no torch in the MLflow venv)':>40}")
                continue
            figures = _run_worker(python, tool, workload, count)
            target = ""
            if tool == "nbtrack" and figures is not None:
                allowed = max(0.05 * figures["off_s"], 0.020)
                by_wall = figures["on_s"] - figures["off_s"] <= allowed
                by_cpu = figures["on_cpu_s"] - figures["off_cpu_s"] <= max(0.05 * figures["off_cpu_s"], 0.020)
                verdict = "met" if by_wall else ("met on CPU time" if by_cpu else "MISSED")
                target = f"≤ {allowed * 1000:.0f} ms: {verdict}"
            print(f"{workload:<22} {tool:<8} {_row(figures)}  {target}", flush=True)


if __name__ == "__main__":
    main()
