"""Property tests of the run-filter grammar.

1. Any text, garbage included, either parses (and its SQL runs) or raises FilterParseError.
2. Generated trees, rendered to text in many spellings, parse back to the same tree, and
   DuckDB selects and orders exactly the runs that a plain-Python evaluation of the tree
   over a wide table (one dict per run) selects and orders.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import operator
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import duckdb
import pytest
from _filter_helpers import select_runs
from hypothesis import given, settings
from hypothesis import strategies as st

from nbtrack.errors import FilterParseError
from nbtrack.store.filter import (
    And,
    Comparison,
    Expr,
    Field,
    InList,
    IsNull,
    Like,
    Not,
    Or,
    OrderTerm,
    parse_filter,
    parse_order_by,
)
from nbtrack.store.filter_sql import compile_filter, compile_order_by
from nbtrack.store.schema import migrate

NAN, INF = math.nan, math.inf
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BASE_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z

METRIC_KEYS = ["acc", "loss", "val loss"]
PARAM_KEYS = ["lr", "depth", "model.type"]
TAG_KEYS = ["team", "my key", "mlflow.runName"]
METRIC_VALUES = [0.0, 0.5, 1.0, -1.0, 2.5, 1e10, NAN, INF, -INF]
NUMBER_LITERALS = [0.0, 0.5, 1.0, -1.0, 2.5, 3.0, 8.0, 12.0, 1000.0, 1e10, INF, -INF]
# Text values on whose numeric reading Python's float() and DuckDB's TRY_CAST agree (checked below).
TEXT_VALUES = [
    "8",
    "12",
    "0.5",
    "-3",
    "1e3",
    "8.0",
    "nan",
    "inf",
    "abc",
    "Abc",
    "",
    "x y",
    "a%b",
    "_",
    "a\\b",
]
LIKE_PATTERNS = ["%", "a%", "%b%", "_", "A%", "8%", "%.%", "x_y", "", "abc", "%\\%", "__"]
STATUSES = ["RUNNING", "FINISHED", "FAILED", "KILLED", None]
NAMES = ["alpha", "beta", "Alpha", "a_b", "x y", None]
USERS = ["alice", "bob", None]
HOSTS = ["h1", "h2", None]
OFFSETS_MS = [0, 1, 999, 60_000, 86_400_000, 86_400_000 * 40]
DURATIONS_MS = [0, 5_000, 10_500, 60_000]
TEXT_ATTRIBUTES = {
    "run_name": [*NAMES[:-1], "gamma"],
    "status": [*STATUSES[:-1], "finished"],
    "user": USERS[:-1],
    "host": HOSTS[:-1],
    "run_id": ["r0", "r1", "r2"],
    "experiment_id": ["e1", "e2"],
    "parent_run_id": ["r0", "r1"],
}


# ---------------------------------------------------------------------------
# The store: generated runs, written to DuckDB and kept as a wide table
# ---------------------------------------------------------------------------


@dataclass
class Run:
    """One run as the evaluator sees it: a row of the wide table."""

    run_id: str
    attributes: dict[str, Any]
    lifecycle: str
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


RUN_COLUMNS = (
    "run_id",
    "experiment_id",
    "run_name",
    "status",
    "start_ms",
    "end_ms",
    "parent_run_id",
    "user",
    "host",
)


@st.composite
def runs(draw: st.DrawFn) -> list[Run]:
    count = draw(st.integers(1, 7))
    result = []
    for index in range(count):
        start = BASE_MS + draw(st.sampled_from(OFFSETS_MS))
        end = draw(st.one_of(st.none(), st.sampled_from(DURATIONS_MS).map(lambda d, s=start: s + d)))
        attributes = {
            "run_id": f"r{index}",
            "run_name": draw(st.sampled_from(NAMES)),
            "status": draw(st.sampled_from(STATUSES)),
            "experiment_id": draw(st.sampled_from(["e1", "e2"])),
            "parent_run_id": draw(st.sampled_from([None, None, "r0", "r1"])),
            "user": draw(st.sampled_from(USERS)),
            "host": draw(st.sampled_from(HOSTS)),
            "start_ms": start,
            "end_ms": end,
        }
        result.append(
            Run(
                run_id=f"r{index}",
                attributes=attributes,
                lifecycle=draw(st.sampled_from(["active", "active", "active", "deleted"])),
                metrics=draw(st.dictionaries(st.sampled_from(METRIC_KEYS), st.sampled_from(METRIC_VALUES))),
                params=draw(st.dictionaries(st.sampled_from(PARAM_KEYS), st.sampled_from(TEXT_VALUES))),
                tags=draw(st.dictionaries(st.sampled_from(TAG_KEYS), st.sampled_from(TEXT_VALUES))),
            )
        )
    return result


def store(con: duckdb.DuckDBPyConnection, generated: Sequence[Run]) -> None:
    """Replace the store's content with ``generated``, in one transaction (one commit is fast)."""
    con.execute("BEGIN TRANSACTION")
    for table in ("core.runs", "core.metric_latest", "core.params", "core.tags"):
        con.execute(f"DELETE FROM {table}")
    con.executemany(
        "INSERT INTO core.runs (run_id, experiment_id, run_name, status, start_ms, end_ms, parent_run_id, "
        "user_name, host, lifecycle) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[*(run.attributes[name] for name in RUN_COLUMNS), run.lifecycle] for run in generated],
    )
    for table, attribute in (
        ("core.metric_latest", "metrics"),
        ("core.params", "params"),
        ("core.tags", "tags"),
    ):
        rows = [
            [run.run_id, key, value] for run in generated for key, value in getattr(run, attribute).items()
        ]
        if rows:
            con.executemany(f"INSERT INTO {table} (run_id, key, value) VALUES (?, ?, ?)", rows)
    con.execute("COMMIT")


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path_factory.mktemp("filter_props") / "store.duckdb"))
    migrate(connection, 0)
    yield connection
    connection.close()


