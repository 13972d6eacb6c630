"""hashmigrate.html renders the document tree as the HTML markdown-it-py writes for the same source.

Differentially: for every corpus post and for generated Markdown, ``render_html(parse(text))`` equals
markdown-it-py's HTML (commonmark preset + GFM tables + strikethrough). Where the two disagree, cmark
(cmarkgfm, the CommonMark reference implementation) decides which follows the spec; the only
differences allowed are those listed here:

- ``trim``: markdown-it trims a paragraph's or heading's content with JavaScript's ``trim()``, which also
  strips Unicode spaces (U+00A0 ...); CommonMark strips only spaces and tabs, and cmark keeps the rest.
  The tree (pulldown-cmark) follows the spec. Four corpus posts end a paragraph with U+00A0.
- ``parse``: the two parsers read the source differently and cmark agrees with neither or with the
  tree (emphasis next to Unicode punctuation, a line of only form feeds or vertical tabs, which
  pulldown-cmark takes for blank). A difference of the parse, not of the rendering.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import example, given
from markdown_it import MarkdownIt
from test_fuzz import any_text, fuzz

from hashmigrate import document as d
from hashmigrate.html import href, inline_html, render_html
from hashmigrate.parse import parse

cmarkgfm = pytest.importorskip("cmarkgfm")

_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# Corpus posts whose HTML differs from markdown-it's, each for a reason above.
KNOWN = {
    "ckn0ip3sb00x9zfs16ptfcmz6.md": "trim",
    "ckn0iqsvs00xnzfs19n3af76m.md": "trim",
    "ckn0iy87100zyzfs183jb0psy.md": "trim",
    "ckdrj0anc00lkfzs14d509502.md": "trim",
}


def _cmark(text: str) -> str:
    from cmarkgfm.cmark import Options

    return str(
        cmarkgfm.markdown_to_html_with_extensions(
            text, options=Options.CMARK_OPT_UNSAFE, extensions=["table", "strikethrough"]
        )
    )


def _same(a: str, b: str, strict: bool = False) -> bool:
    """The same HTML but for what cmark writes differently from markdown-it (line breaks between
    tags, ``<del>``, ``align=``, XHTML's ``/>``); all white space aside, unless ``strict`` (then only
    the line breaks between tags)."""

    def norm(h: str) -> str:
        h = h.replace("<del>", "<s>").replace("</del>", "</s>")
        h = re.sub(r' align="(\w+)"', r' style="text-align:\1"', h).replace(" />", ">")
        return re.sub(r">\s+<", "><", h).strip() if strict else re.sub(r"[ \t\n]+", "", h)

    return norm(a) == norm(b)


def _difference(text: str) -> str | None:
    """None when the tree's HTML is markdown-it's; else why they differ (an AssertionError if for no
    listed reason)."""
    ours = render_html(parse(text))
    theirs = _MD.render(text)
    if not text.endswith("\n"):
        # Code that ends the text without a line end: CommonMark's code is its lines, each ended (as
        # cmark writes it); markdown-it leaves the last one open.
        theirs = re.sub(r"([^\n>])(</code></pre>\n)$", r"\1\n\2", theirs)
    if ours == theirs:
        return None
    reference = _cmark(text)
    if _same(ours, reference) and not _same(theirs, reference):
        return "trim" if _same(ours.replace("\xa0", ""), theirs.replace("\xa0", "")) else "spec"
    if _same(ours, reference, strict=True) and not _same(theirs, reference, strict=True):
        # cmark agrees with us to the white space (a tab before a line end, which CommonMark drops).
        return "spec"
    if re.search(r" *\t[ \t]*\n", text) and ours.count("<br") > reference.count("<br"):
        # pulldown-cmark counts a tab at a line's end (after spaces or not) toward a hard break
        # (parse.py). Rare.
        return "tab-break"
    if "\x0c" in text and _same(ours, reference.replace("\x0c", "")):
        # pulldown-cmark drops a form feed before a line end as trailing white space; cmark and
        # markdown-it keep it (CommonMark strips spaces and tabs there). Known and rare (parse.py).
        return "form-feed"
    if any(ch in text for ch in "\x0b\x85\u2028\u2029"):
        # pulldown-cmark takes VT, NEL, LS and PS for whitespace next to * and _ (Rust's White_Space);
        # CommonMark's Unicode whitespace is Zs, tab and line ends only. Known and rare.
        return "whitespace"
    assert not _same(theirs, reference), (text, ours, theirs)
    return "parse"


@pytest.mark.shared
def test_every_corpus_post_renders_as_markdown_it_does(corpus_dir: Path) -> None:
    files = sorted(corpus_dir.rglob("*.md"))
    assert len(files) > 2000
    differ: dict[str, str] = {}
    for path in files:
        body = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
        reason = _difference(body)
        if reason is not None:
            differ[path.name] = reason
    assert differ == KNOWN


@fuzz("parse_body")
@given(any_text)
@example("0\x0c\n0")  # a form feed before a line end (found by the README's test command, once)
def test_generated_markdown_renders_as_markdown_it_does(text: str) -> None:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    _difference(text)


@pytest.mark.parametrize(
    "text",
    [
        "- a\n- b\n",
        "- a\n\n- b\n",
        "- a\n  - b\n- c\n",
        "- a\n  ```\n  x\n  ```\n  b\n",
        "1. a\n\n   b\n2. c\n",
        "0. zero\n1. one\n",
        "3) three\n",
        "- \n- b\n",
        "- [x] done\n- [ ] todo\n",
        "> quote\n>\n> - a\n",
        "# H1\n\nSetext\n---\n",
        "```py title\ncode <b>\n```\n",
        "```a\\_b&amp;\n```\n",
        "    indented\n",
        "| a | b | c |\n|:-|:-:|-:|\n| 1 | 2 |\n",
        "| a |\n|---|\n",
        '<http://x.com/a b> <http://ex.com/é?q=1&r="x"> <me@example.com>\n',
        '[l](</a b> \'T "q"\') ![a *b* `c` <i>h</i>](i.png "t")\n',
        "a  \nb\\\nc\nd\n",
        "<div>\n*raw*\n</div>\n\nx <span>y</span> ~~s~~ **b** _e_\n",
        '[ref]\n\n[ref]: /url "title"\n',
        "a\x00b &copy; &#35; \\*\n",
        "***\n",
    ],
)
def test_constructs_of_commonmark_render_as_markdown_it_does(text: str) -> None:
    assert render_html(parse(text)) == _MD.render(text)


def test_a_hook_renders_constructs_and_overrides_nodes() -> None:
    document = d.place(parse("before X after\n\n`code`\n"), [d.Construct(7, 8)])

    def hook(node: d.Element) -> str | None:
        if isinstance(node, d.Construct):
            return "<b>construct</b>"
        if isinstance(node, d.CodeSpan):
            return f"<tt>{node.text}</tt>"
        return None

    assert (
        render_html(document, document, hook)
        == "<p>before <b>construct</b> after</p>\n<p><tt>code</tt></p>\n"
    )
    # Without a hook a construct shows its source; any node renders on its own.
    assert render_html(document) == "<p>before X after</p>\n<p><code>code</code></p>\n"
    assert inline_html(document, document.children[0]) == "before X after"


def test_destinations_are_percent_encoded_once() -> None:
    assert href("/a b/é%20%zz") == "/a%20b/%C3%A9%20%25zz"
    assert href("http://x.com/?a=1&b=(2)#f") == "http://x.com/?a=1&b=(2)#f"
