"""param_importance and importance_chart: which params move the metric."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from nbtrack._optional import MissingDependencyError
from nbtrack.charts import importance_chart, param_importance
from nbtrack.charts.importance import IMPORTANCE_COLUMNS
from nbtrack.errors import ChartInputError, NotEnoughRunsError

from ._helpers import drawn, png, runs_table


def driven_runs(n: int = 40) -> pd.DataFrame:
    """accuracy falls with lr, is untouched by noise, and optimizer=sgd costs a little."""
    rng = np.random.default_rng(3)
    lr = rng.uniform(0, 1, n)
    noise = rng.uniform(0, 1, n)
    optimizer = np.array(["adam", "sgd"])[rng.integers(0, 2, n)]
    accuracy = 1 - lr - 0.05 * (optimizer == "sgd") + rng.normal(0, 0.01, n)
    return pd.DataFrame(
        {
            "run_id": [f"{i:032x}" for i in range(n)],
            "params.lr": lr.astype(str),
            "params.noise": noise.astype(str),
            "params.optimizer": optimizer,
            "params.seed": "0",
            "metrics.accuracy": accuracy,
        }
    )


def test_the_param_that_drives_the_metric_ranks_first():
    result = param_importance(driven_runs(), "accuracy")
    assert list(result.columns) == list(IMPORTANCE_COLUMNS)
    assert result["param"].tolist()[0] == "lr"
    assert set(result["param"]) == {"lr", "noise", "optimizer"}  # seed never varies
    lr = result.set_index("param").loc["lr"]
    assert lr["correlation"] < -0.9 and lr["kind"] == "numeric" and lr["runs"] == 40
    assert result["importance"].sum() == pytest.approx(1.0)
    optimizer = result.set_index("param").loc["optimizer"]
    assert optimizer["kind"] == "categorical" and np.isnan(optimizer["correlation"])


def test_deterministic_for_a_seed():
    a, b = param_importance(driven_runs(), "accuracy"), param_importance(driven_runs(), "accuracy")
    pd.testing.assert_frame_equal(a, b)


def test_nothing_varies_gives_an_empty_frame_and_a_note_chart():
    runs = runs_table(5).assign(**{"params.lr": "1", "params.max_depth": "2", "params.model": "a"})
    result = param_importance(runs, "accuracy")
    assert result.empty and list(result.columns) == list(IMPORTANCE_COLUMNS)
    chart = importance_chart(result)
    assert chart.to_dict()["mark"]["type"] == "text"
    assert drawn(chart)["text"] == 1


def test_chart_has_a_bar_per_param_in_both_panels():
    result = param_importance(driven_runs(), "accuracy", params=["lr", "noise", "optimizer"])
    chart = importance_chart(result)
    spec = chart.to_dict()
    assert [panel["mark"]["type"] for panel in spec["hconcat"]] == ["bar", "bar"]
    assert spec["hconcat"][0]["encoding"]["y"]["sort"] == result["param"].tolist()
    counts = drawn(chart)
    assert counts["rect"] == 3 + 2  # correlation has no bar for the categorical optimizer
    png(chart)


def test_a_constant_metric_has_zero_importance():
    runs = driven_runs(10).assign(**{"metrics.accuracy": 0.5})
    result = param_importance(runs, "accuracy")
    assert (result["importance"] == 0).all() and result["correlation"].isna().all()


def test_bad_input_names_the_fix():
    runs = driven_runs(10)
    with pytest.raises(
        NotEnoughRunsError, match=r"at least 3 runs with metrics.accuracy; got 2. Select more runs"
    ):
        param_importance(runs.head(2), "accuracy")
    with pytest.raises(ChartInputError, match=r"params.optimizer is not numeric"):
        param_importance(runs, "params.optimizer")
    with pytest.raises(ChartInputError, match="importance_chart needs the frame param_importance"):
        importance_chart(runs)


def test_missing_scikit_learn_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.ensemble", None)  # makes the import fail; undone after
    with pytest.raises(MissingDependencyError, match="pip install scikit-learn"):
        param_importance(driven_runs(10), "accuracy")
