"""The store contract suite: every test here runs against every backend in :data:`BACKENDS`.

A backend is a factory ``(directory) -> Store``. Only the embedded DuckDB store
exists today; the DuckLake team store joins by adding one entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nbtrack.store.base import Store
from nbtrack.store.embedded import EmbeddedStore

from ._writes import Writes


def _embedded(directory: Path) -> Store:
    return EmbeddedStore(directory / ".nbtrack", lock_timeout=30.0)


BACKENDS: dict[str, Callable[[Path], Store]] = {"embedded": _embedded}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest) -> str:
    """The name of the backend under test."""
    return str(request.param)


@pytest.fixture
def store(backend: str, tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store of each backend."""
    opened = BACKENDS[backend](tmp_path / "contract")
    yield opened
    opened.close()


@pytest.fixture
def reopen(backend: str, tmp_path: Path) -> Callable[[], Store]:
    """Open another store object of the same backend on the same place as ``store``."""
    return lambda: BACKENDS[backend](tmp_path / "contract")


@pytest.fixture
def writes(store: Store) -> Writes:
    """Writes events to ``store`` through its one write primitive."""
    return Writes(store)
