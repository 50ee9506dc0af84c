"""How the API answers a request that fails: one table from error to HTTP status, one JSON body.

Every error answer is ``{"message", "error", "argument"}`` (plus ``column``
and ``text`` when a filter does not parse): ``argument`` names the query or
path argument to fix, or is null when the request itself was fine (the
store is busy, the method is not allowed). Nothing here imports tornado:
the handlers turn a :class:`Failure` into a response.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from ..errors import (
    ExperimentNotFoundError,
    FilterParseError,
    InvalidValueError,
    NbtrackError,
    QueryTimeoutError,
    RunNotFoundError,
    StoreError,
    StoreLockedError,
)

#: Body of an unexpected server error: the details go to the server's log, never to the client.
INTERNAL_MESSAGE = (
    "nbtrack's server extension hit an unexpected error; the Jupyter server's log has the details "
    "(please report it at https://github.com/nbtrack/nbtrack/issues)"
)


class MetricNotFoundError(NbtrackError, KeyError):
    """A run has no metric with this key."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ArtifactContentNotFoundError(NbtrackError, KeyError):
    """A run has no artifact with this content, or its file is missing."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ArgumentError(InvalidValueError):
    """A request argument is malformed or names nothing; ``argument`` is its name.

    ``cause`` is the nbtrack error the argument led to (a filter that does
    not parse, a run that does not exist): its kind decides the status.
    """

    def __init__(self, argument: str, message: str, *, cause: NbtrackError | None = None) -> None:
        super().__init__(message)
        self.argument = argument
        self.cause = cause


#: (error class, status), most specific first; any other nbtrack error is the client's: 400.
_STATUS: tuple[tuple[type[NbtrackError], int], ...] = (
    (RunNotFoundError, 404),
    (ExperimentNotFoundError, 404),
    (MetricNotFoundError, 404),
    (ArtifactContentNotFoundError, 404),
    (StoreLockedError, 503),  # busy: retry soon
    (QueryTimeoutError, 503),  # a read ran past the server's statement timeout: narrow it
    (StoreError, 503),  # damaged, foreign or full: the message says what to do
)
#: Statuses after which a retry may succeed.
_RETRY = (StoreLockedError,)


@dataclass(frozen=True)
class Failure:
    """An error answer: status, JSON body, and whether to send ``Retry-After``."""

    status: int
    body: dict[str, Any]
    retry: bool = False


@contextmanager
def about(argument: str) -> Iterator[None]:
    """Blame ``argument`` for any nbtrack error raised in the block."""
    try:
        yield
    except ArgumentError:
        raise
    except NbtrackError as error:
        raise blame(error, argument) from error


def blame(error: NbtrackError, argument: str) -> ArgumentError:
    """``error`` as the fault of ``argument`` (an :class:`ArgumentError` keeps its own argument)."""
    if isinstance(error, ArgumentError):
        return error
    return ArgumentError(argument, _message(error), cause=error)


def blamed(error: NbtrackError, arguments: Mapping[type[NbtrackError], str]) -> NbtrackError:
    """``error`` blamed on the argument its class maps to in ``arguments``, else unchanged."""
    for kind, argument in arguments.items():
        if isinstance(error, kind):
            return blame(error, argument)
    return error


def status_for(error: NbtrackError) -> int:
    """The HTTP status an nbtrack error is answered with."""
    kind = error.cause if isinstance(error, ArgumentError) and error.cause is not None else error
    for cls, status in _STATUS:
        if isinstance(kind, cls):
            return status
    return 400


def failure(error: NbtrackError) -> Failure:
    """The answer to a request that raised ``error``."""
    kind = error.cause if isinstance(error, ArgumentError) and error.cause is not None else error
    body: dict[str, Any] = {
        "message": _message(error),
        "error": type(kind).__name__,
        "argument": error.argument if isinstance(error, ArgumentError) else None,
    }
    if isinstance(kind, FilterParseError):
        body.update(column=kind.column, text=kind.text)
    return Failure(status_for(error), body, retry=isinstance(kind, _RETRY))


#: What to do about an HTTP-level refusal that came without a message of its own.
_ADVICE = {
    403: "Not logged in to this Jupyter server: send the header 'Authorization: token <token>' or log "
    "in for a cookie (cookie logins also send the X-XSRFToken header on writes)",
    405: "This route does not take that method; nbtrack/api/openapi.json lists what each route takes",
}


def http_failure(status: int, message: str | None, argument: str | None = None) -> Failure:
    """The answer to an HTTP-level refusal (no login, XSRF, method not allowed, bad body)."""
    if status >= 500:
        return internal_failure()
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    text = message or _ADVICE.get(status, phrase)
    return Failure(status, {"message": text, "error": phrase.replace(" ", ""), "argument": argument})


def internal_failure() -> Failure:
    """The answer to an unexpected exception: a generic message, no traceback."""
    return Failure(500, {"message": INTERNAL_MESSAGE, "error": "InternalError", "argument": None})


def _message(error: NbtrackError) -> str:
    if isinstance(error, ArgumentError) and error.cause is not None:
        return _message(error.cause)
    if isinstance(error, FilterParseError):
        return error.message
    return str(error)
