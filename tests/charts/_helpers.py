"""Data makers and rendering checks shared by the chart tests."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from nbtrack.charts import to_png, to_scenegraph

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def history(
    runs: int = 3, metrics: tuple[str, ...] = ("loss",), steps: int = 50, seed: int = 0
) -> pd.DataFrame:
    """A long history frame: run, metric, step, value, timestamp (1 s per step)."""
    rng = np.random.default_rng(seed)
    frames = []
    for r in range(runs):
        for m in metrics:
            frames.append(
                pd.DataFrame(
                    {
                        "run": f"run-{r}",
                        "metric": m,
                        "step": np.arange(steps),
                        "value": np.exp(-np.arange(steps) / 20) + rng.normal(0, 0.02, steps) + 0.1 * r + 0.5,
                        "timestamp": pd.to_datetime(
                            1_700_000_000_000 + 1000 * np.arange(steps) + 7000 * r, unit="ms", utc=True
                        ),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def runs_table(n: int = 12, seed: int = 1) -> pd.DataFrame:
    """A run table shaped like nbtrack.runs(): params as text, metrics as floats."""
    rng = np.random.default_rng(seed)
    depth = rng.integers(2, 12, n)
    lr = 10 ** rng.uniform(-4, -1, n)
    model = np.array(["rf", "gb", "lr"])[np.arange(n) % 3]
    return pd.DataFrame(
        {
            "run_id": [f"{i:02d}{'ab' * 15}" for i in range(n)],
            "run_name": [f"trial-{i}" for i in range(n)],
            "status": ["FINISHED"] * (n - 1) + ["FAILED"],
            "params.max_depth": [str(d) for d in depth],
            "params.lr": [repr(float(v)) for v in lr],
            "params.model": model,
            "params.seed": ["0"] * n,
            "metrics.accuracy": 0.9 - 0.01 * np.abs(depth - 6) + rng.normal(0, 0.002, n),
            "metrics.loss": rng.uniform(0.1, 0.5, n),
            "tags.owner": ["ana"] * n,
        }
    )


def png(chart: Any) -> bytes:
    """Render with vl-convert; proves the spec is valid Vega-Lite."""
    data = to_png(chart, scale=1.0)
    assert data.startswith(PNG_MAGIC) and len(data) > 1000
    return data


def drawn(chart: Any) -> Counter:
    """What Vega drew for the data (axes and legends left out).

    Keys are mark types; a line mark counts one per series, every other mark
    one per item.
    """
    counts: Counter = Counter()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("role") == "mark":
                kind = node["marktype"]
                counts[kind] += (
                    (1 if node.get("items") else 0) if kind in ("line", "area") else len(node["items"])
                )
            for value in node.values():
                if isinstance(value, (dict, list)):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(to_scenegraph(chart)["scenegraph"])
    return counts


def rows(spec: dict) -> list[dict]:
    """All inline rows of a spec (Altair moves them to top-level datasets)."""
    return [row for values in spec.get("datasets", {}).values() for row in values]


def marks(spec: Any) -> list[str]:
    """Every mark type named anywhere in a spec."""
    found: list[str] = []
    if isinstance(spec, dict):
        mark = spec.get("mark")
        if mark is not None:
            found.append(mark if isinstance(mark, str) else mark["type"])
        for key, value in spec.items():
            if key != "datasets":
                found.extend(marks(value))
    elif isinstance(spec, list):
        for value in spec:
            found.extend(marks(value))
    return found
