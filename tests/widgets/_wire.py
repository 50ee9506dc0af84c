"""The comm of a widget as the browser sees it, without a browser or a kernel.

ipywidgets creates comms through ``comm.create_comm``, which is meant to be
replaced; :class:`RecordingComm` records every message Python publishes
(state, custom messages, binary buffers) and :class:`Wire` plays the
front-end's part with the same message shapes the JavaScript sends.
"""

from __future__ import annotations

from typing import Any

from comm.base_comm import BaseComm


class RecordingComm(BaseComm):
    """A comm that keeps what would have gone to the front-end."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.sent: list[tuple[str, dict, list[bytes]]] = []
        super().__init__(*args, **kwargs)

    def publish_msg(
        self, msg_type: str, data: Any = None, metadata: Any = None, buffers: Any = None, **keys: Any
    ):
        self.sent.append((msg_type, data or {}, [bytes(b) for b in buffers or []]))


class Wire:
    """One widget's comm, seen from the front-end side."""

    def __init__(self, widget: Any) -> None:
        self.widget = widget
        self.comm: RecordingComm = widget.comm

    def mark(self) -> int:
        """A position in the message log (to look at what came after it)."""
        return len(self.comm.sent)

    def opened_state(self) -> dict[str, Any]:
        """The state the widget was created with, binary values put back in place."""
        msg_type, data, buffers = self.comm.sent[0]
        assert msg_type == "comm_open"
        return _with_buffers(dict(data["state"]), data["buffer_paths"], buffers)

    def updates(self, since: int = 0) -> list[dict[str, Any]]:
        """State updates Python sent after ``since``, binary values in place."""
        found = []
        for msg_type, data, buffers in self.comm.sent[since:]:
            if msg_type == "comm_msg" and data.get("method") == "update":
                found.append(_with_buffers(dict(data["state"]), data.get("buffer_paths", []), buffers))
        return found

    def custom(self, since: int = 0) -> list[tuple[dict[str, Any], list[bytes]]]:
        """Custom messages Python sent after ``since``, with their buffers."""
        return [
            (data["content"], buffers)
            for msg_type, data, buffers in self.comm.sent[since:]
            if msg_type == "comm_msg" and data.get("method") == "custom"
        ]

    def set(self, **state: Any) -> None:
        """The front-end changes traits (``model.set(...); model.save_changes()``)."""
        self.widget._handle_msg({"content": {"data": {"method": "update", "state": state}}, "buffers": []})

    def send(self, content: dict[str, Any]) -> list[tuple[dict[str, Any], list[bytes]]]:
        """The front-end sends a custom message; returns Python's replies to it."""
        start = self.mark()
        message = {"content": {"data": {"method": "custom", "content": content}}, "buffers": []}
        self.widget._handle_msg(message)
        return self.custom(start)


def _with_buffers(state: dict[str, Any], paths: list[list[Any]], buffers: list[bytes]) -> dict[str, Any]:
    for path, buffer in zip(paths, buffers, strict=True):
        target = state
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = buffer
    return state
