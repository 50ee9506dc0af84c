"""The one object that owns every autolog patch, its configuration and its import hook.

Enabling an integration reverts its patches first and applies them again, so
calling ``autolog()`` twice leaves exactly one patch. Every original is kept
as the raw object found in the owner's ``__dict__`` and put back with
``setattr`` (or removed with ``delattr`` when the owner only inherited it), so
``Estimator.fit is original`` holds again after ``autolog(disable=True)``.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ._import_hook import PostImportHook
from ._safety import emit

if TYPE_CHECKING:
    from ._config import AutologConfig

_MISSING = object()

#: ``patch_fn(call_original, *args, **kwargs)``: the autolog code around one call.
PatchFunction = Callable[..., Any]


class InFlightCall(Protocol):
    """The autologged call in progress, as the registry sees it (an ``AutologRun`` of ``_runs.py``)."""

    integration: str

    @property
    def active(self) -> bool: ...


class _QuietCall:
    """Claims the in-flight slot so that nothing logs (see :meth:`PatchRegistry.quiet`)."""

    integration = ""
    active = False


@dataclass
class Patch:
    """One attribute replaced on an owner (class or module), with what to restore."""

    owner: Any
    name: str
    original: Any  # the raw object from owner.__dict__, or _MISSING when inherited
    replacement: Any

    def revert(self) -> None:
        """Put the original back exactly, unless someone replaced our patch since."""
        if self.owner.__dict__.get(self.name) is not self.replacement:
            return  # not ours any more (another tool re-patched): leave it alone
        if self.original is _MISSING:
            delattr(self.owner, self.name)
        else:
            setattr(self.owner, self.name, self.original)


@dataclass
class PatchRegistry:
    """Patches, configs and the in-flight autolog call of this process."""

    patches: dict[str, list[Patch]] = field(default_factory=dict)
    configs: dict[str, AutologConfig] = field(default_factory=dict)
    hook: PostImportHook = field(init=False)
    #: The outermost autologged call in progress (any thread); nested calls see it.
    current: InFlightCall | None = None
    #: Extra undo callables (e.g. ``watch`` hooks) run by ``revert_all``.
    undo: list[Callable[[], None]] = field(default_factory=list)
    #: Per-integration state that lives as long as the integration is enabled.
    state: dict[str, Any] = field(default_factory=dict)
    #: (integration, what) pairs already warned about (each failure warns once).
    warned: set[tuple[str, str]] = field(default_factory=set)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.hook = PostImportHook(on_error=self.warn_once)

    # -- patches -------------------------------------------------------------------
    def patch(self, integration: str, owner: Any, name: str, patch_fn: PatchFunction) -> bool:
        """Replace ``owner.name`` by a safe wrapper around ``patch_fn``; False if not patchable."""
        if self.is_patched(owner, name):
            return True  # applied already (a module seen twice): one patch, never two
        raw = owner.__dict__.get(name, _MISSING)
        if raw is _MISSING:
            raw_or_inherited = inspect.getattr_static(owner, name, _MISSING)
            if raw_or_inherited is _MISSING:
                return False
            target = raw_or_inherited
        else:
            target = raw
        replacement = _replacement_for(target, lambda fn: self._wrap(integration, fn, patch_fn))
        if replacement is None:
            return False
        with self.lock:
            setattr(owner, name, replacement)
            self.patches.setdefault(integration, []).append(Patch(owner, name, raw, replacement))
        return True

    def is_patched(self, owner: Any, name: str) -> bool:
        """True if ``owner.name`` is currently one of our replacements."""
        current = owner.__dict__.get(name, _MISSING)
        return any(p.replacement is current for ps in self.patches.values() for p in ps)

    def revert(self, integration: str) -> None:
        """Undo every patch of one integration, newest first, and forget its config."""
        with self.lock:
            for patch in reversed(self.patches.pop(integration, [])):
                patch.revert()
            self.configs.pop(integration, None)
            self.state.pop(integration, None)
            self.hook.forget(integration)

    def revert_all(self) -> None:
        """Undo everything autolog changed in this process."""
        with self.lock:
            for integration in list(self.patches) + list(self.configs):
                self.revert(integration)
            while self.undo:
                self.undo.pop()()
            self.hook.uninstall()

    def live(self) -> list[str]:
        """``owner.name`` of every patch in place (tests assert it is empty after disable)."""
        return [
            f"{getattr(p.owner, '__name__', p.owner)}.{p.name}" for ps in self.patches.values() for p in ps
        ]

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Within this block no patched call logs (autolog's own predict/score calls)."""
        if self.current is not None:
            yield
            return
        self.current = _QuietCall()
        try:
            yield
        finally:
            self.current = None

    # -- failures ------------------------------------------------------------------
    def warn_once(self, integration: str, what: str, exc: BaseException) -> None:
        """Warn (once per integration and ``what``) that ``what`` was not logged, unless silent."""
        config = self.configs.get(integration)
        key = (integration, what)
        if (config is not None and config.silent) or key in self.warned:
            return
        self.warned.add(key)
        emit(integration, what, exc)

    # -- the wrapper ---------------------------------------------------------------
    def _wrap(self, integration: str, original: Callable, patch_fn: PatchFunction) -> Callable:
        registry = self

        @functools.wraps(original)
        def autologged(*args: Any, **kwargs: Any) -> Any:
            if integration not in registry.configs:
                return original(*args, **kwargs)
            call = _OriginalCall(original)
            try:
                return patch_fn(call, *args, **kwargs)
            except BaseException as exc:
                if call.raised is exc or not isinstance(exc, Exception):
                    raise  # the user's own error (or an interrupt): never swallowed
                if call.raised is not None:
                    raise call.raised from None  # our cleanup failed after the user's error
                registry.warn_once(integration, "this call", exc)
                if call.called:
                    return call.result
                return original(*args, **kwargs)

        autologged.__wrapped__ = original
        autologged.__nbtrack_autolog__ = integration  # type: ignore[attr-defined]
        return autologged


class _OriginalCall:
    """Calls the original once and remembers whether it ran, returned or raised."""

    __slots__ = ("called", "original", "raised", "result")

    def __init__(self, original: Callable) -> None:
        self.original = original
        self.called = False
        self.raised: BaseException | None = None
        self.result: Any = None

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:  # "self" may be passed by name
        self.called = True
        try:
            self.result = self.original(*args, **kwargs)
        except BaseException as exc:
            self.raised = exc
            raise
        return self.result


def _replacement_for(target: Any, wrap: Callable[[Callable], Callable]) -> Any:
    """A wrapped copy of a function, staticmethod, classmethod or sklearn ``available_if``."""
    if isinstance(target, staticmethod):
        return staticmethod(wrap(target.__func__))
    if isinstance(target, classmethod):
        return classmethod(wrap(target.__func__))
    if inspect.isfunction(target) or inspect.isbuiltin(target):
        return wrap(target)
    inner = getattr(target, "fn", None)
    if type(target).__name__ == "_AvailableIfDescriptor" and inspect.isfunction(inner):
        import copy

        clone = copy.copy(target)  # keeps the availability check; restored object is the old one
        clone.fn = wrap(inner)
        return clone
    return None


#: The process's only registry.
REGISTRY = PatchRegistry()


def warn_once(integration: str, what: str, exc: BaseException) -> None:
    """:meth:`PatchRegistry.warn_once` of the process's registry."""
    REGISTRY.warn_once(integration, what, exc)


@contextmanager
def guarded(integration: str, what: str) -> Iterator[None]:
    """Run a logging step; on failure warn once and carry on."""
    try:
        yield
    except Exception as exc:
        warn_once(integration, what, exc)
