"""Run a widget's built ESM in headless Chromium with a fake anywidget model: no Jupyter, no node.

The state comes from a real widget made in Python (``Wire.opened_state``),
binary values included, so the JavaScript sees exactly what a kernel sends.
Every request goes through ``page.route``: the bundles and a host page are
served from a fake origin, anything else is refused and recorded.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from playwright.sync_api import Page, Route

from nbtrack.widgets._assets import STATIC

ORIGIN = "http://widgets.test"

FAKE_MODEL = """
// The slice of anywidget's model the widgets use; binary values are DataViews as in ipywidgets.
export function revive(value) {
  if (value && typeof value === 'object' && '__bytes__' in value) {
    const raw = atob(value.__bytes__);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return new DataView(bytes.buffer);
  }
  if (Array.isArray(value)) return value.map(revive);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
  }
  return value;
}

export function fakeModel(state) {
  const listeners = {};
  const model = {
    state,
    saves: 0,
    sent: [],
    get: (k) => state[k],
    set: (k, v) => { state[k] = v; model.emit('change:' + k); },
    on: (ev, f) => { (listeners[ev] ??= []).push(f); },
    off: (ev, f) => { listeners[ev] = (listeners[ev] || []).filter((g) => g !== f); },
    save_changes: () => { model.saves += 1; },
    send: (content) => { model.sent.push(content); },
    emit: (ev, ...args) => (listeners[ev] || []).slice().forEach((f) => f(...args)),
    // Python's side of the wire, as the tests play it
    python: (key, value) => { state[key] = revive(value); model.emit('change:' + key); },
    reply: (content, buffers) => model.emit('msg:custom', content, buffers.map(revive)),
  };
  return model;
}
"""

HOST_PAGE = """<!doctype html><html><head><link rel="stylesheet" href="/static/widgets.css"></head>
<body style="width: 1000px"><div id="el"></div>
<script type="module">
  import widget from '/static/{name}.js';
  import {{ fakeModel, revive }} from '/fake-model.js';
  const state = revive(await (await fetch('/state.json')).json());
  window.model = fakeModel(state);
  window.cleanup = widget.render({{ model: window.model, el: document.getElementById('el') }});
  window.ready = true;
</script></body></html>"""


def encode(value: Any) -> Any:
    """JSON for the page: bytes become ``{"__bytes__": base64}`` (revived as DataView)."""
    if isinstance(value, bytes | memoryview):
        return {"__bytes__": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    return value


def open_widget(page: Page, name: str, state: dict[str, Any], host_page: str = HOST_PAGE) -> list[str]:
    """Render widget ``name`` with ``state``; returns the list that collects refused requests."""
    files = {
        "/": ("text/html", host_page.format(name=name)),
        "/fake-model.js": ("text/javascript", FAKE_MODEL),
        "/state.json": ("application/json", json.dumps(encode(state))),
    }
    refused: list[str] = []

    def serve(route: Route) -> None:
        url = route.request.url
        path = url.removeprefix(ORIGIN)
        if path in files:
            content_type, body = files[path]
            route.fulfill(status=200, content_type=content_type, body=body)
        elif url.startswith(ORIGIN + "/static/") and (STATIC / path.removeprefix("/static/")).is_file():
            kind = "text/css" if path.endswith(".css") else "text/javascript"
            route.fulfill(
                status=200, content_type=kind, body=(STATIC / path.removeprefix("/static/")).read_bytes()
            )
        else:
            refused.append(url)
            route.abort()

    page.route("**/*", serve)
    page.goto(f"{ORIGIN}/")
    page.wait_for_function("window.ready === true")
    return refused


def python_sets(page: Page, key: str, value: Any) -> None:
    """Python changes a trait (the front-end gets ``change:key``)."""
    page.evaluate("([k, v]) => window.model.python(k, v)", [key, encode(value)])


def python_replies(page: Page, content: dict[str, Any], buffers: list[bytes]) -> None:
    """Python answers with a custom message (``msg:custom`` with DataView buffers)."""
    page.evaluate("([c, b]) => window.model.reply(c, b)", [content, encode(buffers)])


def sent(page: Page) -> list[dict[str, Any]]:
    """Custom messages the JavaScript sent to Python so far."""
    return page.evaluate("window.model.sent")
