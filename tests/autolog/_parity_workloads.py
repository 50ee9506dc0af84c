"""The fits the MLflow parity test runs twice: under MLflow's autolog and under nbtrack's.

Only scikit-learn, XGBoost, LightGBM and numpy are used, so the same file runs in
the project's ``.venv`` and in the separate MLflow venv. Each workload trains outside
any run, so each library makes the runs it would make for a user.
"""

from __future__ import annotations

import numpy as np


def _classification():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    return X[::2], y[::2], X[1::2], y[1::2]


def logistic_regression():
    from sklearn import metrics
    from sklearn.linear_model import LogisticRegression

    X_train, y_train, X_test, y_test = _classification()
    model = LogisticRegression(C=0.7, max_iter=500).fit(X_train, y_train)
    model.score(X_test, y_test)
    metrics.accuracy_score(y_test, model.predict(X_test))


def ridge_regression():
    from sklearn.datasets import make_regression
    from sklearn.linear_model import Ridge

    X, y = make_regression(n_samples=80, n_features=5, noise=3.0, random_state=0)
    Ridge(alpha=0.5).fit(X, y)


def pipeline():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    X_train, y_train, _, _ = _classification()
    Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=500))]).fit(X_train, y_train)


def grid_search():
    from sklearn.model_selection import GridSearchCV
    from sklearn.tree import DecisionTreeClassifier

    X_train, y_train, _, _ = _classification()
    grid = {"max_depth": [1, 2, 3], "criterion": ["gini", "entropy"]}
    GridSearchCV(DecisionTreeClassifier(random_state=0), grid, cv=3).fit(X_train, y_train)


def xgboost_train():
    import xgboost as xgb

    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    dtrain, dval = xgb.DMatrix(X[:100], label=y[:100]), xgb.DMatrix(X[100:], label=y[100:])
    params = {"objective": "binary:logistic", "max_depth": 2, "eta": 0.3, "eval_metric": ["logloss", "auc"]}
    xgb.train(
        params,
        dtrain,
        25,
        evals=[(dtrain, "train"), (dval, "val")],
        early_stopping_rounds=3,
        verbose_eval=False,
    )


def xgboost_sklearn():
    import xgboost as xgb

    X_train, y_train, X_test, y_test = _classification()
    model = xgb.XGBClassifier(n_estimators=8, max_depth=2, random_state=0)
    model.fit(X_train, y_train, eval_set=[(X_test, y_test)], verbose=False)


def lightgbm_train():
    import lightgbm as lgb

    rng = np.random.default_rng(1)
    X = rng.normal(size=(150, 4))
    y = (X[:, 0] - X[:, 3] > 0).astype(int)
    params = {"objective": "binary", "verbose": -1, "num_leaves": 4, "seed": 0}
    lgb.train(params, lgb.Dataset(X[:100], y[:100]), 12, valid_sets=[lgb.Dataset(X[100:], y[100:])])


WORKLOADS = {
    "logistic_regression": logistic_regression,
    "ridge_regression": ridge_regression,
    "pipeline": pipeline,
    "grid_search": grid_search,
    "xgboost_train": xgboost_train,
    "xgboost_sklearn": xgboost_sklearn,
    "lightgbm_train": lightgbm_train,
}
