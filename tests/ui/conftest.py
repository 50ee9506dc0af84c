"""Browser-test fixtures: Debian's Chromium, one JupyterLab per session, offline browser contexts.

Issue 9's sidebar tests reuse ``lab`` and ``lab_page``: the server starts once
per session (a few seconds), each test module opens the pages it needs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from ._chromium import launch_args
from ._lab import Lab, start_lab


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch arguments: the system Chromium, no host but loopback resolvable."""
    return launch_args(browser_type_launch_args)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A JupyterLab server (token auth, throwaway config, its own nbtrack store) for the session."""
    yield from start_lab(tmp_path_factory.mktemp("lab"))


@pytest.fixture(scope="module")
def lab_page(browser: Browser, lab: Lab) -> Iterator[Page]:
    """A page in a fresh browser context that can reach nothing but the lab server."""
    context = lab.offline(browser.new_context(viewport={"width": 1300, "height": 900}))
    page = context.new_page()
    yield page
    context.close()
