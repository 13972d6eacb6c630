"""Hashnode-flavoured Markdown to body nodes, in one pass, never touching code.

The post's one CommonMark parse (:mod:`hashmigrate.hashnode.tree`) tells which lines are fenced or
indented code and which are raw HTML blocks; only the parser knows where a fence inside a list item or
a blockquote ends. Everything else is scanned once for code spans (left alone) and the Hashnode-only
constructs (turned into nodes). Text that is not Hashnode-only, the author's own escapes included, is
kept byte for byte.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import replace
from itertools import accumulate
from typing import Any

from hashmigrate.document import CodeBlock, CodeSpan, Construct, Document, HtmlBlock, place
from hashmigrate.embeds import classify
from hashmigrate.model import Callout, Embed, Html, Image, Markdown, Mention, Node, Widget
from hashmigrate.parse import parse

# Quick test for "is there anything Hashnode-only at all": most of a post's paragraphs have none.
_CANDIDATE = re.compile(r"%\[|!\[|@\[|data-node-type")
# Quote markers and list-item markers in front of a line's content, any number deep.
_CONTAINERS = r"(?:[ \t]*(?:>|[*+-](?=[ \t])|\d{1,9}[.)](?=[ \t])))*"
_BACKTICKS = re.compile(r"`+")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_LINES = re.compile(r"[^\n]*\n|[^\n]+")
_INLINE = re.compile(r"%%\[|%\[|@\[|\[!\[|!\[")
_EMBED = re.compile(r"%\[(?P<url>[^\]\s]+)\s*\]")
_WIDGET = re.compile(r"%%\[(?P<name>[^\]\n]{1,200})\]")
_MENTION = re.compile(r"@\[(?P<name>(?:\\.|[^\]\\\n])*)\]\(@(?P<user>[A-Za-z0-9_.-]{1,64})\)")
_ATTR = re.compile(r'\s*(?P<key>[A-Za-z][\w-]*)=(?:"(?P<dq>[^"]*)"|\'(?P<sq>[^\']*)\'|(?P<bare>[^\s)"\']+))')
_TITLE = re.compile(
    r'\s+(?:"(?P<dq>(?:\\.|[^"\\])*)"|\'(?P<sq>(?:\\.|[^\'\\])*)\'|\((?P<pq>(?:\\.|[^()\\])*)\))'
)
_CONTAINER_PREFIX = re.compile(rf"^{_CONTAINERS}[ \t]*$")
# Every callout Hashnode writes has this attribute; a body without it has none.
CALLOUT_MARK = 'data-node-type="callout"'
# Between a callout's tags: whitespace and, on the lines of a callout inside a blockquote, its ">"s.
_GAP = r"(?:\s|(?<=\n)(?:[ \t]{0,3}>)+)*"
_CALLOUT = re.compile(
    r'<div\s+data-node-type="callout"\s*>' + _GAP
    + r'<div\s+data-node-type="callout-emoji"\s*>(?P<emoji>.*?)</div>' + _GAP
    + r'<div\s+data-node-type="callout-text"\s*>(?P<text>.*?)</div>' + _GAP
    + r"</div>",
    re.S,
)  # fmt: skip


def _unquoted(html: str, prefix: str | None) -> str:
    """A callout's HTML without the markers of the blockquotes it is in (``prefix``: its line's), as
    many on each later line as the quotes are deep: a ">" past those is the callout's own text."""
    depth = prefix.count(">") if prefix else 0
    if not depth:
        return html
    return re.sub(r"(?<=\n)" + r"[ \t]{0,3}>" * depth + r"[ \t]?", "", html)


_CALLOUT_LOOSE = re.compile(r'<div[^>]*data-node-type="callout"[^>]*>(?P<body>.*)</div>', re.S)
_TAG = re.compile(r"<[^>]+>")
# The 2025 editor's embeds: <iframe type="youtube" src="...watch?v=..." data-node-type="hn-embed">, whose
# src is the page the author pasted (a /watch page cannot play in a frame): an embed like %[url].
_HN_EMBED = re.compile(
    r"<iframe\b(?P<attrs>[^>]*\bdata-node-type\s*=\s*[\"']?hn-embed\b[^>]*)>\s*(?:</iframe\s*>)?", re.I
)
_SRC = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
_DESTINATION_PLAIN = re.compile(r"[^\\ \t\n()]+")
_HTML_ATTR_VALUE = re.compile(r'"[^"]*"|\'[^\']*\'')


