"""Autolog never breaks training: failures become one warning naming what was not logged."""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class AutologWarning(UserWarning):
    """Something autolog meant to record was not recorded; the training itself went on."""


def warn_once(integration: str, what: str, exc: BaseException) -> None:
    """Warn (once per integration and ``what``) that ``what`` was not logged, unless silent."""
    from ._registry import REGISTRY

    config = REGISTRY.configs.get(integration)
    key = (integration, what)
    if (config is not None and config.silent) or key in REGISTRY.warned:
        return
    REGISTRY.warned.add(key)
    message = (
        f"nbtrack autolog ({integration}) could not log {what}: {type(exc).__name__}: {exc}. "
        "Training was not affected; this warning is shown once."
    )
    with contextlib.suppress(Exception):  # warnings turned into errors must not reach the user's fit()
        warnings.warn(message, AutologWarning, stacklevel=_user_stacklevel())


@contextmanager
def guarded(integration: str, what: str) -> Iterator[None]:
    """Run a logging step; on failure warn once and carry on."""
    try:
        yield
    except Exception as exc:
        warn_once(integration, what, exc)


def _user_stacklevel() -> int:
    """The stack level of the first frame outside nbtrack (the user's or the library's code)."""
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith(("nbtrack.", "contextlib")):
        frame = frame.f_back
        level += 1
    return level
