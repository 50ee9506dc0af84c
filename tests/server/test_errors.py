"""How the API answers failures: one table from nbtrack error to status, one JSON body, no tracebacks.

The mapping itself is pure (:mod:`nbtrack.server.failures`); the server tests
prove the handlers use it: a store locked by another real process is a 503
with ``Retry-After``, an unexpected exception a generic 500 whose details go
only to the log, and every read of a request is bounded by the server's
statement timeout.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

import nbtrack
from nbtrack.errors import (
    ColumnNotFoundError,
    ExperimentNotFoundError,
    FilterParseError,
    FilterTooLargeError,
    InvalidValueError,
    NbtrackError,
    QueryTimeoutError,
    RunNotFoundError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreLockedError,
)
from nbtrack.server import failures, queries
from nbtrack.server.state import DEFAULT_STATEMENT_TIMEOUT, TIMEOUT_VARIABLE, statement_timeout
from nbtrack.tracking.session import get_session


@pytest.mark.parametrize(
    ("error", "status", "retry"),
    [
        (RunNotFoundError("No run 'x'"), 404, False),
        (ExperimentNotFoundError("No experiment 'x'"), 404, False),
        (failures.MetricNotFoundError("no metric"), 404, False),
        (failures.ArtifactContentNotFoundError("no content"), 404, False),
        (StoreLockedError("locked by pid 1"), 503, True),
        (QueryTimeoutError("took longer than 10 s"), 503, False),
        (StoreCorruptError("damaged"), 503, False),
        (StoreFullError("disk full"), 503, False),
        (StoreError("cannot open"), 503, False),
        (InvalidValueError("bad value"), 400, False),
        (ColumnNotFoundError("no column"), 400, False),
        (NbtrackError("anything else nbtrack raises on purpose"), 400, False),
    ],
)
def test_each_nbtrack_error_has_one_status(error, status, retry):
    answer = failures.failure(error)
    assert (answer.status, answer.retry) == (status, retry)
    assert answer.body == {"message": str(error), "error": type(error).__name__, "argument": None}
    blamed = failures.failure(failures.blame(error, "run_id"))  # blaming an argument keeps the status
    assert (blamed.status, blamed.body["argument"], blamed.body["error"]) == (
        status,
        "run_id",
        type(error).__name__,
    )


def test_a_filter_that_does_not_parse_keeps_its_column_and_names_the_argument():
    with pytest.raises(failures.ArgumentError) as raised, failures.about("filter"):
        nbtrack.runs(filter="metrics.acc >")
    answer = failures.failure(raised.value)
    assert answer.status == 400
    assert answer.body["argument"] == "filter" and answer.body["error"] == "FilterParseError"
    assert answer.body["column"] == 14 and answer.body["text"] == "metrics.acc >"
    assert "\n" not in answer.body["message"]  # the caret drawing is for terminals, not JSON


def test_a_filter_too_large_is_a_parse_error_of_the_filter():
    error = FilterTooLargeError("the filter has more than 500 comparisons", "a = 1", 1)
    assert isinstance(error, FilterParseError)
    assert failures.failure(failures.blame(error, "filter")).status == 400


def test_an_argument_error_keeps_its_own_argument_when_blamed_again():
    inner = failures.ArgumentError("limit", "limit must be at most 1000")
    assert failures.blame(inner, "filter") is inner
    assert (
        failures.blamed(RunNotFoundError("x"), {ExperimentNotFoundError: "experiment"}).__class__
        is RunNotFoundError
    )


def test_http_refusals_and_internal_errors_have_the_same_shape():
    refused = failures.http_failure(403, None).body
    assert refused["error"] == "Forbidden" and refused["argument"] is None
    assert "Authorization: token" in refused["message"]  # says what to do
    assert failures.http_failure(405, None).status == 405
    internal = failures.internal_failure()
    assert internal.status == 500 and internal.body["argument"] is None
    assert failures.http_failure(502, "upstream detail").body == internal.body  # never a server detail


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(None, DEFAULT_STATEMENT_TIMEOUT), ("2.5", 2.5), ("0", 0.0), (" 30 ", 30.0)],
)
def test_the_statement_timeout_comes_from_the_environment(monkeypatch, value, seconds):
    if value is None:
        monkeypatch.delenv(TIMEOUT_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(TIMEOUT_VARIABLE, value)
    assert statement_timeout() == seconds


@pytest.mark.parametrize("value", ["ten", "-1", "inf", "nan"])
def test_a_bad_statement_timeout_is_logged_and_the_default_used(monkeypatch, caplog, value):
    monkeypatch.setenv(TIMEOUT_VARIABLE, value)
    with caplog.at_level(logging.WARNING, logger="nbtrack.server"):
        assert statement_timeout() == DEFAULT_STATEMENT_TIMEOUT
    assert TIMEOUT_VARIABLE in caplog.text and repr(value) in caplog.text


@pytest.fixture
def short_timeout(monkeypatch) -> float:
    """The server's statement timeout, set before the server starts."""
    monkeypatch.setenv(TIMEOUT_VARIABLE, "2.5")
    return 2.5


async def test_every_read_of_a_request_is_bounded_by_the_servers_statement_timeout(short_timeout, api):
    with nbtrack.start_run() as run:
        nbtrack.log_metric("loss", 1.0)
    assert (await api(f"runs/{run.run_id}")).code == 200
    assert get_session().store.statement_timeout == short_timeout


async def test_a_store_locked_by_another_process_is_503_with_retry_after(api, store_dir):
    with nbtrack.start_run():
        pass
    nbtrack.flush()
    get_session().store.lock_timeout = 0.5  # the server reads through this process's store
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(store_dir / "nbtrack.duckdb.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        answer = await api("experiments")
    finally:
        holder.communicate("")  # closing stdin lets it exit, which drops the lock
    assert answer.code == 503 and answer.headers["Retry-After"] == "2"
    assert answer.json["error"] == "StoreLockedError" and answer.json["argument"] is None
    assert "NBTRACK_LOCK_TIMEOUT" in answer.json["message"]
    assert (await api("experiments")).code == 200  # once the other process let go


_HOLD_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


async def test_an_unexpected_exception_is_a_generic_500_logged_on_the_server(api, monkeypatch, caplog):
    """Fault injection: no real input makes the server fail unexpectedly (that is the point of the
    suite), so a query is replaced by one that raises, to see what a client would get."""

    def broken(store):
        raise RuntimeError("secret-internal-detail in /srv/nbtrack")

    monkeypatch.setattr(queries, "experiments", broken)
    with caplog.at_level(logging.ERROR):
        answer = await api("experiments")
    assert answer.code == 500
    body = answer.json
    assert body == {"message": failures.INTERNAL_MESSAGE, "error": "InternalError", "argument": None}
    assert b"secret-internal-detail" not in answer.body and b"Traceback" not in answer.body
    assert "secret-internal-detail" in caplog.text  # the server's log has what the client does not
    assert json.loads(answer.body)["message"].startswith("nbtrack's server extension hit an unexpected error")
