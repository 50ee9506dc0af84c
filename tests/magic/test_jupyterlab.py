"""%%track in a real JupyterLab, driven by Debian's Chromium: the frontend's cell id makes the lineage.

JupyterLab sends ``cellId`` with every execute request and jupyter_server
starts the kernel with ``JPY_SESSION_NAME``; this checks both reach the run,
that editing and re-running a cell links the two runs, and that the run card
renders under the cell.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright
from ui._chromium import launch_args
from ui._lab import Lab, cell, open_notebook, run_cell, screenshot, start_lab, wait_idle

import nbtrack

TRACKED = (
    "%%track -e lab -n depth-search --metrics score\nmax_depth = 3\nscore = max_depth / 10\nmax_depth * 2"
)


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    yield from start_lab(tmp_path_factory.mktemp("lab-magic"))


@pytest.fixture
def page(jupyterlab: Lab) -> Iterator[Page]:
    # Playwright's sync API keeps an event loop running in this thread while it is started: stop it
    # when this test is done, so that later tests (pytest-jupyter's server fixtures) can run theirs.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_args({}))
        context = jupyterlab.offline(browser.new_context(viewport={"width": 1200, "height": 800}))
        yield context.new_page()
        context.close()
        browser.close()


def _set_source(page: Page, index: int, source: str) -> None:
    page.evaluate(
        "([i, s]) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.sharedModel.setSource(s)",
        [index, source],
    )


def test_rerunning_an_edited_cell_in_jupyterlab_links_its_runs(jupyterlab: Lab, page: Page) -> None:
    jupyterlab.write_notebook("search.ipynb", ["%load_ext nbtrack", TRACKED])
    open_notebook(page, jupyterlab, "search.ipynb")
    for index in (0, 1):
        run_cell(page, index)
        wait_idle(page)
    card = cell(page, 1).locator(".nbtrack-run-card")
    card.wait_for(timeout=60_000)
    _set_source(page, 1, TRACKED.replace("max_depth = 3", "max_depth = 5"))
    run_cell(page, 1)
    wait_idle(page)
    page.wait_for_function(
        "() => document.querySelectorAll('.jp-Cell')[1].innerText.includes('max_depth 3 → 5')", timeout=60_000
    )
    text = cell(page, 1).inner_text().replace("\xa0", " ")
    assert "FINISHED" in text and "score 0.5" in text and "▲ +0.2" in text
    assert "10" in cell(page, 1).locator(".jp-OutputArea-executeResult").inner_text()
    screenshot(cell(page, 1), "track-magic-jupyterlab")
    cell_id = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets[1].model.id")

    nbtrack.connect(jupyterlab.store)
    frame = nbtrack.runs(experiment="lab", order_by=["start_time"])
    first, second = (nbtrack.get_run(run_id) for run_id in frame["run_id"])
    assert first.tags["nbtrack.cell_id"] == second.tags["nbtrack.cell_id"] == cell_id
    assert second.tags["nbtrack.previous_run_id"] == first.run_id
    assert Path(second.tags["nbtrack.notebook"]).name == "search.ipynb"
    assert (first.params, second.params) == ({"max_depth": "3"}, {"max_depth": "5"})
    assert second.metrics == {"score": 0.5}
