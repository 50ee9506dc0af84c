"""XGBoost and LightGBM autolog: native train() and the scikit-learn API, on tiny real data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import nbtrack

from ._helpers import child_runs, only_run


@pytest.fixture
def data():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] - X[:, 2] > 0).astype(int)
    return X[:90], y[:90], X[90:], y[90:]


def test_xgb_train_logs_params_curves_early_stopping_importance_model(autolog, data, tmp_path):
    import xgboost as xgb

    X, y, X_val, y_val = data
    autolog("xgboost")
    dtrain, dval = xgb.DMatrix(X, label=y), xgb.DMatrix(X_val, label=y_val)
    params = {"objective": "binary:logistic", "max_depth": 2, "eval_metric": "logloss"}
    booster = xgb.train(
        params, dtrain, 30, evals=[(dval, "val")], early_stopping_rounds=2, verbose_eval=False
    )
    run = only_run()
    record = nbtrack.get_run(run["run_id"])
    assert run["run_name"] == "XGBoost Booster"
    assert record.params["max_depth"] == "2" and record.params["num_boost_round"] == "30"
    assert record.params["early_stopping_rounds"] == "2"
    history = nbtrack.metric_history(run["run_id"], "val-logloss")
    stopped = booster.num_boosted_rounds() - 1
    assert history["step"].tolist()[: stopped + 1] == list(range(stopped + 1))
    assert record.metrics["best_iteration"] == booster.best_iteration
    assert record.metrics["stopped_iteration"] == stopped
    # MLflow's convention: the best iteration's values again, one step after the last
    assert history["value"].iloc[-1] == pytest.approx(history["value"].iloc[booster.best_iteration])
    importance = nbtrack.load_table(run["run_id"], "feature_importance_weight.parquet")
    assert dict(zip(importance["feature"], importance["importance"], strict=True)) == booster.get_score(
        importance_type="weight"
    )
    paths = set(nbtrack.list_artifacts(run["run_id"])["path"])
    assert {"feature_importance_gain.png", "model/model.json", "model/meta.json"} <= paths
    folder = nbtrack.download_artifacts(run["run_id"], "model", tmp_path)
    loaded = xgb.Booster(model_file=str(Path(folder, "model.json")))
    np.testing.assert_allclose(loaded.predict(dval), booster.predict(dval))


def test_xgb_classifier_is_one_run_with_booster_and_wrapper_params(autolog, data):
    import xgboost as xgb

    X, y, X_val, y_val = data
    autolog("xgboost", log_input_examples=True)
    with nbtrack.start_run() as cell:
        model = xgb.XGBClassifier(n_estimators=5, max_depth=2).fit(
            X, y, eval_set=[(X_val, y_val)], verbose=False
        )
    (run,) = child_runs(cell.run_id).itertuples()
    assert run.run_name == "XGBClassifier"
    record = nbtrack.get_run(run.run_id)
    assert record.params["n_estimators"] == "5" and record.params["objective"] == "binary:logistic"
    assert nbtrack.metric_history(run.run_id, "validation_0-logloss")["step"].tolist() == list(range(5))
    meta = nbtrack.load_dict(run.run_id, "model/meta.json")
    assert meta["class"] == "xgboost.sklearn.XGBClassifier"
    saved = json.loads(nbtrack.load_text(run.run_id, "model/model.json"))
    assert "learner" in saved
    example = nbtrack.load_dict(run.run_id, "model/input_example.json")
    assert example["data"] == X[:5].tolist()
    assert model.n_estimators == 5


def test_lgb_train_and_lgbm_classifier(autolog, data, tmp_path):
    import lightgbm as lgb

    X, y, X_val, y_val = data
    autolog("lightgbm")
    train_set, val_set = lgb.Dataset(X, y), lgb.Dataset(X_val, y_val)
    params = {"objective": "binary", "verbose": -1, "num_leaves": 4}
    booster = lgb.train(
        params, train_set, 40, valid_sets=[val_set], callbacks=[lgb.early_stopping(2, verbose=False)]
    )
    lgb.LGBMClassifier(n_estimators=4, verbose=-1).fit(X, y, eval_set=[(X_val, y_val)])
    runs = nbtrack.runs().set_index("run_name")
    native = runs.loc["LightGBM Booster"]
    record = nbtrack.get_run(native["run_id"])
    assert record.params["num_leaves"] == "4" and record.params["num_boost_round"] == "40"
    assert record.metrics["best_iteration"] == booster.best_iteration - 1
    history = nbtrack.metric_history(native["run_id"], "valid_0-binary_logloss")
    assert history["step"].iloc[0] == 0
    split = nbtrack.load_table(native["run_id"], "feature_importance_split.parquet")
    assert sorted(split["importance"]) == sorted(booster.feature_importance("split").tolist())
    text = nbtrack.load_text(native["run_id"], "model/model.txt")
    assert lgb.Booster(model_str=text).num_trees() == booster.num_trees()
    wrapper = runs.loc["LGBMClassifier"]
    assert nbtrack.get_run(wrapper["run_id"]).params["n_estimators"] == "4"
    steps = nbtrack.metric_history(wrapper["run_id"], "valid_0-binary_logloss")["step"].tolist()
    assert steps == [0, 1, 2, 3]


def test_boosters_inside_a_sklearn_search_make_no_runs_of_their_own(autolog, data):
    import xgboost as xgb
    from sklearn.model_selection import GridSearchCV

    X, y, _, _ = data
    autolog(["sklearn", "xgboost"])
    GridSearchCV(xgb.XGBClassifier(n_estimators=3), {"max_depth": [1, 2]}, cv=2).fit(X, y)
    frame = nbtrack.runs()
    assert sorted(frame["run_name"]) == ["GridSearchCV", "XGBClassifier #0", "XGBClassifier #1"]
