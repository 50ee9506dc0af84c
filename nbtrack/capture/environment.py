"""Python and package versions: the ones the cell imports, plus the usual ML libraries loaded.

Versions come from the imported module's ``__version__`` (the code that
actually runs), else from the installed distribution's metadata; both are
cached for the kernel's life, since a module loaded once keeps its version.
"""

from __future__ import annotations

import ast
import platform
import sys
from collections.abc import Iterable
from types import ModuleType
from typing import Any

#: Libraries whose versions are recorded whenever they are loaded, imported by this cell or not.
KEY_PACKAGES = (
    "numpy",
    "pandas",
    "scipy",
    "sklearn",
    "torch",
    "lightning",
    "pytorch_lightning",
    "tensorflow",
    "keras",
    "jax",
    "xgboost",
    "lightgbm",
    "catboost",
    "statsmodels",
    "transformers",
    "optuna",
    "polars",
    "pyarrow",
    "matplotlib",
)
#: At most this many packages go in the short ``nbtrack.packages`` tag.
TAG_PACKAGES = 12


def imported_modules(tree: ast.Module, source: str) -> list[str]:
    """Top-level names of the modules a cell imports, in order (statements only, any depth)."""
    if "import" not in source:
        return []
    names: dict[str, None] = {}
    stack: list[Any] = list(reversed(tree.body))
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, ast.Import):
            names.update((alias.name.split(".")[0], None) for alias in stmt.names)
        elif isinstance(stmt, ast.ImportFrom) and stmt.level == 0 and stmt.module:
            names[stmt.module.split(".")[0]] = None
        else:
            for attr in ("body", "orelse", "finalbody", "handlers", "cases"):
                stack.extend(reversed(getattr(stmt, attr, None) or []))
    return list(names)


class VersionCache:
    """Versions of modules, looked up once per kernel."""

    def __init__(self) -> None:
        self._versions: dict[str, str | None] = {}
        self._distributions: dict[str, list[str]] | None = None

    def version(self, module: str) -> str | None:
        """The version of a loaded (or installed) top-level module, or None (stdlib, unknown)."""
        if module in self._versions:
            return self._versions[module]
        found = None if module in sys.stdlib_module_names else self._lookup(module)
        self._versions[module] = found
        return found

    def _lookup(self, module: str) -> str | None:
        loaded = sys.modules.get(module)
        version = getattr(loaded, "__version__", None)
        if isinstance(version, str):
            return version
        from importlib import metadata

        for dist in self._dists_of(module):
            try:
                return metadata.version(dist)
            except metadata.PackageNotFoundError:
                continue
        return None

    def _dists_of(self, module: str) -> list[str]:
        from importlib import metadata

        try:
            metadata.distribution(module)
            return [module]
        except metadata.PackageNotFoundError:
            pass
        if self._distributions is None:
            self._distributions = dict(metadata.packages_distributions())
        return self._distributions.get(module, [])

    def versions(self, modules: Iterable[str]) -> dict[str, str]:
        """Versions of the modules that have one, in the order given."""
        out: dict[str, str] = {}
        for module in modules:
            version = self.version(module)
            if version is not None:
                out[module] = version
        return out


def packages_for_cell(imported: list[str], namespace: dict[str, Any]) -> list[str]:
    """The cell's own imports first, then the key libraries the user's namespace refers to.

    nbtrack itself loads pandas and pyarrow; they count only when the user's
    variables (modules, classes, functions) come from them.
    """
    used = namespace_packages(namespace)
    loaded = [name for name in KEY_PACKAGES if name in used and name not in imported]
    return [name for name in imported if name != "nbtrack"] + loaded


def namespace_packages(namespace: dict[str, Any], limit: int = 10_000) -> set[str]:
    """Top-level packages of the modules, classes and functions bound in ``namespace``."""
    found: set[str] = set()
    for i, (name, value) in enumerate(list(namespace.items())):
        if i >= limit:
            break
        if name.startswith("_"):
            continue
        module = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
        if isinstance(module, str) and (isinstance(value, (ModuleType, type)) or callable(value)):
            found.add(module.partition(".")[0])
    return found


def python_version() -> str:
    return platform.python_version()


def environment_record(packages: dict[str, str]) -> dict[str, Any]:
    """What goes in ``nbtrack/environment.json``."""
    from .._version import __version__

    return {
        "python": python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "nbtrack": __version__,
        "packages": packages,
    }


def packages_tag(packages: dict[str, str]) -> str:
    """A short ``name=version`` list for the ``nbtrack.packages`` tag."""
    items = [f"{name}={version}" for name, version in list(packages.items())[:TAG_PACKAGES]]
    more = len(packages) - TAG_PACKAGES
    return " ".join(items) + (f" (+{more} in nbtrack/environment.json)" if more > 0 else "")
