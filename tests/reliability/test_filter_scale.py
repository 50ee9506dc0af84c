"""Long filters give right answers, limits give clear errors, and reads never starve writers.

Speed is measured by ``benchmarks/bench_filter_scale.py`` (never asserted here).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import nbtrack
from nbtrack.errors import FilterParseError, FilterTooLargeError, QueryTimeoutError
from nbtrack.store.base import RunQuery
from nbtrack.store.embedded import EmbeddedStore
from nbtrack.store.filter import (
    MAX_DEPTH,
    MAX_FILTER_LENGTH,
    MAX_ORDER_LENGTH,
    MAX_ORDER_TERMS,
    MAX_TERMS,
    parse_filter,
    parse_order_by,
)

RUNS = 400
ROOT = Path(__file__).resolve().parents[2]
SLOW_SQL = "SELECT sum(hash(i)) FROM range(1000000000000) t(i)"  # hours of work; never finishes


def fill(store: EmbeddedStore, runs: int) -> None:
    """``runs`` runs written straight into the store's tables: run i has m = i, p = 'i', t = 'even'/'odd'."""
    with store.reading() as con:
        con.execute("INSERT INTO core.experiments VALUES ('0', 'scale', 0, 'active')")
        con.execute(
            "INSERT INTO core.runs SELECT 'run' || i, '0', 'name' || i, 'FINISHED', 1000 * i, "
            "1000 * i + 500, NULL, 'active', 1, 'h', 'u', 0, NULL FROM range(?) t(i)",
            [runs],
        )
        con.execute(
            "INSERT INTO core.metric_latest SELECT 'run' || i, 'm', 1, 0, i FROM range(?) t(i)", [runs]
        )
        con.execute(
            "INSERT INTO core.params SELECT 'run' || i, 'p', CAST(i AS VARCHAR) FROM range(?) t(i)", [runs]
        )
        con.execute(
            "INSERT INTO core.tags SELECT 'run' || i, 't', CASE WHEN i % 2 = 0 THEN 'even' ELSE 'odd' END "
            "FROM range(?) t(i)",
            [runs],
        )


@pytest.fixture
def store(store_dir: Path) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(store_dir)
    fill(store, RUNS)
    yield store
    store.close()


def count(store: EmbeddedStore, text: str) -> int:
    return store.count_runs(RunQuery(filter=text))


def test_a_chain_of_the_most_terms_selects_exactly(store: EmbeddedStore) -> None:
    """MAX_TERMS comparisons of every kind: numeric and text params, tags, NOT, IS NULL, attributes."""
    groups = MAX_TERMS // 5
    terms = []
    for g in range(groups):
        terms += [
            f"metrics.m >= {g}",
            f"params.p > {g - 1}",  # numeric: p = i
            f"params.p != 'x{g}'" if g % 2 else f"start_time >= {g}",  # text, always true; attribute
            "NOT tags.t = 'odd'",
            f"metrics.missing{g} IS NULL",
        ]
    text = " AND ".join(terms)
    expected = sum(1 for i in range(RUNS) if i >= groups - 1 and i % 2 == 0)
    assert count(store, text) == expected
    assert count(store, f"NOT ({text})") == RUNS - expected


def test_a_long_or_chain_and_in_lists(store: EmbeddedStore) -> None:
    text = " OR ".join(f"metrics.m = {i}" for i in range(0, MAX_TERMS, 2))  # 250 of 400 runs hit
    assert count(store, text) == len(range(0, min(MAX_TERMS, RUNS), 2))
    values = ", ".join(str(i) for i in range(0, RUNS, 3))
    assert count(store, f"params.p IN ({values}) AND NOT params.p IN ({values})") == 0
    assert count(store, f"params.p IN ({values})") == len(range(0, RUNS, 3))
    assert count(store, f"params.p NOT IN ({values}) AND tags.t IN ('even')") == sum(
        1 for i in range(RUNS) if i % 3 and i % 2 == 0
    )


def test_too_many_terms_is_refused_before_any_sql(store: EmbeddedStore, store_dir: Path) -> None:
    text = " AND ".join(["metrics.m > 1"] * (MAX_TERMS + 1))
    holder = _hold_lock(store_dir)  # any SQL would wait for this lock, then fail differently
    try:
        with pytest.raises(FilterTooLargeError) as refused:
            nbtrack.runs(filter=text)
    finally:
        holder.kill()
        holder.wait()
    message = str(refused.value)
    assert f"more than {MAX_TERMS} comparisons" in message and len(message) < 300
    assert isinstance(refused.value, FilterParseError) and refused.value.text == text


