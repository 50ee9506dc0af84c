"""Run the parity workloads under ``mlflow.autolog()`` and print what MLflow recorded as JSON.

Runs in the separate MLflow venv: ``python _mlflow_side.py TRACKING_DIR``. For each
workload: every run it created, with params, metrics (latest values), tags and parent.
"""

from __future__ import annotations

import json
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
warnings.filterwarnings("ignore")


def main(tracking_dir: str) -> None:
    import _parity_workloads
    import mlflow
    from mlflow import MlflowClient

    mlflow.set_tracking_uri(f"sqlite:///{tracking_dir}/mlflow.db")
    mlflow.set_experiment("parity")
    mlflow.autolog(log_models=False, log_datasets=False, log_input_examples=False, silent=True)
    client = MlflowClient()
    experiment = mlflow.get_experiment_by_name("parity").experiment_id
    out = {}
    for name, workload in _parity_workloads.WORKLOADS.items():
        before = {r.info.run_id for r in client.search_runs([experiment], max_results=10_000)}
        workload()
        created = [
            r for r in client.search_runs([experiment], max_results=10_000) if r.info.run_id not in before
        ]
        out[name] = [
            {
                "run_id": r.info.run_id,
                "parent": r.data.tags.get("mlflow.parentRunId"),
                "params": r.data.params,
                "metrics": r.data.metrics,
                "tags": {k: v for k, v in r.data.tags.items() if not k.startswith("mlflow.")},
            }
            for r in created
        ]
    print("PARITY-JSON " + json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