def parse_body(text: str) -> tuple[Node, ...]:
    """Split a Hashnode Markdown body (``\\n`` line endings) into neutral body nodes."""
    return read_body(text)[1]


def body_fields(text: str) -> dict[str, Any]:
    """``document`` and ``body`` of a Post, for readers: ``Post(..., **body_fields(md))``."""
    document, nodes = read_body(text)
    return {"document": document, "body": nodes}


def read_body(text: str) -> tuple[Document, tuple[Node, ...]]:
    """The post's document tree (one parse), and the flat body nodes made from the same parse.

    The flat nodes (Markdown text runs between Hashnode constructs) are what exporters not yet
    walking the tree render; both come from one scan, so they always agree.
    """
    tree = parse(text)
    if not _CANDIDATE.search(text):
        return tree, ((Markdown(text),) if text else ())
    found: list[Construct] = []
    nodes: list[Node] = []
    # The code spans as the parse found them: a text rule of backtick runs cannot know that a backtick
    # in a link's destination (``![](`)``) opens none, and a construct it then took for text was in code.
    code = (
        [(node.start, node.end) for node in tree.walk() if isinstance(node, CodeSpan)] if "`" in text else []
    )
    for kind, chunk, base in _segments(text, tree):
        if kind == "code":
            nodes.append(Markdown(chunk))
        elif kind == "html":
            nodes.extend(_html_nodes(chunk, base, found))
        else:
            spans = [(start - base, end - base) for start, end in code if base <= start < base + len(chunk)]
            nodes.extend(_text_nodes(chunk, base, found, code=spans))
    return place(tree, found), tuple(_merge(nodes))


def _segments(text: str, tree: Document) -> Iterator[tuple[str, str, int]]:
    """Yield ("code" | "html" | "text", chunk, offset) covering ``text`` exactly, in order: whole
    lines, as the tree's code and HTML blocks cover them."""
    # Only "\n" ends a line for CommonMark; str.splitlines() also splits on \f, \v, NEL, U+2028 ...
    lines = _LINES.findall(text)
    starts = list(accumulate((len(line) for line in lines), initial=0))
    kinds = ["text"] * len(lines)
    for node in tree.blocks():
        if isinstance(node, CodeBlock):
            kind = "code"
        elif isinstance(node, HtmlBlock):
            kind = "html"
        else:
            continue
        if node.end <= node.start:
            continue
        first = bisect_right(starts, node.start) - 1
        last = bisect_right(starts, node.end - 1) - 1
        for i in range(first, min(last + 1, len(lines))):
            kinds[i] = kind
    start = 0
    for i in range(1, len(lines) + 1):
        if i == len(lines) or kinds[i] != kinds[start]:
            yield kinds[start], "".join(lines[start:i]), starts[start]
            start = i


