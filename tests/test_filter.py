"""Example tests of the run-filter grammar and its SQL: every operator, entity, literal form and error."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from _filter_helpers import select_runs

from nbtrack.errors import FilterParseError
from nbtrack.store.filter import (
    ATTRIBUTE_TYPES,
    MAX_DEPTH,
    And,
    Comparison,
    Field,
    InList,
    IsNull,
    Like,
    Not,
    Or,
    OrderTerm,
    parse_filter,
    parse_order_by,
    tokenize,
)
from nbtrack.store.filter_sql import ATTRIBUTE_SQL, compile_filter, compile_order_by
from nbtrack.store.schema import migrate

DAY_MS = 86_400_000
JAN_1 = 1_704_067_200_000  # 2024-01-01T00:00:00Z
FEB_1 = JAN_1 + 31 * DAY_MS
MAR_1 = FEB_1 + 29 * DAY_MS
APR_1 = MAR_1 + 31 * DAY_MS
NAN, INF = math.nan, math.inf

# run_id, run_name, status, start_ms, end_ms, parent, user, host, lifecycle
RUNS = [
    ("r1", "alpha", "FINISHED", JAN_1, JAN_1 + 60_000, None, "alice", "h1", "active"),
    ("r2", "beta", "FAILED", FEB_1, FEB_1 + 10_000, None, "bob", "h2", "active"),
    ("r3", "gamma run", "RUNNING", MAR_1, None, "r1", "alice", "h2", "active"),
    ("r4", None, "KILLED", APR_1, APR_1 + 5_000, None, None, None, "active"),
    ("r5", "alpha", "FINISHED", JAN_1, JAN_1 + 1_000, None, "alice", "h1", "deleted"),
]
METRICS = {
    "r1": {"acc": 0.95, "loss": 0.1, "val loss": 0.2},
    "r2": {"acc": 0.5, "loss": NAN},
    "r3": {"acc": NAN, "loss": INF},
    "r4": {"loss": -INF},
    "r5": {"acc": 0.99},
}
PARAMS = {
    "r1": {"lr": "0.1", "max_depth": "8", "model.type": "tree", "optimizer": "Adam"},
    "r2": {"lr": "0.01", "max_depth": "12", "model.type": "linear"},
    "r3": {"lr": "nan", "max_depth": "auto"},
    "r4": {"my param": "x y"},
    "r5": {"lr": "0.1"},
}
TAGS = {
    "r1": {"my key": "v1", "team": "ml", "mlflow.runName": "ignored"},
    "r2": {"team": "ML"},
    "r3": {"team": "data", "my key": "it's"},
    "r5": {"team": "ml"},
}
ACTIVE = {"r1", "r2", "r3", "r4"}


def _fill(con: duckdb.DuckDBPyConnection) -> None:
    con.executemany(
        "INSERT INTO core.runs (run_id, experiment_id, run_name, status, start_ms, end_ms, parent_run_id, "
        "user_name, host, lifecycle) VALUES (?, 'e1', ?, ?, ?, ?, ?, ?, ?, ?)",
        [list(run) for run in RUNS],
    )
    con.executemany(
        "INSERT INTO core.metric_latest VALUES (?, ?, 0, 0, ?)",
        [[run, key, value] for run, values in METRICS.items() for key, value in values.items()],
    )
    for table, data in (("core.params", PARAMS), ("core.tags", TAGS)):
        con.executemany(
            f"INSERT INTO {table} VALUES (?, ?, ?)",
            [[run, key, value] for run, values in data.items() for key, value in values.items()],
        )


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path: Path = tmp_path_factory.mktemp("filter") / "store.duckdb"
    connection = duckdb.connect(str(path))
    migrate(connection, 0)
    _fill(connection)
    yield connection
    connection.close()


def check(con: duckdb.DuckDBPyConnection, text: str, expected: set[str]) -> None:
    assert set(select_runs(con, text)) == expected, text


# ---------------------------------------------------------------------------
# Results against a small store
# ---------------------------------------------------------------------------

METRIC_CASES = [
    ("metrics.acc > 0.9", {"r1"}),
    ("metrics.acc >= 0.5", {"r1", "r2"}),
    ("metrics.acc < 0.9", {"r2"}),
    ("metrics.acc <= 0.95", {"r1", "r2"}),
    ("metrics.acc = 0.5", {"r2"}),
    ("metrics.acc != 0.5", {"r1", "r3"}),  # NaN != x is true; r4 has no acc
    ("metrics.acc <> 0.5", {"r1", "r3"}),
    ("NOT metrics.acc > 0.9", {"r2", "r3", "r4"}),
    ("metrics.acc IN (0.5, 0.95)", {"r1", "r2"}),
    ("metrics.acc NOT IN (0.5)", {"r1", "r3"}),
    ("metrics.acc IS NULL", {"r4"}),
    ("metrics.acc IS NOT NULL", {"r1", "r2", "r3"}),
    ("metrics.loss > 1e308", {"r3"}),
    ("metrics.loss < -1e308", {"r4"}),
    ("metrics.loss = 1e999", {"r3"}),
    ("metrics.loss = -1e999", {"r4"}),
    ("metrics.loss >= 0", {"r1", "r3"}),
    ("metrics.loss > -1", {"r1", "r3"}),
    ("metrics.loss != 0.1", {"r2", "r3", "r4"}),
    ("metrics.loss NOT IN (1e999, -1e999)", {"r1", "r2"}),
    ("metrics.loss IN (1e999)", {"r3"}),
    ('metrics."val loss" = 0.2', {"r1"}),
    ("metrics.`val loss` = 0.2", {"r1"}),
    ("metric.acc > 0.9", {"r1"}),
    ("Metrics.acc > 0.9", {"r1"}),
    ("metrics.acc > 9e-1", {"r1"}),
    ("metrics.acc > 9E-1", {"r1"}),
    ("metrics.acc > .9", {"r1"}),
    ("metrics.acc > +0.9", {"r1"}),
    ("metrics.acc>0.9", {"r1"}),
    ("metrics.acc > 0", {"r1", "r2"}),
    ("metrics.missing > 0 OR metrics.missing IS NULL", ACTIVE),
]

PARAM_CASES = [
    ("params.max_depth = 8", {"r1"}),
    ("params.max_depth = 8.0", {"r1"}),
    ("params.max_depth > 5", {"r1", "r2"}),  # numeric; 'auto' never matches a number
    ("params.max_depth > '5'", {"r1", "r3"}),  # text: '8' > '5', '12' < '5', 'auto' > '5'
    ("params.max_depth = '8'", {"r1"}),
    ("params.max_depth != 8", {"r2"}),
    ("params.max_depth IN (8, 12)", {"r1", "r2"}),
    ("params.max_depth NOT IN (8)", {"r2"}),
    ("params.lr < 0.05", {"r2"}),  # 'nan' is NaN: no ordered comparison holds
    ("params.lr != 0.1", {"r2", "r3"}),  # NaN != 0.1 holds
    ("params.lr <= 1e999", {"r1", "r2"}),
    ("params.lr IN ('0.1', '0.01')", {"r1", "r2"}),
    ("params.model.type = 'tree'", {"r1"}),
    ("params.model.type LIKE 'li%'", {"r2"}),
    ("params.model.type LIKE '_ree'", {"r1"}),
    ("params.model.type NOT LIKE 'li%'", {"r1"}),  # runs without the key are excluded
    ("params.optimizer LIKE 'adam'", set()),
    ("params.optimizer ILIKE 'adam'", {"r1"}),
    ("params.optimizer NOT ILIKE 'adam'", set()),
    ("params.`my param` = 'x y'", {"r4"}),
    ('params."my param" = "x y"', {"r4"}),
    ("param.lr = '0.1'", {"r1"}),
    ("parameter.lr = '0.1'", {"r1"}),
    ("parameters.lr = '0.1'", {"r1"}),
    ("params.lr IS NULL", {"r4"}),
    ("params.lr IS NOT NULL", {"r1", "r2", "r3"}),
    ("params.lr = '0.1' OR params.lr = '0.01'", {"r1", "r2"}),
]

TAG_CASES = [
    ("tags.team = 'ml'", {"r1"}),
    ("tags.team ILIKE 'ml'", {"r1", "r2"}),
    ("tags.team < 'm'", {"r2", "r3"}),  # 'ML' and 'data' sort before 'm'
    ("tags.`my key` = 'it''s'", {"r3"}),
    ("tags.`my key` = 'it\\'s'", {"r3"}),
    ('tags.`my key` = "it\'s"', {"r3"}),
    ("tag.team = 'data'", {"r3"}),
    ("tags.team IS NOT NULL", {"r1", "r2", "r3"}),
    ("tags.mlflow.runName = 'alpha'", {"r1"}),  # the run_name attribute, not the tag
    ("tags.team = 1", set()),
]

ATTRIBUTE_CASES = [
    ("status = 'FINISHED'", {"r1"}),
    ("STATUS = 'FINISHED'", {"r1"}),
    ("attributes.status = 'FINISHED'", {"r1"}),
    ("attribute.status = 'FINISHED'", {"r1"}),
    ("attr.status = 'FINISHED'", {"r1"}),
    ("run.status = 'FINISHED'", {"r1"}),
    ("attributes.`status` = 'FINISHED'", {"r1"}),
    ("status != 'FINISHED'", {"r2", "r3", "r4"}),
    ("status IN ('FAILED', 'KILLED')", {"r2", "r4"}),
    ("status NOT IN ('FAILED', 'KILLED')", {"r1", "r3"}),
    ("run_name LIKE 'a%'", {"r1"}),
    ("run_name != 'alpha'", {"r2", "r3"}),  # r4 has no name: FALSE
    ("NOT run_name = 'alpha'", {"r2", "r3", "r4"}),
    ("run_name NOT LIKE 'a%'", {"r2", "r3"}),
    ("run_name ILIKE '%RUN'", {"r3"}),
    ("run_name IS NULL", {"r4"}),
    ("run_name > 'b'", {"r2", "r3"}),
    ("attributes.run_id = 'r2'", {"r2"}),
    ("run_id = 'r5'", set()),  # deleted runs never show
    ("parent_run_id = 'r1'", {"r3"}),
    ("parent_run_id IS NULL", {"r1", "r2", "r4"}),
    ("user = 'alice'", {"r1", "r3"}),
    ("host = 'h1'", {"r1"}),
    ("experiment_id = 'e1'", ACTIVE),
    ("start_time >= '2024-02-01'", {"r2", "r3", "r4"}),
    ("start_time < '2024-02-01T00:00:00Z'", {"r1"}),
    ("start_time > '2024-01-31T23:00:00-02:00'", {"r3", "r4"}),  # = 2024-02-01T01:00Z
    ("start_time = '2024-03-01 00:00:00'", {"r3"}),
    ("start_time = '20240301'", {"r3"}),
    (f"start_time = {JAN_1}", {"r1"}),
    (f"start_time = {JAN_1}.0", {"r1"}),
    ("start_time IN ('2024-01-01', 1706745600000)", {"r1", "r2"}),
    ("start_time < 1e999", ACTIVE),
    ("end_time IS NULL", {"r3"}),
    ("end_time > 0", {"r1", "r2", "r4"}),
    ("end_time != 0", {"r1", "r2", "r4"}),
    ("duration > 30", {"r1"}),
    ("duration < 30", {"r2", "r4"}),
    ("duration = 5", {"r4"}),
    ("duration = 5.0", {"r4"}),
    ("duration IN (10, 60)", {"r1", "r2"}),
    ("duration IS NULL", {"r3"}),
    ("duration IS NOT NULL", {"r1", "r2", "r4"}),
]

LOGIC_CASES = [
    ("", ACTIVE),
    ("   ", ACTIVE),
    ("status = 'FAILED' OR status = 'KILLED' AND metrics.loss < 0", {"r2", "r4"}),
    ("(status = 'FAILED' OR status = 'KILLED') AND metrics.loss < 0", {"r4"}),
    ("NOT status = 'FINISHED' AND metrics.acc IS NOT NULL", {"r2", "r3"}),
    ("NOT (status = 'FINISHED' AND metrics.acc IS NOT NULL)", {"r2", "r3", "r4"}),
    ("status = 'KILLED' OR status = 'FAILED' AND status = 'KILLED'", {"r4"}),
    ("NOT NOT status = 'KILLED'", {"r4"}),
    ("((status = 'KILLED'))", {"r4"}),
    ("metrics.acc > 0.9 and not params.lr is null", {"r1"}),
    ("metrics.acc > 0.9 Or tags.team = 'data'", {"r1", "r3"}),
    ("NOT (metrics.acc > 0.9 OR metrics.acc < 0.9)", {"r3", "r4"}),
    ("status = 'x' OR\n\tstatus = 'KILLED'", {"r4"}),
]


@pytest.mark.parametrize(
    ("text", "expected"), METRIC_CASES + PARAM_CASES + TAG_CASES + ATTRIBUTE_CASES + LOGIC_CASES
)
def test_filter_selects(con: duckdb.DuckDBPyConnection, text: str, expected: set[str]) -> None:
    check(con, text, expected)


def test_not_complements_every_case(con: duckdb.DuckDBPyConnection) -> None:
    """Two-valued logic: NOT (f) selects exactly the active runs f does not."""
    cases = METRIC_CASES + PARAM_CASES + TAG_CASES + ATTRIBUTE_CASES + LOGIC_CASES
    for text, expected in cases:
        if text.strip():
            check(con, f"NOT ({text})", ACTIVE - expected)


# ---------------------------------------------------------------------------
# Trees
# ---------------------------------------------------------------------------

ACC = Field("metric", "acc")
STATUS = Field("attribute", "status")


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("metrics.acc > 1", Comparison(ACC, ">", 1.0)),
        ("metrics.acc <> 1", Comparison(ACC, "!=", 1.0)),
        ("params.model.type = 'a'", Comparison(Field("param", "model.type"), "=", "a")),
        ("tags.`a``b` = 'x'", Comparison(Field("tag", "a`b"), "=", "x")),
        ('tags."a""b" = "x"', Comparison(Field("tag", 'a"b'), "=", "x")),
        ("params.a:b/c_d.e = 'x'", Comparison(Field("param", "a:b/c_d.e"), "=", "x")),
        ("tags.mlflow.runName = 'x'", Comparison(Field("attribute", "run_name"), "=", "x")),
        ("tags.`mlflow.runName` = 'x'", Comparison(Field("attribute", "run_name"), "=", "x")),
        ("Start_Time = 0", Comparison(Field("attribute", "start_time"), "=", 0)),
        ("metrics.acc in (1, 2)", InList(ACC, (1.0, 2.0))),
        ("metrics.acc not in (1)", InList(ACC, (1.0,), negated=True)),
        ("status Like 'a%'", Like(STATUS, "a%")),
        ("status NOT ILIKE 'a%'", Like(STATUS, "a%", negated=True, case_insensitive=True)),
        ("status is null", IsNull(STATUS)),
        ("status IS NOT NULL", IsNull(STATUS, negated=True)),
        (
            "status = 'a' OR status = 'b' AND NOT status = 'c'",
            Or(
                (
                    Comparison(STATUS, "=", "a"),
                    And((Comparison(STATUS, "=", "b"), Not(Comparison(STATUS, "=", "c")))),
                )
            ),
        ),
        (
            "status = 'a' AND status = 'b' AND status = 'c'",
            And(tuple(Comparison(STATUS, "=", v) for v in "abc")),
        ),
        (
            "(status = 'a' OR status = 'b') OR status = 'c'",
            Or(
                (
                    Or((Comparison(STATUS, "=", "a"), Comparison(STATUS, "=", "b"))),
                    Comparison(STATUS, "=", "c"),
                )
            ),
        ),
        ("NOT NOT status = 'a'", Not(Not(Comparison(STATUS, "=", "a")))),
    ],
)
def test_parse_tree(text: str, tree: object) -> None:
    assert parse_filter(text) == tree


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("'plain'", "plain"),
        ('"double"', "double"),
        ("'it''s'", "it's"),
        ("'it\\'s'", "it's"),
        ('"say ""hi"""', 'say "hi"'),
        ('"say \\"hi\\""', 'say "hi"'),
        ("'a\\\\b'", "a\\b"),
        ("'a\\nb'", "a\\nb"),  # other backslashes are literal
        ("'trailing\\\\'", "trailing\\"),
        ("''", ""),
        ("'ünïcødé ✓'", "ünïcødé ✓"),
    ],
)
def test_string_literals(literal: str, value: str) -> None:
    assert parse_filter(f"params.p = {literal}") == Comparison(Field("param", "p"), "=", value)


