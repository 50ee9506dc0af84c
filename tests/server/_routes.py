"""The nbtrack routes a running server really registered, read from its router (not from a list by hand)."""

from __future__ import annotations

import re

from tornado.routing import PathMatches

from nbtrack.server.handlers import NbtrackHandler

METHODS = ("get", "post", "put", "patch", "delete")


def nbtrack_routes(web_app) -> list[tuple[str, type]]:
    """(path regex, handler) of every nbtrack route registered on the server."""
    found = []
    pending = list(web_app.default_router.rules) + list(web_app.wildcard_router.rules)
    while pending:
        rule = pending.pop()
        target = rule.target
        if hasattr(target, "rules"):
            pending.extend(target.rules)
        elif isinstance(target, type) and issubclass(target, NbtrackHandler):
            assert isinstance(rule.matcher, PathMatches)
            found.append((rule.matcher.regex.pattern, target))
    return found


def concrete(pattern: str, values: dict[str, str]) -> str:
    """A URL path matching ``pattern`` with each named group filled in."""
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], pattern.rstrip("$"))
    assert re.fullmatch(pattern, path), (pattern, path)
    return path


def methods(handler: type) -> list[str]:
    """The HTTP methods ``handler`` implements (not the 405 defaults)."""
    return [m.upper() for m in METHODS if getattr(handler, m) is not getattr(NbtrackHandler, m)]