def code_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every inline code span in ``text``, by CommonMark's backtick-run rule.

    A run opens a span only when a later run of exactly the same length closes it; spans never cross
    a blank line (a paragraph boundary). A backslash escapes an opening backtick, but inside a span
    backslashes are literal, so closing runs are measured whole.
    """
    runs = [match.span() for match in _BACKTICKS.finditer(text)]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(runs):
        begin, end = runs[i]
        backslashes = 0
        while begin - backslashes - 1 >= 0 and text[begin - backslashes - 1] == "\\":
            backslashes += 1
        if backslashes % 2:
            begin += 1
        length = end - begin
        closed = False
        if length:
            for j in range(i + 1, len(runs)):
                close_begin, close_end = runs[j]
                if _BLANK_LINE.search(text, end, close_begin):
                    break
                if close_end - close_begin == length:
                    spans.append((begin, close_end))
                    i = j + 1
                    closed = True
                    break
        if not closed:
            i += 1
    return spans


def _text_nodes(
    text: str,
    base: int = 0,
    found: list[Construct] | None = None,
    in_html: bool = False,
    code: list[tuple[int, int]] | None = None,
) -> list[Node]:
    """``text`` as nodes; each construct found is also recorded in ``found`` with its span in the
    whole body (``text`` starts at ``base``). ``code``: the code spans in ``text``, in order (from the
    parse); else found by CommonMark's backtick rule."""
    if not _CANDIDATE.search(text):
        return [Markdown(text)]
    nodes: list[Node] = []
    spans = code_spans(text) if code is None else code
    pos = 0
    last = 0
    span_index = 0
    while True:
        match = _INLINE.search(text, pos)
        if match is None:
            break
        start = match.start()
        while span_index < len(spans) and spans[span_index][1] <= start:
            span_index += 1
        if span_index < len(spans) and spans[span_index][0] <= start:
            pos = spans[span_index][1]
            continue
        if start > 0 and text[start - 1] == "\\" and not _escaped_backslash(text, start - 1):
            pos = start + 1
            continue
        parsed = _parse_construct(text, start)
        if parsed is None:
            pos = start + 1
            continue
        node, end, line_start_strip = parsed
        if in_html and isinstance(node, Image):
            node = replace(node, in_html=True)
        nodes.append(Markdown(text[last:start]))
        nodes.append(node)
        after = ""
        if line_start_strip:
            # A block embed's trailing spaces would make a hard line break; drop them.
            while end < len(text) and text[end] in " \t":
                end += 1
        if isinstance(node, (Embed, Widget)) and _line_prefix(text, start) is not None:
            # Targets write a block embed as an HTML block, which runs on until a blank line: text
            # after it (on its line or the next) must start a paragraph of its own, in the same
            # container, or CommonMark reads it as HTML and its code spans and emphasis are lost.
            newline = text.find("\n", end)
            rest_of_line = text[end : newline if newline >= 0 else len(text)]
            next_end = text.find("\n", newline + 1) if newline >= 0 else -1
            next_line = text[newline + 1 : next_end if next_end >= 0 else len(text)] if newline >= 0 else ""
            container = node.indent.rstrip()
            if rest_of_line.strip():
                while end < len(text) and text[end] in " \t":
                    end += 1
                after = f"\n{container}\n{node.indent}"
            elif next_line.strip() and next_line.strip() != container.strip():
                after = f"\n{container}"
            if after:
                nodes.append(Markdown(after))
        if found is not None and not isinstance(node, Markdown):
            block = isinstance(node, (Embed, Widget)) and _line_prefix(text, start) is not None
            indent = node.indent if isinstance(node, (Embed, Widget)) else ""
            found.append(
                Construct(base + start, base + end, node=node, block=block, after=after, indent=indent)
            )
        last = pos = end
    nodes.append(Markdown(text[last:]))
    return nodes


def _escaped_backslash(text: str, index: int) -> bool:
    count = 0
    while index - count >= 0 and text[index - count] == "\\":
        count += 1
    return count % 2 == 0


def _line_prefix(text: str, start: int) -> str | None:
    """The container prefix before ``start`` on its line, or None when other text precedes it."""
    line_start = text.rfind("\n", max(0, start - 400), start) + 1
    if line_start == 0 and start > 400:
        return None  # a container prefix is never that long; do not scan back over a huge line
    prefix = text[line_start:start]
    return prefix if _CONTAINER_PREFIX.match(prefix) else None


def _continuation_indent(prefix: str) -> str:
    """What continuation lines of the block need: ``>`` kept, list markers turned into spaces."""
    out = re.sub(r"[*+-](?=[ \t])", " ", prefix)
    out = re.sub(r"\d{1,9}[.)](?=[ \t])", lambda m: " " * len(m.group(0)), out)
    return out


def _ends_line(text: str, end: int) -> bool:
    newline = text.find("\n", end)
    return not text[end : newline if newline >= 0 else len(text)].strip()


