"""The REST handlers: validate the request, run the query on a worker thread, write JSON.

Every method is wrapped in ``@web.authenticated`` and ``@authorized``
(Jupyter's token/cookie login and its authorizer; XSRF is checked on
writes by ``APIHandler``). ``tests/server/test_auth.py`` and
``tests/reliability/test_server_auth.py`` walk the routes and prove none
answers without credentials. Handlers raise; every error answer is made in
:meth:`NbtrackHandler.write_error` from :mod:`.failures`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web
from tornado.iostream import StreamClosedError

from ..errors import ColumnNotFoundError, ExperimentNotFoundError, NbtrackError, RunNotFoundError
from . import arguments, failures, queries
from .comparison import comparison
from .state import ApiState

#: Seconds between keep-alive comments on an idle event stream (proxies drop silent connections).
HEARTBEAT_SECONDS = 15.0
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
#: Which argument a not-found error points at, on the routes that name a run.
Blame = Mapping[type[NbtrackError], str]
_RUN: Blame = {RunNotFoundError: "run_id"}

log = logging.getLogger("nbtrack.server")


class NbtrackHandler(APIHandler):
    """Base of every nbtrack route: the shared state and nbtrack's error answers.

    Handlers raise; :meth:`write_error` is the one place that turns any
    exception into an answer (:mod:`.failures`): an nbtrack error into its
    4xx/503 JSON, an HTTP refusal into JSON, anything else into a generic 500
    whose details go only to the server log.
    """

    auth_resource = "nbtrack"

    @property
    def state(self) -> ApiState:
        return self.settings["nbtrack"]

    def values(self, name: str) -> list[str]:
        """Every value of a query argument."""
        return self.get_query_arguments(name)

    def decode_argument(self, value: bytes, name: str | None = None) -> str:
        """Query and path arguments as text; bytes that are not UTF-8 stay as lone surrogates.

        Tornado decodes path arguments before the login check, so refusing
        here would answer a stranger before asking who they are: the
        argument checks (:func:`.arguments.checked_text`) refuse them instead.
        """
        return value.decode("utf-8", "surrogateescape")

    async def prepare(self) -> None:  # type: ignore[override]
        """Jupyter's checks (login, origin), then: no route reads a body, so a logged-in request sending one
        is told so (``argument`` ``body``) rather than having it ignored."""
        await super().prepare()
        if self.request.body and self.request.method in ("GET", "DELETE") and self.current_user:
            raise failures.ArgumentError(
                "body",
                f"{self.request.method} {self.request.path} takes no request body "
                f"(got {len(self.request.body)} bytes); send its arguments in the query string",
            )

    async def reply(self, query: Any, *args: Any, blame: Blame = _RUN) -> None:
        """Write ``query(store, *args)`` as JSON; an nbtrack error is blamed on its argument."""
        try:
            result = await self.state.read(query, *args)
        except NbtrackError as error:
            raise failures.blamed(error, blame) from error
        self.finish(json.dumps(result, allow_nan=False))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Every error answer: JSON ``{"message", "error", "argument"}`` (see :mod:`.failures`)."""
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, NbtrackError):
            answer = failures.failure(error)
        elif isinstance(error, web.HTTPError):
            message = _formatted(error)
            # tornado refuses a body it cannot parse (by its Content-Type) before any handler runs
            blamed = "body" if message and message.startswith("Invalid body") else None
            answer = failures.http_failure(error.status_code, message, blamed)
        elif status_code >= 500:
            answer = failures.internal_failure()
        else:
            answer = failures.http_failure(status_code, None)
        self.set_status(answer.status)  # tornado cleared the headers set so far (send_error)
        if answer.retry:
            self.set_header("Retry-After", "2")
        self.finish(json.dumps(answer.body))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """nbtrack errors are answers, not server faults: one line; the rest as tornado logs them."""
        if isinstance(value, NbtrackError):
            log.info("nbtrack API %s %s: %s", self.request.method, self.request.path, value)
        else:
            super().log_exception(typ, value, tb)

    def update_api_activity(self) -> None:
        """Jupyter's activity tracking reads a query argument; a malformed one must not break an answer."""
        with contextlib.suppress(NbtrackError, web.HTTPError):
            super().update_api_activity()


