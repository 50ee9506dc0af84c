"""Who called a patched ``fit``: the user, or a library fitting something on its own behalf.

Only a user-level fit makes a run. scikit-learn fits estimators of its own
everywhere: a ``LabelEncoder`` inside ``classification_report``, clones inside
``cross_val_score`` and ``learning_curve``, a ``Pipeline``'s steps, a
``StackingClassifier``'s members, the calibrators of ``CalibratedClassifierCV``.
None of those calls is the user's, and none may make a run.

The rule reads the call stack (``sys._getframe``, a few frames, no
``inspect.stack``): walking outwards from the patched call, frames that act on
the same estimator (its own ``fit_transform`` calling its ``fit``, a subclass's
``super().fit``, scikit-learn's ``_fit_context`` wrapper) are skipped; the first
other frame decides. The fit is the library's when that frame is inside the
``sklearn`` package, or is a method of another estimator defined in an
installed package (LightGBM's wrapper fitting its label encoder, imbalanced-learn's
pipeline), and the user's otherwise: a notebook's own meta-estimator fitting
its parts is user code, so its fits keep their runs.
"""

from __future__ import annotations

import functools
import os
import site
import sys
import sysconfig
from types import FrameType
from typing import Any

#: Frames that are never the user's: autolog's own wrappers and the stdlib helpers they use.
_OWN_PACKAGE = f"{__package__}."
_OWN_MODULES = frozenset({"functools", "contextlib"})
#: A library frame from here fits on its own behalf, whatever object it acts on.
_LIBRARY = ("sklearn.",)
#: How far out the walk goes before it gives up and calls the fit the user's.
_MAX_DEPTH = 64


def fitted_by_library(estimator: Any) -> bool:
    """True if this ``fit`` of ``estimator`` was called by library code, not by the user.

    Call it from inside a patched fit: the frames of autolog's wrapper are skipped.
    """
    frame = caller(sys._getframe(1), estimator)
    return frame is not None and is_library_frame(frame)


def caller(frame: FrameType | None, estimator: Any = None) -> FrameType | None:
    """The first frame from ``frame`` outwards that is not autolog's and does not act on ``estimator``."""
    for _ in range(_MAX_DEPTH):
        if frame is None:
            return None
        module = frame.f_globals.get("__name__", "") or ""
        own = module.startswith(_OWN_PACKAGE) or module in _OWN_MODULES
        if not own and (estimator is None or not _acts_on(frame, estimator)):
            return frame
        frame = frame.f_back
    return None


def is_library_frame(frame: FrameType) -> bool:
    """True for scikit-learn's own code, or a method of an estimator defined in an installed package."""
    module = frame.f_globals.get("__name__", "") or ""
    if module.startswith(_LIBRARY) or module == "sklearn":
        return True
    return frame.f_code.co_filename.startswith(_installed_roots()) and _first_argument_is_estimator(frame)


def _acts_on(frame: FrameType, estimator: Any) -> bool:
    """True if the frame's first argument is ``estimator`` (its method, or a wrapper of one)."""
    code = frame.f_code
    if code.co_argcount == 0:
        return False
    return frame.f_locals.get(code.co_varnames[0]) is estimator


@functools.lru_cache(maxsize=1)
def _installed_roots() -> tuple[str, ...]:
    """Where installed packages live (site-packages), as path prefixes."""
    paths = sysconfig.get_paths()
    roots = {paths.get("purelib"), paths.get("platlib"), *getattr(site, "getsitepackages", list)()}
    roots.add(getattr(site, "getusersitepackages", str)())
    return tuple(sorted(os.path.join(root, "") for root in roots if root))


def _first_argument_is_estimator(frame: FrameType) -> bool:
    """True for a method of (another) scikit-learn-style estimator: a meta-estimator at work."""
    code = frame.f_code
    if code.co_argcount == 0:
        return False
    owner = frame.f_locals.get(code.co_varnames[0])
    base = getattr(sys.modules.get("sklearn.base"), "BaseEstimator", None)
    return base is not None and isinstance(owner, base)
