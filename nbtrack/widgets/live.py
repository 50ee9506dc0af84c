"""Live metric curves of the running run, pushed from the kernel while the cell runs.

While a cell runs the kernel handles no messages from the browser, so the
browser cannot ask for anything: a named daemon thread (``nbtrack-live``)
pushes instead, setting traits from the kernel side (ipykernel sends comm
messages from any thread). Each push carries only the chart's rows as Arrow
IPC; the Vega-Lite spec (from :func:`nbtrack.charts.curves_chart`) is sent
again only when a new metric appears. When the run ends the thread sends the
final chart, updates the cell's static output (a PNG for nbconvert/GitHub),
unsubscribes and stops.
"""

from __future__ import annotations

import threading
import uuid
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from ..errors import NbtrackError
from ._assets import asset
from ._live_feed import LiveFeed

if TYPE_CHECKING:
    import pandas as pd

    from ..tracking.run_state import RunState
    from ..tracking.session import Session

#: Seconds between two pushes while points arrive.
DEFAULT_INTERVAL = 0.5


class LiveCurves(anywidget.AnyWidget):
    """Curves of the metrics a run logs, updated while it runs, then frozen."""

    _esm = asset("live.js")
    _css = asset("widgets.css")

    chart = traitlets.Dict().tag(sync=True)
    rows = traitlets.Dict().tag(sync=True)
    points = traitlets.Int(0).tag(sync=True)
    state = traitlets.Unicode("running").tag(sync=True)
    run_name = traitlets.Unicode("").tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)

    def __init__(self, session: Session, run: RunState, feed: LiveFeed, *, x: str, interval: float) -> None:
        super().__init__(run_name=run.run_name)
        self._session, self._run, self._feed = session, run, feed
        self._x, self._interval = x, interval
        self._spec_columns: tuple[str, ...] = ()
        self._dataset = ""
        self._metrics: tuple[str, ...] = ()
        self._display_id = uuid.uuid4().hex
        self._shown = False
        self._shell: Any = None
        self._lock = threading.Lock()
        self._frozen = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="nbtrack-live", daemon=True)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Subscribe to the session's metrics and start pushing."""
        self._session.subscribe(self._feed)
        self._thread.start()

    def stop(self) -> None:
        """Stop pushing and unsubscribe now (the chart keeps what it shows)."""
        self._stop.set()
        self._feed.wake.set()
        with self._lock:
            if self.state == "running":
                self.state = "stopped"
        self._unsubscribe()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def close(self) -> None:
        self.stop()
        super().close()

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                self._feed.wake.wait(self._interval)
                self._feed.wake.clear()
                if not self._step():
                    return
        except Exception as exc:  # never raise in a thread of the user's kernel: say it in the widget
            self.message = f"live updates stopped: {type(exc).__name__}: {exc}"
            self.state = "stopped"
        finally:
            self._unsubscribe()

    def _step(self) -> bool:
        """Push what arrived, or freeze if the run ended; False once frozen."""
        with self._lock:
            if self.state != "running":
                return False
            ended = not self._run.active
            frame = self._feed.drain()
            if ended:
                self._finish()
                return False
            if frame is not None:
                self._push(frame)
            return True

    def _after_cell(self, result: Any = None) -> None:
        """IPython's post_run_cell: a run that ended in this cell freezes before the cell returns.

        The thread would notice too, but up to a push interval later, after
        the cell's reply: nbconvert and the saved notebook would keep the
        first, empty output.
        """
        try:
            if not self._run.active:
                self._step()
        except Exception as exc:  # an IPython hook never raises into the user's cell
            self.message = f"live updates stopped: {type(exc).__name__}: {exc}"
        finally:
            if self.state != "running":
                self._unsubscribe()

    def _unsubscribe(self) -> None:
        self._session.unsubscribe(self._feed)
        shell = self._shell
        if shell is not None and self._after_cell in shell.events.callbacks.get("post_run_cell", []):
            shell.events.unregister("post_run_cell", self._after_cell)

    # -- pushing ---------------------------------------------------------------------------
    def _push(self, frame: pd.DataFrame) -> None:
        metrics = tuple(dict.fromkeys(frame["metric"]))
        if metrics != self._metrics or not self._dataset:
            self._send_chart(frame, metrics)
            return
        from ..wire import arrow_ipc

        table = self._dataset_table(frame)
        if table is None:
            self._send_chart(frame, metrics)
            return
        with self.hold_sync():
            self.rows = {"name": self._dataset, "data": arrow_ipc(table)}
            self.points = self._feed.total

    def _send_chart(self, frame: pd.DataFrame, metrics: tuple[str, ...]) -> None:
        from ..charts.export import split_datasets

        spec, datasets = split_datasets(self._curves(frame))
        self._metrics = metrics
        self._dataset = next(iter(datasets), "") if len(datasets) == 1 else ""
        self._spec_columns = _schema_names(datasets[self._dataset]) if self._dataset else ()
        with self.hold_sync():
            self.chart = {"spec": spec, "data": datasets}
            self.points = self._feed.total

    def _curves(self, frame: pd.DataFrame) -> Any:
        from ..charts.curves import curves_chart

        return curves_chart(_history(frame, self._run.run_name), x=self._x, layout="facet")

    def _dataset_table(self, frame: pd.DataFrame) -> Any:
        """The chart's rows for ``frame`` with exactly the columns the spec was built with."""
        import pyarrow as pa

        from ..wire import dictionary_array

        history = _history(frame, self._run.run_name)
        if not self._spec_columns or not set(self._spec_columns) <= set(history.columns):
            return None
        import pandas as pd

        columns = {}
        for name in self._spec_columns:
            column = history[name]
            numeric = pd.api.types.is_numeric_dtype(column)
            columns[name] = pa.array(column.to_numpy("float64")) if numeric else dictionary_array(column)
        return pa.table(columns)

    def _finish(self) -> None:
        """The final chart, state ``done`` and the static output (the caller holds the lock)."""
        frame = self._feed.snapshot()
        if frame is not None and len(frame):
            self._send_chart(frame, tuple(dict.fromkeys(frame["metric"])))
        self._frozen = True
        self._update_static()  # before "done": when the page says done, the saved output is final
        self.state = "done"

    # -- display ---------------------------------------------------------------------------
    def show(self) -> None:
        """Display the widget once, under a display id that the final chart updates."""
        from IPython.core.interactiveshell import InteractiveShell
        from IPython.display import display

        if not InteractiveShell.initialized():
            return  # a plain script: nothing to show the widget in
        self._shown = True
        data, metadata = self._repr_mimebundle_()
        display(data, raw=True, metadata=metadata, display_id=self._display_id)
        self._shell = InteractiveShell.instance()
        self._shell.events.register("post_run_cell", self._after_cell)

    def _ipython_display_(self) -> None:
        if not self._shown:  # already on screen where live() was called: show it once
            self.show()

    def _update_static(self) -> None:
        if not self._shown:
            return
        from IPython.display import update_display

        data, metadata = self._repr_mimebundle_()
        update_display(data, raw=True, metadata=metadata, display_id=self._display_id)

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        from ._static import with_static

        static: dict[str, Any] = {"text/plain": self._summary()}
        frame = self._feed.snapshot()
        if self._frozen and frame is not None and len(frame):
            try:
                from ..charts.export import to_png

                static["image/png"] = to_png(self._curves(frame))
            except (NbtrackError, ImportError):
                pass
        return with_static(super()._repr_mimebundle_(**kwargs), static)

    def _summary(self) -> str:
        metrics = ", ".join(self._metrics) or "no metrics yet"
        state = "done" if self._frozen else self.state
        return f"nbtrack live curves of run {self._run.run_name} ({state}): {metrics}"


