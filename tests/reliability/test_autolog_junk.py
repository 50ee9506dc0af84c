"""Autolog makes runs for user-level fits only: no junk runs from scikit-learn's own internals.

The calls are those of scikit-learn's gallery examples that fit nothing of the
user's (metrics, reports, displays, splitting, label helpers, permutation
importance), run with autolog on and no active run: each must leave the store
empty. Fits the user makes are one run each, named after the estimator, however
many estimators the library fits inside (pipeline steps, stacking members,
calibrators, cross-validation clones, label encoders). ``cross_val_score`` and
``cross_validate`` are one run per call (the fold scores), never one per fold.
"""

from __future__ import annotations

import joblib
import matplotlib
import numpy as np
import pytest
from sklearn import metrics
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV, CalibrationDisplay
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier, StackingClassifier
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    cross_val_predict,
    cross_val_score,
    cross_validate,
    learning_curve,
    train_test_split,
    validation_curve,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelEncoder, StandardScaler, label_binarize

import nbtrack
from nbtrack.integrations._registry import REGISTRY

matplotlib.use("Agg")


@pytest.fixture
def autolog():
    """Autolog for every library (silent), disabled again after the test, with no patch left."""
    nbtrack.autolog(silent=True)
    yield nbtrack.autolog
    nbtrack.autolog(disable=True)
    assert REGISTRY.live() == []


