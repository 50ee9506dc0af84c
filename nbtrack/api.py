"""nbtrack's public functions, named after MLflow's so habits transfer.

Each function is a thin adapter: check the arguments, call the Session or
the store, shape the answer. Logging calls buffer and return in
microseconds; reads see everything this process logged before them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .errors import ExperimentNotFoundError, InvalidValueError, RunNotFoundError, StoreError
from .store.base import Experiment, RunQuery, RunRecord
from .tracking import validation
from .tracking.active_run import ActiveRun
from .tracking.batch import series_from
from .tracking.session import experiment_id_for, get_session, now_ms

if TYPE_CHECKING:
    import pandas as pd

MAX_INT64 = 2**63 - 1
#: Longest filter or order-by text accepted (the store may cap the number of terms lower).
MAX_FILTER_LENGTH = 100_000

# -- stores and experiments ----------------------------------------------------------


def connect(uri: str | os.PathLike[str] | None = None) -> str:
    """Use the store at ``uri`` from now on; returns the store's directory.

    ``uri`` is a project directory (the store is its ``.nbtrack/``) or a
    store directory. ``None`` goes back to ``NBTRACK_URI`` or discovery.
    Buffered data is flushed to the previous store first.
    """
    from .store.locate import store_root
    from .tracking.session import reset_session

    validation.check_uri(uri, "connect")
    session = get_session()
    if session.active_run is not None:
        from .errors import RunStateError

        raise RunStateError("End the active run before switching stores (nbtrack.end_run()).")
    try:
        root = store_root(uri)  # validates before anything changes
    except (OSError, ValueError) as exc:
        raise StoreError(f"connect: cannot use {uri!r} as a store directory ({exc})") from None
    session.close(end_status=None)
    fresh = reset_session(root)
    fresh.experiment_name = session.experiment_name
    return str(root)


def store_path() -> str:
    """The directory of the store this process writes to."""
    return get_session().store.uri


def set_experiment(name: str) -> Experiment:
    """Make ``name`` the active experiment, creating it on first use."""
    experiment_id = get_session().set_experiment(name)
    return Experiment(experiment_id=experiment_id, name=name)


def get_experiment(name_or_id: str | None = None) -> Experiment:
    """An experiment by name or id (the active one by default), with its run count."""
    if name_or_id is not None:
        validation.check_text(name_or_id, "experiment name or id")
    session = get_session()
    wanted = name_or_id if name_or_id is not None else (session.experiment_name or "Default")
    frame = session.reader().experiments()
    for row in frame.itertuples(index=False):
        if wanted in (row.name, row.experiment_id):
            return Experiment(
                experiment_id=row.experiment_id,
                name=row.name,
                created_time=row.created_time,
                lifecycle_stage=row.lifecycle_stage,
                runs=int(row.runs),
            )
    known = ", ".join(frame["name"].tolist()) or "none yet"
    raise ExperimentNotFoundError(
        f"No experiment {wanted!r} in {session.store.uri} (known: {known}). "
        "nbtrack.set_experiment(name) creates one."
    )


def experiments() -> pd.DataFrame:
    """Every experiment with its number of runs and time of its last run."""
    return get_session().reader().experiments()


# -- runs ------------------------------------------------------------------------------


def start_run(
    run_id: str | None = None,
    experiment_id: str | None = None,
    run_name: str | None = None,
    nested: bool = False,
    parent_run_id: str | None = None,
    tags: Mapping[str, Any] | None = None,
    description: str | None = None,
    *,
    experiment: str | None = None,
) -> ActiveRun:
    """Start a run (or resume one with ``run_id``); use it with ``with``.

    The run goes to ``experiment`` (a name), else to the experiment of
    ``experiment_id``, else to the active experiment. ``nested=True``
    makes it a child of the active run. Leaving the ``with`` block ends the
    run FINISHED, FAILED (traceback stored) or KILLED (KeyboardInterrupt).
    """
    session = get_session()
    name = experiment
    if experiment_id is not None and experiment is None:
        name = get_experiment(experiment_id).name
    if tags is not None and not isinstance(tags, Mapping):
        raise InvalidValueError(f"start_run: tags must be a dict of name -> value, got {type(tags).__name__}")
    all_tags = dict(tags or {})
    if description is not None:
        if not isinstance(description, str):
            raise InvalidValueError(f"start_run: description must be text, got {type(description).__name__}")
        all_tags["nbtrack.note"] = description
    state = session.start_run(
        run_id=run_id,
        experiment=name,
        run_name=run_name,
        nested=nested,
        parent_run_id=parent_run_id,
        tags=all_tags,
    )
    return ActiveRun(state, session)


def end_run(status: str = "FINISHED") -> None:
    """End the active run with ``status`` (FINISHED, FAILED or KILLED); no-op if none."""
    get_session().end_run(status)


def active_run() -> ActiveRun | None:
    """The innermost active run of this process, or None."""
    session = get_session()
    state = session.active_run
    return ActiveRun(state, session) if state is not None else None


def delete_run(run_id: str) -> None:
    """Hide a run from searches (``restore_run`` brings it back); nothing is erased."""
    get_session().set_lifecycle(run_id, "deleted")


def restore_run(run_id: str) -> None:
    """Bring back a deleted run."""
    get_session().set_lifecycle(run_id, "active")


def get_run(run_id: str) -> RunRecord:
    """Everything stored about one run: attributes, params, latest metrics, tags."""
    validation.check_run_id(run_id)
    session = get_session()
    record = session.reader().get_run(run_id)
    if record is None:
        raise RunNotFoundError(f"No run {run_id!r} in the store at {session.store.uri}; check the id")
    return record


def resolve_run_id(prefix: str) -> str:
    """The full id of the one run (deleted ones too) whose id is, or starts with, ``prefix``.

    What the CLI and ``%nbtrack`` accept wherever a run id goes: ``nbtrack show 3f2a``.
    Raises :class:`~nbtrack.errors.RunNotFoundError` when no run or several runs match.
    """
    validation.check_run_id(prefix, "run id prefix")
    session = get_session()
    found = session.reader().resolve_run_prefix(prefix, limit=2)
    if len(found) == 1:
        return found[0]
    problem = "matches no run" if not found else "matches several runs: give more characters of the id"
    raise RunNotFoundError(
        f"run id prefix {prefix!r} {problem} in the store at {session.store.uri} "
        "(`nbtrack runs` or `%nbtrack runs` lists them)"
    )


# -- logging ---------------------------------------------------------------------------


def log_metric(
    key: str, value: float, step: int | None = None, timestamp: Any = None, *, run_id: str | None = None
) -> None:
    """Log a metric point; ``step`` defaults to the next step of this key in this run."""
    get_session().log_metric(key, value, step, timestamp, run_id)


def log_metrics(
    metrics: Mapping[str, float], step: int | None = None, timestamp: Any = None, *, run_id: str | None = None
) -> None:
    """Log several metrics (at one ``step`` if given)."""
    get_session().log_metrics(metrics, step, timestamp, run_id)


def log_param(key: str, value: Any, *, run_id: str | None = None) -> None:
    """Log a param (stored as text); logging a different value twice is an error."""
    get_session().log_params({validation.check_key(key, "param"): value}, run_id)


def log_params(params: Mapping[str, Any], *, run_id: str | None = None) -> None:
    """Log several params at once; all are checked before any is stored."""
    get_session().log_params(params, run_id)


def set_tag(key: str, value: Any, *, run_id: str | None = None) -> None:
    """Set a tag (text) on the active run; setting it again overwrites it."""
    get_session().set_tags({validation.check_key(key, "tag"): value}, run_id)


def set_tags(tags: Mapping[str, Any], *, run_id: str | None = None) -> None:
    """Set several tags at once."""
    get_session().set_tags(tags, run_id)


def delete_tag(key: str, *, run_id: str | None = None) -> None:
    """Remove a tag from the active run."""
    get_session().delete_tag(key, run_id)


def log_batch(
    metrics: Iterable[Any] = (),
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
    *,
    run_id: str | None = None,
) -> None:
    """Log many values in one call (MLflow's ``log_batch``).

    ``metrics`` is an iterable of ``(key, value, step, timestamp_ms)``
    tuples (``step`` and ``timestamp`` may be None), or a mapping of key to
    a sequence of values (steps follow on from the run's last step). All of
    it is checked before anything is stored.
    """
    session = get_session()
    state = session.run_for(run_id, "log_batch")
    series = series_from(metrics, state.next_step, now_ms())
    for what, given in (("params", params), ("tags", tags)):
        if given is not None and not isinstance(given, Mapping):
            raise InvalidValueError(
                f"log_batch: {what} must be a dict of name -> value, got {type(given).__name__}"
            )
    if tags:
        for key, value in tags.items():  # checked before params are stored: all or nothing
            validation.tag_value(validation.check_key(key, "tag"), value)
    if params:
        session.log_params(params, run_id)
    if tags:
        session.set_tags(tags, run_id)
    for key, (values, steps, stamps) in series.items():
        session.log_series(key, values, steps, stamps, run_id)


def flush() -> None:
    """Make everything logged so far durable and visible to every reader now."""
    get_session().flush()


# -- reading ---------------------------------------------------------------------------


def runs(
    experiment: str | Sequence[str] | None = None,
    filter: str | None = None,
    order_by: str | Sequence[str] | None = None,
    max_results: int = 100_000,
    *,
    include_deleted: bool = False,
) -> pd.DataFrame:
    """Search runs; one row per run with ``metrics.*``, ``params.*``, ``tags.*`` columns.

    Parameters
    ----------
    experiment
        Name(s) or id(s). ``None``: the active experiment if this process set
        one, else every experiment. ``"*"``: every experiment.
    filter
        MLflow's filter grammar plus OR, NOT and parentheses, e.g.
        ``"metrics.accuracy > 0.9 and params.model = 'rf'"``.
    order_by
        e.g. ``["metrics.accuracy DESC", "start_time"]``; default newest first.
    max_results
        At most this many rows.
    """
    query = _run_query(experiment, filter, order_by, max_results, include_deleted)
    return get_session().reader().search_runs(query)


def search_runs(
    experiment_ids: Sequence[str] | None = None,
    filter_string: str = "",
    max_results: int = 100_000,
    order_by: Sequence[str] | None = None,
    experiment_names: Sequence[str] | None = None,
) -> pd.DataFrame:
    """MLflow's ``search_runs`` signature over :func:`runs`."""
    experiment = (
        _listed(experiment_ids, "experiment_ids") + _listed(experiment_names, "experiment_names") or None
    )
    return runs(experiment, filter_string or None, order_by, max_results)


def _listed(given: Any, what: str) -> list[Any]:
    if given is None:
        return []
    if isinstance(given, str):
        return [given]
    if not isinstance(given, (list, tuple)):
        raise InvalidValueError(f"{what} must be a list of strings, got {type(given).__name__}")
    return list(given)


def _run_query(
    experiment: Any, filter: Any, order_by: Any, max_results: Any, include_deleted: bool
) -> RunQuery:
    if filter is not None:
        if not isinstance(filter, str):
            raise InvalidValueError(
                f'filter must be a string such as "metrics.acc > 0.9", got {type(filter).__name__}'
            )
        if filter.strip():
            validation.check_text(filter, "filter", max_length=MAX_FILTER_LENGTH)
    order_by = _order_by_list(order_by)
    validation.check_int(max_results, "max_results", minimum=0, maximum=MAX_INT64)
    if not isinstance(include_deleted, bool):
        raise InvalidValueError(f"include_deleted must be True or False, got {include_deleted!r:.40}")
    from .store.filter import parse_filter, parse_order_by

    parse_filter(filter or "")  # a parse error surfaces before any I/O
    parse_order_by(list(order_by or []))
    return RunQuery(
        experiment_ids=_experiment_ids(experiment),
        filter=filter,
        order_by=tuple(order_by or ()),
        max_results=max_results,
        include_deleted=include_deleted,
    )


def _order_by_list(order_by: Any) -> list[str] | None:
    if order_by is None:
        return None
    items = [order_by] if isinstance(order_by, str) else order_by
    if not isinstance(items, (list, tuple)) or not all(isinstance(item, str) for item in items):
        raise InvalidValueError(
            f"order_by must be a string or a list of strings such as 'metrics.acc DESC', got {order_by!r:.60}"
        )
    for item in items:
        validation.check_text(item, "order_by", max_length=MAX_FILTER_LENGTH)
    return list(items)


def _experiment_ids(experiment: Any) -> tuple[str, ...] | None:
    session = get_session()
    if experiment is None:
        return (experiment_id_for(session.experiment_name),) if session.experiment_name else None
    if experiment == "*":
        return None
    wanted = [experiment] if isinstance(experiment, str) else experiment
    if not isinstance(wanted, (list, tuple, set, frozenset)) or not all(isinstance(i, str) for i in wanted):
        raise InvalidValueError(f"experiment must be a name or a list of names, got {experiment!r:.60}")
    wanted = [validation.check_text(item, "experiment name") for item in wanted]
    found = session.reader().find_experiments(wanted)
    missing = [item for item in wanted if item not in found]
    if missing:
        known = ", ".join(sorted(session.store.experiments()["name"])) or "none yet"
        raise ExperimentNotFoundError(f"No experiment {missing[0]!r} (known: {known})")
    resolved = [found[item][0] for item in wanted]
    return tuple(resolved)


def metric_history(run_id: str, key: str, max_points: int | None = None) -> pd.DataFrame:
    """A metric's points (``step``, ``timestamp``, ``value``) in step order.

    With ``max_points`` (at least 4) long histories are downsampled in the
    database, keeping the first, last, minimum and maximum of each bucket.
    """
    import pandas as pd

    if max_points is not None:
        validation.check_int(max_points, "max_points", minimum=4, maximum=MAX_INT64)
    validation.check_run_id(run_id)
    validation.check_key(key, "metric")
    session = get_session()
    table, total = session.reader().metric_history(run_id, key, max_points)
    if total == 0 and session.store.get_run(run_id) is None:
        raise RunNotFoundError(f"No run {run_id!r} in the store at {session.store.uri}; check the id")
    frame = table.to_pandas()
    frame.insert(1, "timestamp", pd.to_datetime(frame.pop("ts"), unit="ms", utc=True))
    return frame


def sql(query: str, params: Any = None) -> pd.DataFrame:
    """Run one read-only SQL query over the documented views, as a DataFrame.

    Views: ``runs``, ``all_runs``, ``experiments``, ``params``, ``tags``,
    ``metrics``, ``latest_metrics``. Anything but a read is refused.
    """
    if not isinstance(query, str) or not query.strip():
        raise InvalidValueError('sql needs a query string such as "select * from runs"')
    validation.check_text(query, "sql query", max_length=MAX_FILTER_LENGTH * 10)
    return get_session().reader().sql(query, params)
