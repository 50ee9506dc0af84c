"""contour_chart: a metric over two numeric params, banded, with the runs on top."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbtrack.charts import contour_chart
from nbtrack.errors import ChartInputError, NotEnoughRunsError

from ._helpers import drawn, png, rows, runs_table


def grid_runs() -> pd.DataFrame:
    """A 4 x 3 grid search where accuracy rises with depth."""
    depth, width = np.meshgrid([2, 4, 6, 8], [16, 32, 64], indexing="ij")
    return pd.DataFrame(
        {
            "run_id": [f"{i:032x}" for i in range(12)],
            "run_name": [f"g{i}" for i in range(12)],
            "params.depth": depth.ravel().astype(str),
            "params.width": width.ravel().astype(str),
            "metrics.acc": 0.5 + depth.ravel() / 20,
        }
    )


def test_grid_cells_and_run_points_are_drawn():
    chart = contour_chart(grid_runs(), "depth", "width", "acc", resolution=10, bands=5)
    spec = chart.to_dict()
    cells, points = spec["layer"]
    assert cells["mark"]["type"] == "rect" and points["mark"]["type"] == "point"
    assert {cells["encoding"][k]["field"] for k in ("x", "x2", "y", "y2")} == {"x", "x2", "y", "y2"}
    assert cells["encoding"]["color"]["type"] == "ordinal"
    assert len(cells["encoding"]["color"]["sort"]) == 5
    counts = drawn(chart)
    assert counts["rect"] == 100
    assert counts["symbol"] == 12
    png(chart)


def test_bands_follow_the_metric():
    spec = contour_chart(grid_runs(), "depth", "width", "acc", resolution=8, bands=4).to_dict()
    legend = spec["layer"][0]["encoding"]["color"]["sort"]
    cells = [r for r in rows(spec) if "band" in r]
    first_column = [legend.index(c["band"]) for c in cells if c["x"] == 2]
    last_column = [legend.index(c["band"]) for c in cells if c["x2"] == 8]
    assert len(first_column) == len(last_column) == 8
    assert max(first_column) < min(last_column)  # accuracy rises with depth
    assert min(first_column) == 0 and max(last_column) == 3


def test_params_spanning_decades_get_a_log_axis():
    spec = contour_chart(runs_table(12), "lr", "max_depth", "accuracy").to_dict()
    cells = spec["layer"][0]["encoding"]
    assert cells["x"]["scale"]["type"] == "log" and cells["y"]["scale"]["type"] == "linear"
    spec = contour_chart(runs_table(12), "lr", "max_depth", "accuracy", log_x=False).to_dict()
    assert spec["layer"][0]["encoding"]["x"]["scale"]["type"] == "linear"


def test_a_constant_metric_is_one_band():
    spec = contour_chart(grid_runs().assign(**{"metrics.acc": 0.5}), "depth", "width", "acc").to_dict()
    assert spec["layer"][0]["encoding"]["color"]["sort"] == ["0.5"]


def test_bad_input_names_the_fix():
    runs = runs_table(12)
    with pytest.raises(ChartInputError, match=r"params.model is not numeric.*scatter_chart"):
        contour_chart(runs, "model", "lr", "accuracy")
    with pytest.raises(NotEnoughRunsError, match="at least 3 runs"):
        contour_chart(runs.head(2), "lr", "max_depth", "accuracy")
    with pytest.raises(ChartInputError, match=r"params.seed has one value"):
        contour_chart(runs, "lr", "seed", "accuracy")
    with pytest.raises(ChartInputError, match="resolution must be an integer from 2 to 200"):
        contour_chart(runs, "lr", "max_depth", "accuracy", resolution=1000)
    with pytest.raises(ChartInputError, match="bands must be an integer from 2 to 20"):
        contour_chart(runs, "lr", "max_depth", "accuracy", bands=1)
    negative = runs.assign(**{"params.max_depth": "-1"})
    negative.loc[0, "params.max_depth"] = "3"
    with pytest.raises(ChartInputError, match="log axis needs positive values"):
        contour_chart(negative, "lr", "max_depth", "accuracy", log_y=True)