# ---------------------------------------------------------------------------
# The reference evaluator: plain Python over one run, independent of the SQL
# ---------------------------------------------------------------------------

MISSING = object()
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def as_number(text: str) -> float | None:
    """The numeric reading of a param/tag value, None when it is not a number."""
    try:
        return float(text)
    except ValueError:
        return None


def attribute_value(run: Run, name: str) -> Any:
    """An attribute of the run, None when NULL."""
    start, end = run.attributes["start_ms"], run.attributes["end_ms"]
    if name == "duration":
        return None if start is None or end is None else (end - start) / 1000.0
    column = {"start_time": "start_ms", "end_time": "end_ms"}.get(name, name)
    return run.attributes[column]


def value_of(run: Run, target: Field) -> Any:
    """The field's value on the run, MISSING when the run lacks the key or the attribute is NULL."""
    if target.entity == "attribute":
        value = attribute_value(run, target.key)
        return MISSING if value is None else value
    table = {"metric": run.metrics, "param": run.params, "tag": run.tags}[target.entity]
    return table.get(target.key, MISSING)


def like_matches(value: str, pattern: str, case_insensitive: bool) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL | (re.IGNORECASE if case_insensitive else 0)) is not None


def operand(value: Any, literal: Any, target: Field) -> Any:
    """The run's value as it compares with ``literal``: params/tags become numbers for numeric literals."""
    if target.entity in ("param", "tag") and not isinstance(literal, str):
        return as_number(value)
    return value


def upper_status(expr: Comparison | InList | Like | IsNull) -> Comparison | InList | Like | IsNull:
    """Statuses are stored upper case and a filter's status text matches whatever its case."""
    if expr.field != Field("attribute", "status") or isinstance(expr, IsNull):
        return expr
    if isinstance(expr, Like):
        return dataclasses.replace(expr, pattern=expr.pattern.upper())
    if isinstance(expr, InList):
        return dataclasses.replace(expr, values=tuple(v.upper() for v in expr.values))
    return dataclasses.replace(expr, value=expr.value.upper())


