"""Parameters of a cell: its top-level literal assignments, found in the AST.

``n_estimators = 200`` or ``layers: list = [64, 32]`` at the top level of a
``%%track`` cell is a parameter. ``-p name=value`` replaces the assigned
value node in the AST before the cell runs, so every other line keeps its
number and tracebacks point at the right place; :func:`splice_overrides`
writes the same change into the source text that is shown and captured.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import MagicUsageError
from ..tracking.validation import MAX_PARAM_LENGTH


@dataclass
class Site:
    """Where a literal value sits: ``owner.<field>`` or ``owner.<field>[index]``."""

    owner: ast.AST
    field: str
    index: int | None = None

    @property
    def node(self) -> ast.expr:
        value = getattr(self.owner, self.field)
        return value if self.index is None else value[self.index]

    def replace(self, new: ast.expr) -> None:
        ast.copy_location(new, self.node)
        if self.index is None:
            setattr(self.owner, self.field, new)
        else:
            getattr(self.owner, self.field)[self.index] = new


@dataclass
class Param:
    """One parameter: its value (from its last literal assignment) and every site assigning it."""

    name: str
    value: Any
    sites: list[Site] = field(default_factory=list)


@dataclass
class CellParams:
    """The parameters of a cell, in order of first assignment."""

    params: dict[str, Param] = field(default_factory=dict)
    #: Literal assignments left out because their text is longer than a param may be.
    too_long: list[str] = field(default_factory=list)

    def values(self) -> dict[str, Any]:
        return {name: p.value for name, p in self.params.items()}


_NOT_LITERAL = object()


def literal_value(node: ast.expr | None) -> Any:
    """The value of a literal expression node, or ``_NOT_LITERAL``."""
    if node is None:
        return _NOT_LITERAL
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_LITERAL


def find_params(tree: ast.Module) -> CellParams:
    """Top-level assignments of literals (numbers, strings, booleans, None, containers of literals).

    Names starting with ``_`` are scratch variables and empty containers
    (``losses = []``) are accumulators: neither is a parameter.
    """
    found = CellParams()
    for stmt in tree.body:
        for name, site in _literal_sites(stmt):
            value = literal_value(site.node)
            if value is _NOT_LITERAL or name.startswith("_") or _empty_container(value):
                continue
            if len(str(value)) > MAX_PARAM_LENGTH:
                found.too_long.append(name)
                continue
            param = found.params.setdefault(name, Param(name, value))
            param.value = value
            param.sites.append(site)
    return found


def _empty_container(value: Any) -> bool:
    return isinstance(value, (list, tuple, dict, set, frozenset)) and not value


def _literal_sites(stmt: ast.stmt) -> Iterable[tuple[str, Site]]:
    if isinstance(stmt, ast.AnnAssign):
        if isinstance(stmt.target, ast.Name) and stmt.value is not None:
            yield stmt.target.id, Site(stmt, "value")
        return
    if not isinstance(stmt, ast.Assign):
        return
    for target in stmt.targets:
        if isinstance(target, ast.Name):
            yield target.id, Site(stmt, "value")
        elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(stmt.value, (ast.Tuple, ast.List)):
            elements = stmt.value.elts
            if len(elements) == len(target.elts) and not any(isinstance(e, ast.Starred) for e in elements):
                for i, element in enumerate(target.elts):
                    if isinstance(element, ast.Name):
                        yield element.id, Site(stmt.value, "elts", i)


# -- overrides -------------------------------------------------------------------------


def parse_overrides(items: Sequence[str] | None, params: CellParams) -> dict[str, Any]:
    """``["max_depth=12", "model='rf'"]`` → ``{"max_depth": 12, "model": "rf"}``, checked against the cell."""
    overrides: dict[str, Any] = {}
    for item in items or ():
        name, text = _split_override(item)
        if name in overrides:
            raise MagicUsageError(f"-p {name} is given twice; give each parameter once")
        overrides[name] = text
    unknown = [name for name in overrides if name not in params.params]
    if unknown:
        raise MagicUsageError(_unknown_message(unknown, params))
    return {name: parse_value(name, text, params.params[name].value) for name, text in overrides.items()}


def _split_override(item: str) -> tuple[str, str]:
    item = _unquote(item.strip())
    name, sep, text = item.partition("=")
    name = name.strip()
    if not sep or not name:
        raise MagicUsageError(f"-p takes name=value, e.g. -p max_depth=12 (got {item!r})")
    if not name.isidentifier():
        raise MagicUsageError(f"-p {name}=...: {name!r} is not a Python variable name")
    return name, text.strip()


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" and "=" in text:
        return text[1:-1]
    return text


def _unknown_message(unknown: list[str], params: CellParams) -> str:
    names = ", ".join(unknown)
    if params.params:
        known = ", ".join(params.params)
        return (
            f"-p {names}: this cell has no parameter of that name, so nothing ran. Its parameters "
            f"(top-level assignments of literals) are: {known}."
        )
    return (
        f"-p {names}: this cell has no parameters, so nothing ran. Parameters are top-level "
        "assignments of literals, e.g. `max_depth = 8`; add one to the cell to override it with -p."
    )


def parse_value(name: str, text: str, current: Any) -> Any:
    """Parse an override as a Python literal; bare text is accepted where the cell assigns a string."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        if current is None or isinstance(current, str):
            return text
        raise MagicUsageError(
            f"-p {name}={text}: {text!r} is not a Python literal (the cell assigns "
            f"{type(current).__name__} {current!r}). Quote text values: -p {name}=\"'{text}'\""
        ) from None
    if isinstance(current, str) and value is not None and not isinstance(value, str):
        return text
    return value


