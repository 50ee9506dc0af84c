"""Cross-validation (``cross_validate``, ``cross_val_score``): one run per user-level call, none per fold.

The folds fit clones of the estimator, never the user's object, so no fold is
a run of its own (the clones' fits are nested in this call and stay quiet).
The call's run is named ``<Estimator> (cross_val_score)``; it has the
estimator's params, the ``cv`` and ``scoring`` settings when they are plain
values, each fold's scores as a series (``cv_test_score`` at step = fold) and
their mean and standard deviation (``cv_test_score_mean``, ``cv_test_score_std``).
``cross_val_score`` calls ``cross_validate`` inside, so one patch covers both,
even when the user imported ``cross_val_score`` before ``autolog()``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from types import FrameType, ModuleType
from typing import Any

import numpy as np

from ._artifacts import log_dataset
from ._callers import caller, is_library_frame
from ._calls import bound_arguments, estimator_tags
from ._registry import REGISTRY
from ._runs import AutologRun, autolog_run
from ._varnames import user_var_name

NAME = "sklearn"
MODULES = ("sklearn.model_selection", "sklearn.model_selection._validation")
_VALIDATION = "sklearn.model_selection._validation"
_PARAM_VALIDATION = "sklearn.utils._param_validation"


def patch_module(module: ModuleType) -> None:
    """Wrap ``cross_validate`` where ``module`` defines or re-exports it."""
    if module.__name__ in MODULES and "cross_validate" in vars(module):
        REGISTRY.patch(NAME, module, "cross_validate", patched_cross_validate)


def patched_cross_validate(call_original: Any, *args: Any, **kwargs: Any) -> Any:
    """One run for the user's cross-validation call; a call made by scikit-learn itself logs nothing."""
    frame = caller(sys._getframe(1))
    entry = "cross_validate"
    if _is_cross_val_score(frame):
        entry, frame = "cross_val_score", _outside_validation_wrapper(frame.f_back)  # type: ignore[union-attr]
    if frame is not None and is_library_frame(frame):
        with REGISTRY.quiet():
            return call_original(*args, **kwargs)
    arguments = bound_arguments(call_original.original, args, kwargs)
    estimator = arguments.get("estimator")
    tags = {**estimator_tags(estimator), "nbtrack.autolog_call": entry}
    with autolog_run(NAME, f"{type(estimator).__name__} ({entry})", tags=tags) as run:
        if run is None:
            return call_original(*args, **kwargs)
        _before(run, estimator, arguments)
        result = call_original(*args, **kwargs)
        with run.safe("the cross-validation scores"):
            log_scores(run, result)
        return result


def _is_cross_val_score(frame: FrameType | None) -> bool:
    return (
        frame is not None
        and frame.f_code.co_name == "cross_val_score"
        and frame.f_globals.get("__name__") == _VALIDATION
    )


def _outside_validation_wrapper(frame: FrameType | None) -> FrameType | None:
    """The caller of ``cross_val_score``, past scikit-learn's ``validate_params`` wrapper."""
    frame = caller(frame)
    while frame is not None and frame.f_globals.get("__name__") == _PARAM_VALIDATION:
        frame = caller(frame.f_back)
    return frame


def _before(run: AutologRun, estimator: Any, arguments: Mapping[str, Any]) -> None:
    with run.safe("the estimator's params"):
        run.params(estimator.get_params(deep=True))
        run.params({k: v for k in ("cv", "scoring") if _plain(v := arguments.get(k))})
    X = arguments.get("X")
    if run.config.log_datasets and X is not None:
        with run.safe("the dataset's description"):
            log_dataset(run, "train", X, user_var_name(X))


def _plain(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def log_scores(run: AutologRun, result: Mapping[str, Any]) -> None:
    """``cv_<key>`` per fold (step = fold), and its ``_mean``/``_std``, for every test/train score."""
    for key, values in result.items():
        if not str(key).startswith(("test_", "train_")):
            continue  # fit_time, score_time, estimators, indices
        scores = np.asarray(values, dtype=float).ravel()
        for fold, score in enumerate(scores):
            run.metrics({f"cv_{key}": score}, step=fold)
        if len(scores):
            run.metrics({f"cv_{key}_mean": float(np.mean(scores)), f"cv_{key}_std": float(np.std(scores))})
