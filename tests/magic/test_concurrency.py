"""Two notebooks (two kernels) writing one store at the same time."""

from __future__ import annotations

import threading

import pandas as pd

import nbtrack

from .conftest import Cell, run_notebook

POINTS = 3000


def _cells(tag: str) -> list[Cell | str]:
    body = (
        f"%%track -e shared -n {tag}-{{i}} --tags writer={tag}\n"
        "run_index = {i}\n"
        f"for step in range({POINTS}):\n"
        "    log_metric('loss', 1.0 / (step + 1), step=step)\n"
        "    log_metric('acc', step / 3000)\n"
        "print(nbtrack.active_run().run_id)"
    )
    cells: list[Cell | str] = ["%load_ext nbtrack\nimport nbtrack"]
    cells += [Cell(body.format(i=i), f"{tag}-cell") for i in range(3)]
    cells.append("%nbtrack runs tags.writer = '" + tag + "'")
    return cells


def test_two_kernels_write_the_same_store(project):
    results: dict[str, object] = {}

    def run(tag: str) -> None:
        try:
            results[tag] = run_notebook(_cells(tag), cwd=project)
        except BaseException as exc:  # reported below, with the other notebook's outcome
            results[tag] = exc

    threads = [threading.Thread(target=run, args=(tag,), name=f"notebook-{tag}") for tag in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    for tag in ("a", "b"):
        nb = results[tag]
        assert not isinstance(nb, BaseException), nb
        assert all(nb.status(i) == "ok" for i in range(5)), [nb.text(i) for i in range(5)]

    frame = nbtrack.runs(experiment="shared")
    assert len(frame) == 6 and set(frame["status"]) == {"FINISHED"}
    for row in frame.itertuples():
        for key in ("loss", "acc"):
            history = nbtrack.metric_history(row.run_id, key)
            assert list(history["step"]) == list(range(POINTS)), (row.run_name, key)
    counts = nbtrack.sql("select count(*) as n from metrics")["n"].iloc[0]
    assert counts == 6 * 2 * POINTS
    # each notebook's re-executions form one lineage of its own
    for tag in ("a", "b"):
        mine = frame[frame["tags.writer"] == tag].sort_values("start_time")
        previous = list(mine["tags.nbtrack.previous_run_id"])
        assert pd.isna(previous[0])
        assert previous[1:] == list(mine["run_id"])[:2]
