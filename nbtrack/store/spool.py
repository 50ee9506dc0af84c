"""Spool files: where a process's events wait, sealed and durable, until a merge.

A seal writes ``<writer>-<seq>.arrow.tmp`` and renames it to
``<writer>-<seq>.arrow``: the rename is atomic, so a sealed file is whole.
A killed writer can still leave a ``.tmp`` (removed by age) or, on a broken
disk, an unreadable file (moved to ``bad/`` so it never blocks a merge).
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from . import events

if TYPE_CHECKING:
    import pyarrow as pa

SUFFIX = ".arrow"
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
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            while data:
                data = data[os.write(fd, data) :]
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, final)
        if fsync:
            _fsync_directory(self.directory)
        return final

    def pending(self) -> list[str]:
        """Names of sealed files waiting to be merged, in merge order."""
        try:
            with os.scandir(self.directory) as entries:
                return sorted(e.name for e in entries if e.name.endswith(SUFFIX) and e.is_file())
        except FileNotFoundError:
            return []

    def read(self, names: list[str]) -> tuple[pa.Table, list[str]]:
        """Read the files that are whole; quarantine the rest.

        Returns the events of the readable files (in the order given) and
        the names that were read. A file that vanished is skipped.
        """
        tables, read = [], []
        expected = events.schema()
        for name in names:
            path = self.directory / name
            try:
                table = _read_file(path)
            except FileNotFoundError:
                continue
            except Exception:  # truncated, garbage or foreign: never block the merge
                self.quarantine(name)
                continue
            if not table.schema.equals(expected):
                self.quarantine(name)
                continue
            tables.append(table)
            read.append(name)
        return events.concat(tables), read

    def remove(self, names: list[str]) -> None:
        """Delete merged files (missing ones are fine)."""
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.directory / name)

    def quarantine(self, name: str) -> None:
        """Move an unreadable file to ``bad/`` where a human can look at it."""
        self.bad_directory.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.replace(self.directory / name, self.bad_directory / name)

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


def _read_file(path: Path) -> pa.Table:
    import pyarrow as pa

    with pa.memory_map(str(path), "r") as source:
        return pa.ipc.open_file(source).read_all()


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
