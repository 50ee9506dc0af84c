"""Python and package versions: the ones the cell imports, then the ones the session imported.

Versions come from the imported module's ``__version__`` (the code that
actually runs), else from the installed distribution's metadata; both are
cached for the kernel's life, since a module loaded once keeps its version.
"""

from __future__ import annotations

import ast
import platform
import re
import sys
from collections.abc import Iterable
from typing import Any

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


class SessionImports:
    """Top-level modules imported by the session's cells so far, read from its input history.

    Only the inputs added since the last call are scanned, so the cost does
    not grow with the session.
    """

    def __init__(self) -> None:
        self.names: dict[str, None] = {}
        self._seen = 0

    def update(self, inputs: list[str]) -> list[str]:
        if len(inputs) < self._seen:  # %reset cleared the history
            self._seen = 0
        for text in inputs[self._seen :]:
            if "import" in text:
                for match in _IMPORT_LINE.finditer(text):
                    self.names.update((name, None) for name in _imported_names(match))
        self._seen = len(inputs)
        return list(self.names)


_IMPORT_LINE = re.compile(
    r"^[ \t]*(?:from[ \t]+([A-Za-z_]\w*)[\w.]*[ \t]+import\b|import[ \t]+([^\n#;]+))", re.M
)


def _imported_names(match: re.Match[str]) -> list[str]:
    if match.group(1):
        return [match.group(1)]
    names = []
    for item in match.group(2).split(","):
        word = item.strip().split(" ")[0].split(".")[0]
        if word.isidentifier():
            names.append(word)
    return names


def packages_for_cell(imported: list[str], session: list[str]) -> list[str]:
    """The cell's own imports first, then the other modules the session imported (not the stdlib)."""
    names = dict.fromkeys(imported + session)
    return [name for name in names if name != "nbtrack" and name not in sys.stdlib_module_names]


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
