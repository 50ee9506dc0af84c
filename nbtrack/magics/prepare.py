"""Turn a ``%%track`` cell body into the AST that runs: transform, parse, find params, override.

The body goes through IPython's input transformers first (so ``!cmd``,
``%magic`` and ``?`` lines work), is parsed with blank lines standing in for
the lines above it (so line numbers are those of the notebook cell), gets
its ``-p`` overrides in the AST, and is registered with IPython's compiler
under the text that really runs, so tracebacks show the right lines.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from ..capture import environment, seeds
from ..capture.identity import CellIdentity, execution_count, identify
from ..capture.params import (
    CellParams,
    apply_overrides,
    exclude,
    find_params,
    has_top_level_await,
    ignored_lines,
    parse_overrides,
    splice_overrides,
)
from ..errors import MagicUsageError
from .options import TrackOptions


@dataclass
class PreparedCell:
    """A cell body ready to run, with what was learnt from its code."""

    tree: ast.Module
    cell_name: str
    #: The cell as it runs: the magic line as a comment, then the transformed body with overrides.
    source: str
    params: CellParams
    #: Overridden params: name -> the value the cell assigns, as text.
    overridden: dict[str, str]
    identity: CellIdentity
    imported: list[str] = field(default_factory=list)
    seed_sites: list[tuple[str, ast.expr]] = field(default_factory=list)


class CellSyntaxError(Exception):
    """The body does not parse; IPython has shown the error already."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def header_lines(shell: Any, line: str) -> list[str]:
    """The notebook cell's lines above the body (normally just the ``%%track`` line)."""
    result = getattr(getattr(shell, "displayhook", None), "exec_result", None)
    raw = getattr(getattr(result, "info", None), "raw_cell", None)
    if isinstance(raw, str):
        lines = raw.splitlines()
        for i, text in enumerate(lines):
            if text.lstrip().startswith("%%track"):
                return lines[: i + 1]
    return [f"%%track {line}".rstrip()]


def prepare(shell: Any, line: str, cell: str, options: TrackOptions) -> PreparedCell:
    """Parse and override the body; raises MagicUsageError (bad -p/--exclude) or CellSyntaxError."""
    header = header_lines(shell, line)
    body = shell.transform_cell(cell)
    padded = "\n" * len(header) + body
    tree = _parse(shell, padded)
    if isinstance(tree, BaseException):
        _show_syntax_error(shell, header, body)  # outside the except block: no chained traceback
        raise CellSyntaxError(tree)
    if has_top_level_await(tree, body):
        raise MagicUsageError(
            "%%track cannot run a cell that uses `await` at the top level yet: move the awaiting code "
            "into an `async def` and call it from a cell without %%track, or track it with "
            "`with nbtrack.start_run():` inside the async function"
        )
    params = find_params(tree, ignored=ignored_lines(padded), prefix=options.param_prefix)
    # values of every literal assignment, excluded or not, are not part of the cell's identity
    identity_names = set(params.params) | set(params.dicts) | set(params.excluded)
    exclude(params, options.exclude)
    originals = {name: repr(p.value) for name, p in params.params.items()}
    overrides = parse_overrides(options.params, params)
    replaced = apply_overrides(params, overrides)
    # the padding lines are blank, so the spliced body starts right after them
    spliced = splice_overrides(padded, replaced)[len(header) :]
    runs_as = "\n".join(header) + "\n" + spliced
    cell_name = shell.compile.cache(runs_as, execution_count(shell), raw_code=runs_as)
    if replaced:  # the override values are new nodes; a parsed tree has its locations
        ast.fix_missing_locations(tree)
    identity = identify(shell, tree, identity_names, options.identity_text())
    tree = shell.transform_ast(tree)
    return PreparedCell(
        tree=tree,
        cell_name=cell_name,
        source="\n".join("# " + text if text.strip() else text for text in header) + "\n" + spliced,
        params=params,
        overridden={name: originals[name] for name in overrides},
        identity=identity,
        imported=environment.imported_modules(tree, body),
        seed_sites=seeds.find_seed_sites(tree, body),
    )


def _parse(shell: Any, source: str) -> ast.Module | BaseException:
    try:
        return shell.compile.ast_parse(source, filename="<nbtrack-cell>")
    except (SyntaxError, ValueError, OverflowError) as exc:
        return exc


def _show_syntax_error(shell: Any, header: list[str], body: str) -> None:
    """Let IPython show the error as it would without the magic, labelled with the cell."""
    text = "\n".join(header) + "\n" + body
    cell_name = shell.compile.cache(text, execution_count(shell), raw_code=text)
    try:
        shell.compile.ast_parse("\n" * len(header) + body, filename=cell_name)
    except (SyntaxError, ValueError, OverflowError):
        shell.showsyntaxerror(cell_name)
