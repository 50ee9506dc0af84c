"""The ``nbtrack`` command line: a thin formatter over the public API.

Every command reads through the same functions as the notebook API, so a
filter means the same thing here. Errors go to stderr with exit code 1.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import api
from ._format import format_duration
from .errors import NbtrackError

if TYPE_CHECKING:
    import pandas as pd

app = typer.Typer(
    name="nbtrack",
    help="Browse and query nbtrack runs from the terminal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store", "-s", help="Store or project directory (default: NBTRACK_URI, else nearest .nbtrack/)."
    ),
]


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]

_STATUS_STYLE = {"RUNNING": "cyan", "FINISHED": "green", "FAILED": "red", "KILLED": "yellow"}


def _use_store(store: str | None) -> None:
    if store is not None:
        api.connect(store)


@app.command()
def experiments(store: StoreOption = None, fmt: FormatOption = Format.table) -> None:
    """List experiments with their run counts."""
    _use_store(store)
    frame = api.experiments()
    _emit(frame[["name", "experiment_id", "runs", "last_run_time", "created_time"]], fmt, title="Experiments")


@app.command()
def runs(
    store: StoreOption = None,
    experiment: Annotated[
        list[str] | None, typer.Option("--experiment", "-e", help="Experiment name or id (repeatable).")
    ] = None,
    filter: Annotated[
        str | None, typer.Option("--filter", help="e.g. \"metrics.acc > 0.9 and params.model = 'rf'\"")
    ] = None,
    order_by: Annotated[
        list[str] | None, typer.Option("--order-by", "-o", help="e.g. 'metrics.acc DESC' (repeatable).")
    ] = None,
    max_results: Annotated[int, typer.Option("--max-results", "-n", help="At most this many runs.")] = 50,
    columns: Annotated[
        str | None,
        typer.Option("--columns", "-c", help="Comma-separated extra columns, e.g. metrics.acc,params.lr"),
    ] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """List runs, newest first, with their metrics and params."""
    _use_store(store)
    frame = api.runs(experiment=experiment or "*", filter=filter, order_by=order_by, max_results=max_results)
    if fmt is not Format.table:
        _emit(frame, fmt)
        return
    wanted = [c.strip() for c in columns.split(",")] if columns else None
    _emit(_compact_runs(frame, wanted), fmt, title=f"{len(frame)} runs", status_column="status")


@app.command()
def show(
    run_id: Annotated[str, typer.Argument(help="Run id or a unique prefix of it.")],
    store: StoreOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Show one run: attributes, params, latest metrics and tags."""
    _use_store(store)
    record = api.get_run(api.resolve_run_id(run_id))
    if fmt is Format.json:
        typer.echo(json.dumps(_record_dict(record), default=str, indent=2))
        return
    if fmt is Format.csv:
        rows = [("attribute", k, v) for k, v in _record_dict(record).items() if not isinstance(v, dict)]
        rows += [
            (group, k, v)
            for group in ("params", "metrics", "tags")
            for k, v in getattr(record, group).items()
        ]
        _emit(_frame(rows, ["section", "key", "value"]), fmt)
        return
    _print_record(record)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="One read-only SQL query over the views.")],
    store: StoreOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Run a read-only SQL query over the views (runs, all_runs, experiments, params, tags, metrics...)."""
    _use_store(store)
    _emit(api.sql(query), fmt)


@app.command()
def doctor(
    store: StoreOption = None,
    repair: Annotated[
        bool, typer.Option("--repair", help="Merge again the set-aside spool files that read cleanly.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check the store: versions, sizes, pending and set-aside spool files, the lock, runs by status.

    Exits with code 1 while problems remain.
    """
    from .health import doctor as examine

    report = examine(store, repair=repair)
    typer.echo(json.dumps(report.to_dict(), indent=2) if as_json else str(report))
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def demo(store: StoreOption = None) -> None:
    """Run the quickstart notebook in a real kernel, record its runs in this folder's store, show them."""
    from .demo import run_demo

    _use_store(store)
    run_demo(store=api.store_path(), echo=typer.echo)
    typer.echo("")
    runs(
        store=None,
        experiment=["quickstart"],
        filter=None,
        order_by=["start_time"],
        max_results=50,
        columns="metrics.val_acc,params.max_depth,params.learning_rate",
        fmt=Format.table,
    )
    typer.echo(
        "\nOpen notebooks/quickstart.ipynb in JupyterLab to see the run cards; `nbtrack show <id>` shows one."
    )


