"""``nbtrack doctor``: the state of an embedded store, and the repair of what was set aside.

Examining never merges and never waits long: it reads sizes, the spool,
``spool/bad``, the lock note, and (if the file opens) the schema version and
runs by status. A store that cannot be opened is reported, not raised.
Repairing moves every set-aside file that reads cleanly back into the
spool and merges; files that are unreadable in themselves stay set aside.
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import NbtrackError
from .blobs import TMP_PREFIX
from .spool import UnreadableSpoolFile, load

if TYPE_CHECKING:
    from .embedded import EmbeddedStore

#: Seconds a read waits for the lock while examining (a busy store is reported, not waited for).
EXAMINE_LOCK_TIMEOUT = 5.0
#: A spool file older than this means merges are not happening.
STALE_SPOOL_SECONDS = 60.0
#: Less free space than this where the database or the spool lives is reported (a merge needs room).
LOW_SPACE_BYTES = 2 << 20


@dataclasses.dataclass
class DoctorReport:
    """What ``nbtrack doctor`` found; ``ok`` is False while ``problems`` is not empty."""

    store: str
    database: str
    schema_version: int | None
    duckdb_version: str
    database_bytes: int
    wal_bytes: int
    artifacts_bytes: int
    artifacts_files: int
    pending_files: int
    pending_bytes: int
    oldest_pending_s: float | None
    set_aside: dict[str, str]
    lock_holder: dict[str, Any] | None
    lock_held_now: bool
    runs_by_status: dict[str, int]
    free_bytes: int | None
    problems: list[str]
    #: Half-written artifact copies left by killed writers (``--repair`` or an hour of merges removes them).
    stale_tmp_files: int = 0
    repaired: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing needs attention."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-able values (``--json``)."""
        return {**dataclasses.asdict(self), "ok": self.ok}

    def __str__(self) -> str:
        return "\n".join(_lines(self))

    def __repr__(self) -> str:
        return str(self)


def examine(store: EmbeddedStore) -> DoctorReport:
    """Look at ``store`` without merging or changing anything it holds."""
    import duckdb

    store.check_root()
    holder, held = store.lock.note(), store.lock.held_elsewhere()  # before this look takes the lock
    problems: list[str] = []
    pending = store.spool.pending()
    ages, sizes = _stats(store.spool.directory, pending)
    set_aside = {name: store.spool.why(name) or _verdict(store, name) for name in store.spool.set_aside()}
    version, by_status = _read_database(store, problems)
    oldest = max(ages) if ages else None
    problems.extend(_set_aside_problems(store, set_aside))
    free = _free_space(store, problems)
    if oldest is not None and oldest > STALE_SPOOL_SECONDS:
        problems.append(
            f"{len(pending)} spool file(s) have waited up to {oldest:.0f} s in {store.spool.directory}: "
            "merges are failing; `nbtrack doctor --repair` tries one and shows why"
        )
    stale_tmp = store.blobs.stale_tmp()
    artifacts_bytes, artifacts_files = _tree_size(store.blobs.directory, skip=TMP_PREFIX)
    return DoctorReport(
        store=store.uri,
        database=str(store.db_path),
        schema_version=version,
        duckdb_version=duckdb.__version__,
        database_bytes=_size(store.db_path),
        wal_bytes=_size(store.db_path.with_name(store.db_path.name + ".wal")),
        artifacts_bytes=artifacts_bytes,
        artifacts_files=artifacts_files,
        pending_files=len(pending),
        pending_bytes=sum(sizes),
        oldest_pending_s=None if oldest is None else round(oldest, 1),
        set_aside=set_aside,
        lock_holder=holder,
        lock_held_now=held,
        runs_by_status=by_status,
        free_bytes=free,
        problems=problems,
        stale_tmp_files=len(stale_tmp),
    )


def repair(store: EmbeddedStore) -> DoctorReport:
    """Return readable set-aside files to the spool, merge everything, then examine."""
    store.check_root()
    restored, failure = [], None
    for name in store.spool.set_aside():
        try:
            load(store.spool.bad_directory / name)
        except UnreadableSpoolFile as exc:
            store.spool.quarantine_note(name, str(exc))
            continue
        except OSError:
            continue  # cannot be read right now; it stays set aside and is reported
        store.spool.restore(name)
        restored.append(name)
    store.merger.skip_announcement()  # this report says it, with the names
    removed_tmp = store.blobs.remove_stale_tmp()
    try:
        store.merge_pending(timeout=store.lock_timeout)
    except NbtrackError as exc:
        failure = f"the merge failed: {exc}"
    report = examine(store)
    report.repaired = [name for name in restored if not (store.spool.directory / name).exists()]
    if removed_tmp:
        report.repaired.append(f"{removed_tmp} half-written artifact copies removed")
    if failure:
        report.problems.insert(0, failure)
    return report


