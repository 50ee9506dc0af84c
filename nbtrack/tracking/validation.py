"""Checks that run before anything is buffered, so bad input never half-writes.

Each check raises a specific :class:`~nbtrack.errors.NbtrackError` subclass
whose message names the offending value and says what to do instead.
"""

from __future__ import annotations

import datetime as _dt
import math
import operator
import os
from numbers import Real as _Real
from typing import Any

from ..errors import InvalidKeyError, InvalidValueError, NbtrackError

MAX_KEY_LENGTH = 250
MAX_PARAM_LENGTH = 6000
MAX_TAG_LENGTH = 8000
MAX_NAME_LENGTH = 250

#: Steps are stored as 64-bit integers.
MIN_STEP, MAX_STEP = -(2**63), 2**63 - 1
#: Timestamps (ms since the epoch) from 1970 up to the start of the year 2300.
MIN_TIMESTAMP_MS, MAX_TIMESTAMP_MS = 0, 10_413_792_000_000

_CONTROL = {chr(c) for c in range(32)} | {"\x7f"}


def check_int(
    value: Any,
    name: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    error: type[NbtrackError] = InvalidValueError,
) -> int:
    """An integer option (``bool`` refused, it is an ``int`` to Python) within ``minimum..maximum``.

    The one check of every integer option of the API; the message names
    ``name``, the accepted range and the value given. ``error``: the class
    raised (charts raise :class:`~nbtrack.errors.ChartInputError`).
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or (minimum is not None and value < minimum)
        or (maximum is not None and value > maximum)
    ):
        raise error(f"{name} must be {_int_range(minimum, maximum)}, got {value!r:.40}")
    return value


def _int_range(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f"an integer from {minimum} to {maximum}"
    if minimum == 1:
        return "a positive integer"
    if minimum is not None:
        return f"an integer of at least {minimum}"
    return "an integer" if maximum is None else f"an integer of at most {maximum}"


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
    if not key.isascii() and not _encodable(key):
        raise InvalidKeyError(
            f"{what} key {key!r} is not valid text: it contains a lone surrogate that cannot be "
            "stored as UTF-8 (decode bytes with errors='replace', or drop the character)"
        )
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
    except (TypeError, ValueError, OverflowError, AttributeError):
        raise InvalidValueError(
            f"metric {key!r} must be a number (a float64), got {type(value).__name__} {_short(value)}"
        ) from None


def step_value(key: str, step: Any) -> int:
    """Validate an explicit step: an integer (numpy integers included) that fits in 64 bits."""
    try:
        number = operator.index(step)
    except TypeError:
        raise InvalidValueError(
            f"step of metric {key!r} must be an integer, got {type(step).__name__} {_short(step)}"
        ) from None
    if not MIN_STEP <= number <= MAX_STEP:
        raise step_range_error(key, number)
    return number


def step_range_error(key: str, step: int) -> InvalidValueError:
    """The error for a step outside 64-bit integers (also a default step past the last one)."""
    return InvalidValueError(
        f"step of metric {key!r} is {step}, outside the 64-bit range steps are stored in "
        f"({MIN_STEP}..{MAX_STEP}); pass a step within it"
    )


def timestamp_ms(key: str, timestamp: Any) -> int:
    """Milliseconds since the epoch from a number (ms) or a datetime, within 1970..2299."""
    if isinstance(timestamp, _dt.datetime):
        stamp = _datetime_ms(timestamp)
    elif isinstance(timestamp, bool) or not isinstance(timestamp, (int, float, _Real)):
        stamp = _index_or_none(timestamp)
        if stamp is None:
            raise InvalidValueError(
                f"timestamp of metric {key!r} must be milliseconds since the epoch or a datetime, "
                f"got {type(timestamp).__name__} {_short(timestamp)}"
            )
    elif isinstance(timestamp, float) or not isinstance(timestamp, int):
        number = float(timestamp)
        stamp = int(number) if math.isfinite(number) else None
    else:
        stamp = int(timestamp)
    if stamp is None or not MIN_TIMESTAMP_MS <= stamp <= MAX_TIMESTAMP_MS:
        raise InvalidValueError(
            f"timestamp of metric {key!r} is {_short(timestamp)}: timestamps are milliseconds since "
            "1970-01-01 (e.g. time.time() * 1000) before the year 2300, or a datetime in that range"
        )
    return stamp


def _datetime_ms(moment: _dt.datetime) -> int | None:
    try:
        if moment.tzinfo is None:
            moment = moment.astimezone()
        return int(moment.timestamp() * 1000)
    except (OverflowError, OSError, ValueError):
        return None


def _index_or_none(value: Any) -> int | None:
    try:
        return operator.index(value)
    except TypeError:
        return None


def param_value(key: str, value: Any) -> str:
    """Params are stored as text, like MLflow; long values belong in artifacts."""
    text = _as_text(value, f"param {key!r}")
    if len(text) > MAX_PARAM_LENGTH:
        raise InvalidValueError(
            f"param {key!r} is {len(text)} characters long; the limit is {MAX_PARAM_LENGTH}. "
            "Store large values as an artifact (log_dict / log_text) and log a short name as the param"
        )
    return text


def tag_value(key: str, value: Any) -> str:
    """Tags are text of bounded length."""
    text = _as_text(value, f"tag {key!r}")
    if len(text) > MAX_TAG_LENGTH:
        raise InvalidValueError(
            f"tag {key!r} is {len(text)} characters long; the limit is {MAX_TAG_LENGTH}. "
            "Store long text as an artifact (log_text)"
        )
    return text


def check_text(text: Any, what: str, *, max_length: int = MAX_NAME_LENGTH) -> str:
    """A non-empty name (experiment, run name, run id) that can be stored as UTF-8."""
    if not isinstance(text, str):
        raise InvalidValueError(f"{what} must be a string, got {type(text).__name__} {_short(text)}")
    if not text.strip():
        raise InvalidValueError(f"{what} is empty: give it a name")
    if len(text) > max_length:
        raise InvalidValueError(f"{what} is {len(text)} characters long; the limit is {max_length}")
    if not text.isascii() and not _encodable(text):
        raise InvalidValueError(
            f"{what} {text!r:.80} contains a lone surrogate that cannot be stored as UTF-8"
        )
    return text


def check_run_id(run_id: Any, what: str = "run_id") -> str:
    """A run id: a non-empty string (ids nbtrack makes are 32 hex characters)."""
    if not isinstance(run_id, str):
        raise InvalidValueError(
            f"{what} must be a run id string such as run.info.run_id, got {type(run_id).__name__} "
            f"{_short(run_id)}"
        )
    return check_text(run_id, what, max_length=MAX_KEY_LENGTH)


def _as_text(value: Any, what: str) -> str:
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception as exc:  # a __str__ that raises: say whose value it was
        raise InvalidValueError(f"{what}: str() of the {type(value).__name__} value failed ({exc})") from None
    if not text.isascii() and not _encodable(text):
        raise InvalidValueError(
            f"{what} value {text!r:.80} contains a lone surrogate that cannot be stored as UTF-8 "
            "(decode bytes with errors='replace', or drop the character)"
        )
    return text


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _short(value: Any) -> str:
    try:
        return f"{value!r:.60}"
    except Exception:
        return f"<{type(value).__name__}>"


def check_uri(uri: Any, what: str) -> None:
    """A store location: None, or a path (str or ``os.PathLike``) the OS can use."""
    if uri is None:
        return
    if not isinstance(uri, (str, os.PathLike)):
        raise InvalidValueError(f"{what} takes a directory path (str or Path), got {type(uri).__name__}")
    try:
        text = os.fspath(uri)
        if not isinstance(text, str) or "\x00" in text:
            raise ValueError("a path must be text without NUL characters")
        os.fsencode(text)
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        raise InvalidValueError(f"{what}: {uri!r:.80} is not a usable path ({exc})") from None