NUMBER_CASES = [
    ("1", 1.0),
    ("-1", -1.0),
    ("+2", 2.0),
    ("1.5", 1.5),
    ("1.", 1.0),
    (".5", 0.5),
    ("-.5", -0.5),
    ("1e3", 1000.0),
    ("1E+3", 1000.0),
    ("2.5e-3", 0.0025),
    ("1e999", INF),
    ("-1e999", -INF),
]


@pytest.mark.parametrize(("literal", "value"), NUMBER_CASES)
def test_number_literals(literal: str, value: float) -> None:
    assert parse_filter(f"metrics.m = {literal}") == Comparison(Field("metric", "m"), "=", value)


@pytest.mark.parametrize(
    ("literal", "millis"),
    [
        ("'2024-01-01'", JAN_1),
        ("'2024-01-01T00:00:00Z'", JAN_1),
        ("'2024-01-01T01:00:00+01:00'", JAN_1),
        ("'2024-01-01 00:00:00.250'", JAN_1 + 250),
        ("' 2024-01-01 '", JAN_1),
        ("'1969-12-31T23:59:59Z'", -1000),
        ("1704067200000", JAN_1),
        ("-5", -5),
        ("1.5", 1.5),
        ("123456789012345678901234567890", 1.2345678901234568e29),
        ("1" * 5000, INF),  # beyond int()'s digit limit: still a number, not a crash
    ],
)
def test_time_literals(literal: str, millis: float) -> None:
    tree = parse_filter(f"start_time = {literal}")
    assert tree == Comparison(Field("attribute", "start_time"), "=", millis)
    assert isinstance(tree, Comparison)
    assert type(tree.value) is type(millis)