def _hold_lock(store_dir: Path) -> subprocess.Popen[str]:
    code = textwrap.dedent(
        f"""
        import fcntl, os, sys, time
        fd = os.open({str(store_dir / "nbtrack.duckdb.lock")!r}, os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX)
        print("held", flush=True)
        time.sleep(600)
        """
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


@pytest.mark.parametrize(
    "text",
    [
        "x" * (MAX_FILTER_LENGTH + 1),
        "metrics.m > 1 AND " * 2000 + "metrics.m > 1",
        "params.p IN (" + ", ".join(["'a'"] * 6000) + ")",
    ],
    ids=["long", "long chain", "long IN list"],
)
def test_over_long_filters_get_a_short_clear_error(text: str) -> None:
    with pytest.raises(FilterTooLargeError) as refused:
        parse_filter(text)
    assert len(str(refused.value)) < 300
    assert "limit" in str(refused.value) or "more than" in str(refused.value)


@pytest.mark.parametrize(
    "text",
    [
        "(" * 5000 + "metrics.m > 1" + ")" * 5000,
        "NOT " * 4000 + "metrics.m > 1",
        "(NOT " * 3000 + "metrics.m > 1" + ")" * 3000,
        "(" * 9000,
    ],
    ids=["parens", "nots", "mixed", "unclosed"],
)
def test_deep_nesting_is_a_parse_error_not_a_recursion_error(text: str) -> None:
    with pytest.raises(FilterParseError) as refused:
        parse_filter(text)
    assert f"deeper than {MAX_DEPTH}" in str(refused.value)


def test_the_deepest_accepted_nesting_runs(store: EmbeddedStore) -> None:
    half = MAX_DEPTH // 2
    text = "(NOT " * half + "metrics.m >= 10" + ")" * half  # an even number of NOTs
    assert count(store, text) == RUNS - 10


def test_order_by_limits(store: EmbeddedStore) -> None:
    with pytest.raises(FilterTooLargeError, match=f"the limit is {MAX_ORDER_TERMS}"):
        parse_order_by(["metrics.m"] * (MAX_ORDER_TERMS + 1))
    with pytest.raises(FilterTooLargeError, match="characters long"):
        parse_order_by(["params.`" + "k" * MAX_ORDER_LENGTH + "`"])
    order = ["tags.t DESC", *[f"metrics.m{'' if i == 0 else i} DESC" for i in range(MAX_ORDER_TERMS - 1)]]
    frame = store.search_runs(RunQuery(order_by=tuple(order), max_results=3))
    assert list(frame["run_id"]) == ["run399", "run397", "run395"]


def test_statement_timeout_stops_a_read_and_the_store_stays_usable(store: EmbeddedStore) -> None:
    store.statement_timeout = 0.5
    with pytest.raises(QueryTimeoutError, match=r"statement_timeout of 0\.5 s"):
        store.sql(SLOW_SQL)
    with pytest.raises(QueryTimeoutError), store.reading() as con:
        con.execute(SLOW_SQL).fetchall()
    assert count(store, "metrics.m >= 0") == RUNS  # the lock and connection were given back
    assert int(store.sql("SELECT count(*) AS n FROM runs")["n"][0]) == RUNS
    store.statement_timeout = None
    assert count(store, "tags.t = 'odd'") == RUNS // 2


_READER = """
import sys, time
from pathlib import Path
from nbtrack.errors import QueryTimeoutError
from nbtrack.store.base import RunQuery
from nbtrack.store.embedded import EmbeddedStore

store = EmbeddedStore(Path(sys.argv[1]))
store.statement_timeout = 1.0
stop = Path(sys.argv[2])
text = " OR ".join(f"metrics.m = {i}" for i in range(500))
reads = timeouts = 0
print("ready", flush=True)
while not stop.exists():
    assert store.count_runs(RunQuery(filter=text)) == int(sys.argv[3])
    reads += 1
    try:
        store.sql("SELECT sum(hash(i)) FROM range(1000000000000) t(i)")
    except QueryTimeoutError:
        timeouts += 1
print(reads, timeouts, flush=True)
"""

_WRITER = """
import nbtrack
with nbtrack.start_run(run_name="writer") as run:
    for round_ in range(8):
        for step in range(100):
            nbtrack.log_metric("w", float(step), step=round_ * 100 + step)
        nbtrack.flush()  # raises if the store stayed locked past NBTRACK_LOCK_TIMEOUT
print(run.info.run_id, flush=True)
"""


def test_long_reads_in_one_process_never_fail_another_process_flush(store_dir: Path, tmp_path: Path) -> None:
    """A reader looping over 500-term filters and 1 s-bounded slow queries; a writer flushing 8 times.

    The writer's lock wait is 8 s: without the statement timeout the reader's
    slow query would hold the lock for hours and every flush would fail.
    """
    store = EmbeddedStore(store_dir)
    fill(store, RUNS)
    store.close()
    stop = tmp_path / "stop"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NBTRACK_LOCK_TIMEOUT": "8"}
    reader = subprocess.Popen(
        [sys.executable, "-c", _READER, str(store_dir), str(stop), str(min(RUNS, 500))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "ready"
        time.sleep(1.0)  # let the reader get into its loop (not a timing assertion)
        writer = subprocess.run(
            [sys.executable, "-c", _WRITER], capture_output=True, text=True, env=env, timeout=300
        )
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=120)
    assert writer.returncode == 0, writer.stderr
    assert reader.returncode == 0, err
    reads, timeouts = (int(part) for part in out.split())
    assert reads >= 1 and timeouts >= 1
    run_id = writer.stdout.strip()
    points = nbtrack.sql("SELECT count(DISTINCT step) AS n FROM metrics WHERE run_id = ?", [run_id])
    assert int(points["n"][0]) == 800
