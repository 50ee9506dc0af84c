"""Widget fixtures: a recorded comm for Python tests, Debian's Chromium for the ESM tests."""

from __future__ import annotations

from collections.abc import Iterator

import comm
import pytest
from ui._chromium import launch_args

from ._wire import RecordingComm


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch arguments: the system Chromium, offline."""
    return launch_args(browser_type_launch_args)


@pytest.fixture
def recorded_comms(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[RecordingComm]]:
    """Widgets made in the test talk to a recording comm instead of no comm at all."""
    made: list[RecordingComm] = []

    def create(*args, **kwargs) -> RecordingComm:
        made.append(RecordingComm(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(comm, "create_comm", create)
    yield made
