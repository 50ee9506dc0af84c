"""nbtrack.wire (what crosses to JavaScript) and nbtrack._format (durations as the TypeScript writes them)."""

from __future__ import annotations

import json
import math
import random
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import nbtrack
from nbtrack import wire
from nbtrack._format import format_duration
from nbtrack.charts import param_diff

from .test_typescript import LABEXTENSION, _missing

DURATIONS = LABEXTENSION / "test" / "durations.json"


# -- durations -------------------------------------------------------------------------------


def test_durations_match_the_typescript_table():
    cases = json.loads(DURATIONS.read_text())["cases"]
    assert len(cases) > 20
    assert [format_duration(seconds) for seconds, _ in cases] == [text for _, text in cases]


@pytest.mark.parametrize("missing", [None, math.nan, math.inf, -math.inf, True, pd.NA, "12"])
def test_a_missing_duration_is_empty(missing):
    assert format_duration(missing) == ""


def test_durations_match_the_typescript_on_random_values(tmp_path: Path):
    """Run shared/format.ts's formatDuration in node on 3,000 values, boundaries included."""
    esbuild = LABEXTENSION / "node_modules" / ".bin" / "esbuild"
    node = shutil.which("node")
    if node is None or not esbuild.exists():
        _missing("node or labextension/node_modules is missing")
    rng = random.Random(13)
    values = [rng.uniform(0, 10) ** rng.uniform(0, 6) for _ in range(2000)]
    edges = [b + d for b in (0.0005, 0.9995, 59.95, 3599.5, 7199.5) for d in (-1e-9, 0.0, 1e-9)]
    values += edges + [
        rng.choice([-1, 1]) * round(rng.uniform(0, 8000), rng.randint(0, 4)) for _ in range(994)
    ]
    bundle = tmp_path / "format.mjs"
    subprocess.run(
        [str(esbuild), str(LABEXTENSION / "shared" / "format.ts"), "--bundle", "--format=esm",
         "--platform=node", f"--outfile={bundle}", "--log-level=warning"],
        check=True, timeout=120,
    )  # fmt: skip
    script = (
        f"import {{ formatDuration }} from {json.dumps(bundle.as_uri())};"
        "const values = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(values.map((v) => formatDuration(v))));"
    ).replace("require('fs')", "(await import('node:fs'))")
    done = subprocess.run(
        [node, "--input-type=module", "-e", script],
        input=json.dumps(values), capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    typescript = json.loads(done.stdout)
    python = [format_duration(v) for v in values]
    differ = [(v, t, p) for v, t, p in zip(values, typescript, python, strict=True) if t != p]
    assert differ == []


# -- JSON values -----------------------------------------------------------------------------


def test_json_numbers_times_and_text():
    assert [wire.number(v) for v in (None, 3, 2.5, math.nan, math.inf, -math.inf, True)] == [
        None, 3, 2.5, "NaN", "Infinity", "-Infinity", 1.0,
    ]  # fmt: skip
    naive = pd.Timestamp("2026-12-06 21:14:33.250")
    assert wire.epoch_ms(naive) == wire.epoch_ms(naive.tz_localize("UTC")) == 1_796_591_673_250
    assert wire.epoch_ms(naive.tz_localize("UTC").tz_convert("Asia/Tokyo")) == 1_796_591_673_250
    assert [wire.epoch_ms(v) for v in (None, pd.NaT, np.datetime64("NaT"))] == [None, None, None]
    assert [wire.text(v) for v in (None, pd.NA, math.nan, "x", 3)] == [None, None, None, "x", "3"]
    json.dumps([wire.number(math.nan), wire.epoch_ms(naive)], allow_nan=False)  # valid JSON


def test_the_scalar_and_the_column_times_agree():
    stamps = pd.Series(pd.to_datetime(["2026-01-01 00:00:00.001", None, "1969-12-31 23:59:59.000"]))
    for column in (stamps, stamps.dt.tz_localize("UTC"), stamps.dt.tz_localize("Europe/Paris")):
        ms = wire.epoch_ms_column(column).tolist()
        scalar = [wire.epoch_ms(v) for v in column]
        assert [None if math.isnan(m) else m for m in ms] == scalar
        assert wire.epoch_ms_column(column).dtype == np.float64


def test_chart_rows_have_null_for_non_finite_and_ms_for_times():
    frame = pd.DataFrame(
        {
            "value": [1.5, math.nan, math.inf],
            "t": pd.to_datetime(["1970-01-01 00:00:01"] * 3),
            "s": ["a", None, "c"],
        }
    )
    assert wire.json_records(frame) == [
        {"value": 1.5, "t": 1000.0, "s": "a"},
        {"value": None, "t": 1000.0, "s": None},
        {"value": None, "t": 1000.0, "s": "c"},
    ]


def test_param_diff_has_null_where_a_run_lacks_the_field():
    runs = pd.DataFrame(
        {
            "run_name": ["a", "b"],
            "params.lr": ["0.1", "0.2"],
            "params.depth": ["3", None],
            "tags.t": ["x"] * 2,
        },
    )
    encoded = wire.diff_json(param_diff(runs))
    assert encoded == {
        "fields": ["params.lr", "params.depth"],
        "runs": ["a", "b"],
        "values": [["0.1", "0.2"], ["3", None]],
    }
    json.dumps(encoded, allow_nan=False)


def test_the_widget_sends_the_diff_the_sidebar_reads(recorded_comms):
    with nbtrack.start_run(run_name="r0"):
        nbtrack.log_params({"lr": 0.1, "depth": 3})
    with nbtrack.start_run(run_name="r1"):
        nbtrack.log_params({"lr": 0.2})
    widget = nbtrack.compare(last=2)
    assert set(widget.diff) == {"fields", "runs", "values"}
    by_field = dict(zip(widget.diff["fields"], widget.diff["values"], strict=True))
    assert sorted(by_field["params.depth"], key=str) == ["3", None]


# -- Arrow -----------------------------------------------------------------------------------


def _wide_integers(table: pa.Table) -> list[str]:
    return [f.name for f in table.schema if pa.types.is_integer(f.type) and f.type.bit_width == 64]


def test_compact_table_never_sends_64_bit_integers():
    table = pa.table(
        {
            "small": pa.array([1, 2, 3], pa.int64()),
            "big": pa.array([1, 2, 2**40], pa.int64()),
            "flat": pa.array([0.1, 0.1, 0.1]),
            "fine": pa.array([1.0, 1.0 + 1e-9, 1.0 + 2e-9]),
            "text": pa.array(["a", None, "a"]),
        }
    )
    compact = wire.compact_table(table)
    assert _wide_integers(compact) == []
    assert compact.schema.field("small").type == pa.int32()
    assert compact.schema.field("big").type == pa.float64()
    assert compact.column("big").to_pylist() == [1.0, 2.0, 2.0**40]
    assert compact.schema.field("flat").type == pa.float64()  # 0.1 is not exact in float32
    assert compact.schema.field("fine").type == pa.float64()  # float32 would flatten it
    assert pa.types.is_dictionary(compact.schema.field("text").type)
    assert compact.column("text").to_pylist() == ["a", None, "a"]
    assert wire.compact_table(table, float32=False).schema.field("fine").type == pa.float64()


def test_a_run_table_page_is_javascript_safe_and_reads_back():
    n = 40
    frame = pd.DataFrame(
        {
            "run_id": [f"id-{i}" for i in range(n)],
            "status": ["FINISHED", "FAILED"] * (n // 2),
            "note": ["x" * 500] + ["short"] * (n - 1),
            "steps": np.arange(n, dtype="int64") + 2**40,
            "ok": [True, False] * (n // 2),
            "start_time": pd.date_range("2026-01-01", periods=n, freq="s", tz="UTC"),
        }
    )
    page = wire.read_ipc(wire.page_ipc(frame))
    assert _wide_integers(page) == [] and not any(pa.types.is_timestamp(f.type) for f in page.schema)
    assert page.schema.field("steps").type == pa.float64()
    assert page.column("steps").to_pylist()[0] == 2.0**40
    assert page.schema.field("start_time").type == pa.float64()
    assert page.column("start_time").to_pylist()[1] == wire.epoch_ms(frame["start_time"][1])
    assert page.schema.field("ok").type == pa.bool_()
    assert pa.types.is_dictionary(page.schema.field("status").type)  # 2 values in 40 rows
    assert not pa.types.is_dictionary(page.schema.field("run_id").type)  # all distinct
    assert len(page.column("note").to_pylist()[0]) == wire.MAX_TEXT


@pytest.mark.parametrize("where", ["nbtrack.capture.card:duration", "nbtrack.cli:_duration"])
def test_the_run_card_and_the_cli_write_durations_the_same_way(where):
    import importlib

    module, name = where.split(":")
    duration = getattr(importlib.import_module(module), name)
    shown = [duration(s) for s in (0.25, 59.96, 65.5, 3725)]
    assert shown == ["250 ms", "1 min 00 s", "1 min 06 s", "1 h 02 min"]
    assert duration(None) == duration(math.nan) == "—"
