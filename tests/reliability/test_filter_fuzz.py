"""Fuzzing the filter and order_by grammar, and injection attempts through every text input.

Over 10,000 filter strings per run (random text, and grammar-shaped strings
with random keys, operators and literals: quotes, backslashes, surrogates,
NUL, huge numbers, deep nesting), each of which must either parse and
compile, or raise FilterParseError (FilterTooLargeError included) or
InvalidValueError: no other exception, and no hang (an alarm turns a stuck
batch into a failure). A sample of those that parse also runs on a real
store. The same for order_by. Then injection attempts in keys, values,
filters, order_by and experiment names are refused or treated as data, and
the stored data stays exactly as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nbtrack
from nbtrack.errors import FilterParseError, InvalidKeyError, InvalidValueError, NbtrackError
from nbtrack.store import deadline
from nbtrack.store.base import RunQuery
from nbtrack.store.embedded import EmbeddedStore
from nbtrack.store.filter import parse_filter, parse_order_by
from nbtrack.store.filter_sql import compile_filter, compile_order_by
from nbtrack.store.search_sql import runs_select_sql

BATCH = 50
BATCHES = 210  # 10,500 filter strings
EXECUTE_EVERY = 40  # every 40th string that parses also runs on the store
CLEAN = (FilterParseError, InvalidValueError)

# -- strategies ----------------------------------------------------------------------------------

SPECIAL = ["'", '"', "`", "\\", "\\'", "''", "--", ";", "/*", "*/", "\x00", "\ud800", "\udfff", "%", "_"]
SPECIAL += ["\n", "\u200b", "é", "漢"]
KEY_TEXT = st.lists(
    st.one_of(st.sampled_from(SPECIAL), st.characters(codec="utf-8"), st.sampled_from(list("ab.:/_1"))),
    max_size=12,
).map("".join)
PREFIXES = ["metrics", "metric", "params", "param", "tags", "tag", "attributes", "attr", "run", "nope", ""]
ATTRIBUTES = [
    "status",
    "run_name",
    "start_time",
    "end_time",
    "duration",
    "run_id",
    "user",
    "host",
    "StAtUs",
    "x",
]
NUMBERS = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=False).map(repr),
    st.sampled_from(
        ["1e999", "-1e999", "1e-999", "9" * 400, ".5", "5.", "+3", "-0", "1e", "1.2.3", "0x10", "nan"]
    ),
)
STRINGS = st.builds(
    lambda quote, body: quote + body.replace(quote, quote * 2) + quote,
    st.sampled_from(["'", '"']),
    KEY_TEXT,
) | st.sampled_from(["'", "'unterminated", "'a\\'", "'2024-05-01'", "'2024-13-45'", "'\\\\'", "''''"])


@st.composite
def fields(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(PREFIXES))
    if not prefix:
        return draw(st.sampled_from(ATTRIBUTES))
    key = draw(KEY_TEXT)
    style = draw(st.sampled_from(["bare", "`", '"', "'"]))
    if style == "bare":
        return f"{prefix}.{key}"
    return f"{prefix}.{style}{key.replace(style, style * 2)}{style}"


VALUES = st.one_of(NUMBERS, STRINGS, st.sampled_from(["NULL", "TRUE", "x", "(", ")"]))
OPERATORS = st.sampled_from(
    ["=", "!=", "<>", "<", "<=", ">", ">=", "==", "!", "=<", "LIKE", "ILIKE", "NOT LIKE"]
)


@st.composite
def predicates(draw: st.DrawFn) -> str:
    field = draw(fields())
    shape = draw(st.sampled_from(["op", "in", "null"]))
    if shape == "op":
        return f"{field} {draw(OPERATORS)} {draw(VALUES)}"
    if shape == "in":
        values = draw(st.lists(VALUES, max_size=4))
        return f"{field} {draw(st.sampled_from(['IN', 'NOT IN', 'in']))} ({', '.join(values)})"
    return f"{field} IS {draw(st.sampled_from(['NULL', 'NOT NULL', 'NOT', '']))}"


def expressions() -> st.SearchStrategy[str]:
    return st.recursive(
        predicates(),
        lambda inner: st.one_of(
            st.builds(
                lambda a, op, b: f"{a} {op} {b}", inner, st.sampled_from(["AND", "OR", "and", "&&"]), inner
            ),
            st.builds(lambda a: f"NOT {a}", inner),
            st.builds(lambda a: f"({a})", inner),
            st.builds(lambda a, cut: a[:cut], inner, st.integers(0, 40)),  # truncated
        ),
        max_leaves=8,
    )


def _literal(text: str, quote: str) -> str:
    return quote + text.replace("\\", "\\\\").replace(quote, quote * 2) + quote


SAFE_NUMBERS = st.one_of(
    st.integers(-(2**64), 2**64).map(str), st.floats().map(repr).filter(lambda t: "n" not in t)
)
SAFE_STRINGS = st.builds(
    _literal, KEY_TEXT.filter(lambda t: not any("\ud800" <= c <= "\udfff" for c in t)), st.sampled_from("'\"")
)
TEXT_ATTRIBUTES = ["status", "run_name", "run_id", "user", "host", "experiment_id", "parent_run_id"]


@st.composite
def valid_predicates(draw: st.DrawFn) -> str:
    """Predicates that parse: quoted keys of any text, literals of the right kind."""
    kind = draw(st.sampled_from(["metrics", "params", "tags", "text", "time", "duration"]))
    if kind in ("metrics", "params", "tags"):
        key = draw(KEY_TEXT.filter(lambda t: t and not any("\ud800" <= c <= "\udfff" for c in t)))
        field = f"{kind}.{_literal(key, '`')}"
        value = draw(SAFE_NUMBERS if kind == "metrics" else SAFE_NUMBERS | SAFE_STRINGS)
    elif kind == "text":
        field, value = draw(st.sampled_from(TEXT_ATTRIBUTES)), draw(SAFE_STRINGS)
    else:
        field = draw(st.sampled_from(["start_time", "end_time"])) if kind == "time" else "duration"
        value = draw(SAFE_NUMBERS)
    shape = draw(st.sampled_from(["op", "in", "null", "like"]))
    if shape == "in":
        return f"{field} {draw(st.sampled_from(['IN', 'NOT IN']))} ({value}, {value})"
    if shape == "null":
        return f"{field} IS {draw(st.sampled_from(['NULL', 'NOT NULL']))}"
    if shape == "like" and kind in ("params", "tags", "text"):
        return f"{field} {draw(st.sampled_from(['LIKE', 'NOT ILIKE']))} {draw(SAFE_STRINGS)}"
    return f"{field} {draw(st.sampled_from(['=', '!=', '<>', '<', '<=', '>', '>=']))} {value}"


VALID = st.recursive(
    valid_predicates(),
    lambda inner: st.one_of(
        st.builds(lambda a, op, b: f"{a} {op} {b}", inner, st.sampled_from(["AND", "OR", "or"]), inner),
        st.builds(lambda a: f"NOT {a}", inner),
        st.builds(lambda a: f"({a})", inner),
    ),
    max_leaves=12,
)
NESTED = st.builds(
    lambda depth, opening, body: opening * depth + body + ")" * (depth if "(" in opening else 0),
    st.integers(0, 400),
    st.sampled_from(["(", "NOT ", "(NOT "]),
    predicates(),
)
FILTERS = st.one_of(
    VALID,
    VALID,
    expressions(),
    expressions(),
    NESTED,
    st.text(max_size=60),
    st.lists(st.sampled_from([*SPECIAL, *"metrics.ab()=<>! ,ANDORNT0123456789e+-"]), max_size=80).map(
        "".join
    ),
)
ORDER_ITEMS = st.one_of(
    st.builds(
        lambda f, d: f"{f} {d}".strip(),
        fields(),
        st.sampled_from(["", "ASC", "DESC", "desc", "UP", "ASC DESC"]),
    ),
    st.text(max_size=30),
)

# -- the store and helpers ------------------------------------------------------------------------


@pytest.fixture
def store(store_dir: Path) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(store_dir)
    with store.reading() as con:
        con.execute("INSERT INTO core.experiments VALUES ('0', 'fuzz', 0, 'active')")
        con.execute(
            "INSERT INTO core.runs SELECT 'run' || i, '0', 'n' || i, 'FINISHED', 1000 * i, "
            "1000 * i + 5, NULL, 'active', 1, 'h', 'u', 0, NULL FROM range(20) t(i)"
        )
        for table, value in (("metric_latest", "1, 0, i / 3.0"), ("params", "CAST(i AS VARCHAR)")):
            for key in ("a", "b", "ab", "x'y"):
                con.execute(
                    f"INSERT INTO core.{table} SELECT 'run' || i, ?, {value} FROM range(20) t(i)", [key]
                )
    yield store
    store.close()


class Hang(Exception):
    pass


@contextlib.contextmanager
def alarm(seconds: int) -> Iterator[None]:
    """Raise Hang in this (main) thread if the body runs longer than ``seconds``."""

    def ring(signum: int, frame: object) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check_filter(text: str) -> bool:
    """Parse and compile ``text``; True if it parsed (False: a clean error)."""
    try:
        tree = parse_filter(text)
    except CLEAN as error:
        assert str(error)
        return False
    sql, _ = compile_filter(tree)
    assert "'" not in sql and "--" not in sql and ";" not in sql
    return True


def run_on(store: EmbeddedStore, filter_text: str = "", order_by: tuple[str, ...] = ()) -> None:
    sql, params = runs_select_sql(RunQuery(filter=filter_text, order_by=order_by), "r.run_id")
    with store.reading() as con, deadline.bounded(con, 20):
        con.execute(sql, params).fetchall()


# -- fuzz -----------------------------------------------------------------------------------------

FUZZ = settings(
    max_examples=BATCHES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


@FUZZ
@given(batch=st.lists(FILTERS, min_size=BATCH, max_size=BATCH))
def test_filter_strings_parse_or_fail_cleanly(store: EmbeddedStore, batch: list[str]) -> None:
    parsed = []
    with alarm(60):
        for text in batch:
            if check_filter(text):
                parsed.append(text)
        for text in parsed[::EXECUTE_EVERY]:
            run_on(store, text)


@settings(FUZZ, max_examples=60)
@given(batch=st.lists(st.lists(ORDER_ITEMS, max_size=4), min_size=BATCH, max_size=BATCH))
def test_order_by_items_parse_or_fail_cleanly(store: EmbeddedStore, batch: list[list[str]]) -> None:
    runnable: list[tuple[str, ...]] = []
    with alarm(60):
        for items in batch:
            try:
                terms = parse_order_by(items)
            except CLEAN as error:
                assert str(error)
                continue
            joins, body, _ = compile_order_by(terms)
            assert "'" not in " ".join(joins) + body
            runnable.append(tuple(items))
        for chosen in runnable[::EXECUTE_EVERY]:
            run_on(store, "", chosen)


@pytest.mark.parametrize("value", [None, 5, 1.5, b"metrics.a > 1", ["metrics.a > 1"], object()])
def test_a_filter_that_is_not_text_is_a_clean_error(value: object) -> None:
    if value is None:
        assert parse_filter("") is None
        return
    with pytest.raises(CLEAN):
        parse_filter(value)  # type: ignore[arg-type]
    with pytest.raises(NbtrackError):
        nbtrack.runs(filter=value)  # type: ignore[arg-type]


# -- injection --------------------------------------------------------------------------------------

NASTY = [
    "'; DROP TABLE core.runs; --",
    "x') OR 1=1 --",
    'a"; DELETE FROM core.params; --',
    "back\\slash\\' OR ''='",
    "-- comment",
    "/* c */ 1",
    "`tick`",
    "semi;colon",
    "nul\x00byte",
    "unicode é ✓ 漢字",
]


def _fingerprint() -> str:
    """A hash of every row of every documented view (what a user can see)."""
    parts = []
    for view in ("experiments", "all_runs", "params", "tags", "metrics", "latest_metrics"):
        rows = f"(SELECT * EXCLUDE (heartbeat_time) FROM {view})" if view == "all_runs" else view
        frame = nbtrack.sql(
            f"SELECT count(*) AS n, string_agg(CAST(t AS VARCHAR), '|' ORDER BY CAST(t AS VARCHAR)) AS rows "
            f"FROM {rows} t"
        )
        parts.append(f"{frame['n'][0]}:{frame['rows'][0]}")
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _log_nasty() -> dict[str, str]:
    """Log every nasty text as an experiment name, key and value; return which keys were accepted."""
    accepted: dict[str, str] = {}
    for index, text in enumerate(NASTY):
        with contextlib.suppress(InvalidKeyError, InvalidValueError):
            nbtrack.set_experiment(text)
        with nbtrack.start_run(run_name=f"n{index}"):
            nbtrack.log_param(f"v{index}", text)
            nbtrack.set_tag(f"t{index}", text)
            try:
                nbtrack.log_param(text, "value")
                accepted[text] = f"n{index}"
            except (InvalidKeyError, InvalidValueError):
                pass
    nbtrack.flush()
    return accepted


def _quoted(text: str, quote: str = "'") -> str:
    """``text`` as a filter literal: backslashes doubled, quotes doubled (see the grammar)."""
    return quote + text.replace("\\", "\\\\").replace(quote, quote * 2) + quote


def test_injection_is_refused_or_treated_as_data() -> None:
    accepted = _log_nasty()
    before = _fingerprint()
    for index, text in enumerate(NASTY):
        # values are data: the exact text finds exactly its run
        frame = nbtrack.runs(experiment="*", filter=f"params.v{index} = {_quoted(text)}")
        assert list(frame["run_name"]) == [f"n{index}"], text
        frame = nbtrack.runs(experiment="*", filter=f"tags.t{index} = {_quoted(text, chr(34))}")
        assert list(frame["run_name"]) == [f"n{index}"], text
        # keys are data too, when they were accepted at all
        if text in accepted:
            frame = nbtrack.runs(experiment="*", filter=f"params.{_quoted(text, '`')} = 'value'")
            assert list(frame["run_name"]) == [accepted[text]], text
        # experiment names are data
        with contextlib.suppress(NbtrackError):
            nbtrack.runs(experiment=text)
        # raw text as a filter or order_by is a parse error or a plain (harmless) search
        for hostile in (text, f"params.v0 = 'a' {text}", f"metrics.a > 1 {text} metrics.b > 1"):
            with contextlib.suppress(FilterParseError):
                nbtrack.runs(experiment="*", filter=hostile)
            with contextlib.suppress(FilterParseError):
                nbtrack.runs(experiment="*", order_by=[hostile])
        with contextlib.suppress(FilterParseError):
            nbtrack.runs(experiment="*", order_by=[f"params.{_quoted(text, '`')} DESC"])
    assert _fingerprint() == before
    assert len(nbtrack.runs(experiment="*")) == len(NASTY)
