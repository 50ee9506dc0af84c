"""Take a patched call's arguments apart by name and call the original with them again."""

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
