"""Overlaid metric curves of several runs: colour is the run, one panel (or dash) per metric."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import ChartInputError, ColumnNotFoundError
from ..wire import epoch_ms_column
from ._inline import inline
from .series import MAX_POINTS, check_smoothing, downsample, smooth
from .theme import themed

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd

#: What the x axis of a curve can be.
CURVE_X = ("step", "wall_time", "relative_time")
#: How several metrics share the canvas.
LAYOUTS = ("facet", "dash")

_X_TITLES = {"step": "step", "wall_time": "wall time", "relative_time": "relative time (s)"}
_X_TYPES = {"step": "quantitative", "wall_time": "temporal", "relative_time": "quantitative"}


def curves_chart(
    history: pd.DataFrame,
    *,
    x: str = "step",
    smoothing: float = 0.0,
    log_y: bool = False,
    metrics: Sequence[str] | None = None,
    layout: str = "facet",
    max_points: int = MAX_POINTS,
    dark: bool | None = None,
) -> alt.LayerChart | alt.FacetChart:
    """Metric curves of several runs, overlaid.

    Parameters
    ----------
    history
        Long frame of points: ``step`` and ``value``, plus ``run`` (or
        ``run_name``/``run_id``), ``metric`` (or ``key``), and for time axes
        ``wall_time`` (or ``timestamp``) and optionally ``relative_time``
        (seconds; computed from the run's first point when absent).
        ``compare_data(...).history`` and ``nbtrack.metric_history(...)`` fit.
    x
        ``"step"``, ``"wall_time"`` or ``"relative_time"``.
    smoothing
        TensorBoard's EMA weight in [0, 1): the raw curve stays, faint,
        under the smoothed one.
    log_y
        Log-scale y; points at or below zero are left out.
    metrics
        Which metrics to draw (default: all), in this order.
    layout
        ``"facet"``: one panel per metric, each with its own y scale;
        ``"dash"``: one panel, a dash pattern per metric.
    max_points
        Bound on points per series (first/last/min/max kept per bucket).
    dark
        Theme: None reads on both backgrounds, True/False for dark/light.
    """
    if x not in CURVE_X:
        raise ChartInputError(f"x must be one of {', '.join(CURVE_X)}, got {x!r}")
    if layout not in LAYOUTS:
        raise ChartInputError(f"layout must be 'facet' or 'dash', got {layout!r}")
    import pandas as pd

    check_smoothing(smoothing)
    frame = _select_metrics(_normalise(history, x), metrics)
    order = (list(pd.unique(frame["run"])), list(pd.unique(frame["metric"])))
    frame = downsample(frame, max_points, x=x)
    if smoothing:
        frame["smoothed"] = smooth(frame, smoothing)
    if log_y:
        frame = frame[frame["value"] > 0]
    if frame.empty:
        raise ChartInputError(
            "No points to draw: the runs have no values for these metrics" + _log_hint(log_y)
        )
    return themed(_draw(frame, order, x, bool(smoothing), log_y, layout), dark)


def _log_hint(log_y: bool) -> str:
    return " above zero (log_y=True drops the rest)" if log_y else " (log some with nbtrack.log_metric)"


def _normalise(history: Any, x: str) -> pd.DataFrame:
    """A frame with exactly run, metric, step, value (and the x column), x as numbers."""
    import pandas as pd

    if not isinstance(history, pd.DataFrame):
        raise ChartInputError(
            "history must be a DataFrame of points (step, value, run, metric), such as "
            f"compare_data(run_ids).history, got {type(history).__name__}"
        )
    for needed in ("step", "value"):
        if needed not in history.columns:
            raise ColumnNotFoundError(
                f"history has no {needed!r} column (it has {', '.join(map(str, history.columns))})"
            )
    frame = pd.DataFrame(
        {
            "run": _first_column(history, ("run", "run_name", "run_id"), "run"),
            "metric": _first_column(history, ("metric", "key"), "value"),
            "step": pd.to_numeric(history["step"], errors="coerce"),
            "value": pd.to_numeric(history["value"], errors="coerce"),
        }
    )
    if x != "step":
        frame[x] = _time_axis(history, frame["run"], x)
    return frame


def _first_column(history: pd.DataFrame, names: Sequence[str], default: str) -> Any:
    for name in names:
        if name in history.columns:
            return history[name].astype("string").fillna("?").to_numpy(dtype=object)
    return default


def _time_axis(history: pd.DataFrame, runs: pd.Series, x: str) -> pd.Series:
    import pandas as pd

    if x == "relative_time" and "relative_time" in history.columns:
        return pd.to_numeric(history["relative_time"], errors="coerce")
    source = next((c for c in ("wall_time", "timestamp") if c in history.columns), None)
    if source is None:
        raise ColumnNotFoundError(f"x={x!r} needs a wall_time or timestamp column in the history")
    column = history[source]
    if pd.api.types.is_datetime64_any_dtype(column):
        ms = epoch_ms_column(column)
    else:
        ms = pd.to_numeric(column, errors="coerce").astype("float64")
    if x == "wall_time":
        return ms
    return (ms - ms.groupby(runs.to_numpy()).transform("min")) / 1000.0


def _select_metrics(frame: pd.DataFrame, metrics: Sequence[str] | None) -> pd.DataFrame:
    if metrics is None:
        return frame
    if isinstance(metrics, str):
        metrics = [metrics]
    import pandas as pd

    present = list(pd.unique(frame["metric"]))
    missing = [m for m in metrics if m not in present]
    if missing:
        raise ColumnNotFoundError(
            f"No metric {', '.join(map(repr, missing))} in the history; it has {', '.join(present) or 'none'}"
        )
    order = {m: i for i, m in enumerate(metrics)}
    frame = frame[frame["metric"].isin(order)]
    return (
        frame.assign(_order=frame["metric"].map(order))
        .sort_values("_order", kind="stable")
        .drop(columns="_order")
    )


def _draw(
    frame: pd.DataFrame, order: tuple[list, list], x: str, smoothed: bool, log_y: bool, layout: str
) -> Any:
    import altair as alt

    present = (set(frame["run"].unique()), set(frame["metric"].unique()))
    runs, metrics = ([v for v in values if v in seen] for values, seen in zip(order, present, strict=True))
    multi = len(metrics) > 1
    highlight = alt.selection_point(fields=["run"], bind="legend")
    zoom = alt.selection_interval(bind="scales", encodings=["x"])
    encoding: dict[str, Any] = {
        "x": alt.X(f"{x}:{_X_TYPES[x][0].upper()}", title=_X_TITLES[x]),
        "color": alt.Color("run:N", title="run", sort=runs, legend=alt.Legend(symbolOpacity=1)),
        "detail": alt.Detail("metric:N"),
        "tooltip": _tooltip(x, smoothed),
    }
    if multi and layout == "dash":
        encoding["strokeDash"] = alt.StrokeDash("metric:N", title="metric", sort=metrics)
    y_title = metrics[0] if not multi else ("value" if layout == "dash" else None)
    scale = alt.Scale(type="log") if log_y else alt.Scale(zero=False)
    raw = (
        alt.Chart()
        .mark_line(strokeWidth=1.0 if smoothed else 1.6, clip=True, interpolate="linear")
        .encode(
            y=alt.Y("value:Q", title=y_title, scale=scale),
            opacity=alt.condition(highlight, alt.value(0.3 if smoothed else 1.0), alt.value(0.06)),
            **encoding,
        )
        .add_params(highlight, zoom)
    )
    layers = [raw]
    if smoothed:
        layers.append(
            alt.Chart()
            .mark_line(strokeWidth=2.0, clip=True)
            .encode(
                y=alt.Y("smoothed:Q", title=y_title, scale=scale),
                opacity=alt.condition(highlight, alt.value(1.0), alt.value(0.06)),
                **encoding,
            )
        )
    # A series of one point draws no line: show those as dots.
    layers.append(
        alt.Chart()
        .transform_joinaggregate(points="count()", groupby=["run", "metric"])
        .transform_filter("datum.points == 1")
        .mark_point(filled=True, size=40)
        .encode(
            y=alt.Y("value:Q", title=y_title, scale=scale),
            opacity=alt.condition(highlight, alt.value(1.0), alt.value(0.06)),
            **encoding,
        )
    )
    if multi and layout == "facet":
        panel = alt.layer(*layers).properties(width=320, height=190)
        return panel.facet(
            facet=alt.Facet("metric:N", title=None, sort=metrics), columns=2, data=inline(frame)
        ).resolve_scale(y="independent")
    return alt.layer(*layers, data=inline(frame)).properties(width=520, height=280)


def _tooltip(x: str, smoothed: bool) -> list[Any]:
    import altair as alt

    tips = [alt.Tooltip("run:N"), alt.Tooltip("metric:N"), alt.Tooltip("step:Q", format=",d")]
    if x == "wall_time":
        tips.append(alt.Tooltip("wall_time:T", title="wall time", format="%Y-%m-%d %H:%M:%S"))
    elif x == "relative_time":
        tips.append(alt.Tooltip("relative_time:Q", title="relative time (s)", format=",.1f"))
    tips.append(alt.Tooltip("value:Q", format=".6~g"))
    if smoothed:
        tips.append(alt.Tooltip("smoothed:Q", format=".6~g"))
    return tips
