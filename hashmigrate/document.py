"""A post's body as a lossless document tree: typed CommonMark + GFM nodes, each with its source span.

The reader parses a body once into this tree; everything after it (link and image passes, heading
anchors, every writer) walks the tree instead of parsing Markdown again. Every node keeps the span of
source text it came from, so what a writer leaves alone is written back as the author's own bytes:
code, escapes and spacing included. :meth:`Document.emit` with a visitor that changes nothing returns
the source exactly (a property test holds this over the corpus and over generated input).

What Hashnode adds to Markdown reaches this tree only in neutral form: a :class:`Construct` node holds
one of the model's body nodes (:class:`~hashmigrate.model.Embed`, ``Image`` with its alignment,
``Callout``, ``Mention``, ``Widget``) with the span of the Hashnode syntax it replaces. Only the reader
knows that syntax; writers see the neutral node.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, TypeAlias, TypeVar, cast, dataclass_transform

from hashmigrate.model import Callout, Embed, Html, Image, Markdown, Mention, Node, Widget

_Class = TypeVar("_Class", bound=type)


@dataclass_transform(frozen_default=True, eq_default=False)
def _node(cls: _Class) -> _Class:
    """A tree node's class: a dataclass with slots, frozen to the type checker (which refuses an
    assignment to a node's field anywhere in the code) but not at run time. A frozen dataclass's
    __init__ sets each field through object.__setattr__: 1.0 us a node against 0.3 us, for the
    ~250,000 nodes of the corpus a quarter of the parse."""
    return cast("_Class", dataclass(slots=True, eq=False)(cls))


_ATX_OPEN = re.compile(r"^[ ]{0,3}#{1,6}(?=[ \t]|$)")
# A closing sequence: #s preceded by a space (or the whole content), then only spaces.
_ATX_CLOSE = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")

Align: TypeAlias = Literal["", "left", "center", "right"]


@_node
class Element:
    """A node of the tree: the source span ``[start, end)`` and the nodes inside it, in order.

    ``written`` is set by a pass that changed the node (a rewritten HTML attribute, a reference
    definition pointing elsewhere): the Markdown to write instead of the source span. Links and
    pictures whose destination a pass changed say so with their own ``moved`` flag instead, because
    their text (children) is still written by the writer.
    """

    start: int
    end: int
    children: tuple[Element, ...] = ()
    written: str | None = None


# ---- blocks -----------------------------------------------------------------------------------------
@_node
class Paragraph(Element):
    pass


@_node
class Heading(Element):
    level: int = 1
    setext: bool = False


@_node
class Quote(Element):
    pass


@_node
class List(Element):
    ordered: bool = False
    first: int = 1  # the number an ordered list starts at


@_node
class Item(Element):
    checked: bool | None = None  # a GFM task list item: [x] / [ ]


@_node
class CodeBlock(Element):
    """Fenced or indented code; ``text`` is the code itself (what a reader sees), ``info`` the fence's
    info string (its first word is the language)."""

    text: str = ""
    info: str = ""
    fenced: bool = True


@_node
class HtmlBlock(Element):
    html: str = ""


@_node
class Rule(Element):
    pass


@_node
class Table(Element):
    align: tuple[Align, ...] = ()


@_node
class TableHead(Element):
    pass


@_node
class TableRow(Element):
    pass


@_node
class TableCell(Element):
    pass


# ---- inlines ----------------------------------------------------------------------------------------
@_node
class Text(Element):
    """Literal text; ``text`` has escapes and entities resolved (the source span has them as written)."""

    text: str = ""


@_node
class CodeSpan(Element):
    text: str = ""


@_node
class Emphasis(Element):
    pass


@_node
class Strong(Element):
    pass


@_node
class Strike(Element):
    pass


@_node
class Link(Element):
    """``[text](dest "title")``, a reference link or an autolink (``kind`` says which)."""

    dest: str = ""
    title: str = ""
    kind: Literal["inline", "reference", "autolink", "email"] = "inline"
    moved: bool = False  # a pass changed ``dest``: write ``[text](dest "title")``


@_node
class Picture(Element):
    """A CommonMark image ``![alt](src "title")``; its children are the alt text."""

    dest: str = ""
    title: str = ""
    moved: bool = False


@_node
class Definition(Element):
    """A link reference definition ``[label]: dest "title"`` (it shows nothing itself)."""

    label: str = ""
    dest: str = ""
    title: str = ""


@_node
class HtmlInline(Element):
    html: str = ""


@_node
class SoftBreak(Element):
    pass


@_node
class HardBreak(Element):
    pass


# ---- what Hashnode adds, in neutral form -------------------------------------------------------------
HashnodeNode: TypeAlias = Embed | Widget | Image | Callout | Mention | Html


@_node
class Construct(Element):
    """A construct the source platform adds to Markdown, as a neutral model node.

    ``block`` is true when it stands alone on its line(s), where targets write it as a block of its
    own; ``after`` is the separator a writer adds after it so the text that follows stays a paragraph
    of its own in the same container (an HTML block would run on into it); ``indent`` is what each
    further line of a multi-line rendering needs to stay inside the construct's container.
    """

    node: HashnodeNode | None = None
    block: bool = False
    after: str = ""
    indent: str = ""


BLOCK_TYPES: tuple[type[Element], ...] = (
    Paragraph, Heading, Quote, List, Item, CodeBlock, HtmlBlock, Rule, Table, TableHead, TableRow, TableCell,
)  # fmt: skip

# Nodes whose children can only be inline content (CommonMark's leaf blocks with text, and a table's
# rows and cells): no block is ever inside one, so a walk for blocks does not go into them.
INLINE_CONTENT: tuple[type[Element], ...] = (Paragraph, Heading, Table, TableHead, TableRow, TableCell)

# Nodes a pass can move (a changed destination), which _emit writes anew.
_MOVABLE = (Link, Picture)

# A visitor returns what to write for a node, or None to write its source (with its children visited).
Visitor: TypeAlias = Callable[[Element], "str | None"]


@dataclass(frozen=True, slots=True, eq=False)
class Document:
    """A body: its source text and its top-level blocks."""

    source: str
    children: tuple[Element, ...] = ()
    # The Hashnode constructs, in order (also reachable by walking; kept for quick access).
    constructs: tuple[Construct, ...] = field(default=())

    def walk(self) -> Iterator[Element]:
        """Every node, depth first, in source order."""
        return descendants(self.children)

    def blocks(self) -> Iterator[Element]:
        """Every node that is not inside a paragraph, a heading or a table, depth first, in source
        order: :meth:`walk` without the inline content, which is most of the nodes. A walk for a kind
        of block (a heading, code, HTML) finds them all here; none is ever inside inline content."""
        return _blocks(self.children)

    def text_of(self, node: Element) -> str:
        """The node's source, as written."""
        return self.source[node.start : node.end]

    def inner(self, node: Element) -> str:
        """The source between a node's first and last child (a heading's or link's inline text)."""
        if not node.children:
            return ""
        return self.source[node.children[0].start : node.children[-1].end]

    def emit(self, visit: Visitor | None = None, types: Collection[type[Element]] | None = None) -> str:
        """The document written back, each node as ``visit`` says or, where it says None, as its source
        with its children visited in turn. With no visitor this is the source, byte for byte.

        ``types``: the node types ``visit`` is called for (by exact type; None: every node). A writer
        that knows it writes every other node as its source spares the walk a call for each."""
        out: list[str] = []
        self._emit(self.children, 0, len(self.source), visit, out, types)
        return "".join(out)

    def emit_node(self, node: Element, visit: Visitor | None = None) -> str:
        """One node written back as :meth:`emit` writes it."""
        out: list[str] = []
        self._emit((node,), node.start, node.end, visit, out)
        return "".join(out)

    def emit_children(
        self, node: Element, visit: Visitor | None = None, types: Collection[type[Element]] | None = None
    ) -> str:
        """A node's content (its children and the source between them), without its own delimiters."""
        if not node.children:
            return ""
        out: list[str] = []
        self._emit(node.children, node.children[0].start, node.children[-1].end, visit, out, types)
        return "".join(out)

    def _emit(
        self,
        nodes: tuple[Element, ...],
        start: int,
        end: int,
        visit: Visitor | None,
        out: list[str],
        types: Collection[type[Element]] | None = None,
    ) -> None:
        # Every writer's walk runs through here, once per node: attributes are read once each.
        source = self.source
        append = out.append
        pos = start
        for node in nodes:
            node_start, node_end = node.start, node.end
            if node_start > pos:
                append(source[pos:node_start])
            written = visit(node) if visit is not None and (types is None or type(node) in types) else None
            if written is None:
                written = node.written
            if written is not None:
                append(written)
            elif isinstance(node, _MOVABLE) and node.moved:
                append(self._moved(node, visit, types))
            elif node.children:
                self._emit(node.children, node_start, node_end, visit, out, types)
            else:
                append(source[node_start:node_end])
            if node_end > pos:
                pos = node_end
        if end > pos:
            append(source[pos:end])

    def _moved(
        self, node: Link | Picture, visit: Visitor | None, types: Collection[type[Element]] | None
    ) -> str:
        """A link or picture whose destination changed, written with its new destination."""
        if isinstance(node, Link) and node.kind in ("autolink", "email"):
            # The address the author showed stays the link's text, as Hashnode's page shows it; the
            # link goes to the post's new place (its old address redirects there).
            shown = _LINK_TEXT_MARKUP.sub(r"\\\1", self.source[node.start + 1 : node.end - 1])
            shown = _ENTITY_LIKE.sub("&amp;", shown)
            return f"[{shown}]({destination(node.dest)})"
        text = self.emit_children(node, visit, types)
        mark = "!" if isinstance(node, Picture) else ""
        return f"{mark}[{text}]({destination(node.dest)}{title_markdown(node.title)})"

    def replaced(self, mapping: Mapping[int, Element]) -> Document:
        """The document with each node whose ``id()`` is a key of ``mapping`` replaced by its value.

        Only the nodes on the path to a replaced node are made again; the rest are shared. A
        replacement keeps the node's (rebuilt) children when it was made with the old ones, so a node
        and one inside it can both be replaced. ``constructs`` follows: a construct replaced by a plain
        node (an own-post embed that became a link) leaves the list.
        """
        if not mapping:
            return self
        children = _replaced(self.children, mapping)
        constructs = tuple(
            c
            for c in (mapping.get(id(node), node) for node in self.constructs)
            if isinstance(c, Construct) and c.node is not None
        )
        return Document(self.source, children, constructs)

    def headings(self) -> list[Heading]:
        return [node for node in self.blocks() if isinstance(node, Heading)]

    def heading_source(self, node: Heading) -> str:
        """A heading's inline content as written: an ATX heading's line without its ``#`` marks and
        closing sequence (escapes kept), a setext heading's text without its underline."""
        if node.setext:
            return self.inner(node)
        line = self.source[node.start : node.end].split("\n", 1)[0]
        content = _ATX_OPEN.sub("", line, count=1).strip()
        closing = _ATX_CLOSE.search(content)
        if closing is not None:
            content = content[: closing.start()]
        return content

    def escaped(self, at: int) -> bool:
        """Whether the character at ``at`` is escaped by an odd run of backslashes before it (the
        parser leaves an escape's backslash out of the text node that follows it)."""
        run = at
        while run > 0 and self.source[run - 1] == "\\":
            run -= 1
        return (at - run) % 2 == 1

    def line_prefix(self, node: Element) -> str:
        """The text between the start of the node's line and the node (container markers)."""
        line_start = self.source.rfind("\n", 0, node.start) + 1
        return self.source[line_start : node.start]


