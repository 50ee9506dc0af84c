"""Query-string arguments of the REST API, checked before anything is read.

Each function takes ``values(name) -> list[str]`` (tornado's
``get_query_arguments``) and raises :class:`~nbtrack.errors.InvalidValueError`
or :class:`~nbtrack.errors.FilterParseError` (both answered with 400) naming
the argument and what it accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import InvalidValueError

Values = Callable[[str], list[str]]

#: Default and largest page of runs.
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
#: Default and bounds of a downsampled metric history.
DEFAULT_MAX_POINTS = 2000
MAX_MAX_POINTS = 100_000
#: Most runs one comparison request may name.
MAX_COMPARE_IDS = 100


@dataclass(frozen=True)
class RunsArgs:
    """What ``GET /runs`` selects."""

    experiments: tuple[str, ...]
    filter: str
    order_by: tuple[str, ...]
    offset: int
    limit: int


def runs_args(values: Values) -> RunsArgs:
    """``experiment`` (repeatable), ``filter``, ``order_by`` (repeatable), ``offset``, ``limit``."""
    from ..store.filter import parse_filter, parse_order_by

    text = single(values, "filter") or ""
    order_by = tuple(item for item in values("order_by") if item.strip())
    parse_filter(text)  # FilterParseError: answered with its message and column
    parse_order_by(list(order_by))
    return RunsArgs(
        experiments=tuple(e for e in values("experiment") if e),
        filter=text,
        order_by=order_by,
        offset=integer(values, "offset", 0, minimum=0),
        limit=integer(values, "limit", DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT),
    )


def max_points(values: Values) -> int:
    """``max_points``: 4..100000, default 2000."""
    return integer(values, "max_points", DEFAULT_MAX_POINTS, minimum=4, maximum=MAX_MAX_POINTS)


def run_ids(values: Values) -> list[str]:
    """``run_id`` (repeatable): 1..100 ids."""
    ids = [v for v in values("run_id") if v]
    if not ids:
        raise InvalidValueError("Name the runs to compare: ?run_id=<id>&run_id=<id>")
    if len(ids) > MAX_COMPARE_IDS:
        raise InvalidValueError(f"At most {MAX_COMPARE_IDS} runs can be compared at once, got {len(ids)}")
    return list(dict.fromkeys(ids))


def single(values: Values, name: str) -> str | None:
    """The one value of ``name``, or None; given twice is an error."""
    found = values(name)
    if len(found) > 1:
        raise InvalidValueError(f"{name} was given {len(found)} times; give it once")
    return found[0] if found else None


def required(values: Values, name: str) -> str:
    """The one value of ``name``; missing or empty is an error."""
    value = single(values, name)
    if not value:
        raise InvalidValueError(f"The query argument {name} is required")
    return value


def integer(values: Values, name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    """An integer argument within bounds."""
    raw = single(values, name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidValueError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise InvalidValueError(f"{name} must be at least {minimum}{upper}, got {value}")
    return value


def number(values: Values, name: str, default: float, *, minimum: float, below: float) -> float:
    """A float argument in ``[minimum, below)``."""
    raw = single(values, name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InvalidValueError(f"{name} must be a number, got {raw!r}") from None
    if not minimum <= value < below:
        raise InvalidValueError(f"{name} must be in [{minimum:g}, {below:g}), got {raw}")
    return value
