"""A separate venv with MLflow, for the parity test and the autolog benchmark.

MLflow is never installed into the project's ``.venv`` (it pins versions that would
change ours). It goes to ``.venv-mlflow/`` at the repository root (git-ignored), with
the same scikit-learn, XGBoost and LightGBM versions as ``.venv``; pip's download
cache makes a re-creation cheap. ``benchmarks/.peers-venv`` is reused when it already
has MLflow and exactly those versions.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MLFLOW = "mlflow==3.17.2"  # the newest MLflow whose mlflow-skinny is on the index (benchmarks/README.md)
SAME_AS_OURS = ("scikit-learn", "xgboost", "lightgbm")


def wanted() -> dict[str, str]:
    """The library versions the MLflow venv must share with this interpreter."""
    return {name: metadata.version(name) for name in SAME_AS_OURS}


def _versions(python: Path) -> dict[str, str] | None:
    code = (
        "import json; from importlib import metadata as m; "
        f"print(json.dumps({{n: m.version(n) for n in ('mlflow', *{SAME_AS_OURS!r})}}))"
    )
    try:
        out = subprocess.run(
            [str(python), "-c", code], capture_output=True, text=True, timeout=120, check=True
        )
        return json.loads(out.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def _fits(python: Path) -> bool:
    found = _versions(python)
    return found is not None and all(found.get(k) == v for k, v in wanted().items())


def mlflow_python(*, create: bool = True) -> Path | None:
    """A Python with MLflow and our library versions, creating ``.venv-mlflow`` if needed."""
    for folder in (ROOT / ".venv-mlflow", ROOT / "benchmarks" / ".peers-venv"):
        python = folder / "bin" / "python"
        if python.exists() and _fits(python):
            return python
    if not create:
        return None
    folder = ROOT / ".venv-mlflow"
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True, timeout=300)
    python = folder / "bin" / "python"
    pins = [f"{name}=={version}" for name, version in wanted().items()]
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", MLFLOW, *pins], check=True, timeout=1800
    )  # pip's own download cache is used, so a second creation downloads nothing
    return python if _fits(python) else None
