"""The widgets in a real JupyterLab, driven by Debian's Chromium, with no network but the server.

One notebook, opened once (JupyterLab page loads cost 10-20 s here): it logs
runs, then shows a run table, a comparison and live curves. The tests run in
file order and share the page: rows render, sorting reorders, the filter
narrows (and a bad one shows the parse error), clicked rows reach the kernel,
charts draw the expected marks, the live chart grows while its cell runs.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ._lab import Lab, cell, open_notebook, run_cell, screenshot

SETUP = """\
%load_ext nbtrack
import math, random
import nbtrack
nbtrack.set_experiment("ui")
random.seed(0)
for i in range(24):
    model = ("rf", "xgb", "lgbm")[i % 3]
    with nbtrack.start_run(run_name=f"run-{i:02d}"):
        nbtrack.log_params({"model": model, "lr": round(0.01 * (i + 1), 3), "depth": i % 6 + 2})
        nbtrack.log_batch({"loss": [math.exp(-s / (10 + i)) + random.random() * 0.05 for s in range(60)]})
        nbtrack.log_metric("accuracy", 0.6 + i / 60)
print("runs ready")
"""
TABLE = (
    "t = nbtrack.table(columns=['run_name', 'status', 'metrics.accuracy', 'params.model', 'params.lr'])\nt"
)
SELECTED = "print('selected:', sorted(t.selected['run_name']))"
COMPARE = "c = nbtrack.compare(last=4, metrics=['loss'])\nc"
LIVE = """\
%%track -n live-run
import time
chart = nbtrack.live()
for step in range(80):
    nbtrack.log_metric("loss", 1 / (step + 1), step=step)
    time.sleep(0.1)
