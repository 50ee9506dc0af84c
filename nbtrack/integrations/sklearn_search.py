"""Parameter searches (GridSearchCV, RandomizedSearchCV, Halving*): best result, a child per candidate."""

from __future__ import annotations

import numbers
from typing import Any

from ._artifacts import parquet_bytes
from ._runs import AutologRun


def is_search(estimator: Any) -> bool:
    """True for a fitted or unfitted parameter search (it has a seed ``estimator`` and scoring)."""
    from sklearn.model_selection._search import BaseSearchCV

    return isinstance(estimator, BaseSearchCV)


def log_search(run: AutologRun, search: Any, estimator_tags: dict[str, str]) -> None:
    """Best params/score on the search's run, ``cv_results.parquet``, child runs for the top candidates."""
    if hasattr(search, "best_params_"):
        run.params({f"best_{k}": v for k, v in search.best_params_.items()})
    if hasattr(search, "best_score_"):
        run.metrics({"best_cv_score": search.best_score_})
    if not hasattr(search, "cv_results_"):
        return
    import pandas as pd

    results = pd.DataFrame(search.cv_results_)
    with run.safe("the cv_results_ table"):
        table = results.copy()
        for column in [c for c in table.columns if pd.api.types.is_object_dtype(table[c].dtype)]:
            table[column] = table[column].map(lambda v: None if v is None or v is pd.NA else str(v))
        run.artifact("cv_results.parquet", parquet_bytes(table))
    with run.safe("the parameter search's child runs"):
        _log_candidates(run, search, results, estimator_tags)


def _log_candidates(run: AutologRun, search: Any, results: Any, estimator_tags: dict[str, str]) -> None:
    rank = "rank_test_score" if "rank_test_score" in results else _first_rank_column(results)
    limit = run.config.max_tuning_runs
    chosen = results if limit is None or rank is None else results.nsmallest(limit, rank)
    run.tags({"nbtrack.tuning_runs": f"{len(chosen)} of {len(results)}"})
    seed = search.estimator
    base = seed.get_params(deep=not is_search(seed))
    name = type(seed).__name__
    for index, row in chosen.iterrows():
        params = {**base, **row.get("params", {})}
        metrics = {
            key: value
            for key, value in row.items()
            if not str(key).startswith(("param", "split")) and isinstance(value, numbers.Number)
        }
        run.child(f"{name} #{index}", params, metrics, **{"nbtrack.candidate": index, **estimator_tags})


def _first_rank_column(results: Any) -> str | None:
    return next((c for c in results.columns if str(c).startswith("rank_test_")), None)
