"""The neutral post model every reader produces and every exporter consumes.

Readers know Hashnode; exporters know their platform; this module is the only thing both see. A post's
body is a sequence of nodes: plain Markdown stays :class:`Markdown` text (code included, untouched), and
each Hashnode-only construct becomes a typed node that every exporter must render.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

if TYPE_CHECKING:
    from hashmigrate.document import Document

# What a note is about: the short stable key notes are counted by. A typo is a type error.
NoteKind: TypeAlias = Literal[
    # reading a backup, an export or the API: files, front matter, slugs, dates, text
    "encoding",
    "front-matter",
    "front-matter-type",
    "old-format",
    "untitled",
    "duplicate-slug",
    "slug-changed",
    "slug-from-links",
    "tag-ids",
    "series-id",
    "date-invalid",
    "date-approximate",
    "mojibake",
    "mojibake-doubtful",
    "fence-open",
    "fence-repaired",
    # the body: embeds, widgets, markup and HTML a target cannot show as they were
    "widget",
    "embed-as-link",
    "embed-as-text",
    "iframe-as-embed",
    "hashnode-markup",
    "html-removed",
    "list-as-html",
    "list-start",
    "math",
    "control-character",
    # images, links and URLs
    "image-empty",
    "image-as-text",
    "image-link-dropped",
    "image-align",
    "image-remote",
    "images-beside-post",
    "url-omitted",
    "link-unresolved",
    "anchor-unresolved",
    # what a target keeps of the post's metadata and dates
    "title-shortened",
    "tag-dropped",
    "tag-renamed",
    "tag-shortened",
    "alias",
    "canonical-omitted",
    "cover-omitted",
    "cover-not-featured",
    "date-fallback",
    "future",
]

# Where a post's publish date came from; every one but a stated date may be approximate.
DateOrigin: TypeAlias = Literal["front matter", "export", "API", "git history", "cuid", "ObjectId"]


@dataclass(frozen=True, slots=True)
class Tag:
    name: str
    slug: str


@dataclass(frozen=True, slots=True)
class Note:
    """Something that did not carry over exactly, said plainly.

    ``kind`` is a short stable key (a :data:`NoteKind`: ``widget``, ``embed-as-link`` ...) used to count
    notes in summaries; ``what``, ``why`` and ``action`` are for people.
    """

    post: str
    kind: NoteKind
    what: str
    why: str
    action: str = ""

    def line(self) -> str:
        text = f"{self.post}: {self.what}"
        if self.why:
            text += f" ({self.why})"
        if self.action:
            text += f"; {self.action}"
        return text


# ---- body nodes -------------------------------------------------------------------------------------
# ``indent`` is the container prefix of the line a block node stands on ("> " in a blockquote, spaces
# in a list item): a renderer that emits several lines repeats it after each newline so the output stays
# inside the same container.


@dataclass(frozen=True, slots=True)
class Markdown:
    """Plain Markdown, passed through as written (code spans and blocks included)."""

    text: str


@dataclass(frozen=True, slots=True)
class Embed:
    """``%[url]``: a rich embed of ``provider`` (``youtube``, ``twitter``, ``gist`` ... or ``link``)."""

    url: str
    provider: str
    ids: Mapping[str, str] = field(default_factory=dict)
    indent: str = ""


@dataclass(frozen=True, slots=True)
class Widget:
    """``%%[name]``: a Hashnode widget, which exists only on Hashnode."""

    name: str
    indent: str = ""


@dataclass(frozen=True, slots=True)
class Image:
    """A Markdown image, with Hashnode's ``align`` and the link it may be wrapped in.

    ``alt`` is the raw Markdown alt text (escapes kept); ``in_html`` is true when the image stood inside
    a raw HTML block, where Markdown is not rendered, so it has to be written as an ``<img>`` tag.
    """

    src: str
    alt: str = ""
    align: str | None = None
    title: str | None = None
    link: str | None = None
    in_html: bool = False


@dataclass(frozen=True, slots=True)
class Callout:
    """Hashnode's callout box; ``html`` is the inner HTML of the callout text."""

    emoji: str
    html: str
    indent: str = ""


@dataclass(frozen=True, slots=True)
class Mention:
    """``@[Name](@username)``: a link to a Hashnode profile."""

    name: str
    username: str

    @property
    def url(self) -> str:
        return f"https://hashnode.com/@{self.username}"


@dataclass(frozen=True, slots=True)
class Html:
    """A raw HTML block (iframe, details, center ...), kept as written."""

    html: str


Node: TypeAlias = Markdown | Embed | Widget | Image | Callout | Mention | Html
NODE_TYPES: tuple[type, ...] = (Markdown, Embed, Widget, Image, Callout, Mention, Html)


@dataclass(frozen=True, slots=True)
class Post:
    title: str
    slug: str
    # The body in flat form (Markdown text runs and Hashnode nodes): what a Post built by hand gives.
    # The built-in writers render :attr:`tree`; a pass that changes the tree also sets this to the tree's
    # flat view (document.flat_view), so a plug-in that renders ``body`` sees what the passes did.
    body: tuple[Node, ...]
    cuid: str = ""
    # The body's document tree, from the reader's one parse; None for a Post built by hand from
    # ``body`` alone (see :attr:`tree`). The passes (links, images) return a Post with the rewritten tree.
    document: Document | None = field(default=None, repr=False, compare=False)
    # The slug was made from the title (an old backup file has none): the post's old URL may differ.
    slug_from_title: bool = False
    subtitle: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    date_approximate: bool = False
    date_origin: DateOrigin | None = None
    tags: tuple[Tag, ...] = ()
    cover: str | None = None
    og_image: str | None = None
    seo_title: str | None = None
    seo_description: str | None = None
    canonical_url: str | None = None
    series: str | None = None
    draft: bool = False
    hashnode_url: str | None = None
    source: str = ""
    notes: tuple[Note, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def description(self) -> str | None:
        """What a target's description/excerpt field should hold."""
        return self.seo_description or self.subtitle or None

    @property
    def label(self) -> str:
        """How messages name this post: its source file when known, else its slug."""
        return self.source or self.slug

    @property
    def undated(self) -> str | None:
        """Why the post cannot be written anywhere (no publish date), or None. Every reader dates every
        post; a Post built by hand may not be, and no target may get 0001, 1970 or "now" for it."""
        return (
            None
            if self.published is not None
            else f"{self.label}: no publish date; give it one (Post.published)"
        )

    @property
    def tree(self) -> Document:
        """The body as a document tree: the reader's, or one made from ``body`` for a Post built by hand."""
        if self.document is not None:
            return self.document
        from hashmigrate.document import from_nodes
        from hashmigrate.parse import parse

        return from_nodes(self.body, parse)

    def with_notes(self, *notes: Note) -> Post:
        return replace(self, notes=self.notes + notes)

    def images(self) -> list[Image]:
        """The body's images, as the passes left them (from the tree when there is one)."""
        if self.document is None:
            return [node for node in self.body if isinstance(node, Image)]
        return [c.node for c in self.document.constructs if isinstance(c.node, Image)]
