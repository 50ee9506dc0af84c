"""Every public function answers malformed input with an NbtrackError, and loses nothing stored.

Hypothesis draws each argument of each public function from "junk" (wrong
types, huge and negative integers, NaN/inf, lone surrogates, control
characters, huge strings, numpy scalars and arrays, nested containers) mixed
with valid values, so some calls succeed. Whatever happens, only an
:class:`~nbtrack.errors.NbtrackError` may escape, the run stored before the
calls (params, metrics, history, tags, artifacts, status) reads the same
afterwards, and the buffer still takes and stores a good point.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nbtrack
from nbtrack.errors import NbtrackError, StoreError
from nbtrack.store import events
from nbtrack.tracking.session import END_STATUSES

SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)

text_junk = st.one_of(
    st.text(max_size=12),
    st.builds(lambda a, s, b: a + s + b, st.text(max_size=4), SURROGATES, st.text(max_size=4)),
    st.sampled_from(["", " ", "\n", "a\x00b", "../up", "/abs", "a" * 251, "k" * 9_000, "é" * 300]),
    st.integers(min_value=3, max_value=5).map(lambda n: "x" * 10**n),
)
number_junk = st.one_of(
    st.integers(),
    st.sampled_from([2**63, 2**63 - 1, -(2**63) - 1, 2**64, 2**70, -(2**70), 10**400]),
    st.floats(),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e300, -1e300, 5e-324]),
    st.sampled_from(
        [np.int64(2**62), np.uint64(2**64 - 1), np.float32("nan"), np.int8(-3), np.float64(1e308)]
    ),
    st.complex_numbers(max_magnitude=10),
)
junk = st.one_of(
    st.none(),
    st.booleans(),
    number_junk,
    text_junk,
    st.binary(max_size=8),
    st.lists(st.one_of(st.integers(), st.floats(), st.text(max_size=3)), max_size=3),
    st.dictionaries(st.text(max_size=4), st.one_of(st.integers(), st.text(max_size=3)), max_size=3),
    st.sampled_from(
        [
            object(),
            np.arange(3),
            np.array([[1.0, 2.0]]),
            np.array([2**63], dtype=np.uint64),
            dt.datetime(1, 1, 1),
            dt.datetime(9999, 12, 31, tzinfo=dt.UTC),
            dt.datetime(2024, 1, 1),
            {"k": [1, [2]]},
            [("m", 1.0, 2**63, 0)],
            [("m", 1.0, 1, 1e300)],
            [("m", "x", 1, 0)],
            [("m",)],
            {"m": [1, [2, 3]]},
            {"m": np.array([2**64], dtype=object)},
        ]
    ),
)


def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Valid values half of the time, junk otherwise."""
    return st.one_of(valid, junk)


KEY = maybe(st.sampled_from(["loss", "acc", "train/loss"]))
RUN = maybe(st.sampled_from(["f" * 32]))
PATH = maybe(st.sampled_from(["notes.txt", "plots/a.json", "t.csv"]))

#: name -> (function, strategies of its positional arguments)
LOGGING: dict[str, tuple[Callable[..., Any], list[st.SearchStrategy[Any]]]] = {
    "log_metric": (nbtrack.log_metric, [KEY, maybe(st.floats()), maybe(st.integers(0, 10)), junk]),
    "log_metrics": (nbtrack.log_metrics, [maybe(st.just({"acc": 0.5})), junk, junk]),
    "log_param": (nbtrack.log_param, [KEY, junk]),
    "log_params": (nbtrack.log_params, [junk]),
    "set_tag": (nbtrack.set_tag, [KEY, junk]),
    "set_tags": (nbtrack.set_tags, [junk]),
    "delete_tag": (nbtrack.delete_tag, [KEY]),
    "log_batch": (nbtrack.log_batch, [junk, junk, junk]),
    "log_text": (nbtrack.log_text, [maybe(st.text(max_size=5)), PATH]),
    "log_dict": (nbtrack.log_dict, [junk, PATH]),
    "log_table": (nbtrack.log_table, [junk, PATH]),
    "log_image": (nbtrack.log_image, [junk, PATH]),
    "log_figure": (nbtrack.log_figure, [junk, PATH]),
    "log_artifact": (nbtrack.log_artifact, [junk, junk]),
}
READING: dict[str, tuple[Callable[..., Any], list[st.SearchStrategy[Any]]]] = {
    "get_run": (nbtrack.get_run, [RUN]),
    "delete_run": (nbtrack.delete_run, [RUN]),
    "restore_run": (nbtrack.restore_run, [RUN]),
    "runs": (nbtrack.runs, [maybe(st.just("*")), maybe(st.just("metrics.loss > 0")), junk, junk]),
    "search_runs": (nbtrack.search_runs, [junk, maybe(st.just("params.lr = '0.1'")), junk, junk, junk]),
    "metric_history": (nbtrack.metric_history, [RUN, KEY, maybe(st.integers(4, 10))]),
    "get_experiment": (nbtrack.get_experiment, [junk]),
    "sql": (nbtrack.sql, [maybe(st.just("select count(*) from runs")), junk]),
    "list_artifacts": (nbtrack.list_artifacts, [RUN]),
    "load_text": (nbtrack.load_text, [RUN, PATH]),
    "load_dict": (nbtrack.load_dict, [RUN, PATH]),
    "load_table": (nbtrack.load_table, [RUN, PATH]),
    "download_artifacts": (nbtrack.download_artifacts, [junk, maybe(PATH)]),
    "compare": (nbtrack.compare, [junk]),
}
LIFECYCLE: dict[str, tuple[Callable[..., Any], list[st.SearchStrategy[Any]]]] = {
    "start_run": (nbtrack.start_run, [junk, junk, junk, junk, junk, junk, junk]),
    "end_run": (nbtrack.end_run, [junk]),
    "set_experiment": (nbtrack.set_experiment, [maybe(st.just("fuzzed"))]),
}

FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def stored(tmp_path):
    """A finished run with everything kind of data; returns a function reading it back."""
    (tmp_path / "model.txt").write_text("weights")
    with nbtrack.start_run(run_name="kept", tags={"team": "a"}) as run:
        nbtrack.log_params({"lr": 0.1, "depth": 3})
        for step in range(5):
            nbtrack.log_metric("loss", 1 / (step + 1), step=step)
        nbtrack.log_artifact(tmp_path / "model.txt")
        nbtrack.log_dict({"a": 1}, "conf.json")
    run_id = run.info.run_id

    def snapshot() -> tuple:
        record = nbtrack.get_run(run_id)
        history = nbtrack.metric_history(run_id, "loss")
        artifacts = nbtrack.list_artifacts(run_id)[["path", "sha256"]].values.tolist()
        return (
            record.status,
            record.params,
            record.metrics,
            {k: v for k, v in record.tags.items() if not k.startswith("nbtrack.")},
            history[["step", "value"]].values.tolist(),
            sorted(artifacts),
        )

    return run_id, snapshot


def call(function: Callable[..., Any], args: list[Any], **kwargs: Any) -> None:
    """Call; success and NbtrackError are the only acceptable outcomes."""
    with contextlib.suppress(NbtrackError):
        function(*args, **kwargs)


def still_takes_a_good_point() -> None:
    with nbtrack.start_run(run_name="after") as after:
        nbtrack.log_metric("ok", 1.0)
    nbtrack.flush()
    assert nbtrack.get_run(after.info.run_id).metrics == {"ok": 1.0}


@pytest.mark.parametrize("name", sorted(LOGGING))
def test_logging_calls_refuse_junk_cleanly(name, stored):
    _, snapshot = stored
    before = snapshot()
    function, arguments = LOGGING[name]

    @FUZZ
    @given(st.tuples(*arguments), maybe(st.none()))
    def check(args, target):
        with nbtrack.start_run(run_name="scratch") as scratch:
            kwargs = {"run_id": scratch.info.run_id if target is None else target}
            call(function, list(args), **kwargs)

    check()
    assert snapshot() == before
    still_takes_a_good_point()


@pytest.mark.parametrize("name", sorted(READING))
def test_reading_calls_refuse_junk_cleanly(name, stored):
    _, snapshot = stored
    before = snapshot()
    function, arguments = READING[name]

    @settings(FUZZ, max_examples=25)
    @given(st.tuples(*arguments))
    def check(args):
        call(function, list(args))

    check()
    assert snapshot() == before
    still_takes_a_good_point()


@pytest.mark.parametrize("name", sorted(LIFECYCLE))
def test_lifecycle_calls_refuse_junk_cleanly(name, stored):
    _, snapshot = stored
    before = snapshot()
    function, arguments = LIFECYCLE[name]

    @FUZZ
    @given(st.tuples(*arguments))
    def check(args):
        with nbtrack.start_run(run_name="outer"):
            call(function, list(args))
            while nbtrack.active_run() is not None and nbtrack.active_run().run_name != "outer":
                nbtrack.end_run()

    check()
    assert snapshot() == before
    still_takes_a_good_point()


@FUZZ
@given(junk)
def test_connect_refuses_junk_and_keeps_the_store(stored, uri):
    run_id, _ = stored
    home = nbtrack.store_path()
    if isinstance(uri, str) and uri.strip() and _usable_path(uri):
        uri = 5  # a plain string is a valid directory name: switching stores is not junk
    call(nbtrack.connect, [uri])
    assert nbtrack.store_path() == home
    assert nbtrack.get_run(run_id).status == "FINISHED"


