"""Checks that run before anything is buffered, so bad input never half-writes.

Each check raises a specific :class:`~nbtrack.errors.NbtrackError` subclass
whose message names the offending value and says what to do instead.
"""

from __future__ import annotations

import datetime as _dt
import math
import operator
from typing import Any

from ..errors import InvalidKeyError, InvalidValueError

MAX_KEY_LENGTH = 250
MAX_PARAM_LENGTH = 6000
MAX_TAG_LENGTH = 8000

_CONTROL = {chr(c) for c in range(32)} | {"\x7f"}


def check_key(key: Any, what: str) -> str:
    """Validate a metric, param or tag key and return it.

    Keys may contain ``/`` (``train/loss`` is common) but no ``..`` segment
    and no leading ``/``: exports and artifact stores turn keys into paths.
    """
    if not isinstance(key, str):
        raise InvalidKeyError(f"{what} keys must be strings, got {type(key).__name__} {key!r}")
    if not key or not key.strip():
        raise InvalidKeyError(f"{what} key is empty: give it a name such as 'accuracy'")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKeyError(
            f"{what} key is {len(key)} characters long; the limit is {MAX_KEY_LENGTH}: {key[:40]!r}..."
        )
    if any(ch in _CONTROL for ch in key):
        raise InvalidKeyError(f"{what} key {key!r} contains a control character (newline, tab...)")
    segments = key.replace("\\", "/").split("/")
    if key.startswith(("/", "\\")) or ".." in segments:
        raise InvalidKeyError(
            f"{what} key {key!r} looks like a path that leaves its folder ('..' or a leading '/'); "
            "use a plain name such as 'train/loss'"
        )
    return key


def metric_value(key: str, value: Any) -> float:
    """Coerce a metric value to float; NaN and ±inf are kept as they are."""
    if type(value) is float:
        return value
    if isinstance(value, (str, bytes, bytearray)):
        raise InvalidValueError(
            f"metric {key!r} must be a number, got {type(value).__name__} {value!r:.60}; "
            "convert it with float(...) or log text with set_tag"
        )
    size = getattr(value, "size", None)
    if size is not None and getattr(value, "ndim", False) and size != 1:
        raise InvalidValueError(
            f"metric {key!r} must be a single number, got an array of shape {tuple(value.shape)}; "
            "log one value per key, or a reduction such as .mean()"
        )
    try:
        item = value.item() if hasattr(value, "item") else value
        return float(item)
    except (TypeError, ValueError):
        raise InvalidValueError(
            f"metric {key!r} must be a number, got {type(value).__name__} {value!r:.60}"
        ) from None


def step_value(key: str, step: Any) -> int:
    """Validate an explicit step (an integer, numpy integers included)."""
    try:
        return operator.index(step)
    except TypeError:
        raise InvalidValueError(
            f"step of metric {key!r} must be an integer, got {type(step).__name__} {step!r}"
        ) from None


def timestamp_ms(key: str, timestamp: Any) -> int:
    """Milliseconds since the epoch from an int/float (ms) or a datetime."""
    if isinstance(timestamp, _dt.datetime):
        if timestamp.tzinfo is None:
            timestamp = timestamp.astimezone()
        return int(timestamp.timestamp() * 1000)
    if isinstance(timestamp, (int, float)) and not isinstance(timestamp, bool) and math.isfinite(timestamp):
        return int(timestamp)
    raise InvalidValueError(
        f"timestamp of metric {key!r} must be milliseconds since the epoch or a datetime, "
        f"got {timestamp!r:.60}"
    )


def param_value(key: str, value: Any) -> str:
    """Params are stored as text, like MLflow; long values belong in artifacts."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_PARAM_LENGTH:
        raise InvalidValueError(
            f"param {key!r} is {len(text)} characters long; the limit is {MAX_PARAM_LENGTH}. "
            "Store large values as an artifact (log_dict / log_text) and log a short name as the param"
        )
    return text


def tag_value(key: str, value: Any) -> str:
    """Tags are text of bounded length."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_TAG_LENGTH:
        raise InvalidValueError(
            f"tag {key!r} is {len(text)} characters long; the limit is {MAX_TAG_LENGTH}. "
            "Store long text as an artifact (log_text)"
        )
    return text