def _replaced(nodes: tuple[Element, ...], mapping: Mapping[int, Element]) -> tuple[Element, ...]:
    out: list[Element] = []
    changed = False
    for node in nodes:
        new = mapping.get(id(node), node)
        if node.children:
            children = _replaced(node.children, mapping)
            if children is not node.children and new.children is node.children:
                new = replace(new, children=children)
        changed = changed or new is not node
        out.append(new)
    return tuple(out) if changed else nodes


def free_marker(text: str) -> str:
    """A character the text does not contain, to mark where something stands in it while the text is
    rewritten (a construct's rendering, held apart)."""
    for code in range(0xFDD0, 0xFDF0):  # Unicode noncharacters: never in a real post
        if chr(code) not in text:
            return chr(code)
    raise ValueError("no free marker character")  # all 32 in one text: not a post


def descendants(nodes: tuple[Element, ...]) -> Iterator[Element]:
    """Every node in ``nodes`` and under them, depth first, in source order (no recursion)."""
    stack: list[Element] = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node
        if node.children:  # most nodes are leaves (text): skip the call
            stack.extend(reversed(node.children))


def _blocks(nodes: tuple[Element, ...]) -> Iterator[Element]:
    """:func:`descendants`, less what is inside a node of :data:`INLINE_CONTENT`."""
    stack: list[Element] = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node
        if node.children and not isinstance(node, INLINE_CONTENT):
            stack.extend(reversed(node.children))


