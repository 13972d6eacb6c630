"""A document tree as CommonMark's reference HTML: what ``markdown-it-py``'s commonmark preset with GFM
tables and strikethrough writes for the same source.

It knows nothing of Hashnode or of any target: a :class:`~hashmigrate.document.Construct` (an embed,
a callout ...) and any node a target writes its own way go to the ``hook``, which returns the HTML
for the node or None for the default. Everything else is rendered here, the way markdown-it's
renderer does it, down to its line breaks, so a target can hand over any subtree (a list that has to
stay HTML, a run of raw HTML blocks) and get what a CommonMark renderer would show.

Where this differs from markdown-it-py (tests/test_html.py lists each case, decided by cmark, the
CommonMark reference implementation):

- a task list item (``- [x] done``): the tree drops the marker (the parse reads GFM task lists); it is
  written back as the text ``[x]``, as CommonMark without the task-list extension shows it;
- link destinations are percent-encoded as the spec's reference renderer does, without markdown-it's
  punycoding of non-ASCII host names, and an autolink shows its address as written (markdown-it shows
  it percent-decoded).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import TypeAlias

from hashmigrate import document as d

# The HTML for a node, or None for the default rendering.
Hook: TypeAlias = Callable[[d.Element], "str | None"]

_BLOCKS = d.BLOCK_TYPES
_TASK = re.compile(r"\[([ xX])\]")
_SAFE_URL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789;/?:@&=+$,-_.!~*'()#")
# What markdown-it (JavaScript's ``\s``) takes for the space between an info string's words.
_SPACE = " \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_SPACES = re.compile(f"[{_SPACE}]+")
_HEX = frozenset("0123456789abcdefABCDEF")


def nul(text: str) -> str:
    """NUL as U+FFFD, as CommonMark has it (for security) everywhere in the input."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def escape(text: str) -> str:
    """Text or an attribute value for HTML: ``& < > "`` as entities (markdown-it's ``escapeHtml``), and
    NUL as U+FFFD (CommonMark replaces it for security)."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    return text


def href(url: str) -> str:
    """A link destination as a URL: what is not URL-safe percent-encoded (UTF-8), ``%XX`` kept."""
    if url.isascii() and all(c in _SAFE_URL for c in url):
        return url
    out: list[str] = []
    i, n = 0, len(url)
    while i < n:
        c = url[i]
        if c in _SAFE_URL:
            out.append(c)
        elif c == "%" and i + 2 < n + 0 and url[i + 1] in _HEX and url[i + 2] in _HEX:
            out.append(url[i : i + 3])
            i += 3
            continue
        else:
            data = c.encode("utf-8", "replace") if not 0xD800 <= ord(c) <= 0xDFFF else "\ufffd".encode()
            out.append("".join(f"%{b:02X}" for b in data))
        i += 1
    return "".join(out)


def alt_text(document: d.Document, node: d.Element, plain: Hook | None = None) -> str:
    """An image's alt text: its content without markup, as markdown-it writes it; ``plain(node)`` gives
    a node's text instead (a construct's), or None for the default."""
    parts: list[str] = []
    for child in node.children:
        own = plain(child) if plain is not None else None
        if own is not None:
            parts.append(own)
        elif isinstance(child, (d.Text, d.CodeSpan)):
            parts.append(child.text)
        elif isinstance(child, d.HtmlInline):
            parts.append(child.html)
        elif isinstance(child, (d.SoftBreak, d.HardBreak)):
            parts.append("\n")
        elif isinstance(child, d.Construct):
            parts.append(d.plain_text(document, d.Element(0, 0, (child,))))
        else:
            parts.append(alt_text(document, child, plain))
    return "".join(parts)


class _Token:
    """One entry of the stream markdown-it's renderer walks: an open or close tag, or rendered HTML."""

    __slots__ = ("attrs", "block", "hidden", "html", "nesting", "tag")

    def __init__(
        self,
        tag: str,
        nesting: int,
        *,
        block: bool = True,
        hidden: bool = False,
        attrs: str = "",
        html: str | None = None,
    ) -> None:
        self.tag = tag
        self.nesting = nesting
        self.block = block
        self.hidden = hidden
        self.attrs = attrs
        self.html = html


