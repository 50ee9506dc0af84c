"""Inline widgets: the run table, the comparison and live curves.

They talk to the kernel through the Jupyter comm (anywidget), so they work
wherever ipywidgets work (JupyterLab, Notebook 7, VS Code, JupyterHub) with
no side server and no network: Vega is bundled into their JavaScript. This
module stays light; anywidget, pandas and Altair load when a widget is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import InvalidValueError

if TYPE_CHECKING:
    from .compare import CompareRuns
    from .live import LiveCurves
    from .table import RunTable

#: Seconds between two pushes of live curves.
LIVE_INTERVAL = 0.5


def table(
    filter: str | None = None,
    *,
    experiment: str | Sequence[str] | None = None,
    order_by: str | None = None,
    columns: Sequence[str] | None = None,
    auto_refresh: int = 0,
) -> RunTable:
    """An interactive table of runs; ``.selected`` holds the rows the user selected.

    Parameters
    ----------
    filter
        The filter grammar of :func:`nbtrack.runs`, e.g. ``"metrics.accuracy > 0.8"``;
        the widget's filter box starts with it.
    experiment
        Name(s) or id(s); None: the active experiment if this process set one,
        else every experiment; ``"*"``: every experiment.
    order_by
        One column, optionally with ``DESC``/``ASC`` (``"metrics.accuracy DESC"``);
        default newest first. Click a header to change it.
    columns
        Columns to show (``"run_name"``, ``"metrics.loss"``, ``"params.lr"``...);
        default: name, status, start, duration and the first metrics and params.
    auto_refresh
        Seconds between automatic refreshes while the table is shown (0: only
        with the refresh button or :meth:`RunTable.refresh`).

    Returns
    -------
    RunTable
        Displays as the table; ``.selected`` is a DataFrame of the selected runs,
        ``.filter``/``.sort_by`` can also be set from Python.
    """
    from .table import RunTable, split_order

    if filter is not None and not isinstance(filter, str):
        raise InvalidValueError(f'filter must be a string such as "metrics.acc > 0.9", got {filter!r}')
    if order_by is not None and not isinstance(order_by, str):
        raise InvalidValueError(f"order_by must be one column such as 'metrics.acc DESC', got {order_by!r}")
    shown = _column_list(columns)
    if isinstance(auto_refresh, bool) or not isinstance(auto_refresh, int) or auto_refresh < 0:
        raise InvalidValueError(f"auto_refresh must be a number of seconds (0 for off), got {auto_refresh!r}")
    sort_by, sort_desc = split_order(order_by)
    return RunTable(
        experiment=experiment,
        filter=filter or "",
        sort_by=sort_by,
        sort_desc=sort_desc,
        visible=shown,
        auto_refresh=auto_refresh,
    )


def compare(
    runs: Any = None,
    *,
    last: int | None = None,
    experiment: str | Sequence[str] | None = None,
    filter: str | None = None,
    metrics: Sequence[str] | str | None = None,
    x: str | None = None,
    y: str | None = None,
    color: str | None = None,
) -> CompareRuns:
    """Compare runs: what differs, overlaid curves, scatter, parallel coordinates, contour, importance.

    Parameters
    ----------
    runs
        Run ids, ``table.selected`` (or the table itself: its selection), a run
        table from :func:`nbtrack.runs`, or run objects. Or select instead:
    last
        The ``last`` most recent runs (of ``experiment``, default the active one).
    experiment, filter
        Every run of an experiment, narrowed by the filter grammar.
    metrics
        Metrics whose curves to load (default: all of them).
    x, y, color
        ``x`` in ``"step"``, ``"wall_time"``, ``"relative_time"`` is the curves'
        axis; any other column (``"params.max_depth"``) opens the scatter tab
        with ``y`` and ``color`` (``"metrics.accuracy"``, ``"params.model"``).

    Returns
    -------
    CompareRuns
        The widget; ``.data`` is the loaded :class:`~nbtrack.compare_data.CompareData`,
        ``.chart_for("scatter")`` the Altair chart of a tab.
    """
    from ..compare_data import prepare_compare
    from .compare import CompareRuns

    if hasattr(runs, "selected_ids") and hasattr(runs, "selected"):
        runs = list(runs.selected_ids)  # a run table widget: compare what is selected in it
    data = prepare_compare(
        runs, last=last, experiment=experiment, filter=filter, metrics=metrics, x=x, y=y, color=color
    )
    return CompareRuns(data)


def live(
    metrics: Sequence[str] | str | None = None,
    *,
    x: str = "step",
    max_points: int = 2000,
) -> LiveCurves:
    """Curves of the active run's metrics that update while the cell runs.

    Call it inside a ``%%track`` cell (or ``with nbtrack.start_run():``) before
    the training loop; it shows itself at once and returns the widget. Points
    come from the kernel (every ``log_metric``), not from the database, at least
    once a second; each series keeps at most ``max_points`` points (first, last,
    minimum and maximum of each bucket). When the run ends the chart freezes.

    Parameters
    ----------
    metrics
        Only these metric keys (default: every metric the run logs).
    x
        ``"step"``, ``"wall_time"`` or ``"relative_time"``.
    max_points
        Bound on the points kept per metric (at least 4).
    """
    from ..charts.curves import CURVE_X
    from ..errors import NoActiveRunError
    from ..tracking.session import get_session
    from .live import start_live

    wanted = None if metrics is None else set(_column_list(metrics) or [])
    if wanted is not None:
        wanted = {m.removeprefix("metrics.") for m in wanted}
    if x not in CURVE_X:
        raise InvalidValueError(f"x must be one of {', '.join(CURVE_X)}, got {x!r}")
    if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < 4:
        raise InvalidValueError(f"max_points must be an integer of at least 4, got {max_points!r}")
    session = get_session()
    run = session.active_run
    if run is None:
        raise NoActiveRunError(
            "live() shows the curves of a running run: call it inside a %%track cell or inside "
            "`with nbtrack.start_run():`, before the training loop"
        )
    widget = start_live(session, run, metrics=wanted, x=x, interval=LIVE_INTERVAL, max_points=max_points)
    widget.show()
    return widget


def _column_list(columns: Any) -> list[str] | None:
    if columns is None:
        return None
    if isinstance(columns, str):
        columns = [columns]
    try:
        shown = list(columns)
    except TypeError:
        shown = [None]
    if not shown or not all(isinstance(c, str) and c for c in shown):
        raise InvalidValueError(
            f"columns must be a list of column names such as 'metrics.loss', got {columns!r}"
        )
    return shown


__all__ = ["compare", "live", "table"]
