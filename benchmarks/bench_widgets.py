"""Widget benchmark: the run table over 100,000 runs, a comparison of long runs, live overhead.

Run from the repository root with the project's interpreter::

    .venv/bin/python benchmarks/bench_widgets.py                  # 100k runs; 20 runs x 100k steps
    .venv/bin/python benchmarks/bench_widgets.py --quick          # 10k runs; 5 runs x 10k steps
    .venv/bin/python benchmarks/bench_widgets.py --no-browser     # Python side only

Everything goes into a scratch store (deleted at the end). Measured:

* **Table, time to first rows**: ``nbtrack.table()`` in Python (search, count, columns and
  the first page, which travels with the widget's state) plus, in headless Chromium, the
  widget's JavaScript from ``render()`` until the first rows are in the DOM. The comm
  transfer itself is not timed (it is one message of the size printed).
* **Table pages**: a page request at a few offsets and sort orders (Python side), and the
  payload bytes per 1,000 rows with the default columns.
* **Compare**: ``nbtrack.compare(ids)`` for 20 runs x 100,000 steps: milliseconds to build
  the widget (load, downsample, chart, Arrow) and the bytes of its state (spec JSON + Arrow +
  diff), and the JavaScript's time to draw it.
* **Live**: the cost of one ``log_metric`` with a live chart subscribed, and the bytes of a push.

Times are medians of ``--repeat`` warm runs (the first, cold, call is shown apart).
Targets (the issue): first rows visible <= 1 s for 100,000 runs; compare payload <= 1 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))  # the ESM harness of tests/widgets

from bench_compare import log_runs  # noqa: E402  (same directory: the compare benchmark's runs)

FIRST_ROWS_TARGET_MS = 1000
COMPARE_TARGET_BYTES = 1_000_000
CHUNK = 10_000  # runs per spool file: one huge batch makes the merge slow and memory-hungry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=100_000, help="runs in the table's store")
    parser.add_argument("--compare-runs", type=int, default=20)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="10k runs; 5 runs x 10k steps")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timings")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.compare_runs, args.steps = 10_000, 5, 10_000
    with tempfile.TemporaryDirectory(prefix="nbtrack-bench-widgets-") as root:
        import nbtrack

        nbtrack.connect(Path(root) / "table")
        started = time.perf_counter()
        write_runs(args.runs)
        print(f"wrote {args.runs:,} runs in {time.perf_counter() - started:.1f} s (not timed below)\n")
        browser = None if args.no_browser else Browser()
        try:
            bench_table(args.runs, args.repeat, browser)
            nbtrack.connect(Path(root) / "compare")
            bench_compare(args.compare_runs, args.steps, args.repeat, browser)
            bench_live(args.repeat)
        finally:
            if browser is not None:
                browser.close()
            nbtrack.reset_session()


# -- data --------------------------------------------------------------------------------------


def write_runs(count: int) -> None:
    """``count`` finished runs with 3 params, 2 metrics and a tag, through the store's write path."""
    import numpy as np

    import nbtrack
    from nbtrack.store import events
    from nbtrack.tracking.session import experiment_id_for

    store = nbtrack.get_session().store
    experiment = experiment_id_for("bench")
    rng = np.random.default_rng(0)
    base = 1_700_000_000_000
    for start in range(0, count, CHUNK):
        rows: list[tuple] = [(events.EXPERIMENT, experiment, "name", None, 0, None, "bench")]
        for i in range(start, min(count, start + CHUNK)):
            run_id, t = uuid.uuid4().hex, base + i * 1000
            text = {
                "experiment_id": experiment,
                "run_name": f"run-{i}",
                "status": ("FINISHED", "FAILED")[i % 9 == 0],
            }
            text |= {"lifecycle": "active", "host": "bench", "user_name": "bench"}
            rows += [(events.RUN, run_id, k, None, t, None, v) for k, v in text.items()]
            ints = {"start_ms": t, "end_ms": t + 5000 + i % 997, "pid": 1, "heartbeat_ms": t + 5000}
            rows += [(events.RUN, run_id, k, v, t, None, None) for k, v in ints.items()]
            params = {"lr": f"{10 ** rng.uniform(-4, -1):.5f}", "model": ("rf", "xgb", "lgbm")[i % 3]}
            params["max_depth"] = str(i % 12 + 1)
            rows += [(events.PARAM, run_id, k, None, None, None, v) for k, v in params.items()]
            rows += [(events.TAG, run_id, "team", None, None, None, ("a", "b")[i % 2])]
            for key, value in (("accuracy", rng.uniform(0.5, 1)), ("loss", rng.uniform(0, 1))):
                rows.append((events.METRIC, run_id, key, 0, t, float(value), None))
        columns = {name: [row[i] for row in rows] for i, name in enumerate(events.COLUMNS)}
        store.write_batch(events.table_from_columns(columns), durable=True)
        store.merge_pending(timeout=120)


