"""Which run each autologged call lands in: children inside a run, own runs outside, never leaking."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import nbtrack

from ._helpers import child_runs, only_run


@pytest.fixture
def data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def test_each_fit_in_a_run_becomes_a_child_named_after_the_estimator(autolog, data):
    autolog("sklearn")
    X, y = data
    with nbtrack.start_run(run_name="cell") as cell:
        LogisticRegression(C=0.1).fit(X, y)
        LinearRegression().fit(X, y)
        nbtrack.log_metric("by_hand", 1.0)  # still goes to the cell's run
    children = child_runs(cell.run_id)
    assert children["run_name"].tolist() == ["LogisticRegression", "LinearRegression"]
    assert set(children["status"]) == {"FINISHED"}
    assert children["params.C"].iloc[0] == "0.1"
    assert nbtrack.get_run(cell.run_id).metrics == {"by_hand": 1.0}
    assert len(nbtrack.runs()) == 3


def test_outside_a_run_each_fit_gets_its_own_finished_run(autolog, data):
    autolog("sklearn")
    X, y = data
    LogisticRegression().fit(X, y)
    LogisticRegression().fit(X, y)
    assert nbtrack.active_run() is None
    frame = nbtrack.runs()
    assert len(frame) == 2
    assert frame["parent_run_id"].isna().all() and set(frame["status"]) == {"FINISHED"}


def test_a_pipeline_is_one_run_with_its_steps_params(autolog, data):
    autolog("sklearn")
    make_pipeline(StandardScaler(), LogisticRegression(C=2.0)).fit(*data)
    run = only_run()
    assert run["run_name"] == "Pipeline"
    assert run["params.logisticregression__C"] == "2.0"
    assert run["params.standardscaler__with_mean"] == "True"
    assert run["metrics.training_accuracy_score"] > 0.8


def test_a_meta_estimator_is_one_run(autolog, data):
    from sklearn.ensemble import BaggingClassifier
    from sklearn.multiclass import OneVsRestClassifier

    autolog("sklearn")
    OneVsRestClassifier(LogisticRegression(C=3.0)).fit(*data)
    BaggingClassifier(LogisticRegression(), n_estimators=3, random_state=0).fit(*data)
    frame = nbtrack.runs()
    assert sorted(frame["run_name"]) == ["BaggingClassifier", "OneVsRestClassifier"]
    assert frame.set_index("run_name").loc["OneVsRestClassifier", "params.estimator__C"] == "3.0"


def test_exclusive_logs_nothing_inside_the_users_run_but_still_outside(autolog, data):
    autolog("sklearn", exclusive=True)
    with nbtrack.start_run() as mine:
        LogisticRegression().fit(*data)
    assert child_runs(mine.run_id).empty
    LogisticRegression().fit(*data)
    assert len(nbtrack.runs()) == 2  # the user's run and the outside fit's own run


def test_extra_tags_reach_every_autolog_run(autolog, data):
    autolog("sklearn", extra_tags={"team": "growth"})
    LogisticRegression().fit(*data)
    assert only_run()["tags.team"] == "growth"


def test_after_disable_nothing_is_logged(autolog, data):
    autolog("sklearn")
    autolog(disable=True)
    LogisticRegression().fit(*data)
    assert nbtrack.runs().empty


def test_logging_stops_the_moment_the_run_ends(autolog):
    import keras

    autolog("keras")
    X = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = X.sum(axis=1)

    class EndTheCellRunAfterEpochOne(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                nbtrack.end_run()  # ends the cell's run and, with it, the fit's child run

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with nbtrack.start_run() as cell:
        model.fit(X, y, epochs=4, batch_size=16, verbose=0, callbacks=[EndTheCellRunAfterEpochOne()])
    child = child_runs(cell.run_id).iloc[0]
    steps = nbtrack.metric_history(child["run_id"], "loss")["step"].tolist()
    assert max(steps) <= 1  # epochs 2 and 3 went nowhere
    with nbtrack.start_run() as later:
        nbtrack.log_metric("x", 1.0)
    assert set(nbtrack.get_run(later.run_id).metrics) == {"x"}


def test_record_run_checks_everything_before_writing():
    from nbtrack.errors import InvalidValueError

    session = nbtrack.get_session()
    with nbtrack.start_run() as parent:
        with pytest.raises(InvalidValueError):
            session.record_run(parent_run_id=parent.run_id, run_name="bad", metrics={"m": "not a number"})
        with pytest.raises(InvalidValueError, match="status"):
            session.record_run(parent_run_id=parent.run_id, run_name="bad", status="DONE")
        session.record_run(
            parent_run_id=parent.run_id, run_name="good", metrics={"m": 1.0}, series={"s": {0: 1.0, 5: 2.0}}
        )
        assert nbtrack.active_run().run_id == parent.run_id  # never on the run stack
    (child,) = child_runs(parent.run_id).itertuples()
    assert child.run_name == "good" and child.status == "FINISHED"
    assert nbtrack.metric_history(child.run_id, "s")["step"].tolist() == [0, 5]
