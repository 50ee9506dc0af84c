"""The Session: all of nbtrack's mutable state in this process, in one object.

It holds the store, the run stack, the event buffer and the background
writer. ``get_session()`` returns it and ``reset_session()`` replaces it
(tests do that between cases). Configuration such as ``NBTRACK_URI`` is
read when the store is first needed, never copied at import.
"""

from __future__ import annotations

import atexit
import getpass
import hashlib
import os
import socket
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import (
    InvalidValueError,
    NbtrackError,
    NoActiveRunError,
    ParamConflictError,
    RunNotFoundError,
    RunStateError,
    StoreError,
)
from ..store import events, open_store
from ..store.base import Store
from . import rows, validation
from .artifact_paths import check_artifact_path, media_type_of
from .batch import checked_int64
from .buffer import EventBuffer
from .exit_watch import (
    ExitWatch,
    in_flight,
    in_multiprocessing_child,
    prepare_exit_path,
    register_worker_exit,
)
from .names import random_run_name
from .run_state import RunState
from .writer import SEAL_AT_EVENTS, BackgroundWriter

if TYPE_CHECKING:
    import pyarrow as pa

#: Seconds between two heartbeats of an active run.
HEARTBEAT_INTERVAL = 10.0
#: How many ended runs the session remembers (see ``Session._ended``).
RECENTLY_ENDED = 256
#: Statuses a run can end with.
END_STATUSES = ("FINISHED", "FAILED", "KILLED")
DEFAULT_EXPERIMENT = "Default"

MetricListener = Callable[[str, str, int, int, float], None]


