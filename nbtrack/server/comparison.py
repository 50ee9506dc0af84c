"""The sidebar's comparison: the same data, settings and charts as ``nbtrack.compare``.

:func:`nbtrack.compare_data.compare_data` loads the runs, the param diff and
the downsampled histories; the compare widget's own view code
(:mod:`nbtrack.widgets.compare`, over :mod:`nbtrack.charts`) draws them as
Vega-Lite specs, sent as JSON for the sidebar's bundled vega-embed to draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import ChartInputError, ColumnNotFoundError
from . import wire

if TYPE_CHECKING:
    from ..store.base import Store

#: The inline compare widget's views the sidebar shows too (importance fits a random forest: left out).
VIEWS = ("curves", "scatter", "parallel", "contour")


def comparison(
    store: Store, run_ids: list[str], metrics: list[str], x: str, smoothing: float
) -> dict[str, Any]:
    """Runs, what differs between them and their charts (Vega-Lite specs), read from ``store``."""
    from ..charts.series import check_smoothing
    from ..compare_data import compare_data

    check_smoothing(smoothing)
    data = compare_data(run_ids, metrics or None, x, store=store)
    runs = data.runs
    return {
        "run_ids": list(data.run_ids),
        "runs": [
            {
                "run_id": row["run_id"],
                "label": row["run"],
                "run_name": wire.text(row.get("run_name")),
                "status": row["status"],
            }
            for row in runs.to_dict("records")
        ],
        "metrics": list(data.metrics),
        "diff": wire.diff_json(data.diff),  # the widget sends the same (nbtrack.wire)
        "charts": _charts(data, x, smoothing),
        "stored_points": data.stored_points,
    }


def _charts(data: Any, x: str, smoothing: float) -> list[dict[str, Any]]:
    """The compare widget's views with its default settings: the same specs, drawn by the same code."""
    from ..charts.views import VIEWS as TITLES
    from ..charts.views import default_settings, draw_view

    settings = default_settings(data)
    settings["curves"].update(x=x, smoothing=smoothing)
    charts = []
    for view in VIEWS:
        if view == "curves" and data.history.empty:
            continue
        try:
            chart = draw_view(data, view, settings[view])
        except (ChartInputError, ColumnNotFoundError):
            continue  # nothing to draw for these runs (one numeric param for a contour, no metric...)
        charts.append({"id": view, "title": TITLES[view], "spec": chart.to_dict(validate=False)})
    return charts
