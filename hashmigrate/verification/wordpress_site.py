"""WordPress posts read back from a site through its REST API (``verify --to wordpress --wp-url``).

What ``publish`` sent is not always what WordPress keeps: its kses filters strip markup an author may
not post (an ``<iframe>``, a ``<script>``, attributes), and the block editor may find blocks it cannot
read. So each published post is read back with ``context=edit``: ``content.raw`` is the block markup
WordPress stored (its block tree is checked as the WXR file's is) and ``content.rendered`` the page it
shows, compared with Hashnode's page like every other target's.

A post is found by the id the publish state file recorded for it on this site, else by its slug. The
site, user and application password are taken exactly as ``publish`` takes them (the publisher is
made by :func:`hashmigrate.publish.create_publisher`: ``--wp-url``/``WP_URL``, ``--wp-user``/
``WP_USER``, the password only from ``WP_APP_PASSWORD``), and never printed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from hashmigrate.api import PostResult
from hashmigrate.assets import image_urls
from hashmigrate.model import Post
from hashmigrate.publish import post_key
from hashmigrate.verification.pages import Pages
from hashmigrate.verification.targets import page_key
from hashmigrate.verification.wordpress import parse_blocks, shown_pages


@runtime_checkable
class StoredPosts(Protocol):
    """What verify needs of the WordPress publisher (exporters/wordpress_publish.py)."""

    target: str  # its key in the state file, e.g. ``wordpress:https://example.com``
    endpoint: str  # the site, for people (no credentials)

    def stored(self, remote_id: str | None, slug: str) -> Mapping[str, Any] | None: ...

    def media_sources(self, urls: list[str]) -> dict[str, str]: ...

    def close(self) -> None: ...


@dataclass(slots=True)
class WordPressSite:
    """A site to read posts back from, and the publish state file that knows their ids (if any)."""

    posts: StoredPosts
    state: Path | None = None


_EMBED_FIGURE = re.compile(
    r"<figure\b[^>]*\bclass=\"[^\"]*\bwp-block-embed\b[^\"]*\"[^>]*>.*?</figure>", re.S
)


def _embed_urls(blocks: list[dict[str, Any]]) -> list[str]:
    urls: list[str] = []
    for block in blocks:
        if block["blockName"] == "core/embed":
            urls.append(str((block["attrs"] or {}).get("url", "")))
        urls.extend(_embed_urls(block["innerBlocks"]))
    return urls


def shown(raw: str, rendered: str) -> str:
    """The page WordPress renders, each embed block as the iframe of its URL: what oEmbed makes of it
    needs the provider (a site with no way out shows the bare URL), so it is read as the WXR pages'
    embeds are (see :mod:`hashmigrate.verification.wordpress`)."""
    urls = iter(_embed_urls(parse_blocks(raw)))

    def player(match: re.Match[str]) -> str:
        url = next(urls, None)
        if url is None:
            return match.group(0)
        return f'<figure><iframe src="{html.escape(url, quote=True)}"></iframe></figure>'

    return _EMBED_FIGURE.sub(player, rendered)


def site_pages(site: WordPressSite, planned: list[PostResult], posts: dict[str, Post], real: bool) -> Pages:
    """Each planned post's page as the site stores and shows it, or why there is none."""
    from hashmigrate.publish.state import StateStore

    reader = site.posts
    pages = Pages(f"read back from WordPress at {reader.endpoint} (REST API, context=edit)", True)
    ids: dict[str, str] = {}
    if site.state is not None and site.state.is_file():
        with StateStore(site.state, readonly=True) as store:
            ids = {key: remote for remote, key in store.remote_ids(reader.target).items()}
    raws: list[str] = []
    keys: list[str] = []
    for planned_post in planned:
        key = page_key(planned_post)
        post = posts[planned_post.source]
        found = reader.stored(ids.get(post_key(post)), post.slug)
        content = found.get("content") if found is not None else None
        if not isinstance(content, dict) or not isinstance(content.get("raw"), str):
            pages.missing[key] = f"no post {post.slug!r} on {reader.endpoint}"
            continue
        raw, rendered = content["raw"], str(content.get("rendered") or "")
        raws.append(raw)
        keys.append(key)
        pages.html[key] = shown(raw, rendered)
        if (urls := image_urls(post)) and "<img" in rendered:
            # Images uploaded to the media library (publish --upload-images) are the originals.
            pages.image_sources[key] = reader.media_sources(urls)
    # What the editor would make of the stored blocks: the same checks as the WXR file's markup.
    for key, page in zip(keys, shown_pages(raws, real), strict=True):
        pages.problems[key] = list(page.problems)
    return pages
