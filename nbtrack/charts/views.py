"""The views of a run comparison: which charts, their default settings, and drawing one.

Pure functions of a :class:`~nbtrack.compare_data.CompareData`: the inline
compare widget and the JupyterLab sidebar's comparison tab both call them,
so both show the same specs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import ChartInputError, NbtrackError

if TYPE_CHECKING:
    from ..compare_data import CompareData

#: The tabs, in order, with their titles.
VIEWS = {
    "params": "Params",
    "curves": "Curves",
    "scatter": "Scatter",
    "parallel": "Parallel",
    "contour": "Contour",
    "importance": "Importance",
}
#: Metrics drawn at first when the runs have many (the chooser shows all).
FIRST_CURVES = 4


def draw_view(data: CompareData, view: str, s: dict[str, Any]) -> Any:
    """The chart of one comparison view with its settings (raises ChartInputError when it cannot be drawn)."""
    from . import (
        contour_chart,
        curves_chart,
        importance_chart,
        parallel_coordinates_chart,
        param_importance,
        scatter_chart,
    )

    runs = data.runs
    if view == "curves":
        return curves_chart(
            data.history,
            x=s.get("x", "step"),
            smoothing=float(s.get("smoothing", 0.0)),
            log_y=bool(s.get("log_y", False)),
            metrics=s.get("metrics") or None,
            layout=s.get("layout", "facet"),
        )
    if view == "scatter":
        return scatter_chart(runs, _chosen(s, "x"), _chosen(s, "y"), s.get("color") or None)
    if view == "parallel":
        return parallel_coordinates_chart(runs, None, _chosen(s, "metric"))
    if view == "contour":
        if not s.get("x") or not s.get("y"):
            raise ChartInputError(
                "A contour needs two numeric params that vary between these runs; pick them above "
                "(these runs have too few: compare more runs, or runs that differ in two params)"
            )
        return contour_chart(runs, _chosen(s, "x"), _chosen(s, "y"), _chosen(s, "metric"))
    if view == "importance":
        return importance_chart(param_importance(runs, _chosen(s, "metric")))
    raise NbtrackError(f"Unknown view {view!r}; one of {', '.join(VIEWS)}")


def _chosen(settings: dict[str, Any], key: str) -> str:
    value = settings.get(key)
    if not isinstance(value, str) or not value:
        raise ChartInputError(f"Pick a {key} above: these runs have none to offer by default")
    return value


def column_options(data: CompareData) -> dict[str, list[str]]:
    """Choices of the selects: metrics, params, numeric columns, curve metrics and x axes."""
    from ._columns import numeric_values
    from .curves import CURVE_X

    runs = data.runs
    keyed = [c for c in runs.columns if str(c).startswith(("metrics.", "params.", "tags."))]
    return {
        "metrics": [c for c in keyed if c.startswith("metrics.")],
        "params": [c for c in keyed if c.startswith("params.")],
        "numeric": [c for c in keyed if numeric_values(runs[c]) is not None and runs[c].notna().any()],
        "columns": [*keyed, "duration", "start_time"],
        "curve_metrics": list(data.metrics),
        "curve_x": list(CURVE_X),
    }


def default_settings(data: CompareData) -> dict[str, dict[str, Any]]:
    """What each tab shows first: the columns the user named, else the first that vary."""
    from ._columns import numeric_values
    from .diff import varying_columns

    runs, chosen = data.runs, dict(data.scatter)
    params = varying_columns(runs, [c for c in runs.columns if str(c).startswith("params.")])
    numeric = [p for p in params if numeric_values(runs[p]) is not None]
    text = [p for p in params if p not in numeric]
    metrics = [c for c in runs.columns if str(c).startswith("metrics.")]
    metric = chosen.get("y") if str(chosen.get("y") or "").startswith("metrics.") else None
    metric = metric or (metrics[0] if metrics else None)
    return {
        "curves": {
            "metrics": list(data.metrics[:FIRST_CURVES]),
            "x": data.x,
            "smoothing": 0.0,
            "log_y": False,
            "layout": "facet",
        },
        "scatter": {
            "x": chosen.get("x") or _first(numeric + params) or "duration",
            "y": chosen.get("y") or metric or "duration",
            "color": chosen.get("color") or _first(text),
        },
        "parallel": {"metric": metric},
        "contour": {"x": _first(numeric), "y": _first(numeric[1:]), "metric": metric},
        "importance": {"metric": metric},
    }


def _first(values: list[str]) -> str | None:
    return values[0] if values else None
