"""The document tree is lossless, and its one parse agrees with another CommonMark parser.

Properties over generated Markdown (the fuzz pieces: Hashnode constructs and their near misses, fences,
containers) and over every corpus post: a writer that changes nothing gives the source back byte for
byte; every node lies inside its parent and after its elder sibling; code blocks and HTML blocks are
where markdown-it-py (a second, independent CommonMark implementation) puts them, with the same code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from test_fuzz import any_text, fuzz

from hashmigrate import document as d
from hashmigrate.hashnode.markdown import read_body
from hashmigrate.model import Embed, Image, Markdown, Mention, Post
from hashmigrate.parse import _Offsets, parse

_MD = MarkdownIt("commonmark").enable("table")


def _check_spans(nodes: tuple[d.Element, ...], start: int, end: int) -> None:
    previous = start
    for node in nodes:
        assert previous <= node.start <= node.end <= end, (node, previous, end)
        if node.children:
            _check_spans(node.children, node.start, node.end)
        previous = node.end


def _blocks(document: d.Document) -> tuple[list[str], list[tuple[int, int]]]:
    """Each code block's code, and the lines each HTML block covers."""
    starts = [0] + [i + 1 for i, ch in enumerate(document.source) if ch == "\n"]
    code: list[str] = []
    html: list[tuple[int, int]] = []
    for node in document.walk():
        if isinstance(node, d.CodeBlock):
            code.append(node.text.removesuffix("\n"))
        elif isinstance(node, d.HtmlBlock) and node.end > node.start:
            first = sum(1 for s in starts if s <= node.start) - 1
            last = sum(1 for s in starts if s <= node.end - 1)
            html.append((first, last))
    return code, html