def experiment_id_for(name: str) -> str:
    """Experiment ids derive from names, so every process (and store) agrees on them."""
    return hashlib.sha256(name.encode()).hexdigest()[:16]


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class Session:
    """One process's connection to a store, its runs and its writer."""

    def __init__(self, uri: str | os.PathLike[str] | None = None) -> None:
        self.uri = uri
        self._store: Store | None = None
        self.buffer = EventBuffer()
        self._lock = threading.RLock()
        self._seal_lock = threading.Lock()
        self._stack: list[RunState] = []
        self._runs: dict[str, RunState] = {}
        #: Runs this process ended lately: tagging one by id (a late capture) needs no store read.
        self._ended: dict[str, RunState] = {}
        self.experiment_name: str | None = None
        self._announced: set[str] = set()
        self._writer: BackgroundWriter | None = None
        self._unsealed: list[pa.Table] = []
        self._last_heartbeat = 0.0
        self._valid_metric_keys: set[str] = set()
        #: A tuple, replaced (never mutated) by subscribe/unsubscribe: log_metric iterates it lock-free.
        self._listeners: tuple[MetricListener, ...] = ()
        self._who_cache: tuple[str, str] | None = None
        self._exit_watch = ExitWatch()
        self._exit_ready = False
        self._worker_exit_pid = -1
        #: A merge ran in this process, so merging again imports nothing (safe at exit).
        self._merged = False
        self.closed = False

    # -- metric listeners ----------------------------------------------------------
    def subscribe(self, listener: MetricListener) -> None:
        """Call ``listener(run_id, key, step, ts_ms, value)`` for every metric point logged from now on.

        It runs on the logging thread, so it must be quick (append to a deque).
        Subscribing the same listener twice keeps one subscription.
        """
        if not callable(listener):
            raise InvalidValueError(f"subscribe takes a callable, got {type(listener).__name__}")
        with self._lock:
            if listener not in self._listeners:
                self._listeners = (*self._listeners, listener)

    def unsubscribe(self, listener: MetricListener) -> bool:
        """Stop calling ``listener``; False if it was not subscribed."""
        with self._lock:
            if listener not in self._listeners:
                return False
            self._listeners = tuple(item for item in self._listeners if item != listener)
            return True

    @property
    def metric_listeners(self) -> list[MetricListener]:
        """The subscribed listeners, as a list whose ``append``/``remove``/``clear`` (un)subscribe.

        Kept for callers written before :meth:`subscribe`; use that and :meth:`unsubscribe`.
        """
        return _ListenerList(self)

    # -- store ---------------------------------------------------------------------
    @property
    def store(self) -> Store:
        """The store, opened on first use (``connect`` > ``NBTRACK_URI`` > discovery)."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    try:
                        self._store = open_store(self.uri)
                    except (OSError, ValueError) as exc:  # a path the OS refuses (too long, no access)
                        raise StoreError(f"nbtrack cannot open a store at {self.uri!r:.120}: {exc}") from exc
        return self._store

    def reader(self) -> Store:
        """The store, after sealing what this process buffered (read your writes)."""
        self.seal(durable=False)
        return self.store

    # -- experiments -----------------------------------------------------------------
    def set_experiment(self, name: str) -> str:
        """Make ``name`` the active experiment, created durably on first use; returns its id."""
        validation.check_text(name, "experiment name")
        experiment_id = experiment_id_for(name)
        fresh = experiment_id not in self._announced
        self._announce_experiment(name)
        self.experiment_name = name
        if fresh:  # as MLflow: the experiment exists once this returns, whatever the process does next
            self.seal(durable=True)
        return experiment_id

    def _announce_experiment(self, name: str) -> str:
        experiment_id = experiment_id_for(name)
        if experiment_id not in self._announced:
            self.buffer.add(events.EXPERIMENT, experiment_id, "name", ts=now_ms(), text=name)
            self._announced.add(experiment_id)
        return experiment_id

    # -- run lifecycle -------------------------------------------------------------
    @property
    def active_run(self) -> RunState | None:
        return self._stack[-1] if self._stack else None

    def start_run(
        self,
        *,
        run_id: str | None = None,
        experiment: str | None = None,
        run_name: str | None = None,
        nested: bool = False,
        parent_run_id: str | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> RunState:
        """Start (or resume, with ``run_id``) a run and push it on the stack; durable on return."""
        checked_tags = _checked_tags(tags if tags is not None else {})
        _check_start_args(run_id, experiment, run_name, parent_run_id)
        with self._lock:
            parent = self._parent_for(nested, parent_run_id, resuming=run_id is not None)
            if run_id is not None:
                state = self._resume(run_id, parent)
            else:
                known_parent = self._runs.get(parent) if parent is not None else None
                if experiment is None and known_parent is not None:
                    experiment_id = known_parent.experiment_id  # a child stays in its parent's experiment
                else:
                    experiment_id = self._announce_experiment(
                        experiment or self.experiment_name or DEFAULT_EXPERIMENT
                    )
                state = RunState(
                    run_id=uuid.uuid4().hex,
                    experiment_id=experiment_id,
                    run_name=run_name or random_run_name(),
                    parent_run_id=parent,
                    owner_pid=os.getpid(),
                    start_ms=now_ms(),
                )
            self.buffer.add_many(self._start_rows(state) + rows.tag_rows(state.run_id, checked_tags))
            self._stack.append(state)
            self._runs[state.run_id] = state
            self._watch_exit()
            self._ensure_writer()
        if not self._exit_ready:  # once, outside the lock: loading pyarrow and DuckDB takes a while
            prepare_exit_path()
            self._exit_ready = True
        self._seal_start(state)
        return state

    def _seal_start(self, state: RunState) -> None:
        """Seal the run's start now, so a process killed right after still leaves a (KILLED) run."""
        try:
            self.seal(durable=True)
        except StoreError as exc:  # the training goes on; the start stays buffered
            warnings.warn(
                f"nbtrack could not yet record the start of run {state.run_id}: {exc}",
                RuntimeWarning,
                stacklevel=3,
            )

    def _watch_exit(self) -> None:
        """Be ready to end this process's runs at exit (called under ``_lock``)."""
        self._exit_watch.install()
        pid = os.getpid()
        if self._worker_exit_pid != pid and in_multiprocessing_child():
            self._worker_exit_pid = pid  # a worker leaves through os._exit: atexit never runs
            register_worker_exit(self.close_at_exit, self)

    def _parent_for(self, nested: bool, parent_run_id: str | None, *, resuming: bool) -> str | None:
        if parent_run_id is not None:
            return parent_run_id
        if nested:
            return self._stack[-1].run_id if self._stack else None
        if self._stack and not resuming:
            active = self._stack[-1]
            raise RunStateError(
                f"Run {active.run_id} ({active.run_name}) is already active. End it first with "
                "nbtrack.end_run(), use `with nbtrack.start_run():` so it ends by itself, or pass "
                "nested=True to start a child run."
            )
        return None

    def _resume(self, run_id: str, parent: str | None) -> RunState:
        if run_id in self._runs and self._runs[run_id].active:
            raise RunStateError(f"Run {run_id} is already active in this process")
        record = self.reader().get_run(run_id, include_deleted=False)
        if record is None:
            raise RunNotFoundError(f"No run {run_id!r} in the store at {self.store.uri}; check the id")
        steps = self.store.metric_steps(run_id)
        return RunState(
            run_id=run_id,
            experiment_id=record.experiment_id or experiment_id_for(DEFAULT_EXPERIMENT),
            run_name=record.run_name or run_id[:8],
            parent_run_id=record.parent_run_id or parent,
            owner_pid=os.getpid(),
            start_ms=int(record.start_time.timestamp() * 1000) if record.start_time else now_ms(),
            params=dict(record.params),
            next_step={key: step + 1 for key, step in steps.items()},
        )

    @property
    def _who(self) -> tuple[str, str]:
        """(host, user), looked up once: ``getpwuid`` alone can take a millisecond."""
        if self._who_cache is None:
            self._who_cache = (socket.gethostname(), _user_name())
        return self._who_cache

    def _start_rows(self, state: RunState) -> list[rows.Row]:
        host, user = self._who
        return rows.start_rows(state, host=host, user=user, pid=os.getpid(), stamp=now_ms())

    def end_run(
        self, status: str = "FINISHED", *, run_id: str | None = None, error: str | None = None
    ) -> None:
        """End a run (the active one by default) and its active children; durable on return."""
        _check_status(status, "status")
        with self._lock:
            state = self._runs.get(run_id) if run_id else self.active_run
            if state is None or not state.active:
                if run_id is None:
                    return  # like MLflow: ending when nothing is active is a no-op
                raise RunStateError(f"Run {run_id} is not active in this process")
            for child in self._descendants(state):
                self._finish(child, status, None)
            self._finish(state, status, error)
        # durable now; merged by the writer's next tick or by whichever reader comes first
        # (waking the writer here would merge once per run in a loop of short runs)
        self.seal(durable=True)

    def _descendants(self, state: RunState) -> list[RunState]:
        found: list[RunState] = []
        parents = {state.run_id}
        for run in self._stack:
            if run.parent_run_id in parents and run is not state:
                found.append(run)
                parents.add(run.run_id)
        return list(reversed(found))

    def _finish(self, state: RunState, status: str, error: str | None) -> None:
        self.buffer.add_many(rows.finish_rows(state.run_id, status, now_ms(), error))
        state.active = False
        if state in self._stack:
            self._stack.remove(state)
        self._runs.pop(state.run_id, None)
        self._ended[state.run_id] = state
        if len(self._ended) > RECENTLY_ENDED:
            self._ended.pop(next(iter(self._ended)))

    def record_run(
        self,
        *,
        parent_run_id: str,
        run_name: str,
        params: Mapping[str, Any] | None = None,
        metrics: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
        status: str = "FINISHED",
        start_ms: int | None = None,
        series: Mapping[str, Mapping[int, Any]] | None = None,
    ) -> str:
        """Write a whole, already finished child run in one go; returns its id.

        ``metrics`` are logged at step 0, ``series`` as ``{key: {step: value}}``.
        The run never goes on the run stack, so threads (an Optuna study with
        ``n_jobs``) can record children while the parent stays the active run.
        Everything is checked before anything is buffered.
        """
        _check_status(status, "status")
        parent = self.run_for(parent_run_id, "record_run")
        validation.check_text(run_name, "run_name", max_length=validation.MAX_TAG_LENGTH)
        checked_params = {
            validation.check_key(k, "param"): validation.param_value(k, v) for k, v in (params or {}).items()
        }
        points = [(k, 0, v) for k, v in (metrics or {}).items()]
        points += [(k, step, v) for k, steps in (series or {}).items() for step, v in steps.items()]
        checked_points = [
            (validation.check_key(k, "metric"), validation.step_value(k, step), validation.metric_value(k, v))
            for k, step, v in points
        ]
        checked_tags = _checked_tags(tags or {})
        stamp = now_ms()
        state = RunState(
            run_id=uuid.uuid4().hex,
            experiment_id=parent.experiment_id,
            run_name=run_name,
            parent_run_id=parent.run_id,
            owner_pid=os.getpid(),
            start_ms=stamp if start_ms is None else start_ms,
            params=checked_params,
        )
        new_rows = self._start_rows(state)
        new_rows += rows.param_rows(state.run_id, checked_params)
        new_rows += rows.tag_rows(state.run_id, checked_tags)
        with self._lock:
            self.buffer.add_many(new_rows)
            for key, step, value in checked_points:
                self.buffer.add_metric(state.run_id, key, step, stamp, value)
            self._finish(state, status, None)
            self._ensure_writer()
        return state.run_id

    def set_lifecycle(self, run_id: str, lifecycle: str) -> None:
        """Delete (``deleted``) or restore (``active``) a run; durable on return."""
        validation.check_run_id(run_id)
        record = self.reader().get_run(run_id, include_deleted=True)
        if record is None:
            raise RunNotFoundError(f"No run {run_id!r} in the store at {self.store.uri}; check the id")
        if run_id in self._runs and self._runs[run_id].active:
            raise RunStateError(f"Run {run_id} is still active: end it before deleting it")
        self.buffer.add(events.RUN, run_id, "lifecycle", ts=now_ms(), text=lifecycle)
        self.seal(durable=True)

    # -- logging ---------------------------------------------------------------------
    def run_for(self, run_id: str | None, what: str) -> RunState:
        """The run a logging call writes to: the active run, or ``run_id``."""
        if run_id is None:
            if self._stack:
                return self._stack[-1]
            raise NoActiveRunError(
                f"{what} needs a run: add %%track to the cell, or use `with nbtrack.start_run():`, "
                "or pass run_id=..."
            )
        validation.check_run_id(run_id)
        state = self._runs.get(run_id) or self._ended.get(run_id)
        if state is not None:
            return state
        return self._attach(run_id)

    def _attach(self, run_id: str) -> RunState:
        """Log to a run by id that was not started here (a worker, a finished run)."""
        record = self.reader().get_run(run_id, include_deleted=False)
        if record is None:
            raise RunNotFoundError(f"No run {run_id!r} in the store at {self.store.uri}; check the id")
        state = RunState(
            run_id=run_id,
            experiment_id=record.experiment_id or "",
            run_name=record.run_name or "",
            parent_run_id=record.parent_run_id,
            owner_pid=os.getpid(),
            start_ms=now_ms(),
            params=dict(record.params),
            next_step={k: v + 1 for k, v in self.store.metric_steps(run_id).items()},
            active=False,
        )
        with self._lock:
            self._runs.setdefault(run_id, state)
            self._ensure_writer()
        return self._runs[run_id]

    def log_metric(
        self, key: str, value: Any, step: Any = None, timestamp: Any = None, run_id: str | None = None
    ) -> None:
        """Buffer one metric point; returns in about a microsecond."""
        state = self._stack[-1] if run_id is None and self._stack else self.run_for(run_id, "log_metric")
        if type(key) is not str or key not in self._valid_metric_keys:
            validation.check_key(key, "metric")
            if len(self._valid_metric_keys) < 100_000:
                self._valid_metric_keys.add(key)
        if type(value) is not float:
            value = validation.metric_value(key, value)
        next_step = state.next_step
        if step is None:
            step = next_step.get(key, 0)
        elif type(step) is not int:
            step = validation.step_value(key, step)
        if not -9223372036854775808 <= step <= 9223372036854775807:  # int64, as stored
            raise validation.step_range_error(key, step)
        ts = time.time_ns() // 1_000_000 if timestamp is None else validation.timestamp_ms(key, timestamp)
        if step >= next_step.get(key, 0):
            next_step[key] = step + 1
        if self.buffer.add_metric(state.run_id, key, step, ts, value) >= SEAL_AT_EVENTS and self._writer:
            self._writer.wake()
        if self._listeners:
            self._notify(state.run_id, key, step, ts, value)

    def _notify(self, run_id: str, key: str, step: int, ts: int, value: float) -> None:
        for listener in self._listeners:
            listener(run_id, key, step, ts, value)

    def log_metrics(
        self, metrics: Mapping[str, Any], step: Any = None, timestamp: Any = None, run_id: str | None = None
    ) -> None:
        """Log several metrics at one step; all are checked before any is buffered."""
        if not isinstance(metrics, Mapping):
            raise InvalidValueError(
                f"log_metrics takes a dict of name -> number, got {type(metrics).__name__}"
            )
        checked = {
            validation.check_key(k, "metric"): validation.metric_value(k, v) for k, v in metrics.items()
        }
        if step is not None:
            step = validation.step_value("(log_metrics)", step)
        if timestamp is not None:
            timestamp = validation.timestamp_ms("(log_metrics)", timestamp)
        for key, value in checked.items():
            self.log_metric(key, value, step, timestamp, run_id)

    def log_series(
        self, key: str, values: Any, steps: Any, timestamps: Any, run_id: str | None = None
    ) -> None:
        """Buffer a whole series of one key at once (checked first, all or nothing)."""
        import numpy as np

        state = self.run_for(run_id, "log_batch")
        validation.check_key(key, "metric")
        try:
            vals = np.asarray(values, dtype=np.float64).ravel()
        except (TypeError, ValueError, OverflowError) as exc:
            raise InvalidValueError(f"metric {key!r}: values must be numbers ({exc})") from None
        stps = checked_int64(steps, f"steps of metric {key!r}", validation.MIN_STEP, validation.MAX_STEP)
        tss = checked_int64(
            timestamps,
            f"timestamps of metric {key!r}",
            validation.MIN_TIMESTAMP_MS,
            validation.MAX_TIMESTAMP_MS,
        )
        if not len(vals) == len(stps) == len(tss):
            raise InvalidValueError(f"metric {key!r}: values, steps and timestamps differ in length")
        if len(vals) == 0:
            return
        top = int(stps.max()) + 1
        if top > validation.MAX_STEP:
            raise validation.step_range_error(key, top)
        if top > state.next_step.get(key, 0):
            state.next_step[key] = top
        if self.buffer.add_metrics(state.run_id, key, stps, tss, vals) >= SEAL_AT_EVENTS and self._writer:
            self._writer.wake()
        for listener in self._listeners:  # live charts and run cards see batches too
            for step, stamp, value in zip(stps.tolist(), tss.tolist(), vals.tolist(), strict=True):
                listener(state.run_id, key, step, stamp, value)

    def log_params(self, params: Mapping[str, Any], run_id: str | None = None) -> None:
        """Log params; re-logging the same value is fine, a different one is an error."""
        if not isinstance(params, Mapping):
            raise InvalidValueError(f"log_params takes a dict of name -> value, got {type(params).__name__}")
        state = self.run_for(run_id, "log_params")
        checked = {validation.check_key(k, "param"): validation.param_value(k, v) for k, v in params.items()}
        with self._lock:
            for key, text in checked.items():
                old = state.params.get(key)
                if old is not None and old != text:
                    raise ParamConflictError(
                        f"param {key!r} is already {old!r} in run {state.run_id}; params are fixed for a "
                        f"run. Start a new run to try {text!r} (each %%track execution is a new run)."
                    )
            fresh = {k: v for k, v in checked.items() if state.params.get(k) != v}
            self.buffer.add_many(rows.param_rows(state.run_id, fresh))
            state.params.update(fresh)

    def set_tags(self, tags: Mapping[str, Any], run_id: str | None = None) -> None:
        """Set (or overwrite) tags on a run."""
        if not isinstance(tags, Mapping):
            raise InvalidValueError(f"set_tags takes a dict of name -> value, got {type(tags).__name__}")
        state = self.run_for(run_id, "set_tags")
        self.buffer.add_many(rows.tag_rows(state.run_id, _checked_tags(tags)))

    def delete_tag(self, key: str, run_id: str | None = None) -> None:
        """Remove a tag from a run."""
        state = self.run_for(run_id, "delete_tag")
        validation.check_key(key, "tag")
        self.buffer.add(events.TAG, state.run_id, key, text=None)

    def log_artifact_content(
        self, path: str, *, data: bytes | None = None, file: Any = None, run_id: str | None = None
    ) -> str:
        """Store content once (by digest) and record it as ``path`` of a run; returns the digest."""
        state = self.run_for(run_id, "log_artifact")
        check_artifact_path(path)
        digest, size = self.store.put_blob(data, file=file)
        text = f"{digest} {media_type_of(path)}"
        self.buffer.add(events.ARTIFACT, state.run_id, path, step=size, ts=now_ms(), text=text)
        return digest

    # -- writing -------------------------------------------------------------------
    def seal(self, *, durable: bool) -> None:
        """Move the buffer to a spool file; raises StoreError if it cannot (the data is kept).

        Events that cannot be stored at all are left out, counted and named
        in a warning; every other event is sealed.
        """
        with self._seal_lock:
            drained = self.buffer.drain()
            if drained is not None:
                table, dropped, problem = drained.build()
                if dropped:
                    warnings.warn(
                        f"nbtrack left out {dropped} of {len(drained)} buffered events that cannot be "
                        f"stored ({problem}); the other {len(drained) - dropped} are kept",
                        RuntimeWarning,
                        stacklevel=2,
                    )
                if table.num_rows:
                    self._unsealed.append(table)
            if not self._unsealed:
                return
            table = events.concat(self._unsealed) if len(self._unsealed) > 1 else self._unsealed[0]
            self._unsealed = [table]
            try:
                self.store.write_batch(table, durable=durable)
            except Exception as exc:
                # keep the cause's class (StoreFullError...) so callers can catch what happened
                kind = type(exc) if isinstance(exc, StoreError) else StoreError
                raise kind(
                    f"nbtrack could not write {table.num_rows} events to a spool file of {self.store.uri}: "
                    f"{exc}. They are kept in this process's memory; the background writer tries again "
                    "every second and nbtrack.flush() raises while it fails."
                ) from exc
            self._unsealed = []

    def flush(self, timeout: float | None = None) -> None:
        """Seal everything durably and merge it into the database (bounded wait)."""
        self.seal(durable=True)
        store = self.store
        store.merge_pending(timeout=store.lock_timeout if timeout is None else timeout)
        self._merged = True

    def _ensure_writer(self) -> None:
        if self._writer is None or not self._writer.alive:
            self._writer = BackgroundWriter(self._tick)
            self._writer.start()

    def _tick(self) -> None:
        if time.monotonic() - self._last_heartbeat >= HEARTBEAT_INTERVAL:
            self._last_heartbeat = time.monotonic()
            self._heartbeat()
        self.seal(durable=False)
        try:
            self._merged |= self.store.merge_pending(timeout=0)
        except NbtrackError:
            raise
        except Exception as exc:
            raise StoreError(
                f"nbtrack could not merge the spool files of {self.store.uri} into its database: {exc}. "
                "The sealed files stay in the spool folder and are merged by the next write or read; "
                "nbtrack.flush() raises while it fails."
            ) from exc

    def _heartbeat(self) -> None:
        stamp, pid = now_ms(), os.getpid()
        with self._lock:
            live = [s.run_id for s in self._runs.values() if s.active and s.owner_pid == pid]
        self.buffer.add_many(rows.heartbeat_rows(live, stamp))

    # -- process events ------------------------------------------------------------
    def close(
        self,
        *,
        end_status: str | None = "FINISHED",
        error: str | None = None,
        merge_timeout: float = 2.0,
        at_exit: bool = False,
    ) -> None:
        """End this process's runs, make everything durable, stop the writer.

        ``at_exit``: the interpreter is ending, so nothing is imported or
        started; what cannot be merged now stays sealed in the spool.
        """
        if self.closed:
            return
        self.closed = True
        self._exit_watch.uninstall()
        pid = os.getpid()
        with self._lock:
            mine = [s for s in reversed(self._stack) if s.owner_pid == pid]
        if end_status:
            for state in mine:
                if state.active:
                    self._finish(state, end_status, error)
        if self._writer is not None:
            self._writer.stop()
        try:
            if self._store is not None or len(self.buffer) or self._unsealed:
                self._write_out(merge_timeout, at_exit=at_exit)
        finally:
            if self._store is not None:
                self._store.close()

    def _write_out(self, merge_timeout: float, *, at_exit: bool) -> None:
        try:
            self.seal(durable=True)
        except StoreError as exc:  # nobody is left to retry: say what is lost
            count = sum(table.num_rows for table in self._unsealed)
            print(
                f"nbtrack: {count} events could not be written to {self.store.uri} before this "
                f"session closed and are lost: {exc.__cause__ or exc}",
                file=sys.stderr,
            )
            return
        if at_exit and not self._merged:
            return  # sealed is durable: the next reader merges it (a first merge would import)
        try:
            self.store.merge_pending(timeout=merge_timeout)
        except Exception as exc:
            if not at_exit:  # at exit the sealed files are safe and merged by the next reader
                print(f"nbtrack: sealed events wait in the spool to be merged: {exc}", file=sys.stderr)

    def close_at_exit(self) -> None:
        """The exit handler: runs left active end FINISHED, or as the uncaught exception says."""
        status, error = self._exit_watch.outcome or in_flight() or ("FINISHED", None)
        self.close(end_status=status, error=error, at_exit=True)

    def after_fork_in_child(self) -> None:
        """A forked child starts with an empty buffer and no writer or connection.

        The parent seals what it buffered; the child keeps the run stack so a
        worker logs to the run it was forked from, but never ends it at exit.
        """
        self.buffer.discard()
        self._lock = threading.RLock()
        self._seal_lock = threading.Lock()
        self._writer = None
        self._unsealed = []
        if self._store is not None:
            self._store.forget_after_fork()
        if self._runs:
            self._ensure_writer()
            _flush_before_worker_exit()


