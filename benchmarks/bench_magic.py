"""Overhead of ``%%track`` in a real kernel: Run All of a 20-cell notebook through nbclient.

Each notebook runs in a fresh IPython kernel (ipykernel, started by
jupyter_client as JupyterLab would) and is executed cell by cell with
nbclient. A cell's time is the kernel's: from its ``execute_input`` message
to its ``execute_reply`` (nbclient records both in the cell's
``metadata.execution``), so the ZMQ round trip is in it, as for a user.

The notebooks are the same 20 small cells (two literal assignments, one
computed value, one metric), written four ways:

* **plain**: no tracking at all;
* **%%track**: each cell a ``%%track`` cell logging ``acc`` with ``log_metric``;
* **MLflow**: each cell inside ``with mlflow.start_run():`` with
  ``mlflow.log_params`` and ``mlflow.log_metric`` (SQLite store), in a kernel
  of ``benchmarks/.peers-venv`` (created by ``bench_tracking.py``; this script
  adds ipykernel to it if it lacks it, unless ``--skip-setup``); n/a without it.

Figures printed, per-cell milliseconds (median, 90th percentile, max over
every cell of every kernel):

* *first execution, new store*: Run All in a fresh kernel, no earlier runs;
* *first execution after a restart*: Run All in a second fresh kernel on the
  same store, so every cell has a previous run in the store (the common case:
  a notebook re-run after a kernel restart, nbclient, papermill);
* *re-execution*: the same cells run again in the same kernel;
* the first tracked cell of a kernel (it opens the store) apart, and the
  one-off cells ``%load_ext nbtrack``, ``import nbtrack; nbtrack.autolog()``
  and ``import mlflow`` (+ ``set_experiment``).

    .venv/bin/python benchmarks/bench_magic.py            # 3 kernels per case, ~30 s on 2 idle cores
    .venv/bin/python benchmarks/bench_magic.py --quick    # 1 kernel per case, ~15 s
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PEERS_PYTHON = ROOT / "benchmarks" / ".peers-venv" / "bin" / "python"
#: Seconds allowed for one cell (a loaded 2-core machine starts kernels slowly).
CELL_TIMEOUT = 300
TARGET_MS = 5.0


def _values(i: int) -> tuple[str, int]:
    return repr(round(0.001 * (i + 1), 4)), i % 5 + 1


def plain_cell(i: int) -> str:
    lr, epochs = _values(i)
    return f"lr = {lr}\nepochs = {epochs}\nacc = lr * epochs + {i}\n"


def tracked_cell(i: int) -> str:
    return "%%track\n" + plain_cell(i) + "log_metric('acc', acc)\n"


def mlflow_cell(i: int) -> str:
    lr, epochs = _values(i)
    return (
        "with mlflow.start_run():\n"
        f"    lr = {lr}\n    epochs = {epochs}\n"
        "    mlflow.log_params({'lr': lr, 'epochs': epochs})\n"
        f"    acc = lr * epochs + {i}\n"
        "    mlflow.log_metric('acc', acc)\n"
    )


MLFLOW_SETUP = (
    "import logging\nlogging.disable(logging.WARNING)\nimport mlflow\n"
    "mlflow.set_tracking_uri(f'sqlite:///{__import__(\"os\").getcwd()}/mlflow.db')\n"
    "mlflow.set_experiment('bench')\n"
)


@dataclass
class Timings:
    """Per-cell milliseconds of one kind of cell, gathered over kernels."""

    cells: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)

    def add(self, values: list[float], *, first_apart: bool) -> None:
        if first_apart and values:
            self.first.append(values[0])
            values = values[1:]
        self.cells.extend(values)


def kernel_manager(python: Path) -> Any:
    """A jupyter_client kernel manager starting an IPython kernel of ``python``."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = KernelSpec(
        argv=[str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        display_name="bench",
        language="python",
    )

    class Fixed(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return spec

    return KernelManager(kernel_name="bench", kernel_spec_manager=Fixed())


def elapsed_ms(cell: Any) -> float:
    """execute_input -> execute_reply of an executed cell, from nbclient's timing metadata."""
    timing = cell.metadata["execution"]
    start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    return (end - start).total_seconds() * 1000


def run_kernel(python: Path, setup: list[str], body: list[str], cwd: Path, env: dict, passes: int) -> tuple:
    """Run ``setup`` then ``body`` ``passes`` times in one fresh kernel; (setup ms, [body ms per pass])."""
    import nbformat
    from nbclient import NotebookClient

    cells = [nbformat.v4.new_code_cell(src) for src in ["pass", *setup, *body]]
    nb = nbformat.v4.new_notebook(cells=cells)
    client = NotebookClient(
        nb,
        km=kernel_manager(python),
        timeout=CELL_TIMEOUT,
        startup_timeout=CELL_TIMEOUT,
        extra_arguments=["--log-level=ERROR"],
        resources={"metadata": {"path": str(cwd)}},
    )
    kernel_env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1", **env}
    head = 1 + len(setup)
    runs: list[list[float]] = []
    with client.setup_kernel(env=kernel_env):
        for index, cell in enumerate(nb.cells[:head]):
            client.execute_cell(cell, index)
        setup_ms = [elapsed_ms(cell) for cell in nb.cells[1:head]]
        for _ in range(passes):
            for index in range(head, len(nb.cells)):
                client.execute_cell(nb.cells[index], index)
            runs.append([elapsed_ms(cell) for cell in nb.cells[head:]])
    return setup_ms, runs


@dataclass
class Results:
    """Everything measured, by label."""

    cells: dict[str, Timings] = field(default_factory=dict)
    setup: dict[str, list[float]] = field(default_factory=dict)

    def timings(self, label: str) -> Timings:
        return self.cells.setdefault(label, Timings())

    def add_setup(self, label: str, value: float) -> None:
        self.setup.setdefault(label, []).append(value)


def measure_plain(work: Path, n: int, results: Results) -> None:
    folder = work / "plain"
    folder.mkdir(exist_ok=True)
    _, runs = run_kernel(Path(sys.executable), [], [plain_cell(i) for i in range(n)], folder, {}, 2)
    results.timings("plain, first execution").add(runs[0], first_apart=False)
    results.timings("plain, re-execution").add(runs[1], first_apart=False)


def measure_nbtrack(work: Path, n: int, round_: int, results: Results) -> None:
    folder = work / f"nbtrack-{round_}"
    folder.mkdir()
    env = {"NBTRACK_URI": str(folder / "store"), "PYTHONPATH": str(ROOT)}
    body = [tracked_cell(i) for i in range(n)]
    setup_ms, runs = run_kernel(Path(sys.executable), ["%load_ext nbtrack"], body, folder, env, 2)
    results.add_setup("%load_ext nbtrack", setup_ms[0])
    results.timings("%%track, first execution, new store").add(runs[0], first_apart=True)
    results.timings("%%track, re-execution").add(runs[1], first_apart=False)
    _, runs = run_kernel(Path(sys.executable), ["%load_ext nbtrack"], body, folder, env, 1)
    results.timings("%%track, first execution after a restart").add(runs[0], first_apart=True)


def measure_autolog(work: Path, results: Results) -> None:
    folder = work / "autolog"
    folder.mkdir(exist_ok=True)
    env = {"NBTRACK_URI": str(folder / "store"), "PYTHONPATH": str(ROOT)}
    setup = ["%load_ext nbtrack", "import nbtrack\nnbtrack.autolog()"]
    setup_ms, _ = run_kernel(Path(sys.executable), setup, [], folder, env, 0)
    results.add_setup("import nbtrack; nbtrack.autolog()", setup_ms[1])


def measure_mlflow(work: Path, n: int, round_: int, results: Results) -> None:
    folder = work / f"mlflow-{round_}"
    folder.mkdir()
    env = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}
    body = [mlflow_cell(i) for i in range(n)]
    setup_ms, runs = run_kernel(PEERS_PYTHON, [MLFLOW_SETUP], body, folder, env, 2)
    results.add_setup("import mlflow; set_experiment (new SQLite store)", setup_ms[0])
    results.timings("MLflow, first execution").add(runs[0], first_apart=True)
    results.timings("MLflow, re-execution").add(runs[1], first_apart=False)


