"""Which run an autologged call writes to, and the handle it writes through.

Inside an active run (a ``%%track`` cell, ``with nbtrack.start_run()``),
each outermost autologged call becomes a child run of it, named after the
estimator; outside any run it gets its own run. Either way the run ends when
the call returns (FAILED with the traceback if it raised). Calls made while
another autologged call is in progress (a pipeline's steps, a grid search's
candidates, the booster a scikit-learn wrapper trains) log nothing of their
own. Fits that a library makes on its own behalf (a ``LabelEncoder`` inside
a metric, a clone inside ``learning_curve``) never reach this module: the
integrations ask :mod:`._callers` first. Every write checks that the run is
still active, so a callback left behind never writes into a run that has ended.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ..tracking import validation
from ..tracking.rows import outcome_for
from ..tracking.run_state import RunState
from ..tracking.session import Session, get_session
from ._config import AutologConfig
from ._registry import REGISTRY, guarded, warn_once


class AutologRun:
    """The run one autologged call writes to; every write is dropped once it has ended."""

    def __init__(self, integration: str, state: RunState | None, session: Session, config: AutologConfig):
        self.integration = integration
        self.state = state
        self.session = session
        self.config = config

    @property
    def run_id(self) -> str:
        return self.state.run_id if self.state is not None else ""

    @property
    def active(self) -> bool:
        """True while the run is active (False for a suppressed call)."""
        return self.state is not None and self.state.active

    def child(
        self,
        name: str,
        params: Mapping[str, Any],
        metrics: Mapping[str, Any],
        status: str = "FINISHED",
        series: Mapping[str, Mapping[int, Any]] | None = None,
        **tags: Any,
    ) -> None:
        """Record a finished child run (a search candidate, a trial) under this run."""
        if not self.active:
            return
        self.session.record_run(
            parent_run_id=self.run_id,
            run_name=name,
            status=status,
            series=series,
            params={str(k): param_text(v) for k, v in params.items()},
            metrics={k: n for k, v in metrics.items() if (n := as_number(v)) is not None},
            tags={"nbtrack.autolog": self.integration, **self.config.extra_tags, **tags},
        )

    def safe(self, what: str) -> Any:
        """A context manager: run one logging step, warn once if it fails."""
        return guarded(self.integration, what)

    def params(self, params: Mapping[str, Any]) -> None:
        """Log params as text (cut to the param length limit); a key already set keeps its value."""
        if not self.active:
            return
        assert self.state is not None
        known = self.state.params
        fresh = {}
        for key, value in params.items():
            text = param_text(value)
            if known.get(str(key), text) == text:
                fresh[str(key)] = text
        if fresh:
            self.session.log_params(fresh, self.run_id)

    def metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        """Log numeric metrics (others are skipped) at ``step``."""
        if not self.active:
            return
        for key, value in metrics.items():
            number = as_number(value)
            if number is not None:
                self.session.log_metric(key, number, step, None, self.run_id)

    def tags(self, tags: Mapping[str, Any]) -> None:
        """Set tags on the run."""
        if self.active and tags:
            self.session.set_tags(
                {k: str(v)[: validation.MAX_TAG_LENGTH] for k, v in tags.items()}, self.run_id
            )

    def artifact(self, path: str, data: bytes) -> None:
        """Store bytes as the artifact ``path`` of the run."""
        if self.active:
            self.session.log_artifact_content(path, data=data, run_id=self.run_id)


def param_text(value: Any) -> str:
    """A param value as MLflow writes it (``str``), cut to the length limit."""
    text = value if isinstance(value, str) else str(value)
    return text[: validation.MAX_PARAM_LENGTH]


def as_number(value: Any) -> float | None:
    """A float from a Python/numpy scalar or a one-element array/tensor; None for anything else."""
    if isinstance(value, numbers.Real):
        return float(value)
    item, shape = getattr(value, "item", None), getattr(value, "shape", None)
    if callable(item) and shape is not None and all(int(d) == 1 for d in shape):
        try:
            result = item()
        except (TypeError, ValueError, RuntimeError):
            return None
        return float(result) if isinstance(result, numbers.Real) else None
    return None


@contextmanager
def autolog_run(
    integration: str, name: str, *, tags: Mapping[str, Any] | None = None, resume: str | None = None
) -> Iterator[AutologRun | None]:
    """The run for one autologged call, or None when this call must not log.

    None when the integration is off, when another autologged call is in
    progress (this one is nested in it), when ``exclusive=True`` and the
    user has a run active, or when the run could not be started. ``resume``
    re-opens a run of an earlier call (``partial_fit``) instead of starting one.
    """
    config = REGISTRY.configs.get(integration)
    if config is None or REGISTRY.current is not None:
        yield None
        return
    session = get_session()
    run = _start(integration, name, config, session, tags or {}, resume)
    # Claim the call even when not logging, so calls nested in it stay quiet.
    REGISTRY.current = run or AutologRun(integration, None, session, config)
    try:
        yield run
    except BaseException as exc:
        if run is not None:
            _end(run, *outcome_for(exc))
        raise
    else:
        if run is not None:
            _end(run, "FINISHED", None)
    finally:
        REGISTRY.current = None


def _start(
    integration: str,
    name: str,
    config: AutologConfig,
    session: Session,
    tags: Mapping[str, Any],
    resume: str | None,
) -> AutologRun | None:
    if config.exclusive and session.active_run is not None:
        return None
    all_tags = {"nbtrack.autolog": integration, **config.extra_tags, **tags}
    try:
        if resume is not None:
            state = session.start_run(run_id=resume, nested=True)
        else:
            state = session.start_run(run_name=name, nested=True, tags=all_tags)
    except Exception as exc:
        warn_once(integration, "a run for this call", exc)
        return None
    return AutologRun(integration, state, session, config)


def _end(run: AutologRun, status: str, error: str | None) -> None:
    if not run.active:
        return  # the user (or the parent's end) already ended it
    with guarded(run.integration, "the end of its run"):
        run.session.end_run(status, run_id=run.run_id, error=error)


@contextmanager
def enclosing_or_own_run(integration: str, name: str) -> Iterator[AutologRun | None]:
    """The user's active run as is (never ended here), or else a run of the call's own."""
    config = REGISTRY.configs.get(integration)
    session = get_session()
    active = session.active_run
    if config is None or REGISTRY.current is not None or active is None or config.exclusive:
        with autolog_run(integration, name) as run:
            yield run
        return
    run = AutologRun(integration, active, session, config)
    REGISTRY.current = run
    try:
        yield run
    finally:
        REGISTRY.current = None


def current_run(integration: str) -> AutologRun | None:
    """The in-progress autologged call's run if it belongs to ``integration`` and is logging."""
    run = REGISTRY.current
    if isinstance(run, AutologRun) and run.integration == integration and run.active:
        return run
    return None


def active_run_id() -> str | None:
    """The id of the user's active run (``%%track`` cell, ``start_run``), or None."""
    active = get_session().active_run
    return active.run_id if active is not None else None


def log_late_metric(run_id: str, key: str, value: Any) -> None:
    """Log a number to a run that may have ended (post-training metrics of a fitted model)."""
    number = as_number(value)
    if number is not None:
        get_session().log_metric(key, number, None, None, run_id)
