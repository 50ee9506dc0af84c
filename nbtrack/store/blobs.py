"""Content-addressed files: every artifact is stored once, named by its sha256.

``artifacts/ab/abcdef...`` holds the bytes; the ``core.artifacts`` table
maps (run, path) to a digest. Readers are handed a digest, never a path
built from user text, so path traversal cannot happen.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20


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

    def _write_atomically(self, target: Path, write) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                write(out)
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _copy(source: Path, out) -> None:
    with open(source, "rb") as f:
        shutil.copyfileobj(f, out, _CHUNK)
