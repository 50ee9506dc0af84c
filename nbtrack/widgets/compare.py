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

from ..charts.views import VIEWS, column_options, default_settings, draw_view
from ..errors import NbtrackError
from ..wire import diff_json
from ._assets import asset
from ._static import with_static

if TYPE_CHECKING:
    from ..compare_data import CompareData


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
            diff=diff_json(data.diff),
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
                chart = draw_view(self.data, view, settings)
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


# -- what the controls offer ---------------------------------------------------------------


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
