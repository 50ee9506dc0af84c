"""The one exception -> run status rule and the one integer-option check, where every caller meets them."""

from __future__ import annotations

import pytest

import nbtrack
from nbtrack.compare_data import resolve_run_ids
from nbtrack.errors import ChartInputError, InvalidValueError
from nbtrack.tracking import exit_watch
from nbtrack.tracking.rows import outcome_for, status_for
from nbtrack.tracking.validation import check_int


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (None, "FINISHED"),
        (SystemExit(0), "FINISHED"),
        (SystemExit(None), "FINISHED"),
        (SystemExit(2), "FAILED"),
        (SystemExit("bye"), "FAILED"),
        (KeyboardInterrupt(), "KILLED"),
        (ValueError("x"), "FAILED"),
        (GeneratorExit(), "FAILED"),
    ],
)
def test_status_for(exc, status):
    assert status_for(exc) == status


def test_outcome_stores_the_traceback_only_for_failures():
    try:
        raise ValueError("boom")
    except ValueError as exc:
        status, error = outcome_for(exc)
    assert status == "FAILED" and error is not None and "ValueError: boom" in error and "Traceback" in error
    assert outcome_for(KeyboardInterrupt()) == ("KILLED", "KeyboardInterrupt")
    assert outcome_for(SystemExit(0)) == ("FINISHED", None)
    assert exit_watch.describe(KeyboardInterrupt, KeyboardInterrupt(), None) == (
        "KILLED",
        "KeyboardInterrupt",
    )


@pytest.mark.parametrize(
    ("leave", "status"),
    [(SystemExit(0), "FINISHED"), (SystemExit(1), "FAILED"), (KeyboardInterrupt(), "KILLED")],
)
def test_with_start_run_follows_the_rule(leave, status):
    with pytest.raises(type(leave)), nbtrack.start_run() as run:
        raise leave
    assert nbtrack.get_run(run.run_id).status == status


@pytest.mark.parametrize(
    ("value", "minimum", "maximum", "message"),
    [
        (True, 1, None, "n must be a positive integer, got True"),
        (0, 1, None, "n must be a positive integer, got 0"),
        (2.0, 4, None, "n must be an integer of at least 4, got 2.0"),
        ("5", 0, 10, "n must be an integer from 0 to 10, got '5'"),
        (11, 0, 10, "n must be an integer from 0 to 10, got 11"),
        (11, None, 10, "n must be an integer of at most 10, got 11"),
        (None, None, None, "n must be an integer, got None"),
    ],
)
def test_check_int_refuses_with_the_range(value, minimum, maximum, message):
    with pytest.raises(InvalidValueError) as info:
        check_int(value, "n", minimum=minimum, maximum=maximum)
    assert str(info.value) == message


def test_check_int_accepts_and_returns():
    assert check_int(4, "n", minimum=4) == 4 and check_int(-3, "n") == -3


def test_check_int_raises_the_class_asked_for():
    with pytest.raises(ChartInputError, match="bands must be an integer from 2 to 20, got 1"):
        check_int(1, "bands", minimum=2, maximum=20, error=ChartInputError)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nbtrack.runs(max_results=-1), "max_results must be an integer from 0 to"),
        (lambda: nbtrack.runs(max_results=True), "max_results must be an integer from 0 to"),
        (
            lambda: nbtrack.metric_history("a" * 32, "loss", max_points=3),
            "max_points must be an integer from 4",
        ),
        (lambda: resolve_run_ids(last=False), "last must be a positive integer, got False"),
    ],
)
def test_api_options_use_the_one_check(call, message):
    with pytest.raises(InvalidValueError, match=message):
        call()
