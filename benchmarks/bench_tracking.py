"""Tracking benchmark: nbtrack against MLflow (SQLite store) and trackio (local mode).

Run from the repository root with the project's interpreter::

    .venv/bin/python benchmarks/bench_tracking.py            # full sizes, about 25 minutes
    .venv/bin/python benchmarks/bench_tracking.py --quick    # scaled down, about a minute
    .venv/bin/python benchmarks/bench_tracking.py --only nbtrack,mlflow --skip-setup

MLflow and trackio live in their own venv, ``benchmarks/.peers-venv``, created on first
use from ``benchmarks/peers-requirements.txt`` (``--skip-setup`` reuses it as it is).
Every workload runs in a fresh subprocess: ``benchmarks/peers/<tool>_workloads.py``,
nbtrack's with this interpreter, the peers' with the peers venv's. Each prints one JSON
object of figures; this script collects them, prints a side-by-side table with the ratios
(peer figure / nbtrack figure: how many times better nbtrack is) and nbtrack's targets, and
writes every figure to ``benchmarks/results/tracking-<timestamp>.json``.
See ``benchmarks/README.md`` for what each workload does and how each tool is measured.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PEERS_DIR = HERE / "peers"
PEERS_VENV = HERE / ".peers-venv"
REQUIREMENTS = HERE / "peers-requirements.txt"
RESULTS_DIR = HERE / "results"
TOOL_NAMES = ("nbtrack", "mlflow", "trackio")
#: Nothing phones home, nothing looks for a hub: the same environment for every tool.
QUIET_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "HF_HUB_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TRACKIO_STORAGE_MODE": "sqlite",
}


# ---------------------------------------------------------------------------------------------
# Sizes, tools, workers
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    import_repeats: int = 5
    log_calls: int = 10_000
    points: int = 1_000_000
    batch: int = 1_000
    runs: int = 1_000
    table_runs: int = 10_000
    load_repeats: int = 3
    query_repeats: int = 10
    history_repeats: int = 3
    max_points: int = 2_000
    writers: int = 8
    writer_calls: int = 5_000
    timeout_s: int = 3_600


FULL = Sizes()
#: About a minute for all three tools, most of it MLflow's start-up (≈ 2.5 s of CPU per process).
QUICK = Sizes(
    import_repeats=3,
    log_calls=1_000,
    points=20_000,
    runs=50,
    table_runs=100,
    writers=4,
    writer_calls=100,
    timeout_s=300,
)


@dataclass(frozen=True)
class Tool:
    name: str
    python: Path
    env: dict[str, str]
    #: Copy one pre-initialised store into each workload's directory instead of creating it
    #: there: MLflow spends about a second on schema migrations per new database.
    template: bool = False

    @property
    def script(self) -> Path:
        return PEERS_DIR / f"{self.name}_workloads.py"


def make_tools(names: list[str], peers_python: Path | None) -> list[Tool]:
    base = {k: v for k, v in os.environ.items() if k not in ("NBTRACK_URI", "TRACKIO_DIR", "PYTHONPATH")}
    base.update(QUIET_ENV)
    nbtrack_env = {**base, "PYTHONPATH": str(REPO)}
    tools = {
        "nbtrack": Tool("nbtrack", Path(sys.executable), nbtrack_env),
        "mlflow": Tool("mlflow", peers_python or Path(), base, template=True),
        "trackio": Tool("trackio", peers_python or Path(), base),
    }
    return [tools[n] for n in names]


class WorkloadError(RuntimeError):
    """A worker exited non-zero or printed no figures."""


@dataclass
class Job:
    label: str
    proc: subprocess.Popen[bytes]
    out: Path
    err: Path


class Runner:
    """Runs one tool's workers, each in a fresh process, in its own directories."""

    def __init__(self, tool: Tool, workdir: Path, timeout_s: int) -> None:
        self.tool = tool
        self.root = workdir / tool.name
        self.logs = workdir / "logs"
        self.timeout_s = timeout_s
        self._template: Path | None = None
        self._seq = 0
        self.logs.mkdir(parents=True, exist_ok=True)

    def store(self, name: str, prepared: bool = False) -> Path:
        """A fresh store directory; ``prepared`` stores exist before the workload starts."""
        path = self.root / name
        if self.tool.template:
            shutil.copytree(self._template_store(), path)
        elif prepared:
            self.call("prepare", path)
        else:
            path.mkdir(parents=True)
        return path

    def _template_store(self) -> Path:
        if self._template is None:
            self._template = self.root / "template"
            self.call("prepare", self._template)
        return self._template

    def spawn(self, workload: str, store: Path, **options: Any) -> Job:
        self._seq += 1
        label = f"{self.tool.name}-{self._seq:02d}-{workload}"
        argv = [str(self.tool.python), str(self.tool.script), workload, "--store", str(store)]
        for key, val in options.items():
            argv += [f"--{key.replace('_', '-')}", str(val)]
        out, err = self.logs / f"{label}.out", self.logs / f"{label}.err"
        os.sync()  # no write-back of earlier workloads' files competing with this one's fsyncs
        with out.open("wb") as out_f, err.open("wb") as err_f:
            proc = subprocess.Popen(argv, stdout=out_f, stderr=err_f, env=self.tool.env, cwd=store.parent)
        return Job(label, proc, out, err)

    def wait(self, job: Job) -> dict[str, Any]:
        try:
            code = job.proc.wait(timeout=self.timeout_s)
        except subprocess.TimeoutExpired:
            job.proc.kill()
            job.proc.wait()
            raise WorkloadError(f"{job.label}: killed after {self.timeout_s} s") from None
        figures = _last_json(job.out.read_text(errors="replace"))
        if code != 0 or figures is None:
            raise WorkloadError(f"{job.label}: exit {code}: {_tail(job.err)}")
        return figures

    def call(self, workload: str, store: Path, **options: Any) -> dict[str, Any]:
        store.parent.mkdir(parents=True, exist_ok=True)
        return self.wait(self.spawn(workload, store, **options))


