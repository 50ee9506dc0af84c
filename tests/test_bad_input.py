"""Every public entry point refuses malformed input clearly and loses nothing stored."""

from __future__ import annotations

import pytest

import nbtrack
from nbtrack.errors import (
    ExperimentNotFoundError,
    FilterParseError,
    InvalidKeyError,
    InvalidValueError,
    NbtrackError,
    ParamConflictError,
    QueryError,
    ReadOnlyQueryError,
    RunNotFoundError,
)


@pytest.fixture
def stored_run():
    """A finished run with a param, a metric history and a tag; returns its snapshot."""
    with nbtrack.start_run(run_name="keep") as run:
        nbtrack.log_param("lr", 0.1)
        nbtrack.log_metric("loss", 1.0)
        nbtrack.log_metric("loss", 0.5)
        nbtrack.set_tag("t", "v")
    return run.run_id, _snapshot()


def _snapshot():
    return (
        nbtrack.sql("select * from all_runs order by run_id").to_dict("records"),
        nbtrack.sql("select * from params order by all").to_dict("records"),
        nbtrack.sql("select * from tags order by all").to_dict("records"),
        nbtrack.sql("select * from metrics order by all").to_dict("records"),
    )


def _unchanged(before):
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("0.9", "must be a number"),
        (None, "must be a number"),
        (b"1", "must be a number"),
        ([1, 2], "must be a number"),
        ({"a": 1}, "must be a number"),
    ],
)
def test_non_numeric_metric(stored_run, value, match):
    run_id, before = stored_run
    with nbtrack.start_run(run_id=run_id):
        with pytest.raises(InvalidValueError, match=match):
            nbtrack.log_metric("loss", value)
        with pytest.raises(InvalidValueError):
            nbtrack.log_metrics({"good": 1.0, "bad": "x"})  # all-or-nothing
    after = nbtrack.get_run(run_id)
    assert after.metrics == {"loss": 0.5}
    assert len(nbtrack.metric_history(run_id, "loss")) == 2
    assert "good" not in after.metrics
    _unchanged_except_status(before)


def _unchanged_except_status(before):
    _runs, params, tags, metrics = _snapshot()
    assert (params, tags, metrics) == before[1:]


def test_array_metric_names_the_shape():
    np = pytest.importorskip("numpy")
    with nbtrack.start_run(), pytest.raises(InvalidValueError, match=r"shape \(3,\)"):
        nbtrack.log_metric("x", np.ones(3))


@pytest.mark.parametrize(
    ("key", "match"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("k" * 251, "251 characters"),
        ("../escape", "path"),
        ("a/../b", "path"),
        ("/abs", "path"),
        ("new\nline", "control"),
        (3, "must be strings"),
    ],
)
def test_bad_keys_everywhere(stored_run, key, match):
    run_id, before = stored_run
    with nbtrack.start_run(run_id=run_id):
        for call in (
            lambda: nbtrack.log_metric(key, 1.0),
            lambda: nbtrack.log_param(key, 1),
            lambda: nbtrack.set_tag(key, "x"),
            lambda: nbtrack.log_params({"fine": 1, key: 2}),
        ):
            with pytest.raises(InvalidKeyError, match=match):
                call()
    _unchanged_except_status(before)


def test_slash_in_metric_key_is_fine():
    with nbtrack.start_run() as run:
        nbtrack.log_metric("train/loss", 1.0)
    assert "train/loss" in nbtrack.get_run(run.run_id).metrics


def test_param_relogged_with_other_value(stored_run):
    run_id, before = stored_run
    with nbtrack.start_run(run_id=run_id):
        with pytest.raises(ParamConflictError, match=r"already '0\.1'.*new run"):
            nbtrack.log_param("lr", 0.2)
        with pytest.raises(ParamConflictError):
            nbtrack.log_params({"other": 1, "lr": 0.3})
        nbtrack.log_param("lr", 0.1)  # same value is fine
    assert nbtrack.get_run(run_id).params == {"lr": "0.1"}
    _unchanged_except_status(before)


def test_over_long_param_and_tag():
    with nbtrack.start_run() as run:
        with pytest.raises(InvalidValueError, match="log_dict"):
            nbtrack.log_param("big", "x" * 6001)
        with pytest.raises(InvalidValueError, match="limit"):
            nbtrack.set_tag("big", "x" * 8001)
    assert nbtrack.get_run(run.run_id).params == {}


