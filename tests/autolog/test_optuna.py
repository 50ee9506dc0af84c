"""Optuna autolog: a child run per trial, the best trial on the parent, any storage, threads."""

from __future__ import annotations

import pytest

import nbtrack

from ._helpers import child_runs


@pytest.fixture(autouse=True)
def quiet_optuna():
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)


def _objective(trial):
    x = trial.suggest_float("x", -4, 4)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    if x > 3.5:
        raise ValueError("outside the valid range")
    return (x - 1) ** 2 + (0.5 if kind == "b" else 0.0)


def test_trials_are_children_of_the_cell_run_with_the_best_on_it(autolog):
    import optuna

    autolog("optuna")
    study = optuna.create_study(study_name="quadratic", sampler=optuna.samplers.RandomSampler(seed=0))
    with nbtrack.start_run() as cell:
        study.optimize(_objective, n_trials=8, catch=(ValueError,))
    trials = child_runs(cell.run_id)
    assert len(trials) == 8
    record = nbtrack.get_run(cell.run_id)
    assert record.metrics["best_value"] == pytest.approx(study.best_value)
    assert record.metrics["best_trial_number"] == study.best_trial.number
    assert record.params["best_x"] == str(study.best_params["x"])
    assert record.params["optuna_study_name"] == "quadratic"
    by_number = trials.set_index("tags.optuna.trial_number")
    for trial in study.trials:
        row = by_number.loc[str(trial.number)]
        assert row["params.x"] == str(trial.params["x"])
        assert row["tags.optuna.state"] == trial.state.name
        assert row["status"] == ("FAILED" if trial.state.name == "FAIL" else "FINISHED")
        if trial.value is not None:
            assert row["metrics.value"] == pytest.approx(trial.value)
        assert row["metrics.duration_s"] >= 0


def test_pruning_reports_become_a_series_on_the_trial_run(autolog):
    import optuna

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        for step in range(3):
            trial.report(x * (step + 1), step)
        return x

    autolog("optuna")
    study = optuna.create_study()
    study.optimize(objective, n_trials=2)
    parent = nbtrack.runs(filter="parent_run_id IS NULL")["run_id"].iloc[0]
    for run_id in child_runs(parent)["run_id"]:
        history = nbtrack.metric_history(run_id, "intermediate_value")
        assert history["step"].tolist() == [0, 1, 2]
        x = float(nbtrack.get_run(run_id).params["x"])
        assert history["value"].tolist() == pytest.approx([x, 2 * x, 3 * x])


def test_outside_a_run_the_study_gets_its_own_run_with_any_storage(autolog, tmp_path):
    import optuna

    autolog("optuna")
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    study = optuna.create_study(study_name="stored", storage=storage, directions=["minimize", "maximize"])
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), n_trials=4, n_jobs=2)
    parents = nbtrack.runs(filter="parent_run_id IS NULL")
    assert parents["run_name"].tolist() == ["stored"]
    children = child_runs(parents["run_id"].iloc[0])
    assert len(children) == 4
    assert children["metrics.value_0"].notna().all() and children["metrics.value_1"].notna().all()
    assert nbtrack.active_run() is None


def test_fits_inside_an_objective_are_not_extra_runs(autolog):
    import numpy as np
    import optuna
    from sklearn.linear_model import Ridge

    autolog(["optuna", "sklearn"])
    X = np.random.default_rng(0).normal(size=(20, 2))
    y = X.sum(axis=1)
    study = optuna.create_study()
    study.optimize(lambda t: Ridge(alpha=t.suggest_float("alpha", 0.1, 1)).fit(X, y).score(X, y), n_trials=3)
    assert len(nbtrack.runs()) == 1 + 3
