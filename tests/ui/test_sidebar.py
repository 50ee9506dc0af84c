"""The nbtrack sidebar in a real JupyterLab behind ``/user/alice/``, in Debian's Chromium, offline.

One page load for the whole module (JupyterLab loads cost 10-20 s here);
the tests run in file order and share the page: the empty panel says how to
start, then lists the runs the test wrote, a run written later shows up (and its end),
a bad filter shows its parse error, clicking a run opens its detail,
selecting two opens the comparison, and the insert-cell command writes a
``nbtrack.compare`` cell that runs.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

import nbtrack

from ._hub import BASE_URL, start_hub_lab
from ._lab import Lab, cell, command, screenshot, wait_idle

SIDEBAR = "#nbtrack-sidebar"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """This module's lab is behind ``/user/alice/`` (``lab_page`` from conftest uses it)."""
    yield from start_hub_lab(tmp_path_factory.mktemp("hub"))


@pytest.fixture
def store(lab: Lab) -> Iterator[Path]:
    """This process writes to the lab's store (as a kernel would)."""
    nbtrack.connect(lab.store)
    yield lab.store


@pytest.fixture(scope="module")
def page(lab_page: Page) -> Page:
    return lab_page


def rows(page: Page):
    return page.locator(f"{SIDEBAR} .nbtrack-Run[data-run-id]")


def row(page: Page, name: str):
    return rows(page).filter(has=page.locator(".nbtrack-Run-name", has_text=re.compile(f"^{name}$")))


def _runs() -> list[str]:
    ids = []
    for i, (experiment, model) in enumerate([("churn", "rf"), ("churn", "xgb"), ("vision", "cnn")]):
        nbtrack.set_experiment(experiment)
        with nbtrack.start_run(run_name=f"{model}-run") as run:
            nbtrack.log_params({"model": model, "depth": 3 + i})
            nbtrack.log_batch({"loss": [1 / (s + 1 + i) for s in range(40)]})
            nbtrack.log_metric("accuracy", 0.7 + i / 10)
            ids.append(run.run_id)
    return ids


def test_panel_starts_empty_then_lists_the_runs_and_experiments(store: Path, lab: Lab, page: Page) -> None:
    assert lab.url.endswith(BASE_URL.rstrip("/"))
    page.goto(f"{lab.url}/lab?token={lab.token}")
    page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
    page.locator(f'.jp-SideBar li[data-id="{SIDEBAR[1:]}"]').click()
    expect(page.locator(f"{SIDEBAR} .nbtrack-Empty")).to_have_text("No runs yet — add %%track to a cell")
    _runs()
    expect(rows(page)).to_have_count(3, timeout=30_000)
    expect(page.locator(f"{SIDEBAR} .nbtrack-Empty")).to_be_hidden()
    expect(page.locator(f"{SIDEBAR} .nbtrack-Count")).to_have_text("3 runs")
    experiments = page.locator(f"{SIDEBAR} .nbtrack-Experiment")
    expect(experiments).to_have_count(3)  # "All experiments", churn, vision
    expect(experiments.filter(has_text="churn").locator(".nbtrack-Experiment-runs")).to_have_text("2")
    expect(row(page, "cnn-run").locator(".nbtrack-status")).to_have_class(
        re.compile("nbtrack-status-finished")
    )
    expect(row(page, "cnn-run").locator(".nbtrack-Run-time")).to_have_text(re.compile("now|second"))
    expect(page.locator(f"{SIDEBAR} .nbtrack-live")).to_have_attribute("data-mode", "stream")
    experiments.filter(has_text="vision").click()
    expect(rows(page)).to_have_count(1)
    experiments.first.click()
    expect(rows(page)).to_have_count(3)
    assert lab.blocked == []


def test_a_new_run_and_its_end_appear_without_reloading(store: Path, page: Page) -> None:
    started = time.monotonic()
    with nbtrack.start_run(run_name="live-run"):
        nbtrack.flush()  # the kernel's writer does this within a second
        expect(row(page, "live-run")).to_have_attribute("data-status", "RUNNING", timeout=15_000)
        appeared = time.monotonic() - started
        expect(page.locator(f"{SIDEBAR} .nbtrack-Count")).to_have_text("4 runs")
    expect(row(page, "live-run")).to_have_attribute("data-status", "FINISHED", timeout=15_000)
    print(f"live run visible {appeared:.2f} s after start_run (target 2 s; measured in benchmarks/)")


def test_a_bad_filter_shows_its_parse_error_inline(page: Page) -> None:
    box = page.locator(f"{SIDEBAR} .nbtrack-Filter")
    box.fill("params.model = 'rf'")
    box.press("Enter")
    expect(rows(page)).to_have_count(1)
    box.fill("metrics.accuracy >")
    box.press("Enter")
    error = page.locator(f"{SIDEBAR} .nbtrack-FilterError")
    expect(error).to_contain_text("expected a number")
    expect(error).to_contain_text("column 19")
    expect(rows(page)).to_have_count(1)  # the rows of the last good filter stay
    box.fill("")
    box.press("Enter")
    expect(error).to_be_hidden()
    expect(rows(page)).to_have_count(4)


