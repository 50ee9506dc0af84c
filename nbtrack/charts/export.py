"""Charts out of the notebook: PNG/SVG with vl-convert, and specs split from their data.

The rows' Arrow encoding is :mod:`nbtrack.wire`'s, shared with the run table and the sidebar.

vl-convert bundles Vega, Vega-Lite and a JavaScript engine, so images are
made offline with no browser; that is what static ``_repr_mimebundle_``
fallbacks (nbconvert, GitHub, a terminal IPython) and the tests use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._optional import require
from ..errors import ChartInputError
from ..wire import arrow_ipc, compact_table

if TYPE_CHECKING:
    import altair as alt


def to_png(chart: alt.TopLevelMixin | dict[str, Any], *, scale: float = 2.0) -> bytes:
    """The chart as PNG bytes (``scale=2`` for sharp images on high-DPI screens)."""
    return _vlc().vegalite_to_png(_spec(chart), vl_version=_vl_version(), scale=scale)


def to_svg(chart: alt.TopLevelMixin | dict[str, Any]) -> str:
    """The chart as an SVG document."""
    return _vlc().vegalite_to_svg(_spec(chart), vl_version=_vl_version())


def to_scenegraph(chart: alt.TopLevelMixin | dict[str, Any]) -> dict[str, Any]:
    """Vega's scenegraph of the rendered chart: every mark and item, for counting what was drawn."""
    return _vlc().vegalite_to_scenegraph(_spec(chart), vl_version=_vl_version())


def mimebundle(chart: alt.TopLevelMixin, *, png: bool = True) -> dict[str, Any]:
    """A static representation: ``image/png`` (when vl-convert works) and a ``text/plain`` line."""
    spec = _spec(chart)
    bundle: dict[str, Any] = {"text/plain": f"<nbtrack chart: {_describe(spec)}>"}
    if png:
        bundle["image/png"] = to_png(spec)
    return bundle


def split_datasets(chart: alt.TopLevelMixin | dict[str, Any]) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The spec without its rows, and each named dataset as compact Arrow IPC stream bytes.

    For a widget: send the small spec as JSON and the datasets as binary
    buffers; in JavaScript put each back with
    ``spec.datasets[name] = tableFromIPC(bytes).toArray().map((r) => r.toJSON())``
    before ``vegaEmbed``. Columns are made compact by
    :func:`nbtrack.wire.compact_table` (about 18 bytes a curve point instead
    of about 130 as JSON).
    """
    import pyarrow as pa

    spec = dict(_spec(chart))
    datasets = spec.pop("datasets", {}) or {}
    spec["datasets"] = {name: [] for name in datasets}
    return spec, {
        name: arrow_ipc(compact_table(pa.Table.from_pylist(rows))) for name, rows in datasets.items()
    }


def _spec(chart: Any) -> dict[str, Any]:
    if isinstance(chart, dict):
        return chart
    to_dict = getattr(chart, "to_dict", None)
    if to_dict is None:
        raise ChartInputError(
            f"Expected an Altair chart or a Vega-Lite spec dict, got {type(chart).__name__}"
        )
    return to_dict()


def _describe(spec: dict[str, Any]) -> str:
    rows = sum(len(v) for v in (spec.get("datasets") or {}).values())
    kinds = ("layer", "facet", "hconcat", "vconcat", "concat", "mark")
    kind = next((k for k in kinds if k in spec), "chart")
    return f"{kind}, {rows} rows"


def _vlc() -> Any:
    return require("vl_convert", "vl-convert-python", purpose="Saving charts as PNG or SVG")


def _vl_version() -> str:
    from altair import SCHEMA_VERSION

    return "_".join(SCHEMA_VERSION.split(".")[:2])  # "v6.4.1" -> "v6_4", vl-convert's spelling