print("live done")
"""
CELLS = [SETUP, TABLE, SELECTED, COMPARE, LIVE]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def notebook(lab: Lab, lab_page: Page) -> Page:
    """The widgets notebook, open, with its first two cells (runs, table) executed."""
    lab.write_notebook("widgets.ipynb", CELLS)
    open_notebook(lab_page, lab, "widgets.ipynb")
    run_cell(lab_page, 0)
    expect(cell(lab_page, 0).locator(".jp-OutputArea-output")).to_contain_text("runs ready", timeout=60_000)
    run_cell(lab_page, 1)
    return lab_page


def table_rows(page: Page):
    return cell(page, 1).locator(".nbt-body .nbt-row[data-run-id]")


def column_texts(page: Page, column: str) -> list[str]:
    return table_rows(page).locator(f'.nbt-cell[data-column="{column}"]').all_inner_texts()


def test_table_rows_render(notebook: Page) -> None:
    rows = table_rows(notebook)
    expect(rows.first).to_be_visible(timeout=60_000)
    expect(cell(notebook, 1).locator(".nbt-count")).to_have_text("24 runs")
    assert rows.count() >= 10
    assert set(column_texts(notebook, "params.model")) <= {"rf", "xgb", "lgbm"}
    expect(rows.first.locator('.nbt-status[data-column="status"]')).to_have_class(
        re.compile("nbt-status-finished")
    )


def test_sorting_changes_order(notebook: Page) -> None:
    header = cell(notebook, 1).locator('.nbt-head[data-column="metrics.accuracy"]')
    header.click()
    expect(header).to_contain_text("▼")
    expect(table_rows(notebook).first).to_contain_text("run-23")
    header.click()
    expect(header).to_contain_text("▲")
    expect(table_rows(notebook).first).to_contain_text("run-00")
    values = [float(v) for v in column_texts(notebook, "metrics.accuracy")]
    assert values == sorted(values)


def test_filter_narrows_rows_and_shows_parse_errors(notebook: Page) -> None:
    box = cell(notebook, 1).locator(".nbt-filter")
    box.fill("params.model = 'rf'")
    box.press("Enter")
    expect(cell(notebook, 1).locator(".nbt-count")).to_have_text("8 runs")
    expect(table_rows(notebook)).to_have_count(8)
    assert set(column_texts(notebook, "params.model")) == {"rf"}
    box.fill("metrics.accuracy >")
    box.press("Enter")
    error = cell(notebook, 1).locator(".nbt-error")
    expect(error).to_contain_text("expected a number")
    expect(error).to_contain_text("column 19")
    expect(table_rows(notebook)).to_have_count(8)  # the rows of the last good filter stay
    box.fill("params.model = 'rf'")
    box.press("Enter")
    expect(error).to_be_hidden()


def test_selection_reaches_the_kernel(notebook: Page) -> None:
    rows = table_rows(notebook)
    rows.nth(0).click()
    rows.nth(2).click()
    expect(cell(notebook, 1).locator(".nbt-count")).to_have_text("8 runs · 2 selected")
    chosen = sorted([rows.nth(0).get_attribute("data-run-id"), rows.nth(2).get_attribute("data-run-id")])
    names = sorted(rows.nth(i).locator('[data-column="run_name"]').inner_text() for i in (0, 2))
    screenshot(cell(notebook, 1), "table")
    run_cell(notebook, 2)
    expect(cell(notebook, 2).locator(".jp-OutputArea-output")).to_contain_text(f"selected: {names}")
    assert all(chosen)


def test_compare_draws_one_curve_per_run(notebook: Page) -> None:
    run_cell(notebook, 3)
    widget = cell(notebook, 3).locator(".nbt-compare")
    chart = widget.locator('.nbt-chart[data-drawn="curves"]')
    expect(chart.locator(".mark-line.role-mark path")).to_have_count(4, timeout=60_000)
    expect(widget.locator(".nbt-title")).to_contain_text("4 runs")
    screenshot(cell(notebook, 3), "compare-curves")
    widget.locator('.nbt-tab[data-view="scatter"]').click()
    scatter = widget.locator('.nbt-chart[data-drawn="scatter"]')
    expect(scatter.locator(".mark-symbol.role-mark path")).to_have_count(4)
    widget.locator('.nbt-tab[data-view="params"]').click()
    expect(widget.locator(".nbt-diff tr[data-field='params.lr'] td")).to_have_count(4)


def test_live_chart_grows_while_the_cell_runs(notebook: Page) -> None:
    run_cell(notebook, 4)
    live = cell(notebook, 4).locator(".nbt-live")
    expect(live).to_have_attribute("data-state", "running", timeout=60_000)
    seen: list[int] = []
    while live.get_attribute("data-state") == "running" and len(seen) < 400:
        points = live.get_attribute("data-points")
        if points is not None and (not seen or int(points) != seen[-1]):
            seen.append(int(points))
        notebook.wait_for_timeout(100)
    growing = [n for n in seen if 0 < n < 80]
    assert len(growing) >= 3 and growing == sorted(growing), seen
    expect(live).to_have_attribute("data-state", "done", timeout=30_000)
    expect(live).to_have_attribute("data-points", "80")
    expect(live.locator(".mark-line.role-mark path")).to_have_count(1)
    expect(cell(notebook, 4).locator(".jp-OutputArea")).to_contain_text("live done")
    screenshot(cell(notebook, 4), "live")
    # the saved output (nbconvert, GitHub) was updated to the final chart as a PNG
    notebook.wait_for_function(
        """(view) => window.jupyterapp.shell.currentWidget.content.model.cells.get(4).outputs.toJSON()
                 .some((output) => output.data && output.data['image/png'] && output.data[view])""",
        arg=WIDGET_VIEW,
        timeout=10_000,
    )


def test_nothing_was_fetched_from_outside(lab: Lab, notebook: Page) -> None:
    assert lab.blocked == []


def luminance(css_color: str) -> float:
    red, green, blue = (int(v) for v in re.findall(r"\d+", css_color)[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


def test_dark_theme_is_readable(notebook: Page) -> None:
    notebook.evaluate(
        "window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})"
    )
    notebook.wait_for_function("document.body.dataset.jpThemeLight === 'false'", timeout=30_000)
    expect(notebook.locator("#jupyterlab-splash")).to_have_count(0, timeout=30_000)
    table = cell(notebook, 1).locator(".nbt-table")
    colors = table.evaluate("(el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]")
    background, text = (luminance(c) for c in colors)
    assert background < 0.25 < 0.6 < text, colors  # follows JupyterLab's theme variables
    status = table.locator(".nbt-row[data-run-id] .nbt-status").first
    assert luminance(status.evaluate("(el) => getComputedStyle(el).color")) > 0.6
    screenshot(cell(notebook, 1), "table-dark")
    cell(notebook, 3).locator('.nbt-tab[data-view="curves"]').click()
    expect(cell(notebook, 3).locator(".mark-line.role-mark path")).to_have_count(4)
    screenshot(cell(notebook, 3), "compare-dark")
