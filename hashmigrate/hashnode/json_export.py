"""The dashboard JSON export (``<publicationId>-articles.json``: ``{"posts": [...]}``).

``dateAdded`` is the publish date (``createdAt`` is the import date on most real posts), deleted posts
are included with ``isActive: false``, and tags are ObjectIds only: names come from a backup folder of
the same blog, matched by cuid, and are never invented.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from hashmigrate.hashnode import dates
from hashmigrate.hashnode.fences import repair_fences
from hashmigrate.hashnode.frontmatter import parse_date
from hashmigrate.hashnode.markdown import body_fields
from hashmigrate.hashnode.problems import Problem
from hashmigrate.hashnode.text import (
    mojibake_notes,
    repair_mojibake,
    slugify,
    with_surrogate_note,
    without_surrogates,
)
from hashmigrate.model import Note, Post, Tag

_KNOWN = {
    "_id", "id", "cuid", "slug", "title", "subtitle", "contentMarkdown", "content", "brief", "dateAdded",
    "createdAt", "updatedAt", "dateUpdated", "coverImage", "ogImage", "metaTitle", "metaDescription",
    "originalArticleURL", "tags", "series", "isActive", "dateDeleted",
}  # fmt: skip
# Only what a migration may still want; counters, reactions and internal flags are left behind.
_KEEP_EXTRA = {"enableToc", "isDelisted", "disableComments", "hasLatex", "readTime", "publication", "author"}


def is_json_export(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".json"


def read_json_export(
    path: Path,
    *,
    drafts: bool = False,
    blog_url: str | None = None,
    tag_names: Mapping[str, list[Tag]] | None = None,
    repair: bool = True,
) -> Iterator[Post | Problem]:
    """Posts of a JSON export. ``tag_names`` maps cuid -> tags, taken from a backup of the same blog."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        yield Problem(str(path), f"cannot read the file: {exc}")
        return
    except json.JSONDecodeError as exc:
        yield Problem(str(path), f"not valid JSON: {exc.msg}", line=exc.lineno)
        return
    except RecursionError:
        yield Problem(str(path), "not a Hashnode JSON export: nested too deeply to read")
        return
    posts = data.get("posts") if isinstance(data, dict) else None
    if not isinstance(posts, list):
        yield Problem(str(path), 'not a Hashnode JSON export: no "posts" list at the top')
        return
    for index, raw in enumerate(posts):
        where = f"{path}#posts[{index}]"
        if not isinstance(raw, dict):
            yield Problem(where, "a post entry is not an object")
            continue
        if raw.get("isActive") in (False, "false") or raw.get("dateDeleted"):
            yield Problem(where, f"deleted on Hashnode ({raw.get('slug', '?')}); skipped", kind="skipped")
            continue
        raw, halves = without_surrogates(raw)
        try:
            yield with_surrogate_note(_post(raw, where, blog_url, tag_names, repair), where, halves)
        except (TypeError, ValueError) as exc:
            yield Problem(where, f"cannot read this post: {exc}")


def _post(
    raw: dict[str, Any],
    where: str,
    blog_url: str | None,
    tag_names: Mapping[str, list[Tag]] | None,
    repair: bool = True,
) -> Post:
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ValueError("it has no title" if not title else '"title" is not text')
    markdown = raw.get("contentMarkdown")
    if not isinstance(markdown, str):
        raise ValueError("it has no contentMarkdown")
    cuid = str(raw.get("cuid") or "")
    label = f"{where} ({raw.get('slug') or cuid})"
    notes: list[Note] = []
    # A lone CR ends a line for CommonMark too; the code map counts "\n" only.
    markdown = markdown.replace("\r\n", "\n").replace("\r", "\n")
    if repair:
        markdown, *lines = repair_mojibake(markdown)
        notes += mojibake_notes(label, *lines)
    markdown, fence_notes = repair_fences(markdown, label, None)
    notes.extend(fence_notes)
    listed = raw.get("tags")
    tag_ids = [str(t) for t in listed if t] if isinstance(listed, list) else []
    tags: tuple[Tag, ...] = ()
    if tag_ids:
        known = (tag_names or {}).get(cuid)
        if known:
            tags = tuple(known)
        else:
            why = "the export does not hold tag names"
            action = "left out; give a backup folder of the same blog (--tags-from) to get the names"
            if known is not None:
                # A backup copy in the old format (no front matter) names no tags either.
                why = "the backup's copy of this post names no tags (its old format has no front matter)"
                action = "left out"
            what = f"{len(tag_ids)} tag(s) are only Hashnode ids in the JSON export"
            notes.append(Note(label, "tag-ids", what, why, action))
    series = _text(raw.get("series"))
    if series is not None and dates.OBJECT_ID.fullmatch(series):
        # The export names a series by its id only; no source of ours has the name.
        what = f"series {series} is only a Hashnode id in the JSON export"
        notes.append(Note(label, "series-id", what, "the export does not hold series names", "left out"))
        series = None
    slug = str(raw.get("slug") or "").strip() or slugify(title, fallback=cuid)
    stated = parse_date(raw.get("dateAdded")) or parse_date(raw.get("createdAt"))
    dated = dates.choose(stated, "export", None, dates.id_date(cuid, str(raw.get("_id") or "")))
    if dated is None:
        raise ValueError("no publish date: no dateAdded, and neither its cuid nor its _id is a Hashnode id")
    notes += dates.date_notes(label, dated)
    extra = {k: raw[k] for k in _KEEP_EXTRA if k in raw}
    if tag_ids:
        extra["tag_ids"] = tag_ids
    if raw.get("_id") or raw.get("id"):
        extra["id"] = str(raw.get("_id") or raw.get("id"))
    base = (blog_url or "").rstrip("/")
    return Post(
        title=" ".join(title.split()),
        slug=slug,
        **body_fields(markdown),
        cuid=cuid,
        subtitle=_text(raw.get("subtitle")) or "",
        **dated.post_fields(),
        updated=parse_date(raw.get("dateUpdated") or raw.get("updatedAt")),
        tags=tags,
        cover=_text(raw.get("coverImage")),
        og_image=_text(raw.get("ogImage")),
        seo_title=_text(raw.get("metaTitle")),
        seo_description=_text(raw.get("metaDescription")),
        canonical_url=_text(raw.get("originalArticleURL")),
        series=series,
        hashnode_url=f"{base}/{slug}" if base else None,
        source=where,
        notes=tuple(notes),
        extra=extra,
    )


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None
