"""The handle ``start_run`` returns: a context manager that always ends its run."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from . import rows, validation
from .run_state import RunState
from .session import Session


class ActiveRun:
    """A run started in this process.

    Use it as a context manager: the run ends FINISHED when the block
    completes, FAILED (with the traceback stored) when it raises, KILLED on
    KeyboardInterrupt; the exception is never swallowed.
    """

    def __init__(self, state: RunState, session: Session) -> None:
        self._state = state
        self._session = session

    run_id = property(lambda self: self._state.run_id, doc="The run's id (32 hex characters).")
    run_name = property(lambda self: self._state.run_name, doc="The run's display name.")
    experiment_id = property(lambda self: self._state.experiment_id, doc="Id of the run's experiment.")
    parent_run_id = property(lambda self: self._state.parent_run_id, doc="Id of the parent run, if nested.")

    @property
    def info(self) -> ActiveRun:
        """``run.info.run_id`` works as in MLflow."""
        return self

    @property
    def active(self) -> bool:
        """True until the run ends."""
        return self._state.active

    def __repr__(self) -> str:
        state = "active" if self.active else "ended"
        return f"<ActiveRun {self.run_name!r} id={self.run_id} {state}>"

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._state.active:
            return
        if exc_type is not None and exc is None:  # an exception class alone (Python < 3.12 could pass one)
            exc = exc_type()
        status, error = rows.outcome_for(exc, tb)
        self.end(status, error=error)

    def end(self, status: str = "FINISHED", *, error: str | None = None) -> None:
        """End this run (and its active children)."""
        if self._state.active:
            self._session.end_run(status, run_id=self.run_id, error=error)

    def log_metric(self, key: str, value: Any, step: Any = None, timestamp: Any = None) -> None:
        """Log a metric to this run, whether or not it is the innermost one."""
        self._session.log_metric(key, value, step, timestamp, self.run_id)

    def log_metrics(self, metrics: dict[str, Any], step: Any = None, timestamp: Any = None) -> None:
        """Log several metrics to this run at one step."""
        self._session.log_metrics(metrics, step, timestamp, self.run_id)

    def log_param(self, key: str, value: Any) -> None:
        """Log one param to this run."""
        self._session.log_params({validation.check_key(key, "param"): value}, self.run_id)

    def log_params(self, params: dict[str, Any]) -> None:
        """Log params to this run."""
        self._session.log_params(params, self.run_id)

    def set_tag(self, key: str, value: Any) -> None:
        """Set one tag on this run."""
        self._session.set_tags({validation.check_key(key, "tag"): value}, self.run_id)

    def set_tags(self, tags: dict[str, Any]) -> None:
        """Set tags on this run."""
        self._session.set_tags(tags, self.run_id)
