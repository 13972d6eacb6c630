"""WordPress: block-editor posts, as one WXR 1.2 import file for the whole blog.

Each post's body is Gutenberg block markup (:mod:`exporters.wordpress_blocks`), written on its own to
``posts/<slug>.html`` (paste it into the editor's code view) and gathered by :meth:`finish` into
``wordpress-import.xml`` (:mod:`exporters.wxr`). ``hashmigrate publish --to wordpress`` sends the same
markup over the REST API instead (:mod:`exporters.wordpress_publish`).

Options (``--option key=value``): ``author`` (the login the posts are credited to in the file, which
the importer lets you map to a user), ``author_name``, ``author_email``, ``timezone`` (the site's
IANA time zone, for the local ``post_date``; UTC otherwise), ``category`` (a category for every
post, beside its Hashnode series), ``title`` (the channel title).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, tzinfo
from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from exporters import wxr
from exporters.wordpress_blocks import Media, render_body
from hashmigrate.canonical import CHECK, canonical_mode, checked_canonical
from hashmigrate.exporter import FinishReads, Option, OutputFile, Rendered, Site
from hashmigrate.model import Post

WXR_FILE = "wordpress-import.xml"


class WordPressExporter:
    name: ClassVar[str] = "wordpress"
    description: ClassVar[str] = f"WordPress block-editor posts in one WXR 1.2 import file ({WXR_FILE})"
    options: ClassVar[tuple[Option, ...]] = (
        Option("author", str, "hashnode", "the login the posts are credited to (the importer maps it)"),
        Option("author_name", str, "", "the author's display name"),
        Option("author_email", str, "", "the author's e-mail address"),
        Option("timezone", str, None, "the site's IANA time zone, for the local post date (else UTC)"),
        Option("category", str, None, "a category for every post, beside its Hashnode series"),
        Option("title", str, "Migrated from Hashnode", "the import file's channel title"),
        Option("canonical", str, CHECK, "a canonical URL that cannot be right: check (leave it out) or keep"),
    )
    remote_images: ClassVar[str] = (
        "the WordPress importer downloads them itself (tick 'Download and import file attachments'); "
        "publish --upload-images puts them in the media library"
    )
    # The WXR file needs each post's fields, markup and images, not its body or tree.
    finish_reads: ClassVar[FinishReads] = "images"

    def __init__(
        self,
        author: str = "hashnode",
        author_name: str = "",
        author_email: str = "",
        timezone: str | None = None,
        category: str | None = None,
        title: str = "Migrated from Hashnode",
        canonical: str = CHECK,
    ) -> None:
        self.author = wxr.Author(login=author, email=author_email, display_name=author_name)
        self.zone: tzinfo = UTC
        if timezone:
            try:
                self.zone = ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"timezone {timezone!r} is not a known IANA time zone") from exc
        self.categories: tuple[str, ...] = (category,) if category else ()
        self.title = title
        self.canonical = canonical_mode(canonical)

    @staticmethod
    def path(post: Post) -> str:
        return f"posts/{post.slug}.html"

    def body(self, post: Post, media: dict[str, Media] | None = None) -> tuple[str, Rendered]:
        """The block markup, and the result with the notes (the publisher renders through this);
        the result's post is the one to publish (its canonical URL checked)."""
        post, canonical_note = checked_canonical(post, self.canonical)
        markup, renderer = render_body(post, media)
        renderer.notes.extend(filter(None, [canonical_note]))
        if (
            wxr.has_unsafe_chars(post.title)
            or wxr.has_unsafe_chars(markup)
            or wxr.has_unsafe_chars(post.description or "")
        ):
            renderer.note(
                "control-character",
                "control characters dropped from the WXR file",
                "XML cannot hold them, not even escaped",
            )
        rendered = Rendered(
            post=post,
            files=(OutputFile(self.path(post), markup + "\n"),),
            url=f"/{post.slug}/",
            notes=tuple(renderer.notes),
        )
        return markup, rendered

    def render(self, post: Post, site: Site) -> Rendered:
        return self.body(post)[1]

    def finish(self, rendered: Sequence[Rendered], site: Site) -> tuple[OutputFile, ...]:
        """The import file for every rendered post (called once, after the last post)."""
        entries = []
        for result in rendered:
            content = next((f.content for f in result.files if f.path == self.path(result.post)), None)
            if content is not None:
                entries.append(wxr.Entry(result.post, content.removesuffix("\n")))
        document = wxr.build(
            entries,
            site_url=site.blog_url or "",
            title=self.title,
            author=self.author,
            zone=self.zone,
            categories=self.categories,
        )
        return (OutputFile(WXR_FILE, document),)

    def site_files(self, site: Site) -> tuple[OutputFile, ...]:
        return ()

    def advice(self) -> str:
        return (
            f"In WordPress, Tools > Import > WordPress, upload {WXR_FILE} and tick 'Download and import "
            "file attachments' to bring the images over. Import as an administrator: gist, CodePen and "
            "other script embeds are raw HTML, which WordPress keeps only for users allowed unfiltered "
            "HTML. Set Settings > Permalinks to 'Post name' so /<slug>/ addresses match Hashnode's."
        )
