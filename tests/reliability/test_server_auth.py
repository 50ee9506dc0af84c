"""Every nbtrack route refuses a stranger: no token, a wrong token, or a cookie login without XSRF.

The routes come from the running server's router, so a route added later
without ``@web.authenticated`` fails here. What Jupyter really answers, and
these tests pin: **403** (never 401) for an API request without valid
credentials (``APIHandler.get_login_url`` raises 403 instead of redirecting
to the login page), with nbtrack's JSON error body naming no argument; and
403 for a cookie-authenticated write (DELETE, POST, PUT, PATCH) without the
``X-XSRFToken`` header matching the ``_xsrf`` cookie, before any handler
runs. Nothing a refused request asks for is read, written or leaked.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from http.cookies import SimpleCookie

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403  (the in-process Jupyter server's fixtures)
from server._routes import concrete, methods, nbtrack_routes
from server._server import LiveServer, jp_asyncio_loop, jp_server_config, live_server  # noqa: F401

import nbtrack
from nbtrack.server.routes import ROUTES

SECRET = "the-secret-artifact-text"
#: Credentials that must not log in: none, a wrong token (header and query), a malformed header.
STRANGERS = {
    "no token": {},
    "wrong token": {"Authorization": "token 0123456789abcdef"},
    "wrong bearer token": {"Authorization": "Bearer 0123456789abcdef"},
    "empty token": {"Authorization": "token "},
    "another scheme": {"Authorization": "Basic dXNlcjpwYXNz"},
    "tampered login cookie": {},  # filled in by the test: a real login cookie with its signature changed
}


@pytest.fixture
def real_ids() -> dict[str, str]:
    """A run with a metric and a secret artifact: the ids that fill the routes' path arguments."""
    with nbtrack.start_run() as run:
        nbtrack.log_metric("loss", 1.0)
        nbtrack.log_text(SECRET, "notes.txt")
    digest = nbtrack.list_artifacts(run.run_id)["sha256"].iloc[0]
    return {"run_id": run.run_id, "digest": digest}


def request(
    server: LiveServer, method: str, path: str, headers: dict[str, str], body: bytes | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One raw request to ``path`` (absolute, under the server's base URL)."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _every_route(jp_serverapp, real_ids) -> list[tuple[str, str]]:
    """(method, path with query) of every method of every registered nbtrack route."""
    routes = nbtrack_routes(jp_serverapp.web_app)
    assert len(routes) == len(ROUTES)
    query = "?key=loss&run_id=" + real_ids["run_id"]
    calls = [
        (m, concrete(pattern, real_ids) + query) for pattern, handler in routes for m in methods(handler)
    ]
    assert len(calls) >= len(ROUTES) + 1  # every GET and the DELETE
    return calls


@pytest.mark.parametrize("stranger", list(STRANGERS))
def test_every_route_answers_403_to_a_stranger(jp_serverapp, live_server, real_ids, stranger):  # noqa: F811
    sent = dict(STRANGERS[stranger])
    if stranger == "tampered login cookie":
        sent["Cookie"] = _cookie_header(_tampered(_login(live_server)))
    wrong = []
    for method, path in _every_route(jp_serverapp, real_ids):
        for query_token in ("", "&token=0123456789abcdef"):
            status, headers, body = request(live_server, method, path + query_token, sent)
            if status != 403:
                wrong.append(f"{method} {path}{query_token} answered {status}")
                continue
            assert SECRET.encode() not in body and b"loss" not in body
            assert headers.get("Content-Type", "").startswith("application/json"), headers.get("Content-Type")
            answer = json.loads(body)
            assert answer["argument"] is None and answer["message"], answer
    assert not wrong, "\n".join(wrong)
    run = nbtrack.get_run(real_ids["run_id"])
    assert run.lifecycle_stage == "active"  # no DELETE got through


def test_the_real_token_opens_every_route(jp_serverapp, live_server, real_ids):  # noqa: F811
    """The refusals above are about credentials: the same requests with the token succeed."""
    for method, path in _every_route(jp_serverapp, real_ids):
        if method == "DELETE" or path.split("?")[0].endswith("/events"):
            continue  # hiding the run is tested below; the event stream never ends
        status, _, body = request(live_server, method, path, {"Authorization": f"token {live_server.token}"})
        assert status == 200, (method, path, status, body[:200])


def _login(server: LiveServer) -> dict[str, str]:
    """Log in with the token like a browser does; returns the cookies (login and ``_xsrf``)."""
    base = server.prefix.removesuffix("nbtrack/api")
    _, headers, _ = request(server, "GET", f"{base}login", {})
    cookies = _cookies(headers)
    form = urllib.parse.urlencode({"_xsrf": cookies["_xsrf"], "password": server.token}).encode()
    status, headers, _ = request(
        server,
        "POST",
        f"{base}login",
        {"Cookie": _cookie_header(cookies), "Content-Type": "application/x-www-form-urlencoded"},
        form,
    )
    assert status == 302, status
    cookies.update(_cookies(headers))
    return cookies


def _tampered(cookies: dict[str, str]) -> dict[str, str]:
    """The login cookies with the last character of each signed value changed (``_xsrf`` kept)."""
    login = [name for name in cookies if name != "_xsrf"]
    assert login, cookies
    return {k: v if k == "_xsrf" else v[:-1] + ("0" if v[-1] != "0" else "1") for k, v in cookies.items()}


def _cookies(headers: http.client.HTTPMessage) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


@pytest.mark.parametrize("method", ["DELETE", "POST", "PUT", "PATCH"])
@pytest.mark.parametrize("xsrf", ["none", "wrong"])
def test_a_cookie_login_cannot_write_without_the_xsrf_token(live_server, real_ids, method, xsrf):  # noqa: F811
    cookies = _login(live_server)
    path = f"{live_server.prefix}/runs/{real_ids['run_id']}"
    read, _, _ = request(live_server, "GET", path, {"Cookie": _cookie_header(cookies)})
    assert read == 200  # the cookie logs in for reads
    headers = {"Cookie": _cookie_header(cookies)}
    if xsrf == "wrong":
        headers["X-XSRFToken"] = "2|00000000|" + "0" * 32 + "|1700000000"
    status, _, body = request(live_server, method, path, headers, b"" if method != "DELETE" else None)
    assert status == 403, (status, body[:200])
    assert json.loads(body)["argument"] is None
    assert nbtrack.get_run(real_ids["run_id"]).lifecycle_stage == "active"


def test_a_cookie_login_with_the_xsrf_token_can_hide_a_run(live_server, real_ids):  # noqa: F811
    cookies = _login(live_server)
    path = f"{live_server.prefix}/runs/{real_ids['run_id']}"
    headers = {"Cookie": _cookie_header(cookies), "X-XSRFToken": cookies["_xsrf"]}
    status, _, _ = request(live_server, "POST", path, headers, b"")
    assert status == 405  # past the XSRF check: no route takes a POST
    status, _, _ = request(live_server, "DELETE", path, headers)
    assert status == 204
    assert nbtrack.get_run(real_ids["run_id"]).lifecycle_stage == "deleted"
