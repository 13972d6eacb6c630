"""The public API for scripts: ``load`` a Hashnode blog, ``convert`` it for a target."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hashmigrate import registry
from hashmigrate.delivery import FolderWriter, UnsafePath
from hashmigrate.exporter import Exporter, Site
from hashmigrate.hashnode import Problem, read
from hashmigrate.model import Note, Post
from hashmigrate.names import SlugRegistry

Source = str | os.PathLike[str]


@dataclass(slots=True)
class PostResult:
    """What happened to one post (or one file that gave no post)."""

    source: str
    status: str  # written | unchanged | conflict | skipped | failed | would-write
    slug: str | None = None
    title: str | None = None
    url: str | None = None
    paths: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.status not in {"failed", "conflict"}

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "status": self.status,
            "slug": self.slug,
            "title": self.title,
            "url": self.url,
            "paths": self.paths,
            "message": self.message,
            "notes": [{"kind": n.kind, "what": n.what, "why": n.why, "action": n.action} for n in self.notes],
        }


@dataclass(slots=True)
class ConvertResult:
    target: str
    out: str | None
    posts: list[PostResult] = field(default_factory=list)
    site_files: list[str] = field(default_factory=list)
    advice: str = ""
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        """True when every post converted (skipped drafts and older copies do not count against it)."""
        return all(p.ok for p in self.posts)

    @property
    def notes(self) -> list[Note]:
        return [note for post in self.posts for note in post.notes]

    def counts(self) -> Counter[str]:
        return Counter(p.status for p in self.posts)

    def note_counts(self) -> Counter[str]:
        return Counter(n.kind for n in self.notes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "out": self.out,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "counts": dict(self.counts()),
            "notes_by_kind": dict(self.note_counts()),
            "site_files": self.site_files,
            "advice": self.advice,
            "posts": [p.as_dict() for p in self.posts],
        }


def read_all(
    source: Source,
    *,
    drafts: bool = False,
    blog_url: str | None = None,
    tags_from: Source | None = None,
) -> Iterator[Post | Problem]:
    """Posts and problems, in order, from any Hashnode source."""
    return read(
        Path(source),
        drafts=drafts,
        blog_url=blog_url,
        tags_from=Path(tags_from) if tags_from is not None else None,
    )


def load(
    source: Source,
    *,
    drafts: bool = False,
    blog_url: str | None = None,
    tags_from: Source | None = None,
    problems: list[Problem] | None = None,
) -> Iterator[Post]:
    """Yield every post of a Hashnode backup folder, post file or JSON export.

    Files that give no post are left out; pass a list as ``problems`` to receive them.
    """
    for item in read_all(source, drafts=drafts, blog_url=blog_url, tags_from=tags_from):
        if isinstance(item, Post):
            yield item
        elif problems is not None:
            problems.append(item)


def convert(
    source: Source | Iterable[Post],
    to: str = "hugo",
    out: Source | None = None,
    *,
    drafts: bool = False,
    force: bool = False,
    dry_run: bool = False,
    blog_url: str | None = None,
    tags_from: Source | None = None,
    options: dict[str, Any] | None = None,
    on_post: Callable[[PostResult], None] | None = None,
) -> ConvertResult:
    """Convert a Hashnode blog (a path, or posts from :func:`load`) for target ``to``.

    With ``out`` the files are written there (atomically; a file someone else changed is left alone
    unless ``force``); without it, or with ``dry_run``, nothing is written. Every post's outcome and
    notes are in the result.
    """
    exporter: Exporter = registry.create(to, **(options or {}))
    if isinstance(source, (str, os.PathLike)):
        items: Iterable[Post | Problem] = read_all(
            source, drafts=drafts, blog_url=blog_url, tags_from=tags_from
        )
    else:
        items = source
    site = Site(blog_url=blog_url)
    writer = FolderWriter(Path(out), force=force, dry_run=dry_run) if out is not None else None
    result = ConvertResult(
        target=to, out=str(out) if out is not None else None, dry_run=dry_run or out is None
    )
    slugs = SlugRegistry()
    try:
        for item in items:
            outcome = _convert_one(item, exporter, site, writer, slugs)
            result.posts.append(outcome)
            if on_post is not None:
                on_post(outcome)
        site_files = exporter.site_files(site)
        if writer is not None:
            for file in site_files:
                written = writer.write(file)
                result.site_files.append(str(written.path))
        else:
            result.site_files = [file.path for file in site_files]
        result.advice = exporter.advice()
    finally:
        if writer is not None:
            writer.close()
    return result


def _convert_one(
    item: Post | Problem, exporter: Exporter, site: Site, writer: FolderWriter | None, slugs: SlugRegistry
) -> PostResult:
    if isinstance(item, Problem):
        status = "skipped" if item.kind == "skipped" else "failed"
        return PostResult(source=item.source, status=status, message=item.line_text())
    post = _claim_slug(item, slugs)
    outcome = PostResult(source=post.label, status="written", slug=post.slug, title=post.title)
    try:
        rendered = exporter.render(post, site)
    except Exception as exc:
        outcome.status = "failed"
        outcome.message = f"{post.label}: could not render: {type(exc).__name__}: {exc}"
        outcome.notes = list(post.notes)
        return outcome
    outcome.url = rendered.url
    outcome.notes = list(post.notes) + list(rendered.notes)
    if writer is None:
        outcome.status = "would-write"
        outcome.paths = [file.path for file in rendered.files]
        return outcome
    statuses = []
    for file in rendered.files:
        try:
            written = writer.write(file)
        except UnsafePath as exc:
            outcome.status, outcome.message = "failed", f"{post.label}: {exc}"
            return outcome
        except OSError as exc:
            outcome.status, outcome.message = (
                "failed",
                f"{post.label}: cannot write {file.path}: {exc.strerror}",
            )
            return outcome
        outcome.paths.append(str(written.path))
        statuses.append(written.status)
    if "conflict" in statuses:
        outcome.status = "conflict"
        outcome.message = (
            f"{post.label}: {outcome.paths[statuses.index('conflict')]} was changed since hashmigrate wrote it; "
            "left alone (use --force to overwrite)"
        )
    elif all(s == "unchanged" for s in statuses):
        outcome.status = "unchanged"
    elif any(s.startswith("would-") for s in statuses):
        outcome.status = "would-write"
    return outcome


def _claim_slug(post: Post, slugs: SlugRegistry) -> Post:
    safe = slugs.claim(post.slug, post.cuid or Path(post.source).stem)
    if safe == post.slug:
        return post
    note = Note(
        post.label,
        "slug-changed",
        f"slug {post.slug[:80]!r} written as {safe!r}",
        "it was not safe as a file name, or another post has it",
    )
    return replace(post, slug=safe, notes=(*post.notes, note))
