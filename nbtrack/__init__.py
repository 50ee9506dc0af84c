"""nbtrack: an experiment tracker that lives inside the notebook.

``%load_ext nbtrack`` then ``%%track`` turns a cell into a run; the
functions below (named after MLflow's) log and read runs from any Python
code. Importing nbtrack is light: DuckDB, pandas and pyarrow load on first
use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._version import __version__
from .api import (
    active_run,
    connect,
    delete_run,
    delete_tag,
    end_run,
    experiments,
    flush,
    get_experiment,
    get_run,
    log_batch,
    log_metric,
    log_metrics,
    log_param,
    log_params,
    metric_history,
    restore_run,
    runs,
    search_runs,
    set_experiment,
    set_tag,
    set_tags,
    sql,
    start_run,
    store_path,
)
from .artifacts import (
    download_artifacts,
    list_artifacts,
    load_dict,
    load_table,
    load_text,
    log_artifact,
    log_dict,
    log_figure,
    log_image,
    log_table,
    log_text,
)
from .errors import NbtrackError
from .health import doctor
from .tracking.session import get_session, reset_session
from .widgets import compare, live, table  # light: anywidget loads when a widget is made

__all__ = [
    "NbtrackError",
    "__version__",
    "active_run",
    "autolog",
    "compare",
    "connect",
    "delete_run",
    "delete_tag",
    "doctor",
    "download_artifacts",
    "end_run",
    "experiments",
    "flush",
    "get_experiment",
    "get_run",
    "get_session",
    "list_artifacts",
    "live",
    "load_dict",
    "load_table",
    "load_text",
    "log_artifact",
    "log_batch",
    "log_dict",
    "log_figure",
    "log_image",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "log_table",
    "log_text",
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
]


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext nbtrack``: register ``%%track`` and ``%nbtrack`` (loading twice changes nothing)."""
    from .magics import load

    load(ipython)


def unload_ipython_extension(ipython: object) -> None:
    """``%unload_ext nbtrack``: remove the magics and everything they installed."""
    from .magics import unload

    unload(ipython)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """Jupyter server: nbtrack's sidebar API (enabled on install by ``jupyter_server_config.d``)."""
    return [{"module": "nbtrack"}]


def _load_jupyter_server_extension(server_app: object) -> None:
    """Jupyter server: register the sidebar's REST routes (tornado is imported only here)."""
    from .server import load

    load(server_app)


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """JupyterLab: where the prebuilt sidebar extension lives inside the package."""
    return [{"src": "labextension", "dest": "@nbtrack/labextension"}]


if TYPE_CHECKING:  # static tools see the functions; at run time they load on first use
    from .integrations import autolog, watch

# Imported on first use so that `import nbtrack` loads no training library (nor the patch registry).
_LAZY = {"autolog": ("nbtrack.integrations", "autolog"), "watch": ("nbtrack.integrations", "watch")}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        module_name, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module_name), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'nbtrack' has no attribute {name!r}")
