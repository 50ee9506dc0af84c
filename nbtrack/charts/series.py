"""Metric series in Python: bucketed downsampling and TensorBoard's smoothing.

The store downsamples in SQL (:mod:`nbtrack.store.history`); :func:`downsample`
is the same rule for frames that are already in memory (a live buffer, a
history a user built), so every curve obeys one bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import ChartInputError

if TYPE_CHECKING:
    import pandas as pd

#: Default bound on the points of one series sent to a chart.
MAX_POINTS = 2000


def downsample(
    frame: pd.DataFrame,
    max_points: int = MAX_POINTS,
    *,
    x: str = "step",
    y: str = "value",
    by: Sequence[str] = ("run", "metric"),
) -> pd.DataFrame:
    """Keep at most ``max_points`` rows of each series (rows sharing ``by``).

    A longer series is cut into ``max_points // 4`` equal ranges of ``x``;
    each range keeps its first, last, lowest and highest point, so the
    series' first and last points, its extremes and its spikes survive.
    Returns the kept rows sorted by ``by`` then ``x``; rows without an x are
    dropped, NaN values are kept only as a range's first or last point.
    """
    import numpy as np

    if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < 4:
        raise ChartInputError(f"max_points must be an integer of at least 4, got {max_points!r}")
    keys = list(by)
    frame = frame[frame[x].notna()].sort_values([*keys, x], kind="stable", ignore_index=True)
    if frame.empty:
        return frame
    groups = (
        frame.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
        if keys
        else np.zeros(len(frame), dtype="int64")
    )
    sizes = np.bincount(groups)
    if sizes.max() <= max_points:
        return frame
    xs = frame[x].to_numpy(dtype="float64")
    buckets = max_points // 4
    lo = _per_group(np.minimum, groups, xs, len(sizes), np.inf)[groups]
    hi = _per_group(np.maximum, groups, xs, len(sizes), -np.inf)[groups]
    span = np.where(hi > lo, hi - lo, 1.0)
    bucket = np.clip(np.floor((xs - lo) * buckets / span), 0, buckets - 1).astype("int64")
    key = groups.astype("int64") * buckets + bucket
    keep = _bucket_extremes(key, frame[y].to_numpy(dtype="float64"))
    keep |= sizes[groups] <= max_points
    return frame[keep].reset_index(drop=True)


def _per_group(ufunc: Any, groups: Any, values: Any, count: int, initial: float) -> Any:
    import numpy as np

    out = np.full(count, initial)
    ufunc.at(out, groups, values)
    return out


def _bucket_extremes(key: Any, values: Any) -> Any:
    """Mask of each bucket's first, last, min and max row (``key`` is sorted); O(n), no sort."""
    import numpy as np

    n = len(key)
    keep = np.zeros(n, dtype=bool)
    change = np.flatnonzero(np.diff(key)) + 1
    starts = np.r_[0, change]
    keep[starts] = True
    keep[np.r_[change - 1, n - 1]] = True
    segment = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
    for ufunc, missing in ((np.minimum, np.inf), (np.maximum, -np.inf)):
        filled = np.where(np.isnan(values), missing, values)
        hits = np.flatnonzero(filled == ufunc.reduceat(filled, starts)[segment])
        firsts = np.r_[True, np.diff(segment[hits]) != 0]
        keep[hits[firsts]] = True
    return keep


def smooth(
    frame: pd.DataFrame, weight: float, *, y: str = "value", by: Sequence[str] = ("run", "metric")
) -> pd.Series:
    """TensorBoard's debiased exponential moving average of ``y`` within each series.

    ``weight`` in [0, 1): 0 returns the values unchanged, 0.99 is very
    smooth. The first point is not pulled towards zero (debiasing), and NaN
    or infinite points are skipped and stay NaN. ``frame`` must be sorted
    along x within each series.
    """
    import numpy as np

    check_smoothing(weight)
    values = frame[y].astype("float64")
    if weight == 0:
        return values
    clean = values.where(np.isfinite(values))
    # pandas' adjusted EWMA equals TensorBoard's debiased EMA: both divide by the weights' sum.
    smoothed = clean.groupby([frame[k] for k in by], sort=False, dropna=False).transform(
        lambda s: s.ewm(alpha=1.0 - weight, adjust=True, ignore_na=True).mean()
    )
    return smoothed.where(clean.notna())


def check_smoothing(weight: object) -> None:
    """Refuse a smoothing weight outside [0, 1)."""
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight < 1:
        raise ChartInputError(f"smoothing must be a number in [0, 1) such as 0.6, got {weight!r}")
