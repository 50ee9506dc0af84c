"""Filter cost against the number of terms: long AND chains on a store of ~2,000 runs.

Builds a real embedded store (2,000 runs, each with 20 metrics, 20 params and 10 tags),
then times ``EmbeddedStore.count_runs`` (the filter without building the table; median of a
few calls after one warm-up) for AND chains of 10, 100, 200, 500 and 1,000 terms that mix
metric, param (numeric and text), tag and attribute predicates, plus the same chain as OR.
The parser refuses more than ``MAX_TERMS`` terms; ``--over-cap`` lifts the cap inside this
process to time 1,000 terms.

    .venv/bin/python benchmarks/bench_filter_scale.py
    .venv/bin/python benchmarks/bench_filter_scale.py --runs 500 --terms 10,100 --over-cap
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nbtrack.store import filter as filter_module  # noqa: E402
from nbtrack.store.base import RunQuery  # noqa: E402
from nbtrack.store.embedded import EmbeddedStore  # noqa: E402

METRICS, PARAMS, TAGS = 20, 20, 10


def build_store(root: Path, runs: int) -> EmbeddedStore:
    """A store with ``runs`` runs written straight into its tables (fast; same schema)."""
    store = EmbeddedStore(root)
    with store.reading() as con:
        con.execute("INSERT INTO core.experiments VALUES ('0', 'bench', 0, 'active')")
        con.execute(
            "INSERT INTO core.runs SELECT 'run' || i, '0', 'name' || i, 'FINISHED', 1000 * i, "
            "1000 * i + 500, NULL, 'active', 1, 'h', 'u', 0, NULL FROM range(?) t(i)",
            [runs],
        )
        con.execute(
            "INSERT INTO core.metric_latest SELECT 'run' || i, 'm' || j, 1, 0, (i * 7 + j) % 100 / 100.0 "
            "FROM range(?) a(i), range(?) b(j)",
            [runs, METRICS],
        )
        con.execute(
            "INSERT INTO core.params SELECT 'run' || i, 'p' || j, CAST((i + j) % 50 AS VARCHAR) "
            "FROM range(?) a(i), range(?) b(j)",
            [runs, PARAMS],
        )
        con.execute(
            "INSERT INTO core.tags SELECT 'run' || i, 't' || j, 'v' || ((i + j) % 5) "
            "FROM range(?) a(i), range(?) b(j)",
            [runs, TAGS],
        )
    return store


def term(index: int) -> str:
    """One predicate; almost every run satisfies it, so a chain keeps most runs."""
    kind = index % 6
    if kind == 0:
        return f"metrics.m{index % METRICS} >= 0"
    if kind == 1:
        return f"params.p{index % PARAMS} < 1000"
    if kind == 2:
        return f"params.p{index % PARAMS} != 'x{index}'"
    if kind == 3:
        return f"tags.t{index % TAGS} LIKE 'v%'"
    if kind == 4:
        return f"metrics.m{index % METRICS} IS NOT NULL"
    return f"start_time >= {index}"


def time_filter(store: EmbeddedStore, text: str, repeat: int) -> tuple[float, int]:
    """Median seconds of ``count_runs`` (the filter alone) for ``text``, and the count."""
    query = RunQuery(filter=text, max_results=100_000)
    found = store.count_runs(query)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        store.count_runs(query)
        times.append(time.perf_counter() - start)
    return statistics.median(times), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--terms", default="10,100,200,500,1000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--over-cap", action="store_true", help="lift the parser's term cap")
    args = parser.parse_args()
    if args.over_cap and hasattr(filter_module, "MAX_TERMS"):
        filter_module.MAX_TERMS = 10**6
        filter_module.MAX_FILTER_LENGTH = 10**8
    with tempfile.TemporaryDirectory() as tmp:
        store = build_store(Path(tmp) / ".nbtrack", args.runs)
        print(f"store: {args.runs} runs x ({METRICS} metrics, {PARAMS} params, {TAGS} tags)")
        print(f"{'terms':>6} {'chars':>7} {'AND s':>9} {'runs':>6} {'OR s':>9} {'runs':>6}")
        for count in [int(n) for n in args.terms.split(",")]:
            parts = [term(i) for i in range(count)]
            row = [f"{count:>6}", f"{len(' AND '.join(parts)):>7}"]
            for joiner in (" AND ", " OR "):
                try:
                    seconds, found = time_filter(store, joiner.join(parts), args.repeat)
                    row += [f"{seconds:>9.4f}", f"{found:>6}"]
                except Exception as exc:  # the figure is the error itself
                    row += [f"{type(exc).__name__:>9}", f"{'-':>6}"]
            print(" ".join(row), flush=True)
        store.close()


if __name__ == "__main__":
    main()
