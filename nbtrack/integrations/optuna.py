"""Optuna autolog: ``Study.optimize`` records one child run per trial.

Inside a run (a ``%%track`` cell) the trials become children of that run and
the study's best trial is logged on it; outside any run the study gets a run
of its own (named after the study). Each trial's run has its params, its
value (``value``, or ``value_0``, ``value_1``... for several objectives), the
values it reported for pruning (``intermediate_value`` by step), its state (tag
``optuna.state``; FAILED runs for failed trials) and its duration.
Trials are recorded by a callback after they finish, so any storage works
and ``n_jobs > 1`` threads are safe. Fits inside the objective are not
logged separately: the trial is the record.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ._calls import bound_arguments, call_with
from ._registry import REGISTRY
from ._runs import AutologRun, enclosing_or_own_run

NAME = "optuna"
WATCH = ("optuna",)


def patch_module(module: ModuleType) -> None:
    """Patch ``optuna.study.Study.optimize``."""
    study = getattr(getattr(module, "study", None), "Study", None)
    if study is not None:
        REGISTRY.patch(NAME, study, "optimize", _patched_optimize)


def _patched_optimize(call_original: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
    with enclosing_or_own_run(NAME, self.study_name) as run:
        if run is None:
            return call_original(self, *args, **kwargs)
        arguments = bound_arguments(call_original.original, (self, *args), kwargs)
        arguments["callbacks"] = [*(arguments.get("callbacks") or []), _trial_recorder(run)]
        with run.safe("the study settings"):
            run.params(
                {
                    "optuna_study_name": self.study_name,
                    "optuna_directions": ",".join(d.name.lower() for d in self.directions),
                    "optuna_sampler": type(self.sampler).__name__,
                }
            )
        result = call_with(call_original, arguments)
        with run.safe("the study's best trial"):
            _log_best(run, self)
        return result


def _trial_recorder(run: AutologRun) -> Any:
    def record_trial(study: Any, trial: Any) -> None:
        with run.safe("a trial's run"):
            values = trial.values or []
            metrics: dict[str, Any] = {"value": values[0]} if len(values) == 1 else {}
            metrics.update({f"value_{i}": v for i, v in enumerate(values)} if len(values) > 1 else {})
            if trial.duration is not None:
                metrics["duration_s"] = trial.duration.total_seconds()
            state = trial.state.name
            run.child(
                f"trial {trial.number}",
                trial.params,
                metrics,
                status="FAILED" if state == "FAIL" else "FINISHED",
                series={"intermediate_value": dict(trial.intermediate_values)}
                if trial.intermediate_values
                else None,
                **{
                    "optuna.state": state,
                    "optuna.trial_number": trial.number,
                    "optuna.study": study.study_name,
                },
            )

    return record_trial


def _log_best(run: AutologRun, study: Any) -> None:
    from optuna.trial import TrialState

    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    run.metrics({"optuna_trials": len(study.trials), "optuna_complete_trials": len(complete)})
    if not complete:
        return
    if len(study.directions) == 1:
        best = study.best_trial
        run.metrics({"best_value": best.value, "best_trial_number": best.number})
        run.params({f"best_{k}": v for k, v in best.params.items()})
    else:
        run.metrics({"best_trials": len(study.best_trials)})
