"""An in-process Jupyter server with the nbtrack extension (pytest-jupyter), and a checked client.

pytest-jupyter's fixtures and hooks are imported here rather than declared
as a plugin in the top-level conftest: its autouse asyncio-loop fixtures then
apply to these tests only and never meet Playwright's sync API in tests/ui/.
Every response the ``api`` fixture receives is validated against the
OpenAPI description the server serves. The fixtures themselves live in
:mod:`._server` so tests/reliability can use them too.
"""

from __future__ import annotations

from pytest_jupyter.jupyter_server import *  # noqa: F403  (fixtures and hooks, for this folder only)

from ._server import Answer, api, jp_asyncio_loop, jp_server_config, live_server  # noqa: F401
