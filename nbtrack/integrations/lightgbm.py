"""LightGBM autolog: ``lightgbm.train`` and the scikit-learn API (``LGBMClassifier.fit``...).

Mirrors the XGBoost integration: params and call arguments, every validation
set's metrics per iteration (``valid_0-multi_logloss``), early stopping, split
and gain feature importance (table + chart) and the model (``model/model.txt``).
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any

from . import _boosting as boosting
from ._artifacts import log_dataset, log_importance, log_model
from ._calls import bound_arguments, call_with
from ._runs import AutologRun
from ._varnames import user_var_name

NAME = "lightgbm"
WATCH = ("lightgbm",)
UNLOGGED = frozenset({"params", "train_set", "valid_sets", "valid_names", "feval", "init_model", "callbacks"})
IMPORTANCE_TYPES = ("split", "gain")
#: Param names under which LightGBM accepts early stopping rounds.
EARLY_STOPPING_KEYS = ("early_stopping_round", "early_stopping_rounds", "early_stopping", "n_iter_no_change")


def patch_module(module: ModuleType) -> None:
    """Patch ``lightgbm.train``, the binding the scikit-learn API calls, and each wrapper's ``fit``."""
    boosting.patch_library(NAME, module, "LGBMModel", _patched_train, _patched_fit)


def _patched_train(call_original: Any, *args: Any, **kwargs: Any) -> Any:
    return boosting.train_in_run(NAME, "LightGBM Booster", _train, call_original, args, kwargs)


def _train(run: AutologRun, call_original: Any, args: tuple, kwargs: dict, *, log_booster: bool) -> Any:
    arguments = bound_arguments(call_original.original, args, kwargs)
    params = dict(arguments.get("params") or {})
    with run.safe("the booster params"):
        run.params(params)
        run.params(boosting.call_params(arguments, UNLOGGED))
    if log_booster and run.config.log_datasets and arguments.get("train_set") is not None:
        with run.safe("the training dataset's description"):
            train_set = arguments["train_set"]
            log_dataset(run, "train", getattr(train_set, "data", train_set), user_var_name(train_set))
    recorder = boosting.EvalRecorder(run)
    boosting.add_callback(arguments, _callback(recorder))
    booster = call_with(call_original, arguments)
    if _early_stopping(params, arguments.get("callbacks") or []):
        with run.safe("early stopping"):
            recorder.early_stopping(booster.best_iteration - 1 if booster.best_iteration > 0 else None)
    with run.safe("feature importance"):
        names = booster.feature_name()
        for kind in IMPORTANCE_TYPES:
            values = booster.feature_importance(importance_type=kind)
            log_importance(run, dict(zip(names, values.tolist(), strict=True)), kind)
    if log_booster and run.config.log_models:
        with run.safe("the model"):
            text = booster.model_to_string().encode()
            log_model(run, {"model.txt": text}, flavor=NAME, distribution="lightgbm", model=booster)
    return booster


def _early_stopping(params: dict[str, Any], callbacks: list[Any]) -> bool:
    if any(params.get(key) for key in EARLY_STOPPING_KEYS):
        return True
    return any("earlystopping" in type(cb).__name__.lower().replace("_", "") for cb in callbacks)


def _callback(recorder: boosting.EvalRecorder) -> Any:
    def nbtrack_callback(env: Any) -> None:
        recorder.record(
            env.iteration,
            {boosting.metric_key(item[0], item[1]): item[2] for item in env.evaluation_result_list or []},
        )

    nbtrack_callback.order = 100  # type: ignore[attr-defined]  # after LightGBM's own callbacks
    return nbtrack_callback


def _wrapper_files(model: Any) -> dict[str, bytes]:
    return {"model.txt": model.booster_.model_to_string().encode()}


_patched_fit = functools.partial(boosting.wrapper_fit, NAME, _wrapper_files)
