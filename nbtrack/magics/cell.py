"""One execution of a ``%%track`` cell: start a run, run the code as IPython would, record, end.

The body runs through ``shell.run_ast_nodes`` (IPython's own code path), so
the last expression is displayed as ``Out[N]``, an error is shown once with
IPython's traceback and the outer cell is marked failed (``Run All``
stops). Every nbtrack step around the user's code goes through the
tracker's :class:`~nbtrack.magics.tracker.Guard`: it can fail, the code
still runs.
"""

from __future__ import annotations

import sys
import time
import traceback
import warnings
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from .. import api
from ..capture import environment, git, history, seeds
from ..capture.card import CardData, render
from ..capture.identity import execution_count
from ..capture.lineage import CELL_ID_TAG, PREVIOUS_TAG, RunSummary
from ..capture.output import Captured, OutputCapture
from ..errors import InvalidValueError, StoreError
from ..tracking import rows, validation
from ..tracking.active_run import ActiveRun
from ..tracking.session import get_session
from .options import TrackOptions
from .prepare import CellSyntaxError, PreparedCell, prepare
from .tracker import Tracker

_MISSING = object()
#: What the session warns when a run's start cannot be sealed yet (the magic reports it once instead).
_START_NOT_SEALED = "could not yet record the start of run"