def flat_view(document: Document) -> tuple[Node, ...]:
    """The document as the flat body (Markdown text runs between construct nodes), as a pass left it:
    for plug-ins written against ``Post.body``, which must see what the passes changed too."""
    marker = free_marker(document.source)
    held: list[Node] = []

    def visit(element: Element) -> str | None:
        if isinstance(element, Construct) and element.node is not None:
            held.append(element.node)
            return f"{marker}{len(held) - 1}{marker}{element.after}"
        return None

    nodes: list[Node] = []
    for index, piece in enumerate(document.emit(visit).split(marker)):
        if index % 2:
            nodes.append(held[int(piece)])
        elif piece:
            nodes.append(Markdown(piece))
    return tuple(nodes)


def plain_text(document: Document, node: Element) -> str:
    """What a reader sees of a node's inline content: text with escapes resolved, code spans' code,
    images' alt text; no markup."""
    parts: list[str] = []
    for child in node.children:
        if isinstance(child, (Text, CodeSpan)):
            parts.append(child.text)
        elif isinstance(child, (SoftBreak, HardBreak)):
            parts.append(" ")
        elif isinstance(child, Construct):
            inner = child.node
            if isinstance(inner, Mention):
                parts.append(inner.name)
            elif isinstance(inner, Image):
                parts.append(inner.alt)
        elif isinstance(child, HtmlInline):
            continue
        else:
            parts.append(plain_text(document, child))
    return "".join(parts)


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{1,31}:")


