"""16 writer and 4 reader processes on one store at once: nothing lost, nothing duplicated.

Writers log steps 0..n-1 of ``x`` (value = step) with pauses, as a training
loop does; readers query the run table and the point count in a loop and
check that what they see never goes down. Speed is measured by
``benchmarks/bench_reliability.py``, never asserted here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import nbtrack

from ._workers import Contention


def _contention(store_dir: Path, workdir: Path, writers: int, points: int) -> None:
    contention = Contention(workdir, writers=writers, readers=4, points=points)
    contention.run()  # every process exits 0 with no traceback or warning on stderr
    assert [d[0] for d in contention.done] == ["DONE"] * writers
    assert all(int(r[1]) > 0 for r in contention.reads), contention.reads  # every reader read
    assert [r[5] for r in contention.reads] == ["0"] * 4, contention.reads  # never went down

    stats = nbtrack.sql(
        "select count(*) n, count(distinct (run_id, key, step)) d, count(distinct run_id) r from metrics"
    ).iloc[0]
    assert (stats["n"], stats["d"], stats["r"]) == (writers * points,) * 2 + (writers,)
    frame = nbtrack.runs(experiment="*")
    assert sorted(frame["run_id"]) == sorted(d[1] for d in contention.done)
    assert set(frame["status"]) == {"FINISHED"}
    assert frame["metrics.x"].tolist() == [float(points - 1)] * writers
    assert not list((store_dir / "spool").glob("*.arrow"))
    assert not list((store_dir / "spool" / "bad").glob("*"))


def test_sixteen_writers_and_four_readers_lose_and_duplicate_nothing(store_dir, tmp_path):
    _contention(store_dir, tmp_path / "workers", writers=16, points=2_000)


@pytest.mark.soak
@pytest.mark.parametrize("round_", range(3))
def test_soak_sixteen_writers_and_four_readers(store_dir, tmp_path, round_):
    _contention(store_dir, tmp_path / "workers", writers=16, points=20_000)
