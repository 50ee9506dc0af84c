"""Find, type and label the columns of a run table; shared by every chart and the comparison.

Params and tags are stored as text, so "is this column numeric?" is answered
by the values (every present value parses as a number), not by the dtype.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Literal

from ..errors import ColumnNotFoundError

if TYPE_CHECKING:
    import pandas as pd

Kind = Literal["quantitative", "temporal", "nominal"]

_PREFIXES = {"metric": "metrics.", "param": "params.", "tag": "tags."}


def resolve_column(frame: pd.DataFrame, name: object, *, role: str = "column") -> str:
    """The column of ``frame`` that ``name`` means.

    Accepts the full name (``"params.max_depth"``), the filter grammar's
    prefix spellings (``"param.max_depth"``) and a bare key when exactly one
    ``metrics.``/``params.``/``tags.`` column has it (``"max_depth"``).
    """
    if not isinstance(name, str) or not name:
        raise ColumnNotFoundError(
            f"{role} must be a column name such as 'metrics.accuracy' or 'params.max_depth', got {name!r}"
        )
    columns = [str(c) for c in frame.columns]
    if name in columns:
        return name
    candidates = _spellings(name, columns)
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        raise ColumnNotFoundError(f"{role} {name!r} is ambiguous: write one of {', '.join(candidates)}")
    close = difflib.get_close_matches(name, columns, n=3, cutoff=0.5)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    listed = ", ".join(c for c in columns if "." in c)[:400] or "none"
    raise ColumnNotFoundError(f"No {role} {name!r} in these runs.{hint} Columns: {listed}")


def _spellings(name: str, columns: list[str]) -> list[str]:
    from ..store.filter import ENTITY_PREFIXES

    prefix, dot, key = name.partition(".")
    entity = ENTITY_PREFIXES.get(prefix.lower()) if dot else None
    if entity == "attribute":
        return [key] if key in columns else []
    if entity is not None:
        full = _PREFIXES[entity] + key
        return [full] if full in columns else []
    return [
        c
        for c in columns
        if c.partition(".")[0] in ("metrics", "params", "tags") and c[c.index(".") + 1 :] == name
    ]


def short_name(column: str) -> str:
    """``"params.max_depth"`` -> ``"max_depth"``; axis titles stay short."""
    prefix, dot, key = column.partition(".")
    return key if dot and prefix in ("metrics", "params", "tags") else column


def numeric_values(series: pd.Series) -> pd.Series | None:
    """The column as floats when every present value is a number, else None."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
        return None
    if pd.api.types.is_numeric_dtype(series):
        return series.astype("float64")
    present = series.notna()
    converted = pd.to_numeric(series.where(present), errors="coerce")
    if (converted.isna() & present).any():
        return None
    return converted.astype("float64")


def column_kind(series: pd.Series) -> Kind:
    """How a chart should encode this column."""
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series):
        return "temporal"
    values = numeric_values(series)
    return "quantitative" if values is not None and values.notna().any() else "nominal"


def run_labels(runs: pd.DataFrame) -> list[str]:
    """One readable, unique label per run: its name, with a short id where names repeat."""
    ids = [str(v) for v in runs["run_id"]] if "run_id" in runs.columns else [str(i) for i in runs.index]
    names = runs["run_name"].tolist() if "run_name" in runs.columns else [None] * len(ids)
    base = [str(n) if isinstance(n, str) and n else i[:8] for n, i in zip(names, ids, strict=True)]
    counts: dict[str, int] = {}
    for label in base:
        counts[label] = counts.get(label, 0) + 1
    labels = [f"{b} ({i[:6]})" if counts[b] > 1 else b for b, i in zip(base, ids, strict=True)]
    seen: dict[str, int] = {}
    unique = []
    for label in labels:  # the same id twice still needs two labels
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
    return unique
