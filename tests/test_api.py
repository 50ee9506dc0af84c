"""The Python API end to end on a real DuckDB file."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import nbtrack
from nbtrack.api import resolve_run_id
from nbtrack.errors import InvalidValueError, NoActiveRunError, RunNotFoundError, RunStateError


def test_issue_example_round_trip():
    nbtrack.set_experiment("churn")
    with nbtrack.start_run(run_name="rf", tags={"team": "growth"}) as run:
        nbtrack.log_params({"n_estimators": 100, "max_depth": 8})
        for epoch in range(100):
            nbtrack.log_metric("loss", 1 / (epoch + 1), step=epoch)
        nbtrack.log_metric("accuracy", 0.91)
    df = nbtrack.runs(
        filter="metrics.accuracy > 0.9 and params.max_depth = '8'", order_by=["metrics.accuracy DESC"]
    )
    assert list(df["run_id"]) == [run.run_id]
    row = df.iloc[0]
    assert row["status"] == "FINISHED"
    assert row["run_name"] == "rf"
    assert row["experiment_name"] == "churn"
    assert row["params.n_estimators"] == "100"
    assert row["tags.team"] == "growth"
    assert row["metrics.loss"] == pytest.approx(1 / 100)
    assert row["metrics.accuracy"] == pytest.approx(0.91)
    assert isinstance(row["start_time"], pd.Timestamp) and row["duration"] >= 0
    hist = nbtrack.metric_history(run.run_id, "loss", max_points=2000)
    assert list(hist.columns) == ["step", "timestamp", "value"]
    assert list(hist["step"]) == list(range(100))
    failed = nbtrack.sql("select * from runs where status = 'FAILED'")
    assert failed.empty


def test_mlflow_column_convention():
    with nbtrack.start_run() as run:
        nbtrack.log_param("lr", 0.1)
        nbtrack.log_metric("acc", 0.5)
        nbtrack.set_tag("k", "v")
    df = nbtrack.runs()
    for column in (
        "run_id",
        "experiment_id",
        "status",
        "start_time",
        "end_time",
        "metrics.acc",
        "params.lr",
        "tags.k",
        "run_name",
        "duration",
        "notebook",
        "cell_id",
    ):
        assert column in df.columns
    assert df["start_time"].dt.tz is not None
    assert df.loc[0, "run_id"] == run.run_id
    assert df["cell_id"].isna().all()  # not a %%track cell


def test_cell_columns_come_from_the_magic_tags():
    with nbtrack.start_run(tags={"nbtrack.cell_id": "c-1", "nbtrack.notebook": "a/b.ipynb"}):
        pass
    df = nbtrack.runs()
    assert (df.loc[0, "cell_id"], df.loc[0, "notebook"]) == ("c-1", "a/b.ipynb")
    assert list(df.columns).index("cell_id") < list(df.columns).index("tags.nbtrack.cell_id")


def test_step_defaults_to_next_step_per_key():
    with nbtrack.start_run() as run:
        for _ in range(3):
            nbtrack.log_metric("a", 1.0)
        nbtrack.log_metric("b", 2.0)
        nbtrack.log_metric("a", 5.0, step=10)
        nbtrack.log_metric("a", 6.0)
        nbtrack.log_metrics({"a": 7.0, "b": 8.0})
    assert list(nbtrack.metric_history(run.run_id, "a")["step"]) == [0, 1, 2, 10, 11, 12]
    assert list(nbtrack.metric_history(run.run_id, "b")["step"]) == [0, 1]
    assert nbtrack.get_run(run.run_id).metrics == {"a": 7.0, "b": 8.0}


def test_explicit_timestamp_is_kept():
    with nbtrack.start_run() as run:
        nbtrack.log_metric("x", 1.0, timestamp=1_700_000_000_000)
    hist = nbtrack.metric_history(run.run_id, "x")
    assert hist["timestamp"].iloc[0] == pd.Timestamp(1_700_000_000_000, unit="ms", tz="UTC")


def test_nan_and_infinity_are_stored_faithfully():
    with nbtrack.start_run() as run:
        nbtrack.log_metric("nan", float("nan"))
        nbtrack.log_metric("pinf", float("inf"))
        nbtrack.log_metric("ninf", float("-inf"))
    record = nbtrack.get_run(run.run_id)
    assert math.isnan(record.metrics["nan"])
    assert record.metrics["pinf"] == math.inf and record.metrics["ninf"] == -math.inf
    assert math.isnan(nbtrack.metric_history(run.run_id, "nan")["value"].iloc[0])


def test_numpy_and_torch_like_scalars_are_metrics():
    np = pytest.importorskip("numpy")
    with nbtrack.start_run() as run:
        nbtrack.log_metric("f32", np.float32(0.5))
        nbtrack.log_metric("i64", np.int64(3))
        nbtrack.log_metric("arr", np.array([0.25]))
        nbtrack.log_metric("flag", True)
    assert nbtrack.get_run(run.run_id).metrics == {"f32": 0.5, "i64": 3.0, "arr": 0.25, "flag": 1.0}


def test_exception_ends_run_failed_with_traceback_and_reraises():
    with pytest.raises(ZeroDivisionError), nbtrack.start_run() as run:
        nbtrack.log_metric("before", 1.0)
        1 / 0  # noqa: B018
    record = nbtrack.get_run(run.run_id)
    assert record.status == "FAILED"
    assert "ZeroDivisionError" in record.error and "Traceback" in record.error
    assert record.metrics == {"before": 1.0}
    assert nbtrack.active_run() is None


def test_keyboard_interrupt_ends_run_killed():
    with pytest.raises(KeyboardInterrupt), nbtrack.start_run() as run:
        nbtrack.log_metric("partial", 0.3)
        raise KeyboardInterrupt
    record = nbtrack.get_run(run.run_id)
    assert record.status == "KILLED"
    assert record.metrics == {"partial": 0.3}


def test_end_run_with_status_and_active_run():
    run = nbtrack.start_run(run_name="manual")
    assert nbtrack.active_run().run_id == run.run_id
    nbtrack.end_run(status="KILLED")
    assert nbtrack.active_run() is None
    assert nbtrack.get_run(run.run_id).status == "KILLED"
    nbtrack.end_run()  # nothing active: a no-op, like MLflow


def test_second_run_without_nested_is_refused_with_advice():
    with nbtrack.start_run() as outer:
        with pytest.raises(RunStateError, match="nested=True"):
            nbtrack.start_run()
        assert nbtrack.active_run().run_id == outer.run_id


def test_nested_runs_and_parent_end_closes_children():
    with nbtrack.start_run(run_name="parent") as parent:
        child = nbtrack.start_run(run_name="child", nested=True)
        nbtrack.log_metric("m", 1.0)  # goes to the child
        grandchild = nbtrack.start_run(run_name="grandchild", nested=True)
    assert nbtrack.get_run(child.run_id).parent_run_id == parent.run_id
    assert nbtrack.get_run(grandchild.run_id).parent_run_id == child.run_id
    assert nbtrack.get_run(child.run_id).metrics == {"m": 1.0}
    assert {nbtrack.get_run(r.run_id).status for r in (parent, child, grandchild)} == {"FINISHED"}
    df = nbtrack.runs(filter=f"attributes.parent_run_id = '{parent.run_id}'")
    assert list(df["run_id"]) == [child.run_id]


def test_run_handle_logs_to_its_own_run():
    with nbtrack.start_run() as parent, nbtrack.start_run(nested=True) as child:
        parent.log_metric("outer", 1.0)
        child.log_params({"p": 1})
    assert nbtrack.get_run(parent.run_id).metrics == {"outer": 1.0}
    assert nbtrack.get_run(child.run_id).params == {"p": "1"}


def test_logging_without_a_run_says_how_to_start_one():
    with pytest.raises(NoActiveRunError, match="%%track"):
        nbtrack.log_metric("x", 1.0)


def test_resume_run_continues_steps_and_keeps_params():
    with nbtrack.start_run() as run:
        nbtrack.log_param("lr", 0.1)
        nbtrack.log_metric("loss", 1.0)
        nbtrack.log_metric("loss", 0.5)
    with nbtrack.start_run(run_id=run.run_id):
        nbtrack.log_metric("loss", 0.25)
        nbtrack.log_param("lr", 0.1)  # same value: fine
    assert list(nbtrack.metric_history(run.run_id, "loss")["step"]) == [0, 1, 2]
    assert nbtrack.get_run(run.run_id).status == "FINISHED"


def test_log_to_finished_run_by_id():
    with nbtrack.start_run() as run:
        nbtrack.log_metric("a", 1.0)
    nbtrack.log_metric("a", 2.0, run_id=run.run_id)
    nbtrack.set_tag("late", "yes", run_id=run.run_id)
    record = nbtrack.get_run(run.run_id)
    assert record.metrics["a"] == 2.0 and record.tags["late"] == "yes"


def test_delete_and_restore_run():
    with nbtrack.start_run() as keep:
        pass
    with nbtrack.start_run() as gone:
        pass
    nbtrack.delete_run(gone.run_id)
    assert list(nbtrack.runs()["run_id"]) == [keep.run_id]
    assert len(nbtrack.runs(include_deleted=True)) == 2
    assert nbtrack.get_run(gone.run_id).lifecycle_stage == "deleted"
    nbtrack.restore_run(gone.run_id)
    assert set(nbtrack.runs()["run_id"]) == {keep.run_id, gone.run_id}


def test_tags_overwrite_and_delete():
    with nbtrack.start_run() as run:
        nbtrack.set_tags({"a": "1", "b": "2"})
        nbtrack.set_tag("a", "3")
        nbtrack.delete_tag("b")
    assert nbtrack.get_run(run.run_id).tags == {"a": "3"}


def test_experiments_and_default_experiment_scoping():
    with nbtrack.start_run():
        pass
    nbtrack.set_experiment("alpha")
    with nbtrack.start_run() as alpha_run:
        pass
    assert list(nbtrack.runs()["run_id"]) == [alpha_run.run_id]  # active experiment only
    assert len(nbtrack.runs(experiment="*")) == 2
    assert len(nbtrack.runs(experiment=["alpha", "Default"])) == 2
    exp = nbtrack.get_experiment("alpha")
    assert exp.name == "alpha" and exp.runs == 1
    assert nbtrack.get_experiment(exp.experiment_id).name == "alpha"
    names = set(nbtrack.experiments()["name"])
    assert names == {"alpha", "Default"}
    with nbtrack.start_run(experiment="beta") as beta_run:
        pass
    assert nbtrack.get_run(beta_run.run_id).experiment_name == "beta"


def test_search_runs_mlflow_signature():
    nbtrack.set_experiment("s")
    for value in (0.2, 0.8):
        with nbtrack.start_run():
            nbtrack.log_metric("acc", value)
    df = nbtrack.search_runs(experiment_names=["s"], filter_string="metrics.acc > 0.5")
    assert df["metrics.acc"].tolist() == [0.8]


def test_order_by_and_max_results():
    for value in (0.3, 0.9, 0.6):
        with nbtrack.start_run():
            nbtrack.log_metric("acc", value)
    df = nbtrack.runs(order_by="metrics.acc DESC", max_results=2)
    assert df["metrics.acc"].tolist() == [0.9, 0.6]


def test_metric_history_downsampling_keeps_extremes():
    import numpy as np

    n = 50_000
    values = np.sin(np.arange(n) / 500.0)
    values[12_345] = 10.0  # a spike must survive
    values[33_333] = -10.0
    with nbtrack.start_run() as run:
        nbtrack.log_batch({"wave": values.tolist()})
    full = nbtrack.metric_history(run.run_id, "wave")
    assert len(full) == n
    small = nbtrack.metric_history(run.run_id, "wave", max_points=2000)
    assert 1000 < len(small) <= 2000
    assert small["step"].iloc[0] == 0 and small["step"].iloc[-1] == n - 1
    assert small["value"].max() == 10.0 and small["value"].min() == -10.0
    assert small["step"].is_monotonic_increasing
    assert nbtrack.metric_history(run.run_id, "wave", max_points=n).shape[0] == n


def test_log_batch_tuples_params_and_tags():
    with nbtrack.start_run() as run:
        nbtrack.log_batch(
            metrics=[("loss", 0.5, 0, None), ("loss", 0.4, 1, 1_700_000_000_000), ("acc", 0.7)],
            params={"p": 1},
            tags={"t": "x"},
        )
    record = nbtrack.get_run(run.run_id)
    assert record.metrics == {"loss": 0.4, "acc": 0.7}
    assert record.params == {"p": "1"} and record.tags == {"t": "x"}


def test_sql_reads_views():
    with nbtrack.start_run(run_name="a") as run:
        nbtrack.log_metric("m", 1.0)
    counts = nbtrack.sql(
        "select (select count(*) from runs) r, (select count(*) from metrics) m, "
        "(select count(*) from latest_metrics) l, (select count(*) from experiments) e"
    )
    assert counts.iloc[0].tolist() == [1, 1, 1, 1]
    named = nbtrack.sql("select run_name from runs where run_id = ?", [run.run_id])
    assert named["run_name"].tolist() == ["a"]


def test_flush_makes_data_visible_to_another_process(store_dir):
    import subprocess
    import sys

    with nbtrack.start_run() as run:
        nbtrack.log_metric("m", 3.0)
        nbtrack.flush()
        code = "import nbtrack, sys; print(nbtrack.get_run(sys.argv[1]).metrics['m'])"
        out = subprocess.run(
            [sys.executable, "-c", code, run.run_id], capture_output=True, text=True, check=True
        )
    assert out.stdout.strip() == "3.0"


def test_status_filter_is_case_insensitive():
    with nbtrack.start_run() as run:
        pass
    assert nbtrack.runs(filter="status = 'finished'")["run_id"].tolist() == [run.run_id]
    assert nbtrack.runs(filter="status IN ('failed', 'killed')").empty


def test_history_comes_back_in_step_order_whatever_the_write_order():
    with nbtrack.start_run() as run:
        for step in (5, 1, 3):
            nbtrack.log_metric("m", float(step), step=step)
            nbtrack.flush()  # separate spool files and merges
        nbtrack.log_metric("m", 1.5, step=1, timestamp=1)  # same step, older time
    hist = nbtrack.metric_history(run.run_id, "m")
    assert hist["step"].tolist() == [1, 1, 3, 5]
    assert hist["value"].tolist() == [1.5, 1.0, 3.0, 5.0]


def test_log_batch_plain_tuples_take_the_vectorised_path_faithfully():
    rows = [("a" if i % 2 else "b", float(i), i, 1_700_000_000_000 + i) for i in range(10_000)]
    rows[10] = ("b", float("nan"), 10, 1_700_000_000_010)
    with nbtrack.start_run() as run:
        nbtrack.log_batch(metrics=rows)
    a = nbtrack.metric_history(run.run_id, "a")
    b = nbtrack.metric_history(run.run_id, "b")
    assert len(a) == len(b) == 5_000
    assert a["step"].tolist() == list(range(1, 10_000, 2))
    assert a["value"].iloc[-1] == 9_999.0
    assert math.isnan(b.loc[b["step"] == 10, "value"].iloc[0])
    assert a["timestamp"].iloc[0] == pd.Timestamp(1_700_000_000_001, unit="ms", tz="UTC")


def test_latest_value_of_a_repeated_step_is_the_last_logged():
    with nbtrack.start_run() as run:
        nbtrack.log_metric("m", 1.0, step=0, timestamp=1_000)
        nbtrack.log_metric("m", 2.0, step=0, timestamp=1_000)
        nbtrack.log_metric("n", 1.0, step=0, timestamp=2_000)
        nbtrack.log_metric("n", 2.0, step=0, timestamp=1_000)
    assert nbtrack.get_run(run.run_id).metrics == {"m": 2.0, "n": 1.0}


def test_metric_listeners_see_single_points_and_batches():
    seen = []
    session = nbtrack.get_session()

    def listener(run_id, key, step, ts, value):
        seen.append((key, step, value))

    session.subscribe(listener)
    session.subscribe(listener)  # twice: still one subscription
    try:
        with nbtrack.start_run():
            nbtrack.log_metric("a", 1.0)
            nbtrack.log_batch({"b": [2.0, 3.0]})
            nbtrack.log_batch([("c", 4.0, 7, 1_700_000_000_000)])
    finally:
        assert session.unsubscribe(listener) is True
    assert seen == [("a", 0, 1.0), ("b", 0, 2.0), ("b", 1, 3.0), ("c", 7, 4.0)]
    assert session.unsubscribe(listener) is False
    with nbtrack.start_run():
        nbtrack.log_metric("a", 2.0)
    assert len(seen) == 4  # unsubscribed: no longer called


def test_metric_listeners_list_still_subscribes_and_unsubscribes():
    """The list older callers mutate (``%%track``'s card) is a view onto subscribe/unsubscribe."""
    seen = []
    session = nbtrack.get_session()

    def listener(*point):
        seen.append(point[1])

    session.metric_listeners.append(listener)
    assert listener in session.metric_listeners and len(session.metric_listeners) == 1
    with nbtrack.start_run():
        nbtrack.log_metric("a", 1.0)
    session.metric_listeners.remove(listener)
    assert session.metric_listeners == []
    with pytest.raises(ValueError):
        session.metric_listeners.remove(listener)
    with nbtrack.start_run():
        nbtrack.log_metric("b", 1.0)
    assert seen == ["a"]


def test_subscribe_refuses_what_cannot_be_called():
    with pytest.raises(InvalidValueError, match="subscribe takes a callable, got int"):
        nbtrack.get_session().subscribe(5)  # type: ignore[arg-type]


def test_resolve_run_id_from_a_unique_prefix():
    with nbtrack.start_run() as first:
        pass
    with nbtrack.start_run() as second:
        pass
    assert resolve_run_id(first.run_id) == first.run_id
    assert resolve_run_id(first.run_id[:10]) == first.run_id
    nbtrack.delete_run(second.run_id)
    assert resolve_run_id(second.run_id[:10]) == second.run_id  # deleted runs too
    with pytest.raises(RunNotFoundError, match=r"'zz' matches no run in the store at .*nbtrack runs"):
        resolve_run_id("zz")
    with pytest.raises(InvalidValueError, match="run id prefix"):
        resolve_run_id("")
    with pytest.raises(InvalidValueError, match="run id prefix must be a run id string"):
        resolve_run_id(5)  # type: ignore[arg-type]


def test_resolve_run_id_says_when_several_runs_match():
    ids = []
    while True:  # run ids are random: log until two share their first character
        with nbtrack.start_run() as run:
            pass
        ids.append(run.run_id)
        shared = [i for i in ids if i[0] == run.run_id[0]]
        if len(shared) > 1:
            break
    with pytest.raises(RunNotFoundError, match=f"{run.run_id[0]!r} matches several runs"):
        resolve_run_id(run.run_id[0])