def _set_aside_problems(store: EmbeddedStore, set_aside: dict[str, str]) -> list[str]:
    readable = sum(why.startswith("readable") for why in set_aside.values())
    problems = []
    if readable:
        problems.append(
            f"{readable} readable spool file(s) set aside in {store.spool.bad_directory}: "
            "`nbtrack doctor --repair` merges them"
        )
    if len(set_aside) > readable:
        problems.append(
            f"{len(set_aside) - readable} spool file(s) in {store.spool.bad_directory} are unreadable in "
            "themselves (reasons above; they hold nothing nbtrack can merge): look at them, then delete them"
        )
    return problems


def _free_space(store: EmbeddedStore, problems: list[str]) -> int | None:
    """Free bytes on the fullest file system holding the store or its spool; low space is a problem."""
    free: int | None = None
    seen: set[int] = set()
    for folder in (store.root, store.spool.directory):
        try:
            device, info = os.stat(folder).st_dev, os.statvfs(folder)
        except OSError:
            continue
        if device in seen:
            continue
        seen.add(device)
        here = info.f_bavail * info.f_frsize
        if here < LOW_SPACE_BYTES:
            problems.append(
                f"disk full at {folder}: {_human(here)} free; free space, then `nbtrack doctor --repair`"
            )
        free = here if free is None else min(free, here)
    return free


def _verdict(store: EmbeddedStore, name: str) -> str:
    """For a file set aside without a note (by an older nbtrack): can it be merged again?"""
    try:
        load(store.spool.bad_directory / name)
    except UnreadableSpoolFile as exc:
        return str(exc)
    except OSError as exc:
        return f"cannot be read now ({exc})"
    return "readable: `nbtrack doctor --repair` merges it again"


def _read_database(store: EmbeddedStore, problems: list[str]) -> tuple[int | None, dict[str, int]]:
    """Schema version and runs by status, without merging; trouble becomes a problem line."""
    from . import schema

    if not store.db_path.exists() and not store.db_path.is_symlink():
        return None, {}
    import duckdb

    try:
        with store.unmerged(min(store.lock_timeout, EXAMINE_LOCK_TIMEOUT)) as con:
            version = schema.current_version(con)
            rows = con.execute("SELECT status, count(*) FROM core.runs_live GROUP BY status").fetchall()
    except (NbtrackError, duckdb.Error) as exc:
        problems.append(str(exc))
        return None, {}
    return version, {str(status): int(count) for status, count in sorted(rows, key=lambda r: str(r[0]))}


def _stats(directory: Path, names: list[str]) -> tuple[list[float], list[int]]:
    now, ages, sizes = time.time(), [], []
    for name in names:
        try:
            info = os.stat(directory / name)
        except OSError:
            continue
        ages.append(max(now - info.st_mtime, 0.0))
        sizes.append(info.st_size)
    return ages, sizes


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _tree_size(directory: Path, *, skip: str | None = None) -> tuple[int, int]:
    total = files = 0
    for folder, _dirs, names in os.walk(directory):
        for name in names:
            if skip and name.startswith(skip):
                continue
            total += _size(Path(folder) / name)
            files += 1
    return total, files


def _human(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def _lines(report: DoctorReport) -> list[str]:
    version = "no database yet" if report.schema_version is None else f"v{report.schema_version}"
    holder = report.lock_holder
    who = (
        f"process {holder['pid']} on {holder['host']} ({holder['program']}) since {holder['since']}"
        if holder
        else "nobody recorded"
    )
    oldest = "" if report.oldest_pending_s is None else f", oldest {report.oldest_pending_s:.0f} s"
    statuses = ", ".join(f"{k} {v}" for k, v in report.runs_by_status.items()) or "none"
    lines = [
        f"store        {report.store}",
        f"schema       {version} (DuckDB {report.duckdb_version})",
        f"database     {_human(report.database_bytes)} + WAL {_human(report.wal_bytes)}",
        f"artifacts    {report.artifacts_files} files, {_human(report.artifacts_bytes)}"
        + (f" (+{report.stale_tmp_files} half-written copies to remove)" if report.stale_tmp_files else ""),
        f"spool        {report.pending_files} waiting, {_human(report.pending_bytes)}{oldest}",
        f"free space   {'unknown' if report.free_bytes is None else _human(report.free_bytes)}",
        f"set aside    {len(report.set_aside)}",
        *(f"  {name}: {why}" for name, why in report.set_aside.items()),
        f"lock         {'held now' if report.lock_held_now else 'free'}; last holder {who}",
        f"runs         {statuses}",
    ]
    if report.repaired:
        lines.append(f"repaired     {len(report.repaired)} set-aside file(s) merged again")
    lines += [f"problem      {p}" for p in report.problems] or ["ok           no problems found"]
    return lines