def _last_json(text: str) -> dict[str, Any] | None:
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return None


def _tail(path: Path, lines: int = 6) -> str:
    """The end of a worker's stderr: the exception, without the traceback's frames."""
    text = [ln for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    if not text:
        return "(no stderr)"
    tb = [i for i, ln in enumerate(text) if ln.startswith("Traceback")]
    if tb:
        frames = text[tb[-1] :]
        return " | ".join([*frames[-3:-1], frames[-1]])
    return " | ".join(text[-lines:])


# ---------------------------------------------------------------------------------------------
# Workloads
# ---------------------------------------------------------------------------------------------


@dataclass
class ToolResult:
    figures: dict[str, float | None] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    version: str = "?"


def bench_import(r: Runner, s: Sizes, res: ToolResult) -> None:
    """Workload 1: wall time of ``python -c "import <tool>"``, median of fresh processes.

    An untimed first import writes any missing ``.pyc`` files and reports the version.
    """
    cwd = r.root
    cwd.mkdir(parents=True, exist_ok=True)
    argv = [str(r.tool.python), "-c", f"import {r.tool.name}"]
    version = f"import {r.tool.name} as m; print(getattr(m, '__version__', '?'))"
    warm = subprocess.run([*argv[:2], version], env=r.tool.env, cwd=cwd, check=True, capture_output=True)
    res.version = warm.stdout.decode().strip().splitlines()[-1]
    samples = []
    for _ in range(s.import_repeats):
        start = time.perf_counter()
        subprocess.run(argv, env=r.tool.env, cwd=cwd, check=True, capture_output=True)
        samples.append((time.perf_counter() - start) * 1e3)
    res.figures["import_ms"] = statistics.median(samples)
    res.raw["import"] = {"samples_ms": samples}


def bench_log_metric(r: Runner, s: Sizes, res: ToolResult) -> None:
    """Workload 2: single log_metric calls inside one run."""
    out = r.call("log_metric", r.store("log_metric"), n=s.log_calls)
    res.raw["log_metric"] = out
    res.figures["log_metric_us"] = out["per_call_us"]
    res.figures["log_metric_durable_ms"] = out["durable_ms"]


def bench_points(r: Runner, s: Sizes, res: ToolResult) -> None:
    """Workloads 3, 7 and 9: batched points until queryable, history reads, bytes per point."""
    store = r.store("points")
    out = r.call("batch_points", store, n=s.points, batch=s.batch)
    res.raw["batch_points"] = out
    res.notes.update(out.pop("notes", {}))
    res.figures["batch_queryable_s"] = out["queryable_s"]
    res.figures["bytes_per_point"] = out["store_bytes"] / s.points
    hist = r.call("history", store, run_id=out["run_id"], repeats=s.history_repeats, max_points=s.max_points)
    res.raw["history"] = hist
    res.notes.update(hist.pop("notes", {}))
    res.figures["history_full_ms"] = hist["full_ms"]
    res.figures["history_down_ms"] = hist["down_ms"]


def bench_runs(r: Runner, s: Sizes, res: ToolResult) -> None:
    """Workload 4: runs with 20 params, 10 metrics and 3 tags each."""
    out = r.call("create_runs", r.store("runs"), n=s.runs)
    res.raw["create_runs"] = out
    res.notes.update(out.pop("notes", {}))
    res.figures["runs_create_s"] = out["total_s"]


def bench_table(r: Runner, s: Sizes, res: ToolResult) -> None:
    """Workloads 5 and 6: load all runs as a DataFrame; the filtered, ordered query."""
    store = r.store("table")
    res.raw["populate"] = r.call("populate", store, n=s.table_runs)
    out = r.call("load_runs", store, n=s.table_runs, repeats=s.load_repeats, query_repeats=s.query_repeats)
    res.raw["load_runs"] = out
    res.notes.update(out.pop("notes", {}))
    res.figures["runs_load_ms"] = out["load_ms"]
    res.figures["query_ms"] = out["query_ms"]
    if not out["query_ok"]:
        res.notes["query_ms"] = (
            f"wrong answer: {out['query_rows']} rows, first m0 {out['query_top_m0']} "
            f"(expected {out['query_expected_rows']} rows)"
        )


def bench_writers(r: Runner, s: Sizes, res: ToolResult) -> None:
    """Workload 8: concurrent writer processes released together by a ``go`` file."""
    store = r.store("writers", prepared=True)
    jobs = [r.spawn("writer", store, n=s.writer_calls, writer=i) for i in range(s.writers)]
    _await_ready(store, jobs, r.timeout_s)
    go = time.time()
    (store / "go").touch()
    outs = [_wait_all(r, jobs, i) for i in range(len(jobs))]
    counted = r.call("count", store)
    per_run = counted.pop("per_run")
    stored = [per_run.get(f"writer-{i}", [0, 0]) for i in range(s.writers)]
    res.raw["writers"] = {"writers": outs, "count": counted, "per_run": per_run}
    res.figures["writers_wall_s"] = max(o["end"] for o in outs) - go
    res.figures["writers_lost"] = sum(s.writer_calls - min(s.writer_calls, d) for _n, d in stored)
    res.figures["writers_dup"] = sum(n - d for n, d in stored)
    errors = sum(o["errors"] for o in outs)
    if errors:
        first = next(o["first_error"] for o in outs if o["first_error"])
        res.notes["writers_lost"] = f"{errors} calls raised in the writers, first: {first[:160]}"


def _wait_all(r: Runner, jobs: list[Job], i: int) -> dict[str, Any]:
    try:
        return r.wait(jobs[i])
    except WorkloadError:
        for job in jobs[i + 1 :]:
            job.proc.kill()
        raise


def _await_ready(store: Path, jobs: list[Job], timeout_s: float) -> None:
    """Wait until every writer has imported its tool and touched its ``ready-<i>`` file."""
    deadline = time.monotonic() + timeout_s
    while not all((store / f"ready-{i}").exists() for i in range(len(jobs))):
        dead = [j for j in jobs if j.proc.poll() is not None]
        if dead or time.monotonic() > deadline:
            for job in jobs:
                job.proc.kill()
            culprit = dead[0] if dead else jobs[0]
            raise WorkloadError(f"{culprit.label}: writer never became ready: {_tail(culprit.err)}")
        time.sleep(0.01)


BENCHES: list[tuple[str, Callable[[Runner, Sizes, ToolResult], None]]] = [
    ("import", bench_import),
    ("log_metric", bench_log_metric),
    ("points", bench_points),
    ("runs", bench_runs),
    ("table", bench_table),
    ("writers", bench_writers),
]


def run_tool(tool: Tool, workdir: Path, s: Sizes) -> ToolResult:
    res = ToolResult()
    runner = Runner(tool, workdir, s.timeout_s)
    for name, bench in BENCHES:
        started = time.perf_counter()
        try:
            bench(runner, s, res)
        except WorkloadError as exc:
            res.errors[name] = str(exc)
        except subprocess.CalledProcessError as exc:
            res.errors[name] = f"{' '.join(exc.cmd)}: exit {exc.returncode}: {_last_line(exc.stderr)}"
        except KeyError as exc:
            res.errors[name] = f"worker output lacks figure {exc}"
        print(f"  {tool.name:8} {name:11} {time.perf_counter() - started:7.1f} s", file=sys.stderr)
    return res


def _last_line(output: bytes | str | None) -> str:
    text = output.decode(errors="replace") if isinstance(output, bytes) else (output or "")
    lines = text.strip().splitlines()
    return lines[-1] if lines else "(no output)"


# ---------------------------------------------------------------------------------------------
# Peers venv
# ---------------------------------------------------------------------------------------------


def ensure_peers_venv(skip_setup: bool) -> Path:
    """The peers venv's interpreter; create the venv and install the pinned peers if needed."""
    python = PEERS_VENV / "bin" / "python"
    if skip_setup:
        if not python.exists():
            sys.exit(f"--skip-setup: no peers venv at {PEERS_VENV}; run once without it")
        return python
    stamp = PEERS_VENV / ".installed-requirements"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    print(f"setting up {PEERS_VENV} from {REQUIREMENTS.name} ...", file=sys.stderr)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)], check=True)
    stamp.write_text(wanted)
    return python


