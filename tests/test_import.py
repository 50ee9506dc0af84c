"""``import nbtrack`` stays light and its public names are pinned."""

from __future__ import annotations

import json
import subprocess
import sys

import nbtrack

PUBLIC = {
    "NbtrackError",
    "__version__",
    "active_run",
    "autolog",
    "compare",
    "connect",
    "delete_run",
    "delete_tag",
    "doctor",
    "end_run",
    "experiments",
    "flush",
    "get_experiment",
    "get_run",
    "get_session",
    "live",
    "log_batch",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "metric_history",
    "reset_session",
    "restore_run",
    "runs",
    "search_runs",
    "set_experiment",
    "set_tag",
    "set_tags",
    "sql",
    "start_run",
    "store_path",
    "table",
    "watch",
}


def test_import_loads_no_heavy_library():
    code = (
        "import sys, json, nbtrack; "
        "print(json.dumps([m for m in ('duckdb', 'pandas', 'pyarrow', 'numpy', 'IPython', 'anywidget', "
        "'altair', 'ipywidgets', 'sklearn', 'typer', 'rich', 'torch', 'xgboost', 'lightgbm', 'lightning', "
        "'keras', 'optuna', 'matplotlib') if m in sys.modules]))"
    )
    loaded = json.loads(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    )
    assert loaded == []


def test_public_api_is_pinned():
    assert set(nbtrack.__all__) >= PUBLIC
    for name in nbtrack.__all__:
        assert getattr(nbtrack, name) is not None
    for name in PUBLIC - {"__version__", "NbtrackError"}:
        assert getattr(nbtrack, name).__doc__, f"{name} has no docstring"
