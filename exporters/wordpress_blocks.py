"""A post body as Gutenberg block markup, the way WordPress 6.1's block editor saves it.

The post's document tree (:mod:`hashmigrate.document`, the one parse of the body) is walked once:
each top-level node becomes its block (paragraph, heading, list, quote, code, table, separator, raw
HTML), and a construct (embed, image, callout, mention, widget) that stands alone in its paragraph or
in the HTML it was written in becomes that node's own block (``wp:embed``, ``wp:image`` ...); one
inside running text becomes inline HTML. The HTML inside blocks is :mod:`hashmigrate.html`'s
CommonMark rendering, with this target's escaping and constructs put in through its hook. Only the
parser decides where code is, so code is never rewritten, only escaped.

WordPress filters post content on display: ``do_shortcode`` runs ``[gallery]`` and friends anywhere,
``autoembed`` turns a URL alone on a line into an embed, ``capital_P_dangit`` rewrites "Wordpress".
Text and code are escaped against all three (``&#91;``, ``&#47;&#47;``, ``&#87;``) so that they show
exactly as written. The markup of each block matches what the block's ``save()`` in WordPress 6.1
writes, so the editor opens the posts without "unexpected content" warnings.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from exporters import embed_html
from hashmigrate import document as d
from hashmigrate.exporter import BodyRenderer, attr, html_to_markdown, unescape_markdown
from hashmigrate.html import Hook, alt_text, escape, href, inline_html, nul, render_html
from hashmigrate.links import hashnode_heading_id
from hashmigrate.model import Callout, Embed, Html, Image, Mention, Node, Post, Widget
from hashmigrate.parse import parse

# Providers WordPress 6.1 embeds through its own oEmbed list (wp-includes/class-wp-oembed.php):
# these become ``wp:embed`` blocks. Twitter's pattern only takes user names of up to 15 characters.
_OEMBED: dict[str, tuple[str, re.Pattern[str]]] = {
    "youtube": (
        "video",
        re.compile(r"^https?://((m|www)\.)?youtube\.com/(watch|playlist|shorts/)|^https?://youtu\.be/", re.I),
    ),
    "vimeo": ("video", re.compile(r"^https?://(.+\.)?vimeo\.com/", re.I)),
    "twitter": ("rich", re.compile(r"^https?://(www\.)?twitter\.com/\w{1,15}/status(es)?/", re.I)),
    "spotify": ("rich", re.compile(r"^https?://(open|play)\.spotify\.com/", re.I)),
}
_X_HOSTS = {"x.com", "www.x.com", "mobile.x.com", "mobile.twitter.com"}
_ALIGNS = {"left", "center", "right", "wide", "full"}
# Separate from the editor's own palette, so it works with any theme; WordPress's global styles pad
# `.wp-block-group.has-background`.
CALLOUT_BACKGROUND = "#f0f7ff"
CALLOUT_CLASS = "hashnode-callout"

_ISOLATED_URL = re.compile(r"^(\s*https?:)//([^\s<>\"]+\s*)$", re.M)
_BLOCK_COMMENT = re.compile(r"<!--(\s+)(/?wp:)")
_TAG = re.compile(r"<[^>]*>")
_CONTAINER_TAGS = (
    "details",
    "div",
    "center",
    "section",
    "aside",
    "figure",
    "blockquote",
    "table",
    "ul",
    "ol",
)
_OPEN_TAG = re.compile(r"<(" + "|".join(_CONTAINER_TAGS) + r")\b[^>]*>", re.I)
_CLOSE_TAG = re.compile(r"</(" + "|".join(_CONTAINER_TAGS) + r")\s*>", re.I)
_WRAPPER_ONLY = re.compile(
    r"^\s*(?:<(?:center|div|p|figure)\b[^>]*>\s*)*(?P<ph>\S+?)\s*(?:</(?:center|div|p|figure)\s*>\s*)*$", re.I
)
_RAW_HR = re.compile(r"^\s*<hr\s*/?>\s*$", re.I)
_LANGUAGE = re.compile(r"^[A-Za-z0-9_+#.-]{1,40}$")


# ---- escaping -----------------------------------------------------------------------------------


def text_html(text: str) -> str:
    """Prose for block HTML: HTML-escaped, ``[`` as an entity so no shortcode runs, and the W of
    "Wordpress" as one so that ``capital_P_dangit`` leaves the author's spelling (verify found posts
    quoting it, shown as "WordPress")."""
    if not ("&" in text or "<" in text or ">" in text or "[" in text or "Wordpress" in text):
        return text  # most text nodes: nothing to change (five substring scans in C; a regex was slower)
    return html.escape(text, quote=False).replace("[", "&#91;").replace("Wordpress", "&#87;ordpress")


def code_html(code: str) -> str:
    """Code for a ``<code>`` element, escaped so that WordPress's content filters leave it as written.

    Gutenberg's own code block escapes ``[`` and the ``//`` of a URL alone on a line (only the first
    such line; every line is escaped here, since ``autoembed`` looks at all of them).
    """
    escaped = html.escape(code, quote=False).replace("[", "&#91;")
    escaped = _ISOLATED_URL.sub(r"\1&#47;&#47;\2", escaped)
    return escaped.replace("Wordpress", "&#87;ordpress")


def raw_html(fragment: str) -> str:
    """Raw HTML kept as written, except a comment WordPress's block parser would take for a delimiter."""
    return _BLOCK_COMMENT.sub(r"<!--\2", fragment)


