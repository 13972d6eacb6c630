"""Inline Markdown that Hugo 0.111's goldmark (Debian 12's Hugo) reads otherwise than CommonMark 0.31, and
what the Hugo writer writes instead so that every Hugo shows what Hashnode shows.

Two differences, both found by ``verify`` on the corpus and both reproduced on small inputs with the real
Hugo 0.111 and a current Hugo (``tests/test_hugo_inline.py``):

1. **Symbols beside ``*`` and ``_``.** CommonMark 0.31 counts Unicode symbols (categories ``S*``: ``→``,
   ``⚠``, ``✨``) as punctuation when it decides whether a run of stars can open or close emphasis; 0.30,
   which that goldmark follows, did not. ``**Step 4 →**Attach`` is stars on Hashnode (and in a current
   Hugo) and bold in Hugo 0.111; ``***⚠ French ⚠****:*`` is the other way round. Where a run's reading
   depends on it, the paragraph's emphasis is written as ``<em>``/``<strong>`` and its literal stars and
   underscores escaped: no delimiter run is left for the two rules to read apart. Raw HTML already needs
   goldmark's ``unsafe``, which the Hugo exporter asks for.
2. **Brackets inside emphasis inside link text.** In ``[**a [b]**](u)`` Hugo 0.111 shows ``**a [b]**``
   (also for ``*``, ``_`` and ``~~``); with the brackets escaped, ``[**a \\[b\\]**](u)``, it shows bold
   text as CommonMark does. ``\\[`` is a literal bracket in every Markdown, so the link's text is the same.

The first check compares each run's flanking (can it open, can it close) under the two rules, not the
emphasis that comes out, so it also rewrites runs whose reading differs in a flag that does not change
the result (the closing ``**`` of ``**code 🐇**,`` can open too under 0.31 only): on the corpus it
rewrites paragraphs of 10 posts, 3 of which showed otherwise; the page is the same in every Hugo either
way. The bracket rewrite touches 2 posts. A cheap scan of the source skips the tree walk for the others.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from hashmigrate.document import (
    Document,
    Element,
    Emphasis,
    Heading,
    Link,
    Paragraph,
    Picture,
    Strike,
    Strong,
    Table,
    TableCell,
    Text,
    descendants,
)

_RUN = re.compile(r"[*_]+")
# The text from a "[" to the next "[" with no bracket between them. One with a delimiter in it is a "["
# opened inside another, with emphasis in between: link text that can hold a bracket. Each match ends
# where the next starts, so the scan is linear (a pattern with two lazy runs was quadratic on "[" and a
# long run of stars: 0.5 s at 16,000 characters).
_BRACKET_TO_BRACKET = re.compile(r"\[([^\[\]]*)(?=\[)")
_DELIMITER = re.compile(r"[*_~]")
# What goldmark's Linkify (on in Hugo) takes for an address in text.
_BARE_ADDRESS = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<]*", re.I)
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


@dataclass
class InlineRewrite:
    """What the Hugo writer changes in one document: ``tags`` are the ids of emphasis nodes written as
    HTML, ``escape`` maps a text node's id to the characters escaped in it, ``keep`` the text nodes
    that drop an escape inside an address."""

    tags: set[int] = field(default_factory=set)
    escape: dict[int, str] = field(default_factory=dict)
    # A text node whose span was widened over an escape's backslash inside a bare address: written
    # without that backslash, its first ``n`` characters (the rest of the address) as they are.
    keep: dict[int, int] = field(default_factory=dict)


def plan(document: Document) -> tuple[Document, InlineRewrite | None]:
    """The document to write (text nodes widened over escapes in addresses) and the rewrites it needs,
    or None when it needs none (nearly every post)."""
    document, keep = _addresses_widened(document)
    source = document.source
    symbols = _symbol_beside_run(source)
    brackets = any(_DELIMITER.search(m.group(1)) for m in _BRACKET_TO_BRACKET.finditer(source))
    if not symbols and not brackets:
        return document, InlineRewrite(keep=keep) if keep else None
    rewrite = InlineRewrite(keep=keep)
    for container in _inline_containers(document):
        if symbols and _unstable(document, container):
            for node in _walk(container.children, _is_autolink):
                if isinstance(node, (Emphasis, Strong)):
                    rewrite.tags.add(id(node))
                elif isinstance(node, Text):
                    _add(rewrite, node, "*_")
        if brackets:
            for node in _walk(container.children, _is_autolink):
                if isinstance(node, (Link, Picture)) and _bracket_in_emphasis(node):
                    for inner in descendants(node.children):
                        if isinstance(inner, Text):
                            _add(rewrite, inner, "[]")
    return document, rewrite if rewrite.tags or rewrite.escape or rewrite.keep else None


def _addresses_widened(document: Document) -> tuple[Document, dict[int, int]]:
    """The author's escaped underscores inside bare addresses, to be written plain: goldmark's Linkify
    ends a link at a backslash, so ``https://x.dev/reusable\\_build.yaml`` (as Hashnode's editor writes
    it) linked to ``/reusable`` while the page showed the whole address. An underscore between letters
    or digits opens no emphasis under any rule, so the text reads the same. The escape's backslash lies
    between two text nodes: the second one's span is widened over it (and written without it), and
    how much of its text is the rest of the address is kept (it takes no escape either)."""
    source = document.source
    if "\\_" not in source or not ("://" in source or "www." in source):
        return document, {}
    widened: dict[int, Element] = {}
    keep: dict[int, int] = {}
    for container in _inline_containers(document):
        if source.find("\\_", container.start, container.end) < 0:
            continue  # no escaped underscore in it (the usual paragraph): no address to look for
        addresses = [m.span() for m in _BARE_ADDRESS.finditer(source, container.start, container.end)]
        if not addresses:
            continue
        starts = [start for start, _ in addresses]
        for node in _walk(container.children, _is_link):
            at = node.start - 1  # the backslash
            if (
                isinstance(node, Text)
                and node.written is None
                and source.startswith("_", node.start)
                and document.escaped(node.start)
                and at > 0
                and source[at - 1].isalnum()
                and source[node.start + 1 : node.start + 2].isalnum()
                and (end := _end_of_span(addresses, starts, at)) is not None
            ):
                wide = replace(node, start=at)
                widened[id(node)] = wide
                keep[id(wide)] = min(end, node.end) - node.start
    return document.replaced(widened), keep


def _end_of_span(spans: list[tuple[int, int]], starts: list[int], at: int) -> int | None:
    """The end of the one of ``spans`` (in order, not overlapping; ``starts`` their starts) that ``at``
    is inside, or None."""
    index = bisect_left(starts, at) - 1
    if index >= 0 and spans[index][0] < at < spans[index][1]:
        return spans[index][1]
    return None


def escape_text(text: str, chars: str, skip: int) -> str:
    """``text`` with each of ``chars`` escaped, but for its first ``skip`` characters (a first
    character the author escaped: a text node starts after an escape's backslash; the rest of an
    address) and inside a bare address: goldmark's Linkify ends a link at a backslash
    (``https://x.dev/a\\_b`` would link to ``/a``)."""
    pattern = re.compile("[" + re.escape(chars) + "]")
    out = [text[:skip]]
    at = skip
    for address in _BARE_ADDRESS.finditer(text, skip):
        out.append(pattern.sub(lambda match: "\\" + match.group(), text[at : address.start()]))
        out.append(address.group())
        at = address.end()
    out.append(pattern.sub(lambda match: "\\" + match.group(), text[at:]))
    return "".join(out)


def as_html(document: Document, node: Element, children: str) -> str:
    """An emphasis node written as its HTML element around ``children`` (its children as written).
    What stands between a delimiter and the children (an escape's backslash) stays inside."""
    width = _width(node)
    source = document.source
    lead = source[node.start + width : node.children[0].start] if node.children else ""
    tail = source[node.children[-1].end : node.end - width] if node.children else ""
    tag = "em" if isinstance(node, Emphasis) else "strong"
    return f"<{tag}>{lead}{children}{tail}</{tag}>"


def _width(node: Element) -> int:
    """How many delimiter characters each side of an emphasis node takes: one, or two for strong."""
    return 1 if isinstance(node, Emphasis) else 2


def _add(rewrite: InlineRewrite, node: Text, chars: str) -> None:
    have = rewrite.escape.get(id(node), "")
    rewrite.escape[id(node)] = have + "".join(c for c in chars if c not in have)


def _symbol_beside_run(source: str) -> bool:
    """Whether a run of stars or underscores has a symbol outside ASCII beside it: the only places the
    two punctuation rules can disagree (every ASCII punctuation character is punctuation under both).
    The runs are found first: far fewer than the characters outside ASCII in most posts that have any."""
    if source.isascii():
        return False
    end = len(source)
    for run in _RUN.finditer(source):
        before, after = run.start() - 1, run.end()
        if before >= 0 and source[before] > "\x7f" and unicodedata.category(source[before])[0] == "S":
            return True
        if after < end and source[after] > "\x7f" and unicodedata.category(source[after])[0] == "S":
            return True
    return False


def _is_autolink(node: Element) -> bool:
    """An autolink (``<https://x.dev/a_b>``): its text takes no escape, a backslash would be part of it."""
    return isinstance(node, Link) and node.kind in ("autolink", "email")


def _is_link(node: Element) -> bool:
    """A link or image: Linkify links no text inside one."""
    return isinstance(node, (Link, Picture))


def _walk(nodes: tuple[Element, ...], stop: Callable[[Element], bool]) -> Iterator[Element]:
    """Every node, depth first, without going inside a node ``stop`` says."""
    for node in nodes:
        yield node
        if node.children and not stop(node):
            yield from _walk(node.children, stop)


def _inline_containers(document: Document) -> list[Element]:
    containers: list[Element] = []
    for block in document.blocks():
        if isinstance(block, (Paragraph, Heading)):
            containers.append(block)
        elif isinstance(block, Table):
            containers.extend(node for node in descendants(block.children) if isinstance(node, TableCell))
    return containers


def _unstable(document: Document, container: Element) -> bool:
    """Whether a delimiter run of ``*`` or ``_`` in the container can open or close emphasis under one
    punctuation rule and not the other. The runs are found in the tree (emphasis delimiters and the
    literal stars of text nodes), so code, HTML and link destinations hold none."""
    source = document.source
    marks: dict[int, str] = {}
    for node in descendants(container.children):
        if isinstance(node, (Emphasis, Strong)):
            width = _width(node)
            for at in (*range(node.start, node.start + width), *range(node.end - width, node.end)):
                marks[at] = source[at]
        elif isinstance(node, Text):
            first = node.start + 1 if document.escaped(node.start) else node.start
            for at in range(first, node.end):
                if source[at] in "*_":
                    marks[at] = source[at]
    positions = sorted(marks)
    index = 0
    while index < len(positions):
        start = positions[index]
        char = marks[start]
        end = start + 1
        index += 1
        while index < len(positions) and positions[index] == end and marks[end] == char:
            end += 1
            index += 1
        before = source[start - 1] if start > 0 else "\n"
        after = source[end] if end < len(source) else "\n"
        if _can(char, before, after, symbols=True) != _can(char, before, after, symbols=False):
            return True
    return False


def _can(char: str, before: str, after: str, *, symbols: bool) -> tuple[bool, bool]:
    """(can open, can close) of a delimiter run of ``char`` between ``before`` and ``after``, by
    CommonMark's flanking rules, with Unicode symbols counted as punctuation (0.31) or not (0.30)."""

    def punctuation(c: str) -> bool:
        if c in _ASCII_PUNCTUATION:
            return True
        category = unicodedata.category(c)
        return category[0] == "P" or (symbols and category[0] == "S")

    space_before = before.isspace()
    space_after = after.isspace()
    left = not space_after and (not punctuation(after) or space_before or punctuation(before))
    right = not space_before and (not punctuation(before) or space_after or punctuation(after))
    if char == "*":
        return left, right
    return left and (not right or punctuation(before)), right and (not left or punctuation(after))


def _bracket_in_emphasis(node: Element) -> bool:
    """Whether emphasis or strikethrough inside a link's (or an image's) text holds a literal bracket."""
    for inner in descendants(node.children):
        if isinstance(inner, (Emphasis, Strong, Strike)):
            for text in descendants(inner.children):
                if isinstance(text, Text) and ("[" in text.text or "]" in text.text):
                    return True
    return False
