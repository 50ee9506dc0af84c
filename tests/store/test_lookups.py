"""The named lookups the layers above ``store/`` use instead of writing SQL."""

from __future__ import annotations

import pytest

from nbtrack.store.base import MetricSeries, Store

from ._writes import EXPERIMENT_ID, Writes

OTHER = "e0000000000000002"
A, A2, B, C = "ab" + "0" * 30, "ab" + "1" * 30, "b" * 32, "c" * 32


@pytest.fixture
def stored(writes: Writes) -> Writes:
    """A and A2 share the prefix 'ab'; C lives in another experiment and is deleted later by some tests."""
    writes.experiment()
    writes.experiment(OTHER, "other")
    writes.run(A, start_ms=10_000, params={"lr": "0.1"}, tags={"cell": "x1"})
    writes.metric(A, "loss", [(0, 1.0), (1, 0.5), (2, 0.25)])
    writes.metric(A, "acc", [(0, 0.5)])
    writes.run(A2, start_ms=20_000, params={"lr": "0.2", "depth": "3"}, tags={"cell": "x1"})
    writes.metric(A2, "loss", [(5, 0.4)])
    writes.run(B, start_ms=30_000, tags={"cell": "x2"}, status="FAILED")
    writes.run(C, start_ms=40_000, experiment_id=OTHER, params={"seed": "1"}, tags={"note": "n"})
    writes.metric(C, "f1", [(0, 0.1)])
    writes.commit()
    return writes


def test_metric_series_counts_points_and_last_step(store: Store, stored: Writes) -> None:
    assert store.metric_series(A) == [MetricSeries("acc", 1, 0), MetricSeries("loss", 3, 2)]
    assert store.metric_series(B) == []


def test_metric_keys_of_several_runs(store: Store, stored: Writes) -> None:
    assert store.metric_keys([A, C]) == ["acc", "f1", "loss"]
    assert store.metric_keys([A2]) == ["loss"]
    assert store.metric_keys([B, "f" * 32]) == []
    assert store.metric_keys([]) == []


def test_series_counts_only_of_series_that_exist(store: Store, stored: Writes) -> None:
    assert store.series_counts([A, A2, B], ["loss", "acc"]) == {
        (A, "loss"): 3,
        (A, "acc"): 1,
        (A2, "loss"): 1,
    }
    assert store.series_counts([A], []) == {} and store.series_counts([], ["loss"]) == {}


def test_column_keys_per_experiment_without_deleted_runs(store: Store, stored: Writes) -> None:
    everything = store.column_keys(None)
    assert everything == {
        "metrics": ["acc", "f1", "loss"],
        "params": ["depth", "lr", "seed"],
        "tags": ["cell", "note"],
    }
    assert store.column_keys([EXPERIMENT_ID]) == {
        "metrics": ["acc", "loss"],
        "params": ["depth", "lr"],
        "tags": ["cell"],
    }
    stored.delete(C)
    stored.commit()
    assert store.column_keys([OTHER]) == {"metrics": [], "params": [], "tags": []}
    assert store.column_keys(["nope"]) == {"metrics": [], "params": [], "tags": []}


def test_resolve_run_prefix(store: Store, stored: Writes) -> None:
    assert store.resolve_run_prefix("ab") == [A, A2]
    assert store.resolve_run_prefix("ab", limit=1) == [A]
    assert store.resolve_run_prefix("ab1") == [A2]
    assert store.resolve_run_prefix(B) == [B]
    assert store.resolve_run_prefix("zz") == []
    assert store.resolve_run_prefix("a%") == []  # a prefix, not a LIKE pattern
    stored.delete(C)
    stored.commit()
    assert store.resolve_run_prefix("c") == [C]  # deleted runs are still found by id


def test_previous_runs_newest_before_a_time(store: Store, stored: Writes) -> None:
    found = store.previous_runs("cell", exclude_run_id="", before_ms=1_000_000)
    assert set(found) == {"x1", "x2"}
    assert found["x1"].run_id == A2 and found["x1"].params == {"lr": "0.2", "depth": "3"}
    assert found["x1"].metrics == {"loss": 0.4} and found["x1"].status == "FINISHED"
    assert found["x2"].run_id == B and found["x2"].status == "FAILED" and found["x2"].params == {}
    earlier = store.previous_runs("cell", exclude_run_id="", before_ms=20_000)
    assert set(earlier) == {"x1"} and earlier["x1"].run_id == A  # A2 started at 20 000: not before
    assert earlier["x1"].metrics == {"loss": 0.25, "acc": 0.5}
    assert store.previous_runs("cell", exclude_run_id=A2, before_ms=1_000_000)["x1"].run_id == A
    stored.delete(A2)
    stored.commit()
    assert store.previous_runs("cell", exclude_run_id="", before_ms=1_000_000)["x1"].run_id == A
    assert store.previous_runs("absent", exclude_run_id="", before_ms=1_000_000) == {}


def test_version_digest_moves_with_what_readers_show(store: Store, stored: Writes) -> None:
    first = store.version_digest()
    assert (first.runs, first.experiments) == (4, 2)
    assert store.version_digest() == first  # nothing changed: same digest
    changes = (
        lambda: stored.metric(A, "loss", [(3, 0.1)]),
        lambda: stored.status(B, "KILLED"),
        lambda: stored.tag(C, "extra", "1"),
        lambda: stored.delete(A2),
    )
    seen = {first.digest}
    for change in changes:
        change()
        stored.commit()
        digest = store.version_digest().digest
        assert digest not in seen
        seen.add(digest)
    assert store.version_digest().runs == 3  # A2 deleted
