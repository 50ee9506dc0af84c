"""``nbtrack demo``: execute the quickstart notebook in a real kernel, recording its runs here.

The notebook (``notebooks/quickstart.ipynb`` in a source checkout, shipped
as ``nbtrack/_data/quickstart.ipynb`` in the wheel) trains small
scikit-learn models in ``%%track`` cells. It runs in a fresh IPython kernel
of this very Python (whatever kernels Jupyter knows about), with
``NBTRACK_URI`` pointing at the store the command was given, so its runs
land where ``nbtrack runs`` looks.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._optional import require
from .errors import NbtrackError

QUICKSTART = "quickstart.ipynb"
#: Seconds one cell of the notebook may take.
CELL_TIMEOUT = 300


class DemoError(NbtrackError):
    """The quickstart notebook could not be found or did not run through."""


def quickstart_path() -> Path:
    """The quickstart notebook: packaged in the wheel, else in the source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data" / QUICKSTART, here.parent / "notebooks" / QUICKSTART):
        if candidate.is_file():
            return candidate
    raise DemoError(
        f"the quickstart notebook is missing: looked for {here / '_data' / QUICKSTART} and "
        f"{here.parent / 'notebooks' / QUICKSTART}. Reinstall nbtrack (pip install 'nbtrack[demo]')."
    )


def kernel_manager() -> Any:
    """A kernel manager that starts an IPython kernel of this Python, not whatever 'python3' names."""
    require("ipykernel", purpose="the demo")
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    spec = KernelSpec(
        argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        display_name=f"Python {sys.version_info.major}.{sys.version_info.minor} (nbtrack)",
        language="python",
    )

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return spec

    return AsyncKernelManager(kernel_name="nbtrack-python", kernel_spec_manager=ThisPython())


def run_demo(
    *, store: str, cwd: str | os.PathLike[str] | None = None, echo: Callable[[str], Any] = print
) -> Any:
    """Execute the quickstart notebook with its runs going to ``store``; returns the executed notebook."""
    require("sklearn", "scikit-learn", purpose="the demo")
    nbformat = require("nbformat", purpose="the demo")
    require("nbclient", purpose="the demo")
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = quickstart_path()
    notebook = nbformat.read(path, as_version=4)
    folder = str(cwd or os.getcwd())
    client = NotebookClient(
        notebook,
        km=kernel_manager(),
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": folder}},
    )
    code_cells = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    started = time.perf_counter()
    client.on_cell_executed = _progress(code_cells, notebook, echo)
    echo(f"Running {path} in a new kernel; runs go to {store}")
    env = {**os.environ, "NBTRACK_URI": str(store), "JPY_SESSION_NAME": str(path)}
    try:
        # the kernel process's own log (transport warnings...) is noise here: cells report through the client
        client.execute(env=env, stderr=subprocess.DEVNULL)
    except CellExecutionError as exc:
        raise DemoError(f"the quickstart notebook failed:\n{exc}") from None
    echo(f"Done in {time.perf_counter() - started:.1f} s.")
    return notebook


def _progress(code_cells: list[int], notebook: Any, echo: Callable[[str], Any]) -> Callable[..., None]:
    def report(cell: Any, cell_index: int, execute_reply: dict[str, Any]) -> None:
        first = cell.source.splitlines()[0] if cell.source else ""
        status = execute_reply["content"]["status"]
        shown = "ok" if status == "ok" else f"{status} (expected)" if _expected(cell) else status
        echo(f"  [{code_cells.index(cell_index) + 1:>2}/{len(code_cells)}] {first[:60]:<60} {shown}")

    return report


def _expected(cell: Any) -> bool:
    return "raises-exception" in cell.get("metadata", {}).get("tags", [])
