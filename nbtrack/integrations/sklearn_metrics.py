"""scikit-learn metrics: training metrics after ``fit``, post-training metrics after it.

Training metrics use MLflow's names and arguments (``training_accuracy_score``,
weighted averages, ``roc_auc`` one-vs-one) so values match MLflow's exactly.
Post-training metrics follow MLflow too: ``model.predict(X_test)`` remembers
which fitted model and which variable produced the predictions; a later
``sklearn.metrics.f1_score(y_test, pred)`` logs ``f1_score_X_test`` to that
model's run, and ``model.score(X_test, y_test)`` logs ``<Class>_score_X_test``.
"""

from __future__ import annotations

import contextlib
import inspect
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._registry import REGISTRY, guarded
from ._runs import AutologRun, as_number, log_late_metric
from ._varnames import user_var_name

PREFIX = "training_"
#: sklearn.metrics names that are not metrics (MLflow leaves the same ones alone).
NOT_METRICS = frozenset({"check_scoring", "get_scorer", "make_scorer", "get_scorer_names"})
#: At most this many prediction results are remembered (older ones are forgotten).
MAX_TRACKED_PREDICTIONS = 10_000


def training_metrics(
    estimator: Any, X: Any, y: Any, sample_weight: Any
) -> tuple[dict[str, float], dict[str, Any] | None]:
    """MLflow's training metrics for a fitted classifier or regressor, and the confusion matrix.

    The metrics are empty without labels; the confusion matrix (``{"labels": [...],
    "matrix": [[...]]}``, rows are true labels) is None but for single-label classifiers.

    Accuracy, precision, recall, F1 (weighted) and the regression errors are computed
    from one prediction with numpy, using scikit-learn's formulas (the parity test
    checks the values against MLflow's); log loss and ROC AUC call scikit-learn.
    """
    from sklearn.base import is_classifier, is_regressor

    if y is None:
        return {}, None
    found: dict[str, Any] = {}
    confusion = None
    if is_classifier(estimator):
        y_pred = estimator.predict(X)
        found.update(_classifier_scores(estimator, X, y, y_pred, sample_weight))
        counts = class_counts(y, y_pred, None)
        if counts is not None:
            confusion = {"labels": [str(v) for v in counts[0]], "matrix": counts[1].astype(int).tolist()}
    elif is_regressor(estimator):
        y_pred = estimator.predict(X)
        found.update(_regressor_scores(y, y_pred, sample_weight))
    mixin_score = _mixin_score(estimator)
    if mixin_score is not None and mixin_score in found:
        found["score"] = found[mixin_score]  # what ClassifierMixin/RegressorMixin.score return
    elif hasattr(estimator, "score"):
        takes_weight = "sample_weight" in inspect.signature(estimator.score).parameters
        args = (X, y, sample_weight) if takes_weight else (X, y)
        _try(found, "score", estimator.score, *args)
    return {PREFIX + k: v for k, v in found.items() if as_number(v) is not None}, confusion


def _classifier_scores(estimator: Any, X: Any, y: Any, y_pred: Any, weight: Any) -> dict[str, Any]:
    from sklearn import metrics

    found: dict[str, Any] = {}
    counts = class_counts(y, y_pred, weight)
    if counts is not None:
        matrix = counts[1]
        tp, pred_sum, true_sum = np.diag(matrix), matrix.sum(axis=0), matrix.sum(axis=1)
        found["precision_score"] = float(np.average(_divide(tp, pred_sum), weights=true_sum))
        found["recall_score"] = float(np.average(_divide(tp, true_sum), weights=true_sum))
        found["f1_score"] = float(np.average(_divide(2 * tp, true_sum + pred_sum), weights=true_sum))
        found["accuracy_score"] = float(tp.sum() / matrix.sum())
    else:  # multilabel or multioutput targets: scikit-learn's own functions
        for name in ("precision_score", "recall_score", "f1_score"):
            _try(found, name, getattr(metrics, name), y, y_pred, average="weighted", sample_weight=weight)
        _try(found, "accuracy_score", metrics.accuracy_score, y, y_pred, sample_weight=weight)
    if hasattr(estimator, "predict_proba"):
        proba = estimator.predict_proba(X)
        _try(found, "log_loss", metrics.log_loss, y, proba, sample_weight=weight)
        score = proba[:, 1] if getattr(proba, "ndim", 0) == 2 and proba.shape[1] == 2 else proba
        _try(
            found, "roc_auc", metrics.roc_auc_score, y, score,
            average="weighted", sample_weight=weight, multi_class="ovo",
        )  # fmt: skip
    return found


