"""Logging and reading artifacts: files, text, dicts, figures, images and tables.

Content is stored once per digest under the store's ``artifacts/`` folder
and recorded as a path of a run (``plots/loss.png``). Logging the same
path again in a run replaces what that path points to.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import (
    InvalidKeyError,
    InvalidValueError,
    NbtrackError,
    RunNotFoundError,
    UnsafeArtifactPathError,
)
from .tracking import validation
from .tracking.artifact_paths import check_artifact_path
from .tracking.session import get_session

if TYPE_CHECKING:
    import pandas as pd


class ArtifactNotFoundError(NbtrackError, KeyError):
    """A run has no artifact at this path."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def log_artifact(
    local_path: str | os.PathLike[str], artifact_path: str | None = None, *, run_id: str | None = None
) -> None:
    """Store a file (or every file under a directory) with the run.

    The file lands at ``<artifact_path>/<file name>`` (``artifact_path``
    defaults to the top level); a directory keeps its inner layout.
    """
    source = _local_source(local_path)
    if artifact_path is not None and not isinstance(artifact_path, str):
        raise InvalidValueError(
            f"log_artifact: artifact_path must be text, got {type(artifact_path).__name__}"
        )
    prefix = check_artifact_path(artifact_path) + "/" if artifact_path else ""
    session = get_session()
    if source.is_file():
        session.log_artifact_content(prefix + source.name, file=source, run_id=run_id)
        return
    files = sorted(p for p in source.rglob("*") if p.is_file())
    targets = [(f, prefix + f.relative_to(source).as_posix()) for f in files]
    for _, target in targets:
        check_artifact_path(target)  # all checked before any is stored
    for file, target in targets:
        session.log_artifact_content(target, file=file, run_id=run_id)


def _local_source(local_path: Any) -> Path:
    """The file or folder ``log_artifact`` was given, checked to exist."""
    if not isinstance(local_path, (str, os.PathLike)):
        raise InvalidValueError(
            f"log_artifact takes the path of a file or folder, got {type(local_path).__name__}"
        )
    try:
        source = Path(local_path)
        found = source.exists()
    except (OSError, ValueError, TypeError) as exc:  # NUL, lone surrogates, names too long
        raise InvalidValueError(f"log_artifact: {local_path!r:.80} is not a usable path ({exc})") from None
    if not found:
        raise InvalidValueError(f"log_artifact: {source} does not exist")
    return source


def log_text(text: str, artifact_file: str, *, run_id: str | None = None) -> None:
    """Store a string as a UTF-8 text artifact."""
    if not isinstance(text, str):
        raise InvalidValueError(f"log_text takes a string, got {type(text).__name__}")
    check_artifact_path(artifact_file)
    try:
        data = text.encode()
    except UnicodeEncodeError as exc:
        raise InvalidValueError(
            f"log_text: the text is not valid UTF-8 ({exc}); drop lone surrogates"
        ) from None
    get_session().log_artifact_content(artifact_file, data=data, run_id=run_id)


def log_dict(dictionary: Any, artifact_file: str, *, run_id: str | None = None) -> None:
    """Store a dict (or any JSON-able value) as JSON, or YAML for ``.yaml``/``.yml``."""
    check_artifact_path(artifact_file)
    if artifact_file.endswith((".yaml", ".yml")):
        try:
            import yaml
        except ImportError as exc:
            raise NbtrackError("log_dict to .yaml needs PyYAML: pip install pyyaml (or use .json)") from exc
        try:
            data = yaml.safe_dump(dictionary, sort_keys=False).encode()
        except (yaml.YAMLError, UnicodeEncodeError) as exc:
            raise InvalidValueError(f"log_dict: the value cannot be written as YAML ({exc})") from None
    else:
        try:
            data = json.dumps(dictionary, indent=2, default=str).encode()
        except (TypeError, ValueError, RecursionError) as exc:
            raise InvalidValueError(f"log_dict: the value cannot be written as JSON ({exc})") from None
    get_session().log_artifact_content(artifact_file, data=data, run_id=run_id)


