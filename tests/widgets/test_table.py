"""The run table's Python side: pages over the comm, sorting, filtering, selection, refresh."""

from __future__ import annotations

import pytest

import nbtrack
from nbtrack.errors import ExperimentNotFoundError, FilterParseError, InvalidValueError
from nbtrack.widgets.table import PAGE_SIZE, RunTable
from nbtrack.wire import read_ipc

from ._runs import log_runs
from ._wire import Wire


@pytest.fixture
def runs(recorded_comms) -> list[str]:
    return log_runs(150)


def table(**kwargs) -> tuple[RunTable, Wire]:
    widget = nbtrack.table(**kwargs)
    return widget, Wire(widget)


def test_first_page_travels_with_the_state(runs):
    _, wire = table()
    state = wire.opened_state()
    page = read_ipc(state["first_page"])
    assert state["total"] == 150
    assert page.num_rows == PAGE_SIZE
    assert page.column_names == ["run_id", *state["visible"]]
    assert page.column("run_name").to_pylist() == nbtrack.runs()["run_name"].tolist()[:PAGE_SIZE]
    assert state["columns"]["metrics"] == ["metrics.accuracy"]
    assert state["columns"]["params"] == ["params.depth", "params.lr", "params.model"]
    assert state["columns"]["tags"] == ["tags.team"]


def test_pages_are_one_arrow_message_each(runs):
    widget, wire = table()
    replies = wire.send({"type": "page", "offset": 100, "limit": 100, "version": widget.version})
    assert len(replies) == 1
    content, buffers = replies[0]
    assert content == {"type": "page", "offset": 100, "rows": 50, "version": widget.version}
    page = read_ipc(buffers[0])
    expected = nbtrack.runs()["run_name"].tolist()[100:150]
    assert page.column("run_name").to_pylist() == expected
    assert page.schema.field("start_time").type == "double"  # epoch ms: no BigInt in JavaScript


def test_page_bytes_stay_small(recorded_comms):
    log_runs(400)
    _, wire = table()
    ((_, buffers),) = wire.send({"type": "page", "offset": 0, "limit": 400})
    assert read_ipc(buffers[0]).num_rows == 400
    assert len(buffers[0]) < 400 * 200  # run id, name, status, times and 3 keys: well under 200 bytes a row


def test_sorting_from_the_front_end_reorders_and_bumps_the_version(runs):
    widget, wire = table()
    before = widget.version
    wire.set(sort_by="metrics.accuracy", sort_desc=False)
    assert widget.version == before + 1
    update = wire.updates()[-1]
    first = read_ipc(update["first_page"]).column("run_name").to_pylist()
    assert first[:3] == ["run-000", "run-001", "run-002"]
    wire.set(sort_desc=True)
    assert read_ipc(widget.first_page).column("run_name").to_pylist()[0] == "run-149"


def test_sorting_by_a_key_with_spaces_works(recorded_comms):
    nbtrack.set_experiment("spaces")
    for i in range(3):
        with nbtrack.start_run(run_name=f"r{i}"):
            nbtrack.log_metric("val loss", 3 - i)
    widget, wire = table(columns=["run_name", "metrics.val loss"])
    wire.set(sort_by="metrics.val loss", sort_desc=False)
    assert widget.error == {}
    assert read_ipc(widget.first_page).column("run_name").to_pylist() == ["r2", "r1", "r0"]


def test_filter_narrows_and_a_bad_filter_is_shown_not_raised(runs):
    widget, wire = table()
    wire.set(filter="params.model = 'rf' and metrics.accuracy >= 0.5")
    assert widget.total == 37 == len(nbtrack.runs(filter="params.model = 'rf' and metrics.accuracy >= 0.5"))
    assert set(read_ipc(widget.first_page).column("run_name").to_pylist()) <= {
        f"run-{i:03d}" for i in range(0, 150, 2)
    }
    version = widget.version
    wire.set(filter="metrics.accuracy >")
    assert widget.error == {
        "message": "expected a number after metrics.accuracy >, found end of input",
        "column": 19,
        "text": "metrics.accuracy >",
    }
    assert (widget.total, widget.version) == (37, version)  # the last good rows stay
    wire.set(filter="")
    assert widget.error == {} and widget.total == 150


