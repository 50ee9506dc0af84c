"""What the session remembers about a run while it is active in this process."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(eq=False)
class RunState:
    """One run this process logs to: ids, params so far and the next step per key."""

    run_id: str
    experiment_id: str
    run_name: str
    parent_run_id: str | None
    owner_pid: int
    start_ms: int
    params: dict[str, str] = field(default_factory=dict)
    next_step: dict[str, int] = field(default_factory=dict)
    #: False for a run that is only logged to by id (not started here).
    active: bool = True