class Renderer:
    """Renders nodes of one document; ``hook`` as in :func:`render_html`."""

    def __init__(self, document: d.Document, hook: Hook | None = None) -> None:
        self.document = document
        self.hook = hook

    # -- inlines ----------------------------------------------------------------------------------
    def inline(self, nodes: tuple[d.Element, ...]) -> str:
        """Inline nodes as HTML."""
        return "".join(self.inline_node(node) for node in nodes)

    def inline_node(self, node: d.Element) -> str:
        if self.hook is not None:
            own = self.hook(node)
            if own is not None:
                return own
        if isinstance(node, d.Text):
            return escape(node.text)
        if isinstance(node, d.SoftBreak):
            return "\n"
        if isinstance(node, d.HardBreak):
            return "<br />\n"
        if isinstance(node, d.CodeSpan):
            return f"<code>{escape(node.text)}</code>"
        if isinstance(node, d.HtmlInline):
            return nul(node.html)
        if isinstance(node, d.Emphasis):
            return f"<em>{self.inline(node.children)}</em>"
        if isinstance(node, d.Strong):
            return f"<strong>{self.inline(node.children)}</strong>"
        if isinstance(node, d.Strike):
            return f"<s>{self.inline(node.children)}</s>"
        if isinstance(node, d.Link):
            dest = f"mailto:{node.dest}" if node.kind == "email" else node.dest
            title = f' title="{escape(node.title)}"' if node.title else ""
            return f'<a href="{escape(href(dest))}"{title}>{self.inline(node.children)}</a>'
        if isinstance(node, d.Picture):
            title = f' title="{escape(node.title)}"' if node.title else ""
            alt = escape(alt_text(self.document, node))
            return f'<img src="{escape(href(node.dest))}" alt="{alt}"{title} />'
        if isinstance(node, d.Construct):
            return escape(self.document.text_of(node))
        if isinstance(node, d.Definition):
            return ""
        if isinstance(node, _BLOCKS):
            return self.block(node)
        return self.inline(node.children)

    # -- blocks -----------------------------------------------------------------------------------
    def block(self, node: d.Element) -> str:
        """A block (and what it holds) as HTML."""
        tokens: list[_Token] = []
        self._tokens(node, tokens, tight=False)
        return self._render(tokens)

    def blocks(self, nodes: tuple[d.Element, ...]) -> str:
        tokens: list[_Token] = []
        for node in nodes:
            self._tokens(node, tokens, tight=False)
        return self._render(tokens)

    def _tokens(self, node: d.Element, out: list[_Token], *, tight: bool) -> None:
        if self.hook is not None:
            own = self.hook(node)
            if own is not None:
                out.append(_Token("", 0, html=own))
                return
        if isinstance(node, d.Paragraph):
            self._inline_block("p", node.children, out, hidden=tight)
        elif isinstance(node, d.Heading):
            self._inline_block(f"h{node.level}", node.children, out)
        elif isinstance(node, d.Quote):
            out.append(_Token("blockquote", 1))
            self._children(node.children, out, tight=False)
            out.append(_Token("blockquote", -1))
        elif isinstance(node, d.List):
            tag = "ol" if node.ordered else "ul"
            start = f' start="{node.first}"' if node.ordered and node.first != 1 else ""
            out.append(_Token(tag, 1, attrs=start))
            loose = any(isinstance(c, d.Paragraph) for item in node.children for c in item.children)
            for item in node.children:
                self._tokens(item, out, tight=not loose)
            out.append(_Token(tag, -1))
        elif isinstance(node, d.Item):
            out.append(_Token("li", 1))
            children = node.children
            if node.checked is not None:
                children = (self._task_marker(node), *children)
            self._children(children, out, tight=tight)
            out.append(_Token("li", -1))
        elif isinstance(node, d.CodeBlock):
            out.append(_Token("code", 0, html=self.code_block(node)))
        elif isinstance(node, d.HtmlBlock):
            out.append(_Token("", 0, html=nul(node.html)))
        elif isinstance(node, d.Rule):
            out.append(_Token("hr", 0))
        elif isinstance(node, d.Table):
            self._table(node, out)
        elif isinstance(node, d.Definition):
            pass
        else:
            # Inline content where a block was expected (a tight item's text): a paragraph without tags.
            self._inline_block("p", (node,), out, hidden=True)

    def _task_marker(self, item: d.Item) -> d.Element:
        """A task list item's ``[x]`` as text: CommonMark without the task list extension shows it."""
        first = item.children[0].start if item.children else item.end
        found = list(_TASK.finditer(self.document.source, item.start, first))
        text = found[-1].group() if found else ("[x]" if item.checked else "[ ]")
        start = found[-1].start() if found else first
        return d.Text(start, start, text=text + (" " if item.children else ""))

    def _children(self, nodes: tuple[d.Element, ...], out: list[_Token], *, tight: bool) -> None:
        run: list[d.Element] = []
        for node in nodes:
            if isinstance(node, _BLOCKS):
                if run:
                    self._inline_block("p", tuple(run), out, hidden=True)
                    run = []
                self._tokens(node, out, tight=tight)
            else:
                run.append(node)
        if run:
            self._inline_block("p", tuple(run), out, hidden=True)

    def _inline_block(
        self, tag: str, nodes: tuple[d.Element, ...], out: list[_Token], hidden: bool = False
    ) -> None:
        out.append(_Token(tag, 1, hidden=hidden))
        out.append(_Token("", 0, block=False, html=self.inline(nodes)))
        out.append(_Token(tag, -1, hidden=hidden))

    def _table(self, node: d.Table, out: list[_Token]) -> None:
        align = node.align
        out.append(_Token("table", 1))
        body = False
        for section in node.children:
            if isinstance(section, d.TableHead):
                out.append(_Token("thead", 1))
                rows: tuple[d.Element, ...] = (
                    section.children
                    if section.children and isinstance(section.children[0], d.TableRow)
                    else (section,)
                )
                cell = "th"
            else:
                if not body:
                    out.append(_Token("tbody", 1))
                    body = True
                rows = (section,)
                cell = "td"
            for row in rows:
                out.append(_Token("tr", 1))
                for index, c in enumerate(row.children):
                    a = align[index] if index < len(align) else ""
                    style = f' style="text-align:{a}"' if a else ""
                    out.append(_Token(cell, 1, attrs=style))
                    out.append(_Token("", 0, block=False, html=self.inline(c.children)))
                    out.append(_Token(cell, -1))
                out.append(_Token("tr", -1))
            if cell == "th":
                out.append(_Token("thead", -1))
        if body:
            out.append(_Token("tbody", -1))
        out.append(_Token("table", -1))

    def code_block(self, node: d.CodeBlock) -> str:
        info = _unescape(node.info).strip(_SPACE) if node.fenced else ""
        language = _SPACES.split(info, maxsplit=1)[0] if info else ""
        cls = f' class="language-{escape(language)}"' if language else ""
        return f"<pre><code{cls}>{escape(node.text)}</code></pre>\n"

    @staticmethod
    def _render(tokens: list[_Token]) -> str:
        """markdown-it's ``renderToken`` over the stream: its line breaks exactly."""
        out: list[str] = []
        for index, token in enumerate(tokens):
            if token.html is not None:
                out.append(token.html)
                continue
            if token.hidden:
                continue
            result = ""
            if token.block and token.nesting != -1 and index and tokens[index - 1].hidden:
                result += "\n"
            result += ("</" if token.nesting == -1 else "<") + token.tag + token.attrs
            if token.nesting == 0:
                result += " /"
            need_lf = token.block
            if token.block and token.nesting == 1 and index + 1 < len(tokens):
                following = tokens[index + 1]
                inline = following.html is not None and not following.block
                closing = following.nesting == -1 and following.tag == token.tag
                if inline or following.hidden or closing:
                    need_lf = False
            out.append(result + (">\n" if need_lf else ">"))
        return "".join(out)


_ENTITY_OR_ESCAPE = re.compile(
    r"\\([!-/:-@\[-`{-~])|&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
)


def _unescape(text: str) -> str:
    """Backslash escapes and entities resolved (a fence's info string as written)."""
    if "\\" not in text and "&" not in text:
        return text

    def one(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return match.group(1)
        return html.unescape(match.group())

    return _ENTITY_OR_ESCAPE.sub(one, text)


def render_html(
    document: d.Document, node: d.Element | d.Document | None = None, hook: Hook | None = None
) -> str:
    """``node`` (the whole document when None or the document) as CommonMark HTML; ``hook(node)``
    returns a node's HTML or None for the default (a construct's default is its source, escaped)."""
    renderer = Renderer(document, hook)
    if node is None or isinstance(node, d.Document):
        return renderer.blocks(document.children)
    if isinstance(node, _BLOCKS):
        return renderer.block(node)
    return renderer.inline_node(node)


def inline_html(document: d.Document, node: d.Element, hook: Hook | None = None) -> str:
    """A node's inline content (a paragraph's, a heading's, a cell's) as HTML, without its own tags."""
    return Renderer(document, hook).inline(node.children)
