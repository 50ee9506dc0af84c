"""Rows a spool file may carry: what nbtrack itself writes, nothing a crafted file could smuggle in.

The logging API already refuses bad artifact paths; a spool file is a
file on disk, though, and anyone who can write the spool directory can
write one by hand. The merge checks the rows that name files, so a path
that would leave a run's folder on download never reaches the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import events

if TYPE_CHECKING:
    import pyarrow as pa

#: An artifact path nbtrack would refuse: absolute, backslashes, a drive letter, a control
#: character, or an empty, '.' or '..' part (RE2 syntax, as pyarrow uses).
_BAD_ARTIFACT_PATH = r"^/|\\|^[A-Za-z]:|[\x00-\x1f]|(^|/)\.{0,2}(/|$)"
#: ``<sha256> <media type>``: the digest is what names the blob on disk.
_ARTIFACT_TEXT = r"^[0-9a-f]{64}( |$)"


def invalid_rows(table: pa.Table) -> str:
    """Why ``table`` holds rows nbtrack never writes ("" when every row is fine)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    artifacts = table.filter(pc.equal(table.column("kind"), events.ARTIFACT))
    if artifacts.num_rows == 0:
        return ""
    paths = artifacts.column("key").cast(pa.string())
    bad_path = pc.or_kleene(pc.is_null(paths), pc.match_substring_regex(paths, _BAD_ARTIFACT_PATH))
    if pc.any(bad_path).as_py():
        example = paths.filter(bad_path)[0].as_py()
        return (
            f"artifact path {example!r} is absolute, has a '..', '.' or empty part, or a control "
            "character: it could leave its run's folder, so nbtrack never merges it"
        )
    texts = artifacts.column("text")
    bad_text = pc.or_kleene(pc.is_null(texts), pc.invert(pc.match_substring_regex(texts, _ARTIFACT_TEXT)))
    if pc.any(bad_text).as_py():
        example = texts.filter(bad_text)[0].as_py()
        return f"artifact row {example!r} does not start with a sha256 digest"
    return ""