def _history(frame: pd.DataFrame, run_name: str) -> pd.DataFrame:
    """A feed frame in the shape ``curves_chart`` takes (wall_time as epoch ms)."""
    history = frame.rename(columns={"ts": "wall_time"})
    history.insert(0, "run", run_name)
    history["wall_time"] = history["wall_time"].astype("float64")
    if "relative_time" not in history.columns:
        start = history["wall_time"].min()
        history["relative_time"] = (history["wall_time"] - start) / 1000.0
    return history


def _schema_names(ipc: bytes) -> tuple[str, ...]:
    from ..wire import read_ipc

    return tuple(read_ipc(ipc).schema.names)


def start_live(
    session: Session,
    run: RunState,
    *,
    metrics: set[str] | None,
    x: str,
    interval: float,
    max_points: int,
) -> LiveCurves:
    """Make the widget for ``run``, seed it with what the run logged already, start pushing."""
    feed = LiveFeed(run.run_id, run.run_name, metrics, max_points)
    earlier = _earlier_points(session, run, metrics, max_points)
    if earlier is not None:
        feed.seed(earlier)
    widget = LiveCurves(session, run, feed, x=x, interval=interval)
    widget.start()
    return widget


def _earlier_points(
    session: Session, run: RunState, metrics: set[str] | None, max_points: int
) -> pd.DataFrame | None:
    """Points the run logged before ``live()`` (one bounded read, only if there are any)."""
    keys = [k for k in run.next_step if metrics is None or k in metrics]
    if not keys:
        return None
    import pandas as pd

    try:
        store = session.reader()
        frames = []
        for key in keys:
            table, _ = store.metric_history(run.run_id, key, max_points)
            frame = table.to_pandas()
            frame.insert(0, "metric", key)
            frames.append(frame)
    except NbtrackError:
        return None  # a busy store: start from the next point rather than wait
    return pd.concat(frames, ignore_index=True)[["metric", "step", "ts", "value"]]
