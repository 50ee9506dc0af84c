"""A metric over two numeric params: an interpolated grid quantised into bands, runs on top.

Runs rarely sit on a full grid, so the surface is estimated on a regular
``resolution`` x ``resolution`` grid by inverse-distance weighting (in log
space for params spanning two decades or more, such as learning rates) and
cut into ``bands`` equal-width levels: contour-like bands without SciPy.
The runs themselves are drawn over it, so nothing is hidden by smoothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import ChartInputError, NotEnoughRunsError
from ._columns import numeric_values, resolve_column, run_labels, short_name
from ._inline import inline
from .theme import SEQUENTIAL_SCHEME, themed

if TYPE_CHECKING:
    import altair as alt
    import numpy as np
    import pandas as pd

#: A param is drawn on a log axis when it is positive and spans this ratio (auto mode).
LOG_SPAN = 100.0


def contour_chart(
    runs: pd.DataFrame,
    x_param: str,
    y_param: str,
    metric: str,
    *,
    resolution: int = 40,
    bands: int = 8,
    log_x: bool | None = None,
    log_y: bool | None = None,
    dark: bool | None = None,
) -> alt.LayerChart:
    """``metric`` over the plane of two numeric params, as banded colour plus the runs.

    ``log_x``/``log_y``: None chooses a log axis for a positive param that spans
    a factor of 100 or more. Needs at least 3 runs with all three values and
    at least 2 distinct values of each param.
    """
    if isinstance(resolution, bool) or not isinstance(resolution, int) or not 2 <= resolution <= 200:
        raise ChartInputError(f"resolution must be an integer from 2 to 200, got {resolution!r}")
    if isinstance(bands, bool) or not isinstance(bands, int) or not 2 <= bands <= 20:
        raise ChartInputError(f"bands must be an integer from 2 to 20, got {bands!r}")
    columns = {
        "x": resolve_column(runs, x_param, role="x_param"),
        "y": resolve_column(runs, y_param, role="y_param"),
        "z": resolve_column(runs, metric, role="metric"),
    }
    points = _points(runs, columns)
    logs = {"x": _use_log(points["x"], log_x, columns["x"]), "y": _use_log(points["y"], log_y, columns["y"])}
    grid = _grid(points, logs, resolution)
    grid, legend = _band(grid, points["z"], bands)
    return themed(_draw(grid, legend, points, columns, logs), dark)


def _points(runs: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    import pandas as pd

    data = pd.DataFrame({"run": run_labels(runs)})
    for role, column in columns.items():
        values = numeric_values(runs[column])
        if values is None:
            raise ChartInputError(
                f"{column} is not numeric, so it cannot span a contour; use scatter_chart(runs, x, y, "
                f"color={column!r}) for a categorical column"
            )
        data[role] = values.to_numpy()
    data = data.dropna().reset_index(drop=True)
    if len(data) < 3:
        raise NotEnoughRunsError(
            f"A contour needs at least 3 runs with {', '.join(columns.values())}; these runs have {len(data)}"
        )
    for role in ("x", "y"):
        if data[role].nunique() < 2:
            raise ChartInputError(
                f"{columns[role]} has one value in these runs; a contour needs two params that vary"
            )
    return data


def _use_log(values: pd.Series, wanted: bool | None, column: str) -> bool:
    positive = bool((values > 0).all())
    if wanted is None:
        return positive and float(values.max()) / float(values.min()) >= LOG_SPAN
    if wanted and not positive:
        raise ChartInputError(f"A log axis needs positive values, but {column} has values <= 0")
    return bool(wanted)


def _grid(points: pd.DataFrame, logs: dict[str, bool], resolution: int) -> pd.DataFrame:
    """Cell edges (in data units) and the interpolated metric of each cell's centre."""
    import numpy as np
    import pandas as pd

    axes = {}
    for role in ("x", "y"):
        values = points[role].to_numpy()
        space = np.log10(values) if logs[role] else values
        edges = np.linspace(space.min(), space.max(), resolution + 1)
        axes[role] = (space, edges)
    centres = {role: (e[:-1] + e[1:]) / 2 for role, (_, e) in axes.items()}
    gx, gy = np.meshgrid(centres["x"], centres["y"], indexing="ij")
    z = _idw(axes["x"][0], axes["y"][0], points["z"].to_numpy(), gx.ravel(), gy.ravel(), axes)
    edges_x, edges_y = axes["x"][1], axes["y"][1]
    low = np.meshgrid(edges_x[:-1], edges_y[:-1], indexing="ij")
    high = np.meshgrid(edges_x[1:], edges_y[1:], indexing="ij")
    cell = {}
    for role, lo, hi in (("x", low[0], high[0]), ("y", low[1], high[1])):
        cell[role], cell[f"{role}2"] = (10**lo, 10**hi) if logs[role] else (lo, hi)
    return pd.DataFrame({k: v.ravel() for k, v in cell.items()} | {"z": z})