def class_counts(y: Any, y_pred: Any, weight: Any) -> tuple[Any, Any] | None:
    """Sorted labels and the (weighted) confusion matrix of 1-D targets, or None for other targets."""
    y_true, y_hat = np.asarray(y), np.asarray(y_pred)
    if y_true.ndim != 1 or y_hat.ndim != 1 or len(y_true) != len(y_hat) or len(y_true) == 0:
        return None
    try:
        labels = np.unique(np.concatenate([y_true, y_hat]))
    except TypeError:  # labels of mixed types: let scikit-learn explain
        return None
    n = len(labels)
    index = np.searchsorted(labels, y_true) * n + np.searchsorted(labels, y_hat)
    weights = None if weight is None else np.asarray(weight, dtype=float)
    matrix = np.bincount(index, weights=weights, minlength=n * n).reshape(n, n)
    return labels, matrix


def _divide(numerator: Any, denominator: Any) -> Any:
    """scikit-learn's zero-division rule: 0 where the denominator is 0."""
    numerator, denominator = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator != 0)


def _regressor_scores(y: Any, y_pred: Any, weight: Any) -> dict[str, Any]:
    y_true, y_hat = np.asarray(y, dtype=float), np.asarray(y_pred, dtype=float)
    if y_true.ndim == 2 and y_true.shape[1] == 1:
        y_true = y_true.ravel()
    if y_hat.ndim == 2 and y_hat.shape[1] == 1:
        y_hat = y_hat.ravel()
    if y_true.shape != y_hat.shape or y_true.ndim != 1:
        return _regressor_scores_sklearn(y, y_pred, weight)
    w = None if weight is None else np.asarray(weight, dtype=float)
    mse = float(np.average((y_true - y_hat) ** 2, weights=w))
    found = {
        "mean_squared_error": mse,
        "mean_absolute_error": float(np.average(np.abs(y_true - y_hat), weights=w)),
        "root_mean_squared_error": float(np.sqrt(mse)),
    }
    total = np.average((y_true - np.average(y_true, weights=w)) ** 2, weights=w)
    if total != 0:  # scikit-learn's r2 of a constant target is a special case: let it decide
        found["r2_score"] = float(1 - mse / total)
    else:
        found.update(
            {k: v for k, v in _regressor_scores_sklearn(y, y_pred, weight).items() if k == "r2_score"}
        )
    return found


def _regressor_scores_sklearn(y: Any, y_pred: Any, weight: Any) -> dict[str, Any]:
    from sklearn import metrics

    found: dict[str, Any] = {}
    for name in ("mean_squared_error", "mean_absolute_error", "r2_score"):
        _try(found, name, getattr(metrics, name), y, y_pred, sample_weight=weight)
    if "mean_squared_error" in found:
        found["root_mean_squared_error"] = float(np.sqrt(found["mean_squared_error"]))
    return found


def _mixin_score(estimator: Any) -> str | None:
    """The metric ``estimator.score`` is, when it is the plain ClassifierMixin/RegressorMixin one."""
    from sklearn.base import ClassifierMixin, RegressorMixin

    owner = next((c for c in type(estimator).__mro__ if "score" in vars(c)), None)
    return {ClassifierMixin: "accuracy_score", RegressorMixin: "r2_score"}.get(owner)


def _try(found: dict[str, Any], name: str, fn: Callable, *args: Any, **kwargs: Any) -> None:
    with contextlib.suppress(Exception):  # a metric that does not apply (log loss on one class) is skipped
        found[name] = fn(*args, **kwargs)


