"""What XGBoost and LightGBM autolog share: a ``train()`` call's params, eval curves, early stopping."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from ._artifacts import log_dataset, log_input_example, log_model
from ._callers import fitted_by_library
from ._calls import estimator_tags, fit_inputs
from ._registry import REGISTRY
from ._runs import AutologRun, as_number, autolog_run, current_run
from ._varnames import user_var_name

#: ``train(run, call_original, args, kwargs, log_booster=...)`` of one library.
TrainFunction = Callable[..., Any]


def patch_library(name: str, module: ModuleType, wrapper_base: str, train: Any, fit: Any) -> None:
    """Patch ``<lib>.train``, the binding its scikit-learn API calls, and each wrapper class's ``fit``."""
    REGISTRY.patch(name, module, "train", train)
    sklearn_api = getattr(module, "sklearn", None)
    if sklearn_api is None:
        return
    REGISTRY.patch(name, sklearn_api, "train", train)
    base = getattr(sklearn_api, wrapper_base)
    for value in list(vars(sklearn_api).values()):
        if isinstance(value, type) and issubclass(value, base) and "fit" in vars(value):
            REGISTRY.patch(name, value, "fit", fit)


def train_in_run(
    name: str, run_name: str, train: TrainFunction, call_original: Any, args: tuple, kwargs: dict
) -> Any:
    """A native ``train()`` call: into the wrapper's run inside ``XGBModel.fit`` etc., else its own."""
    outer = current_run(name)
    if outer is not None:  # the scikit-learn wrapper stores the model itself
        return train(outer, call_original, args, kwargs, log_booster=False)
    with autolog_run(name, run_name) as run:
        if run is None:
            return call_original(*args, **kwargs)
        return train(run, call_original, args, kwargs, log_booster=True)


def wrapper_fit(
    name: str,
    model_files: Callable[[Any], dict[str, bytes]],
    call_original: Any,
    self: Any,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """``XGBClassifier.fit``/``LGBMClassifier.fit``...: one run; the inner ``train()`` logs into it."""
    if fitted_by_library(self):  # a clone inside cross_val_score, a StackingClassifier's member
        with REGISTRY.quiet():  # and nothing it fits in turn (a booster's train()) logs either
            return call_original(self, *args, **kwargs)
    with autolog_run(name, type(self).__name__, tags=estimator_tags(self)) as run:
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
                log_model(run, model_files(self), flavor=name, distribution=name, model=self)
        if run.config.log_input_examples and X is not None:
            with run.safe("an input example"):
                log_input_example(run, X)
        return result


def call_params(arguments: Mapping[str, Any], unlogged: frozenset[str]) -> dict[str, Any]:
    """The plain arguments of a ``train()`` call worth a param (MLflow skips the same objects)."""
    return {k: v for k, v in arguments.items() if k not in unlogged and not callable(v)}


def metric_key(data_name: str, metric_name: str) -> str:
    """``validation_0-logloss``; ``@`` (``ndcg@3``) becomes ``_at_`` as in MLflow."""
    return f"{data_name}-{metric_name}".replace("@", "_at_")


class EvalRecorder:
    """Logs each iteration's evaluation results with the iteration as the step, and keeps them."""

    def __init__(self, run: AutologRun) -> None:
        self.run = run
        self.history: list[dict[str, float]] = []

    def record(self, iteration: int, values: Mapping[str, Any]) -> None:
        numbers = {k: n for k, v in values.items() if (n := as_number(v)) is not None}
        self.history.append(numbers)
        with self.run.safe("per-iteration evaluation metrics"):
            self.run.metrics(numbers, step=iteration)

    def early_stopping(self, best_iteration: int | None) -> None:
        """MLflow's ``stopped_iteration``/``best_iteration``, then the best iteration's values one step on."""
        if not self.history or best_iteration is None:
            return
        self.run.metrics({"stopped_iteration": len(self.history) - 1, "best_iteration": best_iteration})
        if 0 <= best_iteration < len(self.history):
            self.run.metrics(self.history[best_iteration], step=len(self.history))


def add_callback(arguments: dict[str, Any], callback: Any) -> None:
    """Append our callback to the call's ``callbacks`` without changing the user's list."""
    arguments["callbacks"] = [*(arguments.get("callbacks") or []), callback]
