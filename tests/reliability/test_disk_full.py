"""A full disk on a real small file system: a clear error, nothing acknowledged lost, full recovery.

Each test mounts a small file system of its own (tmpfs where the test may
mount, else an ext4 image on a loop device) and unmounts it in a finaliser.
Without either, the test is skipped with the reason, except under ``CI``
where it must run and fails instead.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import nbtrack
from nbtrack.errors import StoreError, StoreFullError
from nbtrack.store.spool import Spool


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), capture_output=True, text=True, check=False)


def _mount_tmpfs(where: Path, size_kb: int) -> str | None:
    done = _run("mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0755", "tmpfs", str(where))
    return None if done.returncode == 0 else f"tmpfs: {done.stderr.strip() or done.returncode}"


def _mount_loop(where: Path, size_kb: int) -> str | None:
    image = where.with_name(where.name + ".img")
    with open(image, "wb") as f:
        f.truncate(max(size_kb, 2048) * 1024)
    for command in (
        ("mkfs.ext4", "-q", "-F", "-m", "0", str(image)),
        ("mount", "-o", "loop", str(image), str(where)),
    ):
        done = _run(*command)
        if done.returncode != 0:
            return f"{command[0]}: {done.stderr.strip() or done.returncode}"
    return None


@pytest.fixture
def small_fs(request: pytest.FixtureRequest) -> Callable[[Path, int], Path]:
    """Mount a small file system at a directory (made if missing); unmounted at teardown."""
    mounted: list[Path] = []

    def mount(where: Path, size_kb: int) -> Path:
        where.mkdir(parents=True, exist_ok=True)
        reasons = [_mount_tmpfs(where, size_kb)]
        if reasons[0] is not None:
            reasons.append(_mount_loop(where, size_kb))
        if reasons[-1] is not None:
            message = f"cannot mount a small file system here ({'; '.join(r for r in reasons if r)})"
            if os.environ.get("CI"):
                pytest.fail(message + " and CI is set: the disk-full tests must run in CI")
            pytest.skip(message)
        mounted.append(where)
        return where

    def unmount_all() -> None:
        nbtrack.reset_session()  # close connections into the mounts first
        for where in reversed(mounted):
            if _run("umount", str(where)).returncode != 0:
                _run("umount", "-l", str(where))

    request.addfinalizer(unmount_all)
    return mount


@contextlib.contextmanager
def _full(fs: Path) -> Iterator[None]:
    """Fill ``fs`` to the last byte for the duration of the block, then give the space back."""
    filler = fs / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for chunk in (1 << 16, 1 << 12, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * chunk)
        with pytest.raises(OSError) as info:
            os.write(fd, b"\0")
        assert info.value.errno == errno.ENOSPC
    finally:
        os.close(fd)
    try:
        yield
    finally:
        filler.unlink()


def _steps(run_id: str) -> list[int]:
    return sorted(nbtrack.metric_history(run_id, "m")["step"].tolist())


def _log(steps: range) -> None:
    for step in steps:
        nbtrack.log_metric("m", float(step), step=step)


def _store_at(monkeypatch: pytest.MonkeyPatch, project: Path) -> Path:
    monkeypatch.setenv("NBTRACK_URI", str(project))
    nbtrack.reset_session()
    return project / ".nbtrack"


def test_full_while_merging_whole_store_on_a_small_fs(tmp_path, monkeypatch, small_fs):
    fs = small_fs(tmp_path / "small", 16384)
    root = _store_at(monkeypatch, fs / "project")
    run = nbtrack.start_run()
    try:
        _log(range(0, 500))
        nbtrack.flush()  # acknowledged
        _log(range(500, 1000))
        nbtrack.get_session().seal(durable=True)  # sealed while there is room, merged while there is none
        spool = Spool(root / "spool")
        waiting = spool.pending()
        assert waiting
        with _full(fs):
            store = nbtrack.get_session().store
            with pytest.raises(StoreFullError) as info:
                store.merge_pending(timeout=5)  # what flush() does after sealing
            message = str(info.value)
            assert message.startswith(f"disk full at {root}")
            assert "call nbtrack.flush() again" in message and "nothing was lost" in message
            assert re.search(rf"\d+ spool files? waits? in {re.escape(str(root / 'spool'))}", message)
            assert spool.set_aside() == [] and set(waiting) <= set(spool.pending())
            report = nbtrack.doctor()  # works on a full disk, and says so
            assert not report.ok and report.free_bytes == 0
            assert any(p.startswith(f"disk full at {root}") for p in report.problems)
            _log(range(1000, 1100))
            with pytest.raises(StoreError, match=r"No space left on device|disk full"):
                nbtrack.flush()  # the seal or the merge fails: flush never says OK
            assert spool.set_aside() == [] and set(waiting) <= set(spool.pending())
        nbtrack.flush()  # space is back: everything merges
        assert not set(waiting) & set(spool.pending()) and spool.set_aside() == []
    finally:
        nbtrack.end_run()
    assert _steps(run.run_id) == list(range(1100))  # exact: nothing lost, nothing twice
    assert nbtrack.get_run(run.run_id).status == "FINISHED"


def test_full_while_merging_database_on_a_small_fs_spool_elsewhere(tmp_path, monkeypatch, small_fs):
    fs = small_fs(tmp_path / "small", 16384)
    root = _store_at(monkeypatch, fs / "project")
    run = nbtrack.start_run()
    try:
        _log(range(0, 300))
        nbtrack.flush()
        small_fs(root / "spool", 16384)  # the spool gets its own, roomy file system
        with _full(fs):
            _log(range(300, 600))
            with pytest.raises(
                StoreFullError, match=r"disk full at .*nothing was lost, \d+ spool files? waits? in"
            ):
                nbtrack.flush()  # the seal worked (spool has room); the merge cannot
            _log(range(600, 900))  # logging carries on while the database's disk is full
            with pytest.raises(StoreFullError):
                nbtrack.flush()
            assert len(Spool(root / "spool").pending()) >= 2  # the background writer may seal more
        nbtrack.flush()
    finally:
        nbtrack.end_run()
    assert _steps(run.run_id) == list(range(900))
    assert Spool(root / "spool").set_aside() == []


def test_full_while_sealing_spool_on_a_small_fs(tmp_path, monkeypatch, small_fs, store_dir):
    with nbtrack.start_run():  # make the store on the normal disk
        pass
    spool_fs = small_fs(store_dir / "spool", 1024)
    run = nbtrack.start_run()
    try:
        _log(range(0, 200))
        nbtrack.flush()
        with _full(spool_fs):
            _log(range(200, 5200))
            with pytest.raises(StoreFullError, match=r"disk full at .*spool: free space") as info:
                nbtrack.flush()  # the seal itself fails, truthfully
            assert "kept" in str(info.value)  # ... and says the data stays in memory
            assert isinstance(info.value.__cause__, StoreFullError)
            assert [p.name for p in spool_fs.iterdir() if p.name != "filler.bin"] == []  # no .tmp left
        nbtrack.flush()  # room again: the buffered points are sealed and merged
    finally:
        nbtrack.end_run()
    assert _steps(run.run_id) == list(range(5200))
