"""Runs for the widget tests, logged through the public API into the test's own store."""

from __future__ import annotations

import math

import nbtrack


def log_runs(count: int, experiment: str = "exp", *, curves: int = 0, name: str = "run-{i:03d}") -> list[str]:
    """``count`` finished runs: params model/depth/lr, metric accuracy = i/count, tag team.

    The first ``curves`` runs also log a 50-point ``loss`` curve. Returns the run ids in order.
    """
    nbtrack.set_experiment(experiment)
    ids = []
    for i in range(count):
        with nbtrack.start_run(run_name=name.format(i=i)) as run:
            nbtrack.log_params(
                {"model": ("rf", "xgb")[i % 2], "depth": i % 7 + 2, "lr": round(0.001 * (i + 1), 6)}
            )
            if i < curves:
                nbtrack.log_batch({"loss": [math.exp(-s / (5 + i)) for s in range(50)]})
            nbtrack.log_metric("accuracy", i / count)
            nbtrack.set_tag("team", "a" if i < count // 2 else "b")
            ids.append(run.run_id)
    return ids