@FUZZ
@given(junk, junk)
def test_reset_session_refuses_junk_and_keeps_the_store(stored, uri, end_status):
    run_id, _ = stored
    home = nbtrack.store_path()
    if isinstance(uri, str) and uri.strip() and _usable_path(uri):
        uri = 5  # a valid path would switch stores: not junk
    valid_status = end_status is None or (isinstance(end_status, str) and end_status in END_STATUSES)
    if valid_status and uri is None:  # (``in`` alone would ask an array for its truth value)
        end_status = 5
    call(nbtrack.reset_session, [uri], end_status=end_status)
    assert nbtrack.store_path() == home
    assert nbtrack.get_run(run_id).status == "FINISHED"


def _usable_path(text: str) -> bool:
    try:
        raw = os.fsencode(text)
    except UnicodeEncodeError:
        return False
    return b"\x00" not in raw and all(len(part) <= 255 for part in raw.split(b"/"))  # NAME_MAX


def test_named_cases_from_the_issue(stored):
    """The calls issue 12 reported, each refused with an error naming the argument."""
    run_id, snapshot = stored
    before = snapshot()
    cases = [
        (lambda: nbtrack.delete_run(1), "run_id"),
        (lambda: nbtrack.runs(max_results=-1), "max_results"),
        (lambda: nbtrack.runs(max_results=2**70), "max_results"),
        (lambda: nbtrack.runs(max_results="x"), "max_results"),
        (lambda: nbtrack.runs(order_by=5), "order_by"),
        (lambda: nbtrack.runs(experiment=5), "experiment"),
        (lambda: nbtrack.metric_history(run_id, "loss", max_points=2**70), "max_points"),
        (lambda: nbtrack.connect(5), "connect"),
        (lambda: nbtrack.end_run(status=["FINISHED"]), "status"),
        (lambda: nbtrack.set_experiment("x\ud800"), "experiment name"),
        (lambda: nbtrack.log_artifact("no\x00file"), "log_artifact"),
        (lambda: nbtrack.start_run(run_name="r\ud800"), "run_name"),
        (lambda: nbtrack.reset_session("x" * 100_000), "store directory"),
        (lambda: nbtrack.connect("x" * 100_000), "store directory"),
        (lambda: nbtrack.reset_session(end_status="DONE"), "end_status"),
    ]
    for make_call, named in cases:
        with pytest.raises(NbtrackError, match=named):
            make_call()
    with nbtrack.start_run():
        for bad in (dict(step=2**63), dict(timestamp=1e300), dict(step=-(2**63) - 1)):
            with pytest.raises(NbtrackError, match=r"step|timestamp"):
                nbtrack.log_metric("m", 1.0, **bad)
        with pytest.raises(NbtrackError, match="step"):
            nbtrack.log_batch([("b", 1.0, 2**63, 0)])
        with pytest.raises(NbtrackError, match="surrogate"):
            nbtrack.set_tag("k\ud800", "v")
    assert snapshot() == before
    still_takes_a_good_point()


def test_a_row_that_cannot_be_stored_is_left_out_alone():
    """Rows that got past the checks (written straight into the buffer) cost only themselves."""
    session = nbtrack.get_session()
    with nbtrack.start_run() as run:
        run_id = run.info.run_id
        nbtrack.log_param("lr", 0.1)
        nbtrack.log_metric("loss", 0.5)
        session.buffer.add(events.TAG, run_id, "bad", text="v\ud800")
        session.buffer.add_metric(run_id, "k\udc00", 0, 0, 1.0)
        nbtrack.set_tag("good", "yes")
        with pytest.warns(
            RuntimeWarning, match=r"left out 2 of (\d+) buffered events .* the other \d+ are kept"
        ):
            session.seal(durable=False)
    record = nbtrack.get_run(run_id)
    assert (record.status, record.params, record.metrics) == ("FINISHED", {"lr": "0.1"}, {"loss": 0.5})
    assert record.tags["good"] == "yes" and "bad" not in record.tags


def test_a_seal_that_cannot_write_keeps_everything_in_memory(store_dir):
    with nbtrack.start_run() as run:
        nbtrack.log_metric("loss", 0.5)
        spool, away = store_dir / "spool", store_dir / "spool-away"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the background writer reports the same failure
            spool.rename(away)
            spool.write_text("a file where the spool folder should be")
            try:
                with pytest.raises(StoreError, match="kept in this process's memory") as failure:
                    nbtrack.flush()
                assert "events to a spool file" in str(failure.value)
                nbtrack.log_metric("loss", 0.25)  # logging goes on meanwhile
            finally:
                spool.unlink()
                away.rename(spool)
    nbtrack.flush()
    history = nbtrack.metric_history(run.info.run_id, "loss")
    assert history["value"].tolist() == [0.5, 0.25]
    assert nbtrack.get_run(run.info.run_id).status == "FINISHED"
