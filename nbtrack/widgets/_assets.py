"""Where the widgets' built JavaScript and CSS live, with a clear error when they are missing."""

from __future__ import annotations

from pathlib import Path

from .._optional import MissingDependencyError

STATIC = Path(__file__).parent / "static"


def asset(name: str) -> Path:
    """The path of a built front-end file (``table.js``, ``widgets.css``...)."""
    path = STATIC / name
    if not path.is_file():
        raise MissingDependencyError(
            f"nbtrack's widget front-end ({path}) is not built. It is built from labextension/ "
            "by `pip install .` or `pip install -e .` (needs Node.js 20); in a source checkout "
            "you can also run `jlpm install && jlpm build` in labextension/."
        )
    return path