def test_bad_step_and_timestamp():
    with nbtrack.start_run() as run:
        with pytest.raises(InvalidValueError, match="step"):
            nbtrack.log_metric("x", 1.0, step=1.5)
        with pytest.raises(InvalidValueError, match="timestamp"):
            nbtrack.log_metric("x", 1.0, timestamp="yesterday")
    assert nbtrack.get_run(run.run_id).metrics == {}


def test_unknown_run_id(stored_run):
    _, before = stored_run
    missing = "f" * 32
    for call in (
        lambda: nbtrack.get_run(missing),
        lambda: nbtrack.delete_run(missing),
        lambda: nbtrack.restore_run(missing),
        lambda: nbtrack.metric_history(missing, "loss"),
        lambda: nbtrack.log_metric("x", 1.0, run_id=missing),
        lambda: nbtrack.start_run(run_id=missing),
    ):
        with pytest.raises(RunNotFoundError, match="check the id"):
            call()
    _unchanged(before)
    assert nbtrack.active_run() is None


def test_unparsable_filter_points_at_column(stored_run):
    _, before = stored_run
    with pytest.raises(FilterParseError) as info:
        nbtrack.runs(filter="metrics.loss >> 1")
    assert info.value.column == 15
    assert "^" in str(info.value)
    with pytest.raises(FilterParseError):
        nbtrack.runs(order_by=["metrics.loss sideways"])
    _unchanged(before)


def test_bad_search_arguments():
    with pytest.raises(InvalidValueError):
        nbtrack.runs(filter=42)
    with pytest.raises(InvalidValueError):
        nbtrack.runs(max_results=-1)
    with pytest.raises(InvalidValueError):
        nbtrack.runs(order_by=[1])
    with pytest.raises(ExperimentNotFoundError, match="known"):
        nbtrack.runs(experiment="nope")
    with pytest.raises(InvalidValueError, match="max_points must be an integer from 4 to"):
        nbtrack.metric_history("a" * 32, "loss", max_points=2)


def test_sql_refuses_writes_and_reports_errors(stored_run):
    _, before = stored_run
    for statement in (
        "delete from core.runs",
        "drop view runs",
        "create table x(a int)",
        "copy (select 1) to 'x.csv'",
        "attach 'other.db'",
        "select 1; delete from core.params",
    ):
        with pytest.raises(ReadOnlyQueryError):
            nbtrack.sql(statement)
    with pytest.raises(QueryError, match="views you can query"):
        nbtrack.sql("select * from no_such_table")
    with pytest.raises(QueryError, match="does not parse"):
        nbtrack.sql("selec * from runs")
    with pytest.raises(InvalidValueError):
        nbtrack.sql("")
    _unchanged(before)


def test_bad_end_status_and_experiment_name():
    with nbtrack.start_run():
        with pytest.raises(InvalidValueError, match="FINISHED"):
            nbtrack.end_run(status="DONE")
        assert nbtrack.active_run() is not None
    with pytest.raises(InvalidValueError):
        nbtrack.set_experiment("")
    with pytest.raises(InvalidValueError):
        nbtrack.log_params(["not", "a", "dict"])  # type: ignore[arg-type]


def test_bad_store_uris(tmp_path):
    (tmp_path / "file.txt").write_text("x")
    for uri, match in (
        (str(tmp_path / "file.txt"), "not a directory"),
        ("s3://bucket", "scheme"),
        (str(tmp_path / "x.duckdb"), "is a file"),
        ("", "empty"),
    ):
        with pytest.raises(NbtrackError, match=match):
            nbtrack.connect(uri)


def test_errors_are_catchable_as_one_family():
    with pytest.raises(NbtrackError):
        nbtrack.log_metric("x", 1.0)


@pytest.mark.parametrize("values", [["1", "2"], [1.0, None], [1.0, "a"]])
def test_log_batch_refuses_non_numbers_all_or_nothing(values):
    with nbtrack.start_run() as run:
        with pytest.raises(InvalidValueError):
            nbtrack.log_batch({"good": [1.0, 2.0], "bad": values})
        with pytest.raises(InvalidValueError):
            nbtrack.log_batch([("good", 1.0), ("bad", "x")])
    assert nbtrack.get_run(run.run_id).metrics == {}