def evaluate_predicate(expr: Comparison | InList | Like | IsNull, run: Run) -> bool:
    expr = upper_status(expr)
    value = value_of(run, expr.field)
    if isinstance(expr, IsNull):
        return (value is MISSING) != expr.negated
    if value is MISSING:
        return False
    if isinstance(expr, Like):
        return like_matches(value, expr.pattern, expr.case_insensitive) != expr.negated
    literals = expr.values if isinstance(expr, InList) else (expr.value,)
    value = operand(value, literals[0], expr.field)
    if value is None:
        return False
    if isinstance(expr, InList):
        # IEEE: NaN equals nothing, so NaN is never IN and always NOT IN.
        return all(value != v for v in literals) if expr.negated else any(value == v for v in literals)
    return COMPARE[expr.op](value, expr.value)


def evaluate(expr: Expr | None, run: Run) -> bool:
    if expr is None:
        return True
    if isinstance(expr, And):
        return all(evaluate(child, run) for child in expr.operands)
    if isinstance(expr, Or):
        return any(evaluate(child, run) for child in expr.operands)
    if isinstance(expr, Not):
        return not evaluate(expr.operand, run)
    return evaluate_predicate(expr, run)


def sort_group(value: Any, target: Field) -> tuple[int, Any, Any]:
    """(group, number, text): numbers first, then NaN, then (params/tags) other text, then missing."""
    if value is MISSING:
        return 3, None, None
    if target.entity == "attribute":
        return 0, value, None
    number = value if target.entity == "metric" else as_number(value)
    if number is None:
        return 2, None, value
    if math.isnan(number):
        return 1, None, None
    return 0, number, None if target.entity == "metric" else value


def compare_values(a: Any, b: Any) -> int:
    if a is None or b is None or a == b:
        return 0
    return -1 if a < b else 1


def compare_term(a: Run, b: Run, term: OrderTerm) -> int:
    group_a, number_a, text_a = sort_group(value_of(a, term.field), term.field)
    group_b, number_b, text_b = sort_group(value_of(b, term.field), term.field)
    if group_a != group_b:
        return -1 if group_a < group_b else 1
    result = compare_values(number_a, number_b) or compare_values(text_a, text_b)
    return -result if term.descending else result


def compare_runs(a: Run, b: Run, terms: Sequence[OrderTerm], position: dict[str, int]) -> int:
    """The store's order: the terms, then newest start first (missing last), then last inserted first."""
    for term in terms:
        result = compare_term(a, b, term)
        if result:
            return result
    start_a, start_b = a.attributes["start_ms"], b.attributes["start_ms"]
    if (start_a is None) != (start_b is None):
        return 1 if start_a is None else -1
    return -compare_values(start_a, start_b) or -compare_values(position[a.run_id], position[b.run_id])


def expected_runs(generated: Sequence[Run], expr: Expr | None, terms: Sequence[OrderTerm]) -> list[str]:
    position = {run.run_id: index for index, run in enumerate(generated)}  # insertion order = row_order
    selected = [run for run in generated if run.lifecycle == "active" and evaluate(expr, run)]
    ordered = sorted(selected, key=functools.cmp_to_key(lambda a, b: compare_runs(a, b, terms, position)))
    return [run.run_id for run in ordered]


# ---------------------------------------------------------------------------
# Generated trees
# ---------------------------------------------------------------------------

FIELDS = st.one_of(
    st.sampled_from(METRIC_KEYS).map(lambda k: Field("metric", k)),
    st.sampled_from(PARAM_KEYS).map(lambda k: Field("param", k)),
    st.sampled_from([k for k in TAG_KEYS if k != "mlflow.runName"]).map(lambda k: Field("tag", k)),
    st.sampled_from([*TEXT_ATTRIBUTES, "start_time", "end_time", "duration"]).map(
        lambda k: Field("attribute", k)
    ),
)
TIME_LITERALS = st.one_of(
    st.sampled_from(OFFSETS_MS).map(lambda offset: BASE_MS + offset),
    st.integers(BASE_MS - 10, BASE_MS + 86_400_000 * 50),
    st.sampled_from([INF, -INF, 0]),
)


