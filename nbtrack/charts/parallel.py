"""Parallel coordinates: one vertical axis per param and one for a metric, one line per run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import ChartInputError
from ._columns import numeric_values, resolve_column, run_labels, short_name
from ._inline import inline
from .diff import varying_columns
from .theme import SEQUENTIAL_SCHEME, ink, themed

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd

_MAX_CATEGORY_LABELS = 12


def parallel_coordinates_chart(
    runs: pd.DataFrame,
    params: Sequence[str] | None,
    metric: str,
    *,
    dark: bool | None = None,
) -> alt.LayerChart:
    """Each run is a line through its param values and ends on ``metric``, coloured by it.

    ``params`` are run columns (``"params.lr"`` or ``"lr"``); None takes every
    param that differs between the runs. Numeric params are scaled between
    their min and max (labelled at both ends); text params are spread evenly
    in sorted order (each value labelled). Runs without the metric are left out.
    """
    import pandas as pd

    metric_column = resolve_column(runs, metric, role="metric")
    scores = numeric_values(runs[metric_column])
    if scores is None:
        raise ChartInputError(f"{metric_column} is not numeric, so it cannot colour the lines; pick a metric")
    dims = _dimensions(runs, params, metric_column)
    keep = scores.notna().to_numpy()
    if not keep.any():
        raise ChartInputError(f"No run has a value for {metric_column}")
    table = runs[keep].reset_index(drop=True)
    labels = run_labels(table)
    lines, ticks = [], []
    for column in dims:
        positions, tick_frame = _scale(table[column])
        lines.append(
            pd.DataFrame(
                {
                    "run": labels,
                    "axis": short_name(column),
                    "pos": positions,
                    "label": table[column].astype("string").fillna("—").to_numpy(dtype=object),
                    "metric": scores[keep].to_numpy(),
                }
            )
        )
        ticks.append(tick_frame.assign(axis=short_name(column)))
    chart = _draw(
        pd.concat(lines, ignore_index=True), pd.concat(ticks, ignore_index=True), dims, metric_column, dark
    )
    return themed(chart, dark)


def _dimensions(runs: pd.DataFrame, params: Sequence[str] | None, metric_column: str) -> list[str]:
    if params is None:
        chosen = [c for c in varying_columns(runs) if c.startswith("params.")]
        if not chosen:
            raise ChartInputError("No param differs between these runs: name params=[...] to draw anyway")
    else:
        if isinstance(params, str):
            params = [params]
        chosen = [resolve_column(runs, p, role="param") for p in params]
        if not chosen:
            raise ChartInputError("params is empty: name at least one column, or None for all that differ")
    axes = list(dict.fromkeys([*chosen, metric_column]))
    names = [short_name(c) for c in axes]
    if len(set(names)) < len(names):  # 'params.x' and 'metrics.x' would share an axis
        raise ChartInputError(f"Two axes would be called the same: {', '.join(axes)}")
    return axes


def _scale(series: pd.Series) -> tuple[Any, pd.DataFrame]:
    """Positions in [0, 1] and the labelled ticks of one axis."""
    import numpy as np
    import pandas as pd

    numbers = numeric_values(series)
    if numbers is not None and numbers.notna().any():
        lo, hi = float(numbers.min()), float(numbers.max())
        span = hi - lo
        positions = ((numbers - lo) / span).to_numpy() if span > 0 else np.where(numbers.notna(), 0.5, np.nan)
        ends = [(0.0, lo), (1.0, hi)] if span > 0 else [(0.5, lo)]
        return positions, pd.DataFrame({"pos": [p for p, _ in ends], "tick": [f"{v:.4g}" for _, v in ends]})
    text = series.astype("string")
    values = sorted(text.dropna().unique())
    where = {v: (i / (len(values) - 1) if len(values) > 1 else 0.5) for i, v in enumerate(values)}
    positions = text.map(where).astype("float64").to_numpy()
    step = max(1, len(values) // _MAX_CATEGORY_LABELS)
    shown = values[::step]
    return positions, pd.DataFrame({"pos": [where[v] for v in shown], "tick": [v[:24] for v in shown]})


def _draw(
    lines: pd.DataFrame, ticks: pd.DataFrame, dims: list[str], metric_column: str, dark: bool | None
) -> Any:
    import altair as alt

    order = [short_name(c) for c in dims]
    x = alt.X("axis:N", sort=order, title=None, axis=alt.Axis(labelAngle=0, domain=False, ticks=False))
    y = alt.Y("pos:Q", axis=None, scale=alt.Scale(domain=[0, 1]))
    highlight = alt.selection_point(fields=["run"], on="pointerover", clear="pointerout")
    paths = (
        alt.Chart(inline(lines))
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=y,
            detail="run:N",
            color=alt.Color(
                "metric:Q",
                title=short_name(metric_column),
                scale=alt.Scale(scheme=alt.SchemeParams(**SEQUENTIAL_SCHEME)),
            ),
            opacity=alt.condition(highlight, alt.value(1.0), alt.value(0.55)),
            tooltip=[alt.Tooltip("run:N"), alt.Tooltip("axis:N"), alt.Tooltip("label:N", title="value")],
        )
        .add_params(highlight)
    )
    import pandas as pd

    axes = inline(pd.DataFrame({"axis": order}))
    rules = alt.Chart(axes).mark_rule(color=ink(dark), opacity=0.5).encode(x=x)
    labels = (
        alt.Chart(inline(ticks))
        .mark_text(align="left", dx=4, fontSize=10, color=ink(dark))
        .encode(x=x, y=y, text="tick:N")
    )
    width = max(360, 110 * len(order))
    return alt.layer(rules, paths, labels).properties(width=width, height=300)
