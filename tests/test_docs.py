"""The documentation site builds with --strict, and the README's links lead somewhere."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_docs_site_builds_strict(tmp_path: Path) -> None:
    """A broken link, a page left out of the nav or a docstring that does not render fails here."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "docs/mkdocs.yml", "-d", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for page in (
        "index.html",
        "getting-started/index.html",
        "reference/index.html",
        "reliability/index.html",
    ):
        assert (tmp_path / page).is_file(), page
    reference = (tmp_path / "reference" / "index.html").read_text()
    for anchor in (
        "nbtrack.api.log_metric",
        "nbtrack.api.start_run",
        "nbtrack.artifacts.download_artifacts",
        "nbtrack.autolog",
        "nbtrack.errors.NbtrackError",
    ):
        assert f'id="{anchor}"' in reference, f"the API reference has no entry for {anchor}"


def test_every_page_is_in_the_nav() -> None:
    nav = (ROOT / "docs" / "mkdocs.yml").read_text()
    pages = sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    missing = [page for page in pages if page not in nav]
    assert not missing, f"pages not reachable from the site's nav: {missing}"


def test_readme_links_exist() -> None:
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    local = [t for t in targets if not re.match(r"[a-z]+://", t)]
    assert local, "the README links to the docs"
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, f"README links to files that do not exist: {missing}"