class FinalMetrics:
    """A metric listener keeping the last value of each metric of one run."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.values: dict[str, float] = {}
        self._steps: dict[str, int] = {}

    def __call__(self, run_id: str, key: str, step: int, ts: int, value: float) -> None:
        if run_id == self.run_id and step >= self._steps.get(key, -1):
            self._steps[key] = step
            self.values[key] = value


class TrackedCell:
    """The run of one ``%%track`` execution."""

    def __init__(self, tracker: Tracker, options: TrackOptions, line: str, cell: str) -> None:
        self.tracker = tracker
        self.shell = tracker.shell
        self.guard = tracker.guard
        self.options = options
        self.line = line
        self.cell = cell
        self.run: ActiveRun | None = None
        self.session = get_session()
        self.final: FinalMetrics | None = None
        self.started = 0.0
        self.git_root: Path | None = None
        self.git_label: str | None = None
        self.previous: RunSummary | None = None
        self.previous_future: Future[Any] | None = None
        self.captured = Captured()
        self.recorded: list[str] = []
        self.notes: list[str] = []

    # -- the whole execution -----------------------------------------------------------
    def execute(self) -> None:
        """Run the cell; errors in the user's code mark the cell failed, as without the magic."""
        outer = getattr(self.shell.displayhook, "exec_result", None)
        try:
            prepared = prepare(self.shell, self.line, self.cell, self.options)
        except CellSyntaxError as exc:
            return _propagate(outer, exc.error)
        self._start(prepared)
        from IPython.core.interactiveshell import ExecutionResult

        inner = ExecutionResult(getattr(outer, "info", None))
        before = {name: id(self.shell.user_ns.get(name, _MISSING)) for name in self.options.metrics}
        interrupted: KeyboardInterrupt | None = None
        try:
            self._run_code(prepared, inner, outer)
        except KeyboardInterrupt as exc:  # arrived while nbtrack, not the user's code, was running
            interrupted = exc
        error = interrupted or inner.error_in_exec or inner.error_before_exec
        if self.run is not None:
            try:
                self._finish(prepared, error, before)
            except KeyboardInterrupt as exc:  # a second interrupt while recording: still end the run
                self._end("KILLED", exc, prepared)
                raise
        if interrupted is not None:
            raise interrupted
        if error is not None:
            _propagate(outer, error)
        return None

    def _run_code(self, prepared: PreparedCell, inner: Any, outer: Any) -> None:
        from IPython.core.async_helpers import _pseudo_sync_runner

        capture = OutputCapture(self.shell) if self.run is not None and self.options.capture else None
        if capture is not None and self.guard.run("output capture", capture.start, default=False) is False:
            self.guard.run("output capture", capture.stop, force=True)
            capture = None
        silent = getattr(getattr(outer, "info", None), "silent", False)
        # `plt.plot(x);` hides the value without the magic; IPython only looks at the outer cell's text
        silent = silent or (
            ";" in prepared.source and self.shell.displayhook.semicolon_at_end_of_expression(prepared.source)
        )
        try:
            _pseudo_sync_runner(
                self.shell.run_ast_nodes(
                    prepared.tree.body,
                    prepared.cell_name,
                    interactivity="none" if silent else self.shell.ast_node_interactivity,
                    compiler=self.shell.compile,
                    result=inner,
                )
            )
            if capture is not None:
                self.guard.run("figure capture", capture.show_pending_figures)
        finally:
            if capture is not None:
                self.captured = self.guard.run("output capture", capture.stop, default=Captured(), force=True)

    # -- start -------------------------------------------------------------------------
    def _start(self, prepared: PreparedCell) -> None:
        if not self.options.nested:
            self._end_dangling()
        identity = prepared.identity
        tags = {CELL_ID_TAG: identity.cell_id, **self.options.tags}
        if identity.execution_count is not None:
            tags["nbtrack.execution_count"] = str(identity.execution_count)
        if identity.notebook:
            tags["nbtrack.notebook"] = identity.notebook
        if prepared.overridden:
            tags["nbtrack.overrides"] = ",".join(prepared.overridden)
        if not self._start_run(tags):
            return
        self.started = time.perf_counter()
        self.final = FinalMetrics(self._run_id)
        self.session.subscribe(self.final)
        self.guard.run("parameter logging", self._log_params, prepared)
        if self.options.capture:
            self.guard.run("git capture", self._start_git, identity.notebook)
        self.guard.run("lineage", self._start_lineage, identity.cell_id)

    def _start_run(self, tags: dict[str, str]) -> bool:
        """Start the cell's run; a store that cannot take its start yet is reported once, by the guard."""
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", RuntimeWarning)
                self.run = api.start_run(
                    experiment=self.options.experiment,
                    run_name=self.options.name,
                    nested=self.options.nested,
                    tags=tags,
                )
        except Exception as exc:
            print(
                f"nbtrack: could not start a run ({type(exc).__name__}: {exc}); this cell runs untracked.",
                file=sys.stderr,
            )
            return False
        for warning in caught:
            if _START_NOT_SEALED in str(warning.message):  # the start stays buffered, as every other event
                self.guard.store_problem(StoreError(str(warning.message)))
            else:
                warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
        return True

    def _end_dangling(self) -> None:
        """A run left active by an earlier cell must not block this one: end it."""
        for _ in range(100):
            state = self.session.active_run
            if state is None:
                return
            self.session.end_run("FINISHED", run_id=state.run_id)
            print(
                f"nbtrack: ended run {state.run_name!r} ({state.run_id[:8]}) that an earlier cell left "
                "active (FINISHED); use --nested to make this cell's run its child instead."
            )

    def _log_params(self, prepared: PreparedCell) -> None:
        params = {}
        for name, param in prepared.params.params.items():
            params[name] = validation.param_value(name, param.value)
        if params:
            self.session.log_params(params, self._run_id)
        self.notes.extend(prepared.params.notes())

    def _start_git(self, notebook: str | None) -> None:
        start = Path(notebook).parent if notebook and Path(notebook).is_absolute() else Path.cwd()
        root = self.tracker.git.root_of(start)
        if root is None:
            return
        head = git.read_head(root)
        tags = {"nbtrack.git_root": str(root)}
        if head.commit:
            tags["nbtrack.git_commit"] = head.commit
        if head.branch:
            tags["nbtrack.git_branch"] = head.branch
        self.session.set_tags(tags, self._run_id)
        self.git_label = f"git {head.branch or 'detached'}@{(head.commit or 'no commits')[:8]}"
        self.git_root = root

    def _start_lineage(self, cell_id: str) -> None:
        self.previous = self.tracker.lineage.known(cell_id)
        if self.previous is None:
            self.previous_future = self.tracker.previous_runs(self.session, self._run_id)

    @property
    def identity_count(self) -> int | None:
        return execution_count(self.shell)

    @property
    def _run_id(self) -> str:
        assert self.run is not None
        return self.run.run_id

    # -- finish ------------------------------------------------------------------------
    def _finish(self, prepared: PreparedCell, error: BaseException | None, before: dict[str, int]) -> None:
        status = rows.status_for(error)
        try:
            self.guard.run("--metrics", self._log_variables, before, error)
            if self.options.capture:
                self.guard.run("source capture", self._log_source, prepared)
                self.guard.run("history capture", self._log_history)
                self.guard.run("output capture", self._log_output)
                self.guard.run("environment capture", self._log_environment, prepared)
                if self.git_label:
                    self.recorded.append(self.git_label)
            self.guard.run("lineage", self._finish_lineage, prepared.identity.cell_id)
            self._end(status, error, prepared)
        finally:
            if self.final is not None:
                self.session.unsubscribe(self.final)
        summary = RunSummary(
            self._run_id,
            self.run.run_name if self.run else "",
            status,
            {k: validation.param_value(k, p.value) for k, p in prepared.params.params.items()},
            dict(self.final.values) if self.final else {},
        )
        self.tracker.lineage.remember(prepared.identity.cell_id, summary)
        card = self.guard.run("run card", self._show_card, prepared, summary, error)
        if card is not None:
            self.guard.run("lineage", self._link_later, prepared.identity.cell_id, *card)
        if self.options.capture:
            self.guard.run("git capture", self._collect_git)

    def _end(self, status: str, error: BaseException | None, prepared: PreparedCell) -> None:
        assert self.run is not None
        if not self.run.active:
            return  # the user's code ended it
        text = _error_text(error, prepared.cell_name) if error is not None else None
        try:
            self.run.end(status, error=text)
        except Exception as exc:  # the run is ended in memory; its data is kept and retried
            self.guard.store_problem(exc)
            self.notes.append("not written to the store yet: kept in memory and retried every second")

    def _log_variables(self, before: dict[str, int], error: BaseException | None) -> None:
        namespace = self.shell.user_ns
        for name in self.options.metrics:
            value = namespace.get(name, _MISSING)
            if value is _MISSING:
                self.notes.append(f"--metrics {name}: no such variable after the cell ran")
            elif error is not None and id(value) == before.get(name):
                self.notes.append(f"--metrics {name}: not set by this execution (the cell stopped first)")
            else:
                try:
                    number = validation.metric_value(name, value)
                except InvalidValueError:
                    self.notes.append(f"--metrics {name}: not a number ({type(value).__name__}), not logged")
                    continue
                self.session.log_metric(name, number, run_id=self._run_id)

    def _artifact(self, path: str, text: str | bytes) -> None:
        data = text.encode("utf-8") if isinstance(text, str) else text
        self.session.log_artifact_content(path, data=data, run_id=self._run_id)

    def _log_source(self, prepared: PreparedCell) -> None:
        self._artifact("nbtrack/source.py", prepared.source)
        self.recorded.append("source")
        found = seeds.resolve_seeds(prepared.seed_sites, self.shell.user_ns)
        if found:
            self.session.set_tags({"nbtrack.seeds": seeds.seeds_tag(found)}, self._run_id)
            self.recorded.append(f"{len(found)} seed(s)")

    def _log_history(self) -> None:
        text = history.session_history(self.shell, self.identity_count)
        self._artifact("nbtrack/history.py", text)
        self.recorded.append("history")

    def _log_output(self) -> None:
        captured = self.captured
        for name, text in (("stdout", captured.stdout), ("stderr", captured.stderr)):
            if text:
                self._artifact(f"nbtrack/{name}.txt", text)
                self.recorded.append(name)
        for i, png in enumerate(captured.images, start=1):
            self._artifact(f"figures/figure-{i}.png", png)
        if captured.images:
            self.recorded.append(f"{len(captured.images)} figure(s)")

    def _log_environment(self, prepared: PreparedCell) -> None:
        inputs = getattr(self.shell.history_manager, "input_hist_raw", None) or []
        session = self.tracker.imports.update(inputs)
        versions = self.tracker.versions.versions(environment.packages_for_cell(prepared.imported, session))
        key = tuple(versions.items())
        if key not in self.tracker.environments:
            import json

            record = environment.environment_record(versions)
            self.tracker.environments[key] = json.dumps(record, indent=2).encode()
        self._artifact("nbtrack/environment.json", self.tracker.environments[key])
        tags = {"nbtrack.python": environment.python_version()}
        if versions:
            tags["nbtrack.packages"] = environment.packages_tag(versions)
        self.session.set_tags(tags, self._run_id)

    def _collect_git(self) -> None:
        """The working tree is read by the capture thread once the cell is done, never on its time."""
        if self.git_root is None:
            return
        probe, root, session, run_id = self.tracker.git, self.git_root, self.session, self._run_id
        self.tracker.submit(self.guard.run, "git capture", _record_working_tree, probe, root, session, run_id)

    def _finish_lineage(self, cell_id: str) -> None:
        """Link to the previous run if it is known now; never wait for the store (see :meth:`_link_later`)."""
        future = self.previous_future
        if future is not None and future.done() and future.exception() is None:
            self.previous = _previous_of(future.result(), cell_id, self._run_id)
            self.previous_future = None
        if self.previous is not None:
            self.previous_future = None
            self.session.set_tags({PREVIOUS_TAG: self.previous.run_id}, self._run_id)

    def _link_later(self, cell_id: str, card: CardData, display_id: str | None) -> None:
        """Once the store has answered (in the capture thread): write the link, update the card."""
        future = self.previous_future
        if future is None:
            return
        link = (_link_previous, future, cell_id, self.session, self._run_id, card, display_id)
        self.tracker.submit(self.guard.run, "lineage", *link, lane="lookup")

    def _show_card(
        self, prepared: PreparedCell, summary: RunSummary, error: BaseException | None
    ) -> tuple[CardData, str | None]:
        """Display the card; (card, display id to update it by, if the previous run is still looked up)."""
        card = CardData(
            run_id=summary.run_id,
            run_name=summary.run_name,
            experiment=self.options.experiment or self.session.experiment_name or "Default",
            status=summary.status,
            duration_s=time.perf_counter() - self.started,
            params=summary.params,
            overridden=prepared.overridden,
            metrics=summary.metrics,
            previous=self.previous,
            error=f"{type(error).__name__}: {error}"[:300] if error is not None else None,
            captured=self.recorded,
            notes=self.notes,
        )
        self.tracker.last_card = card
        display_id = None
        if not self.options.quiet:
            from IPython.display import display

            display_id = f"nbtrack-run-{summary.run_id}" if self.previous_future is not None else None
            display(render(card), raw=True, display_id=display_id)
        return card, display_id


