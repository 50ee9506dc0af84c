"""The run card shown under a tracked cell: a pure function of what the run recorded.

:func:`render` returns a MIME bundle: HTML for notebooks (JupyterLab CSS
variables, so the dark theme works), plain text for consoles and
``nbconvert --to script``, and a small JSON record other tools can read.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

from .._format import format_duration
from .lineage import RunSummary, param_changes

MIME_TYPE = "application/vnd.nbtrack.run+json"
_STATUS_COLOUR = {
    "FINISHED": "var(--jp-success-color1, #388e3c)",
    "FAILED": "var(--jp-error-color1, #d32f2f)",
    "KILLED": "var(--jp-warn-color1, #f57c00)",
    "RUNNING": "var(--jp-info-color1, #0288d1)",
}
#: Params and metrics shown on the card; the rest are counted.
MAX_ROWS = 12


@dataclass
class CardData:
    """Everything the card shows about one run."""

    run_id: str
    run_name: str
    experiment: str
    status: str
    duration_s: float | None = None
    params: dict[str, str] = field(default_factory=dict)
    #: Overridden params: name -> the value the cell assigns.
    overridden: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    previous: RunSummary | None = None
    error: str | None = None
    captured: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def render(card: CardData) -> dict[str, Any]:
    """The card as a MIME bundle (``text/html``, ``text/plain``, nbtrack's JSON)."""
    return {
        "text/html": _html(card),
        "text/plain": _text(card),
        MIME_TYPE: {
            "run_id": card.run_id,
            "status": card.status,
            "previous_run_id": card.previous.run_id if card.previous else None,
        },
    }


def number(value: Any) -> str:
    """A metric value, short."""
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return f"{value:.4g}"
    return str(value)


def duration(seconds: float | None) -> str:
    """The run's duration as the sidebar and widgets write it (``nbtrack._format``); "—" if unknown."""
    return format_duration(seconds) or "—"


def _delta(old: float | None, new: float) -> str:
    if old is None or isinstance(old, str) or math.isnan(old) or math.isnan(new) or old == new:
        return ""
    diff = new - old
    arrow = "▲" if diff > 0 else "▼"
    return f"{arrow} {diff:+.3g}"


def _header_parts(card: CardData) -> list[str]:
    parts = [card.run_name, card.experiment, duration(card.duration_s), f"run {card.run_id[:8]}"]
    if card.previous is not None:
        parts.append(f"previous {card.previous.run_id[:8]}")
    return parts


def _param_items(card: CardData) -> list[tuple[str, str, str]]:
    """(name, value, note) for the params shown."""
    items = []
    for name, value in list(card.params.items())[:MAX_ROWS]:
        note = f"-p, cell: {card.overridden[name]}" if name in card.overridden else ""
        items.append((name, value, note))
    return items


def _metric_items(card: CardData) -> list[tuple[str, str, str]]:
    previous = card.previous.metrics if card.previous else {}
    return [
        (key, number(value), _delta(previous.get(key), value))
        for key, value in list(card.metrics.items())[:MAX_ROWS]
    ]


def _changes(card: CardData) -> list[str]:
    if card.previous is None:
        return []
    return [
        f"{c.key} {c.old if c.old is not None else '(none)'} → {c.new if c.new is not None else '(none)'}"
        for c in param_changes(card.previous, card.params)
    ]


def _more(total: int) -> str:
    return f" (+{total - MAX_ROWS} more)" if total > MAX_ROWS else ""


def _text(card: CardData) -> str:
    lines = [f"nbtrack · {card.status} · " + " · ".join(_header_parts(card))]
    if card.params:
        shown = ", ".join(f"{n}={v}" + (f" ({note})" if note else "") for n, v, note in _param_items(card))
        lines.append(f"  params   {shown}{_more(len(card.params))}")
    if card.metrics:
        shown = ", ".join(f"{k}={v}" + (f" {d}" if d else "") for k, v, d in _metric_items(card))
        lines.append(f"  metrics  {shown}{_more(len(card.metrics))}")
    changes = _changes(card)
    if changes:
        lines.append("  changed  " + "; ".join(changes))
    if card.error:
        lines.append(f"  error    {card.error}")
    if card.captured:
        lines.append("  captured " + ", ".join(card.captured))
    lines += [f"  note     {note}" for note in card.notes]
    if card.previous is not None:
        lines.append(f"  compare  %nbtrack compare {card.run_id[:8]} {card.previous.run_id[:8]}")
    return "\n".join(lines)


def _row(label: str, cells: str) -> str:
    return (
        '<tr><th style="text-align:left;padding:1px 10px 1px 0;font-weight:600;vertical-align:top;'
        f'color:var(--jp-ui-font-color2,#666)">{label}</th><td style="text-align:left;padding:1px 0">'
        f"{cells}</td></tr>"
    )


def _chips(items: list[tuple[str, str, str]], total: int) -> str:
    chips = []
    for name, value, note in items:
        extra = (
            f' <span style="color:var(--jp-ui-font-color2,#666)">{html.escape(note)}</span>' if note else ""
        )
        chips.append(f"<code>{html.escape(name)}</code>&nbsp;<b>{html.escape(value)}</b>{extra}")
    return " &nbsp;·&nbsp; ".join(chips) + html.escape(_more(total))


def _html(card: CardData) -> str:
    colour = _STATUS_COLOUR.get(card.status, "inherit")
    header = " · ".join(html.escape(part) for part in _header_parts(card))
    rows = []
    if card.params:
        rows.append(_row("params", _chips(_param_items(card), len(card.params))))
    if card.metrics:
        rows.append(_row("metrics", _chips(_metric_items(card), len(card.metrics))))
    changes = _changes(card)
    if changes:
        rows.append(_row("changed", html.escape("; ".join(changes))))
    if card.error:
        rows.append(_row("error", f'<span style="color:{colour}">{html.escape(card.error)}</span>'))
    if card.captured:
        rows.append(_row("captured", html.escape(", ".join(card.captured))))
    rows += [_row("note", html.escape(note)) for note in card.notes]
    if card.previous is not None:
        command = f"%nbtrack compare {card.run_id[:8]} {card.previous.run_id[:8]}"
        rows.append(_row("compare", f"<code>{html.escape(command)}</code>"))
    return (
        '<div class="nbtrack-run-card" style="font-family:var(--jp-ui-font-family,sans-serif);'
        "font-size:var(--jp-ui-font-size1,13px);border-left:3px solid "
        f'{colour};padding:4px 10px;margin:2px 0;color:var(--jp-ui-font-color1,inherit)">'
        f'<div><b style="color:{colour}">{html.escape(card.status)}</b> · {header}</div>'
        '<table style="border-collapse:collapse;margin-top:2px;font-size:inherit">'
        f"{''.join(rows)}</table></div>"
    )
