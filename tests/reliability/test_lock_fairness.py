"""Waiters get the store lock in arrival order: a process that just released it queues behind them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from nbtrack.store.lock import StoreLock
from nbtrack.store.lock_queue import REMOVE_AFTER_SECONDS, STALE_SECONDS

_WAITER = """
import sys, time
from pathlib import Path
from nbtrack.store.lock import StoreLock
lock = StoreLock(Path(sys.argv[1]))
assert lock.acquire(60)
print("GOT", time.monotonic(), flush=True)
time.sleep(0.3)
lock.release()
"""


def _wait_for(predicate, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


def test_a_waiter_gets_the_lock_before_the_releaser_takes_it_back(tmp_path: Path) -> None:
    path = tmp_path / "nbtrack.duckdb.lock"
    lock = StoreLock(path)
    assert lock.acquire(5)
    out = tmp_path / "waiter.out"
    with open(out, "w") as sink:
        waiter = subprocess.Popen([sys.executable, "-c", _WAITER, str(path)], stdout=sink)
    try:
        queue = path.with_name(path.name + ".queue")
        _wait_for(lambda: queue.is_dir() and any(queue.iterdir()), "the waiter's ticket")
        assert lock.someone_waiting()
        lock.release()
        assert lock.acquire(60)  # straight back: without the queue this wins the race every time
        try:
            assert out.read_text().startswith("GOT"), "the releaser jumped the queue"
        finally:
            lock.release()
        assert waiter.wait(60) == 0
    finally:
        waiter.kill()
    assert list(queue.iterdir()) == []  # tickets leave with their waiters


def test_a_non_blocking_attempt_never_jumps_the_queue(tmp_path: Path) -> None:
    lock = StoreLock(tmp_path / "x.lock")
    ticket = lock.queue.take()  # a live waiter ahead (fresh ticket), lock itself free
    try:
        assert lock.acquire(0) is False
    finally:
        lock.queue.leave(ticket)
    assert lock.acquire(0) is True
    lock.release()


def test_tickets_of_dead_waiters_go_stale_and_are_removed(tmp_path: Path) -> None:
    lock = StoreLock(tmp_path / "x.lock")
    stale, old = lock.queue.take(), lock.queue.take()
    now = time.time()
    os.utime(lock.queue.directory / stale, (now - STALE_SECONDS - 1,) * 2)
    os.utime(lock.queue.directory / old, (now - REMOVE_AFTER_SECONDS - 1,) * 2)
    assert lock.acquire(5)  # neither blocks the line
    lock.release()
    names = {p.name for p in lock.queue.directory.iterdir()}
    assert names == {stale}  # the old one was removed, the merely stale one is left for its owner
