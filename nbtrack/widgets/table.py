"""The run table widget: a virtualised, sortable, filterable view of the store's runs.

The JavaScript asks for pages as the user scrolls (``{"type": "page"}``
messages) and Python answers each with one Arrow IPC buffer, so 100,000
runs never cross the comm at once. Sorting, the filter box and the column
chooser set traits; Python re-runs the search and bumps ``version``, which
tells the JavaScript to drop the pages it holds. The first page travels with
the state, so rows show without a round trip.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from ..errors import FilterParseError, InvalidValueError, NbtrackError
from ..wire import page_ipc
from ._assets import asset
from ._run_pages import RunPages, default_columns, order_term, runs_by_id
from ._static import html_table, text_table, with_static

if TYPE_CHECKING:
    import pandas as pd

#: Rows per page (the first page travels with the widget's state).
PAGE_SIZE = 100
#: Most rows one page request may ask for.
MAX_PAGE = 1000


class RunTable(anywidget.AnyWidget):
    """Interactive run table; ``.selected`` is a DataFrame of the rows the user selected."""

    _esm = asset("table.js")
    _css = asset("widgets.css")

    filter = traitlets.Unicode("").tag(sync=True)
    sort_by = traitlets.Unicode("").tag(sync=True)
    sort_desc = traitlets.Bool(True).tag(sync=True)
    visible = traitlets.List(traitlets.Unicode()).tag(sync=True)
    columns = traitlets.Dict().tag(sync=True)
    total = traitlets.Int(0).tag(sync=True)
    version = traitlets.Int(0).tag(sync=True)
    first_page = traitlets.Bytes(b"").tag(sync=True)
    page_size = traitlets.Int(PAGE_SIZE).tag(sync=True)
    error = traitlets.Dict().tag(sync=True)
    selected_ids = traitlets.List(traitlets.Unicode()).tag(sync=True)
    auto_refresh = traitlets.Int(0).tag(sync=True)

    def __init__(
        self,
        *,
        experiment: str | Sequence[str] | None,
        filter: str,
        sort_by: str,
        sort_desc: bool,
        visible: list[str] | None,
        auto_refresh: int,
    ) -> None:
        pages, state = _search_state(experiment, filter, sort_by, sort_desc, visible, PAGE_SIZE)
        super().__init__(
            filter=filter, sort_by=sort_by, sort_desc=sort_desc, auto_refresh=auto_refresh, version=1, **state
        )
        ids = pages.query.experiment_ids  # pinned: a later set_experiment does not change the table
        self._experiment: str | Sequence[str] = "*" if ids is None else list(ids)
        self._pages: RunPages = pages
        self._batching = self._changed_in_batch = False
        self.observe(self._on_search_change, names=["filter", "sort_by", "sort_desc", "visible"])
        self.on_msg(self._on_message)

    # -- Python API ------------------------------------------------------------------
    @property
    def selected(self) -> pd.DataFrame:
        """The selected runs (every column, as ``nbtrack.runs`` returns them), in selection order."""
        return runs_by_id(list(self.selected_ids))

    def refresh(self) -> bool:
        """Re-run the search now; True if the rows changed (new runs landed, a run ended...)."""
        return self._reload(only_if_changed=True)

    def page(self, offset: int = 0, limit: int = PAGE_SIZE) -> pd.DataFrame:
        """Rows ``offset .. offset+limit`` as the table shows them (visible columns, current order)."""
        return self._pages.page(offset, min(limit, MAX_PAGE), ["run_id", *self.visible])

    # -- searching -------------------------------------------------------------------
    def _reload(self, *, only_if_changed: bool = False) -> bool:
        """Search again and publish count, columns and first page in one state update.

        A bad filter from the filter box lands in ``error`` (message and
        column) and the rows of the last good search stay.
        """
        try:
            pages, state = _search_state(
                self._experiment,
                self.filter,
                self.sort_by,
                self.sort_desc,
                list(self.visible),
                self.page_size,
            )
        except NbtrackError as exc:
            self.error = _error_state(exc)
            return False
        if only_if_changed and all(getattr(self, k) == v for k, v in state.items()):
            return False
        with self.hold_sync():
            self._pages = pages
            self.error = {}
            for name, value in state.items():
                setattr(self, name, value)
            self.version += 1
        return True

    def _on_search_change(self, change: dict[str, Any]) -> None:
        if self._batching:
            self._changed_in_batch = True
        else:
            self._reload()

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """State from the front-end: several search traits at once make one search, not one each."""
        self._batching, self._changed_in_batch = True, False
        try:
            super().set_state(sync_data)
        finally:
            self._batching = False
        if self._changed_in_batch:
            self._reload()

    # -- messages from the JavaScript ----------------------------------------------------
    def _on_message(self, widget: Any, content: Any, buffers: list[Any]) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        try:
            if kind == "page":
                self._send_page(content)
            elif kind == "refresh":
                changed = self._reload(only_if_changed=True)
                self.send({"type": "refreshed", "changed": changed})
        except Exception as exc:  # a widget callback must never raise into the kernel loop
            self.send({"type": "error", "message": f"{type(exc).__name__}: {exc}"})

    def _send_page(self, content: dict[str, Any]) -> None:
        offset = _non_negative(content.get("offset"), "offset")
        limit = min(_non_negative(content.get("limit"), "limit") or self.page_size, MAX_PAGE)
        version = self.version
        frame = self._pages.page(offset, limit, ["run_id", *self.visible])
        reply = {"type": "page", "offset": offset, "rows": len(frame), "version": version}
        self.send(reply, buffers=[page_ipc(frame)])

    # -- static representation ---------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        frame = self._static_frame()
        caption = f"nbtrack runs: {self.total} run{'s' if self.total != 1 else ''}"
        shown_filter = self._pages.query.filter
        if shown_filter:
            caption += f" matching {shown_filter}"
        static = {"text/plain": text_table(frame, caption), "text/html": html_table(frame, caption)}
        return with_static(super()._repr_mimebundle_(**kwargs), static)

    def _static_frame(self) -> pd.DataFrame:
        try:
            return self._pages.page(0, 20, list(self.visible))
        except NbtrackError:
            import pandas as pd

            return pd.DataFrame(columns=list(self.visible))


def _search_state(
    experiment: Any, filter: str, sort_by: str, sort_desc: bool, visible: list[str] | None, page_size: int
) -> tuple[RunPages, dict[str, Any]]:
    """Run a search: its pages, and the traits that show it (columns, count, first page)."""
    pages = _run_pages(experiment, filter, sort_by, sort_desc)
    groups = pages.column_groups()
    shown = visible or default_columns(groups)
    first = page_ipc(pages.page(0, page_size, ["run_id", *shown]))
    return pages, {"columns": groups, "visible": shown, "total": pages.count(), "first_page": first}


def _run_pages(experiment: Any, filter: str, sort_by: str, sort_desc: bool) -> RunPages:
    from ..api import _run_query

    order = [order_term(sort_by, sort_desc)] if sort_by else None
    return RunPages(_run_query(experiment, filter or None, order, 0, False))


def _error_state(exc: NbtrackError) -> dict[str, Any]:
    if isinstance(exc, FilterParseError):
        return {"message": exc.message, "column": exc.column, "text": exc.text}
    return {"message": str(exc), "column": 0, "text": ""}


def _non_negative(value: Any, name: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InvalidValueError(f"{name} must be a non-negative number, got {value!r}")
    return int(value)


def split_order(order_by: str | None) -> tuple[str, bool]:
    """``"metrics.acc DESC"`` -> ``("metrics.acc", True)``; a bare column sorts ascending."""
    if order_by is None or not order_by.strip():
        return "", True
    column, _, direction = order_by.strip().rpartition(" ")
    if direction.upper() in ("ASC", "DESC") and column.strip():
        return column.strip(), direction.upper() == "DESC"
    return order_by.strip(), False