def mlflow_ready(skip_setup: bool) -> str | None:
    """None when the peers venv can run an MLflow kernel, else why not."""
    if not PEERS_PYTHON.exists():
        return "no benchmarks/.peers-venv (bench_tracking.py creates it)"
    if subprocess.run([str(PEERS_PYTHON), "-c", "import mlflow"], capture_output=True).returncode != 0:
        return "benchmarks/.peers-venv has no MLflow"
    has_kernel = [str(PEERS_PYTHON), "-c", "import ipykernel"]
    if subprocess.run(has_kernel, capture_output=True).returncode == 0:
        return None
    if skip_setup:
        return "benchmarks/.peers-venv has no ipykernel (run without --skip-setup to add it)"
    print("adding ipykernel to benchmarks/.peers-venv ...", file=sys.stderr)
    install = [str(PEERS_PYTHON), "-m", "pip", "install", "-q", "ipykernel"]
    if subprocess.run(install, capture_output=True).returncode != 0:
        return "could not install ipykernel into benchmarks/.peers-venv"
    return None


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


ROWS = (
    ("plain, first execution", ""),
    ("plain, re-execution", ""),
    ("%%track, first execution, new store", "target <= 5 ms"),
    ("%%track, first execution after a restart", "target <= 5 ms"),
    ("%%track, re-execution", "target <= 5 ms"),
    ("MLflow, first execution", ""),
    ("MLflow, re-execution", ""),
)


