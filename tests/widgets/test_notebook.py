"""The example notebook runs in a real kernel, and every widget leaves a static output behind."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

import nbtrack

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "widgets.ipynb"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def outputs_of(notebook: nbformat.NotebookNode, marker: str) -> list[dict]:
    (cell,) = [c for c in notebook.cells if c.cell_type == "code" and marker in c.source]
    return [o for o in cell.outputs if o.output_type in ("display_data", "execute_result")]


def test_widgets_notebook_runs_and_shows_something_without_a_browser(tmp_path):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    (table,) = outputs_of(notebook, "t = nbtrack.table(")
    assert WIDGET_VIEW in table.data and "lr=0.003 batch=64" in table.data["text/html"]
    (compare,) = outputs_of(notebook, "nbtrack.compare(last=4)")
    assert {WIDGET_VIEW, "text/html", "image/png"} <= set(compare.data)
    (live,) = [o for o in outputs_of(notebook, "chart = nbtrack.live()") if WIDGET_VIEW in o.data]
    assert "image/png" in live.data  # the final chart, after the run ended
    runs = nbtrack.runs(experiment="widgets-tour")
    assert len(runs) == 13 and set(runs["status"]) == {"FINISHED"}
