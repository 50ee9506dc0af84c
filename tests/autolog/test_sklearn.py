"""scikit-learn autolog on tiny real data: params, metrics, searches, partial_fit, models, datasets."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.tree import DecisionTreeClassifier

import nbtrack

from ._helpers import child_runs, only_run


@pytest.fixture
def iris():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return X.iloc[::2], y.iloc[::2], X.iloc[1::2], y.iloc[1::2]


def test_classifier_params_and_training_metrics_match_sklearn(autolog, iris):
    X, y, _, _ = iris
    autolog("sklearn")
    model = LogisticRegression(C=0.5, max_iter=300).fit(X, y)
    run = only_run()
    for key, value in model.get_params(deep=True).items():
        assert run[f"params.{key}"] == str(value)
    pred, proba = model.predict(X), model.predict_proba(X)
    expected = {
        "training_accuracy_score": metrics.accuracy_score(y, pred),
        "training_precision_score": metrics.precision_score(y, pred, average="weighted"),
        "training_recall_score": metrics.recall_score(y, pred, average="weighted"),
        "training_f1_score": metrics.f1_score(y, pred, average="weighted"),
        "training_log_loss": metrics.log_loss(y, proba),
        "training_roc_auc": metrics.roc_auc_score(y, proba, average="weighted", multi_class="ovo"),
        "training_score": model.score(X, y),
    }
    for key, value in expected.items():
        assert run[f"metrics.{key}"] == pytest.approx(value, rel=1e-12), key
    assert run["tags.estimator_name"] == "LogisticRegression"
    assert run["tags.estimator_class"] == "sklearn.linear_model._logistic.LogisticRegression"
    confusion = nbtrack.load_dict(run["run_id"], "training_confusion_matrix.json")
    assert confusion["labels"] == ["0", "1", "2"]
    np.testing.assert_array_equal(confusion["matrix"], metrics.confusion_matrix(y, pred))


def test_regressor_metrics(autolog, iris):
    X, _, _, _ = iris
    target = X.pop("petal width (cm)")
    autolog("sklearn")
    model = Ridge(alpha=0.3).fit(X, target)
    run = only_run()
    pred = model.predict(X)
    mse = metrics.mean_squared_error(target, pred)
    assert run["metrics.training_mean_squared_error"] == pytest.approx(mse)
    assert run["metrics.training_root_mean_squared_error"] == pytest.approx(np.sqrt(mse))
    assert run["metrics.training_mean_absolute_error"] == pytest.approx(
        metrics.mean_absolute_error(target, pred)
    )
    assert run["metrics.training_r2_score"] == pytest.approx(metrics.r2_score(target, pred))


def test_post_training_metrics_are_named_after_the_dataset_variable(autolog, iris):
    X_train, y_train, X_test, y_test = iris
    autolog("sklearn")
    from sklearn.metrics import f1_score  # imported after autolog: the patched function

    with nbtrack.start_run() as cell:
        model = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X_train, y_train)
        predictions = model.predict(X_test)
        acc = metrics.accuracy_score(y_test, predictions)
        f1 = f1_score(y_test, predictions, average="macro")
        score = model.score(X_test, y_test)
        metrics.accuracy_score(y_test, predictions)  # a second call: "-2"
    child = child_runs(cell.run_id).iloc[0]
    logged = nbtrack.get_run(child["run_id"]).metrics
    assert logged["accuracy_score_X_test"] == pytest.approx(acc)
    assert logged["accuracy_score-2_X_test"] == pytest.approx(acc)
    assert logged["f1_score_X_test"] == pytest.approx(f1)
    assert logged["DecisionTreeClassifier_score_X_test"] == pytest.approx(score)
    assert "accuracy_score_X_test" not in nbtrack.get_run(cell.run_id).metrics


def test_post_training_metrics_can_be_turned_off(autolog, iris):
    X_train, y_train, X_test, y_test = iris
    autolog("sklearn", log_post_training_metrics=False)
    model = DecisionTreeClassifier(max_depth=2).fit(X_train, y_train)
    metrics.accuracy_score(y_test, model.predict(X_test))
    assert not any(k.endswith("_X_test") for k in nbtrack.get_run(only_run()["run_id"]).metrics)


def test_grid_search_parent_children_and_cv_results(autolog, iris):
    X, y, _, _ = iris
    autolog("sklearn", max_tuning_runs=3)
    grid = {"C": [0.01, 0.1, 1.0, 10.0], "fit_intercept": [True, False]}
    with nbtrack.start_run() as cell:
        search = GridSearchCV(LogisticRegression(max_iter=300), grid, cv=3).fit(X, y)
    (parent,) = child_runs(cell.run_id).itertuples()
    assert parent.run_name == "GridSearchCV"
    record = nbtrack.get_run(parent.run_id)
    assert record.params["best_C"] == str(search.best_params_["C"])
    assert record.params["estimator"].startswith("LogisticRegression")
    assert "estimator__C" not in record.params  # the seed's untuned params are not the search's
    assert record.metrics["best_cv_score"] == pytest.approx(search.best_score_)
    assert record.tags["nbtrack.tuning_runs"] == "3 of 8"
    candidates = child_runs(parent.run_id)
    assert len(candidates) == 3
    results = pd.DataFrame(search.cv_results_)
    best_three = results.nsmallest(3, "rank_test_score")
    assert sorted(candidates["metrics.mean_test_score"]) == pytest.approx(
        sorted(best_three["mean_test_score"])
    )
    assert set(candidates["params.max_iter"]) == {"300"}
    assert not any(c.startswith("metrics.split") for c in candidates.columns if candidates[c].notna().any())
    table = nbtrack.load_table(parent.run_id, "cv_results.parquet")
    assert len(table) == 8 and "mean_test_score" in table
    assert len(nbtrack.runs()) == 1 + 1 + 3  # no run for any of the 24 inner fits or the refit


def test_randomized_and_halving_searches(autolog, iris):
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingGridSearchCV

    X, y, _, _ = iris
    autolog("sklearn", max_tuning_runs=None)
    RandomizedSearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": [1, 2, 3]}, n_iter=3, cv=2).fit(
        X, y
    )
    HalvingGridSearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": [1, 2, 3, 4]}, cv=2).fit(X, y)
    tops = nbtrack.runs(filter="parent_run_id IS NULL")
    assert sorted(tops["run_name"]) == ["HalvingGridSearchCV", "RandomizedSearchCV"]
    for run in tops.itertuples():
        assert len(child_runs(run.run_id)) == len(nbtrack.load_table(run.run_id, "cv_results.parquet"))


def test_partial_fit_calls_share_one_run_with_a_step_per_call(autolog, iris):
    X, y, _, _ = iris
    autolog("sklearn")
    model = SGDClassifier(random_state=0)
    with nbtrack.start_run() as cell:
        for batch in range(3):
            rows = slice(batch * 25, (batch + 1) * 25)
            model.partial_fit(X.iloc[rows], y.iloc[rows], classes=[0, 1, 2])
        nbtrack.log_metric("cell_metric", 1.0)
    (child,) = child_runs(cell.run_id).itertuples()
    assert child.status == "FINISHED" and child.run_name == "SGDClassifier"
    history = nbtrack.metric_history(child.run_id, "training_accuracy_score")
    assert history["step"].tolist() == [0, 1, 2]
    assert nbtrack.get_run(cell.run_id).metrics == {"cell_metric": 1.0}
    with nbtrack.start_run() as next_cell:  # a new cell: a new run for the same estimator
        model.partial_fit(X.iloc[:25], y.iloc[:25])
    assert len(child_runs(next_cell.run_id)) == 1


def test_model_artifact_round_trips_with_meta(autolog, iris, tmp_path):
    X, y, X_test, _ = iris
    autolog("sklearn", log_input_examples=True)
    model = LogisticRegression(max_iter=300).fit(X, y)
    run_id = only_run()["run_id"]
    folder = nbtrack.download_artifacts(run_id, "model", tmp_path)
    with open(f"{folder}/model.pkl", "rb") as handle:
        loaded = pickle.load(handle)
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))
    meta = json.loads(Path(folder, "meta.json").read_text())
    assert meta["flavor"] == "sklearn" and meta["library"] == "scikit-learn"
    assert meta["class"] == "sklearn.linear_model._logistic.LogisticRegression"
    example = nbtrack.load_dict(run_id, "model/input_example.json")
    assert example["columns"] == list(X.columns) and len(example["data"]) == 5


def test_dataset_facts_not_data(autolog, iris):
    X, y, _, _ = iris
    autolog("sklearn")
    LogisticRegression(max_iter=300).fit(X, y)
    run_id = only_run()["run_id"]
    facts = nbtrack.load_dict(run_id, "datasets/train.json")
    assert facts["name"] == "X" and facts["shape"] == [75, 4] and facts["columns"] == list(X.columns)
    LogisticRegression(max_iter=300).fit(X.copy(), y)
    LogisticRegression(max_iter=300).fit(X * 2, y)
    digests = [nbtrack.load_dict(r, "datasets/train.json")["digest"] for r in nbtrack.runs()["run_id"]]
    assert len(set(digests)) == 2  # same content, same digest; other content, another


def test_log_models_and_datasets_off(autolog, iris):
    X, y, _, _ = iris
    autolog("sklearn", log_models=False, log_datasets=False)
    LogisticRegression(max_iter=300).fit(X, y)
    paths = nbtrack.list_artifacts(only_run()["run_id"])["path"].tolist()
    assert paths == ["training_confusion_matrix.json"]