def test_token_columns() -> None:
    tokens = tokenize("  metrics.acc>=0.5 AND tags.`a b` IN ('x','y')")
    assert [(t.kind, t.text, t.column) for t in tokens] == [
        ("word", "metrics.acc", 3),
        ("op", ">=", 14),
        ("number", "0.5", 16),
        ("word", "AND", 20),
        ("qident", "tags.`a b`", 24),
        ("word", "IN", 35),
        ("(", "(", 38),
        ("string", "'x'", 39),
        (",", ",", 42),
        ("string", "'y'", 43),
        (")", ")", 46),
        ("end", "", 47),
    ]


def test_empty_filter_is_none() -> None:
    assert parse_filter("") is None
    assert parse_filter(" \t\n") is None
    assert compile_filter(None) == ("TRUE", [])


def test_attribute_tables_agree() -> None:
    assert set(ATTRIBUTE_TYPES) == set(ATTRIBUTE_SQL)


# ---------------------------------------------------------------------------
# SQL shape and safety
# ---------------------------------------------------------------------------


def test_sql_shape() -> None:
    """One pivot per key table (only the referenced keys), one semi-join for the whole filter."""
    sql, params = compile_filter(parse_filter("metrics.acc > 0.9 AND status = 'FINISHED'"))
    assert sql == (
        "r.run_id IN (SELECT r.run_id FROM core.runs_live r LEFT JOIN (SELECT run_id, "
        "max(value) FILTER (WHERE key = ?) AS c0 FROM core.metric_latest WHERE list_contains(?::VARCHAR[], "
        "key) GROUP BY run_id) fm ON fm.run_id = r.run_id WHERE (COALESCE((fm.c0 > ? AND NOT isnan(fm.c0)), "
        "FALSE) AND COALESCE(r.status = ?, FALSE)))"
    )
    assert params == ["acc", ["acc"], 0.9, "FINISHED"]


