"""The git state of the repository holding the notebook.

The commit and branch are read straight from ``.git`` (a few small file
reads, no subprocess), so they are cheap enough for every cell. The
uncommitted diff needs ``git`` itself: :func:`working_tree` runs it with a
time limit and a size limit, meant for a background thread. Notebooks are
left out of the diff (their outputs would drown the code; the cell's source
and the session history are captured separately) but listed by name.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

#: Largest diff kept, in bytes; the rest is cut with a note.
DIFF_LIMIT = 1_000_000
#: Seconds a git command may take before it is stopped.
GIT_TIMEOUT = 10.0


@dataclass(frozen=True)
class GitHead:
    """Commit and branch of a repository (branch is None on a detached HEAD)."""

    root: Path
    commit: str | None
    branch: str | None


@dataclass
class WorkingTree:
    """The uncommitted state: changed and untracked files, and the bounded diff."""

    dirty: bool
    changed: list[str] = field(default_factory=list)
    untracked: list[str] = field(default_factory=list)
    diff: str = ""
    truncated: bool = False

    def as_text(self) -> str:
        """The diff artifact: a header listing files, then the diff."""
        head = [f"# uncommitted changes: {len(self.changed)} changed, {len(self.untracked)} untracked"]
        head += [f"#   changed   {path}" for path in self.changed[:200]]
        head += [f"#   untracked {path}" for path in self.untracked[:200]]
        if self.truncated:
            head.append(f"# the diff below is cut at {DIFF_LIMIT} bytes; run `git diff HEAD` for all of it")
        return "\n".join(head) + "\n" + self.diff


def find_root(start: Path) -> Path | None:
    """The working tree root above ``start`` (the folder holding ``.git``), or None."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _git_dirs(root: Path) -> tuple[Path, Path]:
    """(git dir, common dir): differ for linked worktrees and submodules."""
    dot_git = root / ".git"
    git_dir = dot_git
    if dot_git.is_file():
        text = dot_git.read_text(encoding="utf-8").strip()
        if text.startswith("gitdir:"):
            git_dir = (root / text[len("gitdir:") :].strip()).resolve()
    common = git_dir
    common_file = git_dir / "commondir"
    if common_file.is_file():
        common = (git_dir / common_file.read_text(encoding="utf-8").strip()).resolve()
    return git_dir, common


def read_head(root: Path) -> GitHead:
    """Commit and branch from ``.git/HEAD`` and the refs, without running git."""
    git_dir, common = _git_dirs(root)
    head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
    if not head.startswith("ref:"):
        return GitHead(root, head or None, None)
    ref = head[len("ref:") :].strip()
    branch = ref.removeprefix("refs/heads/")
    return GitHead(root, _resolve_ref(git_dir, common, ref), branch)


def _resolve_ref(git_dir: Path, common: Path, ref: str) -> str | None:
    for base in (git_dir, common):
        loose = base / ref
        if loose.is_file():
            return loose.read_text(encoding="utf-8").strip() or None
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8").splitlines():
            sha, _, name = line.partition(" ")
            if name == ref:
                return sha
    return None  # a branch with no commits yet


class GitProbe:
    """Finds the repository of a folder and takes working-tree snapshots, reusing what it can.

    ``git status`` runs for every snapshot; ``git diff`` only when HEAD, the
    changed files or their size and modification time differ from the last
    snapshot of that repository (notebooks do not count: they are left out
    of the diff). Used from one background thread.
    """

    def __init__(self) -> None:
        self._roots: dict[Path, Path | None] = {}
        self._last: dict[Path, tuple[tuple, WorkingTree]] = {}

    def root_of(self, folder: Path) -> Path | None:
        """The repository holding ``folder`` (cached: repositories do not move under a kernel)."""
        if folder not in self._roots:
            self._roots[folder] = find_root(folder)
        return self._roots[folder]

    def snapshot(
        self, root: Path, *, limit: int = DIFF_LIMIT, timeout: float = GIT_TIMEOUT
    ) -> WorkingTree | None:
        """Changed files and the diff against HEAD (notebooks excluded); None without a git executable."""
        git = shutil.which("git")
        if git is None:
            return None
        status = _run(
            [git, "status", "--porcelain=v1", "-z", "--untracked-files=normal"], root, timeout, 4 * limit
        )
        changed, untracked = _parse_status(status[0])
        commit = read_head(root).commit
        key = (commit, tuple(changed), tuple(untracked), _stats(root, changed + untracked))
        last = self._last.get(root)
        if last is not None and last[0] == key:
            return last[1]
        tree = WorkingTree(dirty=bool(changed or untracked), changed=changed, untracked=untracked)
        if changed and commit is not None:
            cmd = [
                git,
                "diff",
                "HEAD",
                "--no-color",
                "--no-ext-diff",
                "--no-textconv",
                "--",
                ".",
                _NO_NOTEBOOKS,
            ]
            tree.diff, tree.truncated = _run(cmd, root, timeout, limit)
        self._last[root] = (key, tree)
        return tree


_NO_NOTEBOOKS = ":(exclude,glob)**/*.ipynb"


def _stats(root: Path, paths: list[str]) -> tuple[tuple[str, int, int], ...]:
    found = []
    for path in paths:
        if path.endswith(".ipynb"):
            continue
        try:
            info = (root / path).stat()
        except OSError:
            continue
        found.append((path, info.st_mtime_ns, info.st_size))
    return tuple(found)


def _parse_status(text: str) -> tuple[list[str], list[str]]:
    changed: list[str] = []
    untracked: list[str] = []
    entries = text.split("\0")
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        if ".nbtrack" in path.rstrip("/").split("/"):
            continue  # the store itself (usually git-ignored)
        if code == "??":
            untracked.append(path)
        else:
            changed.append(path)
            if "R" in code or "C" in code:
                i += 1  # the rename's source path follows
    return changed, untracked


def _run(cmd: list[str], root: Path, timeout: float, limit: int) -> tuple[str, bool]:
    """Run git, keep at most ``limit`` bytes of its output; (text, cut)."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    with subprocess.Popen(
        cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env
    ) as proc:
        assert proc.stdout is not None
        try:
            data = _read_bounded(proc, limit, timeout)
        finally:
            if proc.poll() is None:
                proc.kill()
    return data[:limit].decode("utf-8", "replace"), len(data) > limit


def _read_bounded(proc: subprocess.Popen[bytes], limit: int, timeout: float) -> bytes:
    import threading

    chunks: list[bytes] = []
    size = 0

    def read() -> None:
        nonlocal size
        assert proc.stdout is not None
        while size <= limit and (chunk := proc.stdout.read(65536)):
            chunks.append(chunk)
            size += len(chunk)

    reader = threading.Thread(target=read, name="nbtrack-git-read", daemon=True)
    reader.start()
    reader.join(timeout)
    if reader.is_alive():
        proc.kill()
        reader.join(1.0)
        raise TimeoutError(f"git took longer than {timeout:.0f}s in {proc.args!r}")
    return b"".join(chunks)
