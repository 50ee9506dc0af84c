"""Experiments, pages of runs, one run and metric histories through the REST API."""

from __future__ import annotations

import math

import pytest

import nbtrack


@pytest.fixture
def six_runs() -> list[str]:
    """Six finished runs in two experiments; returns their ids, oldest first."""
    ids = []
    for i in range(6):
        nbtrack.set_experiment("churn" if i % 2 == 0 else "vision")
        with nbtrack.start_run(run_name=f"run-{i}", tags={"team": "growth" if i < 3 else "core"}) as run:
            nbtrack.log_params({"model": ("rf", "xgb")[i % 2], "depth": i + 2})
            nbtrack.log_metric("acc", 0.5 + i / 20)
            nbtrack.log_batch({"loss": [1 / (s + 1) for s in range(20)]})
            ids.append(run.run_id)
    return ids


async def test_experiments_with_run_counts(api, six_runs):
    answer = await api("experiments")
    assert answer.code == 200
    counts = {e["name"]: e["runs"] for e in answer.json["experiments"]}
    assert counts == {"churn": 3, "vision": 3}


async def test_runs_page_total_and_paging(api, six_runs):
    first = (await api("runs", limit=4, order_by="params.depth DESC")).json
    second = (await api("runs", limit=4, offset=4, order_by="params.depth DESC")).json
    assert first["total"] == second["total"] == 6
    names = [r["run_name"] for r in first["runs"] + second["runs"]]
    assert names == [f"run-{i}" for i in reversed(range(6))]
    newest = (await api("runs", limit=1)).json["runs"][0]
    assert newest["start_time"] == max(r["start_time"] for r in first["runs"] + second["runs"])
    row = first["runs"][0]
    assert row["status"] == "FINISHED" and row["params"] == {"model": "xgb", "depth": "7"}
    assert row["metrics"]["acc"] == pytest.approx(0.75) and row["tags"] == {"team": "core"}
    assert isinstance(row["start_time"], int) and row["duration"] >= 0


async def test_runs_filter_order_and_experiment_use_the_grammar_of_nbtrack_runs(api, six_runs):
    answer = await api(
        "runs", filter="params.model = 'rf' and metrics.acc > 0.55", order_by=["metrics.acc DESC"]
    )
    assert [r["run_name"] for r in answer.json["runs"]] == ["run-4", "run-2"]
    assert answer.json["total"] == 2
    by_name = await api("runs", experiment="vision", order_by=["params.depth"])
    assert [r["run_name"] for r in by_name.json["runs"]] == ["run-1", "run-3", "run-5"]
    expected = nbtrack.runs(experiment="*", filter="tags.team = 'core' OR params.depth <= 2")
    answer = await api("runs", filter="tags.team = 'core' OR params.depth <= 2")
    assert {r["run_id"] for r in answer.json["runs"]} == set(expected["run_id"])


@pytest.mark.parametrize(
    ("query", "message", "column"),
    [
        ({"filter": "metrics.acc >"}, "expected a number", 14),
        ({"filter": "params.model = 'rf' andd x"}, "", None),
        ({"order_by": ["metrics.acc SIDEWAYS"]}, "", None),
        ({"limit": "many"}, "limit must be an integer", None),
        ({"limit": "0"}, "limit must be at least 1", None),
        ({"limit": "5000"}, "at most 1000", None),
        ({"offset": "-1"}, "offset must be at least 0", None),
        ({"filter": ["a = 1", "b = 2"]}, "filter was given 2 times", None),
    ],
)
async def test_bad_run_queries_answer_400_with_the_message(api, six_runs, query, message, column):
    answer = await api("runs", **query)
    assert answer.code == 400
    assert message in answer.json["message"]
    if column is not None:
        assert answer.json["error"] == "FilterParseError" and answer.json["column"] == column
    assert len(nbtrack.runs(experiment="*")) == 6  # nothing changed


async def test_unknown_experiment_is_404_naming_the_known_ones(api, six_runs):
    answer = await api("runs", experiment="nope")
    assert answer.code == 404
    assert "churn" in answer.json["message"] and "vision" in answer.json["message"]