def _formatted(error: web.HTTPError) -> str | None:
    """An HTTPError's message with its arguments filled in, as tornado logs it."""
    if not error.log_message or not error.args:
        return error.log_message
    try:
        return error.log_message % error.args
    except (TypeError, ValueError):
        return error.log_message


class ExperimentsHandler(NbtrackHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        await self.reply(queries.experiments)


class RunsHandler(NbtrackHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        args = arguments.runs_args(self.values)
        await self.reply(queries.runs_page, args, blame={ExperimentNotFoundError: "experiment"})


class RunHandler(NbtrackHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        run_id = arguments.path_value("run_id", run_id)
        await self.reply(queries.run_detail, run_id, self.state.root_dir)

    @web.authenticated
    @authorized
    async def delete(self, run_id: str) -> None:
        """Hide the run from searches (nothing is erased; ``nbtrack.restore_run`` brings it back)."""
        run_id = arguments.path_value("run_id", run_id)
        try:
            await self.state.run(_delete_run, run_id)
        except NbtrackError as error:
            raise failures.blamed(error, _RUN) from error
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
        run_id = arguments.path_value("run_id", run_id)
        key = arguments.required(self.values, "key")
        points = arguments.max_points(self.values)
        blame: Blame = {**_RUN, failures.MetricNotFoundError: "key"}
        await self.reply(queries.metric_history, run_id, key, points, blame=blame)


class ArtifactHandler(NbtrackHandler):
    """An artifact's content, found by run and sha256 (never by a path the client names)."""

    @web.authenticated
    @authorized
    async def get(self, run_id: str, digest: str) -> None:
        run_id = arguments.path_value("run_id", run_id)
        digest = arguments.digest(digest)
        download = arguments.flag(self.values, "download")
        try:
            blob = await self.state.read(queries.artifact_blob, run_id, digest)
        except NbtrackError as error:
            blame: Blame = {**_RUN, failures.ArtifactContentNotFoundError: "digest"}
            raise failures.blamed(error, blame) from error
        self.set_header("ETag", f'"{digest}"')
        self.set_header("Cache-Control", "private, max-age=31536000, immutable")
        if self.check_etag_header():
            self.set_status(304)
            self.finish()
            return
        self._content_headers(blob, inline=blob.media_type in _INLINE and not download)
        try:
            content = open(blob.path, "rb")  # noqa: SIM115  (closed below; the open may fail alone)
        except FileNotFoundError:  # removed since the lookup (a store being cleaned up)
            missing = failures.ArtifactContentNotFoundError(f"The content of {blob.name} is missing")
            raise failures.blame(missing, "digest") from None
        with content:
            while chunk := content.read(1 << 16):
                self.write(chunk)
                await self.flush()
        self.finish(set_content_type=blob.media_type)  # APIHandler.finish would say JSON

    def _content_headers(self, blob: queries.Blob, *, inline: bool) -> None:
        """Length, type and a sandbox: the content is shown inline only when it is a safe type."""
        self.set_header("Content-Length", str(blob.size))
        self.set_header(
            "Content-Disposition",
            f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(blob.name)}",
        )
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Content-Security-Policy", _SANDBOX)
        self.set_header("Content-Type", blob.media_type)


class CompareHandler(NbtrackHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        ids = arguments.run_ids(self.values)
        metrics = [m for m in arguments.many(self.values, "metric") if m]
        x = arguments.choice(self.values, "x", arguments.CURVE_X)
        smoothing = arguments.number(self.values, "smoothing", 0.0, minimum=0.0, below=1.0)
        blame: Blame = {**_RUN, ColumnNotFoundError: "metric"}
        await self.reply(comparison, ids, metrics, x, smoothing, blame=blame)


class VersionHandler(NbtrackHandler):
    """The store's version digest; poll it with ``If-None-Match`` (304 while nothing changed)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        version = await self.state.feed.current()
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
