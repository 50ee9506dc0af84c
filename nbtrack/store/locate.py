"""Where the store is: ``connect(uri)``, then ``NBTRACK_URI``, then ``.nbtrack/`` discovery."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import StoreError

STORE_DIR_NAME = ".nbtrack"


def discover(start: Path | None = None) -> Path:
    """The ``.nbtrack/`` of the nearest parent that has one, else ``./.nbtrack``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / STORE_DIR_NAME
        if candidate.is_dir():
            return candidate
    return here / STORE_DIR_NAME


def store_root(uri: str | os.PathLike[str] | None = None) -> Path:
    """Turn a URI (or None) into the directory of an embedded store.

    ``uri`` may name the store directory itself (``.../.nbtrack`` or any
    directory holding ``nbtrack.duckdb``) or a project directory, in which
    case the store is its ``.nbtrack/``. ``file://`` prefixes are accepted.
    """
    if uri is None:
        uri = os.environ.get("NBTRACK_URI") or None
    if uri is None:
        return discover()
    text = os.fspath(uri)
    if not text.strip():
        raise StoreError("The store URI is empty: pass a directory, e.g. nbtrack.connect('~/projects/churn')")
    if text.startswith("ducklake:"):
        raise StoreError(
            "Team stores (ducklake:...) are not available in this version of nbtrack; "
            "use a directory path for the embedded store."
        )
    if text.startswith("file://"):
        text = text[len("file://") :]
    elif "://" in text:
        scheme = text.split("://", 1)[0]
        raise StoreError(f"Unknown store URI scheme {scheme!r}: use a directory path such as ./experiments")
    path = Path(text).expanduser()
    if path.name.endswith(".duckdb"):
        raise StoreError(
            f"{path} is a file; nbtrack stores are directories (spool files and artifacts live "
            f"beside the database). Pass {path.parent} instead."
        )
    if path.exists() and not path.is_dir():
        raise StoreError(f"{path} exists and is not a directory: pass a directory for the store")
    if path.name == STORE_DIR_NAME or (path / "nbtrack.duckdb").exists():
        return path
    return path / STORE_DIR_NAME
