"""A post body as Gutenberg block markup, the way WordPress 6.1's block editor saves it.

The body is rendered to Markdown with a placeholder for every node that is not Markdown (embed,
image, callout, mention, widget), parsed once with markdown-it-py (CommonMark plus GFM tables and
strikethrough), and each top-level element becomes its block. A placeholder that stands alone in a
paragraph becomes that node's own block (``wp:embed``, ``wp:image`` ...); one inside running text
becomes inline HTML. Only the parser decides where code is, so code is never rewritten, only escaped.

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
from functools import lru_cache
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode
from markdown_it.utils import EnvType, OptionsDict

from exporters import embed_html
from hashmigrate.exporter import BodyRenderer, attr, html_to_markdown, unescape_markdown
from hashmigrate.links import hashnode_heading_id
from hashmigrate.model import Callout, Embed, Html, Image, Markdown, Mention, Node, Post, Widget

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
    """Prose for block HTML: HTML-escaped, and ``[`` as an entity so no shortcode runs."""
    return html.escape(text, quote=False).replace("[", "&#91;")


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


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.add_render_rule("text", _render_text)
    md.add_render_rule("code_inline", _render_code_inline)
    md.add_render_rule("code_block", _render_code_block)
    md.add_render_rule("fence", _render_code_block)
    md.add_render_rule("html_block", _render_raw)
    md.add_render_rule("html_inline", _render_raw)
    return md


def _render_text(self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return text_html(tokens[idx].content)


def _render_code_inline(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f"<code>{code_html(tokens[idx].content)}</code>"


def _render_code_block(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    language = _language(token)
    cls = f' class="language-{attr(language)}"' if language else ""
    return f"<pre><code{cls}>{code_html(_code_text(token))}</code></pre>\n"


def _render_raw(self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return raw_html(tokens[idx].content)


def _code_text(token: Token) -> str:
    # The line break before the closing fence ends the last line; it is not part of the code.
    return token.content[:-1] if token.content.endswith("\n") else token.content


def _language(token: Token) -> str | None:
    if token.type != "fence":
        return None
    word = unescape_markdown(token.info.strip().split(maxsplit=1)[0]) if token.info.strip() else ""
    return word if _LANGUAGE.match(word) else None


class BlockBody(BodyRenderer):
    """Renders one post's body to blocks; ``media`` maps an image URL to where it was uploaded."""

    target = "WordPress"

    def __init__(self, post: Post, media: Mapping[str, Media] | None = None) -> None:
        super().__init__(post)
        self.media = dict(media or {})
        self._nodes: list[Node] = []
        self._prefix = _placeholder_prefix(post.body)
        self._placeholder = re.compile(re.escape(self._prefix) + r"(\d+)x")
        self._tag_or_placeholder = re.compile(
            r"(?P<tag><[^>]*>)|" + re.escape(self._prefix) + r"(?P<index>\d+)x"
        )
        self._anchors: set[str] = set()
        self._md = _markdown()
        self._renderer = cast(RendererHTML, self._md.renderer)

    # -- the Markdown stream, with placeholders ---------------------------------------------------
    def _hold(self, node: Node) -> str:
        self._nodes.append(node)
        return f"{self._prefix}{len(self._nodes) - 1}x"

    def markdown(self, node: Markdown) -> str:
        return node.text

    def html(self, node: Html) -> str:
        return node.html

    def embed(self, node: Embed) -> str:
        return self._hold(node)

    def widget(self, node: Widget) -> str:
        return self._hold(node)

    def image(self, node: Image) -> str:
        return self._hold(node)

    def html_image(self, node: Image) -> str:
        return self._hold(node)

    def callout(self, node: Callout) -> str:
        return self._hold(node)

    def mention(self, node: Mention) -> str:
        return self._hold(node)

    # -- blocks -----------------------------------------------------------------------------------
    def blocks(self) -> list[Block]:
        self._nodes, self._anchors, self.notes = [], set(), []
        source = self.render(self.post.tree)
        return self._markdown_blocks(source)

    def markup(self) -> str:
        return serialize(self.blocks())

    def _markdown_blocks(self, source: str) -> list[Block]:
        tree = SyntaxTreeNode(self._md.parse(source))
        return self._blocks(tree.children)

    def _blocks(self, nodes: Sequence[SyntaxTreeNode]) -> list[Block]:
        blocks: list[Block] = []
        i = 0
        while i < len(nodes):
            node = nodes[i]
            if node.type == "html_block" and _unbalanced(node.content):
                # An element opened here and closed in a later block (<details> around a code fence)
                # has to stay one piece of HTML, or the browser closes it early.
                end = _balanced_end(nodes, i)
                fragment = "".join(self._tree_html(n) for n in nodes[i : end + 1])
                blocks.append(Block("html", html=fragment.strip("\n")))
                i = end + 1
                continue
            blocks.extend(self._block(node))
            i += 1
        return blocks

    def _block(self, node: SyntaxTreeNode) -> list[Block]:
        kind = node.type
        if kind == "paragraph":
            return self._paragraph(node)
        if kind == "heading":
            return [self._heading(node)]
        if kind in ("fence", "code_block"):
            return [self._code(node)]
        if kind in ("bullet_list", "ordered_list"):
            return [self._list(node)]
        if kind == "blockquote":
            return [
                Block(
                    "quote",
                    html='<blockquote class="wp-block-quote">',
                    inner=self._blocks(node.children),
                    close="</blockquote>",
                )
            ]
        if kind == "table":
            return [self._table(node)]
        if kind == "hr":
            return [self._separator()]
        if kind == "html_block":
            return self._html_block(node)
        # Nothing else is top-level in CommonMark + tables; keep whatever it is as HTML.
        return [Block("html", html=self._tree_html(node).strip("\n"))]

    def _paragraph(self, node: SyntaxTreeNode) -> list[Block]:
        alone = self._alone(node)
        if alone is not None:
            return self._node_blocks(alone)
        content = self._inline(node)
        if not content.strip():
            return []
        return [Block("paragraph", html=f"<p>{content}</p>")]

    def _heading(self, node: SyntaxTreeNode) -> Block:
        level = int(node.tag[1])
        # Hashnode's own ids, so same-page links (#heading-...) written on Hashnode keep working.
        plain = self._plain(node)
        anchor = hashnode_heading_id(plain) if plain.strip() else "heading"
        base, n = anchor, 1
        while anchor in self._anchors:
            anchor, n = f"{base}-{n}", n + 1
        self._anchors.add(anchor)
        attrs: dict[str, Any] = {} if level == 2 else {"level": level}
        return Block("heading", attrs, f'<h{level} id="{attr(anchor)}">{self._inline(node)}</h{level}>')

    def _code(self, node: SyntaxTreeNode) -> Block:
        token = node.token
        assert token is not None
        language = _language(token)
        attrs: dict[str, Any] = {"className": f"language-{language}"} if language else {}
        cls = f"wp-block-code language-{attr(language)}" if language else "wp-block-code"
        return Block("code", attrs, f'<pre class="{cls}"><code>{code_html(_code_text(token))}</code></pre>')

    def _list(self, node: SyntaxTreeNode) -> Block:
        ordered = node.type == "ordered_list"
        tag = "ol" if ordered else "ul"
        attrs: dict[str, Any] = {}
        start_attr = ""
        if ordered:
            attrs["ordered"] = True
            start = node.attrs.get("start")
            if start is not None and int(start) != 1:
                attrs["start"] = int(start)
                start_attr = f' start="{int(start)}"'
        if not self._simple_list(node):
            # A code block, quote or table inside an item has no block form there: list-item takes
            # only text and nested lists. The whole list stays HTML, exactly as written.
            self.note(
                "list-as-html",
                "a list holding code, a quote, a table or an embed written as an HTML block",
                "a WordPress list item holds only text and nested lists",
                "it shows as written; the editor edits it as HTML",
            )
            return Block("html", html=self._tree_html(node).strip("\n"))
        items = [self._list_item(item) for item in node.children]
        return Block("list", attrs, f"<{tag}{start_attr}>", items, f"</{tag}>")

    def _simple_list(self, node: SyntaxTreeNode) -> bool:
        return all(self._simple_item_part(child) for item in node.children for child in item.children)

    def _simple_item_part(self, child: SyntaxTreeNode) -> bool:
        if child.type in ("bullet_list", "ordered_list"):
            return self._simple_list(child)
        if child.type != "paragraph":
            return False
        alone = self._alone(child)
        return alone is None or isinstance(alone, (Image, Mention))

    def _list_item(self, item: SyntaxTreeNode) -> Block:
        texts = [self._inline(child) for child in item.children if child.type == "paragraph"]
        nested = [
            self._list(child) for child in item.children if child.type in ("bullet_list", "ordered_list")
        ]
        return Block("list-item", html="<li>" + "<br><br>".join(texts), inner=nested, close="</li>")

    def _table(self, node: SyntaxTreeNode) -> Block:
        sections: list[str] = []
        for section in node.children:
            rows: list[str] = []
            for row in section.children:
                cells: list[str] = []
                for cell in row.children:
                    align = _cell_align(cell)
                    extra = f' class="has-text-align-{align}" data-align="{align}"' if align else ""
                    cells.append(f"<{cell.tag}{extra}>{self._inline(cell)}</{cell.tag}>")
                rows.append("<tr>" + "".join(cells) + "</tr>")
            sections.append(f"<{section.tag}>" + "".join(rows) + f"</{section.tag}>")
        return Block(
            "table", html='<figure class="wp-block-table"><table>' + "".join(sections) + "</table></figure>"
        )

    @staticmethod
    def _separator() -> Block:
        return Block("separator", html='<hr class="wp-block-separator has-alpha-channel-opacity"/>')

    def _html_block(self, node: SyntaxTreeNode) -> list[Block]:
        content = node.content
        if _RAW_HR.match(content):
            return [self._separator()]
        whole = _WRAPPER_ONLY.match(content)
        if whole and (match := self._placeholder.fullmatch(whole["ph"])):
            held = self._nodes[int(match.group(1))]
            if isinstance(held, Image) and not held.align and re.search(r"<center\b", content, re.I):
                held = Image(held.src, held.alt, "center", held.title, held.link, held.in_html)
            if isinstance(held, (Image, Embed, Callout, Widget)):
                return self._node_blocks(held)
        return [Block("html", html=self._substitute(raw_html(content)).strip("\n"))]

    # -- nodes as blocks --------------------------------------------------------------------------
    def _alone(self, paragraph: SyntaxTreeNode) -> Node | None:
        """The node whose placeholder is all a paragraph holds, if any."""
        inline = paragraph.children[0] if paragraph.children else None
        if inline is None or len(inline.children) != 1 or inline.children[0].type != "text":
            return None
        match = self._placeholder.fullmatch(inline.children[0].content.strip())
        return self._nodes[int(match.group(1))] if match else None

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
        img = f'<img src="{attr(src)}" alt="{attr(unescape_markdown(node.alt))}"{img_class}{title}/>'
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
            img = f'<img src="{attr(src)}" alt="{attr(unescape_markdown(node.alt))}"{cls}{title}>'
            return f'<a href="{attr(node.link)}">{img}</a>' if node.link else img
        if isinstance(node, Embed):
            return self._embed_link(node)
        if isinstance(node, Widget):
            return raw_html(BodyRenderer.widget(self, node))
        if isinstance(node, Callout):
            body = "".join(
                self._tree_html(n)
                for n in SyntaxTreeNode(self._md.parse(html_to_markdown(node.html))).children
            )
            return (
                f'<div class="{CALLOUT_CLASS}" style="background-color:{CALLOUT_BACKGROUND}">'
                f"{text_html(node.emoji)} {body.strip()}</div>"
            )
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

    def _inline(self, node: SyntaxTreeNode) -> str:
        inline = node.children[0] if node.children and node.children[0].type == "inline" else None
        if inline is None or inline.token is None:
            return ""
        rendered = self._renderer.renderInline(inline.token.children or [], self._md.options, {})
        return self._substitute(rendered.rstrip("\n"))

    def _tree_html(self, node: SyntaxTreeNode) -> str:
        rendered = self._md.renderer.render(node.to_tokens(), self._md.options, {})
        # A placeholder alone in a paragraph or item stood on its own line: its block form, unwrapped.
        rendered = re.sub(
            r"<(p|li)>" + self._placeholder.pattern + r"</\1>",
            lambda m: (
                f"<{m.group(1)}>{self._block_html(self._nodes[int(m.group(2))])}</{m.group(1)}>"
                if m.group(1) == "li"
                else self._block_html(self._nodes[int(m.group(2))])
            ),
            rendered,
        )
        return self._substitute(rendered)

    def _substitute(self, rendered: str) -> str:
        """Placeholders replaced by inline HTML; inside a tag (an alt text) by plain text."""
        if self._prefix not in rendered:
            return rendered

        def in_tag(match: re.Match[str]) -> str:
            return attr(self._plain_node(self._nodes[int(match.group(1))]))

        def replace(match: re.Match[str]) -> str:
            if match["tag"] is not None:
                return self._placeholder.sub(in_tag, match["tag"])
            return self._inline_node(self._nodes[int(match["index"])])

        return self._tag_or_placeholder.sub(replace, rendered)

    def _plain_node(self, node: Node) -> str:
        if isinstance(node, Mention):
            return unescape_markdown(node.name)
        if isinstance(node, Image):
            return unescape_markdown(node.alt)
        if isinstance(node, Embed):
            return node.url
        if isinstance(node, Widget):
            return ""
        if isinstance(node, Callout):
            return html.unescape(_TAG.sub("", node.html))
        return ""

    def _plain(self, node: SyntaxTreeNode) -> str:
        inline = node.children[0] if node.children else None
        if inline is None or inline.token is None:
            return ""
        parts = [t.content for t in inline.token.children or [] if t.type in ("text", "code_inline")]
        text = "".join(parts)
        return self._placeholder.sub(lambda m: self._plain_node(self._nodes[int(m.group(1))]), text)


def _placeholder_prefix(body: Sequence[Node]) -> str:
    """A letters-only marker that occurs nowhere in the post's text, so no text is taken for it."""
    text = "".join(n.text if isinstance(n, Markdown) else n.html if isinstance(n, Html) else "" for n in body)
    text = text.lower()
    prefix, n = "hmwpnode", 0
    while prefix in text:
        n += 1
        prefix = f"hmwpnode{'q' * n}"
    return prefix


def _cell_align(cell: SyntaxTreeNode) -> str | None:
    style = str(cell.attrs.get("style", ""))
    match = re.search(r"text-align:(left|center|right)", style)
    return match.group(1) if match else None


def _unbalanced(fragment: str) -> bool:
    return len(_OPEN_TAG.findall(fragment)) > len(_CLOSE_TAG.findall(fragment))


def _balanced_end(nodes: Sequence[SyntaxTreeNode], start: int) -> int:
    """Index of the html block that closes what ``nodes[start]`` opened (the last node if none does)."""
    depth = 0
    for i in range(start, len(nodes)):
        if nodes[i].type == "html_block":
            content = nodes[i].content
            depth += len(_OPEN_TAG.findall(content)) - len(_CLOSE_TAG.findall(content))
            if depth <= 0:
                return i
    return len(nodes) - 1


def render_body(post: Post, media: Mapping[str, Media] | None = None) -> tuple[str, BlockBody]:
    """The post's body as block markup, and the renderer (its ``notes``)."""
    body = BlockBody(post, media)
    return body.markup(), body