class _ListenerList(list["MetricListener"]):
    """A snapshot of a session's listeners whose mutators go to ``subscribe``/``unsubscribe``."""

    def __init__(self, session: Session) -> None:
        super().__init__(session._listeners)
        self._session = session

    def append(self, listener: MetricListener) -> None:
        """Subscribe ``listener``."""
        self._session.subscribe(listener)
        super().append(listener)

    def remove(self, listener: MetricListener) -> None:
        """Unsubscribe ``listener`` (ValueError if it was not subscribed, as list.remove)."""
        if not self._session.unsubscribe(listener):
            raise ValueError(f"{listener!r} is not a metric listener of this session")
        super().remove(listener)

    def clear(self) -> None:
        """Unsubscribe every listener."""
        for listener in tuple(self):
            self._session.unsubscribe(listener)
        super().clear()


def _check_start_args(run_id: Any, experiment: Any, run_name: Any, parent_run_id: Any) -> None:
    """``start_run``'s text arguments, checked before anything changes."""
    if run_id is not None:
        validation.check_run_id(run_id)
    if parent_run_id is not None:
        validation.check_run_id(parent_run_id, "parent_run_id")
    if experiment is not None:
        validation.check_text(experiment, "experiment name")
    if run_name is not None and (not isinstance(run_name, str) or run_name):
        validation.check_text(run_name, "run_name", max_length=validation.MAX_TAG_LENGTH)


