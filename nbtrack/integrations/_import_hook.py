"""Run a callback right after a watched module is imported (lazy patching).

``autolog()`` patches libraries that are already imported and asks this
hook to patch the others when (if ever) they are imported. The hook is one
finder at the front of ``sys.meta_path``; it finds the real spec with the
finders behind it and wraps only the loader's ``exec_module``. After the
module has run, the module's ``__loader__``/``__spec__.loader`` are set back
to the real loader, so nothing of ours stays on the module. It imports
nothing of the package: the registry that owns it passes ``on_error``.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

ModuleCallback = Callable[[ModuleType], None]
#: ``on_error(integration, what, exc)``: told when a callback fails (the registry warns once).
ErrorCallback = Callable[[str, str, BaseException], None]


class PostImportHook(MetaPathFinder):
    """A reversible ``sys.meta_path`` finder that calls back after chosen imports."""

    def __init__(self, on_error: ErrorCallback) -> None:
        # integration -> list of (module name or prefix ending in ".", callback)
        self._watches: dict[str, list[tuple[str, ModuleCallback]]] = {}
        self._local = threading.local()
        self._on_error = on_error

    def watch(self, integration: str, name: str, callback: ModuleCallback) -> None:
        """Call ``callback(module)`` after ``name`` is imported (``"pkg."`` matches every submodule)."""
        self._watches.setdefault(integration, []).append((name, callback))
        if self not in sys.meta_path:
            sys.meta_path.insert(0, self)

    def forget(self, integration: str) -> None:
        """Stop watching for one integration; leave ``sys.meta_path`` when nothing is watched."""
        self._watches.pop(integration, None)
        if not self._watches:
            self.uninstall()

    def uninstall(self) -> None:
        """Remove the finder from ``sys.meta_path`` (and forget every watch)."""
        self._watches.clear()
        while self in sys.meta_path:
            sys.meta_path.remove(self)

    @property
    def installed(self) -> bool:
        return self in sys.meta_path

    def _callbacks_for(self, fullname: str) -> list[tuple[str, ModuleCallback]]:
        return [
            (integration, callback)
            for integration, watches in list(self._watches.items())
            for name, callback in watches
            if fullname == name or (name.endswith(".") and fullname.startswith(name))
        ]

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        callbacks = self._callbacks_for(fullname)
        busy: set[str] = getattr(self._local, "busy", set())
        if not callbacks or fullname in busy:
            return None
        busy.add(fullname)
        self._local.busy = busy
        try:
            spec = _find_with_others(self, fullname, path, target)
        finally:
            busy.discard(fullname)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _NotifyingLoader(spec.loader, callbacks, self._on_error)  # type: ignore[assignment]
        return spec


def _find_with_others(hook: MetaPathFinder, fullname: str, path: Any, target: Any) -> ModuleSpec | None:
    for finder in list(sys.meta_path):
        if finder is hook or not hasattr(finder, "find_spec"):
            continue
        spec = finder.find_spec(fullname, path, target)
        if spec is not None:
            return spec
    return None


class _NotifyingLoader:
    """Delegates to the real loader; runs the callbacks once the module has executed."""

    def __init__(
        self, loader: Any, callbacks: list[tuple[str, ModuleCallback]], on_error: ErrorCallback
    ) -> None:
        self._loader = loader
        self._callbacks = callbacks
        self._on_error = on_error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        for integration, callback in self._callbacks:
            try:
                callback(module)
            except Exception as exc:  # a patching bug must never break the user's import
                self._on_error(integration, f"patches for {module.__name__}", exc)
