"""Parameters of a cell: its top-level literal assignments, found in the AST.

``n_estimators = 200`` or ``layers: list = [64, 32]`` at the top level of a
``%%track`` cell is a parameter. ``-p name=value`` replaces the assigned
value node in the AST before the cell runs, so every other line keeps its
number and tracebacks point at the right place; :func:`splice_overrides`
writes the same change into the source text that is shown and captured.
"""

from __future__ import annotations

import ast
import contextlib
import io
import math
import re
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidKeyError, MagicUsageError
from ..tracking import validation
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
    #: The dict it is an entry of (``params`` for ``params = {"lr": 0.1}``), None for a plain name.
    origin: str | None = None


@dataclass
class CellParams:
    """The parameters of a cell, in order of first assignment."""

    params: dict[str, Param] = field(default_factory=dict)
    #: Literal assignments left out because their text is longer than a param may be.
    too_long: list[str] = field(default_factory=list)
    #: Flattened dicts: the variable's name -> the params its entries became.
    dicts: dict[str, list[str]] = field(default_factory=dict)
    #: Dict keys that cannot be param keys (``""``, ``"../x"``, control characters), as written.
    skipped: list[str] = field(default_factory=list)
    #: Names left out by a ``# nbtrack: ignore`` comment or ``--exclude``.
    excluded: list[str] = field(default_factory=list)
    #: Params assigned both as a name and as a dict entry, or in two dicts (the last one wins).
    collisions: list[str] = field(default_factory=list)

    def values(self) -> dict[str, Any]:
        return {name: p.value for name, p in self.params.items()}

    def notes(self) -> list[str]:
        """What the run card says about assignments that did not become params as written."""
        notes = []
        if self.too_long:
            notes.append(f"not logged as params (too long): {', '.join(self.too_long)}")
        if self.skipped:
            notes.append(f"dict keys that cannot be param keys, not logged: {', '.join(self.skipped)}")
        if self.collisions:
            notes.append(
                f"assigned in more than one place, the last one is logged: {', '.join(self.collisions)} "
                "(%%track --param-prefix names dict entries <dict>/<key>)"
            )
        return notes


_NOT_LITERAL = object()
#: ``# nbtrack: ignore`` (any case, anywhere in a comment).
IGNORE_COMMENT = re.compile(r"\bnbtrack:\s*ignore\b", re.IGNORECASE)


def literal_value(node: ast.expr | None) -> Any:
    """The value of a literal expression node, or ``_NOT_LITERAL``."""
    if node is None:
        return _NOT_LITERAL
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_LITERAL


def ignored_lines(source: str) -> frozenset[int]:
    """Line numbers carrying a ``# nbtrack: ignore`` comment, read from the source's tokens."""
    if "nbtrack" not in source.lower():
        return frozenset()
    lines: set[int] = set()
    with contextlib.suppress(tokenize.TokenError, SyntaxError):  # stops at text that does not tokenize
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT and IGNORE_COMMENT.search(token.string):
                lines.add(token.start[0])
    return frozenset(lines)


def find_params(
    tree: ast.Module, *, ignored: frozenset[int] = frozenset(), prefix: bool = False
) -> CellParams:
    """Top-level assignments of literals (numbers, strings, booleans, None, containers of literals).

    Names starting with ``_`` are scratch variables and empty containers
    (``losses = []``) are accumulators: neither is a parameter. A dict of
    literals with string keys (``params = {"lr": 0.1}``) is flattened: each
    entry is a param (``lr``, or ``params/lr`` with ``prefix``), nested dicts
    join their keys with ``/``. An assignment with a line in ``ignored`` (a
    ``# nbtrack: ignore`` comment) is left out; for a flattened dict only its
    first line counts, and a comment on the line where an entry's key starts
    leaves out that entry.
    """
    found = CellParams()
    for stmt in tree.body:
        shared = isinstance(stmt, ast.Assign) and len(stmt.targets) > 1  # a = b = {...}: one value
        for name, site in _literal_sites(stmt):
            if name.startswith("_"):
                continue
            flatten = not shared and _flattenable(site.node)
            if _ignored(stmt, ignored, whole=not flatten):
                if literal_value(site.node) is not _NOT_LITERAL:
                    found.excluded.append(name)
            elif flatten:
                _add_dict(found, name, site.node, ignored, prefix)  # type: ignore[arg-type]
            else:
                _add(found, name, site, origin=None)
    return found


def _ignored(stmt: ast.stmt, ignored: frozenset[int], *, whole: bool) -> bool:
    """A comment on the statement's first line ignores it; on any of its lines unless it is a dict."""
    if not ignored:
        return False
    first = stmt.lineno
    last = (stmt.end_lineno or first) if whole else first
    return any(line in ignored for line in range(first, last + 1))