def _idw(px: Any, py: Any, pz: Any, gx: Any, gy: Any, axes: dict[str, Any]) -> np.ndarray:
    """Inverse-distance-squared weighting in coordinates scaled to [0, 1]."""

    def unit(values: Any, role: str) -> Any:
        edges = axes[role][1]
        return (values - edges[0]) / (edges[-1] - edges[0])

    dx = unit(gx, "x")[:, None] - unit(px, "x")[None, :]
    dy = unit(gy, "y")[:, None] - unit(py, "y")[None, :]
    weights = 1.0 / (dx * dx + dy * dy + 1e-9)
    return (weights @ pz) / weights.sum(axis=1)


def _band(grid: pd.DataFrame, observed: pd.Series, bands: int) -> tuple[pd.DataFrame, list[str]]:
    """Quantise the surface into equal-width levels over the observed metric range."""
    import numpy as np

    lo, hi = float(observed.min()), float(observed.max())
    if hi == lo:
        label = f"{lo:.4g}"
        return grid.assign(band=label), [label]
    edges = np.linspace(lo, hi, bands + 1)
    index = np.clip(np.searchsorted(edges, grid["z"].to_numpy(), side="right") - 1, 0, bands - 1)
    labels = [f"{edges[i]:.4g} – {edges[i + 1]:.4g}" for i in range(bands)]
    return grid.assign(band=[labels[i] for i in index]), labels


def _draw(
    grid: pd.DataFrame,
    legend: list[str],
    points: pd.DataFrame,
    columns: dict[str, str],
    logs: dict[str, bool],
) -> Any:
    import altair as alt

    def scale(role: str) -> Any:
        return alt.Scale(type="log" if logs[role] else "linear", zero=False, nice=False)

    titles = {role: short_name(column) for role, column in columns.items()}
    cells = (
        alt.Chart(inline(grid))
        .mark_rect(opacity=0.9)
        .encode(
            x=alt.X("x:Q", title=titles["x"], scale=scale("x")),
            x2="x2:Q",
            y=alt.Y("y:Q", title=titles["y"], scale=scale("y")),
            y2="y2:Q",
            color=alt.Color(
                "band:O",
                title=titles["z"],
                sort=legend,
                scale=alt.Scale(scheme=alt.SchemeParams(**SEQUENTIAL_SCHEME)),
            ),
            tooltip=[alt.Tooltip("band:O", title=f"{titles['z']} (interpolated)")],
        )
    )
    runs = (
        alt.Chart(inline(points))
        .mark_point(filled=True, size=60, color="white", stroke="black", strokeWidth=1, opacity=1)
        .encode(
            x="x:Q",
            y="y:Q",
            tooltip=[
                alt.Tooltip("run:N"),
                alt.Tooltip("x:Q", title=columns["x"], format=".6~g"),
                alt.Tooltip("y:Q", title=columns["y"], format=".6~g"),
                alt.Tooltip("z:Q", title=columns["z"], format=".6~g"),
            ],
        )
    )
    return alt.layer(cells, runs).properties(width=420, height=340)
