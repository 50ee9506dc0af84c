"""Comparison charts, the version digest (ETag polling), server-sent events and hiding a run."""

from __future__ import annotations

import asyncio
import json

import pytest

import nbtrack


def _two_runs() -> list[str]:
    ids = []
    for depth in (3, 7):
        with nbtrack.start_run(run_name=f"d{depth}") as run:
            nbtrack.log_params({"depth": depth, "model": "rf"})
            nbtrack.log_batch({"loss": [1 / (s + depth) for s in range(30)]})
            nbtrack.log_metric("acc", depth / 10)
            ids.append(run.run_id)
    return ids


async def test_comparison_has_diff_and_the_chart_specs_of_nbtrack_charts(api):
    ids = _two_runs()
    answer = await api("compare", run_id=ids, metric=["loss"])
    body = answer.json
    assert answer.code == 200 and body["run_ids"] == ids and body["metrics"] == ["loss"]
    assert [r["label"] for r in body["runs"]] == ["d3", "d7"]
    assert body["diff"]["fields"] == ["params.depth"] and body["diff"]["values"] == [["3", "7"]]
    charts = {c["id"]: c["spec"] for c in body["charts"]}
    assert list(charts) == ["curves", "scatter", "parallel"]  # one numeric param: no contour
    from nbtrack.charts.views import default_settings, draw_view
    from nbtrack.compare_data import prepare_compare

    data = prepare_compare(ids, metrics=["loss"])  # what nbtrack.compare(ids, metrics=["loss"]) shows
    settings = default_settings(data)
    for view, spec in charts.items():
        expected = draw_view(data, view, settings[view]).to_dict(validate=False)
        assert json.dumps(spec, sort_keys=True) == json.dumps(expected, sort_keys=True), view
    import vl_convert

    for spec in charts.values():
        assert vl_convert.vegalite_to_svg(spec).startswith("<svg")


@pytest.mark.parametrize(
    ("query", "code", "message"),
    [
        ({}, 400, "Name the runs to compare"),
        ({"run_id": ["{a}"], "x": "epoch"}, 400, "x must be one of"),
        ({"run_id": ["{a}"], "smoothing": "1.5"}, 400, "smoothing must be in [0, 1)"),
        ({"run_id": ["{a}"], "smoothing": "high"}, 400, "smoothing must be a number"),
        ({"run_id": ["{a}"], "metric": ["nope"]}, 400, "No metric 'nope' in these runs; they have acc, loss"),
        ({"run_id": ["{a}", "ghost"]}, 404, "ghost"),
        ({"run_id": [f"r{i}" for i in range(101)]}, 400, "At most 100 runs"),
    ],
)
async def test_bad_comparisons(api, query, code, message):
    ids = _two_runs()
    query = {k: [i.replace("{a}", ids[0]) for i in v] if isinstance(v, list) else v for k, v in query.items()}
    answer = await api("compare", **query)
    assert answer.code == code and message in answer.json["message"]


async def test_version_changes_with_new_runs_and_polls_with_etags(api):
    first = await api("version")
    assert first.json["runs"] == 0
    again = await api("version", headers={"If-None-Match": first.headers["ETag"]})
    assert again.code == 304
    with nbtrack.start_run():
        nbtrack.flush()  # what the kernel's writer thread does within a second
        running = await api("version", headers={"If-None-Match": first.headers["ETag"]})
        assert running.code == 200 and running.json["runs"] == 1
    ended = await api("version", headers={"If-None-Match": running.headers["ETag"]})
    assert ended.code == 200 and ended.json["version"] != running.json["version"]  # the status changed


async def test_events_stream_a_change_for_each_new_run(jp_fetch, jp_serverapp):
    events: list[dict] = []
    buffer = b""

    def received(chunk: bytes) -> None:
        nonlocal buffer
        buffer += chunk
        while b"\n\n" in buffer:
            frame, buffer = buffer.split(b"\n\n", 1)
            lines = dict(line.split(": ", 1) for line in frame.decode().splitlines() if ": " in line)
            if lines.get("event") == "change":
                events.append(json.loads(lines["data"]))

    async def until(count: int) -> None:
        for _ in range(300):
            if len(events) >= count:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"only {len(events)} events arrived: {events}")

    stream = asyncio.ensure_future(
        jp_fetch("nbtrack", "api", "events", streaming_callback=received, request_timeout=60)
    )
    await until(1)
    assert events[0]["runs"] == 0
    assert jp_serverapp.web_app.settings["nbtrack"].feed.listeners == 1
    await asyncio.to_thread(_start_and_finish)
    await until(2)
    assert events[-1]["runs"] == 1
    stream.cancel()


def _start_and_finish() -> None:
    with nbtrack.start_run():
        nbtrack.log_metric("x", 1.0)


async def test_delete_hides_the_run(api):
    with nbtrack.start_run() as run:
        pass
    answer = await api(f"runs/{run.run_id}", method="DELETE")
    assert answer.code == 204
    assert (await api("runs")).json["total"] == 0
    assert nbtrack.get_run(run.run_id).lifecycle_stage == "deleted"
    missing = await api("runs/ghost", method="DELETE")
    assert missing.code == 404