def destination(url: str) -> str:
    """A link destination CommonMark reads back as ``url``."""
    if not url or any(c in url for c in " <>\n") or url.count("(") != url.count(")"):
        return "<" + url.replace("<", "%3C").replace(">", "%3E").replace("\n", "%0A") + ">"
    return url


def title_markdown(title: str | None) -> str:
    if not title:
        return ""
    return ' "' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'


# What CommonMark (or a target's Markdown) could read as markup in a link's text; each escape is the
# character itself to all of them. Not "&": kramdown shows "\&" as written. An "&" that would start an
# entity is written "&amp;", which every Markdown reads as "&".
_LINK_TEXT_MARKUP = re.compile(r"([\\`*_\[\]<>!~])")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def link_markdown(url: str, text: str | None) -> str:
    """A link: ``[text](url)``; with no text, one that shows its own address (CommonMark reads only an
    absolute URI as an autolink, so a site-relative one is written as a link whose text is the address)."""
    if text:
        return f"[{text}]({destination(url)})"
    return (
        f"<{url}>"
        if _SCHEME.match(url) and not any(c in url for c in " <>")
        else f"[{url}]({destination(url)})"
    )


def from_nodes(nodes: tuple[object, ...], parse: Callable[[str], Document]) -> Document:
    """A document for a body given as flat nodes (a Post built by hand): its Markdown parsed, each
    other node a construct in its place. ``parse`` is the CommonMark parse."""
    from hashmigrate.model import Markdown

    source: list[str] = []
    spans: list[tuple[int, int, HashnodeNode]] = []
    size = 0
    for node in nodes:
        if isinstance(node, Markdown):
            source.append(node.text)
            size += len(node.text)
        elif isinstance(node, Html):
            source.append(node.html)
            size += len(node.html)
        elif isinstance(node, (Embed, Widget, Image, Callout, Mention)):
            if isinstance(node, (Embed, Widget, Callout)) and source:
                # A block at the start of a line indented four columns or more would be code to the
                # parse (and the node lost in it): its line's indentation goes.
                text = "".join(source)
                line = text.rsplit("\n", 1)[-1]
                if line and not line.strip(" \t") and len(line.expandtabs(4)) >= 4:
                    source = [text[: len(text) - len(line)]]
                    size -= len(line)
            # A private-use character stands for the node: one character of text to the parse.
            source.append("\ue000")
            spans.append((size, size + 1, node))
            size += 1
    document = parse("".join(source))
    constructs = [
        Construct(
            a, b, node=n, block=isinstance(n, (Embed, Widget, Callout)), indent=getattr(n, "indent", "")
        )
        for a, b, n in spans
    ]
    return place(document, constructs)


def place(document: Document, nodes: list[Construct] | list[Element]) -> Document:
    """The tree with each node (a construct, a definition) in place of what its span covers.

    A node that only partly overlaps a placed one (emphasis opened inside an embed's URL and closed
    after it) is unwrapped into its children; text is split at the edges. Both keep the tree lossless:
    the delimiters of an unwrapped node are source between children, written back as they are.
    """
    dropped: set[int] = set()
    ordered = sorted(nodes, key=_position)
    children = _place_all(document.children, ordered, document.source, dropped)
    # A construct that overlaps code is not one: code is never read for anything.
    kept = tuple(n for n in ordered if isinstance(n, Construct) and id(n) not in dropped)
    return Document(document.source, children, document.constructs + kept)


