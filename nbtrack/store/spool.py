"""Spool files: where a process's events wait, sealed and durable, until a merge.

A seal writes ``<writer>-<seq>.arrow.tmp`` and renames it to
``<writer>-<seq>.arrow``: the rename is atomic, so a sealed file is whole.
A killed writer can still leave a ``.tmp`` (removed by age).

``bad/`` holds only files that are unreadable in themselves: not Arrow,
another schema, or rows nbtrack never writes (an artifact path that leaves
its run, a malformed digest), each with a ``<name>.why`` note. A file
that failed because of the target (full disk, damaged database) is never
moved there: it stays in the spool and is retried. Spool files are
created with mode ``0o644`` narrowed by the umask (``0o600`` under
``umask 077``).
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from . import events, spool_checks

if TYPE_CHECKING:
    import pyarrow as pa

SUFFIX = ".arrow"
WHY_SUFFIX = ".why"
#: Mode of a new spool file before the umask narrows it (never wider than this).
FILE_MODE = 0o644
STALE_TMP_SECONDS = 600


class Spool:
    """The spool directory of one store."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.bad_directory = directory / "bad"
        self._made = False

    def write(self, table: pa.Table, name: str, *, fsync: bool = False) -> Path:
        """Seal ``table`` as spool file ``name`` (atomic rename); with ``fsync``, power-safe too."""
        import pyarrow as pa

        if not self._made:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._made = True
        final = self.directory / (name + SUFFIX)
        tmp = final.with_name(final.name + ".tmp")
        sink = pa.BufferOutputStream()  # serialise in memory, then one write: no Python file layer
        with pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        data = memoryview(sink.getvalue())
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        try:
            try:
                while data:
                    data = data[os.write(fd, data) :]
                if fsync:
                    os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, final)
        except BaseException:
            with contextlib.suppress(OSError):  # a full disk: give the space back at once
                os.unlink(tmp)
            raise
        if fsync:
            _fsync_directory(self.directory)
        return final

    def pending(self) -> list[str]:
        """Names of sealed files waiting to be merged, in merge order."""
        try:
            with os.scandir(self.directory) as entries:
                return sorted(e.name for e in entries if e.name.endswith(SUFFIX) and e.is_file())
        except (FileNotFoundError, NotADirectoryError):
            return []

    def read(self, names: list[str]) -> tuple[pa.Table, list[str]]:
        """Read the files that are whole; set aside the ones unreadable in themselves.

        Returns the events of the readable files (in the order given) and
        the names that were read. A file that vanished is skipped; an
        ``OSError`` (the disk's fault, not the file's) propagates and
        leaves the file in place.
        """
        tables, read = [], []
        for name in names:
            try:
                table = _load_whole(self.directory / name)
            except FileNotFoundError:
                continue
            except UnreadableSpoolFile as exc:
                self.quarantine(name, str(exc))
                continue
            tables.append(table)
            read.append(name)
        table = events.concat(tables)
        if read and spool_checks.invalid_rows(table):  # one check for all; file by file only if needed
            return self._without_invalid_rows(tables, read)
        return table, read

    def _without_invalid_rows(self, tables: list[pa.Table], names: list[str]) -> tuple[pa.Table, list[str]]:
        """Set aside the files holding rows nbtrack never writes; the rest, as :meth:`read` returns them."""
        kept, read = [], []
        for name, table in zip(names, tables, strict=True):
            problem = spool_checks.invalid_rows(table)
            if problem:
                self.quarantine(name, problem)
            else:
                kept.append(table)
                read.append(name)
        return events.concat(kept), read

    def remove(self, names: list[str]) -> None:
        """Delete merged files (missing ones are fine)."""
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.directory / name)

    def quarantine(self, name: str, reason: str) -> None:
        """Move an unreadable file to ``bad/`` (with a ``.why`` note) where a human can look at it."""
        self.bad_directory.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.replace(self.directory / name, self.bad_directory / name)
            self.quarantine_note(name, reason)

    def quarantine_note(self, name: str, reason: str) -> None:
        """Replace the ``.why`` note of a set-aside file."""
        with contextlib.suppress(OSError):
            (self.bad_directory / (name + WHY_SUFFIX)).write_text(reason + "\n", encoding="utf-8")

    def set_aside(self) -> list[str]:
        """Names of the files in ``bad/``."""
        try:
            with os.scandir(self.bad_directory) as entries:
                return sorted(e.name for e in entries if e.name.endswith(SUFFIX) and e.is_file())
        except (FileNotFoundError, NotADirectoryError):
            return []

    def why(self, name: str) -> str:
        """The note saying why a file was set aside ("" if there is none)."""
        try:
            return (self.bad_directory / (name + WHY_SUFFIX)).read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def restore(self, name: str) -> None:
        """Move a set-aside file back into the spool, to be merged again."""
        os.replace(self.bad_directory / name, self.directory / name)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.bad_directory / (name + WHY_SUFFIX))

    def remove_stale_tmp(self, now: float | None = None) -> int:
        """Delete ``.tmp`` files a killed writer left behind; returns how many."""
        now = time.time() if now is None else now
        removed = 0
        try:
            entries = list(os.scandir(self.directory))
        except FileNotFoundError:
            return 0
        for entry in entries:
            if not entry.name.endswith(".tmp"):
                continue
            try:
                if now - entry.stat().st_mtime > STALE_TMP_SECONDS:
                    os.unlink(entry.path)
                    removed += 1
            except FileNotFoundError:
                pass
        return removed


class UnreadableSpoolFile(Exception):
    """A spool file whose content nbtrack cannot use (never raised for disk trouble)."""


def load(path: Path) -> pa.Table:
    """The events of one spool file, checked; raises :class:`UnreadableSpoolFile` with the reason."""
    table = _load_whole(path)
    problem = spool_checks.invalid_rows(table)
    if problem:
        raise UnreadableSpoolFile(problem)
    return table


def _load_whole(path: Path) -> pa.Table:
    """A whole Arrow file in the event schema (its rows not yet checked)."""
    import pyarrow as pa

    try:
        with pa.memory_map(str(path), "r") as source:
            table = pa.ipc.open_file(source).read_all()
    except IsADirectoryError as exc:
        raise UnreadableSpoolFile("a directory, not a spool file") from exc
    except OSError:
        raise  # vanished, or the disk's trouble: the file stays and is retried
    except (pa.ArrowException, ValueError) as exc:
        raise UnreadableSpoolFile(f"not a whole Arrow IPC file ({exc})") from exc
    return _conform(table)


def _conform(table: pa.Table) -> pa.Table:
    """The table in the current event schema (files of older nbtracks are cast), or unreadable."""
    expected = events.schema()
    if table.schema.equals(expected):
        return table
    if table.schema.names != expected.names:
        raise UnreadableSpoolFile(f"columns {table.schema.names} are not nbtrack's {expected.names}")
    try:
        return table.cast(expected)
    except Exception as exc:  # pyarrow raises several types for a failed cast
        raise UnreadableSpoolFile(f"its columns cannot be read as nbtrack's event schema ({exc})") from exc


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
