"""The route table: every URL of the API, relative to ``<base_url>nbtrack/api/``.

One list serves three readers: :func:`setup_routes` registers it with the
server, the OpenAPI description names the same paths, and the auth test
walks it.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.utils import url_path_join

from . import handlers

#: Prefix of every route under the server's base URL.
API_PREFIX = "nbtrack/api"
#: Path arguments match any segment (even an empty one) so that a malformed one reaches the
#: handler and is answered with a 400 naming it, not with Jupyter's HTML 404 page.
RUN_ID = r"(?P<run_id>[^/]*)"
SHA256 = r"(?P<digest>[^/]*)"

#: (path regex relative to API_PREFIX, handler class).
ROUTES: list[tuple[str, type[handlers.NbtrackHandler]]] = [
    ("openapi.json", handlers.SpecHandler),
    ("version", handlers.VersionHandler),
    ("events", handlers.EventsHandler),
    ("experiments", handlers.ExperimentsHandler),
    ("runs", handlers.RunsHandler),
    (f"runs/{RUN_ID}", handlers.RunHandler),
    (f"runs/{RUN_ID}/history", handlers.HistoryHandler),
    (f"runs/{RUN_ID}/artifacts/{SHA256}", handlers.ArtifactHandler),
    ("compare", handlers.CompareHandler),
]


def setup_routes(web_app: Any) -> list[str]:
    """Register every route under the server's base URL; returns the full patterns."""
    base_url = web_app.settings["base_url"]
    rules = [(url_path_join(base_url, API_PREFIX, path) + "$", handler) for path, handler in ROUTES]
    web_app.add_handlers(".*$", rules)
    return [pattern for pattern, _ in rules]
