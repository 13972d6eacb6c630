"""Jekyll: posts ``_posts/YYYY-MM-DD-<slug>.md`` that GitHub Pages (Jekyll 3.10) and Jekyll 4 build.

Embeds are plain HTML from :mod:`exporters.embed_html`, because a Liquid tag from a plugin the site lacks
fails the whole build and GitHub Pages allows only a short list of plugins; ``gist="jekyll-gist"``
writes ``{% gist %}`` tags instead (jekyll-gist is on that list). Old Hashnode addresses (``/<slug>``)
keep working through jekyll-redirect-from's ``redirect_from`` or a per-post ``permalink``.

Liquid runs on the whole post before Markdown, code blocks included, so every ``{{`` and ``{%`` the
author wrote is protected (see :func:`protect_liquid`); the only live Liquid in a post is what this
module writes on purpose (:class:`LiquidTag`).
"""

from __future__ import annotations

import html
import html.entities
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, ClassVar

import frontmatter

from exporters import embed_html, scaffold
from hashmigrate import yamlfm
from hashmigrate.canonical import CHECK, canonical_mode, checked_canonical
from hashmigrate.document import (
    CodeBlock,
    CodeSpan,
    Construct,
    Definition,
    Document,
    Element,
    Emphasis,
    HardBreak,
    Heading,
    HtmlBlock,
    HtmlInline,
    Item,
    Link,
    List,
    Picture,
    Quote,
    SoftBreak,
    Strike,
    Strong,
    Table,
    Text,
    descendants,
    destination,
    title_markdown,
)
from hashmigrate.exporter import (
    BodyRenderer,
    Option,
    OutputFile,
    Rendered,
    Site,
    plain_data,
    unescape_markdown,
)
from hashmigrate.html import alt_text, render_html
from hashmigrate.links import headings
from hashmigrate.model import Callout, Embed, Image, Node, Post
from hashmigrate.parse import parse

OLD_URL_MODES = ("redirect_from", "permalink", "none")
GIST_MODES = ("script", "jekyll-gist")
CONFIG_FILE = "_config.hashmigrate.yml"
# Jekyll needs a date in every post's file name; this one sorts a post of unknown date last and is
# plainly not a real date.
UNKNOWN_DATE = datetime(1970, 1, 1, tzinfo=UTC)

# ---- Liquid ---------------------------------------------------------------------------------------
# How Liquid 4 (Jekyll 3.10) and Liquid 5 (Jekyll 4) cut a template into tokens: a token runs from
# "{%" to the first "%}" or from "{{" to the first "}" (and one more "}"), or is a lone opener.
_OPENER = re.compile(r"\{[{%]")
_TOKEN = re.compile(r"\{%.*?%\}|\{\{.*?\}\}?|\{%|\{\{", re.S)
# The test raw applies to every token inside it (Raw::FullTokenPossiblyInvalid, widened with the "-"
# that Liquid 5.5+ accepts): the tag name is that of the *last* "{%" in the token, and what precedes
# that "{%" is the prefix. Ruby's \s and \w are ASCII.
_RAW_TOKEN = re.compile(
    r"(?P<prefix>.*)\{%-?[ \t\r\n\f\v]*(?P<name>[A-Za-z0-9_]+)[ \t\r\n\f\v]*(?:.*)?-?%\}", re.S
)
# Jekyll appends the link reference definitions of the rest of a post to its excerpt.
_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:.+$")
RAW_OPEN, RAW_CLOSE = "{% raw %}", "{% endraw %}"
PRINT_BRACE = '{{ "{" }}'
PRINT_VAR = '{{ "{{" }}'
PRINT_TAG = PRINT_BRACE + "%"


class LiquidTag(str):
    """Liquid this exporter writes on purpose (a jekyll-gist tag): kept live, never protected."""

    __slots__ = ()


def _protect_line(line: str, *, raw: bool, before_tag: bool) -> str:
    """One line protected, with raw or with string literals only; ``before_tag``: our own Liquid
    follows directly, so a trailing ``{`` must not stay bare (it would make our ``{%`` a ``{{%``)."""
    if "{" not in line:
        return line
    if not raw:
        out = _OPENER.sub(lambda m: PRINT_VAR if m[0] == "{{" else PRINT_TAG, line)
        return _bare_brace(out, before_tag)
    parts: list[str] = []
    start = pos = 0
    while match := _TOKEN.search(line, pos):
        inner = _RAW_TOKEN.fullmatch(match[0])
        if inner and (inner["prefix"] or inner["name"] == "endraw"):
            cut = match.start() + len(inner["prefix"])
            parts.append(_wrap_raw(line[start:cut], before_tag=True))
            parts.append(PRINT_TAG)
            start = pos = cut + 2
        else:
            pos = match.end()
    parts.append(_wrap_raw(line[start:], before_tag=before_tag))
    return "".join(parts)


def _wrap_raw(text: str, *, before_tag: bool) -> str:
    first = _OPENER.search(text)
    if first is None:
        return _bare_brace(text, before_tag)
    if before_tag:
        # What stands before our next tag must be inside raw: an unfinished "{{ a" there is closed by
        # our "{% endraw %}", which raw reads as its end with "{{ a" before it.
        end = len(text)
    else:
        last_open = max(text.rfind("{{"), text.rfind("{%"))
        close = text.rfind("}")
        end = close + 1 if close > last_open else len(text)
    return text[: first.start()] + RAW_OPEN + text[first.start() : end] + RAW_CLOSE + text[end:]


def _bare_brace(text: str, before_tag: bool) -> str:
    return text[:-1] + PRINT_BRACE if before_tag and text.endswith("{") else text


def protect_liquid(parts: list[tuple[str, bool]]) -> str:
    """A post's body from (text, is our own Liquid) parts, the author's text written so that Liquid 4
    (GitHub Pages' Jekyll 3.10) and Liquid 5 (Jekyll 4) print it exactly as it is.

    Liquid-looking text goes inside ``{% raw %}...{% endraw %}``, one line at a time: Jekyll copies
    single lines of a post (link reference definitions) into its excerpt, which must stay balanced.
    Two things would end or corrupt a raw block, and each gets its ``{%`` printed from a string
    literal outside raw instead: the author's own ``{% endraw %}``, and a ``{%`` inside a token that
    started earlier (``{{ a {% b %}``), which Liquid 4's raw copies twice.

    No raw at all in the first paragraph: Jekyll renders it again as the post's excerpt, and Jekyll
    3.9+ and 4 first scan it for block tags to close, even inside raw, so ``{% raw %}{% if x %}
    {% endraw %}`` there gets an ``{% endif %}`` appended and the build fails. There, and in lines
    that look like link reference definitions, every ``{{`` and ``{%`` is printed from a string
    literal, and the text holds no ``{%``.
    """
    text = "".join(t for t, _ in parts)
    head_end = text.find("\n\n")
    if head_end < 0:
        head_end = len(text)
    out: list[str] = []
    offset = 0
    for index, (part, live) in enumerate(parts):
        if live:
            out.append(part)
            offset += len(part)
            continue
        if "{" not in part:
            # No line of it has anything to protect (the usual part): as _protect_line leaves it.
            out.append(part)
            offset += len(part)
            continue
        before_tag = index + 1 < len(parts) and parts[index + 1][1]
        lines = part.split("\n")
        for number, line in enumerate(lines):
            raw = offset >= head_end and not _LINK_DEFINITION.match(line)
            last = number == len(lines) - 1
            lines[number] = _protect_line(line, raw=raw, before_tag=before_tag and last)
            offset += len(line) + (0 if last else 1)
        out.append("\n".join(lines))
    return "".join(out)


# ---- kramdown ------------------------------------------------------------------------------------
# kramdown reads "{:" at the start of a line as an attribute list ("{: .class}", "{:name: ...}") or
# an extension ("{::comment}") and drops the text; "\{" is its escape for a literal brace. What may
# stand before it on the line: quote marks and one list marker.
_KRAMDOWN_BRACE = re.compile(r"^(?P<lead>(?:[ \t]*>)*[ \t]*(?:(?:[*+-]|\d{1,9}[.)])[ \t]+)?)\{:")
# What may stand before a block on its line: quote marks, list markers and indentation.
_LINE_LEAD = re.compile(r"(?:[ \t]*>|[ \t]*(?:[*+-]|\d{1,9}[.)])(?=[ \t]|$)|[ \t])*")
_MATH = re.compile(r"\$\$(?=\S).*?\$\$")
_CODE_SPAN = re.compile(r"(`+).*?\1")
# An HTML block that opens one of these and leaves it open: CommonMark reads what follows its blank
# line as Markdown, up to the closing tag; kramdown copies the whole element as raw HTML unless the
# opening tag says markdown="1" (which kramdown removes from its output). All of them start an HTML
# block that ends at the first blank line (CommonMark's kind 6).
_OPEN_CONTAINER = re.compile(
    r"(?P<tag><(?P<name>details|div|center|section|article|aside|figure|header|footer|main|nav)\b[^>]*?)>",
    re.I,
)
_BLANK_LINE = re.compile(r"\n[ \t]*(?:\n|\Z)")
_LIST_MARKER = re.compile(r"(?P<lead>[ \t]*)(?P<marker>[*+-]|\d{1,9}[.)])(?P<gap>[ \t]*)(?P<rest>.?)")
_FENCE_MARK = re.compile(r"`{3,}|~{3,}")
# Indentation kramdown does not take for code's: spaces, then a tab reaching column 4.
_SPACES_TAB = re.compile(r"^ {1,3}\t", re.M)
# An ordered list marker at the start of a line of text (kramdown knows only the "." delimiter).
_ORDERED_START = re.compile(r"(\d{1,9})(\.)(?=[ \t]|$)")
# The characters a text node's visit acts on (escapes, entities, pipes, backticks, tags, the kramdown
# marks of _KRAMDOWN_MARKS, stars): a text without them and not starting "1." is written as it is.
_TEXT_FOR_KRAMDOWN = re.compile(r"[\\&|`<:^{*]")


