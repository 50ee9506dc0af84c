"""The background writer never dies, whatever its tick raises and whatever the warnings filter says."""

from __future__ import annotations

import threading
import warnings

from nbtrack.tracking.writer import BackgroundWriter


def test_a_failing_tick_under_an_error_filter_leaves_the_writer_running():
    ticks = threading.Semaphore(0)

    def tick():
        ticks.release()
        raise OSError("No space left on device")

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # what pytest's -W error (and ours, for nbtrack) does
        writer = BackgroundWriter(tick, interval=0.01)
        writer.start()
        try:
            for _ in range(3):  # the first failure warns (an exception here), the others stay quiet
                assert ticks.acquire(timeout=30)
            assert writer.alive
        finally:
            writer.stop()
    assert not writer.alive
