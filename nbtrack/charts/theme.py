"""One chart theme that reads on JupyterLab's light and dark backgrounds.

``dark=None`` (the default) draws on a transparent background with mid-grey
text and faint grid lines, readable on white and on near-black alike; the
widget passes ``dark=True``/``False`` when it knows the JupyterLab theme, and
an exported PNG then gets a matching opaque background.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import altair as alt

#: Categorical colours (runs, models): Tableau 10 stays distinct on both backgrounds.
CATEGORY_SCHEME: Literal["tableau10"] = "tableau10"
#: Sequential colours (a metric): viridis, without its darkest eighth, which vanishes on a dark
#: background; still readable on white and in greyscale.
SEQUENTIAL_SCHEME: dict[str, Any] = {"name": "viridis", "extent": [0.12, 1.0]}

_INKS = {
    None: {"background": "transparent", "text": "#8a8a8a", "grid": "rgba(138,138,138,0.25)"},
    False: {"background": "white", "text": "#3a3a3a", "grid": "#e6e6e6"},
    True: {"background": "#1e1e1e", "text": "#d0d0d0", "grid": "#3c3c3c"},
}


def theme_config(dark: bool | None = None) -> dict[str, Any]:
    """The Vega-Lite ``config`` of nbtrack's charts (``dark``: None, False or True)."""
    if dark not in _INKS:
        from ..errors import ChartInputError

        raise ChartInputError(f"dark must be None (either theme), True or False, got {dark!r}")
    ink = _INKS[dark]
    text, grid = ink["text"], ink["grid"]
    axis = {
        "labelColor": text,
        "titleColor": text,
        "domainColor": text,
        "tickColor": text,
        "gridColor": grid,
        "labelFontSize": 11,
        "titleFontSize": 12,
        "titleFontWeight": "normal",
    }
    return {
        "background": ink["background"],
        "font": "sans-serif",
        "axis": axis,
        "legend": {"labelColor": text, "titleColor": text, "labelLimit": 220},
        "header": {"labelColor": text, "titleColor": text, "labelFontSize": 12},
        "title": {"color": text, "fontSize": 13, "fontWeight": "normal"},
        "text": {"color": text},
        "view": {"stroke": None},
        "range": {"category": {"scheme": CATEGORY_SCHEME}},
    }


def themed(chart: alt.TopLevelMixin, dark: bool | None = None) -> Any:
    """A copy of ``chart`` with nbtrack's theme as its top-level config."""
    return chart.configure(**theme_config(dark))


def ink(dark: bool | None = None) -> str:
    """The text colour of a theme, for marks that draw text themselves."""
    theme_config(dark)  # validates dark
    return _INKS[dark]["text"]
