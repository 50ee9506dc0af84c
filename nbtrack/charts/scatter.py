"""Scatter of any two run columns, coloured by a third (numeric or categorical)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import ChartInputError
from ._columns import Kind, column_kind, numeric_values, resolve_column, run_labels, short_name
from ._inline import inline
from .theme import SEQUENTIAL_SCHEME, themed

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd

_TYPE_CODE = {"quantitative": "Q", "temporal": "T", "nominal": "N"}


def scatter_chart(
    runs: pd.DataFrame,
    x: str,
    y: str,
    color: str | None = None,
    *,
    log_x: bool = False,
    log_y: bool = False,
    dark: bool | None = None,
) -> alt.Chart:
    """One point per run: ``x`` against ``y``, coloured by ``color``.

    ``runs`` is a run table (``nbtrack.runs()``, ``compare_data(...).runs``);
    columns are full names (``"params.max_depth"``) or unique bare keys
    (``"max_depth"``). Text params that all parse as numbers are drawn on a
    numeric axis; other columns are categorical. Runs missing x or y are
    left out.
    """
    columns = {"x": resolve_column(runs, x, role="x"), "y": resolve_column(runs, y, role="y")}
    if color is not None:
        columns["color"] = resolve_column(runs, color, role="color")
    data, kinds = _points(runs, columns)
    if log_x or log_y:
        data = _positive(data, kinds, log_x, log_y)
    encoding: dict[str, Any] = {
        "x": _axis("x", columns["x"], kinds["x"], log_x),
        "y": _axis("y", columns["y"], kinds["y"], log_y),
        "tooltip": _tooltip(columns, kinds),
    }
    if "color" in columns:
        encoding["color"] = _color(columns["color"], kinds["color"])
    import altair as alt

    chart = (
        alt.Chart(inline(data))
        .mark_circle(size=80, opacity=0.85, stroke="white", strokeWidth=0.5)
        .encode(**encoding)
        .add_params(alt.selection_interval(bind="scales"))
        .properties(width=420, height=320)
    )
    return themed(chart, dark)


def _points(runs: pd.DataFrame, columns: dict[str, str]) -> tuple[pd.DataFrame, dict[str, Kind]]:
    """Rows with run, run_id and one safe-named column per role (no dots for Vega-Lite)."""
    import pandas as pd

    data = pd.DataFrame({"run": run_labels(runs), "run_id": runs["run_id"].to_numpy(dtype=object)})
    kinds: dict[str, Kind] = {}
    for role, column in columns.items():
        series = runs[column].reset_index(drop=True)
        kinds[role] = column_kind(series)
        data[role] = numeric_values(series) if kinds[role] == "quantitative" else series
    data = data[data["x"].notna() & data["y"].notna()]
    if data.empty:
        raise ChartInputError(
            f"No run has both {columns['x']} and {columns['y']}: pick columns these runs share"
        )
    return data, kinds


def _positive(data: pd.DataFrame, kinds: dict[str, Kind], log_x: bool, log_y: bool) -> pd.DataFrame:
    for role, wanted in (("x", log_x), ("y", log_y)):
        if wanted and kinds[role] != "quantitative":
            raise ChartInputError(f"log_{role}=True needs a numeric {role} column")
        if wanted:
            data = data[data[role] > 0]
    if data.empty:
        raise ChartInputError("No run has positive values for the log axes; drop log_x/log_y")
    return data


def _axis(role: str, column: str, kind: Kind, log: bool) -> Any:
    import altair as alt

    if kind == "nominal":
        scale = alt.Scale()
    else:  # padding in pixels keeps the extreme runs off the axes
        scale = alt.Scale(type="log", padding=12) if log else alt.Scale(zero=False, padding=12)
    channel = alt.X if role == "x" else alt.Y
    return channel(f"{role}:{_TYPE_CODE[kind]}", title=short_name(column), scale=scale)


def _color(column: str, kind: Kind) -> Any:
    import altair as alt

    if kind == "quantitative":
        return alt.Color(
            "color:Q", title=short_name(column), scale=alt.Scale(scheme=alt.SchemeParams(**SEQUENTIAL_SCHEME))
        )
    return alt.Color(f"color:{_TYPE_CODE[kind]}", title=short_name(column))


def _tooltip(columns: dict[str, str], kinds: dict[str, Kind]) -> list[Any]:
    import altair as alt

    tips: list[Any] = [alt.Tooltip("run:N"), alt.Tooltip("run_id:N", title="run id")]
    for role, column in columns.items():
        shorthand = f"{role}:{_TYPE_CODE[kinds[role]]}"
        if kinds[role] == "quantitative":
            tips.append(alt.Tooltip(shorthand, title=column, format=".6~g"))
        else:
            tips.append(alt.Tooltip(shorthand, title=column))
    return tips
