"""Dicts of params, -p into a dict, --exclude, --param-prefix and ``# nbtrack: ignore``, in a real kernel."""

from __future__ import annotations

import nbtrack

from .conftest import run_notebook

FLAT = """%%track -e dicts -n flat --exclude ymax,xlim
params = {"n_estimators": 100, "max_depth": 8, "opt": {"lr": 0.1}, "": 1}
ymin = 2300  # nbtrack: ignore
ymax = 2400
xlim = (0, 5)
seed = 7
print("trees", params["n_estimators"])
"""

OVERRIDE = """%%track -e dicts -n override -p n_estimators=300
params = {
    "n_estimators": 100,
    "max_depth": 8,
}
seen = params["n_estimators"]
print("seen", seen)
"""

PREFIXED = """%%track -e dicts -n prefixed --param-prefix -p params/max_depth=3
params = {"n_estimators": 100, "max_depth": 8}
print("depth", params["max_depth"])
"""

#: Bad option values: each is a MagicUsageError and runs nothing (no "ran", no run stored).
REFUSED = [
    ("%%track --exclude nope\nalpha = 1\nprint('ran')\n", "--exclude nope: this cell has no parameter"),
    ("%%track --exclude ,alpha\nalpha = 1\nprint('ran')\n", "--exclude takes parameter names"),
    (
        "%%track --exclude ../x\nalpha = 1\nprint('ran')\n",
        "--exclude: --exclude key '../x' looks like a path",
    ),
    ("%%track -p params=5\nparams = {'a': 1}\nprint('ran')\n", "override an entry, e.g. -p a=1"),
    ("%%track -p ymin=0\nymin = 1  # nbtrack: ignore\nprint('ran')\n", "this cell has no parameters"),
    ("%%track --param-prefix -p a=2\nparams = {'a': 1}\nprint('ran')\n", "are: params/a."),
    ("%%track -p a=2 --exclude a\nparams = {'a': 1}\nprint('ran')\n", "-p a: this cell has no parameter"),
]


def test_dict_params_overrides_exclusions_and_prefix(project):
    cells = ["%load_ext nbtrack", FLAT, OVERRIDE, PREFIXED]
    cells += [source for source, _ in REFUSED]
    cells.append("import nbtrack\nlen(nbtrack.runs(experiment='*'))")
    nb = run_notebook(cells, cwd=project)
    for index in (1, 2, 3):
        assert nb.status(index) == "ok", nb.text(index)

    flat = nbtrack.runs(filter="params.n_estimators = '100'", experiment="dicts")
    assert flat["run_name"].tolist() == ["flat"]  # the dict's entries are searchable params
    run = nbtrack.get_run(flat["run_id"].iloc[0])
    assert run.params == {"n_estimators": "100", "max_depth": "8", "opt/lr": "0.1", "seed": "7"}
    card = nb.cards(1)[0]["data"]["text/plain"]
    assert "dict keys that cannot be param keys, not logged: ''" in card

    # -p rewrites the entry inside the dict before the cell runs: the code really used 300
    assert "seen 300" in nb.stream(2, "stdout")
    override = nbtrack.runs(filter="params.n_estimators = '300'", experiment="dicts")
    assert override["run_name"].tolist() == ["override"]
    run = nbtrack.get_run(override["run_id"].iloc[0])
    assert run.params == {"n_estimators": "300", "max_depth": "8"}
    assert run.tags["nbtrack.overrides"] == "n_estimators"
    source = nbtrack.load_text(run.run_id, "nbtrack/source.py").splitlines()
    assert source[2] == '    "n_estimators": 300,'
    assert "n_estimators=300 (-p, cell: 100)" in nb.cards(2)[0]["data"]["text/plain"]

    # --param-prefix: <dict>/<key>, found with the key as written in a filter
    assert "depth 3" in nb.stream(3, "stdout")
    prefixed = nbtrack.runs(filter="params.params/max_depth = '3'", experiment="dicts")
    assert prefixed["run_name"].tolist() == ["prefixed"]
    run = nbtrack.get_run(prefixed["run_id"].iloc[0])
    assert run.params == {"params/n_estimators": "100", "params/max_depth": "3"}

    for offset, (_, message) in enumerate(REFUSED):
        index = 4 + offset
        assert nb.status(index) == "error", index
        assert nb.errors(index)[0]["ename"] == "MagicUsageError", nb.text(index)
        assert message in nb.text(index) and "ran" not in nb.stream(index, "stdout")
    assert nb.outputs(len(cells) - 1)[0]["data"]["text/plain"] == "3"  # refused cells stored no run
