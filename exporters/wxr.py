"""WXR 1.2, the file WordPress's importer (Tools > Import > WordPress) reads: one for the whole blog.

The layout follows ``shared/specs/wxr-1.2-minimal.xml``, a file WordPress 6.1's importer accepted:
channel-level author, categories and tags, then one ``item`` per attachment and post. Images stay
remote as attachment items (``wp:attachment_url``); the importer downloads them when "Download and
import file attachments" is ticked and rewrites their URLs in every post. The cover is the featured
image through ``_thumbnail_id``, which the importer remaps to the attachment's new id.

XML 1.0 cannot hold some characters at all (most C0 controls, U+FFFE/U+FFFF, lone surrogates), not
even as character references: they are dropped (:func:`xml_safe` tells the caller which), so the
file is well-formed whatever a title or body holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from email.utils import format_datetime
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape, quoteattr

from exporters.wordpress_blocks import text_html
from hashmigrate.model import Post

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NICENAME = re.compile(r"[^\w-]+")

# Post meta the common SEO plugins read the canonical URL from (Yoast SEO, Rank Math); WordPress
# itself has no canonical field.
CANONICAL_META_KEYS = ("_yoast_wpseo_canonical", "rank_math_canonical_url")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def has_unsafe_chars(text: str) -> bool:
    return _NOT_XML.search(text) is not None


def cdata(text: str) -> str:
    # "]]>" would end the section early: split it across two sections, which readers join.
    return "<![CDATA[" + xml_safe(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text(value: str) -> str:
    return escape(xml_safe(value))


def nicename(name: str) -> str:
    """A term slug the way WordPress's sanitize_title would make it, for names without a slug."""
    slug = _NICENAME.sub("-", name.strip().lower()).strip("-")
    return slug or "term"


