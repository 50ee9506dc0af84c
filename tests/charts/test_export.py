"""PNG/SVG export with vl-convert, static bundles, and specs split from their rows."""

from __future__ import annotations

import pyarrow as pa
import pytest

from nbtrack.charts import (
    curves_chart,
    mimebundle,
    scatter_chart,
    split_datasets,
    to_png,
    to_svg,
)
from nbtrack.errors import ChartInputError

from ._helpers import PNG_MAGIC, history, rows, runs_table


def test_png_and_svg_render_offline():
    chart = scatter_chart(runs_table(7), "max_depth", "accuracy")
    assert to_png(chart).startswith(PNG_MAGIC)
    assert len(to_png(chart, scale=2.0)) > len(to_png(chart, scale=1.0))
    svg = to_svg(chart)
    assert svg.startswith("<svg") and svg.count('class="mark-symbol') == 1
    assert svg.count("<path") >= 7  # one path per run's circle, plus axes


def test_mimebundle_is_a_static_fallback():
    bundle = mimebundle(curves_chart(history(runs=2, steps=10)))
    assert bundle["image/png"].startswith(PNG_MAGIC)
    assert bundle["text/plain"] == "<nbtrack chart: layer, 20 rows>"
    assert "image/png" not in mimebundle(curves_chart(history(runs=1)), png=False)


def test_split_datasets_moves_rows_into_compact_arrow():
    chart = curves_chart(history(runs=3, steps=100), smoothing=0.5, x="wall_time")
    full = chart.to_dict()
    spec, datasets = split_datasets(chart)
    assert set(spec["datasets"]) == set(datasets) and all(v == [] for v in spec["datasets"].values())
    (name,) = datasets
    table = pa.ipc.open_stream(datasets[name]).read_all()
    assert table.num_rows == 300
    types = {field.name: field.type for field in table.schema}
    assert types["run"] == pa.dictionary(pa.int8(), pa.string())
    assert types["step"] == pa.int32()
    assert types["value"] == types["smoothed"] == pa.float32()
    assert types["wall_time"] == pa.float64()  # epoch ms would lose seconds in float32
    for got, want in zip(table.to_pylist(), rows(full), strict=True):
        assert (
            got["run"] == want["run"]
            and got["step"] == want["step"]
            and got["wall_time"] == want["wall_time"]
        )
        assert got["value"] == pytest.approx(want["value"], rel=1e-6)
    assert sum(map(len, datasets.values())) < len(str(full["datasets"])) / 4


def test_not_a_chart():
    with pytest.raises(ChartInputError, match="Expected an Altair chart"):
        to_png(object())