# ---------------------------------------------------------------------------------------------
# Table
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    key: str
    bench: str
    label: str
    target: float | None = None
    target_text: str = ""
    #: Timed rows must also be >= 20x better than MLflow and better than trackio.
    relative: bool = True
    integer: bool = False


def _n(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def table_rows(s: Sizes) -> list[Row]:
    w = s.writers
    return [
        Row("import_ms", "import", "1  import (ms)", 150, "≤ 150 ms"),
        Row("log_metric_us", "log_metric", "2a log_metric (µs/call)", 5, "≤ 5 µs"),
        Row("log_metric_durable_ms", "log_metric", f"2b {_n(s.log_calls)} calls → durable (ms)"),
        Row("batch_queryable_s", "points", f"3  {_n(s.points)} pts batched → queryable (s)", 1, "≤ 1 s"),
        Row("runs_create_s", "runs", f"4  {_n(s.runs)} runs ×20p/10m/3t (s)"),
        Row("runs_load_ms", "table", f"5  {_n(s.table_runs)} runs → DataFrame (ms)", 150, "≤ 150 ms"),
        Row("query_ms", "table", "6  filtered, ordered query (ms)", 10, "≤ 10 ms"),
        Row("history_full_ms", "points", f"7a {_n(s.points)}-pt history, full (ms)"),
        Row("history_down_ms", "points", f"7b … → {_n(s.max_points)} pts (ms)", 50, "≤ 50 ms"),
        Row(
            "writers_wall_s", "writers", f"8a {w} writers × {_n(s.writer_calls)}: wall (s)", None, "< trackio"
        ),
        Row(
            "writers_lost", "writers", f"8b … points lost (of {_n(w * s.writer_calls)})", 0, "0", False, True
        ),
        Row("writers_dup", "writers", "8c … points duplicated", None, "", False, True),
        Row("bytes_per_point", "points", "9  bytes on disk / point", 30, "≤ 30 B", False),
    ]


class Notes:
    """Numbered footnotes, shared by identical texts."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def ref(self, text: str) -> str:
        if text not in self.texts:
            self.texts.append(text)
        return f" [{self.texts.index(text) + 1}]"


def _fmt(v: float | None, integer: bool = False) -> str:
    if v is None:
        return "n/a"
    if integer:
        return f"{int(v):,}"
    if v >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}" if v >= 0.01 else f"{v:.2g}"


def _cell(res: ToolResult | None, row: Row, notes: Notes) -> str:
    if res is None:
        return "—"
    if row.bench in res.errors:
        return "ERR" + notes.ref(f"{row.bench}: {res.errors[row.bench]}")
    text = _fmt(res.figures.get(row.key), row.integer)
    note = res.notes.get(row.key)
    return text + notes.ref(note) if note else text


def _value(res: ToolResult | None, row: Row) -> float | None:
    if res is None or row.bench in res.errors:
        return None
    return res.figures.get(row.key)


def _ratio(nb: float | None, peer: float | None) -> float | None:
    """How many times better nbtrack is (lower is better everywhere)."""
    if nb is None or peer is None or nb <= 0:
        return None
    return peer / nb


def judge(row: Row, nb: float | None, mlflow: float | None, trackio: float | None) -> str:
    """PASS when nbtrack meets the row's target and, on timed rows, the relative targets."""
    if nb is None:
        return "—"
    missed = []
    if row.target is not None and nb > row.target:
        missed.append("target")
    if row.relative:
        vs_mlflow, vs_trackio = _ratio(nb, mlflow), _ratio(nb, trackio)
        if vs_mlflow is not None and vs_mlflow < 20:
            missed.append("20×mlflow")
        if vs_trackio is not None and vs_trackio <= 1:
            missed.append(">trackio")
    if row.target is None and not row.relative:
        return ""
    return "MISS: " + ", ".join(missed) if missed else "PASS"


def build_table(
    results: dict[str, ToolResult], s: Sizes
) -> tuple[list[list[str]], list[dict[str, Any]], Notes]:
    notes = Notes()
    lines, rows = [], []
    for row in table_rows(s):
        values = {t: _value(results.get(t), row) for t in TOOL_NAMES}
        ratios = {p: _ratio(values["nbtrack"], values[p]) for p in ("mlflow", "trackio")}
        mark = judge(row, values["nbtrack"], values["mlflow"], values["trackio"])
        cells = [_cell(results.get(t), row, notes) for t in TOOL_NAMES]
        ratio_cells = [
            f"{_fmt(ratios[p])}×" if ratios[p] is not None and not row.integer else "" for p in ratios
        ]
        lines.append([row.label, *cells, row.target_text, *ratio_cells, mark])
        rows.append({"key": row.key, "label": row.label, "values": values, "ratios": ratios, "mark": mark})
    return lines, rows, notes


HEADERS = ["workload", "nbtrack", "mlflow", "trackio", "target", "vs mlflow", "vs trackio", "nbtrack mark"]


def render(lines: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [HEADERS, *lines]) for i in range(len(HEADERS))]
    left = {0, 7}

    def fmt(cols: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(cols, widths, strict=True))
        )

    rule = "-" * len(fmt(HEADERS))
    return "\n".join([fmt(HEADERS), rule, *(fmt(line) for line in lines), rule])