def test_attribute_filter_needs_no_subquery() -> None:
    assert compile_filter(parse_filter("status = 'FINISHED'")) == (
        "COALESCE(r.status = ?, FALSE)",
        ["FINISHED"],
    )


def test_one_column_per_key_however_many_terms() -> None:
    """A key is pivoted once however many terms name it (twice for a param: as number and text)."""
    text = " AND ".join(f"metrics.acc > {i}" for i in range(50))
    text += " AND params.lr = 1 AND params.lr IN (2, 3) AND params.lr = 'x'"
    sql, params = compile_filter(parse_filter(text))
    assert sql.count("FILTER (WHERE key = ?)") == 3 and sql.count("SELECT") == 3
    assert params[:5] == ["acc", ["acc"], "lr", "lr", ["lr"]]


def test_numeric_param_uses_try_cast() -> None:
    sql, params = compile_filter(parse_filter("params.depth != 8"))
    assert "TRY_CAST(max(value) FILTER (WHERE key = ?) AS DOUBLE) AS c0" in sql
    assert "(fp.c0 <> ? OR isnan(fp.c0))" in sql
    assert params == ["depth", ["depth"], 8.0]


@pytest.mark.parametrize(
    "text",
    [
        "params.`x'; DROP TABLE core.runs; --` = 'y''); DROP TABLE core.runs; --'",
        "tags.\"a\"\"b\" LIKE '%''%' OR metrics.`)) OR TRUE --` > 1",
        "run_name IN ('a'' OR ''1''=''1', \"b\")",
    ],
)
def test_user_text_never_reaches_sql(con: duckdb.DuckDBPyConnection, text: str) -> None:
    sql, params = compile_filter(parse_filter(text))
    assert "'" not in sql and "--" not in sql and "DROP" not in sql
    assert params
    assert select_runs(con, text) == []
    assert con.execute("SELECT count(*) FROM core.runs").fetchone() == (len(RUNS),)


