"""Two core behaviours the magic relies on (small fixes made in tracking/session.py)."""

from __future__ import annotations

import nbtrack


def test_child_run_stays_in_its_parents_experiment():
    with nbtrack.start_run(experiment="churn", run_name="cell") as parent:
        with nbtrack.start_run(nested=True, run_name="fit") as child:
            pass
        with nbtrack.start_run(nested=True, run_name="elsewhere", experiment="other") as moved:
            pass
    assert nbtrack.get_run(child.run_id).experiment_name == "churn"
    assert nbtrack.get_run(child.run_id).parent_run_id == parent.run_id
    assert nbtrack.get_run(moved.run_id).experiment_name == "other"


def test_a_finished_run_tagged_later_by_id_can_still_be_deleted():
    with nbtrack.start_run(run_name="done") as run:
        nbtrack.log_metric("m", 1.0)
    nbtrack.set_tag("late", "yes", run_id=run.run_id)  # e.g. a git diff that arrives after the cell
    nbtrack.delete_run(run.run_id)
    assert nbtrack.runs(experiment="*").empty
    assert nbtrack.get_run(run.run_id).tags["late"] == "yes"