def _add(found: CellParams, name: str, site: Site, origin: str | None, *, entry: bool = False) -> None:
    value = literal_value(site.node)
    if value is _NOT_LITERAL or (not entry and _empty_container(value)):
        return
    if len(str(value)) > MAX_PARAM_LENGTH:
        found.too_long.append(name)
        return
    param = found.params.get(name)
    if param is None:
        param = found.params[name] = Param(name, value, origin=origin)
    elif param.origin != origin and name not in found.collisions:
        found.collisions.append(name)
    param.value, param.origin = value, origin
    param.sites.append(site)


def _flattenable(node: ast.expr) -> bool:
    """A non-empty dict display of literals whose keys are all strings."""
    return (
        isinstance(node, ast.Dict)
        and bool(node.keys)
        and all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys)
        and literal_value(node) is not _NOT_LITERAL
    )


def _add_dict(found: CellParams, name: str, node: ast.Dict, ignored: frozenset[int], prefix: bool) -> None:
    entries = found.dicts.setdefault(name, [])
    for key, site in _entries(node, name if prefix else "", ignored, found):
        _add(found, key, site, origin=name, entry=True)
        if key in found.params and key not in entries:
            entries.append(key)


def _entries(
    node: ast.Dict, base: str, ignored: frozenset[int], found: CellParams
) -> Iterator[tuple[str, Site]]:
    """``(param key, site)`` of each entry, nested dicts flattened with ``/``."""
    for index, (key_node, value) in enumerate(zip(node.keys, node.values, strict=True)):
        assert isinstance(key_node, ast.Constant) and isinstance(key_node.value, str)  # _flattenable
        text: str = key_node.value
        key = f"{base}/{text}" if base else text
        if getattr(key_node, "lineno", None) in ignored:
            found.excluded.append(key)
            continue
        try:
            validation.check_key(text, "param")  # the key itself, and with the prefix
            validation.check_key(key, "param")
        except InvalidKeyError:
            found.skipped.append(repr(text))
            continue
        if _flattenable(value):
            yield from _entries(value, key, ignored, found)  # type: ignore[arg-type]
        else:
            yield key, Site(node, "values", index)


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


def exclude(params: CellParams, names: Sequence[str]) -> None:
    """Leave ``names`` out of the params (a flattened dict's name leaves out all its entries).

    An unknown name is a MagicUsageError listing the cell's params, as for ``-p``.
    """
    unknown = [name for name in names if name not in params.params and name not in params.dicts]
    if unknown:
        raise MagicUsageError(_unknown_message(unknown, params, option="--exclude"))
    for name in names:
        for key in params.dicts.get(name, [name]):
            if params.params.pop(key, None) is not None:
                params.excluded.append(key)


# -- overrides -------------------------------------------------------------------------


def parse_overrides(items: Sequence[str] | None, params: CellParams) -> dict[str, Any]:
    """``["max_depth=12", "model='rf'"]`` → ``{"max_depth": 12, "model": "rf"}``, checked against the cell.

    A name may be a flattened dict entry (``n_estimators``, or ``params/n_estimators``
    with ``--param-prefix``); the override then rewrites that entry of the dict.
    """
    overrides: dict[str, Any] = {}
    for item in items or ():
        name, text = _split_override(item)
        if name in overrides:
            raise MagicUsageError(f"-p {name} is given twice; give each parameter once")
        overrides[name] = text
    unknown = [name for name in overrides if name not in params.params]
    for name in unknown:
        _check_override_name(name, params)
    if unknown:
        raise MagicUsageError(_unknown_message(unknown, params))
    return {name: parse_value(name, text, params.params[name].value) for name, text in overrides.items()}


def _split_override(item: str) -> tuple[str, str]:
    item = _unquote(item.strip())
    name, sep, text = item.partition("=")
    name = name.strip()
    if not sep or not name:
        raise MagicUsageError(f"-p takes name=value, e.g. -p max_depth=12 (got {item!r})")
    return name, text.strip()


def _check_override_name(name: str, params: CellParams) -> None:
    """A clearer error than "unknown" for a name that cannot be a param, or names a flattened dict."""
    if name in params.dicts:
        entries = params.dicts[name]
        example = f" e.g. -p {entries[0]}={params.params[entries[0]].value!r}" if entries else ""
        raise MagicUsageError(
            f"-p {name}: the entries of the dict {name} are the cell's parameters "
            f"({', '.join(entries) or 'none'}), so nothing ran; override an entry,{example}"
        )
    if not name.replace("/", "_").isidentifier():
        raise MagicUsageError(f"-p {name}=...: {name!r} is not a Python variable name or a dict entry")


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" and "=" in text:
        return text[1:-1]
    return text


def _unknown_message(unknown: list[str], params: CellParams, option: str = "-p") -> str:
    names = ", ".join(unknown)
    if params.params:
        known = ", ".join(params.params)
        return (
            f"{option} {names}: this cell has no parameter of that name, so nothing ran. Its parameters "
            f"(top-level assignments of literals and the entries of dicts of literals) are: {known}."
        )
    return (
        f"{option} {names}: this cell has no parameters, so nothing ran. Parameters are top-level "
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
