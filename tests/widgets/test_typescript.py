"""The TypeScript of the sidebar and the widgets: type-checked, linted and formatted (Biome),
its shared helpers unit-tested, and both built bundles made from the one shared module."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LABEXTENSION = ROOT / "labextension"
WIDGET_BUNDLES = ROOT / "nbtrack" / "widgets" / "static"
SIDEBAR_BUNDLES = ROOT / "nbtrack" / "labextension" / "static"
# Text of labextension/shared/vega.ts and of shared/format.ts (formatDuration) that minifying keeps.
SHARED_VEGA = "nbtrack charts load nothing from the network"
SHARED_FORMAT = "} ms`"


def _missing(what: str) -> None:
    message = f"{what}: `pip install -e .` (or `jlpm install && jlpm build` in labextension/) creates it"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _jlpm(script: str) -> subprocess.CompletedProcess[str]:
    """Run a labextension/package.json script; skip (fail in CI) without node_modules."""
    jlpm = shutil.which("jlpm") or str(Path(sys.executable).parent / "jlpm")
    if not (LABEXTENSION / "node_modules" / "typescript").is_dir() or not Path(jlpm).exists():
        _missing("labextension/node_modules is missing")
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [jlpm, script], cwd=LABEXTENSION, capture_output=True, text=True, timeout=300, env=env
    )


@pytest.mark.parametrize("script", ["check:widgets", "check:lib"])
def test_sources_type_check(script: str) -> None:
    # esbuild, which bundles the widgets, does not check types; tsc does, for both trees
    result = _jlpm(script)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("script", ["lint", "format:check"])
def test_biome_passes(script: str) -> None:
    result = _jlpm(script)
    fix = "`jlpm format` rewrites the files" if script == "format:check" else "see the rule's page"
    assert result.returncode == 0, f"jlpm {script} failed ({fix}):\n{result.stdout}{result.stderr}"


def test_shared_helpers_unit_tests() -> None:
    # labextension/test/*.test.ts: the helpers' cases, and the sidebar's run facts and the
    # widgets' table cells written by the same functions (one duration format)
    result = _jlpm("test")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout and "# pass 0" not in result.stdout


def test_both_builds_bundle_the_shared_module() -> None:
    # the sidebar's own code is one chunk (the newest, should an old build have left one behind)
    sidebar = sorted(SIDEBAR_BUNDLES.glob("lib_src_index_js.*.js"), key=lambda path: path.stat().st_mtime)
    table, compare = WIDGET_BUNDLES / "table.js", WIDGET_BUNDLES / "compare.js"
    if not sidebar or not table.exists() or not compare.exists():
        _missing("the built sidebar or widget bundles are missing")
    wanted = {sidebar[-1]: (SHARED_VEGA, SHARED_FORMAT), table: (SHARED_FORMAT,), compare: (SHARED_VEGA,)}
    stale = [
        f"{path.relative_to(ROOT)} lacks {marker!r}"
        for path, markers in wanted.items()
        for marker in markers
        if marker not in path.read_text(encoding="utf-8")
    ]
    assert not stale, f"built without labextension/shared/ (stale? `jlpm build` in labextension/): {stale}"
