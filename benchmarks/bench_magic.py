"""Overhead of ``%%track``: median time of a cell with and without the magic.

Cells run through a real IPython shell (``InteractiveShell.run_cell``, the
path a kernel takes, minus the ZMQ messages), ``--repeats`` times each after
a few untimed warm-up runs. Printed side by side:

* an empty cell: plain, with ``%%track``, with ``%%track --no-capture
  --quiet``, with ``with nbtrack.start_run():``, and with ``%%track`` inside a
  git repository with uncommitted changes (the diff is taken in a background
  thread);
* a cell with 1,000 ``log_metric`` calls: with ``%%track`` against the same
  loop inside ``with nbtrack.start_run():``;
* MLflow's equivalent ``with mlflow.start_run():`` (SQLite store), if MLflow
  is importable from ``benchmarks/.peers-venv`` (``bench_tracking.py``
  creates it); else n/a;
* the first ``%%track`` cell of a fresh process (imports, store lookup of
  the cell's previous run).

    .venv/bin/python benchmarks/bench_magic.py [--repeats 100]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEERS_PYTHON = ROOT / "benchmarks" / ".peers-venv" / "bin" / "python"
LOOP = "for i in range(1000):\n    log_metric('m', i * 0.001)\n"
NESTED_LOOP = "with nbtrack.start_run():\n    for i in range(1000):\n        log_metric('m', i * 0.001)\n"

MLFLOW_SCRIPT = r"""
import json, os, statistics, sys, time, logging
logging.disable(logging.WARNING)
import mlflow
store, repeats, loop_repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
mlflow.set_tracking_uri(f"sqlite:///{store}/mlflow.db")
mlflow.set_experiment("bench")
empty = compile("with mlflow.start_run():\n    pass\n", "<cell>", "exec")
loop = compile(
    "with mlflow.start_run():\n"
    "    for i in range(1000):\n"
    "        mlflow.log_metric('m', i * 0.001, step=i)\n",
    "<cell>",
    "exec",
)
def median(code, n):
    for _ in range(3):
        exec(code, {"mlflow": mlflow})
    wall, cpu = [], []
    for _ in range(n):
        start, start_cpu = time.perf_counter(), time.thread_time()
        exec(code, {"mlflow": mlflow})
        wall.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - start_cpu)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000
figures = {"empty": median(empty, repeats), "loop": median(loop, loop_repeats)}
print(json.dumps({**figures, "version": mlflow.__version__}))
"""

COLD_SCRIPT = r"""
import os, sys, time, contextlib, io
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_cell("%load_ext nbtrack")
with contextlib.redirect_stdout(io.StringIO()):
    start = time.perf_counter()
    shell.run_cell("%%track\npass\n", store_history=True)
    first = time.perf_counter() - start
    start = time.perf_counter()
    shell.run_cell("%%track\npass\n", store_history=True)
    second = time.perf_counter() - start