def _parse_construct(text: str, start: int) -> tuple[Node, int, bool] | None:
    if text.startswith("%%[", start):
        if m := _WIDGET.match(text, start):
            prefix = _line_prefix(text, start)
            indent = _continuation_indent(prefix) if prefix is not None else ""
            return Widget(name=m["name"].strip(), indent=indent), m.end(), _ends_line(text, m.end())
        return None
    if text.startswith("%[", start):
        if m := _EMBED.match(text, start):
            info = classify(m["url"])
            prefix = _line_prefix(text, start)
            indent = _continuation_indent(prefix) if prefix is not None else ""
            embed = Embed(url=info.url, provider=info.provider, ids=info.ids, indent=indent)
            return embed, m.end(), prefix is not None and _ends_line(text, m.end())
        return None
    if text.startswith("@[", start):
        if m := _MENTION.match(text, start):
            return Mention(name=m["name"], username=m["user"]), m.end(), False
        return None
    if text.startswith("[![", start):
        image = parse_image(text, start + 1)
        if image is None:
            return None
        node, end = image
        link = _parse_link_tail(text, end)
        if link is None:
            return None
        href, link_end = link
        return Image(node.src, node.alt, node.align, node.title, link=href), link_end, False
    if text.startswith("![", start):
        image = parse_image(text, start)
        if image is None:
            return None
        return image[0], image[1], False
    return None


def _balanced(text: str, start: int, open_ch: str, close_ch: str) -> int | None:
    """Index just past the ``close_ch`` matching ``text[start] == open_ch``; backslash-escapes count."""
    depth = 0
    i = start
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "\n" and i + 1 < n and text[i + 1] == "\n":
            return None
        if ch == open_ch:
            depth += 1
        elif ch == close_ch:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _destination(text: str, i: int) -> tuple[str, int] | None:
    """A link destination starting at ``i`` (after optional spaces): ``<...>`` or bare."""
    n = len(text)
    while i < n and text[i] in " \t":
        i += 1
    if i < n and text[i] == "<":
        close = text.find(">", i)
        if close < 0 or "\n" in text[i:close]:
            return None
        return text[i + 1 : close], close + 1
    depth = 0
    begin = i
    while i < n:
        # A run of characters the loop would only step over, skipped in one match (an image's address
        # is about 100 characters: 363,000 steps over the corpus).
        if plain := _DESTINATION_PLAIN.match(text, i):
            i = plain.end()
            continue
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            i += 2
            continue
        if ch in " \t\n":
            break
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                break
            depth -= 1
        i += 1
    return text[begin:i], i


def parse_image(text: str, start: int) -> tuple[Image, int] | None:
    """Parse ``![alt](src "title" align="x")`` at ``start``; return the image and the end index."""
    alt_end = _balanced(text, start + 1, "[", "]")
    if alt_end is None or alt_end >= len(text) or text[alt_end] != "(":
        return None
    alt = text[start + 2 : alt_end - 1]
    if re.match(r"[ \t]*align=", text[alt_end + 1 : alt_end + 20]):
        src, i = "", alt_end + 1
    else:
        dest = _destination(text, alt_end + 1)
        if dest is None:
            return None
        src, i = dest
    title: str | None = None
    attrs: dict[str, str] = {}
    while True:
        if m := _ATTR.match(text, i):
            attrs[m["key"].lower()] = m["dq"] if m["dq"] is not None else (m["sq"] or m["bare"] or "")
            i = m.end()
            continue
        if title is None and (t := _TITLE.match(text, i)):
            title = next(g for g in (t["dq"], t["sq"], t["pq"]) if g is not None)
            i = t.end()
            continue
        break
    while i < len(text) and text[i] in " \t\n":
        i += 1
    # Hashnode's editor can leave ![](align="center") with no URL at all: still its syntax, not text.
    if i >= len(text) or text[i] != ")" or not (src or attrs):
        return None
    align = attrs.get("align") or None
    return Image(src=src, alt=alt, align=align, title=title), i + 1


def _parse_link_tail(text: str, end: int) -> tuple[str, int] | None:
    """After ``[![..](..)`` expect ``](href "title")``; return href and the end."""
    if not text.startswith("](", end):
        return None
    dest = _destination(text, end + 2)
    if dest is None:
        return None
    href, i = dest
    if t := _TITLE.match(text, i):
        i = t.end()
    while i < len(text) and text[i] in " \t":
        i += 1
    if i >= len(text) or text[i] != ")":
        return None
    return href, i + 1


