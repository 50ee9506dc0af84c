"""``autolog()``: resolve library names, check the options, enable = revert then apply."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable
from typing import Any

from ..errors import InvalidValueError
from ._config import AutologConfig
from ._registry import REGISTRY, warn_once

#: Integration name -> module in this package.
INTEGRATIONS = {
    "sklearn": "sklearn",
    "xgboost": "xgboost",
    "lightgbm": "lightgbm",
    "lightning": "lightning",
    "keras": "keras",
    "optuna": "optuna",
}
ALIASES = {"scikit-learn": "sklearn", "pytorch_lightning": "lightning", "pytorch-lightning": "lightning"}


def autolog(
    libraries: str | Iterable[str] | None = None,
    *,
    disable: bool = False,
    log_models: bool = True,
    log_datasets: bool = True,
    log_input_examples: bool = False,
    log_post_training_metrics: bool = True,
    silent: bool = False,
    exclusive: bool = False,
    max_tuning_runs: int | None = 5,
    log_every_n_steps: int | None = None,
    extra_tags: dict[str, Any] | None = None,
) -> list[str]:
    """Make training calls log themselves; returns the integrations changed.

    Parameters
    ----------
    libraries
        ``"sklearn"``, ``"xgboost"``, ``"lightgbm"``, ``"lightning"``,
        ``"keras"``, ``"optuna"`` or a list of them; ``None`` means all.
        Libraries not imported yet are patched when they are imported.
    disable
        Undo: every patched function is the original object again.
    log_models
        Store each fitted model under ``model/`` (library format + ``meta.json``).
    log_datasets
        Record shape, columns and a content digest of the training data (never the data).
    log_input_examples
        Store the first rows of the training data as ``model/input_example.json``.
    log_post_training_metrics
        scikit-learn: ``model.score(X_test, ...)`` and ``sklearn.metrics`` calls on a
        fitted model's predictions are logged to its run, named after the dataset variable.
    silent
        No warnings from autolog (a failure to log never breaks training either way).
    exclusive
        Log nothing while a run started by the user is active (only fits outside
        any run get runs of their own).
    max_tuning_runs
        Child runs per parameter search (the best-ranked candidates); ``None`` for all.
    log_every_n_steps
        Lightning: log step metrics every N steps (default: the Trainer's ``log_every_n_steps``).
    extra_tags
        Tags set on every run autolog creates.

    Notes
    -----
    Calling it again with the same arguments changes nothing; with other
    arguments, the new ones replace the old.
    """
    if not isinstance(disable, bool):
        raise InvalidValueError(f"autolog(disable=...) takes True or False, got {disable!r}")
    names = _resolve(libraries)
    if disable:
        if libraries is None:
            REGISTRY.revert_all()
        for name in names:
            REGISTRY.revert(name)
        return names
    config = AutologConfig.checked(
        log_models=log_models,
        log_datasets=log_datasets,
        log_input_examples=log_input_examples,
        log_post_training_metrics=log_post_training_metrics,
        silent=silent,
        exclusive=exclusive,
        max_tuning_runs=max_tuning_runs,
        log_every_n_steps=log_every_n_steps,
        extra_tags=extra_tags,
    )
    for name in names:
        _enable(name, config)
    return names


def _resolve(libraries: str | Iterable[str] | None) -> list[str]:
    if libraries is None:
        return list(INTEGRATIONS)
    items = [libraries] if isinstance(libraries, str) else libraries
    try:
        wanted = [ALIASES.get(item, item) for item in items]
    except TypeError:
        wanted = [libraries]  # type: ignore[list-item]
    unknown = [item for item in wanted if item not in INTEGRATIONS]
    if unknown:
        raise InvalidValueError(
            f"autolog does not know {unknown[0]!r}; choose from {', '.join(INTEGRATIONS)} "
            "(or leave libraries out for all of them)"
        )
    return list(dict.fromkeys(wanted))


def _enable(name: str, config: AutologConfig) -> None:
    """Revert, then apply: the integration ends up patched exactly once."""
    module = importlib.import_module(f"{__package__}.{INTEGRATIONS[name]}")
    REGISTRY.revert(name)
    REGISTRY.configs[name] = config
    setup = getattr(module, "setup", None)
    if setup is not None:
        setup()
    for watched in module.WATCH:
        REGISTRY.hook.watch(name, watched, module.patch_module)
    loaded = sorted(
        mod_name
        for mod_name in list(sys.modules)
        if any(mod_name == w or (w.endswith(".") and mod_name.startswith(w)) for w in module.WATCH)
    )
    for mod_name in loaded:
        target = sys.modules.get(mod_name)
        if target is None:
            continue
        try:
            module.patch_module(target)
        except Exception as exc:  # a patching bug must never break the user's cell
            warn_once(name, f"patches for {mod_name}", exc)