def _width(text: str, column: int = 0) -> int:
    """The column ``text`` (one line) ends at when it starts at ``column``: CommonMark counts a tab to
    the next multiple of four."""
    return len((" " * column + text).expandtabs(4))


def _strip_columns(line: str, width: int) -> str:
    """``line`` with up to ``width`` columns of its indentation taken off as CommonMark does: a tab cut
    across leaves the columns it still spans as spaces; the tabs after the cut stay tabs."""
    column = 0
    for index, char in enumerate(line):
        if column >= width or char not in " \t":
            return line[index:]
        step = 4 - column % 4 if char == "\t" else 1
        if column + step > width:
            return " " * (column + step - width) + line[index + 1 :]
        column += step
    return ""


def _spaced_lead(text: str, column: int) -> str:
    """``text`` (starting at ``column``) with the tabs of its indentation as the spaces they stand for."""
    body = text.lstrip(" \t")
    lead = text[: len(text) - len(body)]
    return " " * (_width(lead, column) - column) + body


def _indentation(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _item_column(document: Document, item: Item) -> int | None:
    """The column where a list item's content starts (CommonMark's rule), or None if unsure.

    The item's span starts at its marker (or in the indentation before it); what stands before it on
    its line (indentation, or the markers of the items it is nested in: ``1. * item``) gives the
    marker's column. kramdown turns only the tabs that start a line into four spaces each, so a tab
    after a space or a marker before the item's own is a column it may count otherwise.
    """
    source = document.source
    start = item.start
    # A nested item's span may start at the line break before its line.
    prefix = "" if source.startswith("\n", start) else document.line_prefix(item)
    start += source.startswith("\n", start)
    if "\t" in prefix.lstrip("\t"):
        return None
    line_end = source.find("\n", start)
    match = _LIST_MARKER.match(source, start, len(source) if line_end < 0 else line_end)
    if match is None:
        return None
    width = _width(prefix + match["lead"] + match["marker"])
    gap = _width(match["gap"], width) - width
    # An empty first line, or five columns or more after the marker, means content one column later.
    return width + (1 if not match["rest"] or gap > 4 else gap)


def _fence_edits(lines: list[str], column: int, markup: str, after_text: bool) -> dict[int, str]:
    """The lines of one fence (whole lines, in a container whose content starts at ``column``)
    rewritten where kramdown would read them otherwise than CommonMark.

    * CommonMark takes a fence's own indentation (up to three columns) off every line of its content;
      kramdown keeps it, so a fence written deeper than its list item's content would gain those
      spaces in every line. The fence is moved to the container's column; whitespace-only lines,
      which kramdown keeps whole, get exactly what CommonMark would have left of them.
    * A tab in the indentation counts to the next multiple of four columns in CommonMark, and a tab
      cut by the container's column leaves spaces; kramdown turns a tab that starts a line into four
      spaces and takes a tab after spaces for one character. Such lines are written with spaces to the
      container's column, then the code as CommonMark reads it (its own tabs kept).
    * kramdown takes a top-level fence right after a list item or paragraph line (``after_text``) as
      part of it; a blank line before the fence changes nothing for CommonMark.
    * CommonMark ends a fence that is never closed with its container; kramdown reads it as text,
      so the closing fence is written.
    """
    edits: dict[int, str] = {}
    opening = lines[0]
    fence = opening.lstrip(" \t")
    own_line = fence.startswith(markup)  # not after a list marker on its line
    extra = _width(opening[: len(opening) - len(fence)]) - column if own_line else 0
    reach = column + max(extra, 0)
    closing = re.compile(" {0,3}" + re.escape(markup[0]) + "{" + str(len(markup)) + ",}[ \t]*")
    closed = len(lines) > 1 and closing.fullmatch(_spaced_lead(_strip_columns(lines[-1], column), column))
    # A tab in a line's indentation up to the code (or anywhere in the closing fence's indentation).
    tabbed = any("\t" in _indentation(line)[:reach] for line in lines) or "\t" in _indentation(lines[-1])
    # More than three would not be a fence: the container's column is unsure, so leave it.
    if 0 <= extra <= 3:
        for number, line in enumerate(lines):
            if number == 0 and not own_line:
                continue
            if not line.strip(" \t"):
                written = _strip_columns(line, reach)
            elif not (extra or tabbed):
                continue
            elif _width(_indentation(line)) < column:
                continue  # a line outside the container (none of a fence is): left as it is
            elif number == 0 or (closed and number == len(lines) - 1):
                written = " " * column + line.lstrip(" \t")
            else:
                written = " " * column + _strip_columns(line, reach)
            if written != line:
                edits[number] = written
    if column == 0 and after_text:
        edits[0] = "\n" + edits.get(0, opening)
    if not closed:
        edits[len(lines) - 1] = edits.get(len(lines) - 1, lines[-1]) + "\n" + " " * column + markup
    return edits


def _after_text(document: Document, line_start: int, previous: Element | None) -> bool:
    """Whether the line before ``line_start`` is written as text (not blank): a construct that ends
    its line with a separator of its own leaves a blank line there."""
    if line_start == 0:
        return False
    source = document.source
    before = source[source.rfind("\n", 0, line_start - 1) + 1 : line_start - 1]
    if not before.strip():
        return False
    last = previous
    while last is not None and last.children:
        last = last.children[-1]
    return not (isinstance(last, Construct) and "\n" in last.after and not last.after.strip())


def _html_edit(document: Document, node: HtmlBlock, html: str) -> str | None:
    """``markdown="1"`` on a container element that a top-level HTML block opens and leaves open."""
    first_line = html.split("\n", 1)[0]
    opening = _OPEN_CONTAINER.match(first_line)
    if opening is None or "markdown=" in opening["tag"] or opening["tag"].endswith("/"):
        return None
    source = document.source
    blank = _BLANK_LINE.search(source, node.start)
    block = source[node.start : blank.start() if blank else len(source)]
    # kramdown would read a line indented by four spaces inside the element as code, and an element
    # whose content it copies (a <pre>) up to that element's end tag, past the block's blank line.
    if re.search(rf"</{opening['name']}\s*>", block, re.I) or any(
        line.startswith("    ") for line in block.split("\n")[1:]
    ):
        return None
    for raw in ("pre", "script", "style", "textarea"):
        if re.search(rf"<{raw}\b", block, re.I) and not re.search(rf"</{raw}\s*>", block, re.I):
            return None
    return opening["tag"] + ' markdown="1">' + html[opening.end() :]


def _plan_heading(document: Document, node: Heading, column: int, widened: dict[Element, Element]) -> None:
    """An ATX heading indented deeper than its container's content (by one to three spaces, which
    CommonMark allows), moved to that column: kramdown reads a "#" only at the start of the content
    as a heading, and shows "  ## text" as a paragraph. The heading's span is widened over the extra
    spaces, which a first child that writes nothing covers (the tree stays lossless)."""
    prefix = document.line_prefix(node)
    extra = len(prefix) - column
    if extra <= 0 or prefix.strip(" ") or extra > 3:
        return
    start = node.start - extra
    blank = Text(start, node.start, written="")
    widened[node] = replace(node, start=start, children=(blank, *node.children))


def _text_follows(document: Document, node: Element) -> bool:
    """Whether the line after a node is neither blank nor a blockquote's."""
    source = document.source
    line_end = source.find("\n", node.end)
    following = source[node.end : len(source) if line_end < 0 else line_end]
    return bool(following.strip()) and not following.lstrip().startswith(">")


def _plan_marker(document: Document, item: Item, widened: dict[Element, Element]) -> None:
    """An ordered list item's ``1)`` written ``1.``: kramdown knows only the "." delimiter and shows
    ``1) text`` as a paragraph. A first child that writes "." covers the ")"."""
    source = document.source
    line_end = source.find("\n", item.start)
    match = _LIST_MARKER.match(source, item.start, len(source) if line_end < 0 else line_end)
    if match is None or not match["marker"].endswith(")"):
        return
    at = match.end("marker") - 1
    dot = Text(at, at + 1, written=".", text=".")
    old = widened.get(item, item)
    widened[item] = replace(old, children=(dot, *old.children))


def _plan_list_break(document: Document, node: List, column: int, widened: dict[Element, Element]) -> None:
    """A list right after another (CommonMark starts a new list where the delimiter or bullet
    changes) gets kramdown's end-of-block mark "^" on a line before it: kramdown would merge the
    two. The list's span is widened to the start of its line, which a first child covers."""
    prefix = document.line_prefix(node)
    if prefix.strip(" "):
        return
    start = node.start - len(prefix)
    mark = Text(start, node.start, written=" " * column + "^\n" + prefix)
    old = widened.get(node, node)
    widened[node] = replace(old, start=start, children=(mark, *old.children))


_MARKER = re.compile(r"(?:[*+-]|\d{1,9}[.)])(?=[ \t]|$)")


def _start_line_lead(document: Document, node: List) -> str | None:
    """What a line at the list's own column starts with, in its containers: the quote marks before the
    list's first marker kept, the markers of the items it is first in as spaces (``> 1. 3. x`` gives
    ``>    ``). Tabs alone keep their place; but kramdown does not take a marker turned into spaces before
    a tab (``-\t3. x`` as `` \t``) for the list's column: the lead of the list's last item's own line,
    which holds no marker, serves there, and a list of one such item gets no start (None)."""
    item = next((c for c in node.children if isinstance(c, Item)), None)
    if item is None:
        return None
    source = document.source
    line_start = source.rfind("\n", 0, item.start) + 1
    marker = item.start + len(source[item.start :]) - len(source[item.start :].lstrip(" "))
    lead = source[line_start:marker]
    spaced = _MARKER.sub(lambda m: " " * len(m.group()), lead)
    if "\t" not in lead or spaced == lead:
        return spaced
    last = next((c for c in reversed(node.children) if isinstance(c, Item)), item)
    if last is item:
        return None
    own_line = source[source.rfind("\n", 0, last.start) + 1 : last.start]
    return own_line if not _MARKER.search(own_line) else None


# An HTML block of raw text (CommonMark's kind 1): it runs to its element's end tag, blank lines and all.
_RAW_TEXT_BLOCK = re.compile(r"\s*<(?:pre|script|style|textarea)\b", re.I)
_PRE_OR_TEXTAREA = re.compile(r"<(?:pre|textarea)\b", re.I)

# Elements without an end tag.
_VOID_ELEMENTS = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()  # noqa: SIM905
)
_ANY_TAG = re.compile(r"<!--.*?-->|<(/?)([A-Za-z][A-Za-z0-9-]*)(?:[^>\"']|\"[^\"]*\"|'[^']*')*?(/?)>", re.S)