def test_keyboard_moves_and_selects(page: Page) -> None:
    page.locator(f"{SIDEBAR} .nbtrack-Filter").press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(rows(page).locator("xpath=..").locator(".nbtrack-Run.nbtrack-cursor")).to_have_count(1)
    expect(page.locator(f"{SIDEBAR} .nbtrack-Run[aria-selected='true']")).to_have_count(1)
    page.keyboard.press("Space")
    expect(page.locator(f"{SIDEBAR} .nbtrack-Run[aria-selected='true']")).to_have_count(0)


def test_clicking_a_run_opens_its_detail(page: Page) -> None:
    row(page, "xgb-run").locator(".nbtrack-Run-name").click()
    detail = page.locator(".nbtrack-Detail:visible")
    expect(detail.locator("h1")).to_have_text("xgb-run", timeout=20_000)
    expect(detail.locator("[data-section='params']")).to_contain_text("xgb")
    expect(detail.locator("[data-section='metrics']")).to_contain_text("accuracy")
    expect(detail.locator("[data-chart='curves'] svg .mark-line path").first).to_be_attached(timeout=20_000)
    screenshot(page, "sidebar-run-detail")


def test_selecting_two_runs_opens_the_comparison(page: Page) -> None:
    row(page, "rf-run").locator(".nbtrack-Run-select").check()
    row(page, "cnn-run").locator(".nbtrack-Run-select").check()
    compare = page.locator(f"{SIDEBAR} .nbtrack-Compare")
    expect(compare).to_have_text("Compare 2")
    compare.click()
    view = page.locator(".nbtrack-Comparison:visible")
    expect(view.locator(".nbtrack-Diff")).to_contain_text("params.model", timeout=20_000)
    expect(view.locator(".nbtrack-Diff")).to_contain_text("cnn")
    expect(view.locator("[data-chart='curves'] svg .mark-line path")).to_have_count(
        4, timeout=20_000
    )  # 2 runs x 2 metrics
    expect(view.locator("[data-chart='parallel'] svg.marks")).to_be_attached()
    screenshot(page, "sidebar-comparison")  # copied by hand to docs/images/sidebar.png for the README


def test_dark_theme_uses_the_theme_colours(page: Page) -> None:
    command(page, "apputils:change-theme", {"theme": "JupyterLab Dark"})
    sidebar = page.locator(SIDEBAR)
    expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "false", timeout=20_000)
    expect(page.locator("#jupyterlab-splash")).to_have_count(0, timeout=20_000)
    background = sidebar.evaluate("node => getComputedStyle(node).backgroundColor")
    red, green, blue = (int(v) for v in re.findall(r"\d+", background)[:3])
    assert red + green + blue < 3 * 80, background  # dark, from --jp-layout-color1
    screenshot(page, "sidebar-dark")
    command(page, "apputils:change-theme", {"theme": "JupyterLab Light"})
    expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "true", timeout=20_000)


def test_insert_comparison_cell_writes_code_that_runs(lab: Lab, page: Page) -> None:
    lab.write_notebook("compare.ipynb", ["import nbtrack"])
    page.evaluate(
        "(path) => window.jupyterapp.commands.execute('docmanager:open', {path}).then(() => null)",
        "compare.ipynb",
    )
    wait_idle(page)
    command(page, "nbtrack:insert-comparison-cell")
    inserted = cell(page, 1)
    expect(inserted.locator(".jp-InputArea-editor")).to_contain_text("nbtrack.compare([", timeout=10_000)
    source = inserted.locator(".jp-InputArea-editor").inner_text()
    assert source.count('"') == 4  # two run ids
    command(page, "notebook:run-cell")
    wait_idle(page)
    output = inserted.locator(".jp-OutputArea-output")
    expect(output.first).to_be_visible(timeout=60_000)
    expect(output.locator("[data-mime-type='application/vnd.jupyter.stderr']")).to_have_count(0)
    expect(output.locator("svg .mark-line path").first).to_be_attached(timeout=60_000)
    screenshot(page, "sidebar-insert-cell")


def test_the_list_is_virtualised_and_pages_load_as_it_scrolls(store: Path, page: Page) -> None:
    from nbtrack.tracking.session import get_session

    nbtrack.set_experiment("many")
    with nbtrack.start_run(run_name="sweep") as parent:
        for i in range(2_000):
            get_session().record_run(
                parent_run_id=parent.run_id, run_name=f"trial-{i:04d}", metrics={"score": i}
            )
    command(page, "nbtrack:show-sidebar")
    many = page.locator(f"{SIDEBAR} .nbtrack-Experiment", has_text="many")
    expect(many.locator(".nbtrack-Experiment-runs")).to_have_text("2,001", timeout=15_000)
    many.click()
    expect(page.locator(f"{SIDEBAR} .nbtrack-Count")).to_have_text("2,001 runs")
    assert page.locator(f"{SIDEBAR} .nbtrack-Run").count() < 60  # only the rows in view exist
    page.locator(f"{SIDEBAR} .nbtrack-RunList").focus()
    page.keyboard.press("End")
    last = page.locator(f'{SIDEBAR} .nbtrack-Run.nbtrack-cursor[data-index="2000"]')
    expect(last).to_have_attribute(
        "data-run-id", re.compile(r"^[0-9a-f]{32}$"), timeout=15_000
    )  # page 20 loaded
    assert page.locator(f"{SIDEBAR} .nbtrack-Run").count() < 60
