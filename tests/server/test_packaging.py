"""A plain `pip install` enables both halves: server config and labextension land where Jupyter looks."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import nbtrack

ROOT = Path(__file__).resolve().parents[2]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_server_extension_is_enabled_by_installed_config():
    wheel = _pyproject()["tool"]["hatch"]["build"]["targets"]["wheel"]
    source = "nbtrack/_jupyter_config/server-config/nbtrack.json"
    assert wheel["shared-data"][source] == "etc/jupyter/jupyter_server_config.d/nbtrack.json"
    config = json.loads((ROOT / source).read_text())
    assert config == {"ServerApp": {"jpserver_extensions": {"nbtrack": True}}}
    assert nbtrack._jupyter_server_extension_points() == [{"module": "nbtrack"}]


def test_the_labextension_is_built_shipped_and_versioned_with_the_package():
    project = _pyproject()["tool"]["hatch"]["build"]
    package = json.loads((ROOT / "labextension" / "package.json").read_text())
    output = "nbtrack/labextension"
    assert package["jupyterlab"]["outputDir"] == "../" + output
    assert output in project["targets"]["wheel"]["artifacts"]
    assert (
        project["targets"]["wheel"]["shared-data"][output] == "share/jupyter/labextensions/" + package["name"]
    )
    assert f"{output}/static/style.js" in project["hooks"]["jupyter-builder"]["ensured-targets"]
    assert "jupyter-builder build" in package["scripts"]["build:labextension"]
    assert "build:labextension" in package["scripts"]["build:prod"]
    assert package["version"] == nbtrack.__version__
    assert nbtrack._jupyter_labextension_paths() == [{"src": "labextension", "dest": package["name"]}]
