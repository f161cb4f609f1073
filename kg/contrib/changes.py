"""What a change touched, read from git: files changed since a ref, and the tree as it was at a ref.

Used by ``kg validate --changed-since`` (validate only what a pull request changed) and ``kg diff``
(compare the graph before and after). Nothing here writes to the repository or its working tree:
the old tree is extracted with ``git archive`` into a folder the caller owns.
"""

from __future__ import annotations

import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import UnusableInputError
from kg.graph.loading import SYNTAXES

__all__ = ["Changes", "repository_root", "changed_files", "extract_tree"]


@dataclass
class Changes:
    """RDF files added or modified (to validate) and deleted (whose nodes may still be named)."""

    changed: list[Path] = field(default_factory=list)
    deleted: list[Path] = field(default_factory=list)


def _git(args: list[str], *, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise UnusableInputError("git is not installed (needed for --changed-since)") from None


def repository_root(start: Path) -> Path:
    """The top of the git work tree holding ``start``; UnusableInputError when there is none."""
    done = _git(["rev-parse", "--show-toplevel"], cwd=start)
    if done.returncode != 0:
        raise UnusableInputError(f"{start}: not inside a git repository")
    return Path(done.stdout.decode().strip())


def _commit(ref: str, *, root: Path) -> str:
    """The commit ``ref`` names; UnusableInputError naming the ref when git does not know it."""
    if ref.startswith("-"):
        raise UnusableInputError(f"{ref}: not a git ref")
    done = _git(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], cwd=root
    )
    if done.returncode != 0:
        raise UnusableInputError(
            f"{ref}: unknown git ref in {root} (in CI, fetch it: actions/checkout fetch-depth: 0)"
        )
    return done.stdout.decode().strip()


def changed_files(ref: str, *, paths: list[Path], root: Path) -> Changes:
    """RDF files under ``paths`` that differ between ``ref`` and the working tree.

    The comparison starts from the merge base of ``ref`` and HEAD, as a pull request's diff does,
    so commits that landed on the base branch meanwhile are not counted as this change's. Untracked
    files count as added; uncommitted edits count too.
    """
    commit = _commit(ref, root=root)
    base = _git(["merge-base", commit, "HEAD"], cwd=root)
    start = base.stdout.decode().strip() if base.returncode == 0 else commit
    scope = [_relative(p, root) for p in paths]
    diff = _git(["diff", "--name-status", "--no-renames", "-z", start, "--", *scope], cwd=root)
    if diff.returncode != 0:
        raise UnusableInputError(f"git diff {ref} failed: {diff.stderr.decode().strip()}")
    changes = Changes()
    fields = diff.stdout.decode().split("\0")
    for status, name in zip(fields[::2], fields[1::2], strict=False):
        path = root / name
        if path.suffix not in SYNTAXES:
            continue
        (changes.deleted if status == "D" else changes.changed).append(path)
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z", "--", *scope], cwd=root)
    for name in untracked.stdout.decode().split("\0"):
        if name and Path(name).suffix in SYNTAXES:
            changes.changed.append(root / name)
    changes.changed = sorted(set(changes.changed))
    changes.deleted = sorted(set(changes.deleted))
    return changes


def _relative(path: Path, root: Path) -> str:
    """``path`` as a pathspec relative to ``root`` (paths outside it are refused by git)."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix() or "."
    except ValueError:
        raise UnusableInputError(f"{path}: outside the git repository {root}") from None


def extract_tree(ref: str, *, root: Path, destination: Path) -> Path:
    """Write the files of ``ref`` into ``destination`` (``git archive``); returns ``destination``.

    The working tree and the index are not touched.
    """
    commit = _commit(ref, root=root)
    destination.mkdir(parents=True, exist_ok=True)
    archive = destination / ".tree.tar"
    done = _git(["archive", "--format=tar", f"--output={archive}", commit], cwd=root)
    if done.returncode != 0:
        raise UnusableInputError(f"git archive {ref} failed: {done.stderr.decode().strip()}")
    with tarfile.open(archive) as tar:
        tar.extractall(destination, filter="data")
    archive.unlink()
    return destination