def _whole_unbalanced(document: Document, node: HtmlBlock) -> bool:
    """Whether a top-level HTML block is the whole of CommonMark's block (the reader makes a construct
    of an image or embed within one, leaving pieces) and :func:`_unbalanced`."""
    blank = _BLANK_LINE.search(document.source, node.start)
    end = blank.start() + 1 if blank else len(document.source)
    return node.end >= end and _unbalanced(document.source[node.start : node.end])


def _unbalanced(html: str) -> bool:
    """Whether an HTML block leaves an element open or closes one it did not open (an HTML block
    starting with a comment or declaration, or of raw text such as <pre>, ends where it says)."""
    if html.lstrip().startswith(("<!", "<?")) or _RAW_TEXT_BLOCK.match(html):
        return False
    open_tags: list[str] = []
    last = 0
    for match in _ANY_TAG.finditer(html):
        if not open_tags and html[last : match.start()].strip() and last:
            return True  # text outside every element: raw to CommonMark, Markdown to kramdown ("---")
        last = match.end()
        name = (match[2] or "").lower()
        if not name or name in _VOID_ELEMENTS or match[3]:
            continue
        if not match[1]:
            open_tags.append(name)
        elif name in open_tags:
            while open_tags.pop() != name:
                pass
        else:
            return True
    return bool(open_tags) or bool(last and html[last:].strip())


def _has_math(document: Document) -> bool:
    """Whether kramdown will read ``$$...$$`` on a line of text (not in code or an HTML block) as math."""
    source = document.source
    if "$$" not in source:
        return False
    kept: list[str] = []
    pos = 0
    for node in document.walk():
        if node.start < pos or not isinstance(node, (CodeSpan, CodeBlock, HtmlBlock)):
            continue
        kept.append(source[pos : node.start])
        if not isinstance(node, CodeSpan):
            kept.append("\n" * source.count("\n", node.start, node.end))
        pos = node.end
    kept.append(source[pos:])
    return any("$$" in line and _MATH.search(line) for line in "".join(kept).split("\n"))


# ---- pipes in links --------------------------------------------------------------------------------
# kramdown reads a line with an unescaped "|" anywhere outside code as a table row (before it reads
# links or a reference definition), so a pipe in a destination, title or tag breaks the line.
# "%7C" is the same URL (CommonMark's HTML writes a destination's "|" as %7C itself); "&#124;" is a
# "|" in a title or an HTML attribute to both; "\|" a "|" in text to both.
_PIPE = re.compile(r"(?<!\\)((?:\\\\)*)\\?\|")
_AUTOLINK = re.compile(r"<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\x00-\x20<>]*>")
# What kramdown or CommonMark could read as markup in a link's text (both take these escapes).
_LINK_TEXT_MARKUP = re.compile(r"([\\*_`\[\]<>|{}])")


def _destination_end(text: str, at: int) -> int:
    """Where a link destination starting at ``at`` ends: after its ``>`` if it is in brackets, else at
    whitespace or the ``)`` that no ``(`` of it opened."""
    if text.startswith("<", at):
        index = at + 1
        while index < len(text) and text[index] != ">":
            index += 2 if text[index] == "\\" else 1
        return min(index + 1, len(text))
    depth = 0
    index = at
    while index < len(text) and not text[index].isspace():
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            if not depth:
                break
            depth -= 1
        index += 1
    return min(index, len(text))


def _pipe_free_tail(tail: str, at: int) -> str:
    """A link's or definition's destination (starting at ``at``) and title with their pipes written
    so that no "|" is left on the line (see ``_PIPE``)."""
    end = _destination_end(tail, at)
    dest = _PIPE.sub(r"\1%7C", tail[at:end])
    return tail[:at] + dest + _PIPE.sub(r"\1&#124;", tail[end:])


def _pipe_free_autolink(url: str, dest: str | None = None) -> str:
    """An autolink with a "|": a link with the same text (each character either parser could read as
    markup escaped) and the same address, or ``dest`` (where the link pass moved it)."""
    dest = url if dest is None else dest
    return "[" + _LINK_TEXT_MARKUP.sub(r"\\\1", url) + "](" + destination(dest).replace("|", "%7C") + ")"


def _pipe_free_embed(text: str) -> str:
    """An embed's Markdown or HTML with no "|" left (an embed's URL may hold one)."""
    if _AUTOLINK.fullmatch(text):
        return _pipe_free_autolink(text[1:-1])
    return text.replace("|", "&#124;") if text.startswith("<") else escape_pipes(text)


# ---- escapes and entities -------------------------------------------------------------------------
# CommonMark takes a backslash before any ASCII punctuation as an escape; kramdown only before these
# (kramdown's ESCAPED_CHARS, "~" added by its GFM parser) and shows the backslash before the others.
_KRAMDOWN_ESCAPABLE = frozenset("\\.*_+`<>()[]{}#!:|\"'$=-~")
_COMMONMARK_ONLY_ESCAPES = frozenset("%&,/;?@^")
_ESCAPE_OR_ENTITY = re.compile(r"\\([!-/:-@\[-`{-~])|&(?P<ref>#[0-9]+;|#[xX][0-9A-Fa-f]+;|[\w:][\w.:-]*;)")
# kramdown's entity table (kramdown/utils/entities.rb): HTML 4's names, two more, and four whose code
# points differ from HTML 5's (lceil/rceil swapped, lang/rang the old angle brackets).
_KRAMDOWN_NAMES = {
    **html.entities.name2codepoint,
    "apos": 39,
    "vellip": 8942,
    "rceil": 8968,
    "lceil": 8969,
    "rang": 9001,
    "lang": 9002,
}


def _commonmark_entity(ref: str) -> str | None:
    """What CommonMark makes of ``&`` + ``ref`` (which ends with ";"), or None when it is no entity."""
    if ref.startswith("#"):
        number = re.fullmatch(r"#([0-9]{1,7});|#[xX]([0-9A-Fa-f]{1,6});", ref)
        if number is None:
            return None
        code = int(number[1]) if number[1] else int(number[2], 16)
        valid = 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF
        return chr(code) if valid else "\ufffd"
    return html.entities.html5.get(ref) if len(ref) <= 33 else None


def _kramdown_entity(ref: str) -> str | None:
    """What kramdown makes of ``&`` + ``ref``: its own reading, which may be no character at all."""
    if ref.startswith("#x"):
        return "?" + ref  # any number: a character or garbage, never what CommonMark shows unless valid
    if ref.startswith("#X"):
        return None
    if ref.startswith("#"):
        return "?" + ref
    code = _KRAMDOWN_NAMES.get(ref[:-1])
    return None if code is None else chr(code)


