"""An autologged call's run ends by the one exception -> status rule (``tracking.rows.status_for``)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import nbtrack

from ._helpers import only_run


class Leaves:
    """Training data that leaves ``fit`` the way it is told to, when sklearn reads it."""

    def __init__(self, leave: BaseException) -> None:
        self.leave = leave

    def __array__(self, dtype=None, copy=None):
        raise self.leave


@pytest.mark.parametrize(
    ("leave", "status", "error"),
    [
        (SystemExit(0), "FINISHED", None),
        (SystemExit(None), "FINISHED", None),
        (SystemExit(3), "FAILED", "SystemExit: 3"),
        (KeyboardInterrupt(), "KILLED", "KeyboardInterrupt"),
    ],
)
def test_the_run_of_a_call_ends_as_its_exception_says(autolog, leave, status, error):
    autolog("sklearn")
    with pytest.raises(type(leave)):
        LogisticRegression().fit(np.zeros((4, 2)), np.array([0, 1, 0, 1]), sample_weight=Leaves(leave))
    run = only_run()
    assert run["status"] == status
    stored = nbtrack.get_run(run["run_id"]).error
    assert stored is None if error is None else error in stored
