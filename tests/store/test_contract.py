"""What every Store backend promises: writes, merges, searches, single runs, histories, blobs, SQL."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest

from nbtrack.errors import ReadOnlyQueryError
from nbtrack.store.base import RunQuery, Store

from ._writes import EXPERIMENT_ID, Writes

A, B, C = "a" * 32, "b" * 32, "c" * 32


@pytest.fixture
def three(writes: Writes) -> Writes:
    """Three finished runs of one experiment: lr 0.1/0.2/0.3, acc 0.7/0.9/0.8, started in that order."""
    writes.experiment()
    for i, (run_id, lr, acc) in enumerate(((A, "0.1", 0.7), (B, "0.2", 0.9), (C, "0.3", 0.8))):
        writes.run(run_id, start_ms=10_000 * (i + 1), params={"lr": lr}, tags={"team": "x" if i else "y"})
        writes.metric(run_id, "acc", [(0, acc / 2), (1, acc)])
    writes.commit()
    return writes


def test_written_batches_are_read_once_merged(store: Store, writes: Writes) -> None:
    assert store.count_runs(RunQuery()) == 0
    writes.experiment()
    writes.run(A, start_ms=1_000)
    writes.commit()
    assert store.search_runs(RunQuery())["run_id"].tolist() == [A]
    assert store.merge_pending(timeout=1.0) is True  # nothing left: still True


def test_search_filters_orders_and_pages(store: Store, three: Writes) -> None:
    ordered = store.search_runs(RunQuery(order_by=("metrics.acc DESC",)))
    assert ordered["run_id"].tolist() == [B, C, A]
    assert ordered["params.lr"].tolist() == ["0.2", "0.3", "0.1"]
    picked = store.search_runs(RunQuery(filter="metrics.acc > 0.75", order_by=("params.lr ASC",)))
    assert picked["run_id"].tolist() == [B, C]
    page = RunQuery(order_by=("start_time ASC",), offset=1, max_results=1)
    assert store.search_runs(page)["run_id"].tolist() == [B]
    assert store.count_runs(page) == 3  # paging ignored by the count
    assert store.count_runs(RunQuery(filter="tags.team = 'x'")) == 2
    assert set(store.search_runs(RunQuery(run_ids=(C, A)))["run_id"]) == {A, C}
    assert store.count_runs(RunQuery(experiment_ids=("nope",))) == 0
    assert store.count_runs(RunQuery(experiment_ids=(EXPERIMENT_ID,))) == 3


def test_deleted_runs_are_left_out_unless_asked_for(store: Store, three: Writes) -> None:
    three.delete(B)
    three.commit()
    assert set(store.search_runs(RunQuery())["run_id"]) == {A, C}
    assert set(store.search_runs(RunQuery(include_deleted=True))["run_id"]) == {A, B, C}
    assert store.get_run(B, include_deleted=False) is None
    record = store.get_run(B)
    assert record is not None and record.lifecycle_stage == "deleted"


def test_get_run_has_params_latest_metrics_and_tags(store: Store, three: Writes) -> None:
    record = store.get_run(B)
    assert record is not None
    assert (record.run_id, record.status, record.experiment_name) == (B, "FINISHED", "exp")
    assert record.params == {"lr": "0.2"} and record.metrics == {"acc": 0.9} and record.tags == {"team": "x"}
    assert record.duration == pytest.approx(1.0)
    assert store.get_run("f" * 32) is None


def test_experiments_and_find_experiments(store: Store, three: Writes) -> None:
    frame = store.experiments()
    assert frame["name"].tolist() == ["exp"] and int(frame["runs"].iloc[0]) == 3
    assert store.find_experiments(["exp", EXPERIMENT_ID, "missing"]) == {
        "exp": (EXPERIMENT_ID, "exp"),
        EXPERIMENT_ID: (EXPERIMENT_ID, "exp"),
    }


def test_metric_history_downsamples_and_counts(store: Store, writes: Writes) -> None:
    writes.experiment()
    writes.run(A, start_ms=1_000)
    writes.metric(A, "loss", [(step, 1.0 / (step + 1)) for step in range(1_000)])
    writes.commit()
    table, total = store.metric_history(A, "loss", None)
    assert total == 1_000 and table.column("step").to_pylist() == list(range(1_000))
    small, total = store.metric_history(A, "loss", 40)
    steps = small.column("step").to_pylist()
    assert total == 1_000 and 4 <= len(steps) <= 40 and steps[0] == 0 and steps[-1] == 999
    assert max(small.column("value").to_pylist()) == 1.0  # the maximum survives downsampling
    assert store.metric_history(A, "missing", None)[1] == 0
    assert store.metric_steps(A) == {"loss": 999}


def test_blobs_are_content_addressed(store: Store, tmp_path) -> None:
    digest, size = store.put_blob(b"hello")
    assert size == 5 and len(digest) == 64
    assert store.put_blob(b"hello") == (digest, 5)
    assert store.blob_path(digest).read_bytes() == b"hello"
    source = tmp_path / "f.bin"
    source.write_bytes(b"\x00" * 1000)
    file_digest, file_size = store.put_blob(file=source)
    assert file_size == 1000 and store.blob_path(file_digest).read_bytes() == b"\x00" * 1000


def test_artifacts_list_what_a_run_logged(store: Store, writes: Writes) -> None:
    writes.experiment()
    writes.run(A, start_ms=1_000)
    digest = writes.artifact(A, "notes/b.txt", b"bee")
    writes.artifact(A, "a.json", b"{}", "application/json")
    writes.commit()
    frame = store.artifacts(A)
    assert frame["path"].tolist() == ["a.json", "notes/b.txt"]
    row = frame.iloc[1]
    assert (row["sha256"], int(row["size"]), row["media_type"]) == (digest, 3, "text/plain")
    assert store.artifacts(B).empty


def test_sql_reads_the_views_and_never_writes(store: Store, three: Writes) -> None:
    frame = store.sql("SELECT run_id FROM runs WHERE run_id <> ? ORDER BY run_id", [A])
    assert frame["run_id"].tolist() == [B, C]
    with pytest.raises(ReadOnlyQueryError):
        store.sql("DELETE FROM core.runs")
    assert store.count_runs(RunQuery()) == 3


def test_interface_defaults(store: Store, writes: Writes) -> None:
    assert isinstance(store.lock_timeout, float) and store.lock_timeout > 0
    assert store.statement_timeout is None  # unbounded unless the owner sets it (the Jupyter server does)
    before = store.change_token()
    writes.experiment()
    writes.run(A, start_ms=int(time.time() * 1000))
    writes.commit()
    assert before is None or store.change_token() != before
    store.release_idle()  # before a fork: must leave the store usable
    assert store.count_runs(RunQuery()) == 1


def test_close_keeps_everything_for_the_next_opening(
    store: Store, writes: Writes, reopen: Callable[[], Store]
) -> None:
    writes.experiment()
    writes.run(A, start_ms=1_000, params={"lr": "0.1"})
    writes.commit()
    store.close()
    again = reopen()
    try:
        record = again.get_run(A)
        assert record is not None and record.params == {"lr": "0.1"}
    finally:
        again.close()


def test_a_forked_child_reads_after_forget_after_fork(store: Store, three: Writes) -> None:
    assert store.count_runs(RunQuery()) == 3  # the parent has used the store
    store.release_idle()  # what the Session does before every fork
    pid = os.fork()
    if pid == 0:  # the child: leave with a code, never through pytest
        code = 1
        try:
            store.forget_after_fork()
            code = 0 if store.count_runs(RunQuery(filter="metrics.acc > 0.75")) == 2 else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert store.count_runs(RunQuery()) == 3  # and the parent still reads
