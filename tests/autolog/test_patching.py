"""Patching: idempotent, exactly reversible, lazy for later imports, never breaking the user's call."""

from __future__ import annotations

import importlib.util
import inspect
import json
import subprocess
import sys
import types
import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import nbtrack
from nbtrack.errors import InvalidValueError, NbtrackError
from nbtrack.integrations import AutologWarning
from nbtrack.integrations._registry import REGISTRY

from ._helpers import only_run


class Picky(LogisticRegression):
    """An estimator whose deep params cannot be read (autolog must still not break its fit)."""

    def get_params(self, deep=True):
        if deep:
            raise RuntimeError("no deep params here")
        return super().get_params(deep=False)


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    return X, (X[:, 0] > 0).astype(int)


def test_enable_twice_patches_once_and_disable_restores_the_originals(autolog):
    import keras
    import sklearn.base
    import xgboost
    from sklearn.linear_model import LogisticRegression

    originals = {
        "fit": LogisticRegression.__dict__["fit"],
        "train": xgboost.__dict__["train"],
        "score": sklearn.base.ClassifierMixin.__dict__["score"],
    }
    assert "fit" not in vars(keras.Model)  # inherited from the backend trainer
    autolog()
    first = len(REGISTRY.live())
    autolog()
    autolog("sklearn")
    assert len(REGISTRY.live()) == first
    assert LogisticRegression.fit.__wrapped__ is originals["fit"]  # one wrapper, never a wrapper of one
    assert "fit" in vars(keras.Model)
    autolog(disable=True)
    assert LogisticRegression.fit is originals["fit"]
    assert xgboost.train is originals["train"]
    assert sklearn.base.ClassifierMixin.score is originals["score"]
    assert "fit" not in vars(keras.Model)
    assert REGISTRY.live() == [] and not REGISTRY.hook.installed


def test_disable_one_library_leaves_the_others(autolog):
    import xgboost
    from sklearn.linear_model import LinearRegression

    original = LinearRegression.__dict__["fit"]
    autolog(["sklearn", "xgboost"])
    autolog("sklearn", disable=True)
    assert LinearRegression.fit is original
    assert hasattr(xgboost.train, "__nbtrack_autolog__")


def test_a_library_imported_after_autolog_is_patched_on_import(tmp_path):
    code = """
import json, sys, nbtrack
nbtrack.autolog()
before = 'sklearn' in sys.modules or 'lightgbm' in sys.modules
from sklearn.tree import DecisionTreeClassifier
import lightgbm
mark = '__nbtrack_autolog__'
patched = [hasattr(DecisionTreeClassifier.fit, mark), hasattr(lightgbm.train, mark)]
nbtrack.autolog(disable=True)
restored = [not hasattr(DecisionTreeClassifier.fit, mark), not hasattr(lightgbm.train, mark)]
hooks = [type(f).__name__ for f in sys.meta_path if type(f).__name__ == 'PostImportHook']
print(json.dumps([before, patched, restored, hooks]))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == [False, [True, True], [True, True], []]


def test_touching_nbtrack_autolog_imports_no_training_library():
    code = (
        "import sys, json, nbtrack; nbtrack.autolog; nbtrack.watch; "
        "print(json.dumps([m for m in ('sklearn', 'torch', 'xgboost', 'lightgbm', 'lightning', 'keras', "
        "'optuna', 'pandas', 'matplotlib') if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []


def test_nbtrack_autolog_is_a_plain_function_and_no_module_shares_its_name(autolog):
    import nbtrack.integrations as package

    assert inspect.isfunction(nbtrack.autolog) and nbtrack.autolog is package.autolog
    assert inspect.isfunction(nbtrack.watch) and nbtrack.watch is package.watch
    assert type(package) is types.ModuleType  # no class swapped in at import time
    assert importlib.util.find_spec("nbtrack.autolog") is None
    assert nbtrack.autolog("scikit-learn") == ["sklearn"]
    assert inspect.isfunction(nbtrack.autolog)  # still the function after the integration loaded


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"libraries": "tensorflow"}, "does not know 'tensorflow'"),
        ({"libraries": ["sklearn", 3]}, "does not know 3"),
        ({"max_tuning_runs": 0}, "max_tuning_runs"),
        ({"log_every_n_steps": "10"}, "log_every_n_steps"),
        ({"log_models": "yes"}, "log_models"),
        ({"disable": 1}, "disable"),
        ({"extra_tags": ["a"]}, "extra_tags"),
    ],
)
def test_bad_options_raise_a_clear_error_and_change_nothing(autolog, kwargs, needle):
    with nbtrack.start_run(run_name="kept") as run:
        nbtrack.log_metric("m", 1.0)
    libraries = kwargs.pop("libraries", None)
    with pytest.raises(InvalidValueError, match=needle) as info:
        autolog(libraries, **kwargs)
    assert isinstance(info.value, NbtrackError)
    assert REGISTRY.live() == [] and REGISTRY.configs == {}
    assert nbtrack.get_run(run.run_id).metrics == {"m": 1.0}


def test_a_logging_failure_keeps_the_fit_result_and_warns_once(autolog):
    from sklearn.linear_model import LogisticRegression

    X, y = _data()
    expected = LogisticRegression().fit(X, y).coef_
    autolog("sklearn")
    with pytest.warns(AutologWarning, match=r"could not log the estimator's params: RuntimeError"):
        model = Picky().fit(X, y)
    np.testing.assert_allclose(model.coef_, expected)
    with warnings.catch_warnings():
        warnings.simplefilter("error", AutologWarning)
        Picky().fit(X, y)  # the same failure again: no second warning
    assert nbtrack.runs()["status"].tolist() == ["FINISHED", "FINISHED"]
    assert "metrics.training_accuracy_score" in nbtrack.runs().columns  # the rest was logged


def test_silent_suppresses_the_warning(autolog):
    autolog("sklearn", silent=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Picky().fit(*_data())
    assert only_run()["status"] == "FINISHED"


def test_the_users_own_error_propagates_unchanged_and_the_run_fails(autolog):
    from sklearn.linear_model import LogisticRegression

    autolog("sklearn")
    X, _ = _data()
    with pytest.raises(ValueError, match=r"Unknown label type|classes") as info:
        LogisticRegression().fit(X, np.zeros(len(X)))  # one class: sklearn refuses
    run = only_run()
    assert run["status"] == "FAILED"
    assert "ValueError" in nbtrack.get_run(run["run_id"]).error
    assert type(info.value) is ValueError


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_bug_in_a_patch_falls_back_to_the_original_call(when):
    from nbtrack.integrations import AutologConfig

    calls = []

    class Toy:
        def fit(self, x):
            calls.append(x)
            return x * 2

    original = Toy.__dict__["fit"]

    def buggy(call_original, self, x):
        if when == "after":
            call_original(self, x)
        raise RuntimeError("a bug in autolog")

    REGISTRY.configs["toy"] = AutologConfig()
    REGISTRY.patch("toy", Toy, "fit", buggy)
    try:
        with pytest.warns(AutologWarning, match="a bug in autolog"):
            assert Toy().fit(3) == 6
        assert calls == [3]  # the user's training ran exactly once
    finally:
        REGISTRY.revert("toy")
    assert Toy.fit is original
