"""How nbtrack writes a duration, the same in Python (run card, CLI) as in the sidebar and widgets.

A port of ``formatDuration`` in ``labextension/shared/format.ts``; both are
pinned to one table of values, ``labextension/test/durations.json``.
"""

from __future__ import annotations

import math


def format_duration(seconds: float | None) -> str:
    """A duration as a person reads it: "123 ms", "12.3 s", "1 min 06 s", "2 h 05 min".

    The value is rounded half up to the unit shown before the unit is
    chosen, so 65.5 s is "1 min 06 s", 59.96 s is "1 min 00 s" (never
    "60.0 s") and 3599.7 s is "1 h 00 min". Missing, non-numeric or
    non-finite input (None, ``pd.NA``, NaN, infinity) gives "".
    """
    if seconds is None or isinstance(seconds, (bool, str, bytes)):
        return ""
    try:
        value = float(seconds)
    except (TypeError, ValueError):  # pd.NA, text: nothing to show, like the TypeScript
        return ""
    if not math.isfinite(value):
        return ""
    if value < 0:
        return f"-{format_duration(-value)}"
    ms = _round_half_up(value * 1000)
    if ms < 1000:
        return f"{ms} ms"
    tenths = _round_half_up(value * 10)
    if tenths < 600:
        return f"{tenths // 10}.{tenths % 10} s"
    whole = _round_half_up(value)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    minutes = _round_half_up(value / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _round_half_up(value: float) -> int:
    """JavaScript's ``Math.round`` of a non-negative double (``floor(x + 0.5)`` fails just below 0.5)."""
    whole = math.floor(value)
    return int(whole) + (1 if value - whole >= 0.5 else 0)
