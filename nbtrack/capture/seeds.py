"""Random seeds a cell sets, where they can be read off its code.

Calls such as ``np.random.seed(42)``, ``random.seed(0)``,
``torch.manual_seed(0)``, ``np.random.default_rng(7)``,
``seed_everything(1)`` and keyword arguments such as ``random_state=0`` or
``seed=3``. A seed given as a variable is resolved from the cell's
parameters or, after the cell ran, from the user's namespace.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

_SEED_CALLS = {
    "seed",
    "manual_seed",
    "manual_seed_all",
    "set_seed",
    "seed_everything",
    "set_random_seed",
    "default_rng",
    "RandomState",
    "PRNGKey",
    "key",
}
_SEED_KEYWORDS = {"random_state", "seed", "random_seed", "rng_seed"}
#: At most this many seeds are recorded per cell.
MAX_SEEDS = 20


def find_seed_sites(tree: ast.Module, source: str) -> list[tuple[str, ast.expr]]:
    """(label, argument node) for every seed the code sets, e.g. ("numpy.random.seed", Constant(42))."""
    if "seed" not in source and "random_state" not in source and "RandomState" not in source:
        return []
    found: list[tuple[str, ast.expr]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or len(found) >= MAX_SEEDS:
            continue
        name = _call_name(node.func)
        last = name.rsplit(".", 1)[-1]
        if last in _SEED_CALLS and node.args and (last != "key" or "random" in name):
            found.append((name, node.args[0]))
        for keyword in node.keywords:
            if keyword.arg in _SEED_KEYWORDS:
                found.append((f"{name}.{keyword.arg}" if name else keyword.arg, keyword.value))
    return found


def _call_name(func: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append({"np": "numpy", "tf": "tensorflow", "pl": "lightning"}.get(func.id, func.id))
    return ".".join(reversed(parts))


def resolve_seeds(sites: list[tuple[str, ast.expr]], namespace: Mapping[str, Any]) -> dict[str, Any]:
    """Seed values that are literals, or names bound to an int (or None) in ``namespace``."""
    seeds: dict[str, Any] = {}
    for label, node in sites:
        value = _value(node, namespace)
        if value is not _UNKNOWN and label not in seeds:
            seeds[label] = value
    return seeds


_UNKNOWN = object()


def _value(node: ast.expr, namespace: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        value = namespace.get(node.id, _UNKNOWN)
        return (
            value if value is None or (isinstance(value, int) and not isinstance(value, bool)) else _UNKNOWN
        )
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _UNKNOWN
    return value if value is None or isinstance(value, (int, float, str)) else _UNKNOWN


def seeds_tag(seeds: dict[str, Any]) -> str:
    """``numpy.random.seed=42 RandomForestClassifier.random_state=0``, bounded."""
    return " ".join(f"{label}={value}" for label, value in seeds.items())[:1000]
