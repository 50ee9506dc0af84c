"""scatter_chart: any two run columns, coloured by a third."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbtrack.charts import scatter_chart
from nbtrack.errors import ChartInputError, ColumnNotFoundError

from ._helpers import drawn, png, rows, runs_table


def test_text_params_that_are_numbers_get_a_numeric_axis_and_categorical_colour():
    runs = runs_table(12)
    chart = scatter_chart(runs, "params.max_depth", "metrics.accuracy", color="params.model")
    spec = chart.to_dict()
    assert spec["mark"]["type"] == "circle"
    enc = spec["encoding"]
    assert (enc["x"]["field"], enc["x"]["type"], enc["x"]["title"]) == ("x", "quantitative", "max_depth")
    assert (enc["y"]["type"], enc["color"]["type"]) == ("quantitative", "nominal")
    assert {t.get("title") for t in enc["tooltip"]} >= {
        "params.max_depth",
        "metrics.accuracy",
        "params.model",
    }
    data = rows(spec)
    assert len(data) == 12 and isinstance(data[0]["x"], float)
    assert drawn(chart)["symbol"] == 12
    png(chart)


def test_numeric_colour_uses_a_sequential_scale():
    spec = scatter_chart(runs_table(), "lr", "accuracy", color="loss").to_dict()
    assert spec["encoding"]["color"]["type"] == "quantitative"
    assert spec["encoding"]["color"]["scale"] == {"scheme": {"name": "viridis", "extent": [0.12, 1.0]}}


def test_bare_keys_and_prefix_spellings_resolve():
    spec = scatter_chart(runs_table(), "param.max_depth", "accuracy").to_dict()
    assert spec["encoding"]["x"]["title"] == "max_depth" and spec["encoding"]["y"]["title"] == "accuracy"


def test_categorical_axes_and_time_axes():
    runs = runs_table(6).assign(start_time=pd.date_range("2026-01-01", periods=6, freq="h", tz="UTC"))
    spec = scatter_chart(runs, "model", "start_time").to_dict()
    assert spec["encoding"]["x"]["type"] == "nominal" and spec["encoding"]["y"]["type"] == "temporal"
    png(spec)


def test_runs_missing_a_value_are_left_out():
    runs = runs_table(5)
    runs.loc[[1, 3], "metrics.loss"] = np.nan
    chart = scatter_chart(runs, "max_depth", "loss")
    assert len(rows(chart.to_dict())) == 3
    assert drawn(chart)["symbol"] == 3


def test_log_axes_keep_positive_values():
    runs = runs_table(6)
    runs.loc[0, "params.lr"] = "0"
    spec = scatter_chart(runs, "lr", "accuracy", log_x=True).to_dict()
    assert spec["encoding"]["x"]["scale"]["type"] == "log"
    assert len(rows(spec)) == 5


def test_bad_columns_name_the_fix():
    runs = runs_table()
    with pytest.raises(ColumnNotFoundError, match=r"No x 'max_dept'.*Did you mean 'params.max_depth'"):
        scatter_chart(runs, "max_dept", "accuracy")
    with pytest.raises(ColumnNotFoundError, match="y must be a column name"):
        scatter_chart(runs, "lr", None)
    both = runs.assign(**{"metrics.max_depth": 1.0})
    with pytest.raises(
        ColumnNotFoundError, match=r"ambiguous: write one of params.max_depth, metrics.max_depth"
    ):
        scatter_chart(both, "max_depth", "accuracy")
    with pytest.raises(ChartInputError, match="log_x=True needs a numeric x column"):
        scatter_chart(runs, "model", "accuracy", log_x=True)
    with pytest.raises(ChartInputError, match="No run has both"):
        scatter_chart(runs.assign(**{"metrics.loss": np.nan}), "lr", "loss")
