"""``nbtrack.watch(model)``: parameter count and gradient norms of a plain PyTorch model.

It adds one post-accumulate-grad hook per trainable parameter. A backward pass
is complete when every watched parameter has reported once; every
``log_every`` such passes the gradient norms are logged with the pass number
as the step. The hooks write only to the run that was active when ``watch``
was called and remove themselves when it has ended; ``handle.remove()`` or
``nbtrack.autolog(disable=True)`` removes them too.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import InvalidValueError, NoActiveRunError
from ..tracking.session import get_session
from ._registry import REGISTRY


class WatchHandle:
    """What ``watch`` returns: ``remove()`` detaches the hooks; ``steps`` counts backward passes."""

    def __init__(self, model: Any, run_id: str, log_every: int, per_parameter: bool) -> None:
        self.run_id = run_id
        self.log_every = log_every
        self.per_parameter = per_parameter
        self.steps = 0
        self._params = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
        self._seen: set[int] = set()
        self._hooks: list[Any] = []
        self._state = get_session().run_for(run_id, "watch")

    def attach(self) -> None:
        for _, param in self._params:
            self._hooks.append(param.register_post_accumulate_grad_hook(self._on_grad))
        REGISTRY.undo.append(self.remove)

    def remove(self) -> None:
        """Detach every hook (idempotent)."""
        for hook in self._hooks:
            hook.remove()
        self._hooks.clear()
        if self.remove in REGISTRY.undo:
            REGISTRY.undo.remove(self.remove)

    def _on_grad(self, param: Any) -> None:
        if not self._state.active:
            self.remove()  # the run has ended: stop, never write into a later run
            return
        if id(param) in self._seen:
            self._seen.clear()  # some parameters got no gradient last pass: count it as done
        self._seen.add(id(param))
        if len(self._seen) == len(self._params):
            self._seen.clear()
            self.steps += 1
            if self.steps % self.log_every == 0:
                self._log_norms()

    def _log_norms(self) -> None:
        session = get_session()
        total = 0.0
        for name, param in self._params:
            if param.grad is None:
                continue
            norm = float(param.grad.detach().norm(2))
            total += norm * norm
            if self.per_parameter:
                session.log_metric(f"grad_norm/{name}", norm, self.steps, None, self.run_id)
        session.log_metric("grad_norm/total", math.sqrt(total), self.steps, None, self.run_id)


def watch(model: Any, *, log_every: int = 100, per_parameter: bool = True) -> WatchHandle:
    """Record a PyTorch model's parameter counts and, every ``log_every`` backward passes, gradient norms.

    Call it inside a run (``%%track`` cell or ``with nbtrack.start_run():``).
    Logs params ``param_count`` and ``trainable_param_count`` now, then metrics
    ``grad_norm/total`` and ``grad_norm/<parameter name>`` with the backward
    pass number as the step.
    """
    if not hasattr(model, "named_parameters"):
        raise InvalidValueError(f"watch takes a torch.nn.Module, got {type(model).__name__}")
    if isinstance(log_every, bool) or not isinstance(log_every, int) or log_every < 1:
        raise InvalidValueError(f"watch(log_every=...) takes a positive integer, got {log_every!r}")
    session = get_session()
    state = session.active_run
    if state is None:
        raise NoActiveRunError(
            "watch needs a run: add %%track to the cell, or call it inside `with nbtrack.start_run():`"
        )
    params = list(model.parameters())
    session.log_params(
        {
            "param_count": sum(p.numel() for p in params),
            "trainable_param_count": sum(p.numel() for p in params if p.requires_grad),
        },
        state.run_id,
    )
    handle = WatchHandle(model, state.run_id, log_every, per_parameter)
    handle.attach()
    return handle