def _entity_for_kramdown(ref: str) -> str:
    """``&`` + ``ref`` as kramdown must be given it to show what CommonMark shows."""
    shown = _commonmark_entity(ref)
    kramdown = _kramdown_entity(ref)
    if shown is None:
        # CommonMark shows it as written: an "&" kramdown would start an entity with is written &amp;.
        return "&" + ref if kramdown is None else "&amp;" + ref
    if ref.startswith("#") and not ref.startswith("#X"):
        code = ord(shown)
        # kramdown reads valid numbers as CommonMark does, except 128-159 (as Windows-1252) and
        # 0 or out of range (bytes that are no UTF-8).
        if shown != "\ufffd" and not 128 <= code <= 159 and len(shown) == 1:
            return "&" + ref
    elif kramdown == shown:
        return "&" + ref
    # A numeric reference to each character: kramdown reads those as CommonMark does; C1 controls,
    # which kramdown would map as Windows-1252, are written as themselves.
    return "".join(c if 128 <= ord(c) <= 159 else f"&#{ord(c)};" for c in shown)


def kramdown_text(text: str) -> str:
    """A CommonMark text span (no code; not starting with an escaped character) written so kramdown
    shows what CommonMark shows: the escapes kramdown does not know lose their backslash (``\\&``
    becomes ``&amp;``), and entities either reads otherwise are rewritten (:func:`_entity_for_kramdown`)."""
    if "\\" not in text and "&" not in text:
        return text

    def fix(match: re.Match[str]) -> str:
        if match[1] is not None:
            char = match[1]
            if char in _KRAMDOWN_ESCAPABLE:
                return match[0]
            return "&amp;" if char == "&" else char
        return _entity_for_kramdown(match["ref"])

    return _ESCAPE_OR_ENTITY.sub(fix, text)


# Text kramdown reads as its own syntax, where CommonMark shows it as written: "{:" (an attribute list
# "{: .class}", after a link too, or an extension "{::comment}"), "[^" (a footnote), and at the start of
# a line "*[" (an abbreviation definition: the line disappears), ":" (a definition list), a line that
# is only "^" (kramdown's end-of-block mark: it disappears); in a heading, "{#" (an id: "{#x}" ends it).
_KRAMDOWN_MARKS = ("{:", "[^", "*[", ":", "^", "{#")
_KRAMDOWN_MARK = re.compile("|".join(map(re.escape, _KRAMDOWN_MARKS)))  # any of them, in one search
_UNESCAPED = r"(?<!\\)((?:\\\\)*)"
_ATTRIBUTES_OR_FOOTNOTE = re.compile(_UNESCAPED + r"(\{(?=:)|\[(?=\^))")
_HEADING_ID = re.compile(_UNESCAPED + r"(\{(?=#))")


def kramdown_syntax(text: str, before: str, at_line_start: bool, in_heading: bool) -> str:
    """A text span with what kramdown would read as its own syntax (see ``_KRAMDOWN_MARKS``) escaped;
    ``before`` is the source before it (an escape's backslash may end it)."""
    lead = len(before) - len(before.rstrip("\\"))
    if lead % 2:
        return text[:1] + kramdown_syntax(text[1:], "", False, in_heading)
    text = _ATTRIBUTES_OR_FOOTNOTE.sub(r"\1\\\2", text)
    if in_heading:
        text = _HEADING_ID.sub(r"\1\\\2", text)
    if at_line_start:
        if text.startswith(("*[", ":")):
            text = "\\" + text
        elif text.rstrip(" \t") == "^":
            text = "&#94;" + text[1:]  # "\\^" would show its backslash in kramdown
    return text


# ---- inline HTML ---------------------------------------------------------------------------------
# CommonMark passes every inline HTML tag through as it is, and reads the Markdown between tags.
# kramdown parses a tag in text itself: a block-level element's tag (an <iframe>, a <div>) becomes
# escaped text, a closing tag it did not open too, an element whose end is not in the paragraph takes
# the rest of the paragraph as raw text, and a "raw" element (<kbd>, <mark>, unknown tags) does not
# read the Markdown inside it. Such tags are written inside kramdown's {::nomarkdown}...{:/}, which
# passes them through unchanged. What kramdown reads as CommonMark does is left as written: void
# <br> and <img>, comments, and a pair of a span element whose content kramdown parses as Markdown.
_NOMARKDOWN = ("{::nomarkdown}", "{:/}")
_VOID_SPAN = frozenset({"br", "img"})
_PAIRED_SPAN = frozenset(
    [
        "a",
        "abbr",
        "acronym",
        "b",
        "bdo",
        "big",
        "button",
        "cite",
        "del",
        "dfn",
        "em",
        "i",
        "ins",
        "label",
        "q",
        "rb",
        "rbc",
        "rp",
        "rt",
        "rtc",
        "ruby",
        "select",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "tt",
    ]
)
_INLINE = (
    Text,
    CodeSpan,
    Emphasis,
    Strong,
    Strike,
    Link,
    Picture,
    HtmlInline,
    SoftBreak,
    HardBreak,
    Construct,
)
# What JekyllBody.visit may change in any document (see JekyllBody.visits).
_VISITED: frozenset[type[Element]] = frozenset(
    [Text, CodeSpan, HtmlInline, HtmlBlock, Heading, List, Construct]
)
# Span elements whose content kramdown copies as it is: a pair holding plain text only stays as written.
_RAW_SPAN = frozenset(["code", "kbd", "mark", "samp", "u", "var"])
# What CommonMark would read as Markdown inside such an element (an escape, entity, emphasis, code,
# link, tag, strikethrough, hard break); anything else shows the same either way.
_MARKUP = re.compile(r"[\\&*_`\[<~]|  \n")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")


def _inline_html(nodes: tuple[Element, ...]) -> list[HtmlInline]:
    """The inline HTML of a block's own text (a tight list item's text has no paragraph)."""
    found: list[HtmlInline] = []
    for node in nodes:
        if isinstance(node, HtmlInline):
            found.append(node)
        elif isinstance(node, _INLINE):
            found.extend(_inline_html(node.children))
    return found


def _raw_inline_html(nodes: list[HtmlInline], source: str) -> set[int]:
    """The ids of the inline HTML tags of one block that kramdown would not pass through as written."""
    raw: set[int] = set()
    open_tags: list[tuple[str, HtmlInline]] = []
    for node in nodes:
        text = source[node.start : node.end]
        if text.startswith(("<!--", "<?", "<!")):
            continue
        tag = _TAG.match(text)
        if tag is None:
            raw.add(id(node))
            continue
        name = tag[2].lower()
        closing = bool(tag[1])
        if name in _VOID_SPAN and not closing:
            continue
        if name not in _PAIRED_SPAN | _RAW_SPAN or text.endswith("/>"):
            raw.add(id(node))
        elif not closing:
            if any(other == name for other, _ in open_tags):
                # kramdown ends an element at the first closing tag of its name: no nesting.
                raw.add(id(node))
            open_tags.append((name, node))
        else:
            match = next((i for i in range(len(open_tags) - 1, -1, -1) if open_tags[i][0] == name), None)
            if match is None or id(open_tags[match][1]) in raw:
                raw.add(id(node))
            elif name in _RAW_SPAN and _MARKUP.search(source, open_tags[match][1].end, node.start):
                # kramdown copies a raw element's content as it is: it must hold no Markdown.
                raw.update(id(inner) for _, inner in open_tags[match:])
                raw.add(id(node))
                del open_tags[match:]
            else:
                # Elements left open inside this one are ended here by kramdown, not by CommonMark.
                for _, inner in open_tags[match + 1 :]:
                    raw.add(id(inner))
                del open_tags[match:]
    raw.update(id(node) for _, node in open_tags)
    return raw


def escape_pipes(text: str, before: str = "") -> str:
    """Every "|" not already escaped, escaped (outside code: callers pass text, never code).
    ``before`` is the source just before ``text``: the parser leaves an escape's backslash out of the
    text that follows it."""
    return _escape_char(text, "|", before)


def _escape_char(text: str, char: str, before: str = "") -> str:
    """Every ``char`` of a text span not already escaped, escaped (see :func:`escape_pipes`)."""
    lead = len(before) - len(before.rstrip("\\"))
    return _unescaped(char).sub(lambda m: m[1] + "\\" + char, "\\" * lead + text)[lead:]


@lru_cache(maxsize=8)
def _unescaped(char: str) -> re.Pattern[str]:
    """``char`` where no backslash escapes it (the run of backslashes before it kept as group 1)."""
    return re.compile(_UNESCAPED + re.escape(char))


