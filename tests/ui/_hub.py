"""A JupyterLab behind a JupyterHub-style base URL (``/user/alice/``), for the sidebar's browser tests.

It is the widgets' lab (``_lab.start_lab``: throwaway config, token, its own
store) with ``ServerApp.base_url`` set through its config dir, so every
sidebar test also proves the extension works under a base URL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import _lab

BASE_URL = "/user/alice/"


class _HubLab(_lab.Lab):
    """A Lab whose URL ends with the base URL (so ``lab.api("GET", "/api/status")`` finds the server)."""

    def __init__(self, url: str, *args: object) -> None:
        super().__init__(url + BASE_URL.rstrip("/"), *args)  # type: ignore[arg-type]


def start_hub_lab(scratch: Path) -> Iterator[_lab.Lab]:
    """Start the lab with ``base_url=/user/alice/``; yield it; stop it."""
    config = scratch / "jupyter_config_dir"
    config.mkdir(parents=True)
    (config / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {"base_url": BASE_URL}}))
    running = _lab.start_lab(scratch)
    with pytest.MonkeyPatch.context() as patch:  # only while this server starts
        patch.setattr(_lab, "Lab", _HubLab)
        lab = next(running)
    yield lab
    running.close()  # runs start_lab's cleanup: the server and its kernels stop