# -- measuring ---------------------------------------------------------------------------------


def timed(call: Callable[[], Any], repeat: int) -> tuple[Any, float, float]:
    """(result, first call in ms, median of ``repeat`` further calls in ms)."""
    started = time.perf_counter()
    result = call()
    first = (time.perf_counter() - started) * 1000
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    return result, first, statistics.median(times)


def shown_state(widget: Any) -> dict[str, Any]:
    """The state a widget sends when it is displayed, without its ESM and CSS."""
    return {k: v for k, v in widget.get_state().items() if k not in ("_esm", "_css")}


def state_bytes(widget: Any) -> tuple[int, int]:
    """(JSON bytes, binary bytes) of :func:`shown_state`."""
    from ipywidgets.widgets.widget import _remove_buffers

    plain, _, buffers = _remove_buffers(shown_state(widget))
    return len(json.dumps(plain)), sum(len(bytes(b)) for b in buffers)


class Browser:
    """Headless Debian Chromium rendering a widget's ESM from its real state (tests/widgets harness)."""

    def __init__(self) -> None:
        import shutil

        from playwright.sync_api import sync_playwright
        from ui._chromium import ARGS, OFFLINE_ARGS

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=ARGS + OFFLINE_ARGS
        )

    def render_ms(self, name: str, state: dict[str, Any], ready: str, repeat: int) -> float:
        """Median ms from ``render()`` until ``ready`` (a selector) is in the DOM."""
        from widgets._esm_page import HOST_PAGE, open_widget

        timings = []
        for _ in range(repeat):
            page = self._browser.new_page(viewport={"width": 1300, "height": 900})
            timed_page = HOST_PAGE.replace(
                "window.cleanup = widget.render(",
                "window.t0 = performance.now(); window.cleanup = widget.render(",
            )
            open_widget(page, name, state, host_page=timed_page)
            page.wait_for_selector(ready, state="attached", timeout=60_000)
            timings.append(page.evaluate("performance.now() - window.t0"))
            page.close()
        return statistics.median(timings)

    def close(self) -> None:
        self._browser.close()
        self._playwright.stop()


# -- benchmarks --------------------------------------------------------------------------------


