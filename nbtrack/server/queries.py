"""What each REST route answers, as JSON-able dicts read from a :class:`~nbtrack.store.base.Store`.

No tornado here: the handlers call these in a worker thread and write the
result. Every read goes through the same Store methods (and so the same
filter grammar) as ``nbtrack.runs``, the widgets and the CLI.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ExperimentNotFoundError, RunNotFoundError
from ..store.base import RunQuery
from . import wire
from .arguments import RunsArgs
from .failures import ArtifactContentNotFoundError, MetricNotFoundError

if TYPE_CHECKING:
    from ..store.base import Store

#: Where the ``%%track`` magic stores a cell's source, and how much of it a detail shows.
SOURCE_ARTIFACT = "nbtrack/source.py"
MAX_SOURCE_BYTES = 256 * 1024
NOTEBOOK_TAG = "nbtrack.notebook"


def experiments(store: Store) -> dict[str, Any]:
    """Every experiment with its run count and time of its last run."""
    frame = store.experiments()
    return {
        "experiments": [
            {
                "experiment_id": row.experiment_id,
                "name": row.name,
                "created_time": wire.epoch_ms(row.created_time),
                "lifecycle_stage": row.lifecycle_stage,
                "runs": int(row.runs),
                "last_run_time": wire.epoch_ms(row.last_run_time),
            }
            for row in frame.itertuples(index=False)
        ]
    }


def runs_page(store: Store, args: RunsArgs) -> dict[str, Any]:
    """One page of runs selected like ``nbtrack.runs(experiment, filter, order_by)``, and their total."""
    query = RunQuery(
        experiment_ids=_experiment_ids(store, args.experiments),
        filter=args.filter or None,
        order_by=args.order_by,
        max_results=args.limit,
        offset=args.offset,
    )
    frame = store.search_runs(query)
    return {
        "total": store.count_runs(query),
        "offset": args.offset,
        "limit": args.limit,
        "runs": wire.run_rows(frame),
    }


def _experiment_ids(store: Store, wanted: tuple[str, ...]) -> tuple[str, ...] | None:
    if not wanted:
        return None
    frame = store.experiments()
    by_name = dict(zip(frame["name"], frame["experiment_id"], strict=True))
    ids = set(frame["experiment_id"])
    resolved = []
    for item in wanted:
        if item not in ids and item not in by_name:
            known = ", ".join(sorted(by_name)) or "none yet"
            raise ExperimentNotFoundError(f"No experiment {item!r} (known: {known})")
        resolved.append(item if item in ids else by_name[item])
    return tuple(resolved)


def run_detail(store: Store, run_id: str, root_dir: Path) -> dict[str, Any]:
    """Everything about one run: attributes, params, latest metrics, tags, metric keys, artifacts, source."""
    record = store.get_run(run_id)
    if record is None:
        raise RunNotFoundError(f"No run {run_id!r} in the store at {store.uri}; check the id")
    artifacts = store.artifacts(run_id)
    series = store.metric_series(run_id)
    return {
        "run": {
            "run_id": record.run_id,
            "run_name": record.run_name,
            "experiment_id": record.experiment_id,
            "experiment_name": record.experiment_name,
            "status": record.status,
            "start_time": wire.epoch_ms(record.start_time),
            "end_time": wire.epoch_ms(record.end_time),
            "duration": record.duration,
            "parent_run_id": record.parent_run_id,
            "lifecycle_stage": record.lifecycle_stage,
            "user": record.user,
            "host": record.host,
            "pid": record.pid,
            "error": record.error,
        },
        "params": dict(record.params),
        "metrics": {key: wire.number(value) for key, value in record.metrics.items()},
        "tags": dict(record.tags),
        "metric_keys": [
            {"key": item.key, "points": item.points, "last_step": item.last_step} for item in series
        ],
        "artifacts": [
            {
                "path": row.path,
                "size": int(row.size),
                "media_type": row.media_type,
                "sha256": row.sha256,
                "logged_time": wire.epoch_ms(row.logged_time),
            }
            for row in artifacts.itertuples(index=False)
        ],
        "source": _source(store, artifacts),
        "notebook": _notebook(record.tags.get(NOTEBOOK_TAG), root_dir),
    }


def _source(store: Store, artifacts: Any) -> str | None:
    rows = artifacts[artifacts["path"] == SOURCE_ARTIFACT]
    if rows.empty:
        return None
    try:
        with open(store.blob_path(rows["sha256"].iloc[0]), "rb") as f:
            data = f.read(MAX_SOURCE_BYTES + 1)
    except OSError:
        return None
    text = data[:MAX_SOURCE_BYTES].decode("utf-8", errors="replace")
    return text + ("\n# … (cut: the source is longer)" if len(data) > MAX_SOURCE_BYTES else "")


def _notebook(path: str | None, root_dir: Path) -> dict[str, Any] | None:
    """The notebook that ran the run, and its path relative to the server's root when it is inside it."""
    if not path:
        return None
    absolute = Path(path) if os.path.isabs(path) else root_dir / path
    try:
        relative = absolute.resolve().relative_to(root_dir.resolve()).as_posix()
    except ValueError:
        relative = None
    return {"path": path, "server_path": relative}


def metric_history(store: Store, run_id: str, key: str, max_points: int | None) -> dict[str, Any]:
    """A metric's points, downsampled in the database to ``max_points`` (first/last/min/max per bucket)."""
    table, total = store.metric_history(run_id, key, max_points)
    if total == 0:
        record = store.get_run(run_id)
        if record is None:
            raise RunNotFoundError(f"No run {run_id!r} in the store at {store.uri}; check the id")
        keys = ", ".join(sorted(record.metrics)) or "none"
        raise MetricNotFoundError(f"Run {run_id!r} has no metric {key!r}; it has: {keys}")
    columns = table.to_pydict()
    return {
        "run_id": run_id,
        "key": key,
        "total_points": total,
        "downsampled": table.num_rows < total,
        "step": columns["step"],
        "timestamp": columns["ts"],
        "value": [wire.number(v) for v in columns["value"]],
    }


@dataclass(frozen=True)
class Blob:
    """An artifact's content on disk, and how to serve it."""

    path: Path
    media_type: str
    name: str
    size: int


def artifact_blob(store: Store, run_id: str, digest: str) -> Blob:
    """The file holding artifact content ``digest`` of ``run_id``.

    The path comes from the store's content-addressed layout and a digest
    the route already matched as 64 hex digits; no user text reaches the
    file system, so no path can escape the store.
    """
    frame = store.artifacts(run_id)
    rows = frame[frame["sha256"] == digest]
    if rows.empty:
        if store.get_run(run_id) is None:
            raise RunNotFoundError(f"No run {run_id!r} in the store at {store.uri}; check the id")
        raise ArtifactContentNotFoundError(f"Run {run_id!r} has no artifact with content {digest[:12]}…")
    row = rows.iloc[0]
    path = store.blob_path(digest)
    if not path.is_file():
        raise ArtifactContentNotFoundError(f"The content of {row['path']} is missing from {store.uri}")
    return Blob(
        path, row["media_type"] or "application/octet-stream", Path(row["path"]).name, int(row["size"])
    )


def version(store: Store) -> dict[str, Any]:
    """A digest of what the panel shows: changes when runs, statuses, metrics, params or tags do."""
    found = store.version_digest()
    return {"version": found.digest, "runs": found.runs, "experiments": found.experiments}
