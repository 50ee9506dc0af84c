"""Per-call cost of ``nbtrack.sql`` (EmbeddedStore.sql) on a small store.

Two patterns: a burst (calls back to back, so the leased connection of the previous read is
still open) and spaced calls (0.4 s apart, longer than the lease, so every call opens the
file). Prints the median and p90 in milliseconds.

    .venv/bin/python benchmarks/bench_user_sql.py
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

from nbtrack.store.embedded import EmbeddedStore  # noqa: E402

QUERY = "SELECT count(*) AS n FROM runs"


def timed(store: EmbeddedStore, calls: int, gap: float) -> list[float]:
    """Milliseconds of each of ``calls`` calls, ``gap`` seconds apart."""
    store.sql(QUERY)
    out = []
    for _ in range(calls):
        if gap:
            time.sleep(gap)
        start = time.perf_counter()
        store.sql(QUERY)
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddedStore(Path(tmp) / ".nbtrack")
        with store.reading() as con:
            con.execute(
                "INSERT INTO core.runs (run_id, experiment_id, status, lifecycle) "
                "SELECT 'r' || i, '0', 'FINISHED', 'active' FROM range(1000) t(i)"
            )
        for name, gap in (("burst", 0.0), ("spaced 0.4 s", 0.4)):
            times = sorted(timed(store, args.calls, gap))
            p90 = times[int(len(times) * 0.9) - 1]
            print(f"{name:>14}: median {statistics.median(times):6.2f} ms   p90 {p90:6.2f} ms")
        store.close()


if __name__ == "__main__":
    main()
