"""The OpenAPI description: a valid document, served, naming exactly the registered routes."""

from __future__ import annotations

import json
import re

import pytest
from openapi_spec_validator import validate

import nbtrack
from nbtrack.server.openapi import spec
from nbtrack.server.routes import ROUTES


def test_the_description_is_valid_openapi_3_1():
    validate(spec("/user/alice/"))


def test_paths_are_exactly_the_routes_and_their_methods():
    document = spec()
    from_routes = {}
    for pattern, handler in ROUTES:
        template = "/" + re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern)
        methods = {m for m in ("get", "post", "put", "patch", "delete") if m in vars(handler)}
        from_routes[template] = methods
    described = {path: {m for m in item if m != "parameters"} for path, item in document["paths"].items()}
    assert described == from_routes


async def test_the_server_serves_it_under_its_base_url(api, jp_base_url):
    answer = await api("openapi.json")
    assert answer.json == json.loads(json.dumps(spec(jp_base_url)))
    assert answer.json["servers"] == [{"url": jp_base_url.rstrip("/") + "/nbtrack/api"}]


@pytest.fixture
def jp_base_url() -> str:
    """A JupyterHub-style base URL."""
    return "/user/alice/"


async def test_routes_work_behind_a_hub_style_base_url(api, jp_fetch):
    with nbtrack.start_run(run_name="behind-hub"):
        pass
    assert [r["run_name"] for r in (await api("runs")).json["runs"]] == ["behind-hub"]
    from tornado.httpclient import HTTPClientError

    with pytest.raises(HTTPClientError) as error:  # nothing is served outside the base URL
        await jp_fetch("..", "..", "nbtrack", "api", "runs")
    assert error.value.code == 404
