"""The comparison widget's Python side: specs and Arrow rows per tab, lazy tabs, inline errors."""

from __future__ import annotations

import pytest

import nbtrack
from nbtrack.errors import ColumnNotFoundError, InvalidValueError, NotEnoughRunsError, RunNotFoundError
from nbtrack.widgets.compare import settings_with
from nbtrack.wire import read_ipc

from ._runs import log_runs
from ._wire import Wire


@pytest.fixture
def runs(recorded_comms) -> list[str]:
    return log_runs(5, "cmp", curves=5, name="r{i}")


def rows(payload: dict) -> int:
    return sum(read_ipc(data).num_rows for data in payload["data"].values())


def test_curves_come_as_a_spec_and_arrow_rows(runs):
    widget = nbtrack.compare(runs[2:], metrics=["loss"])
    state = Wire(widget).opened_state()
    chart = state["chart"]
    assert state["view"] == "curves" and chart["error"] == ""
    assert all(rows == [] for rows in chart["spec"]["datasets"].values())  # the rows travel as Arrow
    (table,) = [read_ipc(data) for data in chart["data"].values()]
    assert table.num_rows == 150 and set(table.column("run").to_pylist()) == {"r4", "r3", "r2"}
    assert state["title"] == "3 runs: r2, r3, r4"
    assert [v["id"] for v in state["views"]] == [
        "params",
        "curves",
        "scatter",
        "parallel",
        "contour",
        "importance",
    ]


def test_param_diff_shows_only_what_differs(runs):
    widget = nbtrack.compare(runs[:2])
    assert widget.diff["runs"] == ["r0", "r1"]
    assert widget.diff["fields"] == ["params.depth", "params.lr", "params.model"]
    assert widget.diff["values"][2] == ["rf", "xgb"]


def test_switching_tabs_builds_each_chart_once_and_lazily(runs):
    widget = nbtrack.compare(experiment="cmp")
    wire = Wire(widget)
    assert not any(key.startswith("importance:") for key in widget._charts)
    wire.set(view="importance")
    assert widget.chart["view"] == "importance" and widget.chart["error"] == ""
    assert any(key.startswith("importance:") for key in widget._charts)
    wire.set(view="scatter")
    scatter = widget.chart
    assert (scatter["view"], rows(scatter)) == ("scatter", 5)
    start = wire.mark()
    wire.set(view="importance")
    assert wire.updates(start)[-1]["chart"]["view"] == "importance"  # from the cache, same payload


def test_settings_from_the_front_end_redraw_that_tab(runs):
    widget = nbtrack.compare(experiment="cmp", x="params.depth", y="metrics.accuracy", color="params.model")
    assert widget.view == "scatter"
    assert widget.settings["scatter"] == {
        "x": "params.depth",
        "y": "metrics.accuracy",
        "color": "params.model",
    }
    wire = Wire(widget)
    wire.set(settings=settings_with(widget.settings, "scatter", x="params.lr"))
    encoding = widget.chart_for().to_dict()["encoding"]
    assert encoding["x"]["title"] == "lr"
    wire.set(view="curves", settings=settings_with(widget.settings, "curves", smoothing=0.6, log_y=True))
    curves = widget.chart
    assert curves["view"] == "curves" and curves["error"] == ""
    (table,) = [read_ipc(data) for data in curves["data"].values()]
    assert "smoothed" in table.column_names


def test_a_chart_that_cannot_be_drawn_says_why_in_its_tab(runs):
    widget = nbtrack.compare(runs[:2])
    widget.view = "importance"
    assert "at least 3" in widget.chart["error"] or "3 runs" in widget.chart["error"]
    assert widget.chart["spec"] == {}
    widget.view = "contour"  # two runs differing in depth and lr, but only one numeric param is picked
    widget.settings = settings_with(widget.settings, "contour", y=None)
    assert "A contour needs two numeric params" in widget.chart["error"]


def test_compare_takes_a_table_selection_and_the_table_itself(runs):
    table = nbtrack.table()
    table.selected_ids = runs[1:3]
    assert nbtrack.compare(table.selected).data.run_ids == tuple(runs[1:3])
    assert nbtrack.compare(table).data.run_ids == tuple(runs[1:3])


def test_payload_of_a_long_comparison_stays_under_a_megabyte(recorded_comms):
    for i in range(20):
        with nbtrack.start_run(run_name=f"long-{i}"):
            nbtrack.log_batch({"loss": [1 / (s + 1) + i for s in range(5000)]})
    widget = nbtrack.compare(last=20)
    assert rows(widget.chart) <= 20 * 2000
    assert sum(len(b) for b in widget.chart["data"].values()) < 1_000_000


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda ids: nbtrack.compare(["nope"]), RunNotFoundError, "No run 'nope'"),
        (lambda ids: nbtrack.compare(42), InvalidValueError, "Cannot tell which run"),
        (lambda ids: nbtrack.compare(last=0), InvalidValueError, "last must be a positive integer"),
        (lambda ids: nbtrack.compare(ids, last=2), InvalidValueError, "not both"),
        (lambda ids: nbtrack.compare(ids, x="params.nope"), ColumnNotFoundError, "params.nope"),
        (lambda ids: nbtrack.compare(ids, metrics=["nope"]), ColumnNotFoundError, "No metric 'nope'"),
        (
            lambda ids: nbtrack.compare(filter="metrics.accuracy > 5"),
            NotEnoughRunsError,
            "No runs to compare",
        ),
        (lambda ids: nbtrack.compare([]), NotEnoughRunsError, "Nothing to compare"),
    ],
)
def test_bad_arguments_raise_clear_errors_and_change_nothing(runs, call, error, message):
    before = nbtrack.runs(experiment="*")
    with pytest.raises(error, match=message):
        call(runs)
    assert nbtrack.runs(experiment="*").equals(before)


def test_static_representation_has_the_diff_and_a_png(runs):
    widget = nbtrack.compare(runs[2:])
    data, _ = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert "params.lr" in data["text/html"]
    assert data["image/png"].startswith(b"\x89PNG")
    assert data["text/plain"] == "nbtrack comparison of 3 runs: r2, r3, r4"
