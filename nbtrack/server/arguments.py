"""Query-string and path arguments of the REST API, checked before anything is read.

Each function takes ``values(name) -> list[str]`` (tornado's
``get_query_arguments``, already decoded as UTF-8) and raises
:class:`~nbtrack.server.failures.ArgumentError` naming the argument and what
it accepts (answered with 400), or naming the argument a deeper nbtrack
error points at (a filter that does not parse keeps its column).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..store.filter import MAX_FILTER_LENGTH, MAX_ORDER_TERMS
from .failures import ArgumentError, about

Values = Callable[[str], list[str]]

#: Default and largest page of runs; the furthest offset (far beyond any store's run count).
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_OFFSET = 1_000_000_000
#: Default and bounds of a downsampled metric history.
DEFAULT_MAX_POINTS = 2000
MAX_MAX_POINTS = 100_000
#: Most runs one comparison request may name.
MAX_COMPARE_IDS = 100
#: Longest filter text and most order-by terms: the filter grammar's own limits, so a search
#: means the same here as in ``nbtrack.runs``; longest other argument (ids, keys, names,
#: order-by terms), most repeats of one argument.
MAX_FILTER_CHARS = MAX_FILTER_LENGTH
MAX_ORDER_BY = MAX_ORDER_TERMS
MAX_TEXT_CHARS = 1_000
MAX_REPEATS = 100  # tornado itself refuses a query string of over 1,000 fields (a bare 400)
#: The curves' x axes a comparison can draw.
CURVE_X = ("step", "wall_time", "relative_time")
_INTEGER = re.compile(r"-?[0-9]{1,30}")
_SURROGATE = re.compile("[\ud800-\udfff]")  # bytes that were not UTF-8 (surrogateescape)
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


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

    text = single(values, "filter", max_chars=MAX_FILTER_CHARS) or ""
    order_by = tuple(item for item in many(values, "order_by") if item.strip())
    with about("filter"):
        parse_filter(text)  # FilterParseError: answered with its message and column
    with about("order_by"):
        parse_order_by(list(order_by))
    return RunsArgs(
        experiments=tuple(e for e in many(values, "experiment") if e),
        filter=text,
        order_by=order_by,
        offset=integer(values, "offset", 0, minimum=0, maximum=MAX_OFFSET),
        limit=integer(values, "limit", DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT),
    )


def max_points(values: Values) -> int:
    """``max_points``: 4..100000, default 2000."""
    return integer(values, "max_points", DEFAULT_MAX_POINTS, minimum=4, maximum=MAX_MAX_POINTS)


def run_ids(values: Values) -> list[str]:
    """``run_id`` (repeatable): 1..100 ids."""
    given = len(values("run_id"))
    if given > MAX_COMPARE_IDS:
        raise ArgumentError("run_id", f"At most {MAX_COMPARE_IDS} runs can be compared at once, got {given}")
    ids = [v for v in many(values, "run_id") if v]
    if not ids:
        raise ArgumentError("run_id", "Name the runs to compare: ?run_id=<id>&run_id=<id>")
    return list(dict.fromkeys(ids))


def path_value(name: str, value: str) -> str:
    """A path argument (``run_id``): not empty, not over-long."""
    if not value:
        raise ArgumentError(name, f"The path argument {name} is empty; give a run id")
    return checked_text(name, value, MAX_TEXT_CHARS)


def digest(value: str) -> str:
    """An artifact's sha256: 64 lowercase hex digits (the run detail's ``artifacts[].sha256``)."""
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise ArgumentError(
            "digest",
            f"digest must be a sha256 in 64 lowercase hex digits, got {value[:80]!r}; "
            "take it from the run's artifact list",
        )
    return value


def single(values: Values, name: str, *, max_chars: int = MAX_TEXT_CHARS) -> str | None:
    """The one value of ``name``, or None; given twice is an error."""
    found = values(name)
    if len(found) > 1:
        raise ArgumentError(name, f"{name} was given {len(found)} times; give it once")
    return checked_text(name, found[0], max_chars) if found else None


def many(values: Values, name: str) -> list[str]:
    """Every value of a repeatable argument (at most :data:`MAX_REPEATS`)."""
    found = values(name)
    if len(found) > MAX_REPEATS:
        raise ArgumentError(name, f"{name} was given {len(found)} times; at most {MAX_REPEATS} are allowed")
    return [checked_text(name, value, MAX_TEXT_CHARS) for value in found]


def required(values: Values, name: str) -> str:
    """The one value of ``name``; missing or empty is an error."""
    value = single(values, name)
    if not value:
        raise ArgumentError(name, f"The query argument {name} is required")
    return value


def checked_text(name: str, value: str, max_chars: int) -> str:
    """``value`` unless it is longer than ``max_chars`` or holds a NUL character."""
    if len(value) > max_chars:
        raise ArgumentError(name, f"{name} is {len(value)} characters long; at most {max_chars} are allowed")
    if "\x00" in value:
        raise ArgumentError(name, f"{name} contains a NUL character (%00); remove it")
    if _SURROGATE.search(value):
        raise ArgumentError(
            name, f"{name} is not UTF-8 text once percent-decoded; percent-encode its UTF-8 bytes"
        )
    return value


def integer(values: Values, name: str, default: int, *, minimum: int, maximum: int) -> int:
    """An integer argument (ASCII digits, optional minus sign) within bounds."""
    raw = single(values, name)
    if raw is None or raw == "":
        return default
    if not _INTEGER.fullmatch(raw.strip()):
        raise ArgumentError(name, f"{name} must be an integer such as {default}, got {raw[:40]!r}")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise ArgumentError(name, f"{name} must be at least {minimum} and at most {maximum}, got {value}")
    return value


def number(values: Values, name: str, default: float, *, minimum: float, below: float) -> float:
    """A float argument in ``[minimum, below)``."""
    raw = single(values, name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ArgumentError(name, f"{name} must be a number, got {raw[:40]!r}") from None
    if not minimum <= value < below:
        raise ArgumentError(name, f"{name} must be in [{minimum:g}, {below:g}), got {raw[:40]}")
    return value


def flag(values: Values, name: str) -> bool:
    """A boolean argument: ``true``/``false`` (or 1/0, yes/no, on/off); missing or empty is false."""
    raw = (single(values, name) or "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE or raw == "":
        return False
    raise ArgumentError(name, f"{name} must be true or false, got {raw[:40]!r}")


def choice(values: Values, name: str, options: Sequence[str]) -> str:
    """One of ``options``; missing or empty is the first."""
    raw = single(values, name) or options[0]
    if raw not in options:
        raise ArgumentError(name, f"{name} must be one of {', '.join(options)}, got {raw[:40]!r}")
    return raw