@dataclass
class PostTraining:
    """Which fitted model produced which predictions, to name later metric calls."""

    model_runs: weakref.WeakKeyDictionary = field(default_factory=weakref.WeakKeyDictionary)
    predictions: dict[int, tuple[str, str]] = field(default_factory=dict)  # id(result) -> (run, dataset)
    datasets: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # (run, name) -> ids
    calls: dict[tuple[str, str], int] = field(default_factory=dict)  # (run, metric) -> count
    #: estimator -> (run id, enclosing run id, last step) of its ``partial_fit`` calls
    partial: weakref.WeakKeyDictionary = field(default_factory=weakref.WeakKeyDictionary)

    def remember_model(self, model: Any, run: AutologRun) -> None:
        """Post-training metrics of ``model`` go to ``run``."""
        with contextlib.suppress(TypeError):  # not weak-referenceable: no post-training metrics for it
            self.model_runs[model] = run.run_id

    def dataset_name(self, run_id: str, data: Any, name: str | None) -> str:
        """``X_test``, or ``X_test-2`` for a second, different object of that name."""
        base = name or "unknown_dataset"
        seen = self.datasets.setdefault((run_id, base), [])
        if id(data) not in seen:
            seen.append(id(data))
        index = seen.index(id(data))
        return base if index == 0 else f"{base}-{index + 1}"

    def metric_key(self, run_id: str, metric: str, dataset: str) -> str:
        count = self.calls.get((run_id, metric), 0)
        self.calls[(run_id, metric)] = count + 1
        return f"{metric if count == 0 else f'{metric}-{count + 1}'}_{dataset}"

    def remember_prediction(self, result: Any, run_id: str, dataset: str) -> None:
        key = id(result)
        if len(self.predictions) >= MAX_TRACKED_PREDICTIONS:
            self.predictions.pop(next(iter(self.predictions)))
        self.predictions[key] = (run_id, dataset)
        with contextlib.suppress(TypeError):  # lists/tuples: kept until pushed out by newer ones
            weakref.finalize(result, self.predictions.pop, key, None)


def _state() -> PostTraining | None:
    config = REGISTRY.configs.get("sklearn")
    if config is None or not config.log_post_training_metrics or REGISTRY.current is not None:
        return None
    return REGISTRY.state.get("sklearn")


def patched_predict(call_original: Callable, self: Any, *args: Any, **kwargs: Any) -> Any:
    """``predict``/``predict_proba``/...: remember which model and dataset made the result."""
    state = _state()
    run_id = state.model_runs.get(self) if state is not None else None
    if state is None or run_id is None:
        return call_original(self, *args, **kwargs)
    data = args[0] if args else next(iter(kwargs.values()), None)
    name = user_var_name(data)
    with REGISTRY.quiet():
        result = call_original(self, *args, **kwargs)
    with guarded("sklearn", "a post-training prediction"):
        state.remember_prediction(result, run_id, state.dataset_name(run_id, data, name))
    return result


def patched_score(call_original: Callable, self: Any, *args: Any, **kwargs: Any) -> Any:
    """``model.score(X, y)`` on a fitted model: log ``<Class>_score_<X's name>`` to its run."""
    state = _state()
    run_id = state.model_runs.get(self) if state is not None else None
    if state is None or run_id is None:
        return call_original(self, *args, **kwargs)
    data = args[0] if args else kwargs.get("X")
    name = user_var_name(data)
    with REGISTRY.quiet():
        value = call_original(self, *args, **kwargs)
    with guarded("sklearn", "a post-training score"):
        dataset = state.dataset_name(run_id, data, name)
        log_late_metric(run_id, state.metric_key(run_id, f"{type(self).__name__}_score", dataset), value)
    return value


def patched_metric(call_original: Any, *args: Any, **kwargs: Any) -> Any:
    """A ``sklearn.metrics`` function given predictions of a fitted model: log it to that model's run."""
    state = _state()
    if state is None:
        return call_original(*args, **kwargs)
    with REGISTRY.quiet():
        value = call_original(*args, **kwargs)
    with guarded("sklearn", "a post-training metric"):
        for arg in (*args, *kwargs.values()):
            found = state.predictions.get(id(arg))
            if found is not None:
                run_id, dataset = found
                key = state.metric_key(run_id, call_original.original.__name__, dataset)
                log_late_metric(run_id, key, value)
                break
    return value
