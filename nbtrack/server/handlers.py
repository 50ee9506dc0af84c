"""The REST handlers: validate the request, run the query on a worker thread, write JSON.

Every method is wrapped in ``@web.authenticated`` and ``@authorized``
(Jupyter's token/cookie login and its authorizer; XSRF is checked on
writes by ``APIHandler``). ``tests/server/test_auth.py`` walks the
routes and proves none answers without credentials.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import quote

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web
from tornado.iostream import StreamClosedError

from ..errors import (
    ExperimentNotFoundError,
    FilterParseError,
    NbtrackError,
    RunNotFoundError,
    StoreError,
    StoreLockedError,
)
from . import arguments, queries
from .comparison import comparison
from .state import ApiState

#: Seconds between keep-alive comments on an idle event stream (proxies drop silent connections).
HEARTBEAT_SECONDS = 15.0
_NOT_FOUND = (
    RunNotFoundError,
    ExperimentNotFoundError,
    queries.MetricNotFoundError,
    queries.ArtifactContentNotFoundError,
)
#: Media types a browser may show inline; anything else (HTML above all) is a download.
_INLINE = (
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/svg+xml",
    "text/plain",
    "application/json",
)
_SANDBOX = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"


def status_for(error: NbtrackError) -> int:
    """The HTTP status an nbtrack error is answered with."""
    if isinstance(error, _NOT_FOUND):
        return 404
    if isinstance(error, StoreLockedError):
        return 503
    if isinstance(error, StoreError):
        return 500
    return 400


def error_body(error: NbtrackError) -> dict[str, Any]:
    """``{"message", "error"}`` plus ``column`` and ``text`` for a filter that does not parse."""
    if isinstance(error, FilterParseError):
        return {
            "message": error.message,
            "error": type(error).__name__,
            "column": error.column,
            "text": error.text,
        }
    return {"message": str(error), "error": type(error).__name__}


class NbtrackHandler(APIHandler):
    """Base of every nbtrack route: the shared state and nbtrack's error answers."""

    auth_resource = "nbtrack"

    @property
    def state(self) -> ApiState:
        return self.settings["nbtrack"]

    def values(self, name: str) -> list[str]:
        """Every value of a query argument."""
        return self.get_query_arguments(name)

    async def answer(self, query: Any, *args: Any) -> None:
        """Write ``query(store, *args)`` as JSON, or the nbtrack error it raised."""
        try:
            result = await self.state.read(query, *args)
        except NbtrackError as error:
            self.fail(error)
            return
        self.finish(json.dumps(result, allow_nan=False))

    def fail(self, error: NbtrackError) -> None:
        """Answer with the error's status and message."""
        status = status_for(error)
        self.set_status(status)
        if status == 503:
            self.set_header("Retry-After", "2")
        self.finish(json.dumps(error_body(error)))

    def checked(self, parse: Any, *args: Any) -> Any:
        """Parse request arguments; on a bad one answer 400 and return None."""
        try:
            return parse(*args)
        except NbtrackError as error:
            self.fail(error)
            return None


class ExperimentsHandler(NbtrackHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        await self.answer(queries.experiments)


class RunsHandler(NbtrackHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        args = self.checked(arguments.runs_args, self.values)
        if args is not None:
            await self.answer(queries.runs_page, args)


class RunHandler(NbtrackHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        await self.answer(queries.run_detail, run_id, self.state.root_dir)

    @web.authenticated
    @authorized
    async def delete(self, run_id: str) -> None:
        """Hide the run from searches (nothing is erased; ``nbtrack.restore_run`` brings it back)."""
        try:
            await self.state.run(_delete_run, run_id)
        except NbtrackError as error:
            self.fail(error)
            return
        self.set_status(204)
        self.finish()


def _delete_run(run_id: str) -> None:
    from ..api import delete_run, flush, get_run

    get_run(run_id)  # RunNotFoundError (404) before anything is written
    delete_run(run_id)
    flush()


class HistoryHandler(NbtrackHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        parsed = self.checked(
            lambda: (arguments.required(self.values, "key"), arguments.max_points(self.values))
        )
        if parsed is not None:
            await self.answer(queries.metric_history, run_id, *parsed)


class ArtifactHandler(NbtrackHandler):
    """An artifact's content, found by run and sha256 (never by a path the client names)."""

    @web.authenticated
    @authorized
    async def get(self, run_id: str, digest: str) -> None:
        try:
            blob = await self.state.read(queries.artifact_blob, run_id, digest)
        except NbtrackError as error:
            self.fail(error)
            return
        self.set_header("ETag", f'"{digest}"')
        self.set_header("Cache-Control", "private, max-age=31536000, immutable")
        if self.check_etag_header():
            self.set_status(304)
            self.finish()
            return
        inline = blob.media_type in _INLINE and not self.get_query_argument("download", "")
        self.set_header("Content-Type", blob.media_type)
        self.set_header("Content-Length", str(blob.size))
        self.set_header(
            "Content-Disposition",
            f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(blob.name)}",
        )
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Content-Security-Policy", _SANDBOX)
        with open(blob.path, "rb") as content:
            while chunk := content.read(1 << 16):
                self.write(chunk)
                await self.flush()
        self.finish()


class CompareHandler(NbtrackHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        def parse() -> tuple[Any, ...]:
            x = arguments.single(self.values, "x") or "step"
            smoothing = arguments.number(self.values, "smoothing", 0.0, minimum=0.0, below=1.0)
            return arguments.run_ids(self.values), [m for m in self.values("metric") if m], x, smoothing

        parsed = self.checked(parse)
        if parsed is not None:
            # compare_data reads the Session's store, which state.bind_store pointed at this server's
            await self.answer(lambda _store, *args: comparison(*args), *parsed)


class VersionHandler(NbtrackHandler):
    """The store's version digest; poll it with ``If-None-Match`` (304 while nothing changed)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        try:
            version = await self.state.feed.current()
        except NbtrackError as error:
            self.fail(error)
            return
        self.set_header("ETag", f'"{version["version"]}"')
        if self.check_etag_header():
            self.set_status(304)
            self.finish()
            return
        self.finish(json.dumps(version))


class EventsHandler(NbtrackHandler):
    """Server-sent events: a ``change`` event whenever the store's version changes."""

    _pending: asyncio.Future[Any] | None = None
    _gone = False

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")  # nginx-style proxies: do not buffer the stream
        feed = self.state.feed
        seen = self.request.headers.get("Last-Event-ID")
        with feed.listening():
            try:
                await self._send("retry: 2000\n\n")
                while not self._gone:
                    self._pending = feed.next_change(seen)
                    try:
                        version = await asyncio.wait_for(self._pending, HEARTBEAT_SECONDS)
                    except TimeoutError:
                        await self._send(": keep-alive\n\n")
                        continue
                    seen = version["version"]
                    await self._send(f"id: {seen}\nevent: change\ndata: {json.dumps(version)}\n\n")
            except (StreamClosedError, asyncio.CancelledError):
                return
        self.finish()

    async def _send(self, text: str) -> None:
        self.write(text)
        await self.flush()

    def on_connection_close(self) -> None:
        self._gone = True
        if self._pending is not None:
            self._pending.cancel()


class SpecHandler(NbtrackHandler):
    """The OpenAPI description of this API."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        from .openapi import spec

        self.finish(json.dumps(spec(self.base_url)))
