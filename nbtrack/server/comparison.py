"""The sidebar's comparison: the same data and chart functions as ``nbtrack.compare``.

:func:`nbtrack.compare_data.compare_data` loads the runs, the param diff and
the downsampled histories; :mod:`nbtrack.charts` turns them into Vega-Lite
specs, sent as JSON for the sidebar's bundled vega-embed to draw.
"""

from __future__ import annotations

from typing import Any

from ..errors import ChartInputError
from . import wire

#: Charts a comparison answers with, in display order.
CHARTS = ("curves", "parallel")


def comparison(run_ids: list[str], metrics: list[str], x: str, smoothing: float) -> dict[str, Any]:
    """Runs, what differs between them and their charts (Vega-Lite specs)."""
    from ..charts.series import check_smoothing
    from ..compare_data import compare_data

    check_smoothing(smoothing)
    data = compare_data(run_ids, metrics or None, x)
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
        "diff": _diff(data.diff),
        "charts": _charts(data, x, smoothing),
        "stored_points": data.stored_points,
    }


def _diff(diff: Any) -> dict[str, Any]:
    return {
        "fields": [str(f) for f in diff.index],
        "runs": [str(c) for c in diff.columns],
        "values": [[wire.text(v) for v in row] for row in diff.itertuples(index=False)],
    }


def _charts(data: Any, x: str, smoothing: float) -> list[dict[str, Any]]:
    from ..charts import curves_chart, parallel_coordinates_chart

    charts = []
    if not data.history.empty:
        chart = curves_chart(data.history, x=x, smoothing=smoothing, max_points=data.max_points)
        charts.append({"id": "curves", "title": "Metric curves", "spec": chart.to_dict(validate=False)})
    if len(data.run_ids) >= 2 and data.metrics:
        metric = f"metrics.{data.metrics[0]}"
        try:
            chart = parallel_coordinates_chart(data.runs, None, metric)
        except ChartInputError:
            pass  # nothing differs between the runs, or no run has the metric: no chart to draw
        else:
            charts.append(
                {"id": "parallel", "title": f"Params → {metric}", "spec": chart.to_dict(validate=False)}
            )
    return charts