print(first * 1000, second * 1000)
"""


Figures = dict[str, tuple[float, float]]


def timed_cells(shell, cases: dict[str, tuple[str, Path]], repeats: int, warmup: int = 5) -> Figures:
    """Per case, the median wall time and the median main-thread CPU time of ``shell.run_cell``, in ms.

    The cases take turns, so drifting load on a shared machine hits them alike. CPU time of
    the main thread leaves out other processes and nbtrack's own background threads; wall
    time includes waiting for the disk and for the cores.
    """
    wall: dict[str, list[float]] = {label: [] for label in cases}
    cpu: dict[str, list[float]] = {label: [] for label in cases}
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        for round_ in range(warmup + repeats):
            labels = list(cases)
            offset = round_ % len(labels)
            for label in labels[offset:] + labels[:offset]:
                cell, folder = cases[label]
                os.chdir(folder)
                start, start_cpu = time.perf_counter(), time.thread_time()
                result = shell.run_cell(cell, store_history=True)
                elapsed, elapsed_cpu = time.perf_counter() - start, time.thread_time() - start_cpu
                if not result.success:
                    raise RuntimeError(f"benchmark cell failed: {cell!r}")
                if round_ >= warmup:
                    wall[label].append(elapsed)
                    cpu[label].append(elapsed_cpu)
    return {
        label: (statistics.median(wall[label]) * 1000, statistics.median(cpu[label]) * 1000)
        for label in cases
    }


def dirty_repository(folder: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("-c", "user.email=b@example.com", "-c", "user.name=b", "commit", "-q", "--allow-empty", "-m", "x")
    for i in range(20):
        (folder / f"module_{i}.py").write_text("x = 1\n" * 50)
    git("add", ".")
    git("-c", "user.email=b@example.com", "-c", "user.name=b", "commit", "-q", "-m", "code")
    (folder / "module_0.py").write_text("x = 2\n" * 50)


def measure_nbtrack(work: Path, repeats: int) -> Figures:
    from IPython.core.interactiveshell import InteractiveShell

    plain, repo = work / "plain", work / "repo"
    plain.mkdir()
    repo.mkdir()
    dirty_repository(repo)
    os.environ["NBTRACK_URI"] = str(work / "store")
    os.chdir(plain)
    shell = InteractiveShell.instance()
    shell.run_cell("%load_ext nbtrack\nimport nbtrack")
    figures = timed_cells(
        shell,
        {
            "empty plain": ("pass\n", plain),
            "empty %%track": ("%%track\npass\n", plain),
            "empty %%track --no-capture --quiet": ("%%track --no-capture --quiet\npass\n", plain),
            "empty with start_run": ("with nbtrack.start_run():\n    pass\n", plain),
            "loop with start_run": (NESTED_LOOP, plain),
            "loop %%track": ("%%track\n" + LOOP, plain),
            "empty %%track in a dirty git repo": ("%%track\npass\n", repo),
        },
        repeats,
    )
    shell.run_cell("nbtrack.flush()\n%unload_ext nbtrack\n_ = nbtrack.reset_session()")
    os.chdir(ROOT)
    return figures


def measure_cold(work: Path) -> tuple[float, float] | None:
    env = {**os.environ, "NBTRACK_URI": str(work / "cold-store")}
    out = subprocess.run(
        [sys.executable, "-c", COLD_SCRIPT], capture_output=True, text=True, env=env, cwd=work
    )
    if out.returncode != 0:
        print(out.stderr, file=sys.stderr)
        return None
    first, second = out.stdout.split()[-2:]
    return float(first), float(second)


def measure_mlflow(work: Path, repeats: int, loop_repeats: int) -> dict[str, float] | None:
    if not PEERS_PYTHON.exists():
        return None
    store = work / "mlflow"
    store.mkdir()
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}
    out = subprocess.run(
        [str(PEERS_PYTHON), "-c", MLFLOW_SCRIPT, str(store), str(repeats), str(loop_repeats)],
        capture_output=True,
        text=True,
        env=env,
        cwd=store,
    )
    if out.returncode != 0:
        print(f"MLflow run failed: {out.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


ROWS = (
    ("empty cell, no magic", "empty plain", None, ""),
    ("empty cell, %%track", "empty %%track", "empty plain", "target <= 5 ms"),
    ("empty cell, %%track --no-capture --quiet", "empty %%track --no-capture --quiet", "empty plain", ""),
    ("empty cell, with nbtrack.start_run():", "empty with start_run", "empty plain", ""),
    (
        "empty cell, %%track in a dirty git repo",
        "empty %%track in a dirty git repo",
        "empty plain",
        "git after the cell",
    ),
    ("1,000 log_metric, with nbtrack.start_run():", "loop with start_run", None, ""),
    ("1,000 log_metric, %%track", "loop %%track", "loop with start_run", "target <= 5 ms"),
)


def report(nb: Figures, cold: tuple[float, float] | None, mlflow: dict | None, args) -> None:
    def row(
        label: str, value: tuple[float, float] | None, base: tuple[float, float] | None, note: str
    ) -> None:
        cells = ["n/a", "", "n/a", ""] if value is None else [f"{value[0]:.2f}", "", f"{value[1]:.2f}", ""]
        if value is not None and base is not None:
            cells[1], cells[3] = f"{value[0] - base[0]:+.2f}", f"{value[1] - base[1]:+.2f}"
        print(f"  {label:<52}" + "".join(f"{c:>10}" for c in cells) + f"  {note}")

    print(f"\n%%track overhead — median of {args.repeats} cells, milliseconds (IPython {_ipython()})")
    print(f"  {'cell':<52}{'wall':>10}{'overhead':>10}{'cpu':>10}{'overhead':>10}")
    for label, key, base, note in ROWS:
        row(label, nb[key], nb[base] if base else None, note)
    if mlflow is None:
        row("empty cell, with mlflow.start_run():", None, None, "benchmarks/.peers-venv has no MLflow")
        row("1,000 mlflow.log_metric, with mlflow.start_run():", None, None, "")
    else:
        version = mlflow["version"]
        row(
            f"empty cell, with mlflow.start_run(): ({version})",
            tuple(mlflow["empty"]),
            nb["empty plain"],
            "sqlite",
        )
        note = f"median of {args.mlflow_loop_repeats}: each call writes"
        row(
            f"1,000 mlflow.log_metric, with mlflow.start_run(): ({version})",
            tuple(mlflow["loop"]),
            None,
            note,
        )
    print("  (wall: elapsed time; cpu: CPU time of the thread running the cell)")
    if cold is not None:
        print(f"\n  first %%track cell in a fresh process: {cold[0]:.0f} ms (loads pandas/pyarrow/duckdb,")
        print(f"  looks up the cell's previous run in the store); the second: {cold[1]:.1f} ms")


def _ipython() -> str:
    import IPython

    return IPython.__version__


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=100, help="timed cells per case (median reported)")
    parser.add_argument("--mlflow-loop-repeats", type=int, default=10, help="timed MLflow 1,000-metric cells")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="nbtrack-bench-magic-") as tmp:
        work = Path(tmp)
        mlflow = measure_mlflow(work, args.repeats, args.mlflow_loop_repeats)
        cold = measure_cold(work)
        figures = measure_nbtrack(work, args.repeats)
        report(figures, cold, mlflow, args)


if __name__ == "__main__":
    main()
