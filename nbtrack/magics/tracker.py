"""The magics' state for one IPython shell: caches, the failure guard, background captures.

One :class:`Tracker` lives on the registered magics object (so ``%unload_ext``
drops it with them); nothing is kept in module globals. What it installs in
the shell (names in the user namespace, an exit hook) it removes exactly on
:meth:`Tracker.uninstall`.
"""

from __future__ import annotations

import atexit
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from ..capture.environment import SessionImports, VersionCache
from ..capture.git import GitProbe
from ..capture.lineage import Lineage, RunSummary, load_previous_runs
from ..errors import StoreError, StoreLockedError

#: Names made available in the user namespace by ``%load_ext nbtrack``.
USER_FUNCTIONS = (
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "set_tag",
    "set_tags",
    "log_artifact",
    "log_text",
    "log_dict",
    "log_figure",
    "log_image",
    "log_table",
)
#: The pseudo-step under which a store that cannot be written is reported (once).
STORE_STEP = "writing to the store"
#: Seconds the kernel waits at exit for captures still running (jupyter_client terminates it at 2.5 s).
EXIT_WAIT = 2.0
#: The background threads: writes of a cell's captures, and reads of the store (which may wait on its lock).
LANES = ("capture", "lookup")


class Guard:
    """Runs nbtrack's own steps so that a failure never reaches the user's code.

    A step that fails is reported once, in one clear line, and switched off
    for the rest of the kernel's life (``%nbtrack reset`` switches it back on).
    """

    def __init__(self) -> None:
        self.disabled: dict[str, str] = {}
        self._lock = threading.Lock()

    def run(
        self,
        step: str,
        fn: Callable[..., Any],
        *args: Any,
        default: Any = None,
        force: bool = False,
        **kwargs: Any,
    ) -> Any:
        """``fn(*args, **kwargs)``, or ``default`` if it fails or ``step`` is off (``force``: run anyway)."""
        if step in self.disabled and not force:
            return default
        try:
            return fn(*args, **kwargs)
        except (StoreError, StoreLockedError) as exc:  # the store's trouble, not this step's: keep it on
            self.store_problem(exc)
            return default
        except Exception as exc:
            self.fail(step, exc)
            return default

    def store_problem(self, exc: BaseException) -> None:
        """Say once that the store cannot be written (steps stay on: the store may come back)."""
        self._switch_off(
            STORE_STEP,
            exc,
            f"nbtrack: cannot write to the store ({exc}). Your code ran as usual; what its run logged is "
            "kept in memory and written as soon as the store works again (`%nbtrack store` shows where "
            "it is, `%nbtrack reset` re-arms this message).",
        )

    def fail(self, step: str, exc: BaseException) -> None:
        """Report a failed step once and switch it off."""
        self._switch_off(
            step,
            exc,
            f"nbtrack: {step} failed ({type(exc).__name__}: {exc}). It is switched off for this kernel; "
            "your code ran as usual and the run is recorded without it. `%nbtrack reset` switches it "
            "back on; please report this if it is not caused by your environment.",
        )

    def _switch_off(self, step: str, exc: BaseException, message: str) -> None:
        with self._lock:
            if step in self.disabled:
                return
            self.disabled[step] = f"{type(exc).__name__}: {exc}"
        print(message, file=sys.__stderr__ if sys.stderr is None else sys.stderr)


class Tracker:
    """Per-shell state of nbtrack's magics."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.guard = Guard()
        self.lineage = Lineage()
        self.versions = VersionCache()
        self.imports = SessionImports()
        self.git = GitProbe()
        self.environments: dict[tuple[tuple[str, str], ...], bytes] = {}
        self.last_card: Any = None
        self._executors: dict[str, ThreadPoolExecutor] = {}
        self._pending: set[Future[Any]] = set()
        self._pushed: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._previous: tuple[Any, Future[dict[str, RunSummary]]] | None = None

    # -- install / uninstall -----------------------------------------------------------
    def install(self) -> None:
        """Offer the logging functions in the user namespace (never over a user's own name)."""
        import nbtrack

        offered = {name: getattr(nbtrack, name) for name in USER_FUNCTIONS}
        fresh = {name: fn for name, fn in offered.items() if name not in self.shell.user_ns}
        self.shell.push(fresh, interactive=False)
        self._pushed = fresh
        atexit.register(self.wait_pending, EXIT_WAIT)

    def uninstall(self) -> None:
        """Remove what :meth:`install` added and stop the background worker."""
        atexit.unregister(self.wait_pending)
        for name, fn in self._pushed.items():
            if self.shell.user_ns.get(name) is fn:
                del self.shell.user_ns[name]
            self.shell.user_ns_hidden.pop(name, None)
        self._pushed = {}
        self.wait_pending(EXIT_WAIT)
        with self._lock:
            executors, self._executors = self._executors, {}
        for executor in executors.values():
            executor.shutdown(wait=False)

    # -- background captures -----------------------------------------------------------
    def submit(self, fn: Callable[..., Any], *args: Any, lane: str = "capture") -> Future[Any]:
        """Run ``fn`` in the ``nbtrack-<lane>`` thread (one per lane, jobs in order).

        ``capture`` writes what a cell captured (never waits on the store's
        lock); ``lookup`` reads the store, so a busy store delays only reads.
        """
        with self._lock:
            executor = self._executors.get(lane)
            if executor is None:
                name = f"nbtrack-{lane}"
                executor = self._executors[lane] = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
            future = executor.submit(fn, *args)
            self._pending.add(future)
        future.add_done_callback(self._pending.discard)
        return future

    def previous_runs(self, session: Any, run_id: str) -> Future[dict[str, RunSummary]]:
        """The latest run of every cell in ``session``'s store, read once in the background.

        The first call (per session: ``nbtrack.connect`` starts another)
        submits the read, leaving out ``run_id`` (the calling cell's own run)
        and the runs started from now on (this kernel's next cells, which
        :class:`Lineage` remembers); later calls return the same future, or
        read again if it failed.
        """
        with self._lock:
            known = self._previous
        if known is not None and known[0] is session:
            future = known[1]
            if not future.done() or future.exception() is None:
                return future
        future = self.submit(load_previous_runs, session, run_id, time.time_ns() // 1_000_000, lane="lookup")
        with self._lock:
            self._previous = (session, future)
        return future

    def wait_pending(self, timeout: float = EXIT_WAIT) -> None:
        """Wait (bounded) until captures still running in the background are written."""
        pending = [f for f in list(self._pending) if not f.done()]
        if pending:
            wait(pending, timeout=timeout)

    def reset(self) -> list[str]:
        """Switch every step that failed back on; returns their names."""
        names = list(self.guard.disabled)
        self.guard.disabled.clear()
        return names
