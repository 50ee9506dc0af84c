"""XGBoost autolog: ``xgboost.train`` and the scikit-learn API (``XGBClassifier.fit``...).

``xgb.train`` gets a run of its own (named ``Booster``). A scikit-learn
wrapper's ``fit`` gets a run named after its class, and the ``train`` call it
makes inside logs into that run, as in MLflow: the booster params and the
call's arguments as params, every evaluation set's metrics per iteration
(``validation_0-logloss``, step = iteration), early stopping, feature
importance (table + chart) and the model (``model/model.json``).
"""

from __future__ import annotations

import os
import tempfile
from types import ModuleType
from typing import Any

from . import _boosting as boosting
from ._artifacts import log_dataset, log_importance, log_model
from ._registry import REGISTRY
from ._runs import AutologRun, autolog_run, current_run
from ._varnames import user_var_name
from .sklearn import estimator_tags, fit_inputs

NAME = "xgboost"
WATCH = ("xgboost",)
#: ``train()`` arguments that are objects, not settings (MLflow skips the same).
UNLOGGED = frozenset(
    {"params", "dtrain", "evals", "obj", "feval", "evals_result", "xgb_model", "callbacks", "learning_rates"}
)
IMPORTANCE_TYPES = ("weight", "gain")


def patch_module(module: ModuleType) -> None:
    """Patch ``xgboost.train``, the binding the scikit-learn API calls, and each wrapper's ``fit``."""
    REGISTRY.patch(NAME, module, "train", _patched_train)
    sklearn_api = getattr(module, "sklearn", None)
    if sklearn_api is None:
        return
    REGISTRY.patch(NAME, sklearn_api, "train", _patched_train)
    for value in list(vars(sklearn_api).values()):
        if isinstance(value, type) and issubclass(value, sklearn_api.XGBModel) and "fit" in vars(value):
            REGISTRY.patch(NAME, value, "fit", _patched_fit)


def _patched_train(call_original: Any, *args: Any, **kwargs: Any) -> Any:
    outer = current_run(NAME)
    if outer is not None:  # inside an XGBModel.fit: log into its run, the wrapper stores the model
        return _train(outer, call_original, args, kwargs, log_booster=False)
    with autolog_run(NAME, "XGBoost Booster") as run:
        if run is None:
            return call_original(*args, **kwargs)
        return _train(run, call_original, args, kwargs, log_booster=True)


def _train(run: AutologRun, call_original: Any, args: tuple, kwargs: dict, *, log_booster: bool) -> Any:
    arguments = boosting.bound_arguments(call_original.original, args, kwargs)
    with run.safe("the booster params"):
        params = arguments.get("params") or {}
        run.params(dict(params.items() if hasattr(params, "items") else params))
        run.params(boosting.call_params(arguments, UNLOGGED))
    if log_booster and run.config.log_datasets and arguments.get("dtrain") is not None:
        with run.safe("the training dataset's description"):
            log_dataset(run, "train", arguments["dtrain"], user_var_name(arguments["dtrain"]))
    recorder = boosting.EvalRecorder(run)
    boosting.add_callback(arguments, _callback(recorder))
    booster = boosting.call_with(call_original, arguments)
    if arguments.get("early_stopping_rounds"):
        with run.safe("early stopping"):
            recorder.early_stopping(getattr(booster, "best_iteration", None))
            run.metrics({"best_score": getattr(booster, "best_score", None)})
    with run.safe("feature importance"):
        for kind in IMPORTANCE_TYPES:
            log_importance(run, booster.get_score(importance_type=kind), kind)
    if log_booster and run.config.log_models:
        with run.safe("the model"):
            data = bytes(booster.save_raw(raw_format="json"))
            log_model(run, {"model.json": data}, flavor=NAME, distribution="xgboost", model=booster)
    return booster


def _callback(recorder: boosting.EvalRecorder) -> Any:
    from xgboost.callback import TrainingCallback

    class NbtrackCallback(TrainingCallback):
        """Logs each iteration's evaluation results (never stops training)."""

        def after_iteration(self, model: Any, epoch: int, evals_log: dict) -> bool:
            recorder.record(
                epoch,
                {
                    boosting.metric_key(data, metric): values[-1]
                    for data, by_metric in evals_log.items()
                    for metric, values in by_metric.items()
                },
            )
            return False

    return NbtrackCallback()


def _patched_fit(call_original: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
    with autolog_run(NAME, type(self).__name__, tags=estimator_tags(self)) as run:
        if run is None:
            return call_original(self, *args, **kwargs)
        X = fit_inputs(call_original.original, (self, *args), kwargs)[0]
        if run.config.log_datasets and X is not None:
            with run.safe("the training dataset's description"):
                log_dataset(run, "train", X, user_var_name(X))
        result = call_original(self, *args, **kwargs)
        with run.safe("the estimator's params"):
            run.params(self.get_params())  # after the booster's, which win where both exist
        if run.config.log_models:
            with run.safe("the model"):
                log_model(
                    run, {"model.json": _wrapper_json(self)}, flavor=NAME, distribution="xgboost", model=self
                )
        return result


def _wrapper_json(model: Any) -> bytes:
    """The scikit-learn wrapper's own JSON (booster plus wrapper attributes)."""
    with tempfile.TemporaryDirectory(prefix="nbtrack-") as folder:
        path = os.path.join(folder, "model.json")
        model.save_model(path)
        with open(path, "rb") as handle:
            return handle.read()
