"""The kernel's input history up to the tracked cell, as a script that can be re-run.

Every cell executed in the session so far (raw, as typed: magics and ``!``
commands included), each under an ``# In[N]:`` header like
``jupyter nbconvert --to script`` writes. Bounded: past the limit the
oldest cells are left out, with a note saying how many.
"""

from __future__ import annotations

from typing import Any

#: Largest history kept, in characters.
HISTORY_LIMIT = 1_000_000


def session_history(shell: Any, upto: int | None = None, *, limit: int = HISTORY_LIMIT) -> str:
    """The raw inputs ``In[1]`` .. ``In[upto]`` of ``shell`` as one script."""
    manager = getattr(shell, "history_manager", None)
    inputs = list(getattr(manager, "input_hist_raw", None) or shell.user_ns.get("In") or [])
    if upto is not None:
        inputs = inputs[: upto + 1]
    blocks: list[str] = []
    size = 0
    for number in range(len(inputs) - 1, 0, -1):
        block = f"# In[{number}]:\n{inputs[number].rstrip()}\n"
        if size + len(block) > limit and blocks:
            blocks.append(f"# ... {number} earlier cell(s) left out (history is cut at {limit} characters)\n")
            break
        blocks.append(block)
        size += len(block)
    return "\n".join(reversed(blocks))
