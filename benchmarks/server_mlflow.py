"""MLflow side of bench_server.py, run with the peers venv's Python (MLflow is never in .venv).

``populate STORE RUNS POINTS``: an MLflow SQLite store with RUNS runs (5 params, 5 metrics each)
and one more run holding POINTS points of ``loss``; prints {"history_run": id, "experiment": id}.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def populate(store: Path, runs: int, points: int) -> dict:
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{store / 'mlflow.db'}")
    experiment = client.create_experiment("bench-server", artifact_location=(store / "artifacts").as_uri())
    stamp = int(time.time() * 1000)
    for i in range(runs):
        run = client.create_run(experiment, run_name=f"run-{i}")
        client.log_batch(
            run.info.run_id,
            metrics=[Metric(f"m{k}", (i * 7 + k) % 100 / 100, stamp, 0) for k in range(5)],
            params=[Param(f"p{k}", f"v{(i + k) % 10}") for k in range(5)],
        )
        client.set_terminated(run.info.run_id)
    run = client.create_run(experiment, run_name="history")
    for start in range(0, points, 1000):
        batch = [Metric("loss", 1.0 / (s + 1), stamp + s, s) for s in range(start, min(points, start + 1000))]
        client.log_batch(run.info.run_id, metrics=batch)
    client.set_terminated(run.info.run_id)
    return {"history_run": run.info.run_id, "experiment": experiment}


if __name__ == "__main__":
    command, store, runs, points = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    assert command == "populate", command
    print(json.dumps(populate(store, runs, points)))
