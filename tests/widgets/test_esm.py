"""The widgets' JavaScript in headless Chromium, fed the state of real Python widgets.

The JavaScript's requests are answered by the real Python widget (its
``Wire``), so each test is the whole protocol minus the kernel: a table page
asked for on scroll comes back as the Arrow the Python side really sends.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

import nbtrack

from ._esm_page import open_widget, python_replies, python_sets, sent
from ._runs import log_runs
from ._wire import Wire

ROWS = "#el .nbt-body .nbt-row[data-run-id]"


@pytest.fixture
def store_runs(recorded_comms) -> list[str]:
    return log_runs(230, "esm", curves=4)


def answer_pages(page: Page, wire: Wire, already: int = 0) -> int:
    """Play Python: answer every page request the JavaScript sent since ``already``."""
    requests = sent(page)
    for request in requests[already:]:
        for content, buffers in wire.send(request):
            python_replies(page, content, buffers)
    return len(requests)


def test_table_draws_the_first_page_then_asks_for_pages_as_it_scrolls(page: Page, store_runs) -> None:
    widget = nbtrack.table(columns=["run_name", "status", "metrics.accuracy", "params.model"])
    wire = Wire(widget)
    refused = open_widget(page, "table", wire.opened_state())
    rows = page.locator(ROWS)
    expect(rows.first).to_have_attribute("data-run-id", nbtrack.runs()["run_id"].iloc[0])
    expect(page.locator("#el .nbt-count")).to_have_text("230 runs")
    assert rows.count() < 40  # virtualised: only the rows in view (and a margin) exist
    expect(rows.first.locator('[data-column="status"]')).to_have_class(
        "nbt-cell nbt-status nbt-status-finished"
    )
    assert sent(page) == []  # the first page came with the state

    page.locator("#el .nbt-viewport").evaluate("(el) => { el.scrollTop = 28 * 205; }")
    page.wait_for_function("window.model.sent.length > 0")
    assert sent(page)[0] == {"type": "page", "offset": 200, "limit": 100, "version": widget.version}
    answer_pages(page, wire)
    names = nbtrack.runs()["run_name"].tolist()
    expect(page.locator('#el .nbt-row[data-index="210"] [data-column="run_name"]')).to_have_text(names[210])
    assert refused == []


def test_table_sort_filter_and_errors_go_through_the_model(page: Page, store_runs) -> None:
    widget = nbtrack.table()
    wire = Wire(widget)
    open_widget(page, "table", wire.opened_state())
    header = page.locator('#el .nbt-head[data-column="metrics.accuracy"]')
    header.click()
    assert page.evaluate("[model.state.sort_by, model.state.sort_desc, model.saves]") == [
        "metrics.accuracy",
        True,
        1,
    ]
    header.click()
    assert page.evaluate("model.state.sort_desc") is False

    box = page.locator("#el .nbt-filter")
    box.fill("params.model = 'rf'")
    box.press("Enter")
    assert page.evaluate("model.state.filter") == "params.model = 'rf'"

    wire.set(filter="params.model = ")  # what the model change does in Python
    python_sets(page, "error", widget.error)
    error = page.locator("#el .nbt-error pre")
    message = widget.error["message"]
    expect(error).to_have_text(f"{message} (column 16)\nparams.model = \n{' ' * 15}^")
    expect(box).to_have_class("nbt-filter nbt-invalid")
    python_sets(page, "error", {})
    expect(error).to_be_hidden()


def test_table_selection_follows_clicks_and_python(page: Page, store_runs) -> None:
    widget = nbtrack.table()
    wire = Wire(widget)
    open_widget(page, "table", wire.opened_state())
    rows = page.locator(ROWS)
    rows.nth(1).click()
    rows.nth(4).click(modifiers=["Shift"])
    ids = [rows.nth(i).get_attribute("data-run-id") for i in range(1, 5)]
    assert page.evaluate("model.state.selected_ids") == ids
    expect(page.locator("#el .nbt-count")).to_have_text("230 runs · 4 selected")
    rows.nth(2).click()
    assert page.evaluate("model.state.selected_ids") == [ids[0], ids[2], ids[3]]
    wire.set(selected_ids=page.evaluate("model.state.selected_ids"))
    assert widget.selected["run_id"].tolist() == [ids[0], ids[2], ids[3]]
    python_sets(page, "selected_ids", [])
    expect(page.locator("#el .nbt-row.nbt-selected")).to_have_count(0)


def test_table_drops_its_pages_when_the_version_changes(page: Page, store_runs) -> None:
    widget = nbtrack.table()
    wire = Wire(widget)
    open_widget(page, "table", wire.opened_state())
    wire.set(sort_by="run_name", sort_desc=False)
    for key in ("first_page", "total", "version"):
        python_sets(page, key, getattr(widget, key))
    expect(page.locator(ROWS).first.locator('[data-column="run_name"]')).to_have_text("run-000")


def test_column_chooser_offers_grouped_columns(page: Page, store_runs) -> None:
    widget = nbtrack.table()
    open_widget(page, "table", Wire(widget).opened_state())
    page.locator("#el .nbt-columns-button").click()
    groups = page.locator("#el .nbt-group legend").all_inner_texts()
    assert groups == ["Attributes (10)", "Metrics (2)", "Params (3)", "Tags (1)"]
    page.locator('#el .nbt-chooser input[data-column="host"]').check()
    assert page.evaluate("model.state.visible")[-1] == "host"


def test_compare_draws_the_python_spec_offline(page: Page, store_runs) -> None:
    widget = nbtrack.compare(store_runs[:4], metrics=["loss"])
    wire = Wire(widget)
    refused = open_widget(page, "compare", wire.opened_state())
    lines = page.locator("#el .nbt-chart .mark-line.role-mark path")
    expect(lines).to_have_count(4)
    expect(page.locator("#el .nbt-tab.nbt-active")).to_have_text("Curves")
    actions = page.locator("#el .vega-embed .vega-actions a").all_text_contents()
    assert actions == ["Save as SVG", "Save as PNG"]  # export only: no editor (it would go online)

    page.locator('#el .nbt-tab[data-view="scatter"]').click()
    assert page.evaluate("model.state.view") == "scatter"
    expect(page.locator("#el .nbt-chart")).to_contain_text("drawing")
    wire.set(view="scatter")
    python_sets(page, "chart", widget.chart)
    expect(page.locator("#el .nbt-chart .mark-symbol.role-mark path")).to_have_count(4)

    page.locator('#el select[data-setting="y"]').select_option("params.lr")
    assert page.evaluate("model.state.settings.scatter.y") == "params.lr"
    python_sets(page, "chart", {"view": "scatter", "spec": {}, "data": {}, "error": "No column 'x'"})
    expect(page.locator("#el .nbt-chart-error")).to_have_text("No column 'x'")

    page.locator('#el .nbt-tab[data-view="params"]').click()
    row = page.locator("#el table.nbt-diff tr[data-field='params.lr']")
    expect(row.locator("th")).to_have_text("params.lr")  # the field heads its row
    expect(row.locator("td")).to_have_count(4)  # one value per run
    python_sets(page, "diff", {"fields": ["params.x"], "runs": ["a", "b"], "values": [["1", None]]})
    expect(page.locator("#el table.nbt-diff td.nbt-missing")).to_have_text("—")  # b has no params.x
    assert refused == []


def test_live_streams_rows_into_the_drawn_chart(page: Page, recorded_comms) -> None:
    with nbtrack.start_run(run_name="live"):
        widget = nbtrack.live()
        wire = Wire(widget)
        for step in range(10):
            nbtrack.log_metric("loss", 1 / (step + 1), step=step)
        deadline = 200
        while not widget.chart and deadline:
            page.wait_for_timeout(50)
            deadline -= 1
        state = dict(wire.opened_state(), chart=widget.chart)
        refused = open_widget(page, "live", state)
        live = page.locator("#el .nbt-live")
        expect(live).to_have_attribute("data-points", "10")
        page.locator("#el .vega-embed").evaluate("(el) => { el.dataset.first = 'yes'; }")
        start = wire.mark()
        for step in range(10, 25):
            nbtrack.log_metric("loss", 1 / (step + 1), step=step)
        while not [u for u in wire.updates(start) if "rows" in u] and deadline:
            page.wait_for_timeout(50)
            deadline -= 1
        python_sets(page, "rows", [u for u in wire.updates(start) if "rows" in u][-1]["rows"])
        expect(live).to_have_attribute("data-points", "25")
        expect(page.locator("#el .vega-embed")).to_have_attribute(
            "data-first", "yes"
        )  # streamed, not redrawn
    python_sets(page, "state", "done")
    expect(live).to_have_attribute("data-state", "done")
    expect(page.locator("#el .nbt-live-status")).to_contain_text("live: finished")
    assert refused == []
