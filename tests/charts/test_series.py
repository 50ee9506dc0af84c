"""Properties of downsampling and smoothing: bounds, extremes, first/last, TensorBoard's EMA."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nbtrack.charts import downsample, smooth
from nbtrack.errors import ChartInputError

values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@st.composite
def series(draw):
    """Several series of random length, random (possibly repeated, unsorted) steps and values."""
    frames = []
    for i in range(draw(st.integers(1, 3))):
        n = draw(st.integers(1, 1500))
        seed = draw(st.integers(0, 2**32 - 1))
        rng = np.random.default_rng(seed)
        kind = draw(st.sampled_from(["walk", "noise", "spiky", "flat"]))
        ys = {
            "walk": np.cumsum(rng.normal(size=n)),
            "noise": rng.normal(size=n),
            "spiky": np.where(rng.random(n) < 0.01, 1e6, rng.random(n)),
            "flat": np.full(n, draw(values)),
        }[kind]
        steps = rng.choice(np.arange(n * 3), size=n, replace=draw(st.booleans()))
        frames.append(pd.DataFrame({"run": f"r{i}", "metric": "m", "step": steps, "value": ys}))
    return pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=0)


@settings(max_examples=60, deadline=None)
@given(frame=series(), max_points=st.integers(4, 600))
def test_downsample_bounds_and_keeps_first_last_and_extremes(frame, max_points):
    kept = downsample(frame, max_points)
    for run, original in frame.groupby("run"):
        part = kept[kept["run"] == run]
        assert len(part) <= max_points
        if len(original) <= max_points:
            assert len(part) == len(original)
        assert part["step"].min() == original["step"].min()  # first kept
        assert part["step"].max() == original["step"].max()  # last kept
        assert part["value"].min() == original["value"].min()  # extremes kept
        assert part["value"].max() == original["value"].max()
        assert part["step"].is_monotonic_increasing
        pairs = set(zip(original["step"], original["value"], strict=True))
        assert set(zip(part["step"], part["value"], strict=True)) <= pairs  # nothing invented


def test_downsample_of_a_million_points_is_about_max_points():
    n = 1_000_000
    frame = pd.DataFrame(
        {"run": "a", "metric": "m", "step": np.arange(n), "value": np.random.default_rng(0).random(n)}
    )
    kept = downsample(frame, 2000)
    assert 1000 < len(kept) <= 2000


def test_downsample_leaves_nan_out_of_the_extremes_and_drops_rows_without_x():
    values = np.linspace(0, 1, 100)
    values[50] = np.nan
    frame = pd.DataFrame({"run": "a", "metric": "m", "step": np.arange(100.0), "value": values})
    frame.loc[3, "step"] = np.nan
    kept = downsample(frame, 8)
    assert kept["step"].notna().all()
    assert kept["value"].min() == 0 and kept["value"].max() == 1


def test_downsample_rejects_tiny_bounds():
    with pytest.raises(ChartInputError, match="at least 4"):
        downsample(pd.DataFrame({"run": [], "metric": [], "step": [], "value": []}), 2)


def tensorboard_ema(values: list[float], weight: float) -> list[float]:
    """TensorBoard's smoothing loop (vz_line_chart), the reference."""
    last, count, out = 0.0, 0, []
    for value in values:
        if not math.isfinite(value):
            out.append(math.nan)
            continue
        last = last * weight + (1 - weight) * value
        count += 1
        out.append(last / (1 - weight**count))
    return out


@settings(max_examples=60, deadline=None)
@given(
    ys=st.lists(st.one_of(values, st.just(math.nan), st.just(math.inf)), min_size=1, max_size=200),
    weight=st.floats(0.0, 0.99),
)
def test_smooth_matches_tensorboard(ys, weight):
    frame = pd.DataFrame({"run": "a", "metric": "m", "step": range(len(ys)), "value": ys})
    got = smooth(frame, weight).to_numpy()
    want = np.array(tensorboard_ema(ys, weight)) if weight else np.array(ys, dtype=float)
    if not weight:
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-6, equal_nan=True)


def test_smooth_is_per_series():
    frame = pd.DataFrame(
        {"run": ["a", "a", "b", "b"], "metric": "m", "step": [0, 1, 0, 1], "value": [0, 0, 10, 10]}
    )
    assert smooth(frame, 0.9).tolist() == [0, 0, 10, 10]