def _enters(node: Element, c: Element, source: str) -> bool:
    """Whether ``c`` belongs among ``node``'s children (not over its delimiters, not all of it)."""
    return (
        node.start <= c.start
        and c.end <= node.end
        and not (c.start <= node.start and node.end <= c.end)
        and bool(node.children)
        and node.children[0].start <= c.start
        # a construct may take the spaces after its container's last child (a block embed's)
        and (c.end <= node.children[-1].end or not source[node.children[-1].end : c.end].strip())
    )


def _place_all(
    nodes: tuple[Element, ...], items: list[Element], source: str, dropped: set[int]
) -> tuple[Element, ...]:
    """``nodes`` with every item (sorted by position) in place, in one walk: each node is rebuilt once,
    however many items go into it (100,000 embeds in a post place in linear time)."""
    if not items:
        return nodes
    if len(items) == 1:
        placed_nodes, placed = _place(nodes, items[0], source)
        if not placed:
            dropped.add(id(items[0]))
        return placed_nodes
    out: list[Element] = []
    i = j = 0
    while i < len(nodes):
        node = nodes[i]
        while j < len(items) and items[j].end <= node.start and items[j].start < node.start:
            out.append(items[j])  # between nodes
            j += 1
        k = j
        while k < len(items) and items[k].start < node.end:
            k += 1
        if k == j:
            out.append(node)
            i += 1
            continue
        # The nodes the group's items reach (an item may straddle several), and the items those reach.
        m = i + 1
        reach = max(item.end for item in items[j:k])
        while m < len(nodes) and nodes[m].start < reach:
            m += 1
            while k < len(items) and items[k].start < nodes[m - 1].end:
                reach = max(reach, items[k].end)
                k += 1
        group = items[j:k]
        if m == i + 1 and all(_enters(node, item, source) for item in group):
            out.append(replace(node, children=_place_all(node.children, group, source, dropped)))
        else:
            pieces = nodes[i:m]
            for item in group:
                pieces, placed = _place(pieces, item, source)
                if not placed:
                    dropped.add(id(item))
            out.extend(pieces)
        i, j = m, k
    out.extend(items[j:])
    return tuple(out)


# Leaves a placed node may cut in two. A definition too: in a body built by hand, a construct written
# right after ``[x]: y`` is read as part of the definition's address, and must not be lost.
_TEXT_LIKE = (Text, HtmlInline, HtmlBlock, Definition)


def _place(nodes: tuple[Element, ...], c: Element, source: str) -> tuple[tuple[Element, ...], bool]:
    """``nodes`` with ``c`` in place, and whether it was placed (False: it fell inside code)."""
    out: list[Element] = []
    inside = False  # placed in a child, or dropped because it fell in code
    placed = True
    for node in nodes:
        if node.end <= c.start or node.start >= c.end:
            out.append(node)
        elif c.start <= node.start and node.end <= c.end:
            continue  # covered: the placed node replaces it
        elif _enters(node, c, source):
            children, placed = _place(node.children, c, source)
            out.append(replace(node, children=children))
            inside = True
        elif isinstance(node, _TEXT_LIKE) and not node.children:
            out.extend(
                _cut(node, a, b, source) for a, b in ((node.start, c.start), (c.end, node.end)) if a < b
            )
        elif isinstance(node, (Quote, Item)) and not node.children:
            # A container holding nothing else (a quote of just a reference definition).
            out.append(replace(node, children=(c,)))
            inside = True
        elif node.children:
            # Straddles the placed node, or holds it in its delimiters: unwrapped into its children.
            pieces, _ = _place(node.children, c, source)
            out.extend(piece for piece in pieces if piece is not c)
        else:
            out.append(node)  # code: nothing is ever read inside it
            inside, placed = True, False
    if not inside:
        out.append(c)
        out.sort(key=_position)
    return tuple(out), placed


def _position(node: Element) -> tuple[int, int]:
    return node.start, node.end


def _cut(node: Element, start: int, end: int, source: str) -> Element:
    if isinstance(node, (Text, Definition)):
        return Text(start, end, text=source[start:end])
    if isinstance(node, HtmlBlock):
        return HtmlBlock(start, end, html=source[start:end])
    return HtmlInline(start, end, html=source[start:end])
