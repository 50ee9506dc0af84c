"""Content-addressed files: every artifact is stored once, named by its sha256.

``artifacts/ab/abcdef...`` holds the bytes; the ``core.artifacts`` table
maps (run, path) to a digest. Readers are handed a digest, never a path
built from user text, so path traversal cannot happen.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import time
from pathlib import Path

_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20
#: Mode of a stored blob before the umask narrows it: immutable, never wider than this.
BLOB_MODE = 0o444
#: A ``.tmp-*`` file older than this was left by a writer killed mid-copy (no write lasts this long).
STALE_TMP_SECONDS = 3600
TMP_PREFIX = ".tmp-"


class BlobStore:
    """A directory of immutable files named by their sha256."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_for(self, digest: str) -> Path:
        """Where the blob with this digest lives (the digest is checked first)."""
        if not isinstance(digest, str) or not _DIGEST.match(digest):
            raise ValueError(f"not a sha256 digest: {digest!r}")
        return self.directory / digest[:2] / digest

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        """Store bytes; returns (digest, size). Storing twice costs one hash."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path_for(digest)
        if not target.exists():
            self._write_atomically(target, lambda f: f.write(data))
        return digest, len(data)

    def put_file(self, source: Path) -> tuple[str, int]:
        """Store a file's content; returns (digest, size)."""
        hasher = hashlib.sha256()
        size = 0
        with open(source, "rb") as f:
            while chunk := f.read(_CHUNK):
                hasher.update(chunk)
                size += len(chunk)
        digest = hasher.hexdigest()
        target = self.path_for(digest)
        if not target.exists():
            self._write_atomically(target, lambda out: _copy(source, out))
        return digest, size

    def stale_tmp(self, now: float | None = None) -> list[Path]:
        """Half-written copies a killed writer left behind (never visible as artifacts)."""
        now = time.time() if now is None else now
        found = []
        try:
            folders = [entry.path for entry in os.scandir(self.directory) if entry.is_dir()]
        except FileNotFoundError:
            return []
        for folder in folders:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.startswith(TMP_PREFIX) and _older(entry, now):
                        found.append(Path(entry.path))
        return found

    def remove_stale_tmp(self, now: float | None = None) -> int:
        """Delete the half-written copies :meth:`stale_tmp` finds; returns how many."""
        removed = 0
        for path in self.stale_tmp(now):
            try:
                path.unlink()
                removed += 1
            except FileNotFoundError:
                pass
        return removed

    def _write_atomically(self, target: Path, write) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f"{TMP_PREFIX}{secrets.token_hex(8)}"
        # created read-only, narrowed by the umask (0o400 under umask 077); the fd stays writable
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, BLOB_MODE)
        try:
            with os.fdopen(fd, "wb") as out:
                write(out)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


def _older(entry: os.DirEntry[str], now: float) -> bool:
    try:
        return now - entry.stat().st_mtime > STALE_TMP_SECONDS
    except FileNotFoundError:
        return False


def _copy(source: Path, out) -> None:
    with open(source, "rb") as f:
        shutil.copyfileobj(f, out, _CHUNK)
