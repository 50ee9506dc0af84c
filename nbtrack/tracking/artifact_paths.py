"""Artifact paths are relative, forward-slash paths that cannot leave their run."""

from __future__ import annotations

import mimetypes
from typing import Any

from ..errors import InvalidKeyError

MAX_ARTIFACT_PATH = 1000


def check_artifact_path(path: Any) -> str:
    """Validate an artifact path such as ``plots/loss.png`` and return it."""
    if not isinstance(path, str):
        raise InvalidKeyError(f"artifact paths must be strings, got {type(path).__name__} {path!r}")
    if not path.strip():
        raise InvalidKeyError("artifact path is empty: give a file name such as 'model.pkl'")
    if len(path) > MAX_ARTIFACT_PATH:
        raise InvalidKeyError(f"artifact path is longer than {MAX_ARTIFACT_PATH} characters")
    if any(ord(ch) < 32 for ch in path):
        raise InvalidKeyError(f"artifact path {path!r} contains a control character")
    if not path.isascii() and any(0xD800 <= ord(ch) <= 0xDFFF for ch in path):
        raise InvalidKeyError(
            f"artifact path {path!r} contains a lone surrogate that cannot be stored as UTF-8"
        )
    if "\\" in path or path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        raise InvalidKeyError(
            f"artifact path {path!r} must be relative with '/' separators, such as 'plots/loss.png'"
        )
    segments = path.split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        raise InvalidKeyError(
            f"artifact path {path!r} has an empty, '.' or '..' part; "
            "artifacts cannot leave their run's folder"
        )
    return path


def media_type_of(path: str) -> str:
    """A media type guessed from the file name (``application/octet-stream`` if unknown)."""
    guessed, _ = mimetypes.guess_type(path, strict=False)
    if path.endswith(".parquet"):
        return "application/vnd.apache.parquet"
    return guessed or "application/octet-stream"
