"""Artifact paths cannot leave their folder: refused at merge (crafted spool files), checked on download.

A spool file is a file on disk that anyone who can write the spool folder
can craft; these tests write them through the Spool API, bypassing every
check the logging API makes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

import nbtrack
from nbtrack.errors import UnsafeArtifactPathError
from nbtrack.store import events
from nbtrack.store.spool import Spool

TRAVERSALS = ["../../escape.txt", "/tmp/nbtrack-abs-escape.txt", "a/../../escape.txt", "ok/./x", "a\x00b"]


def _artifact_rows(run_id: str, paths: list[str], digest: str) -> dict[str, list]:
    n = len(paths)
    return {
        "kind": [events.ARTIFACT] * n,
        "run_id": [run_id] * n,
        "key": paths,
        "step": [5] * n,
        "ts": [1_700_000_000_000] * n,
        "value": [None] * n,
        "text": [f"{digest} text/plain"] * n,
    }


def _logged_run() -> tuple[str, str]:
    with nbtrack.start_run() as run:
        nbtrack.log_text("inside", "ok.txt")
    return run.run_id, hashlib.sha256(b"inside").hexdigest()


@pytest.mark.parametrize("bad", TRAVERSALS)
def test_crafted_spool_file_with_a_traversal_path_is_set_aside_never_merged(store_dir, bad):
    run_id, digest = _logged_run()
    spool = Spool(store_dir / "spool")
    table = events.table_from_columns(_artifact_rows(run_id, ["fine.txt", bad], digest))
    spool.write(table, "zz-crafted-0000000001")
    with pytest.warns(RuntimeWarning, match=r"set aside 1 spool file"):
        nbtrack.flush()
    assert nbtrack.list_artifacts(run_id)["path"].tolist() == ["ok.txt"]  # nothing of that file merged
    assert spool.set_aside() == ["zz-crafted-0000000001.arrow"]
    assert "could leave its run's folder" in spool.why("zz-crafted-0000000001.arrow")
    assert spool.pending() == []


def test_crafted_artifact_row_with_a_bad_digest_is_set_aside(store_dir):
    run_id, _ = _logged_run()
    spool = Spool(store_dir / "spool")
    spool.write(events.table_from_columns(_artifact_rows(run_id, ["x.txt"], "../../etc")), "zz-digest-01")
    with pytest.warns(RuntimeWarning, match=r"set aside 1 spool file"):
        nbtrack.flush()
    assert "sha256" in spool.why("zz-digest-01.arrow")
    assert nbtrack.list_artifacts(run_id)["path"].tolist() == ["ok.txt"]


@pytest.mark.parametrize("bad", ["../escape.txt", "/tmp/nbtrack-abs-escape.txt", "a/../../escape.txt"])
def test_download_refuses_a_stored_path_that_leaves_dst_path(store_dir, tmp_path, bad):
    """A row that reached the database another way (an old nbtrack, a hand edit) is refused on the way out."""
    run_id, digest = _logged_run()
    nbtrack.reset_session()
    con = duckdb.connect(str(store_dir / "nbtrack.duckdb"))
    con.execute("INSERT INTO core.artifacts VALUES (?, ?, ?, 6, 'text/plain', 0)", [run_id, bad, digest])
    con.close()
    dst = tmp_path / "deep" / "dst"
    dst.mkdir(parents=True)
    with pytest.raises(UnsafeArtifactPathError, match=r"download_artifacts: run .* stored artifact path"):
        nbtrack.download_artifacts(run_id, dst_path=dst)
    assert not (tmp_path / "deep" / "escape.txt").exists()
    assert not (tmp_path / "escape.txt").exists()
    assert not Path("/tmp/nbtrack-abs-escape.txt").exists()
    assert list(dst.iterdir()) == []  # checked before anything was written


def test_download_refuses_a_symlink_inside_dst_path_that_points_out(tmp_path):
    with nbtrack.start_run() as run:
        nbtrack.log_text("one", "plots/a.txt")
        nbtrack.log_text("two", "top.txt")
    outside = tmp_path / "outside"
    outside.mkdir()
    dst = tmp_path / "dst"
    dst.mkdir()
    (dst / "plots").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafeArtifactPathError, match=r"'plots/a.txt' .* outside dst_path"):
        nbtrack.download_artifacts(run.run_id, dst_path=dst)
    assert list(outside.iterdir()) == []
    assert not (dst / "top.txt").exists()  # nothing written at all


def test_download_into_dst_path_still_works(tmp_path):
    with nbtrack.start_run() as run:
        nbtrack.log_text("one", "plots/a.txt")
    local = nbtrack.download_artifacts(run.run_id, dst_path=tmp_path / "dl")
    assert (Path(local) / "plots" / "a.txt").read_text() == "one"


def test_only_the_crafted_file_of_a_merge_is_set_aside(store_dir):
    run_id, digest = _logged_run()
    spool = Spool(store_dir / "spool")
    spool.write(events.table_from_columns(_artifact_rows(run_id, ["before.txt"], digest)), "zz-a-0000000001")
    spool.write(events.table_from_columns(_artifact_rows(run_id, ["../up.txt"], digest)), "zz-a-0000000002")
    spool.write(events.table_from_columns(_artifact_rows(run_id, ["after.txt"], digest)), "zz-a-0000000003")
    with pytest.warns(RuntimeWarning, match=r"set aside 1 spool file"):
        nbtrack.flush()
    assert spool.set_aside() == ["zz-a-0000000002.arrow"]
    assert nbtrack.list_artifacts(run_id)["path"].tolist() == ["after.txt", "before.txt", "ok.txt"]
