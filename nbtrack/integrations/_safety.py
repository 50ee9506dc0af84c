"""Autolog never breaks training: a failure becomes a warning naming what was not logged.

A leaf module (it imports nothing of the package): ``PatchRegistry.warn_once``
decides whether to warn (once per integration and step, never when silent)
and calls :func:`emit`.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from types import FrameType


class AutologWarning(UserWarning):
    """Something autolog meant to record was not recorded; the training itself went on."""


def emit(integration: str, what: str, exc: BaseException) -> None:
    """Warn that ``what`` was not logged (the once-only and silent rules are the registry's)."""
    message = (
        f"nbtrack autolog ({integration}) could not log {what}: {type(exc).__name__}: {exc}. "
        "Training was not affected; this warning is shown once."
    )
    with contextlib.suppress(Exception):  # warnings turned into errors must not reach the user's fit()
        warnings.warn(message, AutologWarning, stacklevel=_user_stacklevel())


def _user_stacklevel() -> int:
    """The stack level of the first frame outside nbtrack (the user's or the library's code)."""
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith(("nbtrack.", "contextlib")):
        frame = frame.f_back
        level += 1
    return level