def report(results: Results, n: int, kernels: int, mlflow_missing: str | None) -> None:
    import IPython

    print(f"\n%%track in a real kernel (nbclient, ipykernel, IPython {IPython.__version__}): per-cell ms,")
    print(f"execute_input -> execute_reply, {n} cells per notebook, {kernels} kernel(s) per case")
    print(f"  {'cells':<44}{'median':>9}{'p90':>9}{'max':>9}{'cells':>7}   note")
    plain = results.cells.get("plain, first execution")
    base = statistics.median(plain.cells) if plain else 0.0
    for label, note in ROWS:
        timings = results.cells.get(label)
        if timings is None or not timings.cells:
            why = mlflow_missing if label.startswith("MLflow") else "not measured"
            print(f"  {label:<44}{'n/a':>9}{'':>9}{'':>9}{'':>7}   {why}")
            continue
        values = timings.cells
        median = statistics.median(values)
        extra = f"{median - base:+.2f} over plain" if not label.startswith("plain") else ""
        mark = ("  ok" if median <= TARGET_MS else "  MISSED") if note else ""
        print(
            f"  {label:<44}{median:>9.2f}{_percentile(values, 0.9):>9.2f}{max(values):>9.2f}"
            f"{len(values):>7}   {extra}{'; ' + note + mark if note else ''}"
        )
    print("\n  one-off cells, ms (median over kernels):")
    for label, timings in results.cells.items():
        if timings.first:
            print(f"  {'first cell of ' + label:<60}{statistics.median(timings.first):>9.1f}")
    for label, values in results.setup.items():
        print(f"  {label:<60}{statistics.median(values):>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="one kernel per case (under a minute)")
    parser.add_argument("--kernels", type=int, default=3, help="kernels per case (default 3)")
    parser.add_argument("--cells", type=int, default=20, help="cells per notebook (default 20)")
    parser.add_argument("--skip-setup", action="store_true", help="never add ipykernel to the peers venv")
    parser.add_argument("--no-mlflow", action="store_true", help="leave MLflow out")
    args = parser.parse_args()
    kernels = 1 if args.quick else args.kernels
    missing = "left out (--no-mlflow)" if args.no_mlflow else mlflow_ready(args.skip_setup)
    results = Results()
    with tempfile.TemporaryDirectory(prefix="nbtrack-bench-magic-") as tmp:
        work = Path(tmp)
        for round_ in range(kernels):
            measure_plain(work, args.cells, results)
            measure_nbtrack(work, args.cells, round_, results)
            measure_autolog(work, results)
            if missing is None:
                measure_mlflow(work, args.cells, round_, results)
    report(results, args.cells, kernels, missing)


if __name__ == "__main__":
    main()
