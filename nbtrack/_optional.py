"""Import optional libraries on first use, with a ``pip install`` hint when missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import NbtrackError


class MissingDependencyError(NbtrackError, ImportError):
    """An optional library nbtrack needs for this feature is not installed."""


def require(module: str, package: str | None = None, *, purpose: str) -> ModuleType:
    """Import ``module`` or raise an error that says what to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{purpose} needs {package or module}: pip install {package or module}"
        ) from exc
