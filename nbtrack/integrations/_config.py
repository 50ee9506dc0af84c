"""The options of ``autolog()``, checked once when autolog is enabled."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidValueError


@dataclass(frozen=True)
class AutologConfig:
    """What one integration records; see ``nbtrack.autolog`` for each option."""

    log_models: bool = True
    log_datasets: bool = True
    log_input_examples: bool = False
    log_post_training_metrics: bool = True
    silent: bool = False
    exclusive: bool = False
    max_tuning_runs: int | None = 5
    log_every_n_steps: int | None = None
    extra_tags: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def checked(cls, **options: Any) -> AutologConfig:
        """A config from ``autolog()``'s keyword arguments, or an error naming the bad one."""
        for name in (
            "log_models",
            "log_datasets",
            "log_input_examples",
            "log_post_training_metrics",
            "silent",
            "exclusive",
        ):
            if not isinstance(options[name], bool):
                raise InvalidValueError(f"autolog({name}=...) takes True or False, got {options[name]!r}")
        for name in ("max_tuning_runs", "log_every_n_steps"):
            value = options[name]
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise InvalidValueError(
                    f"autolog({name}=...) takes a positive integer or None, got {value!r}"
                )
        tags = options["extra_tags"] or {}
        if not isinstance(tags, Mapping) or not all(isinstance(k, str) for k in tags):
            raise InvalidValueError(f"autolog(extra_tags=...) takes a dict of str -> value, got {tags!r}")
        return cls(**{**options, "extra_tags": {k: str(v) for k, v in tags.items()}})
