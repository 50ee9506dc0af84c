"""Keras 3 autolog: ``keras.Model.fit`` (any backend; tests use ``KERAS_BACKEND=torch``).

A callback is passed to each ``fit`` call (the user's list is not changed).
It logs the fit arguments, the optimizer and its settings, the loss, the model
summary as ``model_summary.txt``, every epoch's metrics (validation included)
with the epoch as the step, early stopping state, and the model as
``model/model.keras``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ._artifacts import log_dataset, log_input_example, log_model, saved_bytes
from ._calls import bound_arguments, call_with
from ._registry import REGISTRY
from ._runs import AutologRun, autolog_run
from ._varnames import user_var_name

NAME = "keras"
WATCH = ("keras",)
FIT_PARAMS = (
    "batch_size",
    "epochs",
    "validation_split",
    "shuffle",
    "class_weight",
    "initial_epoch",
    "steps_per_epoch",
    "validation_steps",
    "validation_batch_size",
    "validation_freq",
)


def patch_module(module: ModuleType) -> None:
    """Patch ``keras.Model.fit`` (inherited from the backend trainer; removed again on disable)."""
    model = getattr(module, "Model", None)
    if model is not None:
        REGISTRY.patch(NAME, model, "fit", _patched_fit)


def _patched_fit(call_original: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
    with autolog_run(NAME, self.name or type(self).__name__) as run:
        if run is None:
            return call_original(self, *args, **kwargs)
        arguments = bound_arguments(call_original.original, (self, *args), kwargs)
        with run.safe("the fit arguments"):
            run.params({k: arguments[k] for k in FIT_PARAMS if k in arguments})
        _log_inputs(run, arguments.get("x"))
        callbacks = list(arguments.get("callbacks") or [])
        arguments["callbacks"] = [*callbacks, _callback(run)]
        history = call_with(call_original, arguments)
        _after_fit(run, self, callbacks)
        return history


def _log_inputs(run: AutologRun, x: Any) -> None:
    """Dataset facts and input example for array-like ``x`` (not for generators or datasets)."""
    if getattr(x, "shape", None) is None:
        return
    if run.config.log_datasets:
        with run.safe("the training dataset's description"):
            log_dataset(run, "train", x, user_var_name(x))
    if run.config.log_input_examples:
        with run.safe("an input example"):
            log_input_example(run, x)


def _callback(run: AutologRun) -> Any:
    import keras

    class NbtrackCallback(keras.callbacks.Callback):
        """Logs compile settings at the start and each epoch's logs."""

        def on_train_begin(self, logs: Any = None) -> None:
            with run.safe("the optimizer and loss settings"):
                run.params(_compile_params(self.model))
            with run.safe("the model summary"):
                lines: list[str] = []
                self.model.summary(print_fn=lambda line, *a, **k: lines.append(line))
                run.artifact("model_summary.txt", "\n".join(lines).encode())

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            with run.safe("epoch metrics"):
                run.metrics(dict(logs or {}), step=epoch)

    return NbtrackCallback()


def _compile_params(model: Any) -> dict[str, Any]:
    params: dict[str, Any] = {}
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        params["optimizer_name"] = type(optimizer).__name__
        for key, value in optimizer.get_config().items():
            if key != "name" and (value is None or isinstance(value, (int, float, str, bool))):
                params[f"optimizer_{key}"] = value
    loss = getattr(model, "loss", None)
    if loss is not None:
        params["loss"] = getattr(loss, "__name__", None) or getattr(loss, "name", None) or str(loss)
    return params


def _after_fit(run: AutologRun, model: Any, callbacks: list[Any]) -> None:
    import keras

    with run.safe("early stopping state"):
        for callback in callbacks:
            if isinstance(callback, keras.callbacks.EarlyStopping):
                run.params(
                    {
                        f"early_stopping_{k}": getattr(callback, k, None)
                        for k in ("monitor", "min_delta", "patience", "baseline", "restore_best_weights")
                    }
                )
                stopped = callback.stopped_epoch
                metrics = {"stopped_epoch": stopped}
                if callback.restore_best_weights and stopped > 0:
                    metrics["restored_epoch"] = max(stopped - callback.patience, 0)
                run.metrics(metrics)
    if run.config.log_models:
        with run.safe("the model"):
            log_model(
                run,
                {"model.keras": saved_bytes(model.save, "model.keras")},
                flavor=NAME,
                distribution="keras",
                model=model,
            )
