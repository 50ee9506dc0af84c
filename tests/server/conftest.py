"""An in-process Jupyter server with the nbtrack extension (pytest-jupyter), and a checked client.

pytest-jupyter's fixtures and hooks are imported here rather than declared
as a plugin in the top-level conftest: its autouse asyncio-loop fixtures then
apply to these tests only and never meet Playwright's sync API in tests/ui/.
Every response the ``api`` fixture receives is validated against the
OpenAPI description the server serves.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

import pytest
from jupyter_core.utils import ensure_event_loop
from pytest_jupyter.jupyter_server import *  # noqa: F403  (fixtures and hooks, for this folder only)

from ._spec import check_response


@pytest.fixture(autouse=True)
def jp_asyncio_loop():
    """A fresh event loop per test, even after a browser test started Playwright.

    Playwright's sync API (a session fixture of the browser tests) parks its
    loop in a greenlet, so the thread keeps reporting it as the running loop
    and every later ``run_until_complete`` fails ("This event loop is already
    running"). Playwright's loop does nothing while a test body runs, so the
    marker is set aside for the test and put back after it.
    """
    parked = asyncio._get_running_loop()
    asyncio._set_running_loop(None)
    loop = ensure_event_loop(prefer_selector_loop=True)  # the loop pytest-jupyter's hooks will use
    try:
        yield loop
    finally:
        loop.close()
        asyncio._set_running_loop(parked)


@pytest.fixture
def jp_server_config() -> dict:
    """Enable nbtrack's server extension in the test server."""
    return {"ServerApp": {"jpserver_extensions": {"nbtrack": True}}}


@dataclass
class Answer:
    """A response: status, headers, raw body and, for JSON, the decoded body."""

    code: int
    headers: Any
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@pytest.fixture
def api(jp_serverapp, http_server_client, jp_auth_header, jp_base_url):
    """``await api("runs", filter=..., order_by=[...], method=..., headers=...)`` -> :class:`Answer`.

    Query arguments may repeat (lists); nothing raises on 4xx; the answer is
    checked against the OpenAPI spec (status documented, JSON body valid).
    """

    async def call(
        path: str, *, method: str = "GET", headers: dict | None = None, auth: bool = True, **query
    ):
        url = f"{jp_base_url}nbtrack/api/{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query, doseq=True)
        sent = dict(jp_auth_header) if auth else {}
        sent.update(headers or {})
        response = await http_server_client.fetch(
            url,
            method=method,
            headers=sent,
            raise_error=False,
            request_timeout=60,
            follow_redirects=False,
            allow_nonstandard_methods=True,
        )
        answer = Answer(response.code, response.headers, response.body or b"")
        if auth:
            check_response(path, method, answer.code, answer.headers, answer.body)
        return answer

    return call
