"""Charts out of the notebook: PNG/SVG with vl-convert, and specs split from their data.

vl-convert bundles Vega, Vega-Lite and a JavaScript engine, so images are
made offline with no browser; that is what static ``_repr_mimebundle_``
fallbacks (nbconvert, GitHub, a terminal IPython) and the tests use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._optional import require
from ..errors import ChartInputError

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
    before ``vegaEmbed``. Columns are made compact by :func:`compact_table`
    (about 18 bytes a curve point instead of about 130 as JSON).
    """
    import pyarrow as pa

    spec = dict(_spec(chart))
    datasets = spec.pop("datasets", {}) or {}
    spec["datasets"] = {name: [] for name in datasets}
    return spec, {
        name: arrow_ipc(compact_table(pa.Table.from_pylist(rows))) for name, rows in datasets.items()
    }


def compact_table(table: Any, *, float32: bool = True) -> Any:
    """Narrow a table's columns for the wire, without changing what a chart shows.

    Text becomes a dictionary with the narrowest index; integers become
    int32 when they fit, else float64 (Arrow's JavaScript reads 64-bit
    integers as BigInt, which Vega cannot use); a float column becomes
    float32 when float32's rounding is below 1e-5 of the column's range
    (invisible on any axis; tooltips show 6 digits) - metric values yes,
    epoch milliseconds no (``float32=False`` keeps every float64).
    """
    import pyarrow as pa

    for i, field in enumerate(table.schema):
        column = table.column(i)
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            table = table.set_column(i, field.name, dictionary_array(column.to_pylist()))
        elif pa.types.is_integer(field.type):
            table = table.set_column(i, field.name, column.cast(_int_type(column)))
        elif float32 and pa.types.is_float64(field.type) and _float32_is_enough(column):
            table = table.set_column(i, field.name, column.cast(pa.float32()))
    return table


def _int_type(column: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    bounds = pc.min_max(column).as_py()
    low, high = bounds["min"], bounds["max"]
    fits = low is None or (low >= -(2**31) and high < 2**31)
    return pa.int32() if fits else pa.float64()


def _float32_is_enough(column: Any) -> bool:
    import numpy as np

    values = column.to_numpy(zero_copy_only=False)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return True
    low, high = float(finite.min()), float(finite.max())
    if high == low:
        return float(np.float32(low)) == low
    scale = max(abs(low), abs(high))
    return scale <= 3.4e38 and scale * 2.0**-23 <= (high - low) * 1e-5


def dictionary_array(values: Any) -> Any:
    """Text as an Arrow dictionary array with the narrowest index (int8 up to 127 distinct values)."""
    import pandas as pd
    import pyarrow as pa

    array = pa.array(pd.Categorical(values))
    return array.cast(pa.dictionary(array.type.index_type, pa.string()))


def arrow_ipc(table: Any) -> bytes:
    """A pyarrow Table as Arrow IPC stream bytes (what ``tableFromIPC`` reads in JavaScript)."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


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