def bench_table(count: int, repeat: int, browser: Browser | None) -> None:
    import nbtrack
    from nbtrack.wire import page_ipc

    widget, cold, warm = timed(lambda: nbtrack.table(experiment="bench"), repeat)
    text, binary = state_bytes(widget)
    print(f"== run table, {count:,} runs ==")
    print(f"nbtrack.table() in a new process (imports, store open)  {fresh_process_ms():7.0f} ms")
    print(f"nbtrack.table() in Python        cold {cold:7.0f} ms   warm {warm:6.0f} ms")
    print(
        f"  state sent on display          {text + binary:,} B "
        f"({binary:,} B Arrow first page of {widget.page_size})"
    )
    if browser is not None:
        js = browser.render_ms("table", shown_state(widget), "#el .nbt-body .nbt-row[data-run-id]", repeat)
        total = warm + js
        verdict = "ok" if total <= FIRST_ROWS_TARGET_MS else "OVER"
        print(f"  JavaScript render to 1st rows  {js:7.0f} ms")
        print(
            f"first rows visible (warm Python + JS): {total:.0f} ms ({verdict} vs {FIRST_ROWS_TARGET_MS} ms)"
        )
    for label, order in (("newest first", ""), ("by metrics.accuracy", "metrics.accuracy")):
        widget.sort_by = order
        for offset in (0, count // 2, max(0, count - 100)):
            _, _, ms = timed(lambda o=offset: widget.page(o, 100), repeat)
            print(f"page of 100 at {offset:>7,} ({label:<20})  {ms:6.0f} ms")
    widget.sort_by = ""
    widget.filter = "metrics.accuracy > 0.9 and params.model = 'rf'"
    _, _, ms = timed(lambda: widget._reload(), repeat)
    print(f"filter typed (count + first page, {widget.total:,} match)  {ms:6.0f} ms")
    widget.filter = ""
    thousand = widget.page(0, 1000)
    print(f"payload per 1,000 rows ({len(thousand.columns)} columns)  {len(page_ipc(thousand)):,} B\n")


def fresh_process_ms() -> float:
    """``import nbtrack; nbtrack.table()`` in a new interpreter, as in a fresh kernel (median of 3)."""
    import subprocess

    code = (
        "import time; t = time.perf_counter(); import nbtrack; nbtrack.table(experiment='bench'); "
        "print((time.perf_counter() - t) * 1000)"
    )
    import nbtrack

    env = dict(os.environ, NBTRACK_URI=nbtrack.store_path())
    command = [sys.executable, "-c", code]
    runs = [
        float(subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout)
        for _ in range(3)
    ]
    return statistics.median(runs)


def bench_compare(runs: int, steps: int, repeat: int, browser: Browser | None) -> None:
    import nbtrack

    ids, seconds = log_runs(runs, steps, 1)
    print(f"== compare, {runs} runs x {steps:,} steps (logged in {seconds:.0f} s, not timed) ==")
    widget, cold, warm = timed(lambda: nbtrack.compare(ids), max(1, repeat // 2))
    text, binary = state_bytes(widget)
    total = text + binary
    verdict = "ok" if total <= COMPARE_TARGET_BYTES else "OVER"
    rows = len(widget.data.history)
    print(f"nbtrack.compare(ids)             cold {cold:7.0f} ms   warm {warm:6.0f} ms")
    print(f"  points drawn {rows:,} of {widget.data.stored_points:,} stored")
    print(
        f"  state sent: {total:,} B ({verdict} vs {COMPARE_TARGET_BYTES:,}): "
        f"JSON {text:,} B + Arrow {binary:,} B"
    )
    if browser is not None:
        js = browser.render_ms(
            "compare", shown_state(widget), "#el .nbt-chart .mark-line.role-mark path", repeat
        )
        print(f"  JavaScript render of the curves {js:6.0f} ms")
    static = (Path(nbtrack.widgets.__file__).parent / "static").glob("*.js")
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.2f} MB" for p in sorted(static))
    print(f"  (each widget's ESM, sent once per widget: {sizes})\n")


def bench_live(repeat: int) -> None:
    import nbtrack
    from nbtrack.widgets.live import start_live

    calls = 100_000
    print("== live ==")
    with nbtrack.start_run(run_name="live-bench") as run:
        state = nbtrack.get_session().active_run

        def log_loop() -> None:
            for step in range(calls):
                run.log_metric("loss", 1.0 / (step + 1), step=step)

        _, _, bare = timed(log_loop, max(1, repeat // 2))
        widget = start_live(
            nbtrack.get_session(), state, metrics=None, x="step", interval=0.5, max_points=2000
        )
        _, _, live = timed(log_loop, max(1, repeat // 2))
        time.sleep(1.2)
        pushed = widget.rows.get("data") or next(iter(widget.chart.get("data", {}).values()), b"")
        print(
            f"log_metric without / with a live chart: "
            f"{bare / calls * 1000:.2f} / {live / calls * 1000:.2f} us"
        )
        print(f"  one push of {widget._feed.snapshot().shape[0]:,} points: {len(pushed):,} B Arrow")
        widget.stop()


if __name__ == "__main__":
    main()
