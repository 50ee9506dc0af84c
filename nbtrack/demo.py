"""``nbtrack demo``: record a handful of real scikit-learn runs.

Three model families on the wine dataset bundled with scikit-learn, a few
settings each, one run per setting with params, a learning curve, final
metrics and tags; plus one run that fails on purpose to show how a failed
run is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import api
from ._optional import require


def run_demo(*, runs_per_model: int = 3, echo: Callable[[str], Any] = print) -> list[str]:
    """Train and track the demo models; returns the ids of the runs recorded."""
    require("sklearn", "scikit-learn", purpose="the demo")
    from sklearn.datasets import load_wine
    from sklearn.model_selection import train_test_split

    data = load_wine()
    split = train_test_split(data.data, data.target, test_size=0.3, random_state=0, stratify=data.target)
    api.set_experiment("demo")
    echo(f"Recording demo runs into {api.store_path()}")
    run_ids = []
    for family, settings in _grid(runs_per_model).items():
        for params in settings:
            run_ids.append(_train(family, params, split, echo))
    try:
        with api.start_run(run_name="broken-config", tags={"model": "svm"}):
            api.log_params({"C": -1.0})
            _fit("svm", {"C": -1.0}, split[0], split[2])
    except ValueError as exc:
        echo(f"  broken-config   FAILED on purpose: {str(exc).splitlines()[0][:70]}")
    api.flush()
    return run_ids


def _grid(count: int) -> dict[str, list[dict[str, Any]]]:
    return {
        "logreg": [{"C": c, "max_iter": 2000} for c in (0.01, 0.1, 1.0, 10.0, 100.0)][:count],
        "random_forest": [
            {"n_estimators": n, "max_depth": d} for n, d in ((25, 2), (50, 4), (100, 8), (200, None))
        ][:count],
        "gradient_boosting": [{"learning_rate": lr, "n_estimators": 60} for lr in (0.03, 0.1, 0.3, 0.6)][
            :count
        ],
    }


def _train(family: str, params: dict[str, Any], split: list[Any], echo: Callable[[str], Any]) -> str:
    x_train, x_val, y_train, y_val = split
    with api.start_run(run_name=f"{family}", tags={"model": family, "dataset": "wine"}) as run:
        api.log_params(params)
        model = _fit(family, params, x_train, y_train)
        if family == "gradient_boosting":
            for step, (train_pred, val_pred) in enumerate(
                zip(model.staged_predict(x_train), model.staged_predict(x_val), strict=True)
            ):
                api.log_metrics(
                    {
                        "train_accuracy": (train_pred == y_train).mean(),
                        "val_accuracy": (val_pred == y_val).mean(),
                    },
                    step=step,
                )
        api.log_metric("train_accuracy", model.score(x_train, y_train))
        api.log_metric("val_accuracy", model.score(x_val, y_val))
        echo(f"  {family:<20} {_describe(params):<34} val_accuracy={model.score(x_val, y_val):.3f}")
        return run.run_id


def _fit(family: str, params: dict[str, Any], x: Any, y: Any) -> Any:
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    estimators = {
        "logreg": lambda: make_pipeline(StandardScaler(), LogisticRegression(**params)),
        "random_forest": lambda: RandomForestClassifier(random_state=0, **params),
        "gradient_boosting": lambda: GradientBoostingClassifier(random_state=0, **params),
        "svm": lambda: SVC(**params),
    }
    return estimators[family]().fit(x, y)


def _describe(params: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in params.items())