def _check_status(status: Any, what: str) -> None:
    """A run's end status: one of END_STATUSES (checked as text first: an array has no truth value)."""
    if not isinstance(status, str) or status not in END_STATUSES:
        raise InvalidValueError(f"{what} must be one of {', '.join(END_STATUSES)}; got {status!r:.60}")


def _checked_tags(tags: Mapping[str, Any]) -> list[tuple[str, str]]:
    if not isinstance(tags, Mapping):
        raise InvalidValueError(f"tags must be a dict of name -> value, got {type(tags).__name__}")
    return [(validation.check_key(k, "tag"), validation.tag_value(k, v)) for k, v in tags.items()]


def _user_name() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def _flush_before_worker_exit() -> None:
    """multiprocessing children leave through os._exit, skipping atexit.

    Their Process bootstrap clears the finalizer registry right after the
    fork, then runs the after-fork hooks: register there, so the child's
    last events are sealed by multiprocessing's own exit finalizers.
    """
    mp_util = sys.modules.get("multiprocessing.util")
    if mp_util is None or _current is None:
        return
    mp_util.register_after_fork(_current, _register_exit_flush)


def _register_exit_flush(session: Session) -> None:
    import multiprocessing.util

    multiprocessing.util.Finalize(session, session.close_at_exit, exitpriority=100)