def apply_overrides(params: CellParams, overrides: dict[str, Any]) -> list[tuple[Site, ast.expr]]:
    """Replace the value node of every assignment of each overridden name; returns (site, old node)."""
    replaced: list[tuple[Site, ast.expr]] = []
    for name, value in overrides.items():
        param = params.params[name]
        for site in param.sites:
            old = site.node
            site.replace(value_node(value))
            replaced.append((site, old))
        param.value = value
    return replaced


def value_node(value: Any) -> ast.expr:
    """An expression node that evaluates to ``value`` (a literal or container of literals)."""
    if isinstance(value, dict):
        return ast.Dict(keys=[value_node(k) for k in value], values=[value_node(v) for v in value.values()])
    if isinstance(value, list):
        return ast.List(elts=[value_node(v) for v in value], ctx=ast.Load())
    if isinstance(value, tuple):
        return ast.Tuple(elts=[value_node(v) for v in value], ctx=ast.Load())
    if isinstance(value, (set, frozenset)):
        if not value:
            return ast.Call(func=ast.Name("set", ast.Load()), args=[], keywords=[])
        return ast.Set(elts=[value_node(v) for v in value])
    if isinstance(value, float) and not math.isfinite(value):
        return ast.Call(func=ast.Name("float", ast.Load()), args=[ast.Constant(repr(value))], keywords=[])
    return ast.Constant(value)


def splice_overrides(source: str, replaced: list[tuple[Site, ast.expr]]) -> str:
    """The source text with each replaced value written in; the number of lines never changes.

    A value that spanned several lines is written on its first line and
    followed by blank lines, so the lines after it keep their numbers.
    """
    lines = source.splitlines(keepends=True)
    spans = sorted(
        (
            (old.lineno, old.col_offset, old.end_lineno or old.lineno, old.end_col_offset or 0, site)
            for site, old in replaced
        ),
        key=lambda span: (span[0], span[1]),
        reverse=True,
    )
    for lineno, col, end_lineno, end_col, site in spans:
        first = lines[lineno - 1].encode()
        last = lines[end_lineno - 1].encode()
        text = ast.unparse(site.node)
        joined = first[:col].decode() + text + last[end_col:].decode()
        lines[lineno - 1 : end_lineno] = [joined] + ["\n"] * (end_lineno - lineno)
    return "".join(lines)


def has_top_level_await(tree: ast.Module, source: str) -> bool:
    """True when the cell awaits outside any function (``await``, ``async for``/``with``)."""
    if "await" not in source and "async" not in source:
        return False
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Await, ast.AsyncFor, ast.AsyncWith)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False
