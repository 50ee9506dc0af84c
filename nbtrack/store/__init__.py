"""Storage: the :class:`~nbtrack.store.base.Store` interface and its backends.

Nothing here imports IPython, widgets or servers; heavy libraries (duckdb,
pyarrow, pandas) are imported inside the functions that use them.
"""

from __future__ import annotations

import os

from .base import Experiment, RunQuery, RunRecord, Store
from .locate import store_root


def open_store(uri: str | os.PathLike[str] | None = None) -> Store:
    """Open the store named by ``uri`` (or ``NBTRACK_URI``, or the discovered one)."""
    from .embedded import EmbeddedStore

    return EmbeddedStore(store_root(uri))


__all__ = ["Experiment", "RunQuery", "RunRecord", "Store", "open_store", "store_root"]