# ---------------------------------------------------------------------------
# order_by
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ([], ["r4", "r3", "r2", "r1"]),  # the tie-breaker: newest first
        (["metrics.acc DESC"], ["r1", "r2", "r3", "r4"]),  # numbers, then NaN, then missing
        (["metrics.acc"], ["r2", "r1", "r3", "r4"]),
        (["metrics.acc ASC"], ["r2", "r1", "r3", "r4"]),
        (["metrics.loss"], ["r4", "r1", "r3", "r2"]),  # -inf, 0.1, inf, NaN
        (["metrics.loss desc"], ["r3", "r1", "r4", "r2"]),
        (["params.max_depth"], ["r1", "r2", "r3", "r4"]),  # 8 < 12 numerically; 'auto' after numbers
        (["params.max_depth DESC"], ["r2", "r1", "r3", "r4"]),
        (["params.lr"], ["r2", "r1", "r3", "r4"]),  # 0.01, 0.1, NaN, missing
        (["tags.team"], ["r2", "r3", "r1", "r4"]),  # 'ML' < 'data' < 'ml' as text
        (["tags.team DESC"], ["r1", "r3", "r2", "r4"]),
        (["start_time ASC"], ["r1", "r2", "r3", "r4"]),
        (["start_time"], ["r1", "r2", "r3", "r4"]),
        (["attributes.run_name desc"], ["r3", "r2", "r1", "r4"]),  # NULL name last
        (["attributes.run_name"], ["r1", "r2", "r3", "r4"]),
        (["duration DESC"], ["r1", "r2", "r4", "r3"]),  # running (NULL duration) last
        (["user", "metrics.acc DESC"], ["r1", "r3", "r2", "r4"]),
        (["tags.`my key`", "params.model.type"], ["r3", "r1", "r2", "r4"]),
        (["metrics.`val loss`"], ["r1", "r4", "r3", "r2"]),
        (["tags.mlflow.runName DESC"], ["r3", "r2", "r1", "r4"]),
    ],
)
def test_order_by(con: duckdb.DuckDBPyConnection, order_by: list[str], expected: list[str]) -> None:
    assert select_runs(con, "", order_by) == expected


