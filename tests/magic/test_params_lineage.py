"""Parameters, overrides and lineage, in a real kernel."""

from __future__ import annotations

import nbtrack

from .conftest import Cell, run_notebook

LITERALS = """%%track -e params -n literals --metrics val_acc
n_estimators = 200
lr = 1e-3
depth = -4
model = "rf"
use_gpu = False
weights = None
layers = [64, 32]
shape = (3, -1)
config = {"a": 1, "b": [True, None]}
choices = {1, 2}
ratio: float = 0.5
width, name = 8, 'w'
x = y = 7
_private = 1
computed = max(1, 2)
label = f"{model}-x"
n_estimators += 0
log_metric("loss", 0.5)
val_acc = 0.75 + depth / 100
val_acc * 2
"""

OVERRIDE = """%%track -e params -n override -p max_depth=12 -p "model=xgb" -p "a=[1, 2]"
max_depth = 8
model = 'rf'
grid = {
    'a': 1,
}
after = max_depth * 10
raise ValueError(f"depth {max_depth} after {after}")
"""


def test_literal_forms_overrides_and_lineage(project):
    cells = [
        "%load_ext nbtrack",
        Cell(LITERALS, "cell-literals"),
        Cell(OVERRIDE, "cell-override"),
        Cell(OVERRIDE.replace("max_depth=12", "max_depth=16"), "cell-override"),
        Cell("%%track -p nope=1 -p other=2\nalpha = 0.1\nprint('ran')\n", "cell-unknown"),
        Cell("%%track -p alpha=abc\nalpha = 0.1\nprint('ran')\n", "cell-badvalue"),
        "%%track -p x=1\nprint('ran')\n",
        "%%track --bogus\npass\n",
        "import nbtrack\nlen(nbtrack.runs(experiment='*'))",
        "%%track\nimport asyncio\nprint('ran')\nawait asyncio.sleep(0)",
        "len(nbtrack.runs(experiment='*'))",
    ]
    nb = run_notebook(cells, cwd=project)
    assert nb.status(1) == "ok", nb.text(1)
    out = [o for o in nb.outputs(1) if o["output_type"] == "execute_result"]
    assert out and out[0]["data"]["text/plain"] == "1.42"  # the last expression still displays

    frame = nbtrack.runs(experiment="params", order_by=["start_time"])
    literal = nbtrack.get_run(frame["run_id"].iloc[0])
    assert literal.params == {
        "n_estimators": "200",
        "lr": "0.001",
        "depth": "-4",
        "model": "rf",
        "use_gpu": "False",
        "weights": "None",
        "layers": "[64, 32]",
        "shape": "(3, -1)",
        "a": "1",  # config = {"a": 1, ...}: one param per key
        "b": "[True, None]",
        "choices": "{1, 2}",
        "ratio": "0.5",
        "width": "8",
        "name": "w",
        "x": "7",
        "y": "7",
    }
    assert literal.metrics == {"loss": 0.5, "val_acc": 0.71}
    assert literal.tags["nbtrack.cell_id"] == "cell-literals"
    assert literal.status == "FINISHED"

    # -p replaces the value in the AST: the error says 12, the traceback points at line 8 of the cell
    assert nb.status(2) == "error" and len(nb.errors(2)) == 1
    error = nb.errors(2)[0]
    assert error["ename"] == "ValueError" and error["evalue"] == "depth 12 after 120"
    traceback = nb.text(2)
    assert "line 8" in traceback and 'raise ValueError(f"depth {max_depth} after {after}")' in traceback
    first = nbtrack.get_run(frame["run_id"].iloc[1])
    assert first.status == "FAILED" and "ValueError: depth 12 after 120" in first.error
    assert "line 8" in first.error and "interactiveshell.py" not in first.error
    assert first.params == {"max_depth": "12", "model": "xgb", "a": "[1, 2]"}
    assert first.tags["nbtrack.overrides"] == "max_depth,model,a"
    source = nbtrack.load_text(first.run_id, "nbtrack/source.py").splitlines()
    assert source[0].startswith("# %%track -e params")
    assert source[1:6] == ["max_depth = 12", "model = 'xgb'", "grid = {", "    'a': [1, 2],", "}"]
    assert source[7] == 'raise ValueError(f"depth {max_depth} after {after}")'

    # re-executing the same cell: a new run linked to the previous one, the card shows the diff
    second = nbtrack.get_run(frame["run_id"].iloc[2])
    assert second.tags["nbtrack.previous_run_id"] == first.run_id
    assert second.params["max_depth"] == "16"
    card = nb.cards(3)[0]["data"]
    assert "max_depth 12 → 16" in card["text/plain"] and "max_depth=16 (-p, cell: 8)" in card["text/plain"]
    assert card["application/vnd.nbtrack.run+json"]["previous_run_id"] == first.run_id
    assert "max_depth 12 → 16" in card["text/html"]

    # an unknown -p names the cell's parameters and runs nothing
    for index, expected in ((4, "nope, other: this cell has no parameter"), (5, "not a Python literal")):
        assert nb.status(index) == "error"
        assert expected in nb.text(index) and "ran" not in nb.stream(index, "stdout")
        assert nb.errors(index)[0]["ename"] == "MagicUsageError"
    assert "Its parameters (top-level assignments of literals and the entries of dicts" in nb.text(4)
    assert "of literals) are: alpha." in nb.text(4)
    assert "this cell has no parameters" in nb.text(6)
    assert nb.status(7) == "error" and "See %%track? for the options" in nb.text(7)
    assert "Traceback" not in nb.text(7)
    assert nb.outputs(8)[0]["data"]["text/plain"] == "3"  # nothing was recorded for the refused cells
    assert nb.status(9) == "error" and "top level" in nb.text(9) and "ran" not in nb.stream(9, "stdout")
    assert nb.outputs(10)[0]["data"]["text/plain"] == "3"