def _markdown_it_blocks(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    tokens = _MD.parse(text)
    code = [t.content.removesuffix("\n") for t in tokens if t.type in ("fence", "code_block")]
    html = [(t.map[0], t.map[1]) for t in tokens if t.type == "html_block" and t.map]
    return code, html


@fuzz("parse_body")
@given(any_text)
def test_a_writer_that_changes_nothing_gives_the_source_back(text: str) -> None:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    document, _ = read_body(text)
    assert document.emit() == text
    assert document.emit(lambda node: None) == text
    _check_spans(document.children, 0, len(text))
    # Every construct the reader found is in the tree, where a writer walking it will meet it.
    walked = {id(node) for node in document.walk()}
    assert all(id(c) in walked for c in document.constructs)


# Every block but a table's parts (inside the table, which blocks() does not go into).
_BLOCKS = tuple(t for t in d.BLOCK_TYPES if t not in (d.TableHead, d.TableRow, d.TableCell))


def _blocks_found_by_either_walk(document: d.Document) -> None:
    """Document.blocks() skips inline content: it meets every block node walk() meets, in order."""
    walked = [id(n) for n in document.walk() if isinstance(n, _BLOCKS)]
    assert [id(n) for n in document.blocks() if isinstance(n, _BLOCKS)] == walked
    assert document.headings() == [n for n in document.walk() if isinstance(n, d.Heading)]


@fuzz("parse_body")
@given(any_text)
def test_a_walk_for_blocks_meets_every_block(text: str) -> None:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    _blocks_found_by_either_walk(read_body(text)[0])
    _blocks_found_by_either_walk(parse(text))


@fuzz("parse_body")
@given(any_text)
def test_code_and_html_blocks_agree_with_markdown_it(text: str) -> None:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    code, html = _blocks(parse(text))
    their_code, their_html = _markdown_it_blocks(text)
    assert code == their_code
    # markdown-it's map of an HTML block ends after its trailing blank line when it has one.
    assert [a for a, _ in html] == [a for a, _ in their_html]


def test_a_visitor_replaces_only_what_it_returns() -> None:
    text = '# Title *x*\n\n> a [link](https://a.example/x "T") and `code [no](link)`\n\n```\n[c](d)\n```\n'
    document = parse(text)
    links = [n for n in document.walk() if isinstance(n, d.Link)]
    assert [link.dest for link in links] == ["https://a.example/x"]
    moved = d.Document(
        document.source,
        _replace(document.children, links[0], _moved(links[0], "/posts/x/")),
    )
    assert moved.emit() == text.replace('(https://a.example/x "T")', '(/posts/x/ "T")')
    shouted = document.emit(lambda n: document.text_of(n).upper() if isinstance(n, d.Text) else None)
    assert "# TITLE *X*" in shouted and "`code [no](link)`" in shouted and "```\n[c](d)\n```" in shouted


def _moved(link: d.Link, dest: str) -> d.Link:
    return d.Link(
        link.start, link.end, link.children, dest=dest, title=link.title, kind=link.kind, moved=True
    )


def _replace(nodes: tuple[d.Element, ...], old: d.Element, new: d.Element) -> tuple[d.Element, ...]:
    from dataclasses import replace

    return tuple(
        new if n is old else replace(n, children=_replace(n.children, old, new)) if n.children else n
        for n in nodes
    )


def test_constructs_take_the_place_of_the_text_they_were_written_as() -> None:
    text = (
        'Intro @[Ann](@ann) and ![x](https://i.example/a.png align="center").\n\n'
        "%[https://youtu.be/abcdefghijk]\n\n"
        "- item with %[https://x.example/a_b*c*]\n"
    )
    document, _ = read_body(text)
    kinds = [type(c.node).__name__ for c in document.constructs]
    assert kinds == ["Mention", "Image", "Embed", "Embed"]
    # The emphasis inside the last embed's URL is gone: the construct covers it.
    item = next(n for n in document.walk() if isinstance(n, d.Item))
    assert not any(isinstance(n, d.Emphasis) for n in _all(item))
    rendered = document.emit(lambda n: "<C>" if isinstance(n, d.Construct) else None)
    assert rendered == "Intro <C> and <C>.\n\n<C>\n\n- item with <C>\n"


def _all(node: d.Element) -> list[d.Element]:
    out = [node]
    for child in node.children:
        out.extend(_all(child))
    return out


def test_reference_definitions_are_nodes() -> None:
    document = parse('See [the docs][r].\n\n[r]: https://a.example/docs "Docs"\n')
    definition = next(n for n in document.walk() if isinstance(n, d.Definition))
    assert (definition.label, definition.dest, definition.title) == ("r", "https://a.example/docs", "Docs")
    assert document.text_of(definition) == '[r]: https://a.example/docs "Docs"'


def test_headings_as_written_and_as_read() -> None:
    document = parse("## Using `my_function` in *3.10* ##\n\nSetext\n===\n")
    first, second = document.headings()
    assert document.heading_source(first) == "Using `my_function` in *3.10*"
    assert d.plain_text(document, first) == "Using my_function in 3.10"
    assert (first.level, second.level, second.setext) == (2, 1, True)


def test_offsets_are_characters_whatever_the_script() -> None:
    text = "Tiếng Việt 🚀 *nhấn mạnh* [liên kết](https://a.example/đ) `mã`\n"
    document = parse(text)
    assert document.emit() == text
    emphasis = next(n for n in document.walk() if isinstance(n, d.Emphasis))
    assert document.text_of(emphasis) == "*nhấn mạnh*"
    code = next(n for n in document.walk() if isinstance(n, d.CodeSpan))
    assert document.text_of(code) == "`mã`"


@given(st.text(alphabet=st.sampled_from("a *\n`éế中🚀\u2028\x80\U0010ffff"), max_size=60))
def test_byte_offsets_map_to_the_characters_a_decoder_counts(text: str) -> None:
    # The parse maps pulldown-cmark's byte offsets through a table of non-ASCII runs; a decoder counts
    # characters itself (a cut character as one U+FFFD): the two agree on every byte offset.
    data = text.encode("utf-8")
    offsets = _Offsets(text)
    every = set(range(len(data) + 1))
    decoded = {b: len(data[:b].decode("utf-8", "replace")) for b in every}
    assert {b: offsets.char(b) for b in every} == decoded


def test_a_kept_tree_is_given_once_and_only_for_its_own_text() -> None:
    # repair_fences keeps its tree for the reader's parse of the same text.
    first = parse("# a *b*\n", keep=True)
    assert parse("# a *b*\n") is first
    assert parse("# a *b*\n") is not first  # taken once: no tree outlives its post
    parse("# a *b*\n", keep=True)
    second = parse("# a *c*\n")
    assert second.source == "# a *c*\n"
    assert d.plain_text(second, second.headings()[0]) == "a c"
    assert parse("# a *b*\n") is not first


def test_a_loose_task_list_is_read() -> None:
    # In a loose list pulldown-cmark gives the [ ] inside the item's paragraph: it was passed to the
    # paragraph, which has no such field, and the whole convert stopped with an internal error.
    text = "- [ ] a\n\n- [x] b\n\n1. [x] tight\n2. [ ] list\n"
    document = parse(text)
    items = [n for n in document.walk() if isinstance(n, d.Item)]
    assert [item.checked for item in items] == [False, True, True, False]
    assert document.emit() == text


def test_a_post_built_by_hand_has_a_tree_too() -> None:
    embed = Embed("https://youtu.be/abcdefghijk", "youtube", {"id": "abcdefghijk"})
    post = Post(
        title="t", slug="t", body=(Markdown("See [a](b) "), Mention("Ann", "ann"), Markdown("\n\n"), embed)
    )
    tree = post.tree
    assert [type(c.node) for c in tree.constructs] == [Mention, Embed]
    assert any(isinstance(n, d.Link) and n.dest == "b" for n in tree.walk())
    assert tree.emit(lambda n: "@" if isinstance(n, d.Construct) else None) == "See [a](b) @\n\n@"
    assert Image not in [type(c.node) for c in tree.constructs]


@pytest.mark.shared
def test_every_corpus_post_comes_back_byte_for_byte(corpus_dir: Path) -> None:
    files = sorted(corpus_dir.rglob("*.md"))
    assert len(files) > 2000
    differ: list[str] = []
    for path in files:
        body = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
        document, _ = read_body(body)
        if document.emit() != body:
            differ.append(path.name)
        _blocks_found_by_either_walk(document)
        code, html = _blocks(parse(body))
        their_code, their_html = _markdown_it_blocks(body)
        if code != their_code or [a for a, _ in html] != [a for a, _ in their_html]:
            differ.append(f"{path.name} (blocks)")
    assert differ == []