def test_order_by_with_filter_and_limit(con: duckdb.DuckDBPyConnection) -> None:
    assert select_runs(con, "metrics.acc IS NOT NULL", ["metrics.acc DESC"], limit=2) == ["r1", "r2"]


def test_parse_order_by_terms() -> None:
    assert parse_order_by(
        ["metrics.accuracy DESC", "params.lr", "start_time ASC", "attributes.run_name desc"]
    ) == [
        OrderTerm(Field("metric", "accuracy"), descending=True),
        OrderTerm(Field("param", "lr")),
        OrderTerm(Field("attribute", "start_time")),
        OrderTerm(Field("attribute", "run_name"), descending=True),
    ]


def test_compile_order_by_shape() -> None:
    joins, body, params = compile_order_by(parse_order_by(["metrics.a DESC", "status", "metrics.b"]))
    assert joins == [
        "LEFT JOIN core.metric_latest o0 ON o0.run_id = r.run_id AND o0.key = ?",
        "LEFT JOIN core.metric_latest o2 ON o2.run_id = r.run_id AND o2.key = ?",
    ]
    assert "o0.value DESC NULLS LAST" in body and "r.status ASC NULLS LAST" in body
    assert params == ["a", "b"]
    assert compile_order_by([]) == ([], "", [])


def test_order_by_rejects_a_plain_string() -> None:
    with pytest.raises(TypeError, match="list of strings"):
        parse_order_by("metrics.acc DESC")


