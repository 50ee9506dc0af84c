"""param_diff: only what differs between runs."""

from __future__ import annotations

import pandas as pd
import pytest

from nbtrack.charts import param_diff
from nbtrack.errors import ChartInputError

from ._helpers import runs_table


def test_only_differing_fields_one_column_per_run():
    runs = runs_table(4)
    diff = param_diff(runs)
    assert diff.index.name == "field"
    assert diff.index.tolist() == ["status", "params.max_depth", "params.lr", "params.model"]
    assert diff.columns.tolist() == ["trial-0", "trial-1", "trial-2", "trial-3"]
    assert diff.loc["params.model"].tolist() == ["rf", "gb", "lr", "rf"]
    assert diff.loc["status"].tolist() == ["FINISHED", "FINISHED", "FINISHED", "FAILED"]


def test_a_param_missing_from_one_run_differs():
    runs = runs_table(3).assign(**{"params.extra": ["x", "x", None]})
    diff = param_diff(runs)
    assert diff.loc["params.extra"].tolist() == ["x", "x", None]


def test_identical_runs_and_single_runs_have_no_diff():
    runs = runs_table(1)
    assert param_diff(runs).empty
    same = pd.concat([runs, runs.assign(run_id="ff" * 16)], ignore_index=True)
    assert param_diff(same).empty


def test_tool_tags_are_hidden_and_repeated_names_get_unique_labels():
    runs = runs_table(2).assign(
        run_name="rf",
        **{"tags.mlflow.source": ["a", "b"], "tags.nbtrack.cell": ["1", "2"], "tags.owner": ["ana", "bo"]},
    )
    diff = param_diff(runs)
    assert "tags.owner" in diff.index
    assert not any(field.startswith(("tags.mlflow.", "tags.nbtrack.")) for field in diff.index)
    assert len(set(diff.columns)) == 2 and all(c.startswith("rf (") for c in diff.columns)
    assert "tags.owner" not in param_diff(runs, tags=False).index


def test_not_a_table():
    with pytest.raises(ChartInputError, match="param_diff needs a run table"):
        param_diff([{"params.lr": 1}])