def literals(target: Field, numeric: bool) -> st.SearchStrategy[Any]:
    """Literals a field takes; for params/tags ``numeric`` picks numbers or strings."""
    if target.entity == "metric" or target.key == "duration":
        extra = [d / 1000 for d in DURATIONS_MS] if target.key == "duration" else METRIC_VALUES[:-3]
        return st.sampled_from(NUMBER_LITERALS + extra)
    if target.entity in ("param", "tag"):
        return st.sampled_from(NUMBER_LITERALS) if numeric else st.sampled_from(TEXT_VALUES)
    if target.key in ("start_time", "end_time"):
        return TIME_LITERALS
    return st.sampled_from(TEXT_ATTRIBUTES[target.key] + ["", "zzz"])


def is_text(target: Field) -> bool:
    return target.entity in ("param", "tag") or target.key in TEXT_ATTRIBUTES


@st.composite
def predicates(draw: st.DrawFn) -> Expr:
    target = draw(FIELDS)
    numeric = draw(st.booleans())
    kinds = ["compare", "in", "null"] + (["like"] if is_text(target) else [])
    kind = draw(st.sampled_from(kinds))
    negated = draw(st.booleans())
    if kind == "null":
        return IsNull(target, negated)
    if kind == "like":
        return Like(target, draw(st.sampled_from(LIKE_PATTERNS)), negated, draw(st.booleans()))
    if kind == "in":
        values = draw(st.lists(literals(target, numeric), min_size=1, max_size=3))
        return InList(target, tuple(values), negated)
    op = draw(st.sampled_from(["=", "!=", "<", "<=", ">", ">="]))
    return Comparison(target, op, draw(literals(target, numeric)))


def combine(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    many = st.lists(children, min_size=2, max_size=3).map(tuple)
    return st.one_of(children.map(Not), many.map(And), many.map(Or))


TREES = st.recursive(predicates(), combine, max_leaves=6)
ORDER_TERMS = st.lists(
    st.builds(OrderTerm, st.one_of(FIELDS, st.just(Field("tag", "mlflow.runName"))), st.booleans()),
    max_size=3,
)


# ---------------------------------------------------------------------------
# Rendering a tree as filter text, in randomly chosen spellings
# ---------------------------------------------------------------------------

PREFIXES = {
    "metric": ["metrics", "metric", "Metrics"],
    "param": ["params", "param", "parameter", "parameters"],
    "tag": ["tags", "tag"],
    "attribute": ["attributes", "attribute", "attr", "run", "ATTRIBUTES"],
}
BARE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.:/]*")


def spell_keyword(draw: st.DrawFn, word: str) -> str:
    return draw(st.sampled_from([word, word.lower(), word.title()]))


def render_key(draw: st.DrawFn, key: str) -> str:
    styles = ["`", '"'] + (["bare", "bare"] if BARE_KEY.fullmatch(key) else [])
    style = draw(st.sampled_from(styles))
    return key if style == "bare" else style + key.replace(style, style * 2) + style


def render_field(draw: st.DrawFn, target: Field) -> str:
    if target.entity != "attribute":
        return f"{draw(st.sampled_from(PREFIXES[target.entity]))}.{render_key(draw, target.key)}"
    if target.key == "run_name" and draw(st.booleans()):
        return "tags.mlflow.runName"
    name = draw(st.sampled_from([target.key, target.key.upper()]))
    prefix = draw(st.sampled_from(["", *PREFIXES["attribute"]]))
    return f"{prefix}.{name}" if prefix else name