# -- the one process-wide session --------------------------------------------------
_current: Session | None = None
_current_lock = threading.Lock()


def get_session() -> Session:
    """The process's Session, created on first use."""
    session = _current
    if session is not None:
        return session
    return _create()


def _create(uri: str | os.PathLike[str] | None = None) -> Session:
    global _current
    with _current_lock:
        if _current is None or _current.closed:
            _current = Session(uri)
        return _current


def reset_session(uri: str | os.PathLike[str] | None = None, *, end_status: str | None = "KILLED") -> Session:
    """Close the current session (ending its runs with ``end_status``) and start a fresh one."""
    global _current
    validation.check_uri(uri, "reset_session")
    _check_store_location(uri)
    if end_status is not None:
        _check_status(end_status, "end_status")
    with _current_lock:
        old, _current = _current, None
    if old is not None:
        old.close(end_status=end_status)
    return _create(uri)


def _check_store_location(uri: str | os.PathLike[str] | None) -> None:
    """Refuse a store location the OS cannot use before anything changes."""
    if uri is None:
        return
    from ..store.locate import store_root

    try:
        store_root(uri)
    except (OSError, ValueError) as exc:
        raise StoreError(f"nbtrack cannot use {uri!r:.120} as a store directory ({exc})") from None


def _close_current() -> None:
    session = _current
    if session is not None:
        session.close_at_exit()


def _before_fork() -> None:
    store = _current._store if _current is not None else None
    if store is not None:
        store.release_idle()  # the child must not inherit an open database


def _after_fork_in_child() -> None:
    global _current_lock
    _current_lock = threading.Lock()
    if _current is not None:
        _current.after_fork_in_child()


atexit.register(_close_current)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)
