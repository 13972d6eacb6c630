"""The exporter contract, and the body renderer every exporter builds on.

An exporter is pure: given a post (and what it needs to know of the whole site) it returns the files
to write and the notes on what did not carry over. Writing them (a folder, an API) is delivery's job.
Exporters are found by name through the entry-point group ``hashmigrate.exporters``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, ClassVar, Protocol, runtime_checkable

from hashmigrate import model
from hashmigrate.document import Construct, Document, Element, HtmlBlock, HtmlInline
from hashmigrate.embeds import valid_ids
from hashmigrate.links import autolink
from hashmigrate.model import Callout, Embed, Html, Image, Markdown, Mention, Node, Note, Post, Widget
from hashmigrate.urls import markdown_text, safe_url


@dataclass(frozen=True, slots=True)
class OutputFile:
    """A file to write, at a POSIX path relative to the output folder."""

    path: str
    content: str


@dataclass(frozen=True, slots=True)
class Rendered:
    post: Post
    files: tuple[OutputFile, ...]
    url: str | None = None
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True)
class Site:
    """What rendering one post may need to know about the whole migration."""

    blog_url: str | None = None
    urls: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class Exporter(Protocol):
    """What every exporter has. Optional methods, used when present:

    - ``url(post) -> str | None``: the post's new URL path, so links between posts can follow it;
    - ``heading_id(text) -> str``: the id the target gives a heading, so ``#heading-`` anchors can;
    - ``asset_path(post, stem, ext, cover) -> (file path, reference)``: where a downloaded image goes;
    - ``finish(rendered, site) -> tuple[OutputFile, ...]``: files made from every rendered post at the
      end (WordPress's one WXR file), so ``render`` can stay pure.
    """

    name: ClassVar[str]
    description: ClassVar[str]

    def render(self, post: Post, site: Site) -> Rendered:
        """The files for one post. Pure: no I/O."""
        ...

    def site_files(self, site: Site) -> tuple[OutputFile, ...]:
        """Files the whole output needs once (a config snippet), written beside the posts."""
        ...

    def advice(self) -> str:
        """One paragraph telling the user what their site needs to show the output as intended."""
        ...


# Inline elements Markdown has no syntax for: markdownify would keep only their text, but CommonMark
# keeps raw inline HTML, so they stay as they are in body text (a <mark> highlight, a <sub> index).
RAW_INLINE_TAGS = frozenset(
    {"mark", "u", "ins", "sub", "sup", "small", "big", "abbr", "span", "var", "cite", "dfn", "time",
     "bdi", "bdo", "data", "font", "strike", "tt", "wbr"}
)  # fmt: skip


def html_to_markdown(fragment: str) -> str:
    """An HTML fragment (callout text, a raw block a target cannot take) as Markdown."""
    try:
        text = str(_converter().convert(fragment))
    except RecursionError:
        # Thousands of nested tags: keep the HTML itself rather than lose the text.
        return fragment.strip()
    return text.strip()


@lru_cache(maxsize=1)
def _converter() -> Any:
    # markdownify pulls in BeautifulSoup (a tenth of a second); only posts with callouts need it.
    from markdownify import MarkdownConverter

    raw = {f"convert_{tag}": _raw_inline for tag in RAW_INLINE_TAGS}
    converter = type("Converter", (MarkdownConverter,), raw)
    return converter(
        heading_style="ATX",
        bullets="-",
        escape_underscores=False,
        escape_asterisks=False,
        escape_misc=False,
    )


def _raw_inline(converter: Any, el: Any, text: str, parent_tags: set[str]) -> str:
    """The element as it was written, around its content (converted); only its text in code."""
    if "_noformat" in parent_tags:
        return text
    attrs = "".join(
        f' {name}="{attr(" ".join(value) if isinstance(value, list) else str(value))}"'
        for name, value in el.attrs.items()
    )
    if el.name == "wbr":
        return f"<wbr{attrs}>"
    return f"<{el.name}{attrs}>{text}</{el.name}>"


def plain_data(value: Any) -> bool:
    """Whether a value is plain data every front-matter format can write (str, number, bool, list, dict)."""
    if isinstance(value, (str, int, float, bool)):
        return True
    if isinstance(value, list):
        return all(plain_data(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and plain_data(v) for k, v in value.items())
    return False


def attr(value: str) -> str:
    """A value for a double-quoted HTML attribute."""
    return html.escape(value, quote=True)


def shown(text: str, limit: int = 100) -> str:
    """Text from a post, quoted for a message: control characters visible, long values cut."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def mention_name(node: Mention) -> str:
    """A mention's name as Markdown link text: a person's name, never a tag."""
    return node.name.replace("<", "&lt;")


_NOT_HTTP = "its address is not an http(s) URL"
_NODE_TYPE = re.compile(r"""data-node-type\s*=\s*["']?([\w-]{1,40})""", re.I)
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _marker(source: str) -> str:
    """A character the source does not contain, to mark where the renderer's own text goes."""
    for code in range(0xFDD0, 0xFDF0):  # Unicode noncharacters: never in a real post
        if chr(code) not in source:
            return chr(code)
    raise ValueError("no free marker character")  # 32 noncharacters, all in one post: not a post


def unescape_markdown(text: str) -> str:
    """Markdown backslash escapes removed (``\\_`` -> ``_``): for alt text used outside Markdown."""
    return _MD_ESCAPE.sub(r"\1", text)


class BodyRenderer:
    """Renders body nodes to Markdown for one target; subclasses override what their target does better.

    Every node type has a method, with a fallback that keeps the content visible (an embed becomes a
    link, a widget a comment), so a new node type is never dropped silently. Lossy choices are recorded
    with :meth:`note`.
    """

    target: ClassVar[str] = "markdown"

    def __init__(self, post: Post) -> None:
        self.post = post
        self.notes: list[Note] = []

    def note(self, kind: model.NoteKind, what: str, why: str, action: str = "") -> None:
        self.notes.append(Note(self.post.label, kind, what, why, action))

    def render(self, document: Document) -> str:
        """The body for this target: the author's text as :meth:`markdown` writes it, each construct as
        its method renders it."""
        return "".join(
            self.markdown(Markdown(text)) if author else text for text, author in self.parts(document)
        )

    def parts(self, document: Document) -> list[tuple[str, bool]]:
        """The body as (text, written by the author) runs, in order.

        One walk over the tree: what the writer leaves alone is the author's source, byte for byte;
        each construct is rendered by its method (:meth:`node`), and a node a target must change has a
        visit (:meth:`visit`). Neighbouring runs of the author's text are joined, so a target's escaping
        (Hugo's shortcodes, Liquid) sees whole runs, as the author wrote them. What the renderer writes
        itself comes back as the very object its method returned (a ``str`` subclass stays one).
        """
        mark = _marker(document.source)
        ours: list[str] = []

        def own(text: str) -> str:
            ours.append(text)
            return f"{mark}{len(ours) - 1}{mark}"

        def visit(element: Element) -> str | None:
            if isinstance(element, Construct) and element.node is not None:
                text = self.node(element.node)
                if element.indent and "\n" in text:
                    text = type(text)(text.replace("\n", "\n" + element.indent))
                return own(text) + element.after
            return self.visit(document, element, own)

        pieces = document.emit(visit).split(mark)
        parts: list[tuple[str, bool]] = []
        for index, piece in enumerate(pieces):
            if index % 2:
                parts.append((ours[int(piece)], False))
            elif piece:
                parts.append((piece, True))
        return parts

    def visit(self, document: Document, element: Element, own: Callable[[str], str]) -> str | None:
        """What to write for a node of the author's Markdown, or None for its source (its children
        visited in turn). ``own(text)`` marks text the renderer wrote itself (not the author's, so not
        escaped as the author's is). The default notes Hashnode editor markup left in raw HTML."""
        if isinstance(element, (HtmlBlock, HtmlInline)):
            for name in dict.fromkeys(_NODE_TYPE.findall(document.text_of(element))):
                # Markup of a Hashnode editor element the reader does not know: it shows as plain HTML
                # (if at all), so say so rather than pass it through silently.
                self.note(
                    "hashnode-markup",
                    f'Hashnode element data-node-type="{name}" kept as HTML',
                    "hashmigrate does not know this element of Hashnode's editor",
                    "check how it shows",
                )
            if isinstance(element, HtmlBlock):
                return self.html_block(document.text_of(element), own)
        return None

    def html_block(self, html: str, own: Callable[[str], str]) -> str | None:
        """A raw HTML block as this target needs it, or None to keep it as written."""
        return None

    def node(self, node: Node) -> str:
        if isinstance(node, Markdown):
            return self.markdown(node)
        if isinstance(node, Embed):
            return self._checked_embed(node)
        if isinstance(node, Image):
            if not node.src.strip():
                self.note("image-empty", "an image with no URL left out", "there is nothing to show")
                return ""
            if safe_url(node.src, relative=True) is None:
                self.note("image-as-text", f"image {shown(node.src)} written as its alt text", _NOT_HTTP)
                return markdown_text(unescape_markdown(node.alt))
            if node.link and safe_url(node.link, relative=True) is None:
                self.note("image-link-dropped", f"link {shown(node.link)} of an image left out", _NOT_HTTP)
                node = replace(node, link=None)
            return self.html_image(node) if node.in_html else self.image(node)
        if isinstance(node, Widget):
            return self.widget(node)
        if isinstance(node, Callout):
            return self.callout(node)
        if isinstance(node, Mention):
            return self.mention(node)
        if isinstance(node, Html):
            for name in dict.fromkeys(_NODE_TYPE.findall(node.html)):
                # Markup of a Hashnode editor element the reader does not know: it shows as plain HTML
                # (if at all), so say so rather than pass it through silently.
                self.note(
                    "hashnode-markup",
                    f'Hashnode element data-node-type="{name}" kept as HTML',
                    "hashmigrate does not know this element of Hashnode's editor",
                    "check how it shows",
                )
            return self.html(node)
        raise TypeError(f"no rendering for body node {type(node).__name__}")

    def _checked_embed(self, node: Embed) -> str:
        """The one gate every embed passes: only an http(s) URL and ids that match their provider's
        patterns reach a target's markup; any other URL is written as text."""
        url = safe_url(node.url)
        if url is None:
            self.note(
                "embed-as-text",
                f"embed {shown(node.url)} written as text",
                _NOT_HTTP,
            )
            return markdown_text(node.url)
        if not valid_ids(node.provider, node.ids):
            return self.embed(Embed(url, "link", {}, node.indent))
        return self.embed(replace(node, url=url))

    def url_field(self, name: str, url: str | None, *, relative: bool = False) -> str | None:
        """A URL for the front matter (canonical, cover), by the same rule as embeds: themes and SEO
        plugins put it in attributes and JSON-LD; one that is not http(s) is left out, with a note."""
        if not url:
            return None
        safe = safe_url(url, relative=relative)
        if safe is None:
            self.note("url-omitted", f"{name} {shown(url)} left out", _NOT_HTTP)
        return safe

    # -- defaults -------------------------------------------------------------------------------------
    def markdown(self, node: Markdown) -> str:
        return node.text

    def html(self, node: Html) -> str:
        return node.html

    def embed(self, node: Embed) -> str:
        self.note(
            "embed-as-link",
            f"{node.provider} embed {node.url} written as a link",
            f"{self.target} has no embed for it",
        )
        return self.link(node.url)

    def link(self, url: str, text: str | None = None) -> str:
        return f"[{text}]({url})" if text else autolink(url)

    def widget(self, node: Widget) -> str:
        self.note(
            "widget",
            f"Hashnode widget %%[{node.name}] left out",
            "widgets exist only on Hashnode",
            "an HTML comment marks where it was",
        )
        return f"<!-- Hashnode widget: {node.name.replace('--', '- -')} -->"

    def image(self, node: Image) -> str:
        title = ' "' + node.title.replace("\\", "\\\\").replace('"', '\\"') + '"' if node.title else ""
        src = f"<{node.src}>" if " " in node.src else node.src
        image = f"![{node.alt}]({src}{title})"
        return f"[{image}]({node.link})" if node.link else image

    def html_image(self, node: Image) -> str:
        alt = attr(unescape_markdown(node.alt))
        align = f' align="{attr(node.align)}"' if node.align else ""
        tag = f'<img src="{attr(node.src)}" alt="{alt}"{align}>'
        return f'<a href="{attr(node.link)}">{tag}</a>' if node.link else tag

    def callout(self, node: Callout) -> str:
        text = html_to_markdown(node.html)
        lines = f"{node.emoji} {text}".strip().split("\n")
        return "\n".join(f"> {line}".rstrip() for line in lines)

    def mention(self, node: Mention) -> str:
        return f"[{mention_name(node)}]({node.url})"
