"""Check a response against the OpenAPI description: documented status, valid JSON body."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from nbtrack.server.openapi import spec


@cache
def _paths() -> list[tuple[re.Pattern[str], str]]:
    return [
        (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template.lstrip("/")) + "$"), template)
        for template in spec()["paths"]
    ]


def template_for(path: str) -> str:
    """The spec's path template matching an actual path (``runs/abc`` -> ``/runs/{run_id}``)."""
    found = [template for pattern, template in _paths() if pattern.match(path)]
    assert len(found) == 1, f"{path!r} matches {found} in the OpenAPI paths"
    return found[0]


def check_response(path: str, method: str, code: int, headers: Any, body: bytes) -> None:
    """Fail unless the spec documents ``code`` for this operation and the JSON body fits its schema."""
    document = spec()
    template = template_for(path)
    operation = document["paths"][template][method.lower()]
    documented = operation["responses"]
    assert str(code) in documented, (
        f"{method} {template} answered {code}, not in the spec: {sorted(documented)}"
    )
    content = documented[str(code)].get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return
    assert headers.get("Content-Type", "").startswith("application/json"), headers.get("Content-Type")
    validator = Draft202012Validator({**schema, "components": document["components"]})
    errors = sorted(validator.iter_errors(json.loads(body)), key=lambda e: list(e.path))
    assert not errors, f"{method} {template} {code}: " + "; ".join(
        f"{list(e.path)}: {e.message}" for e in errors[:5]
    )