# -- formatting ------------------------------------------------------------------------


def _compact_runs(frame: pd.DataFrame, wanted: list[str] | None) -> pd.DataFrame:
    import pandas as pd

    out = pd.DataFrame(
        {
            "run": frame["run_id"].str[:8],
            "name": frame["run_name"],
            "status": frame["status"],
            "started": frame["start_time"].dt.tz_convert(None).dt.strftime("%m-%d %H:%M"),
            "duration": frame["duration"].map(_duration),
        }
    )
    if frame["experiment_name"].nunique() > 1:
        out.insert(2, "experiment", frame["experiment_name"])
    if wanted is None:
        wanted = [c for c in frame.columns if c.startswith("metrics.")][:4]
        wanted += [c for c in frame.columns if c.startswith("params.")][:4]
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise NbtrackError(
            f"unknown column(s): {', '.join(missing)}. Columns look like metrics.acc or params.lr"
        )
    for column in wanted:
        out[column.split(".", 1)[1] if column.count(".") else column] = frame[column].map(_cell)
    return out


def _duration(seconds: Any) -> str:
    return format_duration(seconds) or "—"  # as the sidebar and the widgets write it


def _cell(value: Any, *, blank_nan: bool = True) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if value != value and blank_nan else f"{value:.4g}"
    return str(value)


def _frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)


def _emit(
    frame: pd.DataFrame, fmt: Format, *, title: str | None = None, status_column: str | None = None
) -> None:
    if fmt is Format.csv:
        frame.to_csv(sys.stdout, index=False)
    elif fmt is Format.json:
        typer.echo(frame.to_json(orient="records", date_format="iso", indent=2))
    else:
        _print_table(frame, title, status_column)


def _print_table(frame: pd.DataFrame, title: str | None, status_column: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    cells = {column: [_cell(v) for v in frame[column]] for column in frame.columns}
    shown = _columns_that_fit(cells, console.width)
    table = Table(title=title, title_justify="left", header_style="bold", pad_edge=False, box=None)
    for column in shown:
        table.add_column(str(column), overflow="ellipsis", no_wrap=True, max_width=36)
    for i in range(len(frame)):
        row = []
        for column in shown:
            text = cells[column][i]
            if column == status_column:
                text = f"[{_STATUS_STYLE.get(text, 'white')}]{text}[/]"
            row.append(text)
        table.add_row(*row)
    console.print(table)
    hidden = len(frame.columns) - len(shown)
    if hidden:
        console.print(
            f"[dim]{hidden} more column(s) did not fit: pick with --columns, or use --format csv[/]"
        )


def _columns_that_fit(cells: dict[str, list[str]], width: int) -> list[str]:
    """Keep whole columns from the left while they fit the terminal (at least two)."""
    shown: list[str] = []
    used = 0
    for column, values in cells.items():
        need = min(36, max([len(str(column)), *map(len, values)])) + 2
        if used + need > width and len(shown) >= 2:
            break
        shown.append(column)
        used += need
    return shown


def _record_dict(record: Any) -> dict[str, Any]:
    from dataclasses import asdict

    data = asdict(record)
    data["duration"] = record.duration
    return data


def _print_record(record: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    style = _STATUS_STYLE.get(record.status, "white")
    console.print(f"[bold]{record.run_name}[/]  {record.run_id}  [{style}]{record.status}[/]")
    console.print(
        f"experiment {record.experiment_name}  started {record.start_time}  "
        f"duration {_duration(record.duration)}  {record.user}@{record.host} pid {record.pid}"
    )
    if record.parent_run_id:
        console.print(f"parent {record.parent_run_id}")
    for group in ("params", "metrics", "tags"):
        values = getattr(record, group)
        if not values:
            continue
        table = Table(title=group, title_justify="left", show_header=False)
        table.add_column("key", style="bold")
        table.add_column("value", overflow="fold")
        for key in sorted(values):
            table.add_row(key, _cell(values[key], blank_nan=False))
        console.print(table)
    if record.error:
        console.print("[red]error:[/]")
        console.print(record.error[-4000:], markup=False)


def main() -> None:
    """Entry point of the ``nbtrack`` command."""
    try:
        app()
    except NbtrackError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
