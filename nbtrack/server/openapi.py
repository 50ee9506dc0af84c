"""The OpenAPI 3.1 description of the sidebar's REST API (served at ``nbtrack/api/openapi.json``).

Schemas are JSON Schema 2020-12, so the tests validate every response the
server gives against them (``tests/server/``), and a test checks that the
paths here are exactly the registered routes.
"""

from __future__ import annotations

from typing import Any

from .._version import __version__
from .arguments import (
    CURVE_X,
    MAX_COMPARE_IDS,
    MAX_FILTER_CHARS,
    MAX_LIMIT,
    MAX_MAX_POINTS,
    MAX_OFFSET,
    MAX_ORDER_BY,
    MAX_REPEATS,
    MAX_TEXT_CHARS,
)

_TEXT = {"type": "string"}
#: A query or path argument's text (the server refuses longer ones with a 400).
_ARG = {"type": "string", "maxLength": MAX_TEXT_CHARS}
_TEXT_OR_NULL = {"type": ["string", "null"]}
_INT = {"type": "integer"}
_MS = {"type": ["integer", "null"], "description": "epoch milliseconds"}
_NUMBER = {"$ref": "#/components/schemas/Number"}


def _obj(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        **extra,
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _map(values: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": values}


def _json(name: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": _ref(name)}}}


_ERRORS = {
    400: "a malformed argument (bad number, unknown value, too long, not UTF-8, a filter that does not "
    "parse); `argument` names it and `message` says what it accepts",
    403: "not logged in to Jupyter (no token, a wrong token) or, on writes with a cookie, no XSRF token",
    404: "no such run, experiment, metric or artifact content; `argument` names which",
    500: "an unexpected error in the server extension (details only in the server's log)",
    503: "the store stayed locked by another process (Retry-After), a read ran past the server's "
    "statement timeout, or the store is damaged or foreign (the message says what to do)",
}


def _errors(*codes: int) -> dict[str, Any]:
    """Error answers of an operation: 400, 403, 500 and 503 always, plus ``codes``."""
    return {
        str(code): {"description": _ERRORS[code], **_json("Error")}
        for code in sorted({400, 403, 500, 503, *codes})
    }


def _answer(ok: str, description: str, errors: tuple[int, ...] = ()) -> dict[str, Any]:
    return {"200": {"description": description, **_json(ok)}, **_errors(*errors)}


def _query(
    name: str, description: str, schema: dict[str, Any], *, required: bool = False, many: bool = False
) -> dict[str, Any]:
    if many:
        schema = {"type": "array", "items": schema, "maxItems": MAX_REPEATS}
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
        "explode": True,
        "style": "form",
    }


_RUN_ID = {
    "name": "run_id",
    "in": "path",
    "required": True,
    "schema": {**_ARG, "minLength": 1},
}

SCHEMAS: dict[str, Any] = {
    "Number": {
        "description": "a number; NaN and infinities as strings (JSON has none)",
        "anyOf": [{"type": "number"}, {"enum": ["NaN", "Infinity", "-Infinity"]}],
    },
    "Error": _obj(
        {
            "message": {**_TEXT, "description": "what went wrong and what to do"},
            "error": {**_TEXT, "description": "the kind of error (an nbtrack exception or HTTP status name)"},
            "argument": {
                "type": ["string", "null"],
                "description": "the query or path argument to fix; null when the request was not at fault",
            },
            "column": {**_INT, "description": "a filter or order_by that does not parse: where (1-based)"},
            "text": {**_TEXT, "description": "a filter or order_by that does not parse: the text"},
        },
        ["message", "error", "argument"],
    ),
    "Experiment": _obj(
        {
            "experiment_id": _TEXT,
            "name": _TEXT,
            "created_time": _MS,
            "lifecycle_stage": _TEXT,
            "runs": _INT,
            "last_run_time": _MS,
        }
    ),
    "Experiments": _obj({"experiments": {"type": "array", "items": _ref("Experiment")}}),
    "RunSummary": _obj(
        {
            "run_id": _TEXT,
            "run_name": _TEXT_OR_NULL,
            "experiment_id": _TEXT_OR_NULL,
            "experiment_name": _TEXT_OR_NULL,
            "status": {"enum": ["RUNNING", "FINISHED", "FAILED", "KILLED", "SCHEDULED"]},
            "start_time": _MS,
            "end_time": _MS,
            "duration": {"type": ["number", "null"], "description": "seconds"},
            "parent_run_id": _TEXT_OR_NULL,
            "user": _TEXT_OR_NULL,
            "metrics": _map(_NUMBER),
            "params": _map(_TEXT),
            "tags": _map(_TEXT),
        }
    ),
    "RunPage": _obj(
        {
            "total": _INT,
            "offset": _INT,
            "limit": _INT,
            "runs": {"type": "array", "items": _ref("RunSummary")},
        }
    ),
    "RunDetail": _obj(
        {
            "run": _obj(
                {
                    "run_id": _TEXT,
                    "run_name": _TEXT_OR_NULL,
                    "experiment_id": _TEXT_OR_NULL,
                    "experiment_name": _TEXT_OR_NULL,
                    "status": _TEXT,
                    "start_time": _MS,
                    "end_time": _MS,
                    "duration": {"type": ["number", "null"]},
                    "parent_run_id": _TEXT_OR_NULL,
                    "lifecycle_stage": _TEXT,
                    "user": _TEXT_OR_NULL,
                    "host": _TEXT_OR_NULL,
                    "pid": {"type": ["integer", "null"]},
                    "error": _TEXT_OR_NULL,
                }
            ),
            "params": _map(_TEXT),
            "metrics": _map(_NUMBER),
            "tags": _map(_TEXT),
            "metric_keys": {
                "type": "array",
                "items": _obj({"key": _TEXT, "points": _INT, "last_step": _INT}),
            },
            "artifacts": {
                "type": "array",
                "items": _obj(
                    {
                        "path": _TEXT,
                        "size": _INT,
                        "media_type": _TEXT_OR_NULL,
                        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                        "logged_time": _MS,
                    }
                ),
            },
            "source": {**_TEXT_OR_NULL, "description": "the %%track cell's source"},
            "notebook": {
                "oneOf": [
                    {"type": "null"},
                    _obj({"path": _TEXT, "server_path": _TEXT_OR_NULL}),
                ]
            },
        }
    ),
    "History": _obj(
        {
            "run_id": _TEXT,
            "key": _TEXT,
            "total_points": _INT,
            "downsampled": {"type": "boolean"},
            "step": {"type": "array", "items": _INT},
            "timestamp": {"type": "array", "items": _INT, "description": "epoch milliseconds"},
            "value": {"type": "array", "items": _NUMBER},
        }
    ),
    "Version": _obj({"version": _TEXT, "runs": _INT, "experiments": _INT}),
    "Comparison": _obj(
        {
            "run_ids": {"type": "array", "items": _TEXT},
            "runs": {
                "type": "array",
                "items": _obj({"run_id": _TEXT, "label": _TEXT, "run_name": _TEXT_OR_NULL, "status": _TEXT}),
            },
            "metrics": {"type": "array", "items": _TEXT},
            "diff": _obj(
                {
                    "fields": {"type": "array", "items": _TEXT},
                    "runs": {"type": "array", "items": _TEXT},
                    "values": {"type": "array", "items": {"type": "array", "items": _TEXT_OR_NULL}},
                }
            ),
            "charts": {
                "type": "array",
                "items": _obj(
                    {
                        "id": {"enum": ["curves", "scatter", "parallel", "contour"]},
                        "title": _TEXT,
                        "spec": {"type": "object", "description": "a Vega-Lite specification"},
                    }
                ),
            },
            "stored_points": _INT,
        }
    ),
    "OpenAPI": {"type": "object", "required": ["openapi", "paths"]},
}

PATHS: dict[str, Any] = {
    "/openapi.json": {"get": {"summary": "This description", "responses": _answer("OpenAPI", "the spec")}},
    "/version": {
        "get": {
            "summary": "A digest of the store's content; poll with If-None-Match (304 while unchanged)",
            "responses": {**_answer("Version", "the version"), "304": {"description": "unchanged"}},
        }
    },
    "/events": {
        "get": {
            "summary": "Server-sent events: `change` (data: a Version) whenever the store changes",
            "responses": {
                "200": {
                    "description": "an event stream",
                    "content": {"text/event-stream": {"schema": _TEXT}},
                },
                **_errors(),
            },
        }
    },
    "/experiments": {
        "get": {
            "summary": "Experiments with their run counts",
            "responses": _answer("Experiments", "experiments"),
        }
    },
    "/runs": {
        "get": {
            "summary": "A page of runs, selected and ordered like nbtrack.runs()",
            "parameters": [
                _query("experiment", "experiment names or ids (default: all)", _ARG, many=True),
                _query(
                    "filter",
                    "the filter grammar, e.g. metrics.acc > 0.9 and params.model = 'rf'",
                    {"type": "string", "maxLength": MAX_FILTER_CHARS},
                ),
                {
                    **_query("order_by", "e.g. metrics.acc DESC (default: newest first)", _ARG, many=True),
                    "schema": {"type": "array", "items": _ARG, "maxItems": MAX_ORDER_BY},
                },
                _query("offset", "rows to skip", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}),
                _query("limit", "rows in the page", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
            ],
            "responses": _answer("RunPage", "the page and the total", (404,)),
        }
    },
    "/runs/{run_id}": {
        "parameters": [_RUN_ID],
        "get": {
            "summary": "One run: params, metrics, tags, metric keys, artifacts, source",
            "responses": _answer("RunDetail", "the run", (404,)),
        },
        "delete": {
            "summary": "Hide a run (nbtrack.restore_run brings it back); cookie logins need XSRF",
            "responses": {"204": {"description": "hidden"}, **_errors(404)},
        },
    },
    "/runs/{run_id}/history": {
        "parameters": [_RUN_ID],
        "get": {
            "summary": "A metric's history, downsampled in the database (first/last/min/max per bucket)",
            "parameters": [
                _query("key", "the metric", {**_ARG, "minLength": 1}, required=True),
                _query(
                    "max_points",
                    "at most this many points",
                    {"type": "integer", "minimum": 4, "maximum": MAX_MAX_POINTS},
                ),
            ],
            "responses": _answer("History", "the points", (404,)),
        },
    },
    "/runs/{run_id}/artifacts/{digest}": {
        "parameters": [
            _RUN_ID,
            {
                "name": "digest",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            },
        ],
        "get": {
            "summary": "An artifact's content, by its sha256 (from the run's artifact list)",
            "parameters": [_query("download", "true: always as an attachment", {"type": "boolean"})],
            "responses": {
                "200": {"description": "the content, with its media type", "content": {"*/*": {}}},
                "304": {"description": "unchanged (content never changes)"},
                **_errors(404),
            },
        },
    },
    "/compare": {
        "get": {
            "summary": "Runs side by side: what differs and the Vega-Lite charts of nbtrack.compare",
            "parameters": [
                _query(
                    "run_id",
                    f"runs to compare (1-{MAX_COMPARE_IDS})",
                    {**_ARG, "minLength": 1},
                    required=True,
                    many=True,
                ),
                _query("metric", "metrics to draw (default: all)", _ARG, many=True),
                _query("x", "curves' x axis", {"enum": list(CURVE_X)}),
                _query(
                    "smoothing",
                    "EMA weight in [0, 1)",
                    {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
                ),
            ],
            "responses": _answer("Comparison", "the comparison", (404,)),
        }
    },
}


def spec(base_url: str = "/") -> dict[str, Any]:
    """The OpenAPI document, its server URL under ``base_url``."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "nbtrack sidebar API",
            "version": __version__,
            "description": "Read runs from the nbtrack store of this Jupyter server. "
            "Authenticate like any Jupyter API: `Authorization: token <token>` or the login cookie "
            "(plus the X-XSRFToken header on writes).",
        },
        "servers": [{"url": base_url.rstrip("/") + "/nbtrack/api"}],
        "security": [{"token": []}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "Authorization"},
            },
        },
    }
