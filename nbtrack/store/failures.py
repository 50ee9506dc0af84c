"""What went wrong with the store's file, said truthfully.

Two questions get answered here, from the exception DuckDB (or the OS)
raised and a look at the file itself:

* on open: is this a lock held by another program (worth a wait), or a
  damaged file, a foreign file, a directory, a newer format (say so at once)?
* on merge: did a spool file fail because of its own content (set it
  aside) or because of the target, a full disk, a damaged or read-only
  database (keep every spool file and report the cause)?

Nothing here touches the file beyond reading its first bytes.
"""

from __future__ import annotations

import errno
from pathlib import Path

from ..errors import (
    MergeError,
    NotAStoreError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreVersionError,
)

#: DuckDB's own words for "another process has the file open" (the only open error worth retrying).
_LOCK_WORDS = ("could not set lock on file", "conflicting lock")
_FULL_WORDS = ("no space left on device", "disk quota exceeded", "file too large")
_CORRUPT_WORDS = ("corrupt", "checksum", "could not read enough bytes", "invalid block")
_READ_ONLY_WORDS = ("read-only file system", "permission denied", "read only", "read-only")
_VERSION_WORDS = ("version number", "newer version", "storage version")
#: Errors DuckDB raises about the rows it was given; anything else is the target's fault.
_DATA_ERRORS = ("ConversionException", "ConstraintException", "InvalidInputException", "OutOfRangeException")
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_DUCKDB_MAGIC = b"DUCK"


def is_lock_conflict(exc: BaseException) -> bool:
    """True for DuckDB's "Could not set lock on file" / "Conflicting lock" (another program)."""
    text = str(exc).lower()
    return any(word in text for word in _LOCK_WORDS)


def open_failure(db_path: Path, exc: BaseException) -> StoreError:
    """The error to raise at once when DuckDB cannot open ``db_path`` for a reason other than a lock."""
    text = str(exc)
    lowered = text.lower()
    if db_path.is_dir():
        return NotAStoreError(
            f"{db_path} is a directory, not an nbtrack database. Move it aside (or remove it) and "
            "nbtrack will create a new store there; nbtrack never changes it."
        )
    head = _head(db_path)
    if any(word in lowered for word in _VERSION_WORDS):
        return StoreVersionError(
            f"{db_path} was written by a newer DuckDB than this nbtrack uses ({text}). "
            "Upgrade nbtrack (`pip install -U nbtrack`); this one never downgrades a store."
        )
    if head is not None and head[8:12] != _DUCKDB_MAGIC:
        what = "an empty file" if not head else f"not a DuckDB file (it starts with {head[:8]!r})"
        return NotAStoreError(
            f"{db_path} is {what}, not an nbtrack database. Move it aside and nbtrack will create "
            "a new store; nbtrack never overwrites it."
        )
    if any(word in lowered for word in _READ_ONLY_WORDS):
        return StoreError(
            f"DuckDB cannot open {db_path} for writing ({text}): give this user write access to "
            f"{db_path.parent}, or connect to a store you can write."
        )
    return StoreCorruptError(
        f"The database file {db_path} is damaged ({text}). Restore it from a backup, or move it "
        "aside and nbtrack will create a new store; nbtrack never overwrites or migrates it."
    )


def seal_failure(spool_dir: Path, exc: OSError) -> Exception:
    """A seal that could not write its spool file: a full disk is named, anything else kept as is."""
    if exc.errno in _FULL_ERRNOS:
        return StoreFullError(
            f"disk full at {spool_dir}: free space and call nbtrack.flush() again ({exc.strerror})"
        )
    return exc


def read_failure(db_path: Path, exc: BaseException) -> StoreError:
    """The error for a DuckDB I/O error met while reading (a damaged block, a full disk for spills)."""
    text = str(exc)
    lowered = text.lower()
    if any(word in lowered for word in _FULL_WORDS):
        return StoreFullError(
            f"disk full at {db_path.parent} while reading ({text}): free space and try again."
        )
    if any(word in lowered for word in _CORRUPT_WORDS):
        return open_failure(db_path, exc)
    return StoreError(f"DuckDB could not read {db_path} ({text}); `nbtrack doctor` shows the store's state.")


def rows_refused(exc: BaseException) -> bool:
    """True if DuckDB (or pyarrow) refused the rows themselves: the spool file is to blame."""
    name = type(exc).__name__
    return name in _DATA_ERRORS or name.startswith("Arrow")


def merge_failure(exc: BaseException, db_path: Path, spool_dir: Path, waiting: int) -> StoreError:
    """The error naming why a merge failed because of the target; every spool file stays in place."""
    if isinstance(exc, StoreError):
        return exc
    name = type(exc).__name__
    text = str(exc)
    lowered = text.lower()
    kept = f"nothing was lost, {waiting} spool file{' waits' if waiting == 1 else 's wait'} in {spool_dir}"
    if getattr(exc, "errno", None) in _FULL_ERRNOS or any(word in lowered for word in _FULL_WORDS):
        return StoreFullError(
            f"disk full at {db_path.parent}: free space and call nbtrack.flush() again; {kept}."
        )
    if any(word in lowered for word in _CORRUPT_WORDS):
        return StoreCorruptError(
            f"the database file is damaged: {db_path} ({text}). Restore it from a backup, or move it "
            f"aside and nbtrack will create a new store and merge what waits; {kept}."
        )
    if any(word in lowered for word in _READ_ONLY_WORDS):
        return MergeError(
            f"the database {db_path} cannot be written ({text}): give this user write access to "
            f"{db_path.parent}, then call nbtrack.flush() again; {kept}."
        )
    return MergeError(
        f"nbtrack could not merge into {db_path} ({name}: {text}). Run `nbtrack doctor` to see the "
        f"store's state, then call nbtrack.flush() again; {kept}."
    )


def _head(path: Path) -> bytes | None:
    """The first 16 bytes of a file (None if it cannot be read)."""
    try:
        with open(path, "rb") as f:
            return f.read(16)
    except OSError:
        return None