def header(args: argparse.Namespace, s: Sizes, results: dict[str, ToolResult]) -> str:
    mode = (
        "QUICK: sizes scaled down (see labels); the targets are for full sizes, so marks are indicative only"
        if args.quick
        else "FULL sizes"
    )
    versions = ", ".join(f"{name} {res.version}" for name, res in results.items())
    load = "  ".join(f"load average {k}: {v[0]:.2f}" for k, v in args.load.items())
    return "\n".join(
        [
            f"nbtrack tracking benchmark — {mode}",
            f"{datetime.now():%Y-%m-%d %H:%M}  {platform.node()}  {os.cpu_count()} cores  "
            f"Python {platform.python_version()}  {versions}",
            f"{load}  (other work on the machine skews every figure)",
            "Ratios: peer figure / nbtrack figure (×N = nbtrack N times faster or smaller). "
            "Timed rows pass when nbtrack meets the target, is ≥ 20× MLflow and > 1× trackio.",
            "",
        ]
    )


def footer(notes: Notes) -> str:
    return "\n".join(f"[{i}] {text}" for i, text in enumerate(notes.texts, 1))


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="scaled-down sizes: about a minute")
    parser.add_argument("--only", default=",".join(TOOL_NAMES), help="comma-separated tools to run")
    parser.add_argument("--skip-setup", action="store_true", help="reuse benchmarks/.peers-venv as it is")
    parser.add_argument("--workdir", type=Path, default=None, help="parent of the scratch directory")
    parser.add_argument("--keep", action="store_true", help="keep the scratch stores and worker logs")
    args = parser.parse_args(argv)
    args.tools = [t.strip() for t in args.only.split(",") if t.strip()]
    unknown = set(args.tools) - set(TOOL_NAMES)
    if unknown or not args.tools:
        parser.error(f"--only takes a comma-separated subset of {', '.join(TOOL_NAMES)}")
    return args