def _pipes_outside_code(line: str) -> str:
    """A line of Markdown the renderer wrote (a callout's) with its pipes escaped outside code spans."""
    out: list[str] = []
    last = 0
    for match in _CODE_SPAN.finditer(line):
        out.append(escape_pipes(line[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(escape_pipes(line[last:]))
    return "".join(out)


# A "<" kramdown could take for the start of a tag (CommonMark did not: it is text).
_TAG_LIKE = re.compile(_UNESCAPED + r"<(?=[A-Za-z/!?])")
# Markdown kramdown would read in the text of an HTML block, where CommonMark reads none.
_BLOCK_MARKUP = re.compile(r"[\\*_`\[~]")


_ALT_MARKUP = re.compile(r"[\[*_`<]")


def _plain_alt(markdown: str) -> str:
    """An image's alt text as CommonMark makes it: the text of its Markdown."""
    source = f"![{markdown}](x)"
    document = parse(source)
    picture = next((n for n in document.walk() if isinstance(n, Picture)), None)
    if picture is None or (picture.start, picture.end) != (0, len(source)):
        return html.unescape(unescape_markdown(markdown))  # brackets that do not pair: no Markdown
    return alt_text(document, picture)


def _open_raw_element(html: str) -> str | None:
    """``pre`` or ``textarea`` when the HTML block opens one and does not close it (after the first
    line: an HTML block that starts with ``<pre`` is CommonMark's kind 1 and runs to its end tag)."""
    if _RAW_TEXT_BLOCK.match(html):
        return None
    for name in ("pre", "textarea"):
        opened = len(re.findall(rf"<{name}\b", html, re.I))
        if opened > len(re.findall(rf"</{name}\s*>", html, re.I)):
            return name
    return None


def _nomarkdown_block(html: str) -> str | None:
    """A top-level HTML block whose text (outside its tags) kramdown could read as Markdown, inside
    ``{::nomarkdown}``: CommonMark passes the whole block through to its blank line, kramdown only an
    element it can parse (``<hr/>`` alone) and reads the lines after it as a paragraph."""
    if _NOMARKDOWN[1] in html or not _BLOCK_MARKUP.search(re.sub(r"<[^>]*>", "", html)):
        return None
    body = html.rstrip("\n")
    first = _TAG.match(body.lstrip(" "))
    if first and not first[1] and re.search(rf"</{first[2]}\s*>\Z", body.rstrip(), re.I):
        return None  # one element, which kramdown too passes through whole
    return _NOMARKDOWN[0] + "\n" + body + "\n" + _NOMARKDOWN[1] + html[len(body) :]


def _nested_emphasis(nodes: tuple[Element, ...], open_kinds: tuple[type, ...]) -> set[int]:
    """The ids of the emphasis (strong) nodes inside another emphasis (strong), outside images."""
    found: set[int] = set()
    for node in nodes:
        if isinstance(node, Picture) or not node.children:
            continue
        kinds = open_kinds
        if isinstance(node, (Emphasis, Strong)):
            if type(node) in open_kinds:
                found.add(id(node))
            else:
                kinds = (*open_kinds, type(node))
        found |= _nested_emphasis(node.children, kinds)
    return found


def _kramdown_code_span(document: Document, node: CodeSpan) -> str | None:
    """A code span kramdown would read otherwise than CommonMark, with delimiters it reads as
    CommonMark does (the code itself unchanged), or None to keep it as written.

    kramdown ends a code span at the first run of its opener's length, even inside a longer run; it
    takes one space off each end on its own (CommonMark only off both ends together), none after a
    single backtick; and a single backtick between spaces opens no code span at all.
    """
    source = document.text_of(node)
    opener = len(source) - len(source.lstrip("`"))
    if not 0 < opener < len(source):
        return None
    before = document.source[node.start - 1 : node.start] if node.start else ""
    rest = source[opener:]
    end = rest.find("`" * opener)
    code = rest[:end] if end >= 0 else None
    if code is not None and opener > 1:
        code = code.removeprefix(" ")
        code = code[:-1] if code.endswith(" ") else code
    literal = opener == 1 and (not before.strip()) and rest[:1].isspace()
    if not literal and code is not None and code.replace("\n", " ") == node.text.replace("\n", " "):
        return None
    longest = max((len(run) for run in re.findall("`+", node.text)), default=0)
    fence = "`" * max(2, longest + 1)
    return f"{fence} {node.text} {fence}"


def _utc(value: datetime) -> datetime:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def _day(post: Post) -> datetime:
    """The date a post is filed under: published, else last updated, else the fallback."""
    return post.published or post.updated or UNKNOWN_DATE


def _date(value: datetime | None) -> str | None:
    """Jekyll's own date form, ``YYYY-MM-DD HH:MM:SS +0000``, in UTC."""
    # isoformat pads years before 1000 to four digits, which strftime("%Y") does not.
    return _utc(value).replace(microsecond=0, tzinfo=None).isoformat(sep=" ") + " +0000" if value else None


def _own_pipe(document: Document, node: Element) -> bool:
    """Whether a link's, image's or definition's own source (not its text, an autolink's all) holds a "|"."""
    source = document.source
    if (isinstance(node, Link) and node.kind in ("autolink", "email")) or not node.children:
        return "|" in source[node.start : node.end]
    first, last = node.children[0], node.children[-1]
    return "|" in source[node.start : first.start] or "|" in source[last.end : node.end]


class JekyllBody(BodyRenderer):
    target = "Jekyll"

    def __init__(self, post: Post, gist: str = "script") -> None:
        super().__init__(post)
        self.gist = gist
        # What to write for each fence kramdown would read otherwise (planned by render).
        self._fences: dict[Element, str] = {}
        self._raw_html: set[int] = set()  # inline HTML written inside {::nomarkdown}
        self._inline_embeds: set[int] = set()  # embeds (model nodes) written within a line of text
        self._in_headings: set[int] = set()  # text inside headings
        self._nested_emphasis: set[int] = set()  # emphasis inside emphasis of its kind
        self._open_pre: dict[int, str] = {}  # an HTML block leaving a <pre> open: its stretch as HTML
        self._in_open_pre: set[int] = set()  # the blocks after it that stretch holds

    def render(self, document: Document) -> str:
        # Our own Liquid (LiquidTag) is kept apart from every other text; that text is protected from
        # Liquid once the whole body is known (a list, or the excerpt, spans nodes).
        document = self._plan_inline(self._plan(document))
        self._plan_open_pre(document)
        # Text in a table keeps its pipes; kramdown reads any other line with a "|" as a table row.
        self._in_tables = (
            {id(n) for t in document.walk() if isinstance(t, Table) for n in descendants(t.children)}
            if "|" in document.source
            else set()
        )
        self._pipe_links = (
            {
                id(n)
                for n in document.walk()
                if isinstance(n, (Link, Picture, Definition)) and _own_pipe(document, n)
            }
            if "|" in document.source
            else set()
        )
        parts: list[tuple[str, bool]] = []
        for text, _ in self.parts(document):
            live = isinstance(text, LiquidTag)
            if parts and not live and not parts[-1][1]:
                parts[-1] = (parts[-1][0] + text, False)
            else:
                parts.append((text, live))
        if _has_math(document):
            self._note_math()
        return protect_liquid(_strip_blank_lines(parts))

    def _plan(self, document: Document) -> Document:
        """The fences kramdown would read otherwise than CommonMark, rewritten (:func:`_fence_edits`),
        each by the content column of its container: a walk from the top, since a node does not know
        the containers it is in. A rewritten opening line takes the fence's indentation with it, so
        such a fence's span is widened to the start of its line (the tree stays lossless)."""
        self._fences = {}
        source = document.source
        fences = "```" in source or "~~~" in source
        widened: dict[Element, Element] = {}

        def walk(nodes: tuple[Element, ...], column: int | None) -> None:
            previous: Element | None = None
            for node in nodes:
                if isinstance(node, CodeBlock):
                    if fences and node.fenced and column is not None and node.written is None:
                        self._plan_fence(document, node, column, previous, widened)
                    elif not node.fenced and column == 0 and node.written is None:
                        self._plan_indented(document, node, widened)
                elif isinstance(node, Heading):
                    if column is not None and not node.setext and node.written is None:
                        _plan_heading(document, node, column, widened)
                elif isinstance(node, Quote):
                    walk(node.children, None)  # a blockquote's lines are not rewritten
                    self._plan_quoted_code(document, node)
                elif isinstance(node, Item):
                    walk(node.children, None if column is None else _item_column(document, node))
                    _plan_marker(document, node, widened)
                elif isinstance(node, List):
                    walk(node.children, column)
                    # kramdown ends a list where the other kind starts, but not where a delimiter
                    # or bullet changes.
                    # Not when a line stands between them that the tree holds no node for (a
                    # definition of a label already defined): kramdown ends the first list there too.
                    if (
                        isinstance(previous, List)
                        and previous.ordered == node.ordered
                        and column is not None
                        and not source[previous.end : node.start].strip()
                    ):
                        _plan_list_break(document, node, column, widened)
                previous = node

        walk(document.children, 0)
        if not widened:
            return document
        return Document(source, _replaced(document.children, widened), document.constructs)

    def _plan_inline(self, document: Document) -> Document:
        """Text that starts with an escape kramdown does not know (``\\&``) widened over its backslash,
        so :func:`kramdown_text` can drop it; the inline HTML and the embeds within a line that kramdown
        would not pass through, found."""
        source = document.source
        widened: dict[int, Element] = {}
        # An escape needs a backslash: most posts have none, and no walk is needed for them.
        for node in document.walk() if "\\" in source else ():
            if (
                isinstance(node, Text)
                and node.written is None
                and node.start > 0
                and source[node.start : node.start + 1] in _COMMONMARK_ONLY_ESCAPES
                and document.escaped(node.start)
            ):
                widened[id(node)] = replace(node, start=node.start - 1)
        document = document.replaced(widened)
        self._raw_html = set()
        self._inline_embeds = set()
        self._in_headings = {id(n) for h in headings(document) for n in descendants(h.children)}
        self._nested_emphasis = (
            _nested_emphasis(document.children, ()) if "*" in source or "_" in source else set()
        )
        if "<" in source:
            for block in document.walk():
                if not isinstance(block, _INLINE):
                    tags = _inline_html(block.children)
                    self._raw_html |= _raw_inline_html(tags, source)
        for construct in document.constructs:
            inline = not _LINE_LEAD.fullmatch(document.line_prefix(construct))
            if inline and isinstance(construct, Construct) and isinstance(construct.node, Embed):
                self._inline_embeds.add(id(construct.node))
        return document

    def node(self, node: Node) -> str:
        text = super().node(node)
        inline = id(node) in self._inline_embeds
        if (
            isinstance(node, Embed)
            and "|" in text
            and (inline or not text.startswith("<") or _AUTOLINK.fullmatch(text))
        ):
            # An embed's URL may hold a "|" (a block of HTML on its own lines is no table to kramdown).
            text = type(text)(_pipe_free_embed(text))
        if inline and text.startswith("<") and not _AUTOLINK.fullmatch(text) and _NOMARKDOWN[1] not in text:
            # Within a line of text kramdown reads the embed's HTML as span HTML, and an <iframe>
            # there as text. Not an autolink (the link an embed falls back to): inside {::nomarkdown}
            # "<https://...>" is a tag to the browser, and the link would vanish.
            return type(text)(_NOMARKDOWN[0] + text + _NOMARKDOWN[1])
        return text

    def _pipe_free_link(
        self, document: Document, element: Link | Picture | Definition, own: Callable[[str], str]
    ) -> str:
        """A link, image or reference definition with a "|" in its destination or title, written with
        none there (see ``_PIPE``); its text as the walk writes it."""
        source = document.source
        if isinstance(element, Link) and element.kind in ("autolink", "email"):
            return _pipe_free_autolink(
                document.text_of(element)[1:-1], element.dest if element.moved else None
            )
        if isinstance(element, Definition):
            text = document.text_of(element)
            label = re.match(r"\s*\[(?:[^\\\]]|\\.)*\]:[ \t]*\n?[ \t]*", text)
            if label is None:
                return text
            return escape_pipes(label[0]) + _pipe_free_tail(text, label.end())[label.end() :]
        if element.children:
            first, last = element.children[0].start, element.children[-1].end
            inner = document.emit_children(element, lambda node: self.write(document, node, own))
        else:
            first = last = source.index("]", element.start)
            inner = ""
        head = source[element.start : first]
        if element.moved:
            dest = destination(element.dest.replace("|", "%7C"))
            return f"{head}{inner}]({dest}{title_markdown(element.title.replace('|', '&#124;'))})"
        tail = source[last : element.end]
        if (isinstance(element, Link) and element.kind == "reference") or not tail.startswith("]("):
            return head + inner + escape_pipes(tail)  # "[text][label]": the pipe is the label's
        at = len(tail) - len(tail[2:].lstrip())
        return head + inner + _pipe_free_tail(tail, at)

    def _plan_indented(self, document: Document, node: CodeBlock, widened: dict[Element, Element]) -> None:
        """A top-level indented code block whose lines start with one to three spaces and a tab:
        CommonMark counts the tab to column 4, kramdown takes only a tab or four spaces as code
        indentation. The indentation (never the code) is written as a tab; the block's span is
        widened to the start of its first line, whose indentation is outside it."""
        prefix = document.line_prefix(node)
        text = prefix + document.text_of(node)
        # A line of text right after the code: CommonMark ends the code there, kramdown reads it into
        # the code; a blank line between changes nothing for CommonMark.
        blank = "\n" if text.endswith("\n") and _text_follows(document, node) else ""
        if prefix.strip() or not (blank or _SPACES_TAB.search(text)):
            return
        wide = replace(node, start=node.start - len(prefix))
        widened[node] = wide
        self._fences[wide] = _SPACES_TAB.sub("\t", text) + blank

    def _plan_quoted_code(self, document: Document, quote: Quote) -> None:
        """A blank line after an indented code block that ends a blockquote before a line without
        ">": CommonMark ends the quote there (code takes no lazy line), kramdown would read the line
        into the code. The code itself is unchanged."""
        last = quote.children[-1] if quote.children else None
        if not isinstance(last, CodeBlock) or last.fenced or last.written is not None or last in self._fences:
            return
        if document.text_of(last).endswith("\n") and _text_follows(document, last):
            self._fences[last] = document.text_of(last) + "\n"

    def _plan_fence(
        self,
        document: Document,
        node: CodeBlock,
        column: int,
        previous: Element | None,
        widened: dict[Element, Element],
    ) -> None:
        text = document.text_of(node)
        markup = _FENCE_MARK.match(text)
        if markup is None:
            return
        prefix = document.line_prefix(node)
        # A fence left open at the end of the post holds its blank lines, which the body loses: it
        # is closed after its last line of text.
        body = text.rstrip("\n") if node.end == len(document.source) else text.removesuffix("\n")
        tail = text[len(body) :]
        lines = (prefix + body).split("\n")
        after_text = column == 0 and _after_text(document, node.start - len(prefix), previous)
        edits = _fence_edits(lines, column, markup[0], after_text)
        if not edits:
            return
        for number, line in edits.items():
            lines[number] = line
        written = "\n".join(lines) + tail
        if 0 in edits and prefix:
            if prefix.strip():
                return  # not reached: only a fence indented by spaces alone is moved
            # The opening line is rewritten whole, its indentation included.
            wide = replace(node, start=node.start - len(prefix))
            widened[node] = wide
            self._fences[wide] = written
        else:
            self._fences[node] = written[len(prefix) :]

    def _plan_open_pre(self, document: Document) -> None:
        """A top-level HTML block that leaves a ``<pre>`` (or ``<textarea>``) open, and the blocks after
        it up to the one that closes it, written as the HTML CommonMark makes of them, inside one
        ``{::nomarkdown}``. CommonMark ends the HTML block at its blank line and reads what follows as
        Markdown, inside the open element; kramdown's own blocks there are joined by blank lines, which
        a ``<pre>`` shows (Dhananjaykul cly8hv7j: a blank line more in the author's code). A stretch
        with a Hashnode construct in it, or whose element never closes, is left as it was."""
        self._open_pre = {}
        self._in_open_pre = set()
        source = document.source
        if not _PRE_OR_TEXTAREA.search(source):
            return
        blocks = document.children
        starts = [block.start for block in blocks]
        # Where the next end tag of each element is, from the last search on (-1: none to the end): every
        # search goes on from where the last one stopped, so many unclosed blocks cost one scan.
        ends: dict[str, int] = {}
        for index, block in enumerate(blocks):
            if not isinstance(block, HtmlBlock) or block.written is not None or document.line_prefix(block):
                continue
            name = _open_raw_element(document.text_of(block))
            if name is None:
                continue
            end = ends.get(name)
            if end is None or (end != -1 and end < block.end):
                found = re.compile(rf"</{name}\s*>", re.I).search(source, block.end)
                end = ends[name] = found.start() if found else -1
            if end == -1:
                continue
            last = bisect_right(starts, end) - 1
            stretch = blocks[index : last + 1]
            if any(isinstance(node, Construct) for node in descendants(stretch)):
                continue
            markup = render_html(Document(document.source, stretch)).rstrip("\n")
            before = "\n" if _after_text(document, block.start, None) else ""
            self._open_pre[id(block)] = f"{before}{_NOMARKDOWN[0]}\n{markup}\n{_NOMARKDOWN[1]}\n"
            self._in_open_pre.update(id(node) for node in stretch[1:])

    def visits(self, document: Document) -> frozenset[type[Element]] | None:
        """What :meth:`visit` changes in this document (asked after :meth:`render` planned it): text,
        code spans, raw HTML, headings, lists and constructs always (whether one changes is decided node
        by node); code blocks when a fence or indentation is rewritten, emphasis when one is nested in
        its kind. Paragraphs, items, quotes, links, tables and breaks are written as their source. A
        stretch of blocks written as HTML (a ``<pre>`` left open) may hold any type: then every node."""
        if self._open_pre:
            return None
        types = _VISITED
        if self._fences:
            types |= {CodeBlock}
        if self._nested_emphasis:
            types |= {Emphasis, Strong}
        if self._pipe_links:
            types |= {Link, Picture, Definition}
        return types

    def visit(self, document: Document, element: Element, own: Callable[[str], str]) -> str | None:
        """What kramdown must be given for a node to read it as CommonMark does."""
        if self._open_pre:
            if id(element) in self._in_open_pre:
                return ""
            if (stretch := self._open_pre.get(id(element))) is not None:
                return stretch
        if isinstance(element, Text):
            if element.written is None and not (
                _TEXT_FOR_KRAMDOWN.search(document.source, element.start, element.end)
                or _ORDERED_START.match(document.source, element.start, element.end)
            ):
                return None  # nothing below changes it (most text nodes): found without copying it
            text = document.text_of(element) if element.written is None else element.written
            if element.written is None and document.escaped(element.start):
                written = text[:1] + kramdown_text(text[1:])  # its first character is escaped
            else:
                written = kramdown_text(text)
            before = document.source[max(0, element.start - 32) : element.start]
            if "|" in text and id(element) not in self._in_tables:
                # kramdown (GFM input too) reads any line with an unescaped "|" as a table row: an
                # image with a pipe in its alt text, a link's text, an Odia full stop. "\|" is a
                # pipe to kramdown and to CommonMark alike.
                written = escape_pipes(written, before)
            if "`" in text:
                # A backtick CommonMark left as text (a run no run of its length closes, a code span
                # cut by a cell's "|"): kramdown closes a code span at the first run of its opener's
                # length, even inside a longer run, so it would pair this one with another.
                written = _escape_char(written, "`", before)
            if "<" in text:
                # "<node_version>" is no tag to CommonMark ("_" cannot be in a tag name) but is to
                # kramdown, which would hide it; "\<" is a "<" to both.
                lead = len(before) - len(before.rstrip("\\"))  # an escape's backslash just before
                written = _TAG_LIKE.sub(r"\1\\<", "\\" * lead + written)[lead:]
            if _KRAMDOWN_MARK.search(written):
                at_line_start = _LINE_LEAD.fullmatch(document.line_prefix(element)) is not None
                written = kramdown_syntax(written, before, at_line_start, id(element) in self._in_headings)
            if (
                _ORDERED_START.match(written)
                and element.written is None
                and _LINE_LEAD.fullmatch(document.line_prefix(element))
                and not document.escaped(element.start)
            ):
                # "5. text" on a paragraph's later line is text to CommonMark (only a list starting at
                # 1 may interrupt a paragraph); kramdown would start a list there.
                written = _ORDERED_START.sub(r"\1\\\2", written, count=1)
            if "*" in written:
                # kramdown's emphasis rules are not CommonMark's: it made emphasis of stars CommonMark
                # leaves alone (``*text…*github.com``, ``announce**✨✨**``; found by verify on the
                # corpus). A star the parse left as text is escaped: ``\*`` is a star to every Markdown.
                written = _escape_char(written, "*", before)
            return None if written == text and element.written is None else written
        if isinstance(element, (Link, Picture, Definition)) and id(element) in self._pipe_links:
            return self._pipe_free_link(document, element, own)
        if isinstance(element, HtmlInline):
            html = document.text_of(element) if element.written is None else element.written
            piped = "|" in html and id(element) not in self._in_tables
            if piped:
                # A tag's "|" (in an attribute) would make its line a table row to kramdown.
                html = html.replace("|", "&#124;")
            if id(element) in self._raw_html or piped:
                super().visit(document, element, own)  # its notes
                if id(element) in self._raw_html and _NOMARKDOWN[1] not in html:
                    return _NOMARKDOWN[0] + html + _NOMARKDOWN[1]
                if piped:
                    return html
        if isinstance(element, CodeSpan) and id(element) not in self._in_tables and element.written is None:
            return _kramdown_code_span(document, element)
        if isinstance(element, (Emphasis, Strong)) and id(element) in self._nested_emphasis:
            # kramdown makes no emphasis inside emphasis of its kind (nor strong inside strong), where
            # CommonMark nests them: the inner one is written as HTML, which kramdown reads (and reads
            # the Markdown inside) as CommonMark does.
            tag, mark = ("em", 1) if isinstance(element, Emphasis) else ("strong", 2)
            inner = document.emit_children(element, lambda node: self.write(document, node, own))
            # What stands between the delimiters and the children (an escape's backslash) is kept.
            source = document.source
            start, end = element.children[0].start, element.children[-1].end
            inner = source[element.start + mark : start] + inner + source[end : element.end - mark]
            return f"<{tag}>{inner}</{tag}>"
        if isinstance(element, CodeSpan) and id(element) in self._in_tables and element.written is None:
            # GFM splits a table row at every "|" not escaped, in code too, and takes "\|" in a cell's
            # code for "|"; kramdown keeps a code span whole and its "\|" as written.
            code = document.text_of(element)
            return code.replace("\\|", "|") if "\\|" in code else None
        if isinstance(element, CodeBlock):
            return self._fences.get(element)
        if (
            isinstance(element, Heading)
            and not element.setext
            and all(c.written == "" for c in element.children)
        ):
            # kramdown needs text after the "#"s: an empty heading ("###") would show as "###". (An
            # indented one has only the child that drops its indentation: see _plan_heading.)
            source = document.text_of(element)
            return f"<h{element.level}></h{element.level}>" + source[len(source.rstrip("\n")) :]
        if isinstance(element, List) and element.ordered and element.first != 1:
            return self._numbered_list(document, element, own)
        result = super().visit(document, element, own)
        # Only a top-level HTML block starts at the start of its line: a container's has its
        # marker or indentation before it.
        if isinstance(element, HtmlBlock) and not document.line_prefix(element):
            html = result or (document.text_of(element) if element.written is None else element.written)
            edit = _html_edit(document, element, html)
            if edit is None and _whole_unbalanced(document, element) and _NOMARKDOWN[1] not in html:
                # CommonMark ends the block at its blank line and reads on as Markdown (often an
                # indented "<tr>" as code); kramdown would take everything up to the element's end tag
                # as raw HTML. Inside {::nomarkdown} it is copied as it is and ends where CommonMark's.
                body = html.rstrip("\n")
                before = "\n" if _after_text(document, element.start, None) else ""
                edit = before + _NOMARKDOWN[0] + "\n" + body + "\n" + _NOMARKDOWN[1] + html[len(body) :]
            return edit or _nomarkdown_block(html) or result
        return result

    def _numbered_list(self, document: Document, element: List, own: Callable[[str], str]) -> str | None:
        """An ordered list that starts at another number than 1, with kramdown's attribute list
        ``{: start="N"}`` on the line right after its last line: kramdown numbers every list from 1
        (the numbers as written are ignored), and CommonMark starts it at its first number. Directly
        after the list the attribute list is the list's (before it, it would be the block above's, or
        the item's when the list opens an item); the list's trailing blank lines come after it."""
        lead = _start_line_lead(document, element)
        if lead is None:
            return None
        source = document.source
        first, last = element.children[0], element.children[-1]
        inner = document.emit_children(element, lambda node: self.write(document, node, own))
        written = source[element.start : first.start] + inner + source[last.end : element.end]
        blank = r"[ \t>]*" if ">" in lead else r"[ \t]*"
        tail = re.search(rf"(?:\n{blank})*\Z", written)
        at = tail.start() if tail else len(written)
        mark = own("\n" + lead + '{: start="' + str(element.first) + '"}')
        return written[:at] + mark + written[at:]

    def _note_math(self) -> None:
        self.note(
            "math",
            "$$...$$ will show as math",
            "kramdown reads $$ as math delimiters",
            "add MathJax to your layout, or escape the dollars",
        )

    def callout(self, node: Callout) -> str:
        # Markdown written from the callout's HTML: its lines are fixed for kramdown as the author's are.
        text = super().callout(node)
        lines = [
            _KRAMDOWN_BRACE.sub(r"\g<lead>\\{:", line) if "{:" in line else line for line in text.split("\n")
        ]
        lines = [_pipes_outside_code(line) if "|" in line else line for line in lines]
        if any("$$" in line and _MATH.search(_CODE_SPAN.sub("", line)) for line in lines):
            self._note_math()
        return "\n".join(lines)

    def image(self, node: Image) -> str:
        if _ALT_MARKUP.search(node.alt):
            plain = _plain_alt(node.alt)
            if plain != html.unescape(unescape_markdown(node.alt)):
                # CommonMark's alt is the text of its Markdown (a link's text, no emphasis marks);
                # kramdown's is the Markdown as written. The text, escaped for kramdown.
                escaped = re.sub(r"([\\\[\]])", r"\\\1", plain).replace("&", "&amp;").replace("<", "&lt;")
                node = replace(node, alt=escaped)
        elif "\\" in node.alt or "&" in node.alt:
            node = replace(node, alt=kramdown_text(node.alt))
        if "|" in node.alt:
            node = replace(node, alt=escape_pipes(node.alt))  # or kramdown makes the line a table
        if "|" in node.src + (node.link or "") + (node.title or ""):
            link = node.link.replace("|", "%7C") if node.link else node.link
            title = node.title.replace("|", "&#124;") if node.title else node.title
            node = replace(node, src=node.src.replace("|", "%7C"), link=link, title=title)
        align = re.sub(r"[^a-z0-9-]", "", (node.align or "").lower())
        if not align:
            return super().image(node)
        # kramdown's attribute list right after the image puts the class on the <img> itself.
        image = super().image(replace(node, link=None, align="")) + "{: .align-" + align + "}"
        return f"[{image}]({node.link})" if node.link else image

    def embed(self, node: Embed) -> str:
        if node.provider == "gist" and self.gist == "jekyll-gist" and "id" in node.ids:
            user = node.ids.get("user")
            return LiquidTag("{% gist " + (f"{user}/{node.ids['id']}" if user else node.ids["id"]) + " %}")
        markup = embed_html.render(node)
        if markup is None:
            return super().embed(node)
        return markup


def _replaced(nodes: tuple[Element, ...], new: dict[Element, Element]) -> tuple[Element, ...]:
    """``nodes`` with each node in ``new`` replaced, and the containers above it rebuilt."""
    out: list[Element] = []
    for node in nodes:
        if node in new:
            node = new[node]
        # A replaced item may hold a replaced node too: its children are the original ones.
        if node.children and isinstance(node, (List, Item, Quote)):
            children = _replaced(node.children, new)
            if any(a is not b for a, b in zip(children, node.children, strict=True)):
                node = replace(node, children=children)
        out.append(node)
    return tuple(out)


def _strip_blank_lines(parts: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Parts without the blank lines at the start and end of the body.

    Jekyll's front matter pattern takes the whitespace-only lines after the front matter with it;
    leaving none keeps the first paragraph, which decides where raw may go, where Jekyll sees it.
    """
    if not "".join(text for text, _ in parts).strip():
        return []
    if not parts[0][1]:
        parts[0] = (re.sub(r"\A(?:[ \t]*\n)+", "", parts[0][0]), False)
    if not parts[-1][1]:
        parts[-1] = (parts[-1][0].rstrip("\n"), False)
    return [part for part in parts if part[0]]


class JekyllExporter:
    name: ClassVar[str] = "jekyll"
    description: ClassVar[str] = "Jekyll posts (_posts/YYYY-MM-DD-<slug>.md), GitHub Pages compatible"
    options: ClassVar[tuple[Option, ...]] = (
        Option("old_urls", str, "redirect_from", "how old Hashnode paths keep working", OLD_URL_MODES),
        Option("gist", str, "script", "how gist embeds are written", GIST_MODES),
        Option("canonical", str, CHECK, "a canonical URL that cannot be right: check (leave it out) or keep"),
    )

    def __init__(self, old_urls: str = "redirect_from", gist: str = "script", canonical: str = CHECK) -> None:
        if old_urls not in OLD_URL_MODES:
            raise ValueError(f"old_urls must be one of {', '.join(OLD_URL_MODES)}, not {old_urls!r}")
        if gist not in GIST_MODES:
            raise ValueError(f"gist must be one of {', '.join(GIST_MODES)}, not {gist!r}")
        self.old_urls = old_urls
        self.gist = gist
        self.canonical = canonical_mode(canonical)

    def url(self, post: Post) -> str | None:
        """Where the post will be on the site with Jekyll's default permalink (None for a draft)."""
        if self.old_urls == "permalink":
            return f"/{post.slug}/"
        if post.draft:
            return None
        day = _utc(_day(post))
        return f"/{day.year:04d}/{day:%m/%d}/{post.slug}.html"

    def asset_path(self, post: Post, stem: str, ext: str, cover: bool) -> tuple[str, str]:
        """Images under assets/images/<slug>/, referred to from the site root."""
        name = f"cover.{ext}" if cover else f"{stem}.{ext}"
        return f"assets/images/{post.slug}/{name}", f"/assets/images/{post.slug}/{name}"

    # kramdown numbers the n-th repeat of an id "-n", whether or not another heading has that id.
    repeated_headings = "count"

    @staticmethod
    def heading_id(text: str) -> str:
        """The id kramdown's GFM parser (Jekyll's default) gives a heading with this plain text.

        kramdown first turns "--" and "---" into dashes, which its id rule then drops with every other
        character that is not a word character, "-", space or tab.
        """
        text = re.sub(r"-{2,3}", "", html.unescape(text).lower())
        # Ruby's \p{Word}: letters, marks (the dot of "i̇" that lower-casing "İ" leaves), digits, "_".
        kept = (
            c
            for c in text
            if c in "- \t" or unicodedata.category(c)[0] in "LM" or unicodedata.category(c) in ("Nd", "Pc")
        )
        return "".join(kept).replace(" ", "-").replace("\t", "-")

    def render(self, post: Post, site: Site) -> Rendered:
        post, canonical_note = checked_canonical(post, self.canonical)
        body = JekyllBody(post, gist=self.gist)
        text = body.render(post.tree)
        body.notes.extend(filter(None, [canonical_note]))
        meta: dict[str, Any] = {
            "layout": "post",
            "title": post.title,
            "date": _date(post.published),
            "last_modified_at": _date(post.updated),
            "tags": [tag.name for tag in post.tags],
            "description": post.description,
            "subtitle": post.subtitle or None,
            "image": body.url_field("image", post.og_image or post.cover, relative=True),
            "canonical_url": body.url_field("canonical URL", post.canonical_url),
            "series": post.series,
        }
        if self.old_urls == "redirect_from":
            meta["redirect_from"] = [f"/{post.slug}/"]
        elif self.old_urls == "permalink":
            meta["permalink"] = f"/{post.slug}/"
        hashnode: dict[str, Any] = {"cuid": post.cuid or None, "url": post.hashnode_url}
        hashnode["seo_title"] = post.seo_title
        if post.cover and post.og_image and post.cover != post.og_image:
            hashnode["cover"] = body.url_field("cover", post.cover, relative=True)
        hashnode.update({k: v for k, v in post.extra.items() if plain_data(v)})
        meta["hashnode"] = {k: v for k, v in hashnode.items() if v is not None} or None

        if post.draft:
            path = f"_drafts/{post.slug}.md"
        else:
            day = _day(post)
            if post.published is None and post.updated is None:
                body.note(
                    "date-fallback",
                    f"file named for {day:%Y-%m-%d}",
                    "Jekyll needs a date in a post's file name and this post has none",
                    "rename the file to the real date",
                )
            elif post.published is None:
                meta["date"] = _date(day)
                body.note("date-fallback", "dated by its last update", "its publish date is unknown")
            stamp = _utc(day)
            path = f"_posts/{stamp.year:04d}-{stamp:%m-%d}-{post.slug}.md"
        if post.published is not None and _utc(post.published) > datetime.now(UTC):
            body.note(
                "future",
                f"dated in the future ({_utc(post.published):%Y-%m-%d})",
                "Jekyll does not build posts dated in the future",
                "set future: true in _config.yml to publish it now",
            )
        content = frontmatter.dumps(yamlfm.fm_post(text + "\n", meta), handler=yamlfm.HANDLER)
        return Rendered(
            post=post, files=(OutputFile(path, content),), url=self.url(post), notes=tuple(body.notes)
        )

    def site_files(self, site: Site) -> tuple[OutputFile, ...]:
        return (OutputFile(CONFIG_FILE, self.config_snippet()),)

    def scaffold(self, site: Site) -> tuple[OutputFile, ...]:
        """A complete minima site around the posts, for ``convert --site``."""
        return scaffold.jekyll_files(site, self.config_snippet())

    def config_snippet(self) -> str:
        plugins = ["jekyll-seo-tag        # description, image, canonical_url, last_modified_at"]
        if self.old_urls == "redirect_from":
            plugins.append("jekyll-redirect-from  # redirect_from: each post's old Hashnode address")
        plugins.append("jekyll-feed")
        if self.gist == "jekyll-gist":
            plugins.append("jekyll-gist           # {% gist %} tags")
        lines = [
            "# What the posts converted by hashmigrate need. Merge it into your _config.yml, or build",
            "# with both files: jekyll build --config _config.yml,_config.hashmigrate.yml",
            "# Every plugin here is one GitHub Pages allows; all of it works on Jekyll 3.10 and 4.",
            "",
            "markdown: kramdown",
            "kramdown:",
            "  input: GFM            # fenced code blocks and tables as Hashnode wrote them",
            "  hard_wrap: false      # a single line break is a space, as on Hashnode",
            "  math_engine: mathjax  # $$...$$ is math; add MathJax to your layout if posts use it",
            "",
            "plugins:",
            *(f"  - {plugin}" for plugin in plugins),
            "",
            "# Post dates are UTC, as on Hashnode; a post's URL holds its date in this zone.",
            "timezone: Etc/UTC",
        ]
        if self.gist == "jekyll-gist":
            lines += [
                "",
                "gist:",
                "  noscript: false  # do not fetch every gist from GitHub at build time",
            ]
        if self.old_urls != "permalink":
            lines += [
                "",
                "# Links between the posts were written for Jekyll's default permalink,",
                "# /:year/:month/:day/:title.html; with another, convert with -O old_urls=permalink.",
            ]
        lines += [
            "",
            "# Posts dated in the future are left out of the site unless this is set:",
            "# future: true",
            "",
            "# Aligned images carry the class align-left, align-center or align-right. If your theme",
            "# has no such classes, add this CSS to it:",
            "#   img.align-center { display: block; margin: 0 auto; }",
            "#   img.align-right { float: right; margin-left: 1em; }",
            "#   img.align-left { float: left; margin-right: 1em; }",
        ]
        return "\n".join(lines) + "\n"

    def advice(self) -> str:
        what = {
            "redirect_from": "jekyll-redirect-from keeps each post's old Hashnode address working",
            "permalink": "each post keeps its old Hashnode address as its permalink",
            "none": "old Hashnode addresses are not kept",
        }[self.old_urls]
        return (
            f"Merge {CONFIG_FILE} into your _config.yml (or pass both to jekyll build --config): it "
            f"lists the plugins and kramdown settings the posts need; {what}. Drafts are in _drafts/ "
            "(jekyll build --drafts shows them)."
        )