def _previous_of(found: dict[str, RunSummary], cell_id: str, run_id: str) -> RunSummary | None:
    previous = found.get(cell_id)
    return previous if previous is not None and previous.run_id != run_id else None


def _link_previous(
    future: Future[Any], cell_id: str, session: Any, run_id: str, card: CardData, display_id: str | None
) -> None:
    """Tag the ended run with its previous run and show it on the card (runs in the capture thread)."""
    previous = _previous_of(future.result(), cell_id, run_id)
    if previous is None:
        return
    session.set_tags({PREVIOUS_TAG: previous.run_id}, run_id)
    session.seal(durable=False)  # written after the run ended: in a file now, whatever ends the kernel
    card.previous = previous
    if display_id is not None:
        from IPython.display import update_display

        update_display(render(card), raw=True, display_id=display_id)


def _record_working_tree(probe: git.GitProbe, root: Path, session: Any, run_id: str) -> None:
    tree = probe.snapshot(root)
    if tree is None:
        return
    session.set_tags({"nbtrack.git_dirty": str(tree.dirty).lower()}, run_id)
    if tree.dirty:
        session.log_artifact_content("nbtrack/git.diff", data=tree.as_text().encode(), run_id=run_id)
    session.seal(durable=False)  # as for the link above: a kernel shut down right after keeps it


def _error_text(error: BaseException, cell_name: str) -> str:
    """The traceback from the cell's own frames down (IPython's frames above it left out)."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != cell_name:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb or error.__traceback__))


def _propagate(outer: Any, error: BaseException) -> None:
    """Mark the outer cell failed (IPython has shown the error); raise only outside run_cell."""
    if outer is None:
        raise error
    if outer.error_in_exec is None:
        outer.error_in_exec = error
