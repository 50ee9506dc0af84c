"""The previous run of each cell: read once per kernel, never waited for, the card updated in place."""

from __future__ import annotations

import time

import nbtrack
from nbtrack.capture.lineage import CELL_ID_TAG, load_previous_runs
from nbtrack.tracking.session import get_session

from .conftest import run_notebook

MIME = "application/vnd.nbtrack.run+json"


def _run(cell_id: str | None, name: str, **params: object) -> str:
    tags = {CELL_ID_TAG: cell_id} if cell_id else {}
    with nbtrack.start_run(run_name=name, tags=tags) as run:
        if params:
            nbtrack.log_params(params)
        nbtrack.log_metric("acc", float(len(name)))
    time.sleep(0.01)  # distinct start times (milliseconds)
    return run.run_id


def test_the_index_holds_the_newest_earlier_run_of_each_cell():
    _run("cell-a", "a-old", depth=1)
    a_new = _run("cell-a", "a-new", depth=2, model="rf")
    b_only = _run("cell-b", "b")  # no params: still found, with its name and status
    _run(None, "untagged")
    asking = _run("cell-c", "asking")  # the asking cell's own run is left out
    cutoff = time.time_ns() // 1_000_000
    time.sleep(0.01)
    _run("cell-a", "a-after-cutoff", depth=3)  # started by this kernel's later cells: left out
    found = load_previous_runs(get_session(), asking, cutoff)
    assert set(found) == {"cell-a", "cell-b"}
    assert found["cell-a"].run_id == a_new and found["cell-a"].run_name == "a-new"
    assert found["cell-a"].params == {"depth": "2", "model": "rf"} and found["cell-a"].metrics == {"acc": 5.0}
    assert found["cell-b"].run_id == b_only and found["cell-b"].status == "FINISHED"
    assert found["cell-b"].params == {} and found["cell-b"].metrics == {"acc": 1.0}


CELLS = [
    f"%%track -n cell{i}\ndepth = {i}\nscore = depth * 2 + {i}\nlog_metric('score', score)\n"
    for i in range(3)
]


def test_run_all_after_a_restart_links_every_cell_and_updates_the_first_card(project):
    first = run_notebook(["%load_ext nbtrack", *CELLS], cwd=project)
    assert all(first.status(i) == "ok" for i in range(4))
    earlier = {row.run_name: row.run_id for row in nbtrack.runs().itertuples()}
    # a new kernel (every cell a first execution), then cell0 again (a re-execution), then a read
    second = run_notebook(["%load_ext nbtrack", *CELLS, CELLS[0], "%nbtrack store"], cwd=project)
    assert all(second.status(i) == "ok" for i in range(6))
    frame = nbtrack.runs(order_by=["start_time"])
    later = frame[~frame["run_id"].isin(earlier.values())]
    assert list(later["run_name"]) == ["cell0", "cell1", "cell2", "cell0"]
    links = list(later["tags.nbtrack.previous_run_id"])
    expected = [earlier["cell0"], earlier["cell1"], earlier["cell2"], later["run_id"].iloc[0]]
    assert links == expected  # the re-execution links to this kernel's own run of the cell
    for index, previous in zip(range(1, 5), expected, strict=True):
        card = second.cards(index)
        assert len(card) == 1, second.text(index)  # updated in place, never shown twice
        assert card[0]["data"][MIME]["previous_run_id"] == previous
        assert f"previous {previous[:8]}" in card[0]["data"]["text/plain"]
    assert "changed" not in second.cards(1)[0]["data"]["text/plain"]  # same params as the earlier run
