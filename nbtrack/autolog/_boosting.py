"""What XGBoost and LightGBM autolog share: a ``train()`` call's params, eval curves, early stopping."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from ._runs import AutologRun, as_number


def bound_arguments(fn: Callable, args: tuple, kwargs: dict) -> dict[str, Any]:
    """Every argument of a call by name (defaults included)."""
    bound = inspect.signature(fn).bind(*args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


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


def call_with(call: Any, arguments: Mapping[str, Any]) -> Any:
    """Call the original behind ``call`` with arguments captured by :func:`bound_arguments`."""
    parameters = inspect.signature(call.original).parameters
    args, kwargs = [], {}
    for name, param in parameters.items():
        if name not in arguments:
            continue
        if param.kind is param.VAR_POSITIONAL:
            args.extend(arguments[name])
        elif param.kind is param.VAR_KEYWORD:
            kwargs.update(arguments[name])
        elif param.kind is param.POSITIONAL_ONLY:
            args.append(arguments[name])
        else:
            kwargs[name] = arguments[name]
    return call(*args, **kwargs)