def serialize_attributes(attrs: Mapping[str, Any]) -> str:
    """Block attributes as Gutenberg's ``serializeAttributes`` writes them into the comment."""
    text = json.dumps(attrs, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("--", "\\u002d\\u002d")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace('\\"', "\\u0022")
    )


@dataclass(slots=True)
class Block:
    """One block: ``html`` before its inner blocks, ``close`` after them (a wrapper's end tag)."""

    name: str
    attrs: dict[str, Any] = field(default_factory=dict)
    html: str = ""
    inner: list[Block] = field(default_factory=list)
    close: str = ""

    def serialize(self) -> str:
        attrs = f" {serialize_attributes(self.attrs)}" if self.attrs else ""
        inner = "\n\n".join(block.serialize() for block in self.inner)
        return f"<!-- wp:{self.name}{attrs} -->\n{self.html}{inner}{self.close}\n<!-- /wp:{self.name} -->"


def serialize(blocks: Sequence[Block]) -> str:
    return "\n\n".join(block.serialize() for block in blocks)


@dataclass(frozen=True, slots=True)
class Media:
    """Where an image now lives: its URL, and its media-library id when it was uploaded."""

    url: str
    id: int | None = None


def twitter_url(url: str) -> str:
    """x.com addresses as twitter.com, the only host WordPress 6.1's oEmbed list knows."""
    parts = urlsplit(url)
    if (parts.hostname or "").lower() in _X_HOSTS:
        return urlunsplit((parts.scheme or "https", "twitter.com", parts.path, parts.query, parts.fragment))
    return url


class _Held(str):
    """What a construct's method returns here: the node itself, made into blocks or HTML later."""

    node: Node


def _held(node: Node) -> _Held:
    held = _Held("")
    held.node = node
    return held


@dataclass(frozen=True, slots=True)
class _Para:
    """Inline nodes that make one paragraph (a paragraph, or a part of one a block construct splits)."""

    nodes: tuple[d.Element, ...]


@dataclass(frozen=True, slots=True)
class _HtmlRun:
    """Raw HTML blocks with the constructs the reader found in them: one HTML block as written."""

    parts: tuple[d.Element, ...]
    # Text after a construct that ended its block: CommonMark reads it afresh, and it may be Markdown.
    after_block: bool = False


_Unit = d.Element | _Para | _HtmlRun


def _language(node: d.CodeBlock) -> str | None:
    if not node.fenced:
        return None
    info = node.info.strip()
    word = unescape_markdown(info.split(maxsplit=1)[0]) if info else ""
    return word if _LANGUAGE.match(word) else None


def _code_text(node: d.CodeBlock) -> str:
    # The line break before the closing fence ends the last line; it is not part of the code (the
    # editor would show an empty line for it). Code that ends with an empty line keeps it whole: a
    # browser shows a <pre>'s one last line break as nothing, and that empty line is the author's.
    text = nul(node.text)
    return text[:-1] if text.endswith("\n") and not text.endswith("\n\n") else text


def _alt(markdown: str) -> str:
    """An image's alt text as CommonMark shows it (and so Hashnode and every Markdown target): the text
    of its Markdown, a link's text without its brackets and address, escapes undone."""
    source = f"![{markdown}](x)"
    document = parse(source)
    picture = next((n for n in document.walk() if isinstance(n, d.Picture)), None)
    if picture is None or (picture.start, picture.end) != (0, len(source)):
        return unescape_markdown(markdown)  # brackets that do not pair: no Markdown to read
    return alt_text(document, picture)


