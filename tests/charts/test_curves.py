"""curves_chart: overlaid metric curves, checked through the spec and through what Vega draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbtrack.charts import curves_chart
from nbtrack.errors import ChartInputError, ColumnNotFoundError, NbtrackError

from ._helpers import drawn, history, marks, png, rows


def test_one_metric_is_one_panel_with_a_line_per_run():
    frame = history(runs=3, steps=40)
    chart = curves_chart(frame)
    spec = chart.to_dict()
    assert "facet" not in spec and "layer" in spec
    raw = spec["layer"][0]
    assert raw["mark"]["type"] == "line"
    assert raw["encoding"]["x"] == {"field": "step", "title": "step", "type": "quantitative"}
    assert raw["encoding"]["color"]["field"] == "run"
    assert raw["encoding"]["color"]["sort"] == ["run-0", "run-1", "run-2"]
    assert raw["encoding"]["y"]["title"] == "loss"
    assert [t["field"] for t in raw["encoding"]["tooltip"]] == ["run", "metric", "step", "value"]
    data = rows(spec)
    assert len(data) == 120
    assert set(data[0]) == {"run", "metric", "step", "value"}
    assert drawn(chart)["line"] == 3
    png(chart)


def test_several_metrics_facet_with_independent_y_scales():
    chart = curves_chart(history(runs=2, metrics=("loss", "accuracy", "lr")))
    spec = chart.to_dict()
    assert spec["facet"]["field"] == "metric"
    assert spec["facet"]["sort"] == ["loss", "accuracy", "lr"]  # first-seen order, not alphabetical
    assert spec["columns"] == 2
    assert spec["resolve"]["scale"]["y"] == "independent"
    assert drawn(chart)["line"] == 6
    png(chart)


def test_dash_layout_puts_metrics_in_one_panel():
    chart = curves_chart(history(runs=2, metrics=("loss", "val_loss")), layout="dash")
    spec = chart.to_dict()
    assert "facet" not in spec
    assert spec["layer"][0]["encoding"]["strokeDash"]["field"] == "metric"
    assert drawn(chart)["line"] == 4


def test_smoothing_adds_a_smoothed_line_over_the_faint_raw_one():
    chart = curves_chart(history(runs=2, steps=60), smoothing=0.9)
    spec = chart.to_dict()
    raw, smoothed = spec["layer"][0], spec["layer"][1]
    assert smoothed["encoding"]["y"]["field"] == "smoothed"
    assert (
        raw["encoding"]["opacity"]["condition"]["value"]
        < smoothed["encoding"]["opacity"]["condition"]["value"]
    )
    data = rows(spec)
    assert all("smoothed" in row for row in data)
    assert drawn(chart)["line"] == 4
    first = next(row for row in data if row["run"] == "run-0")
    assert first["smoothed"] == pytest.approx(first["value"])  # debiased: no pull towards zero


def test_metric_history_frames_work_as_they_come():
    """nbtrack.metric_history returns step, timestamp, value: one run, one metric."""
    frame = history(runs=1, steps=30)[["step", "timestamp", "value"]]
    for x, kind in (("step", "quantitative"), ("wall_time", "temporal"), ("relative_time", "quantitative")):
        chart = curves_chart(frame, x=x)
        spec = chart.to_dict()
        assert spec["layer"][0]["encoding"]["x"]["type"] == kind
        assert drawn(chart)["line"] == 1
    relative = [row["relative_time"] for row in rows(curves_chart(frame, x="relative_time").to_dict())]
    assert relative[0] == 0 and relative[-1] == pytest.approx(29.0)
    wall = rows(curves_chart(frame, x="wall_time").to_dict())
    assert wall[0]["wall_time"] == 1_700_000_000_000  # epoch ms, what Vega reads as time


def test_relative_time_is_per_run():
    chart = curves_chart(history(runs=2, steps=10), x="relative_time")
    starts = {}
    for row in rows(chart.to_dict()):
        starts.setdefault(row["run"], row["relative_time"])
    assert starts == {"run-0": 0.0, "run-1": 0.0}


def test_log_y_drops_points_at_or_below_zero():
    frame = pd.DataFrame({"step": range(6), "value": [1.0, 0.0, -1.0, 10.0, 100.0, 0.5]})
    chart = curves_chart(frame, log_y=True)
    spec = chart.to_dict()
    assert spec["layer"][0]["encoding"]["y"]["scale"]["type"] == "log"
    assert sorted(row["value"] for row in rows(spec)) == [0.5, 1.0, 10.0, 100.0]
    png(chart)


def test_long_series_are_downsampled_keeping_extremes():
    steps = 50_000
    values = np.sin(np.arange(steps) / 500.0)
    values[31_337] = 9.0
    frame = pd.DataFrame({"run": "a", "metric": "loss", "step": np.arange(steps), "value": values})
    data = rows(curves_chart(frame, max_points=400).to_dict())
    assert len(data) <= 400
    assert {row["step"] for row in data} >= {0, steps - 1, 31_337}
    assert max(row["value"] for row in data) == 9.0


def test_metrics_selects_and_orders():
    chart = curves_chart(history(runs=1, metrics=("a", "b", "c")), metrics=["c", "a"])
    spec = chart.to_dict()
    assert spec["facet"]["sort"] == ["c", "a"]
    assert {row["metric"] for row in rows(spec)} == {"a", "c"}


def test_a_single_point_series_is_drawn_as_a_dot():
    frame = pd.concat(
        [
            history(runs=1, steps=20),
            pd.DataFrame({"run": ["run-1"], "metric": ["loss"], "step": [0], "value": [0.7]}),
        ]
    )
    counts = drawn(curves_chart(frame))
    assert counts["line"] == 2  # a path of one point shows nothing...
    assert counts["symbol"] == 1  # ...so that series gets a dot


def test_input_frame_is_not_modified():
    frame = history(runs=2)
    before = frame.copy()
    curves_chart(frame, smoothing=0.5, x="relative_time", log_y=True)
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize("dark", [None, False, True])
def test_theme_reads_on_both_backgrounds(dark):
    spec = curves_chart(history(runs=1), dark=dark).to_dict()
    config = spec["config"]
    expected = {None: "transparent", False: "white", True: "#1e1e1e"}[dark]
    assert config["background"] == expected
    assert config["axis"]["labelColor"] == config["legend"]["labelColor"]
    assert config["range"]["category"] == {"scheme": "tableau10"}


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"x": "epoch"}, ChartInputError, "x must be one of step, wall_time, relative_time"),
        ({"smoothing": 1.0}, ChartInputError, "smoothing must be a number in [0, 1)"),
        ({"smoothing": -0.1}, ChartInputError, "smoothing must be a number in [0, 1)"),
        ({"smoothing": "high"}, ChartInputError, "smoothing must be a number in [0, 1)"),
        ({"layout": "grid"}, ChartInputError, "layout must be 'facet' or 'dash'"),
        ({"metrics": ["acc"]}, ColumnNotFoundError, "No metric 'acc' in the history; it has loss"),
        ({"max_points": 3}, ChartInputError, "max_points must be an integer of at least 4"),
        ({"dark": "yes"}, ChartInputError, "dark must be None"),
    ],
)
def test_bad_options_name_the_fix(kwargs, error, message):
    with pytest.raises(error) as caught:
        curves_chart(history(runs=1), **kwargs)
    assert message in str(caught.value)


def test_bad_frames_name_the_fix():
    with pytest.raises(ChartInputError, match="history must be a DataFrame"):
        curves_chart([{"step": 1, "value": 2}])
    with pytest.raises(ColumnNotFoundError, match="history has no 'value' column"):
        curves_chart(pd.DataFrame({"step": [1]}))
    with pytest.raises(ColumnNotFoundError, match="needs a wall_time or timestamp column"):
        curves_chart(pd.DataFrame({"step": [1], "value": [1.0]}), x="wall_time")
    with pytest.raises(ChartInputError, match="No points to draw"):
        curves_chart(pd.DataFrame({"step": [], "value": []}))
    with pytest.raises(ChartInputError, match="above zero"):
        curves_chart(pd.DataFrame({"step": [1], "value": [-1.0]}), log_y=True)
    assert issubclass(ChartInputError, NbtrackError) and issubclass(ColumnNotFoundError, NbtrackError)


def test_spec_names_only_line_and_point_marks():
    assert set(marks(curves_chart(history(), smoothing=0.5).to_dict())) == {"line", "point"}
