"""The widgets' TypeScript type-checks (esbuild, which bundles it, does not check types)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LABEXTENSION = Path(__file__).resolve().parents[2] / "labextension"


def test_widget_sources_type_check():
    jlpm = shutil.which("jlpm") or str(Path(sys.executable).parent / "jlpm")
    if not (LABEXTENSION / "node_modules" / "typescript").is_dir() or not Path(jlpm).exists():
        message = "labextension/node_modules is missing: `pip install -e .` (or `jlpm install`) creates it"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    result = subprocess.run(
        [jlpm, "check:widgets"], cwd=LABEXTENSION, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
