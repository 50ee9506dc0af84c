"""Artifacts autolog writes: the model under ``model/``, dataset facts, importance tables and charts.

Until nbtrack has a model format, a fitted model is stored in its library's
own format (pickle for scikit-learn, ``.json`` for XGBoost, ``.txt`` for
LightGBM, a ``state_dict`` for torch, ``.keras`` for Keras) next to a small
``model/meta.json`` saying what it is and which library version wrote it.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import platform
import tempfile
from collections.abc import Mapping, Sequence
from importlib import metadata
from typing import Any

from ._runs import AutologRun

#: Rows of the training data kept as an input example, and hashed for a dataset digest.
EXAMPLE_ROWS = 5
DIGEST_ROWS = 10_000


def log_model(
    run: AutologRun,
    files: Mapping[str, bytes],
    *,
    flavor: str,
    distribution: str,
    model: Any,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Store model files under ``model/`` plus ``model/meta.json``."""
    cls = type(model)
    meta = {
        "flavor": flavor,
        "library": distribution,
        "library_version": _version(distribution),
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "files": sorted(files),
        "python_version": platform.python_version(),
        **(extra or {}),
    }
    for name, data in files.items():
        run.artifact(f"model/{name}", data)
    run.artifact("model/meta.json", json.dumps(meta, indent=2).encode())


@functools.lru_cache(maxsize=32)
def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def dataset_facts(data: Any, name: str | None) -> dict[str, Any]:
    """Shape, columns and a content digest of a training input (never the data itself).

    The digest is the sha256 of the shape and of the first ``DIGEST_ROWS``
    rows' bytes, so it costs the same on a million rows as on ten thousand.
    """
    shape = _shape(data)
    facts: dict[str, Any] = {"name": name, "type": type(data).__name__, "shape": shape}
    columns = getattr(data, "columns", None)
    if columns is not None:
        facts["columns"] = [str(c) for c in list(columns)[:1000]]
    digest = hashlib.sha256(repr(shape).encode())
    digest.update(_head_bytes(data))
    facts["digest"] = digest.hexdigest()[:16]
    return facts


def _shape(data: Any) -> list[int] | None:
    shape = getattr(data, "shape", None)
    if shape is None and hasattr(data, "num_row"):  # xgboost.DMatrix
        return [int(data.num_row()), int(data.num_col())]
    if shape is None and isinstance(data, Sequence):
        return [len(data)]
    return [int(d) for d in shape] if shape is not None else None


def _head_bytes(data: Any) -> bytes:
    head = data.iloc[:DIGEST_ROWS] if hasattr(data, "iloc") else data
    if hasattr(head, "to_numpy"):
        head = head.to_numpy()
    if hasattr(head, "tobytes"):
        return head[:DIGEST_ROWS].tobytes() if getattr(head, "ndim", 0) else head.tobytes()
    if hasattr(data, "get_label"):  # a DMatrix holds no readable rows; hash its labels
        return data.get_label()[:DIGEST_ROWS].tobytes()
    return repr(head)[:100_000].encode()


def log_dataset(run: AutologRun, context: str, data: Any, name: str | None) -> None:
    """Record facts about a dataset as ``datasets/<context>.json`` and a short tag."""
    facts = dataset_facts(data, name)
    run.artifact(f"datasets/{context}.json", json.dumps(facts, indent=2).encode())
    shape = "x".join(str(d) for d in facts["shape"] or [])
    run.tags({f"nbtrack.dataset.{context}": f"{name or facts['type']} {shape} {facts['digest']}"})


def log_input_example(run: AutologRun, data: Any) -> None:
    """Store the first rows of the training data as ``model/input_example.json``."""
    head = data.iloc[:EXAMPLE_ROWS] if hasattr(data, "iloc") else data[:EXAMPLE_ROWS]
    if hasattr(head, "to_dict"):
        example = head.to_dict(orient="split")
        example.pop("index", None)
    else:
        example = {"data": getattr(head, "tolist", lambda: list(head))()}
    run.artifact("model/input_example.json", json.dumps(example, default=str).encode())


def log_importance(run: AutologRun, importance: Mapping[str, float], kind: str) -> None:
    """Feature importance as a table (``.parquet``) and a horizontal bar chart (``.png``)."""
    import pandas as pd

    if not importance or not run.active:
        return
    frame = pd.DataFrame({"feature": list(importance), "importance": [float(v) for v in importance.values()]})
    frame = frame.sort_values("importance", ascending=False, ignore_index=True)
    run.artifact(f"feature_importance_{kind}.parquet", parquet_bytes(frame))
    run.artifact(f"feature_importance_{kind}.png", png_bytes(_importance_chart(frame, kind)))


def _importance_chart(frame: Any, kind: str) -> Any:
    from matplotlib.figure import Figure  # no pyplot: no global figure state, no GUI backend

    top = frame.head(30).iloc[::-1]
    figure = Figure(figsize=(6, 1 + 0.25 * len(top)))
    axes = figure.subplots()
    axes.barh(top["feature"].astype(str), top["importance"])
    axes.set_xlabel(f"importance ({kind})")
    axes.set_title("Feature importance")
    figure.tight_layout()
    return figure


def parquet_bytes(frame: Any) -> bytes:
    """A DataFrame as Parquet, without its index (as ``nbtrack.log_table`` writes it)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def png_bytes(figure: Any) -> bytes:
    """A matplotlib figure as PNG (as ``nbtrack.log_figure`` writes it)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def pickle_bytes(model: Any) -> bytes:
    """The model pickled (protocol 4 or newer), as scikit-learn's own docs recommend."""
    import pickle

    buffer = io.BytesIO()
    pickle.dump(model, buffer, protocol=pickle.HIGHEST_PROTOCOL)
    return buffer.getvalue()


def saved_bytes(save: Any, filename: str) -> bytes:
    """The bytes a library's ``save(path)`` writes (the name's extension picks the format)."""
    with tempfile.TemporaryDirectory(prefix="nbtrack-") as folder:
        path = os.path.join(folder, filename)
        save(path)
        with open(path, "rb") as handle:
            return handle.read()
