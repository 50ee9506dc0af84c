"""Which store the server reads: NBTRACK_URI, else the .nbtrack/ found from the server's root directory."""

from __future__ import annotations

from pathlib import Path

import pytest

import nbtrack
from nbtrack.server.state import server_store_root


def test_nbtrack_uri_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NBTRACK_URI", str(tmp_path / "elsewhere"))
    assert server_store_root(tmp_path / "root") == tmp_path / "elsewhere" / ".nbtrack"


def test_discovered_from_the_root_dir_upwards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("NBTRACK_URI")
    (tmp_path / "project" / ".nbtrack").mkdir(parents=True)
    (tmp_path / "project" / "notebooks").mkdir()
    assert server_store_root(tmp_path / "project" / "notebooks") == tmp_path / "project" / ".nbtrack"
    assert server_store_root(tmp_path / "bare") == tmp_path / "bare" / ".nbtrack"


@pytest.fixture
def root_store(jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs written into <server root>/.nbtrack, with NBTRACK_URI unset (as a plain `jupyter lab`)."""
    monkeypatch.delenv("NBTRACK_URI")
    nbtrack.connect(jp_root_dir)
    with nbtrack.start_run(run_name="in-root"):
        pass
    nbtrack.connect(nbtrack.store_path() + "-other")  # this process now points elsewhere
    return "in-root"


async def test_the_server_reads_the_store_of_its_root_dir(root_store, api, jp_root_dir):
    names = [r["run_name"] for r in (await api("runs")).json["runs"]]
    assert names == [root_store]
    assert nbtrack.store_path() == str((jp_root_dir / ".nbtrack").resolve())
