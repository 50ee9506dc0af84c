"""Run real notebooks in real kernels (nbclient) against the test's store.

Each cell may carry a frontend cell id, sent in the execute request's
metadata exactly as JupyterLab does (``cellId``), so that re-executing "the
same cell" can be simulated by two cells with the same id. The reply of
every cell is kept, so tests can check that a failing cell really failed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from nbtrack.demo import kernel_manager

#: Seconds allowed for one cell; kernels start slowly on a busy machine.
CELL_TIMEOUT = 240
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class Cell:
    """A cell to run: its source and the id the "frontend" sends (None: send none)."""

    source: str
    cell_id: str | None = None


@dataclass
class Executed:
    """A notebook after execution, with each cell's execute_reply."""

    nb: Any
    replies: dict[int, dict[str, Any]] = field(default_factory=dict)

    def outputs(self, index: int) -> list[dict[str, Any]]:
        return list(self.nb.cells[index].outputs)

    def status(self, index: int) -> str:
        return self.replies[index]["content"]["status"]

    def text(self, index: int) -> str:
        """Everything a person would read under the cell, as plain text without colours."""
        parts = []
        for output in self.outputs(index):
            if output["output_type"] == "stream":
                parts.append(output["text"])
            elif output["output_type"] == "error":
                parts.append("\n".join(output["traceback"]))
            else:
                parts.append(output.get("data", {}).get("text/plain", ""))
        return _ANSI.sub("", "\n".join(parts))

    def stream(self, index: int, name: str) -> str:
        return "".join(o["text"] for o in self.outputs(index) if o.get("name") == name)

    def errors(self, index: int) -> list[dict[str, Any]]:
        return [o for o in self.outputs(index) if o["output_type"] == "error"]

    def cards(self, index: int) -> list[dict[str, Any]]:
        return [o for o in self.outputs(index) if "application/vnd.nbtrack.run+json" in o.get("data", {})]


def notebook(cells: list[Cell | str]) -> Any:
    nb = nbformat.v4.new_notebook()
    for cell in cells:
        cell = cell if isinstance(cell, Cell) else Cell(cell)
        node = nbformat.v4.new_code_cell(cell.source)
        if cell.cell_id is not None:
            node.metadata["frontend_cell_id"] = cell.cell_id
        nb.cells.append(node)
    return nb


def run_notebook(
    cells: list[Cell | str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    on_cell_start: Callable[[int, NotebookClient], None] | None = None,
) -> Executed:
    """Execute the cells in a fresh kernel whose store is the test's (NBTRACK_URI)."""
    nb = notebook(cells)
    executed = Executed(nb)
    client = NotebookClient(
        nb,
        km=kernel_manager(),
        timeout=CELL_TIMEOUT,
        startup_timeout=CELL_TIMEOUT,
        allow_errors=True,
        resources={"metadata": {"path": str(cwd)}},
    )

    def start(notebook: Any) -> None:
        client.kc.execute = _execute_with_cell_ids(client)

    def before(cell: Any, cell_index: int) -> None:
        client.current_cell_id = cell.metadata.get("frontend_cell_id")
        if on_cell_start is not None:
            on_cell_start(cell_index, client)

    def after(cell: Any, cell_index: int, execute_reply: dict[str, Any]) -> None:
        executed.replies[cell_index] = execute_reply

    client.on_notebook_start = start
    client.on_cell_execute = before
    client.on_cell_executed = after
    kernel_env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1", **(env or {})}
    client.execute(env=kernel_env)
    return executed


def _execute_with_cell_ids(client: NotebookClient) -> Callable[..., str]:
    """kc.execute, but with ``cellId`` in the request's metadata as JupyterLab sends it."""
    kc = client.kc

    def execute(code: str, silent: bool = False, store_history: bool = True, **kwargs: Any) -> str:
        content = {
            "code": code,
            "silent": silent,
            "store_history": store_history,
            "user_expressions": kwargs.get("user_expressions") or {},
            "allow_stdin": False,
            "stop_on_error": kwargs.get("stop_on_error", True),
        }
        msg = kc.session.msg("execute_request", content)
        cell_id = getattr(client, "current_cell_id", None)
        if cell_id is not None:
            msg["metadata"]["cellId"] = cell_id
        kc.shell_channel.send(msg)
        return msg["header"]["msg_id"]

    return execute


@pytest.fixture
def project(isolated_store: Path) -> Path:
    """The folder the kernel runs in (the store is its ``.nbtrack/``)."""
    return isolated_store.parent
