"""The templates to compare with: a folder as it is, or the mappings folder at a git ref.

A git ref is read with `git ls-tree` and `git show` (plumbing, no checkout): the working tree
is never touched, and nothing is written but a temporary folder that is removed afterwards.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class AgainstError(Exception):
    """REF is neither a folder nor a git ref that holds the mappings folder."""


@contextmanager
def templates_at(against: str, mappings: Path) -> Iterator[Path]:
    """A folder holding the `.dwmap` files of `against`: itself when it is a folder, else a
    temporary copy of `mappings` as git ref `against` had it."""
    folder = Path(against)
    if folder.is_dir():
        yield folder
        return
    root = _git(
        ["rev-parse", "--show-toplevel"],
        mappings,
        f"{against} is not a folder, and "
        "the mappings folder is not in a git repository to read it as a ref from",
    )
    top = Path(root.strip()).resolve()
    inside = mappings.resolve().relative_to(top).as_posix()
    _git(
        ["rev-parse", "--verify", "--quiet", f"{against}^{{commit}}"],
        mappings,
        f"{against} is neither a folder nor a git ref (branch, tag or commit)",
    )
    listing = _git(
        ["ls-tree", "-r", "--name-only", "--full-name", against, "--", inside],
        top,
        f"cannot list {inside} at {against}",
    )
    names = [n for n in listing.splitlines() if n.endswith(".dwmap")]
    if not names:  # an empty side would make every template look added, nothing broken
        raise AgainstError(f"{against} has no templates in {inside}/")
    with tempfile.TemporaryDirectory(prefix="mappingc-against-") as temporary:
        copy = Path(temporary) / Path(inside).name
        copy.mkdir()
        for name in names:
            text = _git(["show", f"{against}:{name}"], top, f"cannot read {name} at {against}")
            target = copy / Path(name).relative_to(inside)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        yield copy


def _git(arguments: list[str], where: Path, failure: str) -> str:
    try:
        done = subprocess.run(
            ["git", *arguments],
            cwd=where,
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
        )
    except FileNotFoundError:
        raise AgainstError(f"{failure} (git is not installed)") from None
    if done.returncode != 0:
        raise AgainstError(failure)
    return done.stdout