# ---------------------------------------------------------------------------
# Errors: message and column
# ---------------------------------------------------------------------------

DEEP_PARENS = "(" * (MAX_DEPTH + 1) + "status = 'a'" + ")" * (MAX_DEPTH + 1)
DEEP_NOTS = "NOT " * (MAX_DEPTH + 1) + "status = 'a'"

ERROR_CASES = [
    # tokenizer
    ("`x` = 1", "a `quoted` key must follow a prefix, e.g. tags.`my key`", 1),
    ("metrics.a > 1 ; x", "unexpected character ';'", 15),
    ("metrics.a @ 1", "unexpected character '@'", 11),
    ("metrics.acc > 'x", "unterminated string: no closing '", 15),
    ('params.a = "x\\"', 'unterminated string: no closing "', 12),
    ("tags.`abc = 1", "unterminated quoted key: no closing `", 6),
    ("metrics.a == 1", "use '=' to compare, not '=='", 11),
    ("metrics.a ! 1", "unexpected character '!'; use != for 'not equal'", 11),
    ("metrics.a > 1.2.3", "malformed number '1.2.3'", 13),
    ("metrics.a > 5abc", "malformed number '5abc'", 13),
    ("metrics.a > 1e", "malformed number '1e'", 13),
    (
        "params.learning-rate = 1",
        "'-' cannot appear in a bare key; quote the key: params.`learning-rate`",
        16,
    ),
    ("params.a@b = 1", "'@' cannot appear in a bare key; quote the key: params.`a@b`", 9),
    ("params.a.`b` = 1", "a quoted key must follow the prefix directly, e.g. params.`a.b`", 10),
    ("tags.`` = 'a'", "empty key", 6),
    ("params.a = '\ud800'", "invalid character (a lone surrogate)", 13),
    # fields
    (
        "metircs.acc > 1",
        "unknown prefix 'metircs' (did you mean 'metrics'?); valid: metrics, params, tags, attributes",
        1,
    ),
    ("foo.acc > 1", "unknown prefix 'foo'; valid: metrics, params, tags, attributes", 1),
    ("metrics. > 1", "expected a key after 'metrics.'", 9),
    (
        "statu = 'x'",
        "unknown attribute 'statu' (did you mean 'status'?); valid: run_id, run_name, status,",
        1,
    ),
    ("attributes.statu = 'x'", "unknown attribute 'statu' (did you mean 'status'?)", 12),
    ("acc > 1", "unknown attribute 'acc'; valid: ", 1),
    ("metrics > 1", "expected '.' and a key after 'metrics', e.g. metrics.accuracy", 1),
    # literal types
    ("metrics.acc > 'x'", "metrics compare with numbers, not strings: use params.* or tags.* for text", 15),
    ("metrics.acc IN (1, 'x')", "metrics compare with numbers, not strings", 20),
    ("duration > '5'", "attributes.duration compares with numbers (seconds), not strings", 12),
    ("status = 5", "attributes.status compares with strings, not numbers: quote the value, e.g. '5'", 10),
    ("start_time > 'yesterday'", "expected an ISO date or datetime for attributes.start_time", 14),
    ("end_time IN (1, '2024-13-01')", "expected an ISO date or datetime for attributes.end_time", 17),
    # structure
    (DEEP_PARENS, f"filter nests deeper than {MAX_DEPTH} levels", MAX_DEPTH + 1),
    (DEEP_NOTS, f"filter nests deeper than {MAX_DEPTH} levels", 4 * MAX_DEPTH + 1),
    ("metrics.a > 1)", "unbalanced parenthesis: this ')' has no matching '('", 14),
    ("(metrics.a > 1", "unbalanced parenthesis: this '(' is never closed", 1),
    ("((metrics.a > 1)", "unbalanced parenthesis: this '(' is never closed", 1),
    ("metrics.a > 1 metrics.b > 2", "expected AND or OR, found 'metrics.b'", 15),
    ("metrics.a > 1 'x'", "expected AND or OR, found string 'x'", 15),
    ("(metrics.a > 1 metrics.b > 2)", "expected AND, OR or ')', found 'metrics.b'", 16),
    ("metrics.a > 1 AND", "expected a comparison after AND, found end of input", 18),
    ("NOT", "expected a comparison after NOT, found end of input", 4),
    ("AND metrics.a > 1", "expected a comparison, found 'AND'", 1),
    ("()", "expected a comparison after '(', found ')'", 2),
    ("'x' = params.a", "expected a comparison, found string 'x'", 1),
    ("metrics.acc accuracy", "expected a comparison operator after metrics.acc, found 'accuracy'", 13),
    ("tags.`a b`", "expected a comparison operator after tags.`a b`, found end of input", 11),
    ("metrics.a -1", "expected a comparison operator after metrics.a, found number -1", 11),
    ("params.x NOT 5", "expected IN, LIKE or ILIKE after NOT, found number 5", 14),
    ("params.a = NULL", "compare with NULL using IS NULL or IS NOT NULL", 12),
    ("metrics.a >", "expected a number after metrics.a >, found end of input", 12),
    (
        "status = FINISHED",
        "expected a string after status =, found 'FINISHED'; quote text values: 'FINISHED'",
        10,
    ),
    ("params.a = (", "expected a number or string after params.a =, found '('", 12),
    (
        "start_time > x",
        "expected a time (ms since epoch, or an ISO date string) after start_time >, found 'x'",
        14,
    ),
    ("metrics.a = b", "expected a number after metrics.a =, found 'b'", 13),
    ("params.x IN 'a'", "expected '(' after IN, found string 'a'", 13),
    ("params.x IN ()", "empty IN list", 14),
    ("metrics.a IN (1, )", "expected a number in the IN list, found ')'", 18),
    ("params.x IN ('a' 'b')", "expected ',' or ')' in the IN list, found string 'b'", 18),
    ("params.x IN ('a'", "expected ',' or ')' in the IN list, found end of input", 17),
    ("params.a IN (1, 'a')", "IN list mixes strings and numbers", 17),
    ("metrics.a LIKE 'x'", "LIKE does not apply to metrics: use params.* or tags.* for text", 11),
    ("metrics.a NOT ILIKE 'x'", "ILIKE does not apply to metrics: use params.* or tags.* for text", 15),
    ("start_time LIKE '2024%'", "LIKE does not apply to attributes.start_time, which is not text", 12),
    ("params.a LIKE 5", "LIKE needs a string pattern, found number 5", 15),
    ("params.a ILIKE", "ILIKE needs a string pattern, found end of input", 15),
    ("params.x IS 5", "expected NULL or NOT NULL after IS, found number 5", 13),
    ("params.x IS NOT x", "expected NULL after IS NOT, found 'x'", 17),
]


