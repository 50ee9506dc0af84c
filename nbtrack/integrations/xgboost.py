"""XGBoost autolog: ``xgboost.train`` and the scikit-learn API (``XGBClassifier.fit``...).

``xgb.train`` gets a run of its own (named ``Booster``). A scikit-learn
wrapper's ``fit`` gets a run named after its class, and the ``train`` call it
makes inside logs into that run, as in MLflow: the booster params and the
call's arguments as params, every evaluation set's metrics per iteration
(``validation_0-logloss``, step = iteration), early stopping, feature
importance (table + chart) and the model (``model/model.json``).
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any

from . import _boosting as boosting
from ._artifacts import log_dataset, log_importance, log_model, saved_bytes
from ._calls import bound_arguments, call_with
from ._runs import AutologRun
from ._varnames import user_var_name

NAME = "xgboost"
WATCH = ("xgboost",)
#: ``train()`` arguments that are objects, not settings (MLflow skips the same).
UNLOGGED = frozenset(
    {"params", "dtrain", "evals", "obj", "feval", "evals_result", "xgb_model", "callbacks", "learning_rates"}
)
IMPORTANCE_TYPES = ("weight", "gain")


def patch_module(module: ModuleType) -> None:
    """Patch ``xgboost.train``, the binding the scikit-learn API calls, and each wrapper's ``fit``."""
    boosting.patch_library(NAME, module, "XGBModel", _patched_train, _patched_fit)


def _patched_train(call_original: Any, *args: Any, **kwargs: Any) -> Any:
    return boosting.train_in_run(NAME, "XGBoost Booster", _train, call_original, args, kwargs)


def _train(run: AutologRun, call_original: Any, args: tuple, kwargs: dict, *, log_booster: bool) -> Any:
    arguments = bound_arguments(call_original.original, args, kwargs)
    with run.safe("the booster params"):
        params = arguments.get("params") or {}
        run.params(dict(params.items() if hasattr(params, "items") else params))
        run.params(boosting.call_params(arguments, UNLOGGED))
    if log_booster and run.config.log_datasets and arguments.get("dtrain") is not None:
        with run.safe("the training dataset's description"):
            log_dataset(run, "train", arguments["dtrain"], user_var_name(arguments["dtrain"]))
    recorder = boosting.EvalRecorder(run)
    boosting.add_callback(arguments, _callback(recorder))
    booster = call_with(call_original, arguments)
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


def _wrapper_files(model: Any) -> dict[str, bytes]:
    """The scikit-learn wrapper's own JSON (booster plus wrapper attributes)."""
    return {"model.json": saved_bytes(model.save_model, "model.json")}


_patched_fit = functools.partial(boosting.wrapper_fit, NAME, _wrapper_files)