def log_figure(figure: Any, artifact_file: str, *, run_id: str | None = None, dpi: int = 100) -> None:
    """Store a matplotlib figure (PNG, SVG, PDF by extension) or a plotly figure (HTML)."""
    check_artifact_path(artifact_file)
    if hasattr(figure, "savefig"):
        fmt = Path(artifact_file).suffix.lstrip(".").lower() or "png"
        buffer = io.BytesIO()
        try:
            figure.savefig(buffer, format=fmt, dpi=dpi, bbox_inches="tight")
        except (ValueError, TypeError) as exc:
            raise InvalidValueError(
                f"log_figure: cannot save {artifact_file!r} (format {fmt!r}, dpi {dpi!r}): {exc}"
            ) from None
        data = buffer.getvalue()
    elif hasattr(figure, "to_html"):
        data = figure.to_html(include_plotlyjs="cdn").encode()
    else:
        raise InvalidValueError(
            f"log_figure takes a matplotlib or plotly figure, got {type(figure).__name__}; "
            "for other objects save them to a file and use log_artifact"
        )
    get_session().log_artifact_content(artifact_file, data=data, run_id=run_id)


def log_image(image: Any, artifact_file: str, *, run_id: str | None = None) -> None:
    """Store a PIL image or a numpy array (HxW, HxWx3, HxWx4; floats in [0, 1]) as PNG."""
    check_artifact_path(artifact_file)
    try:
        from PIL import Image
    except ImportError as exc:
        raise NbtrackError("log_image needs Pillow: pip install pillow") from exc
    if not isinstance(image, Image.Image):
        image = _image_from_array(image)
    buffer = io.BytesIO()
    try:
        image.save(buffer, format="PNG")
    except (ValueError, OSError) as exc:  # an empty image, a mode PNG cannot hold
        raise InvalidValueError(f"log_image: cannot write this image as PNG ({exc})") from None
    get_session().log_artifact_content(artifact_file, data=buffer.getvalue(), run_id=run_id)


def _image_from_array(data: Any) -> Any:
    import numpy as np
    from PIL import Image

    try:
        array = np.asarray(data)
        if array.dtype.kind == "f":
            if not np.isfinite(array).all():
                raise InvalidValueError("log_image: a float image holds NaN or infinity; replace them first")
            array = (np.clip(array, 0, 1) * 255).round().astype("uint8")
        return Image.fromarray(array)
    except InvalidValueError:
        raise
    except (TypeError, ValueError, IndexError, KeyError) as exc:
        raise InvalidValueError(
            f"log_image takes a PIL image or an HxW, HxWx3 or HxWx4 array, got {type(data).__name__} ({exc})"
        ) from None


def log_table(data: Any, artifact_file: str, *, run_id: str | None = None) -> None:
    """Store a DataFrame (or a dict of columns) as Parquet, or CSV/JSON by extension."""
    import pandas as pd

    check_artifact_path(artifact_file)
    try:
        frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    except (ValueError, TypeError) as exc:
        raise InvalidValueError(f"log_table takes a DataFrame or a dict of columns ({exc})") from None
    buffer = io.BytesIO()
    if artifact_file.endswith(".csv"):
        frame.to_csv(buffer, index=False)
    elif artifact_file.endswith(".json"):
        buffer.write(frame.to_json(orient="split", index=False).encode())
    elif artifact_file.endswith(".parquet"):
        frame.to_parquet(buffer, index=False)
    else:
        raise InvalidValueError(f"log_table writes .parquet, .csv or .json files, not {artifact_file!r}")
    get_session().log_artifact_content(artifact_file, data=buffer.getvalue(), run_id=run_id)


def list_artifacts(run_id: str | None = None) -> pd.DataFrame:
    """The artifacts of a run (the active run by default): path, size, media_type, sha256, logged_time."""
    session = get_session()
    run_id = validation.check_run_id(_run_id(run_id))
    return session.reader().artifacts(run_id)


