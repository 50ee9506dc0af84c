"""Assemble a comparison of runs from the store: the data behind every compare view.

:func:`resolve_run_ids` turns what a user typed (ids, ``table.selected``,
``last=5``, ``experiment="churn"``) into run ids; :func:`compare_data` loads
their run table, the param diff and their metric histories, downsampled in
SQL to at most ``max_points`` per series (first/last/min/max of each bucket
kept, see :mod:`nbtrack.store.history`). Charts come from
:mod:`nbtrack.charts`; what crosses to JavaScript is encoded by
:mod:`nbtrack.wire`. Nothing here imports Altair or widgets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .charts._columns import resolve_column, run_labels
from .charts.curves import CURVE_X
from .charts.diff import param_diff
from .charts.series import MAX_POINTS
from .errors import (
    ChartInputError,
    ColumnNotFoundError,
    InvalidValueError,
    NotEnoughRunsError,
    RunNotFoundError,
)
from .tracking import validation
from .wire import epoch_ms

if TYPE_CHECKING:
    import pandas as pd

    from .store.base import Store

#: Runs compared when nothing is selected: the most recent of the active experiment.
DEFAULT_LAST = 5
#: Most runs a selection by experiment or filter takes (newest first).
MAX_COMPARE_RUNS = 1000
#: Curves are loaded for at most this many runs (the first ones given); more is unreadable.
MAX_CURVE_RUNS = 50
#: Bound on history points over all series, so a payload stays near 1 MB whatever is selected.
MAX_TOTAL_POINTS = 50_000
#: Columns of :attr:`CompareData.history`.
HISTORY_COLUMNS = ("run_id", "run", "metric", "step", "wall_time", "relative_time", "value")


@dataclass(frozen=True)
class CompareData:
    """Everything a comparison view shows, for one selection of runs.

    ``runs``: the run table in ``run_ids`` order, with a ``run`` label column
    first (the labels the charts and ``diff`` use). ``diff``: what differs
    (:func:`nbtrack.charts.param_diff`). ``history``: long frame of
    :data:`HISTORY_COLUMNS` for ``metrics`` (``wall_time`` UTC datetimes,
    ``relative_time`` seconds since the run started). ``max_points``: the
    largest per-series bound applied; ``stored_points``: how many points
    those series hold in the store. ``scatter``: resolved ``x``/``y``/``color``
    run columns when the caller named any.
    """

    run_ids: tuple[str, ...]
    runs: pd.DataFrame
    diff: pd.DataFrame
    history: pd.DataFrame
    metrics: tuple[str, ...]
    x: str = "step"
    max_points: int = MAX_POINTS
    stored_points: int = 0
    scatter: Mapping[str, str | None] = field(default_factory=dict)


def compare_data(
    run_ids: Sequence[str] | str,
    metrics: Sequence[str] | str | None = None,
    x: str = "step",
    max_points: int = MAX_POINTS,
    *,
    max_total_points: int = MAX_TOTAL_POINTS,
    store: Store | None = None,
) -> CompareData:
    """Load a comparison of ``run_ids`` from ``store`` (default: the session's, after sealing its writes).

    Parameters
    ----------
    run_ids
        Run ids (deleted runs included: they were asked for by id).
    metrics
        Metric keys to load histories for (``"loss"`` or ``"metrics.loss"``);
        None: every metric of these runs; ``[]``: none (tables only).
    x
        The curves' x axis (``"step"``, ``"wall_time"``, ``"relative_time"``).
    max_points
        At most this many points per series (at least 4), lowered so that all
        series together stay within ``max_total_points``.
    store
        The store to read (the Jupyter server passes its own); None: the
        Session's reader, so this process's own writes are seen.
    """
    ids = _check_ids(run_ids)
    _check_options(x, max_points, max_total_points)
    if store is None:
        from .tracking.session import get_session

        store = get_session().reader()
    runs = _run_table(store, ids)
    keys = _metric_keys(store, ids, metrics)
    series = _series(store, ids[:MAX_CURVE_RUNS], keys)
    caps = _point_caps(series, max_points, max_total_points)
    history, stored = _histories(store, caps, runs)
    return CompareData(
        run_ids=tuple(ids),
        runs=runs,
        diff=param_diff(runs),
        history=history,
        metrics=tuple(keys),
        x=x,
        max_points=max(caps.values(), default=max_points),
        stored_points=stored,
    )


def prepare_compare(
    runs: Any = None,
    *,
    last: int | None = None,
    experiment: str | Sequence[str] | None = None,
    filter: str | None = None,
    metrics: Sequence[str] | str | None = None,
    x: str | None = None,
    y: str | None = None,
    color: str | None = None,
    max_points: int = MAX_POINTS,
    store: Store | None = None,
) -> CompareData:
    """Everything ``nbtrack.compare(...)`` accepts, resolved and loaded.

    ``x`` is the curves' axis when it is one of :data:`CURVE_X`, else the
    scatter's x column (``compare(experiment="churn", x="params.max_depth",
    y="metrics.accuracy", color="params.model")``); ``y``/``color`` are
    scatter columns. Unknown columns raise :class:`ColumnNotFoundError`.
    ``store``: read from it instead of the Session's reader (a selection by
    ``last``/``experiment``/``filter`` is still resolved through ``nbtrack.runs``).
    """
    run_ids = resolve_run_ids(runs, last=last, experiment=experiment, filter=filter)
    curve_x = x if x is None or x in CURVE_X else None
    data = compare_data(run_ids, metrics, curve_x or "step", max_points, store=store)
    scatter = resolve_columns(data.runs, x=None if curve_x or x is None else x, y=y, color=color)
    return replace(data, scatter=scatter)


def resolve_run_ids(
    runs: Any = None,
    *,
    last: int | None = None,
    experiment: str | Sequence[str] | None = None,
    filter: str | None = None,
) -> list[str]:
    """Run ids from what a user passes to ``compare``.

    ``runs``: one id, a list of ids, run objects (``.run_id`` or
    ``.info.run_id``), a run table or ``table.selected`` (its ``run_id``
    column), or a Series of ids. Or select: ``last=N`` most recent runs,
    ``experiment=`` (name or id; default the active one), ``filter=`` (the
    filter grammar); with nothing at all, the :data:`DEFAULT_LAST` most recent.
    """
    if runs is not None:
        if last is not None or experiment is not None or filter is not None:
            raise InvalidValueError(
                "Pass either runs to compare or a selection (last=, experiment=, filter=), not both"
            )
        return _ids_from(runs)
    if last is not None:
        validation.check_int(last, "last", minimum=1)
    if last is None and experiment is None and filter is None:
        last = DEFAULT_LAST
    from .api import runs as search

    table = search(experiment=experiment, filter=filter, max_results=last or MAX_COMPARE_RUNS)
    if table.empty:
        where = f" in experiment {experiment!r}" if experiment is not None else ""
        raise NotEnoughRunsError(
            f"No runs to compare{where}{f' match {filter!r}' if filter else ''}: "
            "log some runs, or widen the filter"
        )
    return [str(v) for v in table["run_id"]]


def resolve_columns(runs: pd.DataFrame, **columns: str | None) -> dict[str, str | None]:
    """Each named column resolved against the run table (``"max_depth"`` -> ``"params.max_depth"``)."""
    return {
        role: None if name is None else resolve_column(runs, name, role=role)
        for role, name in columns.items()
    }


# -- checks ------------------------------------------------------------------------------


def _check_ids(run_ids: Any) -> list[str]:
    ids = [run_ids] if isinstance(run_ids, str) else run_ids
    try:
        ids = list(ids)
    except TypeError:
        raise InvalidValueError(
            f"run_ids must be a run id or a list of run ids, got {type(run_ids).__name__}"
        ) from None
    if not ids:
        raise NotEnoughRunsError("Nothing to compare: pass at least one run id (nbtrack.runs() lists them)")
    return list(dict.fromkeys(validation.check_run_id(v, "run id") for v in ids))


def _check_options(x: Any, max_points: Any, max_total_points: Any) -> None:
    if x not in CURVE_X:
        raise ChartInputError(f"x must be one of {', '.join(CURVE_X)}, got {x!r}")
    validation.check_int(max_points, "max_points", minimum=4)
    validation.check_int(max_total_points, "max_total_points", minimum=4)


def _ids_from(runs: Any) -> list[str]:
    import pandas as pd

    if isinstance(runs, pd.DataFrame):
        if "run_id" not in runs.columns:
            raise ColumnNotFoundError(
                "That table has no run_id column; pass nbtrack.runs(...) or table.selected"
            )
        return _check_ids(runs["run_id"].tolist())
    if isinstance(runs, (str, pd.Series, pd.Index)):
        return _check_ids(runs if isinstance(runs, str) else runs.tolist())
    try:
        items = list(runs)
    except TypeError:
        items = [runs]
    return _check_ids([_id_of(item) for item in items])


def _id_of(item: Any) -> Any:
    if isinstance(item, str):
        return item
    for holder in (item, getattr(item, "info", None)):
        run_id = getattr(holder, "run_id", None)
        if isinstance(run_id, str):
            return run_id
    raise InvalidValueError(f"Cannot tell which run {item!r:.60} is: pass run ids or run objects")


# -- loading -----------------------------------------------------------------------------


def _run_table(store: Store, ids: list[str]) -> pd.DataFrame:
    from .store.base import RunQuery

    found = store.search_runs(RunQuery(run_ids=tuple(ids), include_deleted=True, max_results=len(ids)))
    missing = [i for i in ids if i not in set(found["run_id"])]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise RunNotFoundError(
            f"No run {shown} in the store at {store.uri}; check the ids (nbtrack.runs() lists them)"
        )
    runs = found.set_index("run_id", drop=False).loc[ids].reset_index(drop=True)
    runs.insert(0, "run", run_labels(runs))
    return runs


def _metric_keys(store: Store, ids: list[str], metrics: Any) -> list[str]:
    present = store.metric_keys(ids)
    if metrics is None:
        return present
    wanted = [metrics] if isinstance(metrics, str) else list(metrics)
    keys = [m.removeprefix("metrics.") if isinstance(m, str) else m for m in wanted]
    unknown = [k for k in keys if k not in present]
    if unknown:
        raise ColumnNotFoundError(
            f"No metric {', '.join(map(repr, unknown))} in these runs; "
            f"they have {', '.join(present) or 'none'}"
        )
    return list(dict.fromkeys(keys))


def _series(store: Store, ids: list[str], keys: list[str]) -> dict[tuple[str, str], int]:
    """Stored point count of each (run, metric) series that exists, in run then key order."""
    counts = store.series_counts(ids, keys)
    return {(r, k): counts[(r, k)] for r in ids for k in keys if (r, k) in counts}


def _point_caps(
    series: dict[tuple[str, str], int], max_points: int, budget: int
) -> dict[tuple[str, str], int]:
    """Per-series point caps within ``budget``: short series keep all, long ones share the rest.

    Water-filling: a one-point ``accuracy`` series costs one point of the
    budget, not an equal share of it.
    """
    caps: dict[tuple[str, str], int] = {}
    left, remaining = budget, len(series)
    for key, count in sorted(series.items(), key=lambda item: item[1]):
        share = max(4, min(max_points, left // remaining))
        caps[key] = share
        left -= min(count, share)
        remaining -= 1
    return {key: caps[key] for key in series}


def _histories(
    store: Store, caps: dict[tuple[str, str], int], runs: pd.DataFrame
) -> tuple[pd.DataFrame, int]:
    import pandas as pd

    labels = dict(zip(runs["run_id"], runs["run"], strict=True))
    starts = dict(zip(runs["run_id"], runs["start_time"], strict=True))
    frames, stored = [], 0
    for (run_id, key), cap in caps.items():
        table, total = store.metric_history(run_id, key, cap)
        stored += total
        frame = table.to_pandas()
        frame.insert(0, "metric", key)
        frame.insert(0, "run", labels[run_id])
        frame.insert(0, "run_id", run_id)
        frame["start_ms"] = _epoch_ms(starts[run_id])
        frames.append(frame)
    if not frames:
        return _empty_history(), stored
    history = pd.concat(frames, ignore_index=True)
    ts = history.pop("ts")
    start = history.pop("start_ms").fillna(ts.groupby(history["run_id"]).transform("min"))
    history["wall_time"] = pd.to_datetime(ts, unit="ms", utc=True)
    history["relative_time"] = (ts - start) / 1000.0
    return history[list(HISTORY_COLUMNS)], stored


def _epoch_ms(stamp: Any) -> float:
    ms = epoch_ms(stamp)
    return float("nan") if ms is None else float(ms)


def _empty_history() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {
            "run_id": pd.Series(dtype=object),
            "run": pd.Series(dtype=object),
            "metric": pd.Series(dtype=object),
            "step": pd.Series(dtype="int64"),
            "wall_time": pd.Series(dtype="datetime64[ms, UTC]"),
            "relative_time": pd.Series(dtype="float64"),
            "value": pd.Series(dtype="float64"),
        }
    )
