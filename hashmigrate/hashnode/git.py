"""Dates from a backup repo's history, for posts whose file holds none.

Hashnode commits every backup as ``create post: <title>``, ``update post: <title>`` or, for posts that
existed before the backup was switched on, ``Synced existing file post: <title>``. One ``git log`` over
the folder gives, per file, the first commit that added it and the last that changed it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

_SEP = "\x1f"
# Only Hashnode's own backup commits date a post; a user's commits (files copied into another repo,
# a README edit) say nothing about when the post was published.
_HASHNODE_COMMIT = re.compile(r"^(create post|update post|synced existing file post|draft backup):", re.I)


@dataclass(frozen=True, slots=True)
class FileHistory:
    added: datetime
    added_subject: str
    changed: datetime
    # Added by the oldest commit of a shallow clone (``--depth``, as CI checkouts are), which adds every
    # file it holds: the file may be older.
    shallow: bool = False


def history(folder: Path) -> dict[str, FileHistory]:
    """File name (relative to ``folder``) -> history; empty when ``folder`` is not in a git checkout."""
    if shutil.which("git") is None:
        return {}
    try:
        inside = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--is-inside-work-tree"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return {}
        shallow = _shallow_commits(folder)
        log = subprocess.run(
            [
                "git",
                "-c",
                "core.quotepath=off",
                "-C",
                str(folder),
                "log",
                "--no-renames",
                "--name-status",
                "--relative",
                f"--format={_SEP}%H{_SEP}%aI{_SEP}%s",
                "--",
                ".",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            encoding="utf-8",
            errors="replace",
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    if log.returncode != 0:
        return {}
    result: dict[str, FileHistory] = {}
    date: datetime | None = None
    subject = ""
    boundary = False
    # Newest commit first: the first time a file shows up is its last change, the last "A" its birth.
    for line in log.stdout.splitlines():
        if line.startswith(_SEP):
            _, commit, iso, subject = line.split(_SEP, 3)
            date = datetime.fromisoformat(iso) if _HASHNODE_COMMIT.match(subject) else None
            boundary = commit in shallow
            continue
        if not line.strip() or date is None:
            continue
        status, _, name = line.partition("\t")
        known = result.get(name)
        if known is None:
            result[name] = FileHistory(added=date, added_subject=subject, changed=date, shallow=boundary)
        elif status.startswith("A") or date <= known.added:
            result[name] = FileHistory(
                added=date, added_subject=subject, changed=known.changed, shallow=boundary
            )
    return result


def _shallow_commits(folder: Path) -> set[str]:
    """The oldest commits of a shallow clone (git lists them in ``.git/shallow``); none for a full one."""
    try:
        found = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--git-path", "shallow"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if found.returncode != 0:
            return set()
        path = Path(found.stdout.strip())
        path = path if path.is_absolute() else folder / path
        return set(path.read_text(encoding="ascii").split()) if path.is_file() else set()
    except (OSError, UnicodeError, subprocess.SubprocessError):
        return set()
