"""Fixtures for an in-process Jupyter server with nbtrack's extension, shared by tests/server and
tests/reliability: a Playwright-safe event loop, the extension's config, a checked async client
(``api``) and the same server on a real port for synchronous clients (``live_server``).

Modules outside tests/server import pytest-jupyter's fixtures themselves
(``from pytest_jupyter.jupyter_server import *``) and these by name.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from jupyter_core.utils import ensure_event_loop

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


@dataclass(frozen=True)
class LiveServer:
    """The test server on a real port: ``host``, ``port``, the API's path prefix and the token."""

    host: str
    port: int
    prefix: str
    token: str

    @property
    def url(self) -> str:
        """The API's base URL (``http://127.0.0.1:<port>/<base_url>nbtrack/api``)."""
        return f"http://{self.host}:{self.port}{self.prefix}"


@pytest.fixture
def live_server(
    jp_serverapp, http_server, http_server_port, jp_asyncio_loop, jp_base_url
) -> Iterator[LiveServer]:
    """The server's loop turning in a thread, so blocking clients (schemathesis, http.client) can call it.

    The loop stops before pytest-jupyter's teardown, which runs it again on this thread.
    """
    port = http_server_port[0].getsockname()[1]
    thread = threading.Thread(target=jp_asyncio_loop.run_forever, name="test-server-loop", daemon=True)
    thread.start()
    try:
        yield LiveServer("127.0.0.1", port, f"{jp_base_url}nbtrack/api", jp_serverapp.identity_provider.token)
    finally:
        jp_asyncio_loop.call_soon_threadsafe(jp_asyncio_loop.stop)
        thread.join(30)
