"""Live curves: the kernel-side feed, pushes from the widget's thread, the freeze at the end."""

from __future__ import annotations

import time

import numpy as np
import pytest

import nbtrack
from nbtrack.errors import InvalidValueError, NoActiveRunError
from nbtrack.widgets._live_feed import LiveFeed
from nbtrack.wire import read_ipc

from ._wire import Wire


def wait_for(condition, timeout: float = 20.0) -> None:
    """Poll until ``condition()`` holds (a generous bound for a loaded machine, not a speed test)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the widget did not get there in time"
        time.sleep(0.02)


def test_feed_keeps_bounded_points_with_the_extremes():
    feed = LiveFeed("run", "name", None, max_points=400)
    values = np.sin(np.arange(100_000) / 500.0)
    values[77_777] = 9.0  # a spike must survive downsampling
    for step, value in enumerate(values):
        feed("run", "loss", step, 1_700_000_000_000 + step, float(value))
        feed("other-run", "loss", step, 0, 0.0)  # other runs are ignored
        if step % 20_000 == 0:
            feed.drain()
    kept = feed.drain()
    assert feed.total == 100_000
    assert len(kept) <= 400
    assert kept["value"].max() == 9.0 and kept["value"].min() == pytest.approx(values.min())
    assert kept["step"].iloc[0] == 0 and kept["step"].iloc[-1] == 99_999


def test_feed_filters_metrics_and_drains_only_news():
    feed = LiveFeed("run", "name", {"loss"}, max_points=100)
    feed("run", "accuracy", 0, 0, 1.0)
    assert feed.drain() is None
    feed("run", "loss", 0, 0, 1.0)
    assert feed.drain()["metric"].tolist() == ["loss"]
    assert feed.drain() is None


def test_live_pushes_while_the_run_logs_and_freezes_at_the_end(recorded_comms):
    session = nbtrack.get_session()
    with nbtrack.start_run(run_name="training") as run:
        nbtrack.log_metric("loss", 1.0, step=0)  # before live(): seeded from the store
        widget = nbtrack.live()
        wire = Wire(widget)
        assert widget._feed in session.metric_listeners
        for step in range(1, 40):
            nbtrack.log_metric("loss", 1 / (step + 1), step=step)
        wait_for(lambda: widget.points >= 39)
        nbtrack.log_metric("accuracy", 0.5, step=0)  # a new metric: a new spec
        wait_for(lambda: len(widget._metrics) == 2)
        start = wire.mark()
        for step in range(40, 60):
            nbtrack.log_metric("loss", 1 / (step + 1), step=step)
        wait_for(lambda: any("rows" in u for u in wire.updates(start)))
        streamed = [u for u in wire.updates(start) if "rows" in u]
        assert all("chart" not in u for u in streamed)  # rows only: the spec is not resent
        latest = read_ipc(streamed[-1]["rows"]["data"])
        assert streamed[-1]["rows"]["name"] in widget.chart["spec"]["datasets"]
        assert set(latest.column("metric").to_pylist()) == {"loss", "accuracy"}
        assert widget.state == "running"
    wait_for(lambda: widget.state == "done")
    assert widget._feed not in session.metric_listeners
    assert not widget._thread.is_alive()
    (final,) = [read_ipc(data) for data in widget.chart["data"].values()]
    frame = final.to_pandas()
    loss = frame.loc[frame["metric"] == "loss", "step"].tolist()
    assert sorted(loss) == list(range(60))
    assert run.run_id == widget._run.run_id


def test_static_representation_is_a_png_once_done(recorded_comms):
    with nbtrack.start_run(run_name="short"):
        widget = nbtrack.live()
        nbtrack.log_metric("loss", 0.5)
        assert "image/png" not in widget._repr_mimebundle_()[0]
    wait_for(lambda: widget.state == "done")
    data, _ = widget._repr_mimebundle_()
    assert data["image/png"].startswith(b"\x89PNG")
    assert data["text/plain"] == "nbtrack live curves of run short (done): loss"


def test_live_needs_a_running_run_and_checks_its_arguments(recorded_comms):
    with pytest.raises(NoActiveRunError, match="inside a %%track cell"):
        nbtrack.live()
    with nbtrack.start_run():
        with pytest.raises(InvalidValueError, match="x must be one of"):
            nbtrack.live(x="epoch")
        with pytest.raises(InvalidValueError, match="max_points must be an integer of at least 4"):
            nbtrack.live(max_points=2)
        with pytest.raises(InvalidValueError, match="columns must be a list"):
            nbtrack.live(metrics=[3])
        assert nbtrack.get_session().metric_listeners == []


def test_stop_unsubscribes_at_once(recorded_comms):
    with nbtrack.start_run():
        widget = nbtrack.live(metrics="loss")
        widget.stop()
        assert widget.state == "stopped"
        assert widget._feed not in nbtrack.get_session().metric_listeners
        assert not widget._thread.is_alive()