@pytest.mark.parametrize(("text", "message", "column"), ERROR_CASES)
def test_filter_errors(text: str, message: str, column: int) -> None:
    with pytest.raises(FilterParseError) as caught:
        parse_filter(text)
    assert caught.value.message.startswith(message), caught.value.message
    assert caught.value.column == column
    assert caught.value.text == text


@pytest.mark.parametrize(
    ("item", "message", "column"),
    [
        ("", "empty order_by item; expected a field such as 'metrics.accuracy DESC'", 1),
        ("  ", "empty order_by item", 1),
        ("(metrics.a)", "expected a field to order by, found '('", 1),
        ("DESC", "unknown attribute 'DESC'", 1),
        ("metrics.a DESCENDING", "expected ASC or DESC after metrics.a, found 'DESCENDING'", 11),
        ("metrics.a desc x", "expected end of order_by item after desc, found 'x'", 16),
        ("metrics.a, params.b", "expected ASC or DESC after metrics.a, found ','", 10),
        ("statu DESC", "unknown attribute 'statu' (did you mean 'status'?)", 1),
        ("params.`a DESC", "unterminated quoted key", 8),
        ("metrcs.a", "unknown prefix 'metrcs' (did you mean 'metrics'?)", 1),
    ],
)
def test_order_by_errors(item: str, message: str, column: int) -> None:
    with pytest.raises(FilterParseError) as caught:
        parse_order_by(["metrics.ok", item])
    assert caught.value.message.startswith(message), caught.value.message
    assert caught.value.column == column
    assert caught.value.text == item


def test_error_text_shows_a_caret() -> None:
    with pytest.raises(FilterParseError) as caught:
        parse_filter("metrics.acc accuracy")
    assert str(caught.value).splitlines() == [
        "expected a comparison operator after metrics.acc, found 'accuracy' (column 13)",
        "  metrics.acc accuracy",
        "              ^",
    ]
