"""The contract suite calls every method of the Store interface (a new method needs its contract test)."""

from __future__ import annotations

import inspect
from pathlib import Path

from nbtrack.store.base import Store

HERE = Path(__file__).parent
#: Interface methods with a default implementation, checked here too.
DEFAULTS = ("change_token", "release_idle", "forget_after_fork")


def test_every_store_method_is_called_by_the_contract_suite() -> None:
    source = "".join(path.read_text() for path in HERE.glob("*.py") if path.name != Path(__file__).name)
    methods = sorted(Store.__abstractmethods__) + list(DEFAULTS)
    uncovered = [name for name in methods if f"store.{name}(" not in source]
    assert uncovered == [], f"no contract test calls Store.{uncovered}"
    assert set(DEFAULTS) <= {name for name, _ in inspect.getmembers(Store, inspect.isfunction)}
