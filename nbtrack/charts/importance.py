"""Which params matter for a metric: rank correlation and random-forest importance.

Computed on demand over the runs given (the comparison's selection), as
W&B's parameter-importance panel does. scikit-learn is imported on first
use; without it the error says what to install.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._optional import require
from ..errors import ChartInputError, NotEnoughRunsError
from ._columns import numeric_values, resolve_column, short_name
from .diff import varying_columns

if TYPE_CHECKING:
    import pandas as pd

#: Fewer runs than this make correlations and forests meaningless.
MIN_RUNS = 3
#: Columns of the frame :func:`param_importance` returns.
IMPORTANCE_COLUMNS = ("param", "importance", "correlation", "kind", "runs")


def param_importance(
    runs: pd.DataFrame,
    metric: str,
    params: Sequence[str] | None = None,
    *,
    n_estimators: int = 200,
    random_state: int = 0,
) -> pd.DataFrame:
    """How much each param relates to ``metric`` across ``runs``.

    Returns one row per param that varies (``param``, ``importance``: the
    random forest's impurity importance, summing to 1; ``correlation``:
    Spearman's rank correlation with the metric, NaN for text params;
    ``kind``: ``"numeric"`` or ``"categorical"``; ``runs``: how many runs had
    the metric), most important first. Empty (same columns) when no param
    varies. Raises :class:`NotEnoughRunsError` below 3 runs with the metric.
    ``params`` defaults to every ``params.*`` column.
    """
    import numpy as np
    import pandas as pd

    metric_column = resolve_column(runs, metric, role="metric")
    target = numeric_values(runs[metric_column])
    if target is None:
        raise ChartInputError(f"{metric_column} is not numeric; importance needs a numeric metric")
    keep = np.isfinite(target.to_numpy())
    if keep.sum() < MIN_RUNS:
        raise NotEnoughRunsError(
            f"Parameter importance needs at least {MIN_RUNS} runs with {metric_column}; "
            f"got {int(keep.sum())}. Select more runs."
        )
    table, y = runs[keep].reset_index(drop=True), target[keep].reset_index(drop=True)
    columns = _param_columns(table, params)
    if not columns:
        return pd.DataFrame({name: [] for name in IMPORTANCE_COLUMNS})
    features, kinds = _features(table, columns)
    importance = _forest(features, y, n_estimators, random_state)
    correlation = [
        features[c].corr(y, method="spearman") if kinds[c] == "numeric" and y.nunique() > 1 else np.nan
        for c in columns
    ]
    result = pd.DataFrame(
        {
            "param": [short_name(c) for c in columns],
            "importance": importance,
            "correlation": correlation,
            "kind": [kinds[c] for c in columns],
            "runs": len(table),
        }
    )
    return result.sort_values("importance", ascending=False, kind="stable", ignore_index=True)


def _param_columns(table: pd.DataFrame, params: Sequence[str] | None) -> list[str]:
    if params is None:
        wanted = [c for c in table.columns if str(c).startswith("params.")]
    else:
        wanted = [
            resolve_column(table, p, role="param") for p in ([params] if isinstance(params, str) else params)
        ]
    return varying_columns(table, wanted)


def _features(table: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """Numeric params as numbers, text params as sorted category codes; missing stays NaN."""
    import pandas as pd

    features, kinds = {}, {}
    for column in columns:
        numbers = numeric_values(table[column])
        if numbers is not None:
            features[column], kinds[column] = numbers, "numeric"
        else:
            text = table[column].astype("string")
            codes = {v: float(i) for i, v in enumerate(sorted(text.dropna().unique()))}
            features[column], kinds[column] = text.map(codes).astype("float64"), "categorical"
    return pd.DataFrame(features), kinds


def _forest(features: pd.DataFrame, y: pd.Series, n_estimators: int, random_state: int) -> list[float]:
    import numpy as np

    if y.nunique() < 2:  # a constant metric: nothing to explain
        return [0.0] * features.shape[1]
    ensemble = require("sklearn.ensemble", "scikit-learn", purpose="Parameter importance")
    forest = ensemble.RandomForestRegressor(n_estimators=n_estimators, random_state=random_state, n_jobs=1)
    forest.fit(features.to_numpy(dtype="float64"), y.to_numpy())  # NaN is a value forests split on
    return np.asarray(forest.feature_importances_, dtype="float64").tolist()
