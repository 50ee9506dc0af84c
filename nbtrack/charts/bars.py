"""Bar charts of per-param figures: the parameter-importance panel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ChartInputError
from ._inline import inline
from .importance import IMPORTANCE_COLUMNS
from .theme import ink, themed

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd

_POSITIVE, _NEGATIVE, _BAR = "#4c9f70", "#d1605e", "#4e79a7"


def importance_chart(importance: pd.DataFrame, *, dark: bool | None = None) -> alt.HConcatChart | alt.Chart:
    """Importance bars beside correlation bars (green positive, red negative), one row per param.

    ``importance`` is what :func:`param_importance` returns; an empty one
    gives a chart that says no param varies.
    """
    import altair as alt
    import pandas as pd

    if not isinstance(importance, pd.DataFrame) or not set(IMPORTANCE_COLUMNS) <= set(importance.columns):
        raise ChartInputError("importance_chart needs the frame param_importance(runs, metric) returns")
    if importance.empty:
        note = alt.Chart(inline(pd.DataFrame({"text": ["No parameter varies across these runs"]})))
        return themed(note.mark_text(color=ink(dark), fontSize=13).encode(text="text:N"), dark)
    data = importance.loc[:, list(IMPORTANCE_COLUMNS)]
    order = data.sort_values("importance", ascending=False)["param"].tolist()
    y = alt.Y("param:N", sort=order, title=None, scale=alt.Scale(domain=order))
    tooltip = [
        alt.Tooltip("param:N"),
        alt.Tooltip("importance:Q", format=".3f"),
        alt.Tooltip("correlation:Q", format=".3f"),
        alt.Tooltip("kind:N"),
        alt.Tooltip("runs:Q"),
    ]
    height = max(60, 22 * len(order))
    bars = (
        alt.Chart()
        .mark_bar(color=_BAR)
        .encode(
            x=alt.X("importance:Q", title="importance", scale=alt.Scale(domain=[0, 1])), y=y, tooltip=tooltip
        )
        .properties(width=240, height=height)
    )
    corr = (
        alt.Chart()
        .transform_filter("isValid(datum.correlation)")
        .mark_bar()
        .encode(
            x=alt.X("correlation:Q", title="correlation", scale=alt.Scale(domain=[-1, 1])),
            y=alt.Y("param:N", sort=order, title=None, axis=None, scale=alt.Scale(domain=order)),
            color=alt.condition("datum.correlation >= 0", alt.value(_POSITIVE), alt.value(_NEGATIVE)),
            tooltip=tooltip,
        )
        .properties(width=200, height=height)
    )
    return themed(alt.hconcat(bars, corr, data=inline(data)), dark)
