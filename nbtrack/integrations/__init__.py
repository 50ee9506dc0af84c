"""Integrations: training code logs itself, with no logging lines.

:func:`autolog` (``nbtrack.autolog``) patches scikit-learn, XGBoost,
LightGBM, PyTorch Lightning, Keras and Optuna, now if they are imported or as
soon as they are; ``nbtrack.autolog(disable=True)`` puts every original back.
:func:`watch` (``nbtrack.watch``) records a plain PyTorch model's gradients.
One module per library (``sklearn.py``, ``xgboost.py`` ...); which run a call
logs to is decided in ``_runs.py``; every patch goes through the one registry
in ``_registry.py``. Importing this package imports none of the libraries.
"""

from __future__ import annotations

from ._config import AutologConfig
from ._enable import INTEGRATIONS, autolog
from ._safety import AutologWarning
from .torch_watch import watch

__all__ = ["INTEGRATIONS", "AutologConfig", "AutologWarning", "autolog", "watch"]
