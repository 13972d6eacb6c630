"""Helpers for tests over real data and real site generators: code blocks, leftovers, HTML."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

from markdown_it import MarkdownIt

from hashmigrate.hashnode.frontmatter import HANDLER
from hashmigrate.hashnode.markdown import code_spans
from hashmigrate.hashnode.text import decode

_MD = MarkdownIt("commonmark").enable("table")
_LEFTOVERS = {
    "embed": re.compile(r"(?<!%)%\[https?://[^\]\s]+\]"),
    "widget": re.compile(r"%%\[[^\]\n]+\]"),
    "align": re.compile(r'align="'),
    "callout": re.compile(r'data-node-type="callout'),
    "mention": re.compile(r"@\[[^\]\n]*\]\(@[\w.-]+\)"),
}


def source_body(path: Path) -> str:
    """A post file's body as the readers see it (decoded, ``\\n`` line endings, front matter off)."""
    text, _ = decode(path.read_bytes())
    _, body = HANDLER.split(text)
    return body


def code_blocks(markdown: str) -> list[str]:
    """The text of every fenced and indented code block, as a CommonMark parser reads it."""
    return [t.content for t in _MD.parse(markdown) if t.type in ("fence", "code_block")]


def leftovers(markdown: str) -> Counter[str]:
    """Hashnode-only syntax found outside code blocks, code spans and HTML attributes we write."""
    lines = markdown.split("\n")
    protected = [False] * len(lines)
    for token in _MD.parse(markdown):
        if token.type in ("fence", "code_block") and token.map:
            for i in range(*token.map):
                protected[i] = True
    outside = "\n".join("" if p else line for line, p in zip(lines, protected, strict=True))
    spans = code_spans(outside)
    for start, end in reversed(spans):
        outside = outside[:start] + " " * (end - start) + outside[end:]
    found: Counter[str] = Counter()
    for name, pattern in _LEFTOVERS.items():
        found[name] += len(pattern.findall(outside))
    return +found


class _PreCode(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._depth = 0
        self._in_pre = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "pre":
            self._in_pre = True
        elif tag == "code" and self._in_pre:
            self._depth += 1
            if self._depth == 1:
                self.blocks.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "code" and self._depth:
            self._depth -= 1
        elif tag == "pre":
            self._in_pre = False

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.blocks[-1] += data


def html_code_blocks(html: str) -> list[str]:
    """The text of every ``<pre><code>`` in an HTML page, entities decoded."""
    parser = _PreCode()
    parser.feed(html)
    return parser.blocks


def undo_hugo_escapes(text: str) -> str:
    text = re.sub(r"\{\{([<%])/\*(.*?)\*/([>%])\}\}", r"{{\1\2\3}}", text, flags=re.S)
    return text.replace("{{&lt;", "{{<").replace("{{&#37;", "{{%")
