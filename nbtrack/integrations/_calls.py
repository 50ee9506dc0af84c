"""Take a patched call's arguments apart by name, call the original with them again; name the estimator."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any


def bound_arguments(fn: Callable, args: tuple, kwargs: dict) -> dict[str, Any]:
    """Every argument of a call by name (defaults included)."""
    bound = inspect.signature(fn).bind(*args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


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


def estimator_tags(estimator: Any) -> dict[str, str]:
    """MLflow's ``estimator_name``/``estimator_class`` tags."""
    cls = type(estimator)
    return {"estimator_name": cls.__name__, "estimator_class": f"{cls.__module__}.{cls.__name__}"}


def fit_inputs(method: Any, args: tuple, kwargs: dict) -> tuple[Any, Any, Any]:
    """``X``, ``y`` and ``sample_weight`` of a ``fit``-like call, whatever way they were passed."""
    try:
        bound = inspect.signature(method).bind_partial(*args, **kwargs).arguments
    except TypeError:
        return (args[0] if args else None), (args[1] if len(args) > 1 else None), None
    extra = bound.get("fit_params") or bound.get("params") or bound.get("kwargs") or {}
    return (
        bound.get("X"),
        bound.get("y", bound.get("Y")),
        bound.get("sample_weight", extra.get("sample_weight")),
    )
