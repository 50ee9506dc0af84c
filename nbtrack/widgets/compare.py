"""The comparison widget: param diff, curves, scatter, parallel coordinates, contour, importance.

Python builds every chart with :mod:`nbtrack.charts` from one
:class:`~nbtrack.compare_data.CompareData` load; the widget sends the
Vega-Lite spec as JSON and its rows as Arrow IPC buffers, and the bundled
vega-embed draws it (no CDN). The JavaScript changes ``view`` (the tab) and
``settings`` (axes, metric, smoothing...); Python rebuilds only that chart,
lazily: importance (a random forest) is computed the first time its tab opens.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from ..errors import ChartInputError, NbtrackError
from ._assets import asset
from ._static import with_static

if TYPE_CHECKING:
    import pandas as pd

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


class CompareRuns(anywidget.AnyWidget):
    """A comparison of runs; ``view`` and ``settings`` can be set from Python too."""

    _esm = asset("compare.js")
    _css = asset("widgets.css")

    view = traitlets.Unicode("params").tag(sync=True)
    views: traitlets.List[dict[str, str]] = traitlets.List().tag(sync=True)
    settings = traitlets.Dict().tag(sync=True)
    options = traitlets.Dict().tag(sync=True)
    diff = traitlets.Dict().tag(sync=True)
    chart = traitlets.Dict().tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)

    def __init__(self, data: CompareData) -> None:
        self.data = data
        self._charts: dict[str, tuple[Any, dict[str, Any]]] = {}
        settings, view = default_settings(data), _first_view(data)
        super().__init__(
            views=[{"id": k, "title": v} for k, v in VIEWS.items() if k != "curves" or len(data.history)],
            settings=settings,
            options=column_options(data),
            diff=diff_payload(data.diff),
            title=_title(data),
            view=view,
            chart=self._build(view, settings[view])[1] if view in settings else {},
        )
        self.observe(lambda _: self._show(), names=["view", "settings"])

    def chart_for(self, view: str | None = None) -> Any:
        """The Altair chart of a tab (default: the current one) as the widget draws it."""
        view = view or self.view
        return self._build(view, self.settings.get(view, {}))[0]

    # -- building --------------------------------------------------------------------------
    def _show(self) -> None:
        if self.view == "params" or self.view not in VIEWS:
            return
        self.chart = self._build(self.view, self.settings.get(self.view, {}))[1]

    def _build(self, view: str, settings: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        key = f"{view}:{json.dumps(settings, sort_keys=True)}"
        if key not in self._charts:
            from ..charts.export import split_datasets

            try:
                chart = _draw(self.data, view, settings)
                spec, datasets = split_datasets(chart)
                payload: dict[str, Any] = {"view": view, "spec": spec, "data": datasets, "error": ""}
            except NbtrackError as exc:
                chart, payload = None, {"view": view, "spec": {}, "data": {}, "error": str(exc)}
            if len(self._charts) > 16:
                self._charts.pop(next(iter(self._charts)))
            self._charts[key] = (chart, payload)
        return self._charts[key]

    # -- static representation -------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        from ._static import html_table

        diff = self.data.diff.reset_index()
        static: dict[str, Any] = {
            "text/plain": f"nbtrack comparison of {self.title}",
            "text/html": html_table(diff, f"What differs between {self.title}"),
        }
        chart = self.chart_for() if self.view != "params" else None
        if chart is not None:
            try:
                from ..charts.export import to_png

                static["image/png"] = to_png(chart)
            except (NbtrackError, ImportError):
                pass
        return with_static(super()._repr_mimebundle_(**kwargs), static)


def _draw(data: CompareData, view: str, s: dict[str, Any]) -> Any:
    from .. import charts

    runs = data.runs
    if view == "curves":
        return charts.curves_chart(
            data.history,
            x=s.get("x", "step"),
            smoothing=float(s.get("smoothing", 0.0)),
            log_y=bool(s.get("log_y", False)),
            metrics=s.get("metrics") or None,
            layout=s.get("layout", "facet"),
        )
    if view == "scatter":
        return charts.scatter_chart(runs, _chosen(s, "x"), _chosen(s, "y"), s.get("color") or None)
    if view == "parallel":
        return charts.parallel_coordinates_chart(runs, None, _chosen(s, "metric"))
    if view == "contour":
        if not s.get("x") or not s.get("y"):
            raise ChartInputError(
                "A contour needs two numeric params that vary between these runs; pick them above "
                "(these runs have too few: compare more runs, or runs that differ in two params)"
            )
        return charts.contour_chart(runs, _chosen(s, "x"), _chosen(s, "y"), _chosen(s, "metric"))
    if view == "importance":
        return charts.importance_chart(charts.param_importance(runs, _chosen(s, "metric")))
    raise NbtrackError(f"Unknown view {view!r}; one of {', '.join(VIEWS)}")


def _chosen(settings: dict[str, Any], key: str) -> str:
    value = settings.get(key)
    if not isinstance(value, str) or not value:
        raise ChartInputError(f"Pick a {key} above: these runs have none to offer by default")
    return value


# -- what the controls offer ---------------------------------------------------------------


def column_options(data: CompareData) -> dict[str, list[str]]:
    """Choices of the selects: metrics, params, numeric columns, curve metrics and x axes."""
    from ..charts._columns import numeric_values
    from ..charts.curves import CURVE_X

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
    from ..charts._columns import numeric_values
    from ..charts.diff import varying_columns

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


def diff_payload(diff: pd.DataFrame) -> dict[str, Any]:
    """The param diff as compact JSON: fields, run labels and the cells (text)."""
    cells = diff.astype("string").fillna("").to_numpy(dtype=object).tolist()
    return {"fields": [str(f) for f in diff.index], "runs": [str(c) for c in diff.columns], "cells": cells}


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


def _first_view(data: CompareData) -> str:
    if data.scatter.get("x") or data.scatter.get("y"):
        return "scatter"
    return "curves" if len(data.history) else "params"


def _title(data: CompareData) -> str:
    labels = list(data.runs["run"])
    shown = ", ".join(labels[:4]) + (f" and {len(labels) - 4} more" if len(labels) > 4 else "")
    return f"{len(labels)} run{'s' if len(labels) != 1 else ''}: {shown}"


def settings_with(settings: dict[str, Any], view: str, **changes: Any) -> dict[str, Any]:
    """A copy of ``settings`` with ``changes`` applied to one tab (assign it to ``.settings``)."""
    fresh = copy.deepcopy(settings)
    fresh.setdefault(view, {}).update(changes)
    return fresh
