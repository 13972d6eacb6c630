"""Readers for every form a Hashnode blog comes in; each yields posts and problems."""

from __future__ import annotations

from collections.abc import Container, Iterator
from pathlib import Path
from typing import Protocol

from hashmigrate.hashnode.backup import BackupReader, post_files, read_backup
from hashmigrate.hashnode.json_export import is_json_export, read_json_export
from hashmigrate.hashnode.problems import Problem, SourceError
from hashmigrate.model import Post, Tag


def source_kind(source: Path) -> str:
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
    if source.is_dir():
        return len(post_files(source)[0])
    return 1 if source.is_file() and not is_json_export(source) else None


def tags_by_cuid(backup: Path) -> dict[str, list[Tag]]:
    """cuid -> tags of the posts in a backup folder (to name the tag ids of a JSON export)."""
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
    )(parse)


class Passes(Protocol):
    """Reads a source once more: every post and problem, or with ``only`` just the posts with those
    slugs; ``parse=False`` may leave bodies unparsed (one Markdown node each)."""

    def __call__(
        self, parse: bool = True, only: Container[str] | None = None
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
    kind = source_kind(source)
    if kind == "json":
        if tags_from is not None and not tags_from.is_dir():
            raise SourceError(f"{tags_from}: --tags-from must be a Hashnode backup folder")
        names = tags_by_cuid(tags_from) if tags_from is not None else None

        def json_passes(parse: bool = True, only: Container[str] | None = None) -> Iterator[Post | Problem]:
            items = read_json_export(source, drafts=drafts, blog_url=blog_url, tag_names=names, repair=repair)
            if only is None:
                return items
            return (item for item in items if isinstance(item, Post) and item.slug in only)

        return json_passes
    return BackupReader(source, drafts=drafts, blog_url=blog_url, use_git=use_git, repair=repair).items


__all__ = ["Passes", "Problem", "SourceError", "count_files", "read", "reader", "source_kind", "tags_by_cuid"]
