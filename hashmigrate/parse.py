"""The one Markdown parse of a post: CommonMark + GFM into :mod:`hashmigrate.document`'s tree.

It knows no Hashnode syntax; the Hashnode reader places its constructs in the tree afterwards.

The parser is pulldown-cmark (through pyromark): measured on the 2,101 corpus bodies it took 0.46 s
against 4.75 s for markdown-it-py's full parse and 1.95 s for its block rules alone, and its code and
HTML block ranges equal markdown-it-py's on every corpus file (cmarkgfm was faster but differed on 72
files). Like goldmark (Hugo) it follows CommonMark, and it reports the source range of every block and
inline, which is what keeps the tree lossless. Only tables, strikethrough and task lists are enabled:
GFM's own extensions that Hashnode's editor writes; footnotes, heading attributes and smart punctuation
are off, as on Hashnode.

Three known divergences from CommonMark, rare and allowed by name in tests/test_html.py: pulldown-cmark
counts VT, NEL, LS and PS (U+000B, U+0085, U+2028, U+2029) as whitespace when it decides whether ``*``
or ``_`` can open emphasis; it counts a tab at a line's end toward a hard line break (CommonMark
wants two spaces last, as cmark and markdown-it read it); and it leaves a form feed before a line end
out of the text (cmark keeps it). The tree stays lossless: a writer writes the source's bytes.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from typing import Any, cast

import pyromark

from hashmigrate import document as d

# Half a character (a lone surrogate): no UTF-8 text can hold one.
SURROGATE = re.compile("[\ud800-\udfff]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_ALIGN: dict[str, d.Align] = {"None": "", "Left": "left", "Center": "center", "Right": "right"}
_LINK_KIND: dict[str, Any] = {"Inline": "inline", "Autolink": "autolink", "Email": "email"}
_BREAKS: dict[str, type[d.Element]] = {"SoftBreak": d.SoftBreak, "HardBreak": d.HardBreak, "Rule": d.Rule}
_SIMPLE: dict[str, type[d.Element]] = {
    "Paragraph": d.Paragraph,
    "Item": d.Item,
    "TableHead": d.TableHead,
    "TableRow": d.TableRow,
    "TableCell": d.TableCell,
    "Emphasis": d.Emphasis,
    "Strong": d.Strong,
    "Strikethrough": d.Strike,
}


@lru_cache(maxsize=1)
def options() -> Any:
    """pulldown-cmark's options for what Hashnode's Markdown is: CommonMark with GFM's tables,
    strikethrough and task lists."""
    o = pyromark.Options
    return o.ENABLE_TABLES | o.ENABLE_STRIKETHROUGH | o.ENABLE_TASKLISTS


# Nesting deeper than this (hostile input: 2,000 nested quotes) is kept as one text node of its source,
# so every walk over the tree stays far from Python's recursion limit; markdown-it's default was 100 too.
MAX_DEPTH = 100


class _Offsets:
    """Byte offsets (what pulldown-cmark reports) to character offsets.

    Every CommonMark delimiter is ASCII, so a node boundary almost never falls inside a run of
    non-ASCII characters: the table holds one entry per run, not per character (a per-character
    table cost more than the parse itself on Vietnamese posts).
    """

    __slots__ = ("_bytes", "_known", "_runs", "_starts")

    def __init__(self, text: str) -> None:
        self._bytes = text.encode("utf-8")
        # (byte start, char start, byte length, char length) of each non-ASCII run
        self._runs: list[tuple[int, int, int, int]] = []
        extra = 0
        for match in _NON_ASCII.finditer(text):
            size = len(match.group().encode("utf-8"))
            self._runs.append((match.start() + extra, match.start(), size, match.end() - match.start()))
            extra += size - (match.end() - match.start())
        self._starts = [run[0] for run in self._runs]
        # Half the offsets asked for are asked twice (a node's end is the next one's start).
        self._known: dict[int, int] = {}

    def char(self, offset: int) -> int:
        found = self._known.get(offset)
        if found is None:
            found = self._known[offset] = self._char(offset)
        return found

    def _char(self, offset: int) -> int:
        index = bisect_right(self._starts, offset) - 1
        if index < 0:
            return offset
        byte_start, char_start, byte_size, char_size = self._runs[index]
        if offset >= byte_start + byte_size:
            return char_start + char_size + offset - byte_start - byte_size
        return char_start + len(self._bytes[byte_start:offset].decode("utf-8", "replace"))


# A tree kept for the next parse: repair_fences parses a post whose fences it suspects, and the reader
# then parses the same text again (unless a fence was repaired). Only the next call may take it, so no
# tree outlives its post; no code changes a tree (its nodes are frozen to the type checker, its
# children tuples), so handing it out twice is safe.
_kept: tuple[str, d.Document] | None = None


def parse(source: str, keep: bool = False) -> d.Document:
    """The CommonMark + GFM tree of ``source`` (``\\n`` line endings), every node with its span.

    ``keep``: the tree is kept for the next call, which gives it back if its text is the same."""
    global _kept
    kept, _kept = _kept, None
    if kept is not None and kept[0] == source:
        return kept[1]
    document = _parse(source)
    if keep:
        _kept = (source, document)
    return document


def _parse(source: str) -> d.Document:
    if not source:
        return d.Document(source)
    text, offsets = _prepared(source)
    # Each node is made whole at its Start event (pulldown-cmark gives a node's full range there) and
    # appended to its parent then; its children are set when its End comes. Nodes are frozen to the
    # type checker only, so a node being built is typed Any here.
    roots: list[d.Element] = []
    opened: list[Any] = []  # the nodes open, innermost last
    lists: list[list[d.Element]] = [roots]  # their children so far (the document's first)
    children = roots
    top: Any = None  # the innermost open node (None: the document)
    top_type: type | None = None
    text_type = d.Text
    code_type = d.CodeBlock
    html_type = d.HtmlBlock
    simple = _SIMPLE
    deep = 0  # open nodes past MAX_DEPTH: their whole subtree becomes one text node
    deep_start = 0
    # The hot loop (about 170 events per post): text, the most common event, then the start and end
    # of a node without fields, are handled inline; the rest in _open and _leaf.
    # Events are read as pulldown-cmark gives them, never all held at once (a list of a 300 KB post's
    # events tripled its parse's peak memory). The loop's cost is in the dicts pyromark makes for
    # each event and the nodes made here: compiled with mypyc it was only 4 % faster
    # (benchmarks/README.md).
    events: Any = pyromark.events_with_range(text, options=options())
    to_char = offsets.char if offsets is not None else None
    for event, span in events:
        start, end = span["start"], span["end"]
        if to_char is not None:
            start, end = to_char(start), to_char(end)
        if deep:
            if type(event) is not str and "Start" in event:
                deep += 1
            elif type(event) is not str and "End" in event:
                deep -= 1
                if not deep:
                    children.append(text_type(deep_start, end, (), None, source[deep_start:end]))
            continue
        if type(event) is str:
            _leaf(children, top, event, start, end)
            continue
        value: Any = event.get("Text")
        if value is not None:
            if top_type is code_type:
                top.text += value
            elif top_type is html_type:
                # Text in an HTML block is the indentation of a line past its container's
                # (pulldown-cmark gives it apart): CommonMark keeps it in the block's HTML.
                top.html += value
            elif children and type(last := children[-1]) is text_type and last.end == start:
                children[-1] = text_type(last.start, end, (), None, last.text + value)
            else:
                children.append(text_type(start, end, (), None, value))
            continue
        value = event.get("Start")
        if value is not None:
            if len(lists) > MAX_DEPTH:
                deep, deep_start = 1, start
                continue
            cls = simple.get(value) if type(value) is str else None
            top = cls(start, end) if cls is not None else _open(value, start, end, text)
            top_type = type(top)
            children.append(top)
            opened.append(top)
            lists.append(children := [])
        elif "End" in event:
            node = opened.pop()
            done = lists.pop()
            if done:
                node.children = tuple(done)
            if top_type is code_type:
                code = node.text  # NUL is U+FFFD already (see _prepared)
                if code and not code.endswith("\n"):
                    # Code at the very end of the text: CommonMark's content is its lines, each ended.
                    node.text = code + "\n"
            children = lists[-1]
            top = opened[-1] if opened else None
            top_type = type(top) if opened else None
        elif "TaskListMarker" in event:
            # ``[ ]`` / ``[x]``: its item's. In a loose list it comes inside the item's paragraph.
            item = next((o for o in reversed(opened) if type(o) is d.Item), None)
            if item is not None:
                cast(Any, item).checked = bool(event["TaskListMarker"])
        else:
            _leaf(children, top, event, start, end)
    document = d.Document(source, tuple(roots))
    if "]:" in source:
        document = d.place(document, _definitions(text, offsets))
    return document


def _prepared(source: str) -> tuple[str, _Offsets | None]:
    """The text pulldown-cmark is given, and its byte offsets to character offsets (None: equal).

    A lone surrogate cannot cross into Rust; U+FFFD takes its place (one character for one), as it
    takes NUL's (CommonMark reads U+0000 as U+FFFD everywhere; pulldown-cmark only in some places:
    a link to ``(\\x00)`` was no link)."""
    text = SURROGATE.sub("\ufffd", source) if not source.isascii() else source
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    return text, None if text.isascii() else _Offsets(text)


def _open(value: Any, start: int, end: int, text: str) -> d.Element:
    if isinstance(value, str):
        if value == "HtmlBlock":
            return d.HtmlBlock(start, end)
        return _SIMPLE.get(value, d.Element)(start, end)
    kind, info = next(iter(value.items()))
    if kind == "Heading":
        return d.Heading(start, end, level=int(info["level"][1:]), setext=not text.startswith("#", start))
    if kind == "BlockQuote":
        return d.Quote(start, end)
    if kind == "List":
        return d.List(start, end, ordered=info is not None, first=info if info is not None else 1)
    if kind == "CodeBlock":
        fenced = isinstance(info, dict)
        return d.CodeBlock(start, end, info=info["Fenced"] if fenced else "", fenced=fenced)
    if kind == "Table":
        return d.Table(start, end, align=tuple(_ALIGN.get(a, "") for a in info))
    if kind == "Link":
        kind_of = _LINK_KIND.get(info["link_type"], "reference")
        return d.Link(start, end, dest=info["dest_url"], title=info["title"], kind=kind_of)
    if kind == "Image":
        return d.Picture(start, end, dest=info["dest_url"], title=info["title"])
    return d.Element(start, end)


def _leaf(children: list[d.Element], parent: Any, event: Any, start: int, end: int) -> None:
    if isinstance(event, str):
        cls = _BREAKS.get(event)
        if cls is not None:
            children.append(cls(start, end))
        return
    kind, value = next(iter(event.items()))
    if kind == "Code":
        children.append(d.CodeSpan(start, end, text=value))
    elif kind in ("InlineHtml", "Html"):
        if type(parent) is d.HtmlBlock:
            cast(Any, parent).html += value  # being built (see _parse)
        else:
            children.append(d.HtmlInline(start, end, html=value))


def _definitions(text: str, offsets: _Offsets | None) -> list[d.Element]:
    found: list[d.Element] = []
    definitions: Any = pyromark.reference_definitions(text, options=options())
    for label, value in definitions.items():
        start, end = value["span"]["start"], value["span"]["end"]
        if offsets is not None:
            start, end = offsets.char(start), offsets.char(end)
        found.append(d.Definition(start, end, label=label, dest=value["dest"], title=value["title"] or ""))
    found.sort(key=lambda n: n.start)
    return found


# A bare URL, which Hashnode and Hugo make a link of (and which Hashnode's embeds hold: ``%[url]``):
# an address as much as a link's destination, though CommonMark reads it as text.
# It ends at ASCII whitespace only, as cmark-gfm's does: a no-break space is part of it.
_BARE_URL = re.compile(r"(?:\b[a-zA-Z][a-zA-Z0-9+.-]{1,31}://|\bwww\.)[^\x00-\x20\x7f<>\"'`]*")
# Links whose text is their address or their label: changed, it would no longer match the definition.
_WHOLE_LINKS = ("Shortcut", "Collapsed", "Autolink", "Email")
# Raw HTML that holds code: an HTML block that starts so (CommonMark's first kind: it ends only at
# its closing tag), and the text between inline <code> tags.
_HTML_CODE_BLOCK = re.compile(r"[ ]{0,3}<(?:pre|script|style|textarea)(?:[\s>]|$)", re.I)
_HTML_CODE_OPEN = re.compile(r"<(?:code|kbd|samp|pre)(?:[\s>]|/?>)", re.I)
_HTML_CODE_CLOSE = re.compile(r"</(?:code|kbd|samp|pre)\s*>", re.I)
# An element of code anywhere in an HTML block (``<div>Text <code>x</code></div>``): to its end tag,
# or the block's end.
_HTML_CODE_ELEMENT = re.compile(r"<(pre|code|kbd|samp|script|style|textarea)(?=[\s>/])", re.I)


def prose_ranges(source: str) -> list[tuple[int, int]]:
    """The character ranges of ``source`` that are the author's prose, sorted and disjoint: its text
    (in paragraphs, headings, tables, link text and alt text) and its HTML blocks, less bare URLs.

    What is left is code (blocks, spans, and in raw HTML ``<pre>`` blocks and ``<code>`` elements),
    inline HTML tags, link and image destinations, titles and labels, autolinks, reference
    definitions (every one, also those a label repeats, which pulldown-cmark reports nowhere) and the
    syntax between. Prose is what pulldown-cmark reports as text, so nothing else can be taken for
    it. Only its events are read (no tree is built)."""
    if not source:
        return []
    text, offsets = _prepared(source)
    to_char = offsets.char if offsets is not None else None
    found: list[tuple[int, int]] = []
    blocks: list[tuple[int, int]] = []  # the HTML blocks' lines taken for prose
    code = 0  # code blocks and <code> elements open (a Text event in one is code)
    links: list[bool] = []  # links and images open, innermost last: whether their text is an address
    whole = 0  # how many of them are
    html_start = False  # the next Html event is an HTML block's first line
    html_code = False  # in an HTML block of code
    events: Any = pyromark.events_with_range(text, options=options())
    for event, span in events:
        if type(event) is str:
            continue
        html = event.get("Html")
        if html is not None and html_start:
            html_start = False
            html_code = _HTML_CODE_BLOCK.match(html) is not None
        if "Text" in event or html is not None:
            if not code and not whole and not html_code:
                start, end = span["start"], span["end"]
                if to_char is not None:
                    start, end = to_char(start), to_char(end)
                found.append((start, end))
                if html is not None:
                    blocks.append((start, end))
        elif (tag := event.get("InlineHtml")) is not None:
            if _HTML_CODE_OPEN.match(tag):
                code += 1
            elif code and _HTML_CODE_CLOSE.match(tag):
                code -= 1
        elif (value := event.get("Start")) is not None:
            if value == "HtmlBlock":
                html_start = True
            elif type(value) is dict:
                kind, info = next(iter(value.items()))
                if kind == "CodeBlock":
                    code += 1
                elif kind in ("Link", "Image"):
                    links.append(info["link_type"] in _WHOLE_LINKS)
                    whole += links[-1]
        elif (value := event.get("End")) is not None:
            if value == "CodeBlock":
                code -= 1
            elif value == "HtmlBlock":
                html_code = False
            elif value in ("Link", "Image") and links:
                whole -= links.pop()
            elif value in ("Paragraph", "Heading", "TableCell"):
                code = 0  # an inline <code> left open ends with its block
    found = _merged(found)
    # Looked for in the prose only: after a link's destination, "https://a/b)" and the text that
    # follows it would read as one URL.
    urls = [match.span() for start, end in found for match in _BARE_URL.finditer(source, start, end)]
    cut = _merged(urls + _html_code(source, _merged(blocks))) if blocks else urls
    return _less(found, cut) if cut else found


def _html_code(source: str, blocks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The elements of code (``<code>``, ``<pre>``...) in the HTML blocks' ranges, each to its end tag
    or its block's end."""
    cut: list[tuple[int, int]] = []
    for start, end in blocks:
        at = start
        while (element := _HTML_CODE_ELEMENT.search(source, at, end)) is not None:
            close = re.compile(rf"</{element[1]}\s*>", re.I).search(source, element.end(), end)
            at = close.end() if close is not None else end
            cut.append((element.start(), at))
    return cut


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``ranges`` sorted, those that touch or overlap made one."""
    ranges.sort()
    out: list[tuple[int, int]] = []
    for start, end in ranges:
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = out[-1][0], end
        else:
            out.append((start, end))
    return out


def _less(ranges: list[tuple[int, int]], cut: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint ``ranges`` less the sorted, disjoint ``cut``."""
    out: list[tuple[int, int]] = []
    index = 0
    for start, end in ranges:
        while index < len(cut) and cut[index][1] <= start:
            index += 1
        at = index
        while start < end:
            if at == len(cut) or cut[at][0] >= end:
                out.append((start, end))
                break
            if cut[at][0] > start:
                out.append((start, cut[at][0]))
            start = max(start, cut[at][1])
            at += 1
    return out