@pytest.fixture(scope="module")
def data():
    """A three-class problem, split with stratification, and models fitted before autolog is on."""
    X, y = make_classification(n_samples=150, n_classes=3, n_informative=4, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    binary = (y_train == 0).astype(int)
    return {
        "X": X,
        "y": y,
        "X_train": X_train,
        "X_test": X_test,
        "y_train": y_train,
        "y_test": y_test,
        "model": LogisticRegression(max_iter=500).fit(X_train, y_train),
        "binary_model": LogisticRegression(max_iter=500).fit(X_train, binary),
        "binary": binary,
    }


def _stored() -> list[str]:
    frame = nbtrack.runs()
    return sorted(frame["run_name"]) if len(frame) else []


def _report(d):
    return metrics.classification_report(d["y_test"], d["model"].predict(d["X_test"]))


def _proba(d):
    return d["model"].predict_proba(d["X_test"])


#: Calls from scikit-learn's gallery that fit nothing of the user's.
FIT_NOTHING = {
    "classification_report": _report,
    "classification_report_dict": lambda d: metrics.classification_report(
        d["y_test"], d["model"].predict(d["X_test"]), output_dict=True
    ),
    "confusion_matrix": lambda d: metrics.confusion_matrix(d["y_test"], d["model"].predict(d["X_test"])),
    "multilabel_confusion_matrix": lambda d: metrics.multilabel_confusion_matrix(
        d["y_test"], d["model"].predict(d["X_test"])
    ),
    "precision_recall_fscore_support": lambda d: metrics.precision_recall_fscore_support(
        d["y_test"], d["model"].predict(d["X_test"])
    ),
    "f1_score_macro": lambda d: metrics.f1_score(
        d["y_test"], d["model"].predict(d["X_test"]), average="macro"
    ),
    "roc_auc_score_ovr": lambda d: metrics.roc_auc_score(d["y_test"], _proba(d), multi_class="ovr"),
    "roc_auc_score_ovo": lambda d: metrics.roc_auc_score(d["y_test"], _proba(d), multi_class="ovo"),
    "log_loss": lambda d: metrics.log_loss(d["y_test"], _proba(d)),
    "top_k_accuracy": lambda d: metrics.top_k_accuracy_score(d["y_test"], _proba(d), k=2),
    "label_binarize": lambda d: label_binarize(d["y_test"], classes=[0, 1, 2]),
    "ConfusionMatrixDisplay.from_predictions": lambda d: metrics.ConfusionMatrixDisplay.from_predictions(
        d["y_test"], d["model"].predict(d["X_test"])
    ),
    "ConfusionMatrixDisplay.from_estimator": lambda d: metrics.ConfusionMatrixDisplay.from_estimator(
        d["model"], d["X_test"], d["y_test"]
    ),
    "RocCurveDisplay.from_predictions": lambda d: metrics.RocCurveDisplay.from_predictions(
        d["binary"], d["binary_model"].predict_proba(d["X_train"])[:, 1]
    ),
    "RocCurveDisplay.from_estimator": lambda d: metrics.RocCurveDisplay.from_estimator(
        d["binary_model"], d["X_train"], d["binary"]
    ),
    "PrecisionRecallDisplay.from_predictions": lambda d: metrics.PrecisionRecallDisplay.from_predictions(
        d["binary"], d["binary_model"].predict_proba(d["X_train"])[:, 1]
    ),
    "DetCurveDisplay.from_predictions": lambda d: metrics.DetCurveDisplay.from_predictions(
        d["binary"], d["binary_model"].predict_proba(d["X_train"])[:, 1]
    ),
    "CalibrationDisplay.from_estimator": lambda d: CalibrationDisplay.from_estimator(
        d["binary_model"], d["X_train"], d["binary"]
    ),
    "train_test_split_stratify": lambda d: train_test_split(d["X"], d["y"], stratify=d["y"], random_state=1),
    "make_classification": lambda d: make_classification(n_samples=20, random_state=1),
    "permutation_importance": lambda d: permutation_importance(
        d["model"], d["X_test"], d["y_test"], n_repeats=2, random_state=0
    ),
    "model.score": lambda d: d["model"].score(d["X_test"], d["y_test"]),
    # These fit clones of the estimator, never the user's object: no run, not one per fold either
    # (cross_val_score and cross_validate are one run of their own: see below).
    "cross_val_predict": lambda d: cross_val_predict(LogisticRegression(max_iter=500), d["X"], d["y"], cv=3),
    "learning_curve": lambda d: learning_curve(
        LogisticRegression(max_iter=500), d["X"], d["y"], cv=3, train_sizes=[0.5, 1.0]
    ),
    "validation_curve": lambda d: validation_curve(
        LogisticRegression(max_iter=500), d["X"], d["y"], param_name="C", param_range=[0.1, 1.0], cv=3
    ),
}


@pytest.mark.parametrize("call", list(FIT_NOTHING))
def test_calls_that_fit_nothing_of_the_users_store_no_run(autolog, data, call):
    FIT_NOTHING[call](data)
    assert _stored() == []


@pytest.mark.parametrize("call", ["classification_report", "learning_curve", "log_loss"])
def test_inside_a_run_they_add_no_child_either(autolog, data, call):
    with nbtrack.start_run(run_name="cell"):
        FIT_NOTHING[call](data)
    assert _stored() == ["cell"]


def test_cross_val_score_is_one_run_with_the_fold_scores_and_no_run_per_fold(autolog, data):
    scores = cross_val_score(LogisticRegression(C=0.5, max_iter=500), data["X"], data["y"], cv=3)
    frame = nbtrack.runs()
    assert frame["run_name"].tolist() == ["LogisticRegression (cross_val_score)"]
    run = nbtrack.get_run(frame["run_id"].iloc[0])
    assert run.status == "FINISHED" and run.params["C"] == "0.5" and run.params["cv"] == "3"
    assert run.tags["nbtrack.autolog_call"] == "cross_val_score"
    assert run.metrics["cv_test_score_mean"] == pytest.approx(scores.mean())
    assert run.metrics["cv_test_score_std"] == pytest.approx(scores.std())
    history = nbtrack.metric_history(run.run_id, "cv_test_score")
    assert history["step"].tolist() == [0, 1, 2]
    assert history["value"].tolist() == pytest.approx(scores.tolist())


def test_cross_validate_is_one_run_per_call_and_a_child_inside_a_run(autolog, data):
    # imported after autolog(): a name imported before keeps the unpatched function (as for metrics)
    from sklearn.model_selection import cross_validate as patched_cross_validate

    assert patched_cross_validate is not cross_validate
    with nbtrack.start_run(run_name="cell") as cell:
        patched_cross_validate(
            LogisticRegression(max_iter=500), data["X"], data["y"], cv=3, scoring=["accuracy", "f1_macro"]
        )
    frame = nbtrack.runs()
    assert sorted(frame["run_name"]) == ["LogisticRegression (cross_validate)", "cell"]
    child = frame[frame["run_name"] != "cell"].iloc[0]
    assert child["parent_run_id"] == cell.run_id
    assert {"metrics.cv_test_accuracy_mean", "metrics.cv_test_f1_macro_mean"} <= set(frame.columns)
    assert "metrics.cv_fit_time_mean" not in frame.columns


def test_cross_validation_in_threads_is_still_one_run(autolog, data):
    with joblib.parallel_backend("threading", n_jobs=2):
        cross_val_score(LogisticRegression(max_iter=500), data["X"], data["y"], cv=4, n_jobs=2)
    assert _stored() == ["LogisticRegression (cross_val_score)"]


class OwnEnsemble(ClassifierMixin, BaseEstimator):
    """A meta-estimator written in the user's own code: its parts are fitted by the user."""

    def fit(self, X, y):
        self.model_ = LogisticRegression(max_iter=500).fit(X, y)
        return self


class OwnLogisticRegression(LogisticRegression):
    """A subclass whose ``fit`` goes through ``super().fit``."""

    def fit(self, X, y, sample_weight=None):
        return super().fit(X, y, sample_weight=sample_weight)


#: User-level fits and the one run each stores.
ONE_RUN = {
    "LogisticRegression": lambda d: LogisticRegression(max_iter=500).fit(d["X_train"], d["y_train"]),
    "Pipeline": lambda d: make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(
        d["X_train"], d["y_train"]
    ),
    "StackingClassifier": lambda d: StackingClassifier(
        [("lr", LogisticRegression(max_iter=500)), ("rf", RandomForestClassifier(n_estimators=5))], cv=3
    ).fit(d["X_train"], d["y_train"]),
    "CalibratedClassifierCV": lambda d: CalibratedClassifierCV(LogisticRegression(max_iter=500), cv=3).fit(
        d["X_train"], d["y_train"]
    ),
    "StandardScaler": lambda d: StandardScaler().fit_transform(d["X_train"]),
    "LabelEncoder": lambda d: LabelEncoder().fit(["b", "a", "b"]),
    "OwnLogisticRegression": lambda d: OwnLogisticRegression(max_iter=500).fit(d["X_train"], d["y_train"]),
}


@pytest.mark.parametrize("name", list(ONE_RUN))
def test_a_user_level_fit_is_exactly_one_run(autolog, data, name):
    ONE_RUN[name](data)
    frame = nbtrack.runs()
    assert sorted(frame["run_name"]) == [name]
    assert frame["status"].tolist() == ["FINISHED"]


def test_a_meta_estimator_in_the_users_own_code_keeps_its_parts_runs(autolog, data):
    OwnEnsemble().fit(data["X_train"], data["y_train"])  # OwnEnsemble.fit itself is not patched
    assert _stored() == ["LogisticRegression"]


def test_a_grid_search_is_one_run_with_its_candidates_as_children(autolog, data):
    GridSearchCV(LogisticRegression(max_iter=500), {"C": [0.1, 1.0]}, cv=3).fit(data["X"], data["y"])
    frame = nbtrack.runs()
    parent = frame[frame["parent_run_id"].isna()]
    assert parent["run_name"].tolist() == ["GridSearchCV"]
    children = frame[frame["parent_run_id"] == parent["run_id"].iloc[0]]
    assert sorted(children["run_name"]) == ["LogisticRegression #0", "LogisticRegression #1"]
    assert len(frame) == 3


def test_notebook_loop_of_fit_and_report_stores_one_run_per_fit(autolog, data):
    """The issue's notebook: each execution fits once and prints reports; 56 of 210 runs were junk."""
    for _ in range(7):
        model = RandomForestClassifier(n_estimators=5, random_state=0).fit(data["X_train"], data["y_train"])
        predicted = model.predict(data["X_test"])
        metrics.classification_report(data["y_test"], predicted)
        metrics.ConfusionMatrixDisplay.from_predictions(data["y_test"], predicted)
        metrics.f1_score(data["y_test"], predicted, average="weighted")
    assert _stored() == ["RandomForestClassifier"] * 7


def test_boosting_wrappers_inside_scikit_learn_helpers_store_no_run_of_their_own(autolog, data):
    xgboost = pytest.importorskip("xgboost")
    lightgbm = pytest.importorskip("lightgbm")
    X, y = data["X"], data["y"]
    cross_val_score(xgboost.XGBClassifier(n_estimators=3), X, y, cv=3)
    cross_val_score(lightgbm.LGBMClassifier(n_estimators=3, verbose=-1), X, y, cv=3)
    # one run per call; neither the wrappers' fits per fold nor the boosters' train() inside them
    assert _stored() == ["LGBMClassifier (cross_val_score)", "XGBClassifier (cross_val_score)"]
    StackingClassifier(
        [("xgb", xgboost.XGBClassifier(n_estimators=3)), ("lr", LogisticRegression(max_iter=500))], cv=3
    ).fit(X, y)
    assert len(_stored()) == 3 and "StackingClassifier" in _stored()


def test_lightgbm_label_encoder_is_no_run_with_only_sklearn_autolog(data):
    lightgbm = pytest.importorskip("lightgbm")
    nbtrack.autolog("sklearn", silent=True)
    try:
        lightgbm.LGBMClassifier(n_estimators=3, verbose=-1).fit(data["X"], data["y"].astype(str))
    finally:
        nbtrack.autolog(disable=True)
    assert _stored() == []  # its _LGBMLabelEncoder is a scikit-learn LabelEncoder fitted by LightGBM


def test_a_fit_deep_in_the_users_own_recursion_is_still_user_level(data):
    """The caller rule looks at the nearest frames only: 200 user frames above change nothing."""
    nbtrack.autolog("sklearn", silent=True)

    def deep(n):
        return deep(n - 1) if n else LogisticRegression(max_iter=500).fit(data["X_train"], data["y_train"])

    try:
        deep(200)
    finally:
        nbtrack.autolog(disable=True)
    assert _stored() == ["LogisticRegression"]
    assert np.isfinite(nbtrack.runs()["metrics.training_accuracy_score"].iloc[0])
