"""A real JupyterLab for browser tests, and helpers to drive notebooks in it.

The server runs from this interpreter with throwaway config/data/runtime
dirs, a token, and ``NBTRACK_URI`` pointing at a store of its own, so the
kernels it starts write there. Tests drive JupyterLab through its command
registry (``expose_app_in_browser``) rather than fragile clicks.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, Route

#: Where screenshots go (git-ignored); the README's are copied to docs/images/.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: True once the current notebook's kernel is connected and idle (kernels take seconds to start here).
KERNEL_READY = """() => {
    const kernel = window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel;
    return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}"""


class Lab:
    """A running JupyterLab: its URL, token, root directory and nbtrack store."""

    def __init__(self, url: str, token: str, root: Path, store: Path, log: Path) -> None:
        self.url, self.token, self.root, self.store, self.log = url, token, root, store, log
        self.blocked: list[str] = []

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        """Call the server's REST API with the token."""
        request = urllib.request.Request(
            self.url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=20) as response:
            text = response.read().decode()
            return json.loads(text) if text else {}

    def write_notebook(self, name: str, cells: list[str]) -> None:
        """Create ``name`` in the server's root with these code cells (through the contents API)."""
        notebook = {
            "cells": [
                {"cell_type": "code", "source": src, "metadata": {}, "outputs": [], "execution_count": None}
                for src in cells
            ],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        self.api("PUT", f"/api/contents/{name}", {"type": "notebook", "format": "json", "content": notebook})

    def offline(self, context: BrowserContext) -> BrowserContext:
        """Let the browser reach only this server; everything else is aborted and recorded."""

        def guard(route: Route) -> None:
            url = route.request.url
            if url.startswith((self.url, "data:", "blob:")):
                route.continue_()
            else:
                self.blocked.append(url)
                route.abort("internetdisconnected")

        context.route("**/*", guard)
        return context


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_lab(scratch: Path) -> Iterator[Lab]:
    """Start JupyterLab in ``scratch``; yield it; stop it (and its kernels) by process group."""
    port, token = free_port(), "nbtrack-ui-test"
    root, store = scratch / "root", scratch / "store"
    root.mkdir()
    env = dict(os.environ, NBTRACK_URI=str(store), PYTHONUNBUFFERED="1")
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        env[var] = str(scratch / var.lower())
    _user_settings(scratch / "jupyter_config_dir/lab/user-settings/@jupyterlab")
    log_path = scratch / "lab.log"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.workspaces_dir={scratch / 'workspaces'}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root, start_new_session=True
        )
    lab = Lab(f"http://127.0.0.1:{port}", token, root, store, log_path)
    try:
        _wait_until_up(lab, process)
        yield lab
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _user_settings(root: Path) -> None:
    """No news toast over the page; notebooks start their kernel without asking and render every cell."""
    settings = {
        "apputils-extension/notification": {"fetchNews": "false"},
        "notebook-extension/tracker": {"autoStartDefaultKernel": True, "windowingMode": "none"},
    }
    for name, values in settings.items():
        path = root / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _wait_until_up(lab: Lab, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            lab.api("GET", "/api/status")
            return
        except OSError as exc:
            if process.poll() is not None or time.monotonic() > deadline:
                tail = lab.log.read_text()[-3000:]
                raise RuntimeError(f"JupyterLab did not start; see {lab.log}:\n{tail}") from exc
            time.sleep(0.25)


# -- driving a notebook --------------------------------------------------------------------


def open_lab(page: Page, lab: Lab) -> None:
    """Load the lab shell (the token logs the browser in)."""
    page.goto(f"{lab.url}/lab?token={lab.token}")
    page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)


def open_notebook(page: Page, lab: Lab, name: str) -> None:
    """Open a notebook (one page load) and wait until its kernel is connected and idle."""
    page.goto(f"{lab.url}/lab/tree/{name}?token={lab.token}")
    page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
    page.wait_for_function(KERNEL_READY, timeout=120_000)


def command(page: Page, name: str, args: dict | None = None) -> None:
    """Run a JupyterLab command (``docmanager:open``...) and wait for it to return.

    Not for running cells: the promise of a run command resolves when the code has run.
    """
    page.evaluate("([name, args]) => window.jupyterapp.commands.execute(name, args)", [name, args or {}])


def run_cell(page: Page, index: int) -> None:
    """Select cell ``index`` and start running it (returns at once; the cell may run for long)."""
    page.evaluate(
        """(index) => {
            const panel = window.jupyterapp.shell.currentWidget;
            panel.content.activeCellIndex = index;
            window.jupyterapp.commands.execute('notebook:run-cell');
        }""",
        index,
    )


def cell(page: Page, index: int):
    """The locator of cell ``index`` of the open notebook."""
    return page.locator(".jp-Notebook .jp-Cell").nth(index)


def wait_idle(page: Page, timeout: float = 120_000) -> None:
    """Wait until the kernel has finished everything queued."""
    page.wait_for_function(KERNEL_READY, timeout=timeout)


def screenshot(target, name: str) -> Path:
    """Save a screenshot of a page or locator under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    target.screenshot(path=str(path))
    return path
