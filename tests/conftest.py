"""Shared fixtures: every test gets its own store and a fresh Session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import nbtrack
from nbtrack.tracking import session as session_module


@pytest.fixture(autouse=True)
def isolated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A store in tmp_path for each test; fail the test if it leaves a run active."""
    store = tmp_path / "project"
    store.mkdir()
    monkeypatch.setenv("NBTRACK_URI", str(store))
    monkeypatch.chdir(tmp_path)
    nbtrack.reset_session()
    yield store / ".nbtrack"
    session = session_module.get_session()
    leaked = session.active_run
    nbtrack.reset_session()
    if leaked is not None:
        pytest.fail(f"test left run {leaked.run_id} ({leaked.run_name}) active")


@pytest.fixture
def store_dir(isolated_store: Path) -> Path:
    """The directory of this test's store (``<tmp>/project/.nbtrack``)."""
    return isolated_store


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("NBTRACK_LOCK_TIMEOUT", "30")
