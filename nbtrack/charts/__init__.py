"""Charts of runs: small pure functions of a DataFrame that return Altair specs.

No I/O, no widgets: the inline compare widget, the JupyterLab sidebar (via
the REST API) and static exports all call these. Load the data with
:func:`nbtrack.compare_data.compare_data` (or ``nbtrack.runs()``) first.
Names resolve lazily: ``from nbtrack.charts import param_diff`` loads no Altair.

Stable API (names and signatures are kept; new options only as keywords)
------------------------------------------------------------------------
Charts (each returns an Altair chart with nbtrack's theme applied, rows inline,
tooltips on; ``dark=None`` reads on light and dark backgrounds, True/False
pick one; column names are full, ``"params.lr"``, or a unique bare key, ``"lr"``)::

    curves_chart(history, *, x="step", smoothing=0.0, log_y=False, metrics=None,
                 layout="facet", max_points=2000, dark=None)
        history: long frame step, value, run, metric (+ wall_time/relative_time),
        i.e. compare_data(...).history; x in CURVE_X; smoothing in [0, 1) (TensorBoard EMA);
        layout "facet" (panel per metric) or "dash" (one panel, dash per metric).
    scatter_chart(runs, x, y, color=None, *, log_x=False, log_y=False, dark=None)
    parallel_coordinates_chart(runs, params, metric, *, dark=None)   # params=None: all that differ
    contour_chart(runs, x_param, y_param, metric, *, resolution=40, bands=8,
                  log_x=None, log_y=None, dark=None)
    importance_chart(importance, *, dark=None)        # importance = param_importance(...)

Data (plain pandas, no Altair)::

    param_diff(runs, *, tags=True, attributes=DIFF_ATTRIBUTES) -> DataFrame
        index "field" (params.*, tags.*, attributes that differ), one column per run label
    param_importance(runs, metric, params=None, *, n_estimators=200, random_state=0) -> DataFrame
        columns param, importance, correlation, kind, runs; NotEnoughRunsError below 3 runs;
        scikit-learn imported on call
    downsample(frame, max_points=2000, *, x="step", y="value", by=("run", "metric")) -> DataFrame
    smooth(frame, weight, *, y="value", by=("run", "metric")) -> Series
    run_labels(runs) -> list[str]        # the unique run labels every chart and the diff use
    resolve_column(frame, name, *, role="column") -> str   # "lr" -> "params.lr", or ColumnNotFoundError

Export::

    to_png(chart, *, scale=2.0) -> bytes      to_svg(chart) -> str      (vl-convert, offline)
    to_scenegraph(chart) -> dict              # what Vega drew, for counting marks in tests
    mimebundle(chart, *, png=True) -> dict    # static _repr_mimebundle_ fallback
    split_datasets(chart) -> (spec_without_rows, {dataset_name: arrow_ipc_bytes})

The Arrow and JSON encoding for JavaScript (``compact_table``, ``arrow_ipc``,
``dictionary_array``, epoch-ms times) is :mod:`nbtrack.wire`, shared with the
widgets and the sidebar.

Loading a comparison (``nbtrack.compare_data``, reads the store; no Altair)::

    resolve_run_ids(runs=None, *, last=None, experiment=None, filter=None) -> list[str]
        runs: id, ids, run objects, a run table / table.selected, a Series; or last=N,
        experiment=, filter=; nothing at all: the 5 most recent runs
    compare_data(run_ids, metrics=None, x="step", max_points=2000, *, max_total_points=50_000)
        -> CompareData(run_ids, runs, diff, history, metrics, x, max_points, stored_points, scatter)
    prepare_compare(runs=None, *, last=None, experiment=None, filter=None, metrics=None,
                    x=None, y=None, color=None, max_points=2000) -> CompareData
        x in CURVE_X sets the curves' axis, any other x is the scatter's column (data.scatter)

For a static PNG of long curves, build the chart with a smaller ``max_points`` (500 draws the
same picture at 600 px and renders several times faster).

Errors: ``ColumnNotFoundError`` (unknown column or metric), ``ChartInputError`` (cannot be
drawn as asked: text column for a contour, bad smoothing...), ``NotEnoughRunsError``;
all are ``NbtrackError`` and name the fix.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._columns import resolve_column, run_labels
    from .bars import importance_chart
    from .contour import contour_chart
    from .curves import CURVE_X, curves_chart
    from .diff import DIFF_ATTRIBUTES, param_diff
    from .export import (
        mimebundle,
        split_datasets,
        to_png,
        to_scenegraph,
        to_svg,
    )
    from .importance import param_importance
    from .parallel import parallel_coordinates_chart
    from .scatter import scatter_chart
    from .series import MAX_POINTS, downsample, smooth
    from .theme import theme_config

_WHERE = {
    "curves_chart": "curves",
    "CURVE_X": "curves",
    "scatter_chart": "scatter",
    "parallel_coordinates_chart": "parallel",
    "contour_chart": "contour",
    "importance_chart": "bars",
    "param_diff": "diff",
    "DIFF_ATTRIBUTES": "diff",
    "param_importance": "importance",
    "downsample": "series",
    "smooth": "series",
    "MAX_POINTS": "series",
    "run_labels": "_columns",
    "resolve_column": "_columns",
    "theme_config": "theme",
    "to_png": "export",
    "to_svg": "export",
    "to_scenegraph": "export",
    "mimebundle": "export",
    "split_datasets": "export",
}

__all__ = [
    "CURVE_X",
    "DIFF_ATTRIBUTES",
    "MAX_POINTS",
    "contour_chart",
    "curves_chart",
    "downsample",
    "importance_chart",
    "mimebundle",
    "parallel_coordinates_chart",
    "param_diff",
    "param_importance",
    "resolve_column",
    "run_labels",
    "scatter_chart",
    "smooth",
    "split_datasets",
    "theme_config",
    "to_png",
    "to_scenegraph",
    "to_svg",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'nbtrack.charts' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
