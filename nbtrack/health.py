"""``nbtrack.doctor()``: what state the store is in, and the repair of files set aside."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .errors import InvalidValueError, NbtrackError
from .tracking.session import get_session

if TYPE_CHECKING:
    from .store.doctor import DoctorReport


def doctor(uri: str | os.PathLike[str] | None = None, *, repair: bool = False) -> DoctorReport:
    """Examine a store (this process's by default); with ``repair``, merge what was set aside.

    Parameters
    ----------
    uri
        A store or project directory; by default the store this process writes to.
    repair
        Move every set-aside spool file that reads cleanly back into the spool
        and merge; files unreadable in themselves stay in ``spool/bad``.

    Returns
    -------
    DoctorReport
        Store path, schema and DuckDB versions, sizes, pending and set-aside
        spool files, the lock's last holder and whether it is held now, runs
        by status, and ``problems`` (``report.ok`` is True when there are none).
    """
    from .store import doctor as checks
    from .store import open_store
    from .store.embedded import EmbeddedStore

    if uri is not None and not isinstance(uri, (str, os.PathLike)):
        raise InvalidValueError(f"doctor: uri must be a directory path, got {type(uri).__name__} {uri!r}")
    if not isinstance(repair, bool):
        raise InvalidValueError(f"doctor: repair must be True or False, got {repair!r}")
    store = get_session().store if uri is None else open_store(uri)
    if not isinstance(store, EmbeddedStore):
        raise NbtrackError(f"doctor checks embedded stores (a directory); {store.uri} is not one")
    try:
        return checks.repair(store) if repair else checks.examine(store)
    finally:
        if uri is not None:
            store.close()
