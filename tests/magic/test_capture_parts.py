"""The capture modules on their own: git on real repositories, output, seeds, imports, card, options."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from nbtrack.capture import card, environment, git, history, seeds
from nbtrack.capture.lineage import RunSummary
from nbtrack.capture.output import BoundedText, OutputCapture
from nbtrack.errors import MagicUsageError
from nbtrack.magics.options import check


def _git(folder, *args: str) -> str:
    command = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args]
    return subprocess.run(command, cwd=folder, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repository(tmp_path):
    folder = tmp_path / "repo"
    folder.mkdir()
    _git(folder, "init", "-q", "-b", "main")
    (folder / "model.py").write_text("DEPTH = 1\n")
    _git(folder, "add", "model.py")
    _git(folder, "commit", "-q", "-m", "one")
    return folder


def test_head_is_read_without_git_even_from_packed_refs_and_detached(repository):
    sub = repository / "a" / "b"
    sub.mkdir(parents=True)
    assert git.find_root(sub) == repository
    head = git.read_head(repository)
    assert head.branch == "main" and head.commit == _git(repository, "rev-parse", "HEAD")
    _git(repository, "pack-refs", "--all")
    assert not (repository / ".git" / "refs" / "heads" / "main").exists()
    assert git.read_head(repository).commit == head.commit
    _git(repository, "checkout", "-q", "--detach")
    detached = git.read_head(repository)
    assert detached.branch is None and detached.commit == head.commit


def test_a_linked_worktree_reads_its_own_branch(repository, tmp_path):
    _git(repository, "worktree", "add", "-q", "-b", "side", str(tmp_path / "side"))
    head = git.read_head(tmp_path / "side")
    assert head.branch == "side" and head.commit == _git(repository, "rev-parse", "HEAD")


def test_snapshot_lists_changes_diffs_code_not_notebooks_and_reuses_an_unchanged_diff(repository):
    probe = git.GitProbe()
    clean = probe.snapshot(repository)
    assert clean is not None and not clean.dirty
    (repository / "model.py").write_text("DEPTH = 2\n")
    (repository / "new.txt").write_text("x\n")
    (repository / "explore.ipynb").write_text('{"cells": []}\n')
    (repository / ".nbtrack").mkdir()
    (repository / ".nbtrack" / "nbtrack.duckdb").write_text("store")
    tree = probe.snapshot(repository)
    assert tree.dirty and tree.changed == ["model.py"]
    assert sorted(tree.untracked) == ["explore.ipynb", "new.txt"]
    assert "-DEPTH = 1" in tree.diff and "+DEPTH = 2" in tree.diff
    assert "untracked new.txt" in tree.as_text()
    assert probe.snapshot(repository) is tree  # nothing changed: the diff is not taken again
    (repository / "model.py").write_text("DEPTH = 30\n")
    assert "+DEPTH = 30" in probe.snapshot(repository).diff


def test_the_diff_is_cut_at_the_limit(repository):
    (repository / "model.py").write_text("x = 1\n" * 50_000)
    tree = git.GitProbe().snapshot(repository, limit=10_000)
    assert tree.truncated and len(tree.diff) == 10_000
    assert "cut at" in tree.as_text()


def test_bounded_text_keeps_the_start_and_the_end():
    text = BoundedText(limit=100)
    for i in range(1000):
        text.write(f"{i:04d}\n")
    value = text.getvalue()
    assert value.startswith("0000\n0001") and value.rstrip().endswith("0999")
    assert "characters left out" in value and len(value) < 200


def test_output_capture_tees_and_puts_everything_back():
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display

    shell = InteractiveShell.instance()
    publisher = shell.display_pub
    stdout, stderr = sys.stdout, sys.stderr
    capture = OutputCapture(shell)
    capture.start()
    try:
        print("hello")
        print("oops", file=sys.stderr)
        display({"image/png": b"\x89PNG fake", "text/plain": "img"}, raw=True)
    finally:
        captured = capture.stop()
    assert sys.stdout is stdout and sys.stderr is stderr
    assert "publish" not in vars(publisher)
    assert captured.stdout.startswith("hello\n") and captured.stderr == "oops\n"
    assert captured.images == [b"\x89PNG fake"]


def test_seeds_are_read_from_calls_and_keywords():
    source = (
        "import numpy as np, random, torch\n"
        "np.random.seed(42)\nrandom.seed(SEED)\ntorch.manual_seed(n)\n"
        "rng = np.random.default_rng(7)\n"
        "model = Forest(random_state=0).fit(x)\n"
        "split(x, random_state=None)\n"
    )
    sites = seeds.find_seed_sites(ast.parse(source), source)
    found = seeds.resolve_seeds(sites, {"SEED": 3, "n": "not an int"})
    assert found == {
        "numpy.random.seed": 42,
        "random.seed": 3,
        "numpy.random.default_rng": 7,
        "Forest.random_state": 0,
        "split.random_state": None,
    }
    assert seeds.seeds_tag(found).startswith("numpy.random.seed=42 random.seed=3")


def test_imports_of_the_cell_and_of_the_session():
    source = "import numpy as np, os\nfrom sklearn.ensemble import X\nif True:\n    import scipy.stats\n"
    assert environment.imported_modules(ast.parse(source), source) == ["numpy", "os", "sklearn", "scipy"]
    session = environment.SessionImports()
    assert session.update(["", "import pandas as pd", "x = 1"]) == ["pandas"]
    assert session.update(["", "import pandas as pd", "x = 1", "from json import dumps\nimport a.b, c"]) == [
        "pandas",
        "json",
        "a",
        "c",
    ]
    names = environment.packages_for_cell(["numpy", "os", "nbtrack"], ["pandas", "json", "numpy"])
    assert names == ["numpy", "pandas"]
    versions = environment.VersionCache().versions(["numpy", "pytest", "os", "no_such_module_x"])
    assert set(versions) == {"numpy", "pytest"}


def test_history_is_a_script_bounded_from_the_oldest_cell():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    start = len(shell.history_manager.input_hist_raw)
    for cell in ("a = 1", "%time b = 2", "c = 3"):
        shell.run_cell(cell, store_history=True)
    text = history.session_history(shell, start + 1)
    assert text.endswith(f"# In[{start}]:\na = 1\n\n# In[{start + 1}]:\n%time b = 2\n")
    cut = history.session_history(shell, None, limit=30)
    assert cut.startswith(f"# ... {start + 1} earlier cell(s) left out") and cut.endswith("c = 3\n")


def test_the_card_escapes_text_and_shows_changes():
    data = card.CardData(
        run_id="a" * 32,
        run_name="<script>",
        experiment="exp",
        status="FINISHED",
        duration_s=1.5,
        params={"depth": "12", "model": "rf"},
        overridden={"depth": "8"},
        metrics={"acc": 0.91},
        previous=RunSummary("b" * 32, "prev", "FINISHED", {"depth": "10", "model": "rf"}, {"acc": 0.9}),
    )
    bundle = card.render(data)
    assert "<script>" not in bundle["text/html"] and "&lt;script&gt;" in bundle["text/html"]
    text = bundle["text/plain"]
    assert "depth=12 (-p, cell: 8)" in text and "changed  depth 10 → 12" in text
    assert "acc=0.91 ▲ +0.01" in text and "%nbtrack compare aaaaaaaa bbbbbbbb" in text
    assert bundle[card.MIME_TYPE]["previous_run_id"] == "b" * 32


def _options(line: str):
    from IPython.core.magic_arguments import parse_argstring

    from nbtrack.magics import NbtrackMagics

    return check(parse_argstring(NbtrackMagics.track, line))


def test_options_are_checked_before_anything_runs():
    options = _options("-n 'my run' --tags team=growth,stage='dev' --metrics acc,loss --metrics acc --nested")
    assert options.name == "my run" and options.tags == {"team": "growth", "stage": "dev"}
    assert options.metrics == ["acc", "loss"] and options.nested and options.capture
    for line, message in (
        ("-e ''", "-e/--experiment needs a name"),
        ("--tags novalue", "--tags takes key=value pairs"),
        ("--tags ../x=1", "--tags: tag key '../x' looks like a path"),
        ("--metrics a-b", "not variable names: a-b"),
    ):
        with pytest.raises(MagicUsageError, match=message):
            _options(line)
