"""PyTorch Lightning, Keras 3 (torch backend) and ``nbtrack.watch`` on tiny real models."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nbtrack
from nbtrack.errors import InvalidValueError, NoActiveRunError

from ._helpers import child_runs, only_run


def _loader(n=64, batch=8):
    from torch.utils.data import DataLoader, TensorDataset

    generator = torch.Generator().manual_seed(0)
    X = torch.randn(n, 4, generator=generator)
    return DataLoader(TensorDataset(X, X.sum(dim=1)), batch_size=batch)


def _lightning_module():
    import lightning.pytorch as L

    class Regressor(L.LightningModule):
        def __init__(self, lr: float = 0.05, hidden: int = 8):
            super().__init__()
            self.save_hyperparameters()
            self.net = torch.nn.Sequential(
                torch.nn.Linear(4, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1)
            )

        def training_step(self, batch, index):
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.net(x).squeeze(-1), y)
            self.log("train_loss", loss)
            return loss

        def validation_step(self, batch, index):
            x, y = batch
            self.log("val_loss", torch.nn.functional.mse_loss(self.net(x).squeeze(-1), y))

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=self.hparams.lr, momentum=0.9)

    return Regressor


def test_lightning_fit(autolog, tmp_path):
    import lightning.pytorch as L
    from lightning.pytorch.callbacks import EarlyStopping

    autolog("lightning", log_every_n_steps=2)
    trainer = L.Trainer(
        max_epochs=3,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[EarlyStopping("val_loss", patience=5)],
        default_root_dir=tmp_path,
    )
    model = _lightning_module()(lr=0.03)
    with nbtrack.start_run() as cell:
        trainer.fit(model, _loader(), _loader(16))
    (run,) = child_runs(cell.run_id).itertuples()
    record = nbtrack.get_run(run.run_id)
    assert run.run_name == "Regressor"
    assert record.params["lr"] == "0.03" and record.params["hidden"] == "8"
    assert record.params["epochs"] == "3"
    assert record.params["optimizer_name"] == "SGD" and record.params["optimizer_momentum"] == "0.9"
    assert record.params["early_stopping_monitor"] == "val_loss"
    assert record.params["early_stopping_patience"] == "5"
    assert "early_stopping_wait_count" in record.metrics
    steps = nbtrack.metric_history(run.run_id, "train_loss")["step"].tolist()
    assert steps == [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24]  # every 2 of 24 global steps
    assert nbtrack.metric_history(run.run_id, "val_loss")["step"].tolist() == [8, 16, 24]
    assert record.tags["checkpoint_path"].endswith(".ckpt")
    assert "Sequential" in nbtrack.load_text(run.run_id, "model_summary.txt")
    blob = nbtrack.download_artifacts(run.run_id, "model/state_dict.pt", tmp_path / "dl")
    state = torch.load(blob, weights_only=True)
    assert torch.equal(state["net.0.weight"], model.state_dict()["net.0.weight"])
    assert not any(type(c).__name__ == "NbtrackCallback" for c in trainer.callbacks)


def test_keras_fit(autolog):
    import keras

    autolog("keras")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(48, 4)).astype("float32")
    y = X.sum(axis=1)
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    stop = keras.callbacks.EarlyStopping(patience=1, restore_best_weights=True)
    callbacks = [stop]
    history = model.fit(X, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0, callbacks=callbacks)
    run = only_run()
    record = nbtrack.get_run(run["run_id"])
    assert record.params["epochs"] == "3" and record.params["batch_size"] == "16"
    assert record.params["validation_split"] == "0.25"
    assert record.params["optimizer_name"] == "Adam" and record.params["loss"] == "mse"
    assert float(record.params["optimizer_learning_rate"]) == pytest.approx(0.01)
    assert record.params["early_stopping_patience"] == "1"
    for key in ("loss", "mae", "val_loss", "val_mae"):
        logged = nbtrack.metric_history(run["run_id"], key)
        assert logged["value"].tolist() == pytest.approx(history.history[key]), key
        assert logged["step"].tolist() == list(range(len(history.history[key])))
    assert "stopped_epoch" in record.metrics
    assert "Total params" in nbtrack.load_text(run["run_id"], "model_summary.txt")
    assert callbacks == [stop]  # the user's list is not changed
    paths = set(nbtrack.list_artifacts(run["run_id"])["path"])
    assert {"model/model.keras", "model/meta.json"} <= paths
    facts = nbtrack.load_dict(run["run_id"], "datasets/train.json")
    assert facts["name"] == "X" and facts["shape"] == [48, 4]


def test_watch_two_line_pattern_logs_param_count_and_grad_norms():
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Linear(3, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    with nbtrack.start_run() as run:
        handle = nbtrack.watch(model, log_every=2)
        for step, (x, y) in enumerate(_loader(48)):
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x).squeeze(-1), y)
            loss.backward()
            optimizer.step()
            nbtrack.log_metrics({"loss": loss.item()}, step=step)
        expected = float(torch.sqrt(sum(p.grad.norm() ** 2 for p in model.parameters())))
    record = nbtrack.get_run(run.run_id)
    assert record.params["param_count"] == str(4 * 3 + 3 + 3 + 1)
    total = nbtrack.metric_history(run.run_id, "grad_norm/total")
    assert total["step"].tolist() == [2, 4, 6]
    assert total["value"].iloc[-1] == pytest.approx(expected, rel=1e-5)
    assert nbtrack.metric_history(run.run_id, "grad_norm/0.weight")["step"].tolist() == [2, 4, 6]
    assert handle.steps == 6
    # the run has ended: the next backward pass removes the hooks and logs nothing
    model(torch.randn(2, 4)).sum().backward()
    assert handle.steps == 6
    model(torch.randn(2, 4)).sum().backward()
    assert handle._hooks == []


def test_watch_bad_input():
    with pytest.raises(NoActiveRunError, match="watch needs a run"):
        nbtrack.watch(torch.nn.Linear(2, 1))
    with nbtrack.start_run() as run:
        with pytest.raises(InvalidValueError, match=r"torch\.nn\.Module"):
            nbtrack.watch("model")
        with pytest.raises(InvalidValueError, match="log_every"):
            nbtrack.watch(torch.nn.Linear(2, 1), log_every=0)
    assert nbtrack.get_run(run.run_id).params == {}


def test_watch_hooks_go_away_on_disable():
    model = torch.nn.Linear(2, 1)
    with nbtrack.start_run():
        handle = nbtrack.watch(model, log_every=1)
        nbtrack.autolog(disable=True)
        assert handle._hooks == []
        model(torch.randn(3, 2)).sum().backward()
        assert handle.steps == 0