def wp_date(value: datetime | None, zone: tzinfo = UTC) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in ``zone``; empty when unknown, so WordPress uses the import time."""
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(zone).replace(microsecond=0, tzinfo=None).isoformat(sep=" ")


@dataclass(frozen=True, slots=True)
class Author:
    login: str = "hashnode"
    email: str = ""
    display_name: str = ""


@dataclass(slots=True)
class Entry:
    """One post for the file: the post and its body as block markup."""

    post: Post
    content: str


@dataclass(slots=True)
class _Attachment:
    id: int
    url: str
    parent: int
    date: datetime | None


@dataclass(slots=True)
class _Terms:
    """Term name by slug, first name wins (Hashnode tags "AI" and "ai" are one WordPress tag)."""

    names: dict[str, str] = field(default_factory=dict)

    def add(self, slug: str, name: str) -> str:
        self.names.setdefault(slug, name)
        return slug


def categories_of(post: Post, extra: Sequence[str] = ()) -> list[str]:
    """Category names for a post: its Hashnode series, then any the user asked for on every post."""
    names = [post.series] if post.series else []
    names.extend(name for name in extra if name and name not in names)
    return names


def attachment_name(url: str) -> str:
    """The file name an image URL ends in (the importer names the upload after it)."""
    name = PurePosixPath(unquote(urlsplit(url).path)).name
    return name or "image"


def image_urls(post: Post) -> list[str]:
    """The cover first, then body images, each once."""
    urls: list[str] = []
    for url in [post.cover, *(image.src for image in post.images())]:
        if url and url not in urls:
            urls.append(url)
    return urls


def build(
    entries: Iterable[Entry],
    *,
    site_url: str,
    title: str,
    author: Author,
    zone: tzinfo = UTC,
    categories: Sequence[str] = (),
) -> str:
    """The whole WXR document."""
    entries = list(entries)
    tags, cats = _Terms(), _Terms()
    for entry in entries:
        for tag in entry.post.tags:
            tags.add(tag.slug or nicename(tag.name), tag.name)
        for name in categories_of(entry.post, categories):
            cats.add(nicename(name), name)

    next_id = 1
    post_ids: list[int] = []
    for _entry in entries:
        post_ids.append(next_id)
        next_id += 1
    attachments: dict[str, _Attachment] = {}
    items: list[str] = []
    for entry, post_id in zip(entries, post_ids, strict=True):
        post = entry.post
        for url in image_urls(post):
            if url not in attachments:
                attachments[url] = _Attachment(next_id, url, post_id, post.published)
                next_id += 1
                items.append(_attachment_item(attachments[url], site_url, author, zone))
        thumbnail = attachments[post.cover].id if post.cover else None
        items.append(_post_item(entry, post_id, thumbnail, site_url, author, zone, categories))

    head = [
        '<?xml version="1.0" encoding="UTF-8" ?>',
        "<!-- A WordPress eXtended RSS file written by hashmigrate: Tools > Import > WordPress. -->",
        '<rss version="2.0"',
        '\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"',
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"',
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"',
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"',
        '\txmlns:wp="http://wordpress.org/export/1.2/">',
        "<channel>",
        f"\t<title>{text(title)}</title>",
        f"\t<link>{text(site_url)}</link>",
        "\t<description></description>",
        "\t<language>en-US</language>",
        "\t<wp:wxr_version>1.2</wp:wxr_version>",
        f"\t<wp:base_site_url>{text(site_url)}</wp:base_site_url>",
        f"\t<wp:base_blog_url>{text(site_url)}</wp:base_blog_url>",
        "",
        "\t<wp:author>",
        "\t\t<wp:author_id>1</wp:author_id>",
        f"\t\t<wp:author_login>{cdata(author.login)}</wp:author_login>",
        f"\t\t<wp:author_email>{cdata(author.email)}</wp:author_email>",
        f"\t\t<wp:author_display_name>{cdata(author.display_name or author.login)}</wp:author_display_name>",
        "\t\t<wp:author_first_name><![CDATA[]]></wp:author_first_name>",
        "\t\t<wp:author_last_name><![CDATA[]]></wp:author_last_name>",
        "\t</wp:author>",
        "",
    ]
    term_id = 1
    for slug, name in cats.names.items():
        head += [
            "\t<wp:category>",
            f"\t\t<wp:term_id>{term_id}</wp:term_id>",
            f"\t\t<wp:category_nicename>{cdata(slug)}</wp:category_nicename>",
            "\t\t<wp:category_parent><![CDATA[]]></wp:category_parent>",
            f"\t\t<wp:cat_name>{cdata(text_html(name))}</wp:cat_name>",
            "\t</wp:category>",
        ]
        term_id += 1
    for slug, name in tags.names.items():
        head += [
            "\t<wp:tag>",
            f"\t\t<wp:term_id>{term_id}</wp:term_id>",
            f"\t\t<wp:tag_slug>{cdata(slug)}</wp:tag_slug>",
            f"\t\t<wp:tag_name>{cdata(text_html(name))}</wp:tag_name>",
            "\t</wp:tag>",
        ]
        term_id += 1
    return "\n".join([*head, "", *items, "</channel>", "</rss>", ""])


def _attachment_item(attachment: _Attachment, site_url: str, author: Author, zone: tzinfo) -> str:
    name = attachment_name(attachment.url)
    date = attachment.date
    lines = [
        "\t<item>",
        f"\t\t<title>{cdata(name)}</title>",
        f"\t\t<link>{text(site_url.rstrip('/'))}/?attachment_id={attachment.id}</link>",
        f"\t\t<pubDate>{format_datetime(date.astimezone(UTC)) if date else ''}</pubDate>",
        f"\t\t<dc:creator>{cdata(author.login)}</dc:creator>",
        f'\t\t<guid isPermaLink="false">{text(attachment.url)}</guid>',
        "\t\t<description></description>",
        "\t\t<content:encoded><![CDATA[]]></content:encoded>",
        "\t\t<excerpt:encoded><![CDATA[]]></excerpt:encoded>",
        f"\t\t<wp:post_id>{attachment.id}</wp:post_id>",
        f"\t\t<wp:post_date>{cdata(wp_date(date, zone))}</wp:post_date>",
        f"\t\t<wp:post_date_gmt>{cdata(wp_date(date))}</wp:post_date_gmt>",
        f"\t\t<wp:post_name>{cdata(nicename(PurePosixPath(name).stem))}</wp:post_name>",
        "\t\t<wp:status><![CDATA[inherit]]></wp:status>",
        f"\t\t<wp:post_parent>{attachment.parent}</wp:post_parent>",
        "\t\t<wp:post_type><![CDATA[attachment]]></wp:post_type>",
        f"\t\t<wp:attachment_url>{cdata(attachment.url)}</wp:attachment_url>",
        "\t</item>",
    ]
    return "\n".join(lines)


def _post_item(
    entry: Entry,
    post_id: int,
    thumbnail: int | None,
    site_url: str,
    author: Author,
    zone: tzinfo,
    categories: Sequence[str],
) -> str:
    post = entry.post
    date = post.published
    link = f"{site_url.rstrip('/')}/{post.slug}/" if site_url else f"/{post.slug}/"
    guid = post.hashnode_url or f"hashnode:{post.cuid or post.slug}"
    lines = [
        "\t<item>",
        # WordPress keeps a title, an excerpt and a term name as HTML; on Hashnode they are plain text.
        f"\t\t<title>{cdata(text_html(post.title))}</title>",
        f"\t\t<link>{text(link)}</link>",
        f"\t\t<pubDate>{format_datetime(date.astimezone(UTC)) if date else ''}</pubDate>",
        f"\t\t<dc:creator>{cdata(author.login)}</dc:creator>",
        f'\t\t<guid isPermaLink="false">{text(guid)}</guid>',
        "\t\t<description></description>",
        f"\t\t<content:encoded>{cdata(entry.content)}</content:encoded>",
        f"\t\t<excerpt:encoded>{cdata(text_html(post.description or ''))}</excerpt:encoded>",
        f"\t\t<wp:post_id>{post_id}</wp:post_id>",
        f"\t\t<wp:post_date>{cdata(wp_date(date, zone))}</wp:post_date>",
        f"\t\t<wp:post_date_gmt>{cdata(wp_date(date))}</wp:post_date_gmt>",
        "\t\t<wp:comment_status><![CDATA[open]]></wp:comment_status>",
        "\t\t<wp:ping_status><![CDATA[open]]></wp:ping_status>",
        f"\t\t<wp:post_name>{cdata(post.slug)}</wp:post_name>",
        f"\t\t<wp:status>{cdata('draft' if post.draft else 'publish')}</wp:status>",
        "\t\t<wp:post_parent>0</wp:post_parent>",
        "\t\t<wp:menu_order>0</wp:menu_order>",
        "\t\t<wp:post_type><![CDATA[post]]></wp:post_type>",
        "\t\t<wp:post_password><![CDATA[]]></wp:post_password>",
        "\t\t<wp:is_sticky>0</wp:is_sticky>",
    ]
    for name in categories_of(post, categories):
        lines.append(
            f'\t\t<category domain="category" nicename={quoteattr(xml_safe(nicename(name)))}>{cdata(text_html(name))}</category>'
        )
    for tag in post.tags:
        slug = tag.slug or nicename(tag.name)
        lines.append(
            f'\t\t<category domain="post_tag" nicename={quoteattr(xml_safe(slug))}>{cdata(text_html(tag.name))}</category>'
        )
    meta: list[tuple[str, str]] = []
    if thumbnail is not None:
        meta.append(("_thumbnail_id", str(thumbnail)))
    if post.canonical_url:
        meta.extend((key, post.canonical_url) for key in CANONICAL_META_KEYS)
    if post.cuid:
        meta.append(("_hashnode_cuid", post.cuid))
    if post.hashnode_url:
        meta.append(("_hashnode_url", post.hashnode_url))
    for key, value in meta:
        lines += [
            "\t\t<wp:postmeta>",
            f"\t\t\t<wp:meta_key>{cdata(key)}</wp:meta_key>",
            f"\t\t\t<wp:meta_value>{cdata(value)}</wp:meta_value>",
            "\t\t</wp:postmeta>",
        ]
    lines.append("\t</item>")
    return "\n".join(lines)
