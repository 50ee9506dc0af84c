"""Artifacts: content-addressed files of runs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import nbtrack
from nbtrack.artifacts import ArtifactNotFoundError
from nbtrack.errors import InvalidKeyError, InvalidValueError, RunNotFoundError


def test_log_and_read_each_kind(tmp_path):
    source = tmp_path / "notes.md"
    source.write_text("# hello")
    folder = tmp_path / "outputs"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("a")
    (folder / "sub" / "b.txt").write_text("b")
    with nbtrack.start_run() as run:
        nbtrack.log_artifact(source)
        nbtrack.log_artifact(folder, "out")
        nbtrack.log_text("some text", "logs/stdout.txt")
        nbtrack.log_dict({"lr": 0.1, "layers": [1, 2]}, "config.json")
        nbtrack.log_table(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), "tables/t.parquet")
        nbtrack.log_table({"a": [1]}, "tables/t.csv")
    listing = nbtrack.list_artifacts(run.run_id)
    assert listing["path"].tolist() == [
        "config.json",
        "logs/stdout.txt",
        "notes.md",
        "out/a.txt",
        "out/sub/b.txt",
        "tables/t.csv",
        "tables/t.parquet",
    ]
    assert listing.set_index("path").loc["notes.md", "media_type"] == "text/markdown"
    assert nbtrack.load_text(run.run_id, "logs/stdout.txt") == "some text"
    assert nbtrack.load_dict(run.run_id, "config.json") == {"lr": 0.1, "layers": [1, 2]}
    assert nbtrack.load_table(run.run_id, "tables/t.parquet")["b"].tolist() == ["x", "y"]
    assert nbtrack.load_table(run.run_id, "tables/t.csv")["a"].tolist() == [1]
    local = Path(nbtrack.download_artifacts(run.run_id, "out", tmp_path / "dl"))
    assert (local / "sub" / "b.txt").read_text() == "b"


def test_same_content_is_stored_once(store_dir):
    for _ in range(3):
        with nbtrack.start_run():
            nbtrack.log_text("identical", "x.txt")
    files = [p for p in (store_dir / "artifacts").rglob("*") if p.is_file()]
    assert len(files) == 1
    assert files[0].name == nbtrack.sql("select distinct sha256 from artifacts")["sha256"].iloc[0]


def test_relogging_a_path_replaces_it():
    with nbtrack.start_run() as run:
        nbtrack.log_text("v1", "model.txt")
        nbtrack.log_text("v2", "model.txt")
    assert nbtrack.load_text(run.run_id, "model.txt") == "v2"
    assert len(nbtrack.list_artifacts(run.run_id)) == 1


def test_figure_and_image():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots()
    ax.plot([1, 2, 3])
    with nbtrack.start_run() as run:
        nbtrack.log_figure(fig, "plots/curve.png")
        nbtrack.log_figure(fig, "plots/curve.svg")
        nbtrack.log_image(np.zeros((4, 4, 3)), "img.png")
    plt.close(fig)
    listing = nbtrack.list_artifacts(run.run_id).set_index("path")
    assert listing.loc["plots/curve.png", "media_type"] == "image/png"
    png = nbtrack.artifacts.artifact_local_path(run.run_id, "plots/curve.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert b"<svg" in nbtrack.artifacts.artifact_local_path(run.run_id, "plots/curve.svg").read_bytes()


@pytest.mark.parametrize("path", ["../x", "a/../../x", "/etc/passwd", "a//b", "a\\b", "", "./a", "C:x"])
def test_unsafe_artifact_paths_are_refused(path, store_dir):
    with nbtrack.start_run() as run, pytest.raises(InvalidKeyError):
        nbtrack.log_text("x", path)
    assert nbtrack.list_artifacts(run.run_id).empty
    assert not (store_dir / "artifacts").exists() or not any((store_dir / "artifacts").rglob("*.txt"))


def test_bad_artifact_input():
    with nbtrack.start_run() as run:
        with pytest.raises(InvalidValueError):
            nbtrack.log_artifact("/no/such/file")
        with pytest.raises(InvalidValueError):
            nbtrack.log_text(b"bytes", "x.txt")  # type: ignore[arg-type]
        with pytest.raises(InvalidValueError, match="matplotlib or plotly"):
            nbtrack.log_figure(1, "f.png")
        with pytest.raises(InvalidValueError, match="parquet"):
            nbtrack.log_table({"a": [1]}, "t.xlsx")
        nbtrack.log_text("kept", "kept.txt")
    with pytest.raises(ArtifactNotFoundError, match=r"kept\.txt"):
        nbtrack.load_text(run.run_id, "missing.txt")
    with pytest.raises(RunNotFoundError):
        nbtrack.load_text("0" * 32, "kept.txt")
    assert nbtrack.load_text(run.run_id, "kept.txt") == "kept"
    assert json.loads(json.dumps(nbtrack.list_artifacts(run.run_id)["path"].tolist())) == ["kept.txt"]
