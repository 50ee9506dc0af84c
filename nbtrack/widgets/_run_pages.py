"""The run table's queries: counts, pages and column groups of one search, via the store.

Every read goes through ``Session.reader()`` (read your own writes) and the
store's filter grammar, so a filter means in the widget what it means in
``nbtrack.runs``. A page costs one ``search_runs`` with ``offset``/``max_results``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..store.base import RunQuery

if TYPE_CHECKING:
    import pandas as pd

    from ..store.base import Store

#: Run attributes the table can show, in chooser order.
ATTRIBUTES = (
    "run_name",
    "status",
    "start_time",
    "duration",
    "end_time",
    "run_id",
    "experiment_name",
    "user",
    "host",
    "parent_run_id",
)
#: Attributes shown before the user picks columns.
DEFAULT_ATTRIBUTES = ("run_name", "status", "start_time", "duration")
#: Metric and param columns shown by default (the rest are one click away in the chooser).
DEFAULT_KEYED = 12
#: Most keys listed per group in the chooser.
MAX_KEYS = 2000
#: Groups of keyed columns and their prefixes.
GROUPS = ("metrics", "params", "tags")


def order_term(column: str, descending: bool) -> str:
    """An ``order_by`` item for a table column; keys are quoted so any key parses."""
    group, dot, key = column.partition(".")
    if dot and group in GROUPS:
        column = f"{group}.`{key.replace('`', '``')}`"
    return f"{column} {'DESC' if descending else 'ASC'}"


@dataclasses.dataclass(frozen=True)
class RunPages:
    """One search of the run table: ``query`` without paging, plus reads of it."""

    query: RunQuery

    def count(self) -> int:
        """How many runs the search selects."""
        return _store().count_runs(self.query)

    def page(self, offset: int, limit: int, columns: Sequence[str]) -> pd.DataFrame:
        """Rows ``offset .. offset+limit`` with exactly ``columns`` (absent keys are empty)."""
        frame = _store().search_runs(dataclasses.replace(self.query, offset=offset, max_results=limit))
        return frame.reindex(columns=list(columns))

    def column_groups(self) -> dict[str, list[str]]:
        """The columns the chooser offers: attributes, then every key of the searched experiments."""
        keys = _store().column_keys(self.query.experiment_ids)
        groups: dict[str, list[str]] = {"attributes": list(ATTRIBUTES)}
        for group in GROUPS:
            groups[group] = [f"{group}.{key}" for key in keys.get(group, [])[:MAX_KEYS]]
        return groups


def default_columns(groups: dict[str, list[str]]) -> list[str]:
    """Attributes first, then metrics and params up to :data:`DEFAULT_KEYED` columns."""
    keyed = (groups.get("metrics", []) + groups.get("params", []))[:DEFAULT_KEYED]
    return [*DEFAULT_ATTRIBUTES, *keyed]


def runs_by_id(run_ids: Sequence[str]) -> pd.DataFrame:
    """Every column of these runs, in the given order; runs deleted meanwhile are left out."""
    if not run_ids:
        return _store().search_runs(RunQuery(max_results=0))
    query = RunQuery(run_ids=tuple(run_ids), include_deleted=True, max_results=len(run_ids))
    frame = _store().search_runs(query)
    position = {run_id: i for i, run_id in enumerate(run_ids)}
    order = frame["run_id"].map(position).argsort(kind="stable")
    return frame.iloc[order.to_numpy()].reset_index(drop=True)


def _store() -> Store:
    from ..tracking.session import get_session

    return get_session().reader()
