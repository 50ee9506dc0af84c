"""Static representations of the widgets, for places that cannot run them.

nbconvert, GitHub and a terminal IPython ignore the widget view and take the
next thing in the output's MIME bundle: an HTML table or a PNG from here.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

#: Rows shown in a static run table.
STATIC_ROWS = 20


def with_static(bundle: Any, extra: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A widget's ``(data, metadata)`` bundle plus static MIME types; ``extra`` wins on ``text/plain``."""
    data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
    return {**data, **extra}, dict(metadata or {})


def html_table(frame: pd.DataFrame, caption: str) -> str:
    """A small, escaped HTML table of ``frame`` (datetimes to the second, floats to 4 digits)."""
    import pandas as pd

    shown = frame.head(STATIC_ROWS).copy()
    for name in shown.columns:
        column = shown[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            shown[name] = column.dt.strftime("%Y-%m-%d %H:%M:%S")
        elif pd.api.types.is_float_dtype(column):
            shown[name] = column.map(lambda v: "" if pd.isna(v) else f"{v:.4g}")
    body = shown.to_html(index=False, na_rep="", escape=True, border=0, classes="nbtrack-static")
    more = len(frame) - len(shown)
    note = f"<p><small>… {more} more</small></p>" if more > 0 else ""
    return f"<div><p><b>{html.escape(caption)}</b></p>{body}{note}</div>"


def text_table(frame: pd.DataFrame, caption: str) -> str:
    """A plain-text table for terminals."""
    shown = frame.head(STATIC_ROWS)
    text = shown.to_string(index=False, max_colwidth=30) if len(shown.columns) else ""
    return f"{caption}\n{text}".rstrip()
