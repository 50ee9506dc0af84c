"""scikit-learn autolog: every estimator's ``fit`` (and ``fit_transform``, ``fit_predict``, ``partial_fit``).

Patching is per module: when a ``sklearn.*`` module is (or already was)
imported, each estimator class it defines gets its own ``fit``-like methods
wrapped, so only what the user imports is touched and inherited methods are
covered through the class that defines them. ``sklearn.metrics`` functions and
``predict``/``score`` are wrapped for post-training metrics, ``cross_validate``
for cross-validation runs (:mod:`.sklearn_cv`). Only user-level fits make runs:
a fit called from scikit-learn's own code, or by another installed estimator,
runs quietly (:mod:`._callers`).
"""

from __future__ import annotations

import inspect
import json
import sys
from types import ModuleType
from typing import Any

from . import sklearn_cv as cross_validation
from . import sklearn_metrics as metrics
from ._artifacts import log_dataset, log_input_example, log_model, pickle_bytes
from ._callers import fitted_by_library
from ._calls import estimator_tags, fit_inputs
from ._registry import REGISTRY
from ._runs import AutologRun, active_run_id, autolog_run
from ._varnames import user_var_name
from .sklearn_search import is_search, log_search

NAME = "sklearn"
WATCH = ("sklearn", "sklearn.")
FIT_METHODS = ("fit", "fit_transform", "fit_predict")
PREDICT_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function")


def setup() -> None:
    """Per-enable state: the post-training bookkeeping."""
    REGISTRY.state[NAME] = metrics.PostTraining()


def patch_module(module: ModuleType) -> None:
    """Wrap the estimator classes (and metric functions) one ``sklearn`` module defines."""
    base = sys.modules.get("sklearn.base")
    BaseEstimator = getattr(base, "BaseEstimator", None)
    if BaseEstimator is None:
        return  # imported while sklearn.base is still loading: it defines no estimator
    if module.__name__ == "sklearn.metrics":
        _patch_metric_functions(module)
    cross_validation.patch_module(module)
    for value in list(vars(module).values()):
        if isinstance(value, type) and value.__module__ == module.__name__:
            _patch_class(value, is_estimator=issubclass(value, BaseEstimator))


def _patch_class(cls: type, *, is_estimator: bool) -> None:
    """Fit methods of estimators; predict/score also of mixins (``LinearClassifierMixin.predict``)."""
    own = vars(cls)
    if is_estimator:
        for name in FIT_METHODS:
            if name in own:
                REGISTRY.patch(NAME, cls, name, _patched_fit)
        if "partial_fit" in own:
            REGISTRY.patch(NAME, cls, "partial_fit", _patched_partial_fit)
    for name in PREDICT_METHODS:
        if name in own:
            REGISTRY.patch(NAME, cls, name, metrics.patched_predict)
    if "score" in own:
        REGISTRY.patch(NAME, cls, "score", metrics.patched_score)


def _patch_metric_functions(module: ModuleType) -> None:
    for name in getattr(module, "__all__", []):
        fn = getattr(module, name, None)
        if (
            inspect.isfunction(fn)
            and name not in metrics.NOT_METRICS
            and not name.startswith("plot_")
            and name.endswith(("_score", "_error", "_loss", "_deviance", "_similarity"))
        ):
            REGISTRY.patch(NAME, module, name, metrics.patched_metric)


def _patched_fit(call_original: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
    if fitted_by_library(self):  # a LabelEncoder inside a metric, a clone inside cross_val_score...
        with REGISTRY.quiet():  # and nothing it fits in turn (a booster's train()) logs either
            return call_original(self, *args, **kwargs)
    with autolog_run(NAME, type(self).__name__, tags=estimator_tags(self)) as run:
        if run is None:
            return call_original(self, *args, **kwargs)
        X, y, weight = fit_inputs(call_original.original, (self, *args), kwargs)
        _before_fit(run, self, X)
        result = call_original(self, *args, **kwargs)
        _after_fit(run, self, X, y, weight)
        return result


def _before_fit(run: AutologRun, estimator: Any, X: Any) -> None:
    with run.safe("the estimator's params"):
        run.params(estimator.get_params(deep=not is_search(estimator)))
    if run.config.log_datasets and X is not None:
        with run.safe("the training dataset's description"):
            log_dataset(run, "train", X, user_var_name(X))


def _after_fit(run: AutologRun, estimator: Any, X: Any, y: Any, weight: Any, step: int | None = None) -> None:
    with run.safe("training metrics"), REGISTRY.quiet():
        scores, confusion = metrics.training_metrics(estimator, X, y, weight)
        run.metrics(scores, step)
        if step is None and confusion is not None:
            run.artifact("training_confusion_matrix.json", json.dumps(confusion).encode())
    if is_search(estimator):
        with run.safe("the parameter search results"):
            log_search(run, estimator, estimator_tags(getattr(estimator, "estimator", estimator)))
    if run.config.log_models:
        with run.safe("the fitted model"):
            log_model(
                run,
                {"model.pkl": pickle_bytes(estimator)},
                flavor=NAME,
                distribution="scikit-learn",
                model=estimator,
            )
    if run.config.log_input_examples and X is not None:
        with run.safe("an input example"):
            log_input_example(run, X)
    state = REGISTRY.state.get(NAME)
    if state is not None:
        state.remember_model(estimator, run)


def _patched_partial_fit(call_original: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
    """Every ``partial_fit`` of one estimator in one context logs to one run, one step per call.

    The run is re-opened (``start_run(run_id=...)``) for each call and ended
    when it returns, so it is RUNNING exactly while the estimator trains. A
    new enclosing run (a new cell) starts a new run for the estimator.
    """
    state = REGISTRY.state.get(NAME)
    config = REGISTRY.configs.get(NAME)
    if state is None or config is None or REGISTRY.current is not None:
        return call_original(self, *args, **kwargs)
    if fitted_by_library(self):
        with REGISTRY.quiet():
            return call_original(self, *args, **kwargs)
    parent = active_run_id()
    previous = state.partial.get(self)
    resume = previous is not None and previous[1] == parent
    with autolog_run(
        NAME, type(self).__name__, tags=estimator_tags(self), resume=previous[0] if resume else None
    ) as run:
        if run is None:
            return call_original(self, *args, **kwargs)
        step = previous[2] + 1 if resume else 0
        X, y, weight = fit_inputs(call_original.original, (self, *args), kwargs)
        if step == 0:
            _before_fit(run, self, X)
        result = call_original(self, *args, **kwargs)
        _after_fit(run, self, X, y, weight, step=step)
        state.partial[self] = (run.run_id, parent, step)
        return result
