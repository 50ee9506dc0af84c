"""nbtrack's Jupyter server extension: a small authenticated REST API for the JupyterLab sidebar.

``jupyter server`` (and ``jupyter lab``) load it through
``nbtrack._load_jupyter_server_extension``; nothing here is imported by
``import nbtrack``. Routes live under ``<base_url>nbtrack/api/`` (see
:mod:`.routes` and the OpenAPI description at ``nbtrack/api/openapi.json``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .routes import setup_routes
from .state import ApiState


def load(server_app: Any) -> ApiState:
    """Create the extension's state, bind the store and register the routes on ``server_app``."""
    root_dir = Path(server_app.root_dir).expanduser()
    state = ApiState(root_dir)
    store = state.bind_store()
    server_app.web_app.settings["nbtrack"] = state
    setup_routes(server_app.web_app)
    server_app.log.info(
        "nbtrack: sidebar API at %snbtrack/api/ reading the store at %s", server_app.base_url, store
    )
    return state


__all__ = ["ApiState", "load"]
