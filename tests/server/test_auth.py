"""Every route of the extension refuses requests without Jupyter credentials; writes need XSRF.

The routes are read from the running server's router, not from a list
kept by hand, so a route added later without ``@web.authenticated`` fails
here.
"""

from __future__ import annotations

import urllib.parse

import pytest

import nbtrack
from nbtrack.server.routes import ROUTES

from ._routes import concrete, methods, nbtrack_routes


@pytest.fixture
def real_ids() -> dict[str, str]:
    with nbtrack.start_run() as run:
        nbtrack.log_metric("loss", 1.0)
        nbtrack.log_text("secret", "notes.txt")
    digest = nbtrack.list_artifacts(run.run_id)["sha256"].iloc[0]
    return {"run_id": run.run_id, "digest": digest}


async def test_every_route_refuses_requests_without_credentials(jp_serverapp, http_server_client, real_ids):
    routes = nbtrack_routes(jp_serverapp.web_app)
    assert len(routes) == len(ROUTES)
    checked = []
    for pattern, handler in routes:
        path = concrete(pattern, real_ids)
        for method in methods(handler):
            response = await http_server_client.fetch(
                path + "?key=loss&run_id=" + real_ids["run_id"],
                method=method,
                raise_error=False,
                follow_redirects=False,
                allow_nonstandard_methods=True,
                body=b"" if method in ("POST", "PUT", "PATCH") else None,
                request_timeout=20,
            )
            assert response.code in (401, 403), (
                f"{method} {path} answered {response.code} without credentials"
            )
            assert b"secret" not in (response.body or b"")
            checked.append(f"{method} {handler.__name__}")
    assert len(checked) >= len(ROUTES) + 1  # every GET and the DELETE
    assert nbtrack.get_run(real_ids["run_id"]).lifecycle_stage == "active"


async def test_the_same_requests_succeed_with_the_token(api, real_ids):
    assert (await api(f"runs/{real_ids['run_id']}/artifacts/{real_ids['digest']}")).body == b"secret"


async def _login(http_server_client, jp_base_url, token: str) -> dict[str, str]:
    """Log in with the token like a browser does; returns the cookies."""
    page = await http_server_client.fetch(f"{jp_base_url}login", raise_error=False)
    cookies = _cookies(page.headers)
    body = urllib.parse.urlencode({"_xsrf": cookies["_xsrf"], "password": token})
    answer = await http_server_client.fetch(
        f"{jp_base_url}login",
        method="POST",
        body=body,
        headers={"Cookie": _cookie_header(cookies)},
        follow_redirects=False,
        raise_error=False,
    )
    assert answer.code == 302, answer.code
    cookies.update(_cookies(answer.headers))
    return cookies


def _cookies(headers) -> dict[str, str]:
    return dict(c.split(";", 1)[0].split("=", 1) for c in headers.get_list("Set-Cookie"))


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


async def test_writes_with_a_login_cookie_need_the_xsrf_token(
    jp_serverapp, http_server_client, jp_base_url, real_ids
):
    cookies = await _login(http_server_client, jp_base_url, jp_serverapp.identity_provider.token)
    url = f"{jp_base_url}nbtrack/api/runs/{real_ids['run_id']}"
    read = await http_server_client.fetch(url, headers={"Cookie": _cookie_header(cookies)}, raise_error=False)
    assert read.code == 200  # the cookie logs in
    forged = await http_server_client.fetch(
        url, method="DELETE", headers={"Cookie": _cookie_header(cookies)}, raise_error=False
    )
    assert forged.code == 403
    assert nbtrack.get_run(real_ids["run_id"]).lifecycle_stage == "active"
    allowed = await http_server_client.fetch(
        url,
        method="DELETE",
        headers={"Cookie": _cookie_header(cookies), "X-XSRFToken": cookies["_xsrf"]},
        raise_error=False,
    )
    assert allowed.code == 204
    assert nbtrack.get_run(real_ids["run_id"]).lifecycle_stage == "deleted"
