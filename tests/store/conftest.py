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
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store of each backend."""
    opened = BACKENDS[request.param](tmp_path / "contract")
    yield opened
    opened.close()


@pytest.fixture
def writes(store: Store) -> Writes:
    """Writes events to ``store`` through its one write primitive."""
    return Writes(store)
