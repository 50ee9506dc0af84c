"""Real worker processes for the crash and contention tests (and benchmarks/bench_reliability.py).

The worker programs live in ``scripts/``; this module starts them, watches
them from outside (``/proc/locks`` for the store lock, ``/proc/<pid>/fd``
for an artifact being written), kills them with ``SIGKILL`` and parses what
they acknowledged. Standard library only, so the benchmark can import it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

SCRIPTS = Path(__file__).parent / "scripts"


@dataclass
class Worker:
    """A worker process whose stdout and stderr go to files (a full pipe never blocks it)."""

    proc: subprocess.Popen
    out_path: Path
    err_path: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def lines(self) -> list[str]:
        """Complete lines printed so far (a line cut by a kill is left out)."""
        text = self.out_path.read_text(errors="replace")
        complete = text if text.endswith("\n") else text.rpartition("\n")[0]
        return complete.splitlines()

    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")


def spawn(
    script: str, *args: str, logs: Path, name: str, python: str = sys.executable, env: dict | None = None
) -> Worker:
    """Start ``scripts/<script>`` with ``args``; output goes to ``logs/<name>.out|.err``."""
    logs.mkdir(parents=True, exist_ok=True)
    out_path, err_path = logs / f"{name}.out", logs / f"{name}.err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(
            [python, str(SCRIPTS / script), *args],
            stdout=out,
            stderr=err,
            env={**os.environ, **(env or {})},
        )
    return Worker(proc, out_path, err_path)


def finish(worker: Worker, timeout: float = 600, *, quiet: bool = True) -> list[str]:
    """Wait for a worker that must succeed; its stdout lines, or an assertion naming what went wrong.

    ``quiet``: its stderr must also be free of tracebacks and warnings.
    """
    worker.proc.wait(timeout=timeout)
    err = worker.stderr()
    assert worker.proc.returncode == 0, f"worker {worker.pid} exited {worker.proc.returncode}:\n{err}"
    if quiet:
        assert "Traceback" not in err and "Warning" not in err, f"worker {worker.pid} stderr:\n{err}"
    return worker.lines()


def wait_for_line(workers: list[Worker], prefix: str, timeout: float = 180) -> None:
    """Wait until every worker has printed a line starting with ``prefix``."""
    deadline = time.monotonic() + timeout
    waiting = list(workers)
    while waiting:
        waiting = [w for w in waiting if not any(line.startswith(prefix) for line in w.lines())]
        for w in waiting:
            assert w.proc.poll() is None, f"worker {w.pid} exited early:\n{w.stderr()}"
        assert time.monotonic() < deadline, f"{len(waiting)} workers never printed {prefix!r}"
        time.sleep(0.05)


def kill_all(workers: list[Worker]) -> None:
    """SIGKILL every worker still running (after a failure, so none outlives the test)."""
    for worker in workers:
        if worker.proc.poll() is None:
            worker.proc.kill()
            worker.proc.wait()


# -- watching a process from outside ------------------------------------------------------


def flock_holders(lock_file: Path) -> set[int]:
    """Pids holding an ``flock`` on ``lock_file``, read from ``/proc/locks`` (Linux)."""
    try:
        inode = lock_file.stat().st_ino
        table = Path("/proc/locks").read_text()
    except OSError:
        return set()
    holders = set()
    for line in table.splitlines():
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 5826 fe:00:2146883 0 EOF"; waiters have "->" after the id
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].rsplit(":", 1)[-1] == str(inode):
            holders.add(int(fields[4]))
    return holders


def writing_artifact(pid: int, artifacts: Path) -> bool:
    """True if ``pid`` has a half-written artifact (``artifacts/ab/.tmp-*``) open."""
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        names = os.listdir(fd_dir)
    except OSError:
        return False
    prefix = str(artifacts)
    for name in names:
        try:
            target = os.readlink(fd_dir / name)
        except OSError:
            continue
        if target.startswith(prefix) and "/.tmp-" in target:
            return True
    return False


# -- contention ---------------------------------------------------------------------------


@dataclass
class Contention:
    """``writers`` writer and ``readers`` reader processes on one store, started together.

    ``tool`` is ``nbtrack``, ``control`` (the same loop, no tracker) or
    ``mlflow`` (``python`` is then the peers venv's interpreter, ``store``
    the directory of its SQLite file). ``run()`` returns when every writer
    has ended its run and every reader has stopped.
    """

    workdir: Path
    writers: int = 16
    readers: int = 4
    points: int = 2_000
    tool: str = "nbtrack"
    python: str = sys.executable
    batch: int = 100
    pause: float = 0.02
    store: Path = Path(".")
    done: list[list[str]] = field(default_factory=list)  # per writer: DONE run_id t_start t_end errors
    reads: list[list[str]] = field(default_factory=list)  # per reader: READS n LAST c WENT_DOWN k

    def run(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        start, stop = self.workdir / "start", self.workdir / "stop"
        writers = [self._writer(i, start) for i in range(self.writers)]
        readers = [self._reader(i, start, stop) for i in range(self.readers)]
        try:
            wait_for_line(writers + readers, "READY")
            start.touch()
            quiet = self.tool != "mlflow"
            self.done = [finish(w, quiet=quiet)[-1].split() for w in writers]
            stop.touch()
            self.reads = [finish(r, quiet=quiet)[-1].split() for r in readers]
        finally:
            stop.touch()
            kill_all(writers + readers)

    def _writer(self, i: int, start: Path) -> Worker:
        timings = self.workdir / f"writer-{i}.ns"
        options = ["--tool", self.tool, "--store", str(self.store), "--timings", str(timings)]
        pacing = ["--batch", str(self.batch), "--pause", str(self.pause)]
        return self._spawn(
            "contention_writer.py", f"writer-{i}", str(start), str(self.points), *options, *pacing
        )

    def _reader(self, i: int, start: Path, stop: Path) -> Worker:
        tool = "mlflow" if self.tool == "mlflow" else "nbtrack"  # the control's readers read nbtrack
        latencies = self.workdir / f"reader-{i}.ns"
        options = ["--tool", tool, "--store", str(self.store), "--latencies", str(latencies)]
        return self._spawn("contention_reader.py", f"reader-{i}", str(start), str(stop), *options)

    def _spawn(self, script: str, name: str, *args: str) -> Worker:
        return spawn(script, *args, logs=self.workdir, name=name, python=self.python)

    def durations_ns(self, role: str) -> list[int]:
        """Every timed call of all ``writer`` or ``reader`` processes, in nanoseconds."""
        import array

        values = array.array("q")
        for path in sorted(self.workdir.glob(f"{role}-*.ns")):
            values.frombytes(path.read_bytes())
        return values.tolist()

    def figures(self) -> dict[str, float]:
        """Throughput and the writers' call and readers' read latency distributions."""
        began = min(float(d[2]) for d in self.done)
        ended = max(float(d[3]) for d in self.done)
        calls, reads = sorted(self.durations_ns("writer")), sorted(self.durations_ns("reader"))
        return {
            "points": self.writers * self.points,
            "wall_s": ended - began,
            "points_per_s": self.writers * self.points / (ended - began),
            "errors": sum(int(d[4]) for d in self.done),
            "reads": sum(int(r[1]) for r in self.reads),
            "reads_went_down": sum(int(r[5]) for r in self.reads),
            **{f"call_{k}_us": v / 1e3 for k, v in _quantiles(calls).items()},
            **{f"read_{k}_ms": v / 1e6 for k, v in _quantiles(reads).items()},
        }


def _quantiles(sorted_values: list[int]) -> dict[str, float]:
    if not sorted_values:
        return {}
    n = len(sorted_values)

    def at(q: float) -> float:
        return float(sorted_values[min(n - 1, int(q * n))])

    return {"p50": at(0.50), "p99": at(0.99), "p999": at(0.999), "max": float(sorted_values[-1])}


# -- the crash campaign -------------------------------------------------------------------


@dataclass
class Kill:
    """One ``kill -9``: of which process, aimed how, and what it was doing at that instant."""

    pid: int
    aim: str
    held_lock: bool
    writing_artifact: bool


@dataclass
class Acknowledged:
    """What the killed writers were told is durable (parsed from their stdout)."""

    points: dict[str, int] = field(default_factory=dict)  # run id -> steps 0..n-1 acknowledged
    started: set[str] = field(default_factory=set)
    ended: set[str] = field(default_factory=set)
    artifacts: dict[tuple[str, str], str] = field(default_factory=dict)  # (run, path) -> sha256

    def add(self, lines: list[str]) -> None:
        for line in lines:
            kind, run_id, *rest = line.split()
            if kind == "RUN":
                self.started.add(run_id)
            elif kind == "ACK":
                self.points[run_id] = max(self.points.get(run_id, 0), int(rest[0]))
            elif kind == "ART":
                self.artifacts[(run_id, rest[0])] = rest[1]
            elif kind == "END":
                self.ended.add(run_id)


@dataclass
class CrashCampaign:
    """Keep ``parallel`` crash writers running against one store and ``kill -9`` them ``kills`` times.

    Each kill is aimed at random moments, at moments when the victim holds
    the store lock (a merge), or while it writes an artifact. The victim is
    stopped (``SIGSTOP``) first, so what it was doing at the instant of the
    kill is read exactly, then killed (``SIGKILL``) and replaced.
    """

    store: Path
    workdir: Path
    kills: int
    parallel: int = 3
    seed: int = 12
    log: list[Kill] = field(default_factory=list)
    acknowledged: Acknowledged = field(default_factory=Acknowledged)
    stderr: list[str] = field(default_factory=list)
    spawned: int = 0

    def run(self) -> None:
        import random

        rng = random.Random(self.seed)
        victims = [self._spawn(rng) for _ in range(self.parallel)]
        try:
            while len(self.log) < self.kills:
                slot = rng.randrange(self.parallel)
                aim = rng.choices(["moment", "lock", "artifact"], weights=[4, 4, 3])[0]
                self._kill(victims[slot], aim, rng)
                victims[slot] = self._spawn(rng)
            for victim in victims:
                self._kill(victim, "moment", rng)
        finally:
            kill_all(victims)

    def _spawn(self, rng) -> Worker:
        scratch = self.workdir / "scratch"
        scratch.mkdir(parents=True, exist_ok=True)
        self.spawned += 1
        name = f"victim-{self.spawned}"
        return spawn("crash_writer.py", str(rng.randrange(2**31)), str(scratch), logs=self.workdir, name=name)

    def _kill(self, victim: Worker, aim: str, rng) -> None:
        if aim == "moment":
            time.sleep(rng.uniform(0.0, 2.0))
        else:
            # artifact writes are brief and rarer than merges: wait longer for one
            patience = rng.uniform(2.0, 8.0) if aim == "artifact" else rng.uniform(1.0, 4.0)
            self._wait_until(victim, aim, timeout=patience)
        assert victim.proc.poll() is None, f"victim {victim.pid} died on its own:\n{victim.stderr()}"
        os.kill(victim.pid, signal.SIGSTOP)
        held = victim.pid in flock_holders(self.store / "nbtrack.duckdb.lock")
        writing = writing_artifact(victim.pid, self.store / "artifacts")
        os.kill(victim.pid, signal.SIGKILL)
        victim.proc.wait()
        self.log.append(Kill(victim.pid, aim, held, writing))
        self.acknowledged.add(victim.lines())
        self.stderr.append(victim.stderr())

    def _wait_until(self, victim: Worker, aim: str, timeout: float) -> None:
        """Poll until the victim holds the lock (``lock``) or writes an artifact, or ``timeout`` passes."""
        lock_file, artifacts = self.store / "nbtrack.duckdb.lock", self.store / "artifacts"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and victim.proc.poll() is None:
            if aim == "lock" and victim.pid in flock_holders(lock_file):
                return
            if aim == "artifact" and writing_artifact(victim.pid, artifacts):
                return
            time.sleep(0.0005)

    def summary(self) -> dict[str, int]:
        """How many kills, and how many landed inside a merge or an artifact write."""
        return {
            "kills": len(self.log),
            "kills_holding_lock": sum(k.held_lock for k in self.log),
            "kills_writing_artifact": sum(k.writing_artifact for k in self.log),
            "runs_started": len(self.acknowledged.started),
            "runs_ended": len(self.acknowledged.ended),
            "points_acknowledged": sum(self.acknowledged.points.values()),
            "artifacts_acknowledged": len(self.acknowledged.artifacts),
        }


def check_crashed_store(store: Path, ack: Acknowledged) -> tuple[list[str], dict[str, int]]:
    """Read the store after the kills (this read repairs dead runs) and list every broken promise.

    Returns ``(problems, figures)``: ``problems`` is empty when the store
    opens, every acknowledged point and artifact is there with the right
    bytes, nothing is duplicated and every killed run reads KILLED.
    """
    import nbtrack

    statuses = dict(nbtrack.runs(experiment="*")[["run_id", "status"]].itertuples(index=False))
    problems = _status_problems(statuses, ack) + _point_problems(ack) + _artifact_problems(ack)
    bad = sorted(p.name for p in (store / "spool" / "bad").glob("*"))
    pending = sorted(p.name for p in (store / "spool").glob("*.arrow"))
    if bad:
        problems.append(f"spool files set aside as unreadable: {bad}")
    if pending:
        problems.append(f"spool files still pending after a read: {pending}")
    return problems, {"runs_in_store": len(statuses)}


def _status_problems(statuses: dict[str, str], ack: Acknowledged) -> list[str]:
    problems = [f"run {r} reads {s} after every writer died" for r, s in statuses.items() if s == "RUNNING"]
    for run_id in ack.ended:
        if statuses.get(run_id) != "FINISHED":
            problems.append(f"ended run {run_id} reads {statuses.get(run_id)}, not FINISHED")
    for run_id in ack.started - ack.ended:  # start_run returned: its start is durable
        if statuses.get(run_id) != "KILLED":
            problems.append(f"killed run {run_id} reads {statuses.get(run_id) or 'absent'}, not KILLED")
    return problems


def _point_problems(ack: Acknowledged) -> list[str]:
    import nbtrack

    totals = nbtrack.sql("select count(*) n, count(distinct (run_id, key, step)) d from metrics").iloc[0]
    problems = []
    if totals["n"] != totals["d"]:
        problems.append(f"{totals['n'] - totals['d']} duplicated points (same run, key and step)")
    per_run = nbtrack.sql(
        "select run_id, count(*) n, min(step) lo, max(step) hi from metrics where key = 'x' group by run_id"
    )
    stored = {row.run_id: (row.n, row.lo, row.hi) for row in per_run.itertuples(index=False)}
    for run_id, acked in sorted(ack.points.items()):
        n, lo, hi = stored.get(run_id, (0, 0, -1))
        if n < acked:
            problems.append(f"run {run_id}: {acked} points acknowledged by flush(), {n} stored")
    for run_id, (n, lo, hi) in stored.items():
        if (lo, hi) != (0, n - 1):
            problems.append(f"run {run_id}: steps {lo}..{hi} stored as {n} points (a gap: points lost)")
    return problems


def _artifact_problems(ack: Acknowledged) -> list[str]:
    import hashlib
    import tempfile

    import nbtrack

    problems = []
    for (run_id, path), digest in sorted(ack.artifacts.items()):
        try:
            with tempfile.TemporaryDirectory() as dst:
                data = Path(nbtrack.download_artifacts(run_id, path, dst_path=dst)).read_bytes()
        except (nbtrack.NbtrackError, OSError) as exc:
            problems.append(f"artifact {path} of run {run_id} acknowledged, unreadable: {exc}")
            continue
        if hashlib.sha256(data).hexdigest() != digest:
            problems.append(f"artifact {path} of run {run_id} has the wrong bytes")
    return problems