def test_column_chooser_changes_the_page_columns(runs):
    widget, wire = table()
    wire.set(visible=["run_name", "tags.team"])
    page = read_ipc(widget.first_page)
    assert page.column_names == ["run_id", "run_name", "tags.team"]
    assert set(page.column("tags.team").to_pylist()) == {"a", "b"}


def test_selection_reaches_python_as_a_dataframe(runs):
    widget, wire = table()
    assert widget.selected.empty and "run_id" in widget.selected.columns
    chosen = [runs[5], runs[1]]
    wire.set(selected_ids=chosen)
    frame = widget.selected
    assert frame["run_id"].tolist() == chosen  # in the order the user picked them
    assert frame["run_name"].tolist() == ["run-005", "run-001"]
    assert {"params.model", "metrics.accuracy", "tags.team"} <= set(frame.columns)


def test_selection_set_in_python_goes_to_the_front_end(runs):
    widget, wire = table()
    start = wire.mark()
    widget.selected_ids = [runs[0]]
    assert wire.updates(start) == [{"selected_ids": [runs[0]]}]


def test_refresh_sees_new_runs_and_is_quiet_otherwise(runs):
    widget, wire = table()
    assert wire.send({"type": "refresh"}) == [({"type": "refreshed", "changed": False}, [])]
    with nbtrack.start_run(run_name="late"):
        nbtrack.log_metric("accuracy", 1.0)
    replies = wire.send({"type": "refresh"})
    assert replies[-1] == ({"type": "refreshed", "changed": True}, [])
    assert widget.total == 151
    assert "late" in read_ipc(widget.first_page).column("run_name").to_pylist()[:5]


def test_bad_messages_answer_with_an_error(runs):
    _, wire = table()
    replies = wire.send({"type": "page", "offset": -5})
    assert replies[0][0]["type"] == "error"
    assert "offset must be a non-negative number" in replies[0][0]["message"]
    assert wire.send({"type": "nonsense"}) == []


def test_the_experiment_is_pinned_when_the_table_is_made(runs):
    widget, _ = table()
    nbtrack.set_experiment("another")
    with nbtrack.start_run(run_name="elsewhere"):
        pass
    assert widget.refresh() is False and widget.total == 150
    everything, _ = table(experiment="*")
    assert everything.total == 151


def test_python_api_page_and_refresh(runs):
    widget, _ = table(order_by="metrics.accuracy ASC", columns=["run_name", "metrics.accuracy"])
    page = widget.page(10, 5)
    assert page["run_name"].tolist() == [f"run-{i:03d}" for i in range(10, 15)]
    assert widget.refresh() is False


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"filter": 3}, InvalidValueError, "filter must be a string"),
        ({"filter": "metrics.accuracy >"}, FilterParseError, "column 19"),
        ({"order_by": ["a"]}, InvalidValueError, "order_by must be one column"),
        ({"order_by": "nonsense_attr DESC"}, FilterParseError, "unknown attribute"),
        ({"columns": [1]}, InvalidValueError, "columns must be a list of column names"),
        ({"columns": []}, InvalidValueError, "columns must be a list of column names"),
        ({"auto_refresh": -1}, InvalidValueError, "auto_refresh must be"),
        ({"experiment": "missing"}, ExperimentNotFoundError, "No experiment 'missing'"),
    ],
)
def test_bad_arguments_raise_clear_errors_and_change_nothing(recorded_comms, kwargs, error, message):
    log_runs(3)
    before = nbtrack.runs(experiment="*")
    with pytest.raises(error, match=message):
        nbtrack.table(**kwargs)
    assert nbtrack.runs(experiment="*").equals(before)


def test_static_representation_is_an_escaped_html_table(recorded_comms):
    with nbtrack.start_run(run_name="<script>alert(1)</script>"):
        nbtrack.log_metric("loss", 0.123456789)
    widget, _ = table()
    data, _ = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert "&lt;script&gt;" in data["text/html"] and "<script>" not in data["text/html"]
    assert "0.1235" in data["text/html"]
    assert data["text/plain"].startswith("nbtrack runs: 1 run\n")