async def test_empty_store_lists_nothing(api):
    assert (await api("runs")).json == {"total": 0, "offset": 0, "limit": 100, "runs": []}
    assert (await api("experiments")).json == {"experiments": []}


async def test_one_run_has_params_metrics_tags_keys_and_failure(api):
    with nbtrack.start_run(
        run_name="nan-run", tags={"nbtrack.notebook": "nb/train.ipynb", "team": "x"}
    ) as run:
        nbtrack.log_params({"lr": 0.1})
        nbtrack.log_metric("loss", float("nan"))
        nbtrack.log_metric("best", math.inf)
        nbtrack.log_text("print('hi')\n", "nbtrack/source.py")
    with pytest.raises(ZeroDivisionError), nbtrack.start_run(run_name="boom") as failed:
        1 / 0  # noqa: B018
    detail = (await api(f"runs/{run.run_id}")).json
    assert detail["run"]["run_name"] == "nan-run" and detail["run"]["status"] == "FINISHED"
    assert detail["params"] == {"lr": "0.1"}
    assert detail["metrics"] == {"loss": "NaN", "best": "Infinity"}
    assert detail["tags"]["team"] == "x"
    assert [k["key"] for k in detail["metric_keys"]] == ["best", "loss"]
    assert detail["source"] == "print('hi')\n"
    assert detail["notebook"] == {"path": "nb/train.ipynb", "server_path": "nb/train.ipynb"}
    assert [a["path"] for a in detail["artifacts"]] == ["nbtrack/source.py"]
    failure = (await api(f"runs/{failed.run_id}")).json["run"]
    assert failure["status"] == "FAILED" and "ZeroDivisionError" in failure["error"]


async def test_notebook_outside_the_server_root_has_no_server_path(api):
    with nbtrack.start_run(tags={"nbtrack.notebook": "/elsewhere/x.ipynb"}) as run:
        pass
    detail = (await api(f"runs/{run.run_id}")).json
    assert detail["notebook"] == {"path": "/elsewhere/x.ipynb", "server_path": None}


async def test_unknown_run_is_404(api):
    answer = await api("runs/no-such-run")
    assert answer.code == 404 and "no-such-run" in answer.json["message"]


async def test_history_is_downsampled_keeping_first_last_and_extremes(api):
    with nbtrack.start_run() as run:
        values = [math.sin(s / 50) for s in range(5000)]
        values[2345] = 99.0
        nbtrack.log_batch({"signal": values})
    answer = await api(f"runs/{run.run_id}/history", key="signal", max_points=200)
    body = answer.json
    assert body["total_points"] == 5000 and body["downsampled"] is True
    assert len(body["step"]) <= 200 == 200 and len(body["value"]) == len(body["timestamp"]) == len(
        body["step"]
    )
    assert body["step"][0] == 0 and body["step"][-1] == 4999 and body["step"] == sorted(body["step"])
    assert 99.0 in body["value"] and min(body["value"]) == pytest.approx(min(values))
    full = (await api(f"runs/{run.run_id}/history", key="signal", max_points=100000)).json
    assert full["downsampled"] is False and len(full["step"]) == 5000


@pytest.mark.parametrize(
    ("query", "code", "message"),
    [
        ({}, 400, "key is required"),
        ({"key": "loss", "max_points": "3"}, 400, "max_points must be at least 4"),
        ({"key": "loss", "max_points": "lots"}, 400, "max_points must be an integer"),
        ({"key": "loss", "max_points": "100001"}, 400, "at most 100000"),
        ({"key": "nope"}, 404, "has no metric 'nope'; it has: loss"),
    ],
)
async def test_bad_history_queries(api, query, code, message):
    with nbtrack.start_run() as run:
        nbtrack.log_metric("loss", 1.0)
    answer = await api(f"runs/{run.run_id}/history", **query)
    assert answer.code == code and message in answer.json["message"]


async def test_history_of_unknown_run_is_404(api):
    answer = await api("runs/ghost/history", key="loss")
    assert answer.code == 404 and "ghost" in answer.json["message"]
