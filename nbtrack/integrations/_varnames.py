"""The name the user's code gave an object (``X_test``), for naming post-training metrics."""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

#: Frames in these modules are library or nbtrack internals, never the user's code.
_INTERNAL = (
    "nbtrack.",
    "sklearn.",
    "xgboost.",
    "lightgbm.",
    "joblib.",
    "keras.",
    "lightning.",
    "optuna.",
    "torch.",
    "contextlib",
    "functools",
)


def user_var_name(obj: Any, *, depth: int = 12) -> str | None:
    """The name bound to ``obj`` in the first frame outside nbtrack and the libraries, if any."""
    frame: FrameType | None = sys._getframe(1)
    for _ in range(depth):
        if frame is None:
            return None
        module = frame.f_globals.get("__name__", "")
        if not module.startswith(_INTERNAL):
            for name, value in frame.f_locals.items():
                if value is obj and not name.startswith("_"):
                    return name
            return None
        frame = frame.f_back
    return None
