"""Artifact content by run and sha256: media types, caching, and no way out of the store."""

from __future__ import annotations

import hashlib
import io

import pytest

import nbtrack


@pytest.fixture
def logged():
    """A run with a PNG, a text file and an HTML report; returns (run id, {path: artifact})."""
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(png, format="PNG")
    with nbtrack.start_run() as run:
        nbtrack.log_image(Image.open(io.BytesIO(png.getvalue())), "plots/red.png")
        nbtrack.log_text("hello\n", "notes/hello.txt")
        nbtrack.log_text("<script>alert(1)</script>", "report.html")
    return run.run_id, {a["path"]: a for a in nbtrack.list_artifacts(run.run_id).to_dict("records")}


async def _detail_artifacts(api, run_id):
    return {a["path"]: a for a in (await api(f"runs/{run_id}")).json["artifacts"]}


async def test_content_is_served_with_its_media_type(api, logged):
    run_id, _ = logged
    listed = await _detail_artifacts(api, run_id)
    text = listed["notes/hello.txt"]
    answer = await api(f"runs/{run_id}/artifacts/{text['sha256']}")
    assert answer.code == 200 and answer.body == b"hello\n"
    assert hashlib.sha256(answer.body).hexdigest() == text["sha256"]
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert answer.headers["Content-Disposition"].startswith("inline")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    image = await api(f"runs/{run_id}/artifacts/{listed['plots/red.png']['sha256']}")
    assert image.headers["Content-Type"] == "image/png" and image.body.startswith(b"\x89PNG")


async def test_html_is_never_shown_inline(api, logged):
    run_id, _ = logged
    report = (await _detail_artifacts(api, run_id))["report.html"]
    answer = await api(f"runs/{run_id}/artifacts/{report['sha256']}")
    assert answer.headers["Content-Disposition"].startswith("attachment; filename*=UTF-8''report.html")
    assert "sandbox" in answer.headers["Content-Security-Policy"]
    forced = await api(
        f"runs/{run_id}/artifacts/{(await _detail_artifacts(api, run_id))['plots/red.png']['sha256']}",
        download="1",
    )
    assert forced.headers["Content-Disposition"].startswith("attachment")


async def test_download_is_a_boolean(api, logged):
    run_id, _ = logged
    digest = (await _detail_artifacts(api, run_id))["plots/red.png"]["sha256"]
    for value, disposition in (("true", "attachment"), ("0", "inline"), ("false", "inline"), ("", "inline")):
        answer = await api(f"runs/{run_id}/artifacts/{digest}", download=value)
        assert answer.headers["Content-Disposition"].startswith(disposition), value
    refused = await api(f"runs/{run_id}/artifacts/{digest}", download="please")
    assert refused.code == 400 and refused.json["argument"] == "download"


async def test_empty_content_keeps_its_media_type(api):
    with nbtrack.start_run() as run:
        nbtrack.log_text("", "empty.txt")
    digest = nbtrack.list_artifacts(run.run_id)["sha256"].iloc[0]
    answer = await api(f"runs/{run.run_id}/artifacts/{digest}")
    assert answer.code == 200 and answer.body == b""
    assert answer.headers["Content-Type"].startswith("text/plain")  # not Jupyter's default JSON


async def test_content_never_changes_so_it_revalidates_with_304(api, logged):
    run_id, _ = logged
    digest = (await _detail_artifacts(api, run_id))["notes/hello.txt"]["sha256"]
    first = await api(f"runs/{run_id}/artifacts/{digest}")
    again = await api(f"runs/{run_id}/artifacts/{digest}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.code == 304 and again.body == b""


async def test_content_of_another_run_or_unknown_content_is_404(api, logged):
    run_id, _ = logged
    digest = (await _detail_artifacts(api, run_id))["notes/hello.txt"]["sha256"]
    with nbtrack.start_run() as other:
        pass
    answer = await api(f"runs/{other.run_id}/artifacts/{digest}")
    assert answer.code == 404 and "no artifact with content" in answer.json["message"]
    assert (await api(f"runs/{run_id}/artifacts/{'0' * 64}")).code == 404
    assert (await api(f"runs/nobody/artifacts/{digest}")).code == 404


@pytest.mark.parametrize(
    "path",
    [
        "../../../../etc/passwd",
        "..%2F..%2F..%2Fetc%2Fpasswd",
        "%2e%2e/%2e%2e/nbtrack.duckdb",
        "ABCDEF" + "0" * 58,
        "0" * 63,
        "0" * 64 + "/../../nbtrack.duckdb",
    ],
)
async def test_path_traversal_finds_nothing(api, jp_fetch, logged, path):
    run_id, _ = logged
    from tornado.httpclient import HTTPClientError

    try:
        response = await jp_fetch("nbtrack", "api", "runs", run_id, "artifacts", path, raise_error=False)
    except HTTPClientError as error:  # pragma: no cover - raise_error=False returns instead
        response = error.response
    assert response.code in (400, 404)  # a malformed digest (400) or no such route (404)
    assert b"root:" not in (response.body or b"") and b"DUCK" not in (response.body or b"")