def _blank(node: d.Element) -> bool:
    return isinstance(node, d.SoftBreak) or (isinstance(node, d.Text) and not node.text.strip())


class BlockBody(BodyRenderer):
    """Renders one post's body to blocks; ``media`` maps an image URL to where it was uploaded."""

    target = "WordPress"

    def __init__(self, post: Post, media: Mapping[str, Media] | None = None) -> None:
        super().__init__(post)
        self.media = dict(media or {})
        self._anchors: set[str] = set()
        self._resolved: dict[int, Node | str] = {}

    # -- constructs: the checks every target makes, then the node itself ---------------------------
    def html(self, node: Html) -> str:
        return _held(node)

    def embed(self, node: Embed) -> str:
        return _held(node)

    def widget(self, node: Widget) -> str:
        return _held(node)

    def image(self, node: Image) -> str:
        return _held(node)

    def html_image(self, node: Image) -> str:
        return _held(node)

    def callout(self, node: Callout) -> str:
        return _held(node)

    def mention(self, node: Mention) -> str:
        return _held(node)

    def _resolve(self, construct: d.Construct) -> Node | str:
        """The node a construct stands for once checked, or the text to show instead (once per node)."""
        found = self._resolved.get(id(construct))
        if found is None:
            out = self.node(construct.node) if construct.node is not None else ""
            # The fallbacks are Markdown text written with character references: the text itself.
            found = out.node if isinstance(out, _Held) else html.unescape(out)
            self._resolved[id(construct)] = found
        return found

    # -- blocks -----------------------------------------------------------------------------------
    def blocks(self) -> list[Block]:
        self._anchors, self._resolved, self.notes = set(), {}, []
        document = self.post.tree
        return self._blocks(document, document.children)

    def markup(self) -> str:
        return serialize(self.blocks())

    def _markdown_blocks(self, markdown: str) -> list[Block]:
        """Markdown made here (a callout's text) as blocks: parsed by the one parser."""
        document = parse(markdown)
        return self._blocks(document, document.children)

    def _blocks(self, document: d.Document, nodes: tuple[d.Element, ...]) -> list[Block]:
        units = self._units(nodes)
        blocks: list[Block] = []
        i = 0
        while i < len(units):
            unit = units[i]
            if isinstance(unit, _HtmlRun) and unit.after_block and len(unit.parts) == 1:
                text = self._run_text(unit)[0]
                if not text.lstrip().startswith("<"):
                    # Not HTML once the construct before it is a block: Markdown the parse took for
                    # part of the HTML block the construct was written in (see the report to #14).
                    part = parse(text.strip("\n"))
                    blocks.extend(self._blocks(part, part.children))
                    i += 1
                    continue
            if isinstance(unit, _HtmlRun) and _unbalanced(self._run_text(unit)[0]):
                # An element opened here and closed in a later block (<details> around a code fence)
                # has to stay one piece of HTML, or the browser closes it early.
                end = self._balanced_end(units, i)
                fragment = "".join(self._unit_html(document, u) for u in units[i : end + 1])
                blocks.append(Block("html", html=fragment.strip("\n")))
                i = end + 1
                continue
            blocks.extend(self._unit_blocks(document, unit))
            i += 1
        return blocks

    def _units(self, nodes: tuple[d.Element, ...]) -> list[_Unit]:
        """A container's children as the blocks they make: raw HTML with the constructs inside it as
        one piece, a paragraph split after a block construct (text after an embed is a paragraph)."""
        units: list[_Unit] = []
        run: list[d.Element] = []
        after_block = False

        def flush() -> None:
            nonlocal after_block
            # What a construct was cut out of may leave only a line break: no block of its own.
            if any(
                isinstance(p, d.Construct) or (isinstance(p, d.HtmlBlock) and p.html.strip()) for p in run
            ):
                units.append(_HtmlRun(tuple(run), after_block))
            run.clear()
            after_block = False

        for node in nodes:
            # The pieces the reader cut one HTML block into touch: a construct and the HTML around it.
            touching = bool(run) and run[-1].end == node.start
            if (
                isinstance(node, d.HtmlBlock) and (not run or (touching and isinstance(run[-1], d.Construct)))
            ) or (isinstance(node, d.Construct) and touching and isinstance(run[-1], d.HtmlBlock)):
                run.append(node)
                if isinstance(node, d.Construct) and node.after:
                    flush()
                    after_block = True
                continue
            if isinstance(node, d.Construct):
                flush()
                units.append(_Para((node,)))
                after_block = bool(node.after)
                continue
            flush()
            after_block = False
            if isinstance(node, d.Paragraph):
                units.extend(_Para(part) for part in self._segments(node.children))
            else:
                units.append(node)
        flush()
        return units

    @staticmethod
    def _segments(nodes: tuple[d.Element, ...]) -> list[tuple[d.Element, ...]]:
        """Inline nodes split after each block construct that ends its paragraph."""
        parts: list[tuple[d.Element, ...]] = []
        current: list[d.Element] = []
        for node in nodes:
            if not current and parts and _blank(node):
                continue  # the line break or spaces after a construct that ended a paragraph
            current.append(node)
            if isinstance(node, d.Construct) and node.after:
                parts.append(tuple(current))
                current = []
        if current:
            parts.append(tuple(current))
        return parts

    def _unit_blocks(self, document: d.Document, unit: _Unit) -> list[Block]:
        if isinstance(unit, _Para):
            return self._paragraph(document, unit.nodes)
        if isinstance(unit, _HtmlRun):
            return self._html_block(document, unit)
        if isinstance(unit, d.Heading):
            return [self._heading(document, unit)]
        if isinstance(unit, d.CodeBlock):
            return [self._code(unit)]
        if isinstance(unit, d.List):
            return [self._list(document, unit)]
        if isinstance(unit, d.Quote):
            return [
                Block(
                    "quote",
                    html='<blockquote class="wp-block-quote">',
                    inner=self._blocks(document, unit.children),
                    close="</blockquote>",
                )
            ]
        if isinstance(unit, d.Table):
            return [self._table(document, unit)]
        if isinstance(unit, d.Rule):
            return [self._separator()]
        if isinstance(unit, d.Definition):
            return []
        if type(unit) is d.Element and unit.written is not None:
            # What a pass wrote instead of a construct (an embed of one of the blog's own posts, now a
            # link to its new address): Markdown, parsed like the rest.
            return self._markdown_blocks(unit.written.strip("\n"))
        # Nothing else is a block in CommonMark + tables; keep whatever it is as HTML.
        return [Block("html", html=self._tree_html(document, unit).strip("\n"))]

    def _paragraph(self, document: d.Document, nodes: tuple[d.Element, ...]) -> list[Block]:
        alone = self._alone(nodes)
        if alone is not None:
            return self._node_blocks(alone)
        content = self._inline(document, nodes).lstrip(" \t\n")
        if not content.strip():
            return []
        return [Block("paragraph", html=f"<p>{content}</p>")]

    def _heading(self, document: d.Document, node: d.Heading) -> Block:
        level = node.level
        # Hashnode's own ids, so same-page links (#heading-...) written on Hashnode keep working.
        # From the heading as written (its Markdown), as Hashnode makes them: not from its plain text.
        written = document.heading_source(node)
        anchor = hashnode_heading_id(written) if written.strip() else "heading"
        base, n = anchor, 1
        while anchor in self._anchors:
            anchor, n = f"{base}-{n}", n + 1
        self._anchors.add(anchor)
        attrs: dict[str, Any] = {} if level == 2 else {"level": level}
        content = self._inline(document, node.children)
        return Block("heading", attrs, f'<h{level} id="{attr(anchor)}">{content}</h{level}>')

    @staticmethod
    def _code(node: d.CodeBlock) -> Block:
        language = _language(node)
        attrs: dict[str, Any] = {"className": f"language-{language}"} if language else {}
        cls = f"wp-block-code language-{attr(language)}" if language else "wp-block-code"
        return Block("code", attrs, f'<pre class="{cls}"><code>{code_html(_code_text(node))}</code></pre>')

    def _list(self, document: d.Document, node: d.List) -> Block:
        tag = "ol" if node.ordered else "ul"
        attrs: dict[str, Any] = {}
        start_attr = ""
        if node.ordered:
            attrs["ordered"] = True
            if node.first != 1:
                attrs["start"] = node.first
                start_attr = f' start="{node.first}"'
        if not self._simple_list(node):
            # Raw HTML inside an item may open an element there and close it in a later block: the
            # whole list stays HTML, exactly as written.
            self.note(
                "list-as-html",
                "a list holding raw HTML written as an HTML block",
                "raw HTML in a list item cannot be split into blocks safely",
                "it shows as written; the editor edits it as HTML",
            )
            return Block("html", html=self._tree_html(document, node).strip("\n"))
        items = [self._list_item(document, item) for item in node.children]
        return Block("list", attrs, f"<{tag}{start_attr}>", items, f"</{tag}>")

    def _item_parts(self, item: d.Element) -> list[_Para | d.Element]:
        """An item's content: its paragraphs (a tight item's text is one without tags) and blocks."""
        parts: list[_Para | d.Element] = []
        run: list[d.Element] = []

        def flush() -> None:
            if run:
                parts.extend(_Para(part) for part in self._segments(tuple(run)))
                run.clear()

        for child in item.children:
            if isinstance(child, d.Paragraph):
                flush()
                parts.extend(_Para(part) for part in self._segments(child.children))
            elif isinstance(child, d.BLOCK_TYPES):
                flush()
                parts.append(child)
            else:
                run.append(child)
        flush()
        return parts

    def _block_part(self, part: _Para | d.Element) -> Node | None:
        """The construct a paragraph of an item holds alone as a block (an embed, a callout, a
        widget: an inner block of the item), if it does; an image or mention stays in the text."""
        if not isinstance(part, _Para):
            return None
        alone = self._alone(part.nodes)
        return alone if isinstance(alone, (Embed, Callout, Widget)) else None

    def _simple_list(self, node: d.Element) -> bool:
        """Whether every item can be a list-item block (all the way down): anything but raw HTML,
        which may open an element in one block and close it in another, so it stays one piece.

        Since WordPress 6.1 a list item is a block with inner blocks; 6.1.9's editor opens an item
        holding code, an embed, a heading, a quote or a paragraph as valid blocks (checked in headless
        Chromium, tests/test_verify_blocks.py), though its own toolbar offers only nested lists.
        """
        for item in node.children:
            for part in self._item_parts(item):
                if isinstance(part, d.List):
                    if not self._simple_list(part):
                        return False
                elif isinstance(part, d.HtmlBlock):
                    return False
        return True

    def _list_item(self, document: d.Document, item: d.Element) -> Block:
        """The item's text up to its first inner block is its own content; list-item's save() writes
        the inner blocks after it, so text that follows one is a paragraph block among them (the
        reading order stays; verify found explanations after sub-steps moved above them)."""
        texts: list[str] = []
        inner: list[Block] = []
        for part in self._item_parts(item):
            construct = self._block_part(part)
            if construct is not None:
                inner.extend(self._node_blocks(construct))
            elif isinstance(part, _Para) and inner:
                content = self._inline(document, part.nodes).lstrip(" \t\n")
                if content.strip():
                    inner.append(Block("paragraph", html=f"<p>{content}</p>"))
            elif isinstance(part, _Para):
                texts.append(self._inline(document, part.nodes))
            elif isinstance(part, d.List):
                inner.append(self._list(document, part))
            else:
                inner.extend(self._unit_blocks(document, part))
        return Block("list-item", html="<li>" + "<br><br>".join(texts), inner=inner, close="</li>")

    def _table(self, document: d.Document, node: d.Table) -> Block:
        sections: list[str] = []
        body: list[str] = []
        for section in node.children:
            rows = (
                section.children if section.children and isinstance(section.children[0], d.TableRow) else ()
            )
            head = isinstance(section, d.TableHead)
            for row in rows or (section,):
                cells: list[str] = []
                tag = "th" if head else "td"
                for index, cell in enumerate(row.children):
                    align = node.align[index] if index < len(node.align) else ""
                    extra = f' class="has-text-align-{align}" data-align="{align}"' if align else ""
                    cells.append(f"<{tag}{extra}>{self._inline(document, cell.children)}</{tag}>")
                (sections if head else body).append("<tr>" + "".join(cells) + "</tr>")
            if head:
                sections = ["<thead>" + "".join(sections) + "</thead>"]
        if body:
            sections.append("<tbody>" + "".join(body) + "</tbody>")
        return Block(
            "table", html='<figure class="wp-block-table"><table>' + "".join(sections) + "</table></figure>"
        )

    @staticmethod
    def _separator() -> Block:
        return Block("separator", html='<hr class="wp-block-separator has-alpha-channel-opacity"/>')

    # -- raw HTML with constructs in it ---------------------------------------------------------------
    def _run_text(self, run: _HtmlRun) -> tuple[str, str, list[d.Construct]]:
        """The run's HTML with a placeholder for each construct, the placeholder's mark, the constructs."""
        html_parts = "".join(p.html for p in run.parts if isinstance(p, d.HtmlBlock))
        mark = d.free_marker(html_parts)
        held: list[d.Construct] = []
        text: list[str] = []
        for part in run.parts:
            if isinstance(part, d.HtmlBlock):
                text.append(nul(part.html))
            elif isinstance(part, d.Construct):
                text.append(f"{mark}{len(held)}{mark}")
                held.append(part)
        return "".join(text), mark, held

    def _html_block(self, document: d.Document, run: _HtmlRun) -> list[Block]:
        content, mark, held = self._run_text(run)
        if _RAW_HR.match(content):
            return [self._separator()]
        whole = _WRAPPER_ONLY.match(content)
        if whole and held and (match := re.fullmatch(f"{mark}(\\d+){mark}", whole["ph"])):
            node = self._resolve(held[int(match.group(1))])
            if isinstance(node, Image) and not node.align and re.search(r"<center\b", content, re.I):
                node = Image(node.src, node.alt, "center", node.title, node.link, node.in_html)
            if isinstance(node, (Image, Embed, Callout, Widget)):
                return self._node_blocks(node)
        return [Block("html", html=self._substitute(raw_html(content), mark, held).strip("\n"))]

    def _substitute(self, rendered: str, mark: str, held: list[d.Construct]) -> str:
        """Placeholders replaced by inline HTML; inside a tag (an alt text) by plain text."""
        if not held:
            return rendered
        placeholder = re.compile(f"{mark}(\\d+){mark}")

        def in_tag(match: re.Match[str]) -> str:
            return attr(self._construct_plain(held[int(match.group(1))]))

        def replace(match: re.Match[str]) -> str:
            if match["tag"] is not None:
                return placeholder.sub(in_tag, match["tag"])
            return self._construct_inline(held[int(match["index"])])

        return re.sub(f"(?P<tag><[^>]*>)|{mark}(?P<index>\\d+){mark}", replace, rendered)

    def _unit_html(self, document: d.Document, unit: _Unit) -> str:
        """A unit as the HTML a CommonMark renderer writes for it (inside a balanced HTML block)."""
        if isinstance(unit, _HtmlRun):
            content, mark, held = self._run_text(unit)
            return self._substitute(raw_html(content), mark, held)
        if isinstance(unit, _Para):
            alone = self._alone(unit.nodes)
            if alone is not None:
                return self._block_html(alone)
            content = self._inline(document, unit.nodes).lstrip(" \t\n")
            return f"<p>{content}</p>\n"
        return self._tree_html(document, unit)

    def _balanced_end(self, units: Sequence[_Unit], start: int) -> int:
        """Index of the HTML that closes what ``units[start]`` opened (the last unit if none does)."""
        depth = 0
        for i in range(start, len(units)):
            unit = units[i]
            if isinstance(unit, _HtmlRun):
                content = self._run_text(unit)[0]
                depth += len(_OPEN_TAG.findall(content)) - len(_CLOSE_TAG.findall(content))
                if depth <= 0:
                    return i
        return len(units) - 1

    # -- nodes as blocks --------------------------------------------------------------------------
    def _alone(self, nodes: tuple[d.Element, ...]) -> Node | None:
        """The node a paragraph holds when a construct is all it holds."""
        shown = [n for n in nodes if not _blank(n)]
        if len(shown) != 1 or not isinstance(shown[0], d.Construct):
            return None
        found = self._resolve(shown[0])
        return None if isinstance(found, str) else found

    def _node_blocks(self, node: Node) -> list[Block]:
        if isinstance(node, Image):
            return [self._image_block(node)]
        if isinstance(node, Embed):
            return [self._embed_block(node)]
        if isinstance(node, Callout):
            return [self._callout_block(node)]
        if isinstance(node, Widget):
            return [Block("html", html=raw_html(BodyRenderer.widget(self, node)))]
        return [Block("paragraph", html=f"<p>{self._inline_node(node)}</p>")]

    def _image_block(self, node: Image) -> Block:
        media = self.media.get(node.src)
        src = media.url if media else node.src
        align = self._align(node)
        attrs: dict[str, Any] = {}
        classes = ["wp-block-image"]
        img_class = ""
        if media and media.id is not None:
            attrs["id"] = media.id
            attrs["sizeSlug"] = "full"
            img_class = f' class="wp-image-{media.id}"'
        if align:
            attrs["align"] = align
            classes.append(f"align{align}")
        if media and media.id is not None:
            classes.append("size-full")
        if node.link:
            attrs["linkDestination"] = "custom"
        title = f' title="{attr(node.title)}"' if node.title else ""
        img = f'<img src="{attr(src)}" alt="{attr(_alt(node.alt))}"{img_class}{title}/>'
        if node.link:
            img = f'<a href="{attr(node.link)}">{img}</a>'
        # Key order as the editor writes it, so a re-save changes nothing.
        ordered: dict[str, Any] = {
            k: attrs[k] for k in ("align", "id", "sizeSlug", "linkDestination") if k in attrs
        }
        return Block("image", ordered, f'<figure class="{" ".join(classes)}">{img}</figure>')

    def _align(self, node: Image) -> str | None:
        if not node.align:
            return None
        align = node.align.strip().lower()
        if align in _ALIGNS:
            return align
        self.note(
            "image-align",
            f"image alignment {node.align!r} of {node.src} left out",
            "WordPress has no such alignment",
        )
        return None

    def _embed_block(self, node: Embed) -> Block:
        url = twitter_url(node.url) if node.provider == "twitter" else node.url
        known = _OEMBED.get(node.provider)
        if known is not None and known[1].match(url):
            kind, _ = known
            attrs: dict[str, Any] = {
                "url": url,
                "type": kind,
                "providerNameSlug": node.provider,
                "responsive": True,
            }
            classes = (
                f"wp-block-embed is-type-{kind} is-provider-{node.provider} wp-block-embed-{node.provider}"
            )
            if kind == "video":
                attrs["className"] = "wp-embed-aspect-16-9 wp-has-aspect-ratio"
                classes += " wp-embed-aspect-16-9 wp-has-aspect-ratio"
            wrapper = f'<figure class="{classes}"><div class="wp-block-embed__wrapper">\n{text_html(url)}\n</div></figure>'
            return Block("embed", attrs, wrapper)
        markup = embed_html.render(node)
        if markup is not None:
            # Not in WordPress's oEmbed list (gists, CodePen, Loom ...): the provider's own embed
            # HTML, which needs a user allowed unfiltered HTML (an administrator) to be kept.
            return Block("html", html=markup)
        return Block("paragraph", html=f"<p>{self._embed_link(node)}</p>")

    def _embed_link(self, node: Embed) -> str:
        self.note(
            "embed-as-link",
            f"{node.provider} embed {node.url} written as a link",
            "WordPress has no embed for it",
        )
        return f'<a href="{attr(node.url)}">{text_html(node.url)}</a>'

    def _callout_block(self, node: Callout) -> Block:
        text = html_to_markdown(node.html)
        inner = self._markdown_blocks(f"{node.emoji} {text}".strip()) if (text or node.emoji) else []
        attrs = {"className": CALLOUT_CLASS, "style": {"color": {"background": CALLOUT_BACKGROUND}}}
        opening = (
            f'<div class="wp-block-group {CALLOUT_CLASS} has-background" '
            f'style="background-color:{CALLOUT_BACKGROUND}">'
        )
        return Block("group", attrs, opening, inner, "</div>")

    # -- nodes as inline HTML ---------------------------------------------------------------------
    def _inline_node(self, node: Node) -> str:
        if isinstance(node, Mention):
            return f'<a href="{attr(node.url)}">{text_html(unescape_markdown(node.name))}</a>'
        if isinstance(node, Image):
            media = self.media.get(node.src)
            src = media.url if media else node.src
            align = self._align(node)
            classes = [f"align{align}"] if align else []
            if media and media.id is not None:
                classes.append(f"wp-image-{media.id}")
            cls = f' class="{" ".join(classes)}"' if classes else ""
            title = f' title="{attr(node.title)}"' if node.title else ""
            img = f'<img src="{attr(src)}" alt="{attr(_alt(node.alt))}"{cls}{title}>'
            return f'<a href="{attr(node.link)}">{img}</a>' if node.link else img
        if isinstance(node, Embed):
            return self._embed_link(node)
        if isinstance(node, Widget):
            return raw_html(BodyRenderer.widget(self, node))
        if isinstance(node, Callout):
            document = parse(html_to_markdown(node.html))
            body = render_html(document, document, self._hook(document))
            return (
                f'<div class="{CALLOUT_CLASS}" style="background-color:{CALLOUT_BACKGROUND}">'
                f"{text_html(node.emoji)} {body.strip()}</div>"
            )
        if isinstance(node, Html):
            return raw_html(node.html)
        raise TypeError(f"no inline form for {type(node).__name__}")

    def _block_html(self, node: Node) -> str:
        """A node that stood alone, inside HTML (a list item with an embed, a ``<details>``)."""
        if isinstance(node, Embed):
            url = twitter_url(node.url) if node.provider == "twitter" else node.url
            markup = embed_html.render(Embed(url, node.provider, node.ids, node.indent))
            return markup if markup is not None else self._embed_link(node)
        if isinstance(node, Image):
            return f"<p>{self._inline_node(node)}</p>"
        return self._inline_node(node)

    def _construct_inline(self, construct: d.Construct) -> str:
        found = self._resolve(construct)
        return text_html(found) if isinstance(found, str) else self._inline_node(found)

    def _construct_plain(self, construct: d.Construct) -> str:
        found = self._resolve(construct)
        return found if isinstance(found, str) else self._plain_node(found)

    def _inline(self, document: d.Document, nodes: tuple[d.Element, ...]) -> str:
        """Inline nodes as block HTML: text and code escaped for WordPress, constructs as inline HTML."""
        return inline_html(document, d.Element(0, 0, nodes), self._hook(document)).rstrip("\n")

    def _tree_html(self, document: d.Document, node: d.Element) -> str:
        """A block as CommonMark HTML, a construct alone in a paragraph or item in its block form."""
        return render_html(document, node, self._hook(document))

    def _hook(self, document: d.Document) -> Hook:
        """How this target writes a node inside HTML: what differs from CommonMark's HTML."""

        def hook(node: d.Element) -> str | None:
            if type(node) is d.Text:  # most nodes: one type check (Text has no subclass)
                return text_html(nul(node.text))
            if isinstance(node, d.CodeSpan):
                return f"<code>{code_html(nul(node.text))}</code>"
            if isinstance(node, (d.HtmlBlock, d.HtmlInline)):
                return raw_html(nul(node.html))
            if isinstance(node, d.Construct):
                return self._construct_inline(node)
            if type(node) is d.Element and node.written is not None:
                # What a pass wrote instead of a construct (see _unit_blocks): its Markdown, inline.
                part = parse(node.written.strip("\n"))
                return "".join(
                    self._inline(part, p.children) for p in part.children if isinstance(p, d.Paragraph)
                )
            if isinstance(node, d.CodeBlock):
                language = _language(node)
                cls = f' class="language-{attr(language)}"' if language else ""
                return f"<pre><code{cls}>{code_html(_code_text(node))}</code></pre>\n"
            if isinstance(node, d.Picture):
                title = f' title="{escape(node.title)}"' if node.title else ""
                alt = escape(alt_text(document, node, self._alt_part))
                return f'<img src="{escape(href(node.dest))}" alt="{alt}"{title} />'
            if isinstance(node, d.Paragraph):
                alone = self._alone(node.children)
                # What followed the paragraph's end tag stays: the line break.
                return self._block_html(alone) + "\n" if alone is not None else None
            if isinstance(node, d.Item):
                alone = (
                    self._alone(node.children)
                    if not any(isinstance(c, d.BLOCK_TYPES) for c in node.children)
                    else None
                )
                return f"<li>{self._block_html(alone)}</li>\n" if alone is not None else None
            return None

        return hook

    def _alt_part(self, node: d.Element) -> str | None:
        if isinstance(node, d.Construct):
            return self._construct_plain(node)
        return None

    def _plain_node(self, node: Node) -> str:
        if isinstance(node, Mention):
            return unescape_markdown(node.name)
        if isinstance(node, Image):
            return unescape_markdown(node.alt)
        if isinstance(node, Embed):
            return node.url
        if isinstance(node, Callout):
            return html.unescape(_TAG.sub("", node.html))
        return ""

    def _plain(self, node: d.Element) -> str:
        """A heading's text for its anchor: text and code, constructs' text; no alt text, no HTML."""
        parts: list[str] = []
        for child in node.children:
            if isinstance(child, (d.Text, d.CodeSpan)):
                parts.append(child.text)
            elif isinstance(child, d.Construct):
                parts.append(self._construct_plain(child))
            elif not isinstance(child, (d.Picture, d.HtmlInline, d.SoftBreak, d.HardBreak)):
                parts.append(self._plain(child))
        return "".join(parts)


def _unbalanced(fragment: str) -> bool:
    return len(_OPEN_TAG.findall(fragment)) > len(_CLOSE_TAG.findall(fragment))


def render_body(post: Post, media: Mapping[str, Media] | None = None) -> tuple[str, BlockBody]:
    """The post's body as block markup, and the renderer (its ``notes``)."""
    body = BlockBody(post, media)
    return body.markup(), body