def save(
    args: argparse.Namespace, s: Sizes, results: dict[str, ToolResult], rows: list[Any], notes: Notes
) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"tracking-{datetime.now():%Y%m%d-%H%M%S}.json"
    doc = {
        "meta": {
            "quick": args.quick,
            "tools": args.tools,
            "host": platform.node(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "load_average": args.load,
            "versions": {name: res.version for name, res in results.items()},
        },
        "sizes": dataclasses.asdict(s),
        "tools": {name: dataclasses.asdict(res) for name, res in results.items()},
        "rows": rows,
        "footnotes": notes.texts,
    }
    path.write_text(json.dumps(doc, indent=2, default=str))
    return path


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    s = QUICK if args.quick else FULL
    peers = [t for t in args.tools if t != "nbtrack"]
    peers_python = ensure_peers_venv(args.skip_setup) if peers else None
    workdir = Path(tempfile.mkdtemp(prefix="nbtrack-bench-", dir=args.workdir))
    results: dict[str, ToolResult] = {}
    args.load = {"at start": os.getloadavg()}
    try:
        for tool in make_tools(args.tools, peers_python):
            results[tool.name] = run_tool(tool, workdir, s)
    finally:
        args.load["at end"] = os.getloadavg()
        if args.keep:
            print(f"scratch kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    lines, rows, notes = build_table(results, s)
    print(header(args, s, results))
    print(render(lines))
    print(footer(notes))
    print(f"\nfigures: {save(args, s, results, rows, notes).relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
