"""Which cell of which notebook is running: a stable identity for "the same cell".

JupyterLab and Notebook 7 send the cell's id in the execute request's
metadata (``cellId``; IPython hands it to ``run_cell`` as ``cell_id``). VS
Code puts the notebook's path in ``__vsc_ipynb_file__``; jupyter_server
starts kernels with ``JPY_SESSION_NAME`` set to the notebook's path. Where
no frontend says which cell this is (a console, nbclient, papermill), the
identity is a hash of the notebook, the magic's options and the source with
the parameter values left out, so editing ``max_depth = 8`` to ``12`` and
re-running still continues the same lineage.
"""

from __future__ import annotations

import ast
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Prefix of identities computed from the source (no frontend cell id).
SOURCE_ID_PREFIX = "src-"


@dataclass(frozen=True)
class CellIdentity:
    """The cell id (frontend id or source hash), notebook path and execution count of a cell."""

    cell_id: str
    notebook: str | None
    execution_count: int | None
    from_frontend: bool


def frontend_cell_id(shell: Any) -> str | None:
    """The id the frontend gave the executing cell, if any."""
    result = getattr(getattr(shell, "displayhook", None), "exec_result", None)
    cell_id = getattr(getattr(result, "info", None), "cell_id", None)
    if cell_id:
        return str(cell_id)
    kernel = getattr(shell, "kernel", None)
    get_parent = getattr(kernel, "get_parent", None)
    if get_parent is None:
        return None
    parent = get_parent()
    metadata = parent.get("metadata") if isinstance(parent, dict) else None
    found = metadata.get("cellId") if isinstance(metadata, dict) else None
    return str(found) if found else None


def execution_count(shell: Any) -> int | None:
    """The ``In[N]`` number of the executing cell (IPython counts the next one while a cell runs)."""
    result = getattr(getattr(shell, "displayhook", None), "exec_result", None)
    count = getattr(result, "execution_count", None)
    return count if isinstance(count, int) else getattr(shell, "execution_count", None)


def notebook_path(user_ns: dict[str, Any], environ: Any = os.environ) -> str | None:
    """The notebook's path: VS Code's variable, else jupyter_server's session name."""
    vscode = user_ns.get("__vsc_ipynb_file__")
    if isinstance(vscode, str) and vscode:
        return vscode
    for candidate in (environ.get("JPY_SESSION_NAME"), user_ns.get("__session__")):
        if isinstance(candidate, str) and candidate.endswith(".ipynb"):
            return _resolve(candidate)
    return None


def _resolve(path: str) -> str:
    if os.path.isabs(path):
        return path
    # jupyter_server may give a path relative to its root; the kernel runs in the notebook's folder
    local = Path.cwd() / Path(path).name
    return str(local) if local.exists() else path


def source_fingerprint(tree: ast.Module, param_names: set[str], options: str, notebook: str | None) -> str:
    """A hash of the cell that ignores the values of its parameters."""
    blanked = ast.Module(body=[_blank(stmt, param_names) for stmt in tree.body], type_ignores=[])
    text = "\0".join((notebook or "", options, ast.dump(blanked)))
    return SOURCE_ID_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:20]


def _blank(stmt: ast.stmt, names: set[str]) -> ast.stmt:
    target: ast.expr | None = stmt.target if isinstance(stmt, ast.AnnAssign) else None
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
    if isinstance(target, ast.Name) and target.id in names:
        return ast.Assign(targets=[ast.Name(target.id, ast.Store())], value=ast.Constant(None))
    return stmt


def identify(shell: Any, tree: ast.Module, param_names: set[str], options: str) -> CellIdentity:
    """The identity of the cell being executed by ``shell``."""
    notebook = notebook_path(shell.user_ns)
    cell_id = frontend_cell_id(shell)
    count = execution_count(shell)
    if cell_id:
        return CellIdentity(cell_id, notebook, count, True)
    return CellIdentity(source_fingerprint(tree, param_names, options, notebook), notebook, count, False)