def _html_nodes(chunk: str, base: int = 0, found: list[Construct] | None = None) -> list[Node]:
    if "hn-embed" not in chunk:
        return _html_blocks(chunk, base, found)
    nodes: list[Node] = []
    pos = 0
    for m in _HN_EMBED.finditer(chunk):
        nodes.extend(_html_blocks(chunk[pos : m.start()], base + pos, found))
        src = _SRC.search(m["attrs"])
        info = classify(next(g for g in src.groups() if g is not None) if src else "")
        prefix = _line_prefix(chunk, m.start())
        indent = _continuation_indent(prefix) if prefix is not None else ""
        embed = Embed(url=info.url, provider=info.provider, ids=info.ids, indent=indent)
        nodes.append(embed)
        if found is not None:
            found.append(Construct(base + m.start(), base + m.end(), node=embed, block=True, indent=indent))
        pos = m.end()
    nodes.extend(_html_blocks(chunk[pos:], base + pos, found))
    return nodes


def _html_blocks(chunk: str, base: int = 0, found: list[Construct] | None = None) -> list[Node]:
    if "data-node-type" not in chunk and "![" not in chunk and "@[" not in chunk:
        return [Html(chunk)]
    nodes: list[Node] = []
    pos = 0
    for m in _CALLOUT.finditer(chunk):
        nodes.extend(_html_inline(chunk[pos : m.start()], base + pos, found))
        prefix = _line_prefix(chunk, m.start())
        indent = _continuation_indent(prefix) if prefix is not None else ""
        emoji, text = _unquoted(m["emoji"], prefix), _unquoted(m["text"], prefix)
        callout = Callout(emoji=emoji.strip(), html=text.strip(), indent=indent)
        nodes.append(callout)
        pos = m.end()
        # A callout becomes a block of its own; what follows must not run on into it.
        rest = chunk[pos:]
        after = ("\n\n" if not rest.startswith("\n") else "\n") if rest.strip() else ""
        if after:
            nodes.append(Markdown(after))
        if found is not None:
            found.append(
                Construct(base + m.start(), base + pos, node=callout, block=True, after=after, indent=indent)
            )
    rest = chunk[pos:]
    if CALLOUT_MARK in rest and (loose := _CALLOUT_LOOSE.search(rest)):
        nodes.extend(_html_inline(rest[: loose.start()], base + pos, found))
        body = _unquoted(loose["body"], _line_prefix(rest, loose.start()))
        emoji_match = re.search(r'callout-emoji"[^>]*>(.*?)</div>', body, re.S)
        text_match = re.search(r'callout-text"[^>]*>(.*)', body, re.S)
        emoji = _TAG.sub("", emoji_match.group(1)).strip() if emoji_match else ""
        inner = (
            text_match.group(1)
            if text_match
            else re.sub(r"<div[^>]*callout-emoji.*?</div>", "", body, flags=re.S)
        )
        inner = re.sub(r"(?:\s*</div>)+\s*$", "", inner)
        callout = Callout(emoji=emoji, html=inner.strip())
        nodes.append(callout)
        if found is not None:
            found.append(
                Construct(base + pos + loose.start(), base + pos + loose.end(), node=callout, block=True)
            )
        pos += loose.end()
        rest = rest[loose.end() :]
    nodes.extend(_html_inline(rest, base + pos, found))
    return nodes


def _html_inline(chunk: str, base: int = 0, found: list[Construct] | None = None) -> list[Node]:
    """Images and mentions written in Markdown inside a raw HTML block."""
    if not chunk:
        return []
    if "![" not in chunk and "@[" not in chunk:
        return [Html(chunk)]
    nodes: list[Node] = []
    for node in _text_nodes(chunk, base, found, in_html=True):
        nodes.append(Html(node.text) if isinstance(node, Markdown) else node)
    return nodes


def _merge(nodes: list[Node]) -> Iterator[Node]:
    """Drop empty text nodes and join neighbours of the same plain kind."""
    pending: Node | None = None
    for node in nodes:
        if isinstance(node, (Markdown, Html)) and not (
            node.text if isinstance(node, Markdown) else node.html
        ):
            continue
        if isinstance(pending, Markdown) and isinstance(node, Markdown):
            pending = Markdown(pending.text + node.text)
            continue
        if isinstance(pending, Html) and isinstance(node, Html):
            pending = Html(pending.html + node.html)
            continue
        if pending is not None:
            yield pending
        pending = node
    if pending is not None:
        yield pending
