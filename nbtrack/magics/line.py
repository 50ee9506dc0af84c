"""``%nbtrack``: the common reads and settings, one word each.

Each command is a thin adapter over the public API. Where the inline
widgets exist (``nbtrack.table``, ``nbtrack.compare``) they are shown;
otherwise a DataFrame is returned, which the notebook displays.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .. import api
from ..capture.card import CardData, render
from ..errors import MagicUsageError, NbtrackError
from ..store.base import RunQuery
from ..tracking.session import END_STATUSES, get_session
from .tracker import Tracker

if TYPE_CHECKING:
    import pandas as pd

USAGE = """\
%nbtrack runs [FILTER]          the run table, newest first, e.g. %nbtrack runs metrics.acc > 0.9
%nbtrack last                   the run card of the last tracked run
%nbtrack compare last [N]       compare the N newest runs (default 5)
%nbtrack compare ID ID ...      compare runs by id or id prefix
%nbtrack experiment [NAME]      make NAME the active experiment (show it without NAME)
%nbtrack store                  where the store is
%nbtrack reset [STATUS]         end runs left active (FINISHED by default) and switch failed captures back on
%nbtrack autolog [LIB ...] [--disable]   turn autologging on (or off) for all or some libraries"""
#: Rows of the DataFrame ``%nbtrack runs`` shows when the table widget is not available (newest first).
FRAME_ROWS = 1000
#: Seconds a read waits for captures still being written in the background.
READ_WAIT = 5.0


def run_command(tracker: Tracker, line: str) -> Any:
    """Dispatch ``%nbtrack <command> <rest>``."""
    words = line.strip().split(None, 1)
    if not words or words[0] in ("help", "-h", "--help"):
        print(USAGE)
        return None
    command, rest = words[0], words[1].strip() if len(words) > 1 else ""
    handler = _COMMANDS.get(command)
    if handler is None:
        raise MagicUsageError(f"%nbtrack {command}: unknown command. The commands are:\n{USAGE}")
    tracker.wait_pending(READ_WAIT)
    try:
        return handler(tracker, rest)
    except MagicUsageError:
        raise
    except NbtrackError as exc:
        raise MagicUsageError(f"%nbtrack {command}: {exc}") from None


def _runs(tracker: Tracker, rest: str) -> Any:
    shown = _show_widget("table", **({"filter": rest} if rest else {}))
    if shown is not None:
        return shown
    return compact(api.runs(filter=rest or None, max_results=FRAME_ROWS))


def compact(frame: pd.DataFrame) -> pd.DataFrame:
    """The run columns people read first, then metrics and params (tags left out)."""
    columns = ["run_id", "run_name", "experiment_name", "status", "start_time", "duration"]
    if frame["experiment_name"].nunique() <= 1:
        columns.remove("experiment_name")
    columns += [c for c in frame.columns if c.startswith("metrics.")]
    columns += [c for c in frame.columns if c.startswith("params.")]
    return frame[[c for c in columns if c in frame.columns]].reset_index(drop=True)


def _last(tracker: Tracker, rest: str) -> None:
    from IPython.display import display

    card = tracker.last_card
    if card is None:
        newest = api.runs(experiment="*", order_by=["start_time DESC"], max_results=1)
        if newest.empty:
            raise MagicUsageError(f"%nbtrack last: the store at {api.store_path()} has no runs yet")
        card = card_from_record(api.get_run(str(newest["run_id"].iloc[0])))
    display(render(card), raw=True)


def card_from_record(record: Any) -> CardData:
    """A run card for a run read from the store."""
    error = (record.error or "").strip().splitlines()
    return CardData(
        run_id=record.run_id,
        run_name=record.run_name or "",
        experiment=record.experiment_name or "",
        status=record.status,
        duration_s=record.duration,
        params=dict(record.params),
        metrics=dict(record.metrics),
        error=error[-1][:300] if error else None,
    )


def _compare(tracker: Tracker, rest: str) -> Any:
    words = rest.split()
    if not words or words[0] == "last":
        count = _count(words[1] if len(words) > 1 else "5")
        newest = api.runs(order_by=["start_time DESC"], max_results=count)
        run_ids = newest["run_id"].tolist()
    else:
        run_ids = [resolve_run_id(word) for word in words]
    if not run_ids:
        raise MagicUsageError(f"%nbtrack compare: no runs to compare in {api.store_path()}")
    shown = _show_widget("compare", run_ids)
    if shown is not None:
        return shown
    return comparison(run_ids)


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise MagicUsageError(f"%nbtrack compare last N: N must be a positive whole number, got {text!r}")
    return int(text)


def resolve_run_id(prefix: str) -> str:
    """A full run id from an id or a unique prefix of one."""
    return api.resolve_run_id(prefix)  # the CLI's resolver too; errors become "%nbtrack compare: ..."


def comparison(run_ids: list[str]) -> pd.DataFrame:
    """One row per run: name, status, duration, the params that differ, every metric."""
    frame = get_session().reader().search_runs(RunQuery(run_ids=tuple(run_ids)))
    frame = frame.set_index(frame["run_id"].str[:8]).reindex([r[:8] for r in run_ids])
    params = [c for c in frame.columns if c.startswith("params.") and frame[c].nunique(dropna=False) > 1]
    metrics = [c for c in frame.columns if c.startswith("metrics.")]
    return frame[["run_name", "status", "duration", *params, *metrics]]


def _experiment(tracker: Tracker, rest: str) -> None:
    name = rest.strip().strip("'\"")
    if name:
        api.set_experiment(name)
        print(f"nbtrack: runs now go to experiment {name!r}")
    else:
        print(f"nbtrack: the active experiment is {get_session().experiment_name or 'Default'!r}")


def _store(tracker: Tracker, rest: str) -> None:
    print(api.store_path())


def _reset(tracker: Tracker, rest: str) -> None:
    status = (rest or "FINISHED").upper()
    if status not in END_STATUSES:
        raise MagicUsageError(
            f"%nbtrack reset: status must be one of {', '.join(END_STATUSES)}, got {rest!r}"
        )
    session = get_session()
    ended: list[str] = []
    while session.active_run is not None and len(ended) < 1000:
        state = session.active_run
        session.end_run(status, run_id=state.run_id)
        ended.append(f"{state.run_name} ({state.run_id[:8]})")
    switched_on = tracker.reset()
    print(f"nbtrack: ended {', '.join(ended) + ' ' + status if ended else 'no active run'}")
    if switched_on:
        print(f"nbtrack: switched back on: {', '.join(switched_on)}")


def _autolog(tracker: Tracker, rest: str) -> None:
    words = rest.split()
    disable = "--disable" in words
    libraries = [w for w in words if w != "--disable"]
    options = [w for w in libraries if w.startswith("-")]
    if options:
        raise MagicUsageError(f"%nbtrack autolog: unknown option {options[0]}; the only option is --disable")
    autolog = _autolog_function()
    if autolog is None:
        raise MagicUsageError(
            "%nbtrack autolog: nbtrack.autolog is not available in this version of nbtrack yet. Until it "
            "is, log inside %%track cells with log_metric/log_params (parameters are captured for you)."
        )
    result = autolog(libraries or None, disable=disable)
    which = ", ".join(result) if isinstance(result, (list, tuple)) and result else ", ".join(libraries)
    print(f"nbtrack: autolog {'off' if disable else 'on'} for {which or 'every supported library'}")


def _autolog_function() -> Callable[..., Any] | None:
    """``nbtrack.autolog`` if it exists (the attribute may be the function or its package)."""
    import nbtrack

    found = getattr(nbtrack, "autolog", None)
    if found is None or isinstance(found, ModuleType):
        try:
            module = found or importlib.import_module("nbtrack.integrations")
        except ImportError:
            return None
        found = getattr(module, "autolog", None)
    return found if callable(found) else None


def _show_widget(name: str, *args: Any, **kwargs: Any) -> Any:
    """``nbtrack.table(...)`` / ``nbtrack.compare(...)`` where the widgets exist and can load, else None."""
    import nbtrack

    widget = getattr(nbtrack, name, None)
    if not callable(widget) or isinstance(widget, ModuleType):
        return None
    try:
        return widget(*args, **kwargs)
    except ImportError as exc:  # the widget's own optional dependency (anywidget...) is missing
        print(f"nbtrack: showing a DataFrame: the {name} widget cannot load ({exc})")
        return None


_COMMANDS: dict[str, Callable[[Tracker, str], Any]] = {
    "runs": _runs,
    "last": _last,
    "compare": _compare,
    "experiment": _experiment,
    "store": _store,
    "reset": _reset,
    "autolog": _autolog,
}
