"""What a cell prints and shows: stdout/stderr (teed, bounded) and the images it displays.

While the cell runs, ``sys.stdout``/``sys.stderr`` are wrapped so text goes
to the notebook as usual and a bounded copy is kept, and the shell's
display publisher is wrapped so every PNG shown (``plt.show()``,
``display(fig)``, the inline backend's end-of-cell flush) is kept too.
Everything is put back exactly as it was by :meth:`OutputCapture.stop`.
"""

from __future__ import annotations

import base64
import io
import sys
from collections import deque
from dataclasses import dataclass, field
from typing import Any

#: Characters of stdout (and of stderr) kept per cell: the start and, mostly, the end.
TEXT_LIMIT = 1_000_000
#: Images kept per cell, and the largest image kept.
MAX_IMAGES = 50
MAX_IMAGE_BYTES = 20_000_000


class BoundedText:
    """Keeps the first quarter and the last three quarters of ``limit`` characters written."""

    def __init__(self, limit: int = TEXT_LIMIT) -> None:
        self._head_limit = limit // 4
        self._tail_limit = limit - self._head_limit
        self._head: list[str] = []
        self._head_size = 0
        self._tail: deque[str] = deque()
        self._tail_size = 0
        self.dropped = 0

    def write(self, text: str) -> None:
        if self._head_size < self._head_limit:
            take = text[: self._head_limit - self._head_size]
            self._head.append(take)
            self._head_size += len(take)
            text = text[len(take) :]
        if not text:
            return
        self._tail.append(text)
        self._tail_size += len(text)
        while self._tail_size > self._tail_limit and self._tail:
            extra = self._tail_size - self._tail_limit
            first = self._tail[0]
            if len(first) <= extra:
                self._tail.popleft()
                self._tail_size -= len(first)
                self.dropped += len(first)
            else:
                self._tail[0] = first[extra:]
                self._tail_size -= extra
                self.dropped += extra

    def getvalue(self) -> str:
        middle = f"\n[... {self.dropped} characters left out ...]\n" if self.dropped else ""
        return "".join(self._head) + middle + "".join(self._tail)


class _Tee:
    """A text stream that writes through to ``stream`` and keeps a copy."""

    def __init__(self, stream: Any, copy: BoundedText) -> None:
        self._stream = stream
        self._copy = copy

    def write(self, text: str) -> int:
        written = self._stream.write(text)
        if isinstance(text, str):
            self._copy.write(text)
        return written

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@dataclass
class Captured:
    """The output of one cell."""

    stdout: str = ""
    stderr: str = ""
    images: list[bytes] = field(default_factory=list)


class OutputCapture:
    """Tee stdout/stderr and keep the PNGs displayed, between :meth:`start` and :meth:`stop`."""

    def __init__(self, shell: Any, *, text_limit: int = TEXT_LIMIT) -> None:
        self._shell = shell
        self._out = BoundedText(text_limit)
        self._err = BoundedText(text_limit)
        self._images: dict[Any, bytes] = {}
        self._tees: dict[str, _Tee] = {}
        self._publisher: Any = None
        self._previous_publish: Any = None
        self._wrapper: Any = None
        self._figures_before: set[int] = set()

    def start(self) -> None:
        """Begin capturing (call :meth:`stop` in a ``finally``)."""
        self._figures_before = open_figure_numbers()
        for name, copy in (("stdout", self._out), ("stderr", self._err)):
            tee = _Tee(getattr(sys, name), copy)
            setattr(sys, name, tee)
            self._tees[name] = tee
        publisher = getattr(self._shell, "display_pub", None)
        if publisher is not None:
            self._publisher = publisher
            self._previous_publish = publisher.__dict__.get("publish")
            original = publisher.publish

            def publish(*args: Any, **kwargs: Any) -> Any:
                self._keep_image(args[0] if args else kwargs.get("data"), kwargs)
                return original(*args, **kwargs)

            publisher.publish = self._wrapper = publish

    def _keep_image(self, data: Any, kwargs: dict[str, Any]) -> None:
        png = data.get("image/png") if isinstance(data, dict) else None
        if png is None:
            return
        try:
            raw = base64.b64decode(png) if isinstance(png, str) else bytes(png)
        except (ValueError, TypeError):
            return
        display_id = (kwargs.get("transient") or {}).get("display_id")
        key = display_id if display_id is not None else len(self._images)
        if len(raw) <= MAX_IMAGE_BYTES and (key in self._images or len(self._images) < MAX_IMAGES):
            self._images[key] = raw

    def show_pending_figures(self) -> None:
        """Let the inline backend show this cell's figures now, while they are being captured."""
        backend_inline = sys.modules.get("matplotlib_inline.backend_inline")
        pyplot = sys.modules.get("matplotlib.pyplot")
        if backend_inline is None or pyplot is None:
            return
        if "inline" in str(pyplot.get_backend()):
            backend_inline.flush_figures()

    def stop(self) -> Captured:
        """Put the streams and the publisher back; returns what was captured."""
        for name, tee in self._tees.items():
            if getattr(sys, name) is tee:
                setattr(sys, name, tee._stream)
        self._tees = {}
        publisher, self._publisher = self._publisher, None
        if publisher is not None and publisher.__dict__.get("publish") is self._wrapper:
            if self._previous_publish is not None:
                publisher.publish = self._previous_publish
            else:
                publisher.__dict__.pop("publish", None)
        images: list[bytes] = list(self._images.values())
        images += figures_opened_since(self._figures_before, MAX_IMAGES - len(images))
        return Captured(self._out.getvalue(), self._err.getvalue(), images)


def open_figure_numbers() -> set[int]:
    """Numbers of the matplotlib figures open now (empty if pyplot was never imported)."""
    helpers = sys.modules.get("matplotlib._pylab_helpers")
    if helpers is None or "matplotlib.pyplot" not in sys.modules:
        return set()
    return {manager.num for manager in helpers.Gcf.get_all_fig_managers()}


def figures_opened_since(before: set[int], room: int) -> list[bytes]:
    """PNGs of figures opened during the cell and still open (non-inline backends, ``plt.ioff()``)."""
    helpers = sys.modules.get("matplotlib._pylab_helpers")
    if helpers is None or room <= 0 or "matplotlib.pyplot" not in sys.modules:
        return []
    images: list[bytes] = []
    for manager in helpers.Gcf.get_all_fig_managers():
        if manager.num in before or len(images) >= room:
            continue
        buffer = io.BytesIO()
        manager.canvas.figure.savefig(buffer, format="png", bbox_inches="tight")
        images.append(buffer.getvalue())
    return images