def render_string(draw: st.DrawFn, value: str) -> str:
    quote = draw(st.sampled_from(["'", '"']))
    escaped = value.replace("\\", "\\\\")
    doubled = draw(st.booleans())
    escaped = escaped.replace(quote, quote * 2 if doubled else "\\" + quote)
    return quote + escaped + quote


def render_number(draw: st.DrawFn, value: float) -> str:
    if math.isinf(value):
        return "1e999" if value > 0 else "-1e999"
    forms = [repr(float(value)), format(value, ".17e")]
    if float(value).is_integer() and abs(value) < 1e15:
        forms.append(str(int(value)))
    return draw(st.sampled_from(forms))


def render_time(draw: st.DrawFn, millis: float) -> str:
    if isinstance(millis, float) or draw(st.booleans()):
        return render_number(draw, millis)
    moment = EPOCH + timedelta(milliseconds=millis)
    zone = draw(
        st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))])
    )
    text = moment.astimezone(zone).isoformat(sep=draw(st.sampled_from(["T", " "])))
    if zone is UTC and draw(st.booleans()):
        text = text.removesuffix("+00:00") + draw(st.sampled_from(["Z", ""]))
    return render_string(draw, text)


def render_literal(draw: st.DrawFn, target: Field, value: Any) -> str:
    if target.key in ("start_time", "end_time") and target.entity == "attribute":
        return render_time(draw, value)
    return render_string(draw, value) if isinstance(value, str) else render_number(draw, value)


def render_predicate(draw: st.DrawFn, expr: Comparison | InList | Like | IsNull) -> str:
    name = render_field(draw, expr.field)
    negation = spell_keyword(draw, "NOT") + " " if getattr(expr, "negated", False) else ""
    if isinstance(expr, IsNull):
        return f"{name} {spell_keyword(draw, 'IS')} {negation}{spell_keyword(draw, 'NULL')}"
    if isinstance(expr, Like):
        keyword = spell_keyword(draw, "ILIKE" if expr.case_insensitive else "LIKE")
        return f"{name} {negation}{keyword} {render_string(draw, expr.pattern)}"
    if isinstance(expr, InList):
        items = draw(st.sampled_from([", ", ",", " , "])).join(
            render_literal(draw, expr.field, value) for value in expr.values
        )
        return f"{name} {negation}{spell_keyword(draw, 'IN')} ({items})"
    op = draw(st.sampled_from(["!=", "<>"])) if expr.op == "!=" else expr.op
    space = draw(st.sampled_from([" ", "", "  "]))
    return f"{name}{space}{op}{space}{render_literal(draw, expr.field, expr.value)}"


def render(draw: st.DrawFn, expr: Expr) -> str:
    """Filter text for ``expr`` with the fewest parentheses that keep its exact tree, plus random extras."""
    if isinstance(expr, (And, Or)):
        word = "AND" if isinstance(expr, And) else "OR"
        needs = (And, Or) if word == "AND" else (Or,)
        parts = [render_child(draw, child, needs) for child in expr.operands]
        text = f" {spell_keyword(draw, word)} ".join(parts)
    elif isinstance(expr, Not):
        text = f"{spell_keyword(draw, 'NOT')} {render_child(draw, expr.operand, (And, Or))}"
    else:
        text = render_predicate(draw, expr)
    return f"({text})" if draw(st.integers(0, 5)) == 0 else text


def render_child(draw: st.DrawFn, child: Expr, needs: tuple[type, ...]) -> str:
    text = render(draw, child)
    return f"({text})" if isinstance(child, needs) else text


def render_order_term(draw: st.DrawFn, term: OrderTerm) -> str:
    name = render_field(draw, term.field)
    direction = spell_keyword(draw, "DESC") if term.descending else draw(st.sampled_from(["", "ASC", "asc"]))
    return f"{name} {direction}".strip()


# ---------------------------------------------------------------------------
# The properties
# ---------------------------------------------------------------------------

