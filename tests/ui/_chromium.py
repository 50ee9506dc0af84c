"""Debian's Chromium for Playwright: never a downloaded browser, never a silent skip in CI."""

from __future__ import annotations

import os
import shutil

import pytest

#: Flags that keep Chromium quiet on a machine with no internet (no update checks, no sync).
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: Chromium resolves no host but the loopback one: the offline proof does not rely on routes alone.
OFFLINE_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"]


def chromium_path() -> str:
    """The system Chromium; skip (or fail under CI=true) when it is not installed."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "Debian's chromium is not installed: apt-get install -y chromium (bash .ci/test does it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def launch_args(defaults: dict) -> dict:
    """pytest-playwright's launch arguments, pointed at the system Chromium, offline."""
    return {**defaults, "executable_path": chromium_path(), "args": ARGS + OFFLINE_ARGS}