def artifact_local_path(run_id: str, path: str) -> Path:
    """A read-only local file holding the artifact ``path`` of ``run_id``."""
    validation.check_run_id(run_id)
    check_artifact_path(path)
    session = get_session()
    listing = session.reader().artifacts(run_id)
    match = listing[listing["path"] == path]
    if match.empty:
        if session.store.get_run(run_id) is None:
            raise RunNotFoundError(f"No run {run_id!r} in the store at {session.store.uri}; check the id")
        known = ", ".join(listing["path"].head(20)) or "none"
        raise ArtifactNotFoundError(f"Run {run_id} has no artifact {path!r} (it has: {known})")
    return session.store.blob_path(str(match["sha256"].iloc[0]))


def download_artifacts(
    run_id: str, path: str | None = None, dst_path: str | os.PathLike[str] | None = None
) -> str:
    """Copy one artifact, or all under a folder path, into ``dst_path`` (a new temp dir by default).

    Every target is checked before anything is written: a stored path that
    would land outside ``dst_path`` (``..``, absolute, or through a symlink
    inside ``dst_path``) raises :class:`~nbtrack.errors.UnsafeArtifactPathError`.
    """
    run_id = validation.check_run_id(run_id)
    if path is not None:
        check_artifact_path(path)
    if dst_path is not None and not isinstance(dst_path, (str, os.PathLike)):
        raise InvalidValueError(f"dst_path must be a folder path, got {type(dst_path).__name__}")
    session = get_session()
    listing = session.reader().artifacts(run_id)
    if path is not None:
        listing = listing[(listing["path"] == path) | listing["path"].str.startswith(path + "/")]
    if listing.empty:
        if session.store.get_run(run_id) is None:
            raise RunNotFoundError(f"No run {run_id!r} in the store at {session.store.uri}; check the id")
        raise ArtifactNotFoundError(f"Run {run_id} has no artifact at {path!r}")
    target = Path(dst_path) if dst_path is not None else Path(tempfile.mkdtemp(prefix="nbtrack-"))
    plan = [
        (session.store.blob_path(row.sha256), _inside(target, row.path, run_id))
        for row in listing.itertuples(index=False)
    ]
    for blob, destination in plan:
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(blob, destination)
    return str(target / path if path is not None else target)


def _inside(root: Path, stored: str, run_id: str) -> Path:
    """Where the stored artifact path ``stored`` lands under ``root``, symlinks resolved; refused outside."""
    base = root.resolve()
    try:
        check_artifact_path(stored)
    except InvalidKeyError as exc:
        raise UnsafeArtifactPathError(
            f"download_artifacts: run {run_id} has a stored artifact path {stored!r} that could "
            f"leave dst_path ({exc}); nothing was written. The store holds a row nbtrack never writes: "
            "run `nbtrack doctor`."
        ) from None
    landing = (base / stored).resolve()
    if not landing.is_relative_to(base):
        raise UnsafeArtifactPathError(
            f"download_artifacts: artifact {stored!r} of run {run_id} would be written to {landing}, "
            f"outside dst_path {base} (a symlink inside dst_path points out); nothing was written. "
            "Remove the symlink or pass an empty dst_path."
        )
    return landing


def load_text(run_id: str, path: str) -> str:
    """The content of a text artifact."""
    try:
        return artifact_local_path(run_id, path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidValueError(f"artifact {path!r} of run {run_id} is not UTF-8 text") from None


def load_dict(run_id: str, path: str) -> Any:
    """The content of a JSON (or YAML) artifact."""
    text = load_text(run_id, path)
    if path.endswith((".yaml", ".yml")):
        import yaml

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InvalidValueError(f"artifact {path!r} of run {run_id} is not YAML ({exc})") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InvalidValueError(f"artifact {path!r} of run {run_id} is not JSON ({exc})") from None


def load_table(run_id: str, path: str) -> pd.DataFrame:
    """A table artifact written by :func:`log_table` as a DataFrame."""
    import pandas as pd

    local = artifact_local_path(run_id, path)
    if path.endswith(".csv"):
        return pd.read_csv(local)
    if path.endswith(".json"):
        return pd.read_json(local, orient="split")
    return pd.read_parquet(local)


def _run_id(run_id: str | None) -> str:
    if run_id is not None:
        return run_id
    active = get_session().active_run
    if active is None:
        raise NbtrackError("list_artifacts needs a run_id (no run is active)")
    return active.run_id
