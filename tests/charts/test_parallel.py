"""parallel_coordinates_chart: a line per run through its params, ending on the metric."""

from __future__ import annotations

import numpy as np
import pytest

from nbtrack.charts import parallel_coordinates_chart
from nbtrack.errors import ChartInputError, ColumnNotFoundError

from ._helpers import drawn, png, runs_table


def test_one_line_per_run_across_the_axes_in_order():
    runs = runs_table(10)
    chart = parallel_coordinates_chart(runs, ["lr", "params.model", "max_depth"], "accuracy")
    spec = chart.to_dict()
    lines = spec["layer"][1]
    assert lines["mark"]["type"] == "line"
    assert lines["encoding"]["x"]["sort"] == ["lr", "model", "max_depth", "accuracy"]
    assert lines["encoding"]["detail"]["field"] == "run"
    assert lines["encoding"]["color"] == {
        "field": "metric",
        "scale": {"scheme": {"name": "viridis", "extent": [0.12, 1.0]}},
        "title": "accuracy",
        "type": "quantitative",
    }
    counts = drawn(chart)
    assert counts["line"] == 10
    assert counts["rule"] == 4  # one axis per dimension
    png(chart)


def test_positions_are_scaled_and_categories_labelled():
    runs = runs_table(6)
    spec = parallel_coordinates_chart(runs, ["max_depth", "model"], "accuracy").to_dict()
    datasets = list(spec["datasets"].values())
    points = next(d for d in datasets if d and "pos" in d[0] and "run" in d[0])
    for axis in ("max_depth", "model", "accuracy"):
        positions = [p["pos"] for p in points if p["axis"] == axis]
        assert min(positions) == 0 and max(positions) == 1
    ticks = next(d for d in datasets if d and "tick" in d[0])
    assert {t["tick"] for t in ticks if t["axis"] == "model"} == {"gb", "lr", "rf"}


def test_params_default_to_those_that_differ():
    spec = parallel_coordinates_chart(runs_table(), None, "accuracy").to_dict()
    assert spec["layer"][1]["encoding"]["x"]["sort"] == [
        "max_depth",
        "lr",
        "model",
        "accuracy",
    ]  # seed is constant


def test_runs_without_the_metric_are_left_out():
    runs = runs_table(6)
    runs.loc[0, "metrics.accuracy"] = np.nan
    assert drawn(parallel_coordinates_chart(runs, ["lr"], "accuracy"))["line"] == 5


def test_bad_input_names_the_fix():
    runs = runs_table()
    with pytest.raises(ChartInputError, match=r"params.model is not numeric"):
        parallel_coordinates_chart(runs, ["lr"], "params.model")
    with pytest.raises(ChartInputError, match="No param differs"):
        parallel_coordinates_chart(
            runs.assign(**{"params.lr": "1", "params.max_depth": "2", "params.model": "a"}), None, "accuracy"
        )
    with pytest.raises(ColumnNotFoundError, match="No param 'depth'"):
        parallel_coordinates_chart(runs, ["depth"], "accuracy")
    with pytest.raises(ChartInputError, match="params is empty"):
        parallel_coordinates_chart(runs, [], "accuracy")
    with pytest.raises(ChartInputError, match=r"No run has a value for metrics.loss"):
        parallel_coordinates_chart(runs.assign(**{"metrics.loss": np.nan}), ["lr"], "loss")
