"""What differs between runs: the param diff of the comparison view."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import ChartInputError
from ._columns import run_labels

if TYPE_CHECKING:
    import pandas as pd

#: Run attributes compared besides params and tags.
DIFF_ATTRIBUTES = ("experiment_name", "status", "user", "host")
#: Tags written by tools rather than people; left out of the diff.
HIDDEN_TAG_PREFIXES = ("mlflow.", "nbtrack.")


def varying_columns(runs: pd.DataFrame, columns: Sequence[str] | None = None) -> list[str]:
    """The columns (default: all) whose values are not all the same; missing is a value too."""
    candidates = list(runs.columns) if columns is None else [c for c in columns if c in runs.columns]
    return [c for c in candidates if runs[c].astype("string").nunique(dropna=False) > 1]


def param_diff(
    runs: pd.DataFrame, *, tags: bool = True, attributes: Sequence[str] = DIFF_ATTRIBUTES
) -> pd.DataFrame:
    """Only the params (and tags and attributes) that differ between the runs.

    Parameters
    ----------
    runs
        A run table (``nbtrack.runs()``, ``compare_data(...).runs``).
    tags
        Include ``tags.*`` columns, except tool-written ones (``mlflow.*``, ``nbtrack.*``).
    attributes
        Run attributes to compare too.

    Returns
    -------
    DataFrame
        One row per differing column (index ``field``: ``"params.lr"``...), one
        column per run labelled like the charts label it; values as text,
        None where a run does not have the field. Empty when nothing differs
        (or fewer than two runs).
    """
    import numpy as np
    import pandas as pd

    if not isinstance(runs, pd.DataFrame):
        raise ChartInputError(f"param_diff needs a run table (a DataFrame), got {type(runs).__name__}")
    wanted = [c for c in attributes if c in runs.columns]
    wanted += [c for c in runs.columns if str(c).startswith("params.")]
    if tags:
        wanted += [
            c
            for c in runs.columns
            if str(c).startswith("tags.") and not str(c)[5:].startswith(HIDDEN_TAG_PREFIXES)
        ]
    differing = varying_columns(runs, wanted) if len(runs) > 1 else []
    present = runs[differing].notna().to_numpy()
    text = np.asarray(np.where(present, runs[differing].astype("string").to_numpy(dtype=object), None))
    diff = pd.DataFrame(
        text.T, index=pd.Index(differing, name="field"), columns=run_labels(runs), dtype=object
    )
    diff.columns.name = "run"
    return diff
