"""Readers for every form a Hashnode blog comes in; each yields posts and problems."""

from __future__ import annotations

import os
from collections.abc import Callable, Container, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from hashmigrate.hashnode.problems import Problem, SourceError
from hashmigrate.model import Post, Tag

# The readers (YAML, the Markdown parser) load on first use: the CLI's --help needs none of them.
if TYPE_CHECKING:
    from hashmigrate.hashnode.backup import BackupReader, Header, HeaderJob, build


def __getattr__(name: str) -> Any:
    if name in {"BackupReader", "Header", "build"}:
        from hashmigrate.hashnode import backup

        return getattr(backup, name)
    raise AttributeError(f"module 'hashmigrate.hashnode' has no attribute {name!r}")


def source_kind(source: Path) -> str:
    from hashmigrate.hashnode.json_export import is_json_export

    if not source.exists():
        raise SourceError(f"{source}: no such file or folder")
    if source.is_dir():
        return "backup"
    if is_json_export(source):
        return "json"
    if source.suffix.lower() in {".md", ".markdown"}:
        return "backup"
    raise SourceError(f"{source}: not a Hashnode backup folder, post file (.md) or JSON export (.json)")


def count_files(source: Path) -> int | None:
    """How many post files a source holds (for a progress bar), or None when unknown."""
    from hashmigrate.hashnode.backup import post_files
    from hashmigrate.hashnode.json_export import is_json_export

    if source.is_dir():
        return len(post_files(source)[0])
    return 1 if source.is_file() and not is_json_export(source) else None


def tags_by_cuid(backup: Path) -> dict[str, list[Tag]]:
    """cuid -> tags of the posts in a backup folder (to name the tag ids of a JSON export)."""
    from hashmigrate.hashnode.backup import read_backup

    names: dict[str, list[Tag]] = {}
    for item in read_backup(backup, drafts=True, use_git=False):
        if isinstance(item, Post) and item.cuid:
            names[item.cuid] = list(item.tags)
    return names


def read(
    source: Path,
    *,
    drafts: bool = False,
    blog_url: str | None = None,
    tags_from: Path | None = None,
    use_git: bool = True,
    parse: bool = True,
    repair: bool = True,
) -> Iterator[Post | Problem]:
    """Posts (and problems) of any Hashnode source, by what ``source`` is.

    ``parse=False`` may leave bodies unparsed (one Markdown node each) where that is cheaper: for a
    pass that only plans names, URLs and links.
    """
    return reader(
        source, drafts=drafts, blog_url=blog_url, tags_from=tags_from, use_git=use_git, repair=repair
    )(parse, last=True)


class Passes(Protocol):
    """Reads a source once more: every post and problem, or with ``only`` just the posts with those
    slugs; ``parse=False`` may leave bodies unparsed (one Markdown node each); ``last``: no pass
    follows (what a reader kept from its first pass may go)."""

    def __call__(
        self, parse: bool = True, only: Container[str] | None = None, last: bool = False
    ) -> Iterator[Post | Problem]: ...


def reader(
    source: Path,
    *,
    drafts: bool = False,
    blog_url: str | None = None,
    tags_from: Path | None = None,
    use_git: bool = True,
    repair: bool = True,
) -> Passes:
    """A source to read in several passes; what a backup's files hold is learned in the first and
    reused (see :class:`~hashmigrate.hashnode.backup.BackupReader`)."""
    from hashmigrate.hashnode.backup import BackupReader
    from hashmigrate.hashnode.json_export import read_json_export

    kind = source_kind(source)
    if kind == "json":
        if tags_from is not None and not tags_from.is_dir():
            raise SourceError(f"{tags_from}: --tags-from must be a Hashnode backup folder")
        names = tags_by_cuid(tags_from) if tags_from is not None else None

        def json_passes(
            parse: bool = True, only: Container[str] | None = None, last: bool = False
        ) -> Iterator[Post | Problem]:
            items = read_json_export(source, drafts=drafts, blog_url=blog_url, tag_names=names, repair=repair)
            if only is None:
                return _not_empty(items, source)
            return (item for item in items if isinstance(item, Post) and item.slug in only)

        return json_passes
    return BackupPasses(
        BackupReader(source, drafts=drafts, blog_url=blog_url, use_git=use_git, repair=repair), source
    )


class BackupPasses:
    """The passes over a backup folder; the last one can also be made in parts (:meth:`units`, then
    :func:`build` of each, in any process), for a caller that shares the work out."""

    def __init__(self, backup: BackupReader, source: Path) -> None:
        self.backup = backup
        self.source = source

    def __call__(
        self, parse: bool = True, only: Container[str] | None = None, last: bool = False
    ) -> Iterator[Post | Problem]:
        items = self.backup.items(parse, only, last)
        return _not_empty(items, self.source) if only is None else items

    def planned(
        self,
        see: Callable[[Post], Any],
        spread: Callable[[Iterator[HeaderJob], int], Iterable[Header | Problem] | None] | None = None,
    ) -> Iterator[tuple[Header, Any] | Post | Problem]:
        """The unparsed pass, each post as ``see`` made it in pass one where it could (see
        :meth:`BackupReader.planned`): a planning pass that reads no file again."""
        return _not_empty(self.backup.planned(see, spread), self.source)

    def units(self) -> Iterator[Header | Problem]:
        """Every post's pass-one header (and every problem), in the order a pass gives them."""
        return _not_empty(self.backup.units(), self.source)

    @property
    def blog_url(self) -> str | None:
        return self.backup.blog_url

    @property
    def repair(self) -> bool:
        return self.backup.repair


_Item = TypeVar("_Item")


def _not_empty(items: Iterator[_Item], source: Path) -> Iterator[_Item]:
    """The items, or :class:`SourceError` when there are none at all: a source that gives not even a
    skipped draft is not the blog the user meant (an empty folder, the wrong one, an empty export)."""
    empty = True
    for item in items:
        empty = False
        yield item
    if empty:
        raise SourceError(_nothing_found(source))


_HINT_FOLDERS = 50


def _nothing_found(source: Path) -> str:
    from hashmigrate.hashnode.backup import post_files

    if not source.is_dir():
        return f'{source}: no posts in this JSON export (its "posts" list is empty)'
    message = (
        f"{source}: no Hashnode posts here (looked for <cuid>.md and draft-<id>.md files, "
        "and .md files with Hashnode front matter)"
    )
    try:
        folders = sorted(path for path in source.iterdir() if path.is_dir() and not path.name.startswith("."))
    except OSError:
        folders = []
    # A path one level off: the folder that holds the backup folder (a few looked at, not a home folder).
    for folder in folders[:_HINT_FOLDERS]:
        found = len(post_files(folder)[0]) if os.access(folder, os.R_OK | os.X_OK) else 0
        if found:
            return f"{message}; {folder} has {found} post file(s): is that the backup folder?"
    return message


__all__ = [
    "BackupPasses",
    "Header",
    "Passes",
    "Problem",
    "SourceError",
    "build",
    "count_files",
    "read",
    "reader",
    "source_kind",
    "tags_by_cuid",
]