FRAGMENTS = [
    "metrics.acc",
    "params.lr",
    "tags.`a b`",
    'metrics."x"',
    "status",
    "start_time",
    "duration",
    "attributes.statu",
    "metircs.acc",
    "tags.mlflow.runName",
    "attr.",
    "AND",
    "or",
    "NOT",
    "IN",
    "like",
    "ILIKE",
    "IS",
    "NULL",
    "(",
    ")",
    ",",
    "=",
    "!=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "==",
    "!",
    "'x'",
    '"y"',
    "'it''s'",
    "'a\\'",
    "5",
    "-1e3",
    "1e999",
    ".5",
    "1.2.3",
    "'2024-01-01'",
    "'bad date'",
    "'",
    '"',
    "`",
    "@",
    ".",
    "-",
    "%",
    "\\",
    "\t",
    "\ud800",
    "1" * 30,
]
GARBAGE = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS), max_size=14).flatmap(
        lambda parts: st.lists(
            st.sampled_from([" ", "", "  "]), min_size=len(parts), max_size=len(parts)
        ).map(lambda gaps: "".join(gap + part for gap, part in zip(gaps, parts, strict=True)))
    ),
    st.text(alphabet="metrics.acparmsuINOTLKE()'\"`,=<>!0123456789-+.eE _\\%", max_size=40),
    st.text(max_size=20),
)
FAST = settings(max_examples=150, deadline=None)


@FAST
@given(text=GARBAGE)
def test_any_text_parses_or_raises_filter_parse_error(con: duckdb.DuckDBPyConnection, text: str) -> None:
    try:
        tree = parse_filter(text)
    except FilterParseError as error:
        assert error.text == text
        assert 1 <= error.column <= len(text) + 1
        assert error.message
        return
    sql, params = compile_filter(tree)
    assert "'" not in sql  # every literal and key is a bound parameter
    con.execute(f"SELECT count(*) FROM core.runs_live r WHERE {sql}", params).fetchall()


@FAST
@given(items=st.lists(GARBAGE, max_size=3))
def test_any_order_by_parses_or_raises_filter_parse_error(
    con: duckdb.DuckDBPyConnection, items: list[str]
) -> None:
    try:
        terms = parse_order_by(items)
    except FilterParseError as error:
        assert error.text in items
        assert 1 <= error.column <= len(error.text) + 1
        return
    joins, body, params = compile_order_by(terms)
    order = f"ORDER BY {body}" if body else ""
    con.execute(f"SELECT r.run_id FROM core.runs_live r {' '.join(joins)} {order}", params).fetchall()


@FAST
@given(data=st.data(), generated=runs(), trees=st.lists(TREES, min_size=1, max_size=3), terms=ORDER_TERMS)
def test_duckdb_agrees_with_python(
    con: duckdb.DuckDBPyConnection,
    data: st.DataObject,
    generated: list[Run],
    trees: list[Expr],
    terms: list[OrderTerm],
) -> None:
    store(con, generated)
    order_by = [render_order_term(data.draw, term) for term in terms]
    assert parse_order_by(order_by) == [
        OrderTerm(Field("attribute", "run_name"), t.descending) if t.field.key == "mlflow.runName" else t
        for t in terms
    ]
    for tree in trees:
        text = render(data.draw, tree)
        assert parse_filter(text) == tree
        expected = expected_runs(generated, tree, parse_order_by(order_by))
        assert select_runs(con, text, order_by) == expected


@pytest.mark.parametrize("value", TEXT_VALUES)
def test_reference_number_reading_matches_duckdb(value: str) -> None:
    """The evaluator reads numbers with float(); the pool only holds values where DuckDB agrees."""
    (cast,) = duckdb.execute("SELECT TRY_CAST(? AS DOUBLE)", [value]).fetchone()
    python = as_number(value)
    assert (cast is None) == (python is None)
    if cast is not None and python is not None:
        assert cast == python or (math.isnan(cast) and math.isnan(python))
