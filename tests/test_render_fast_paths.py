"""The writers' fast paths write what their slow paths write (issue #14: output stays byte-identical).

Each fast path is checked against the code it stands in for, on generated values: the direct YAML
writer against ``yaml.dump`` through both dumpers, ``safe_url``'s encoding against the character by
character one, the block walk for headings against ``Document.headings()``, WordPress's text
escaping against its three replacements, the Hugo and Jekyll writers' walks of the nodes they change
against a walk of every node.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable
from typing import Any
from unittest.mock import patch

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from exporters.hugo import _WORD, HugoBody, HugoExporter
from exporters.jekyll import JekyllBody, JekyllExporter
from exporters.wordpress_blocks import text_html
from hashmigrate import urls, yamlfm
from hashmigrate.document import Document, Element, Paragraph
from hashmigrate.exporter import Exporter, OutputFile, Site
from hashmigrate.hashnode.markdown import parse_body
from hashmigrate.links import headings
from hashmigrate.model import Post
from hashmigrate.parse import parse

# Text made of what decides a YAML scalar's style: indicators, ": " and " #", spaces at the ends,
# document markers, values that read back as other types, quotes, non-ASCII and astral characters.
YAML_PIECES = [
    "-", "?", ":", ": ", " #", "#", ",", "[", "]", "{", "}", "&", "*", "!", "|", ">", "'", '"', "%", "@",
    "`", "---", "...", " ", "  ", "yes", "No", "on", "~", "null", "true", "1.10", "0x1F", "1_000", "+1",
    ".5", ".inf", "2023-01-01", "2023-01-01T10:00:00Z", "=", "<<", "é", "\xa0", "\u2028", "\ufeff",
    "🚀", "\U0010ffff", "\x85", "\n", "\t", "\x7f", "\ud800", "a", "Z", "0",
]  # fmt: skip
yaml_text = st.one_of(
    st.text(max_size=12),
    st.lists(st.one_of(st.sampled_from(YAML_PIECES), st.text(max_size=3)), max_size=8).map("".join),
)
scalars = st.one_of(yaml_text, st.booleans(), st.none(), st.integers())
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(yaml_text, st.one_of(scalars, st.lists(scalars, max_size=3)), max_size=3),
    st.dictionaries(yaml_text, st.dictionaries(yaml_text, scalars, max_size=2), max_size=2),
)


def slow_export(data: dict[str, Any]) -> str:
    """What ``YamlHandler.export`` wrote before the direct writer: ``yaml.dump`` with its dumper."""
    clean = {k: v for k, v in data.items() if v is not None and v != [] and v != {}}
    dumper = yamlfm._CDumper if yamlfm._CDumper is not None and yamlfm._c_safe(clean) else yamlfm._Dumper
    options: dict[str, Any] = {"sort_keys": False, "allow_unicode": True, "width": 10**9}
    text: str = yaml.dump(clean, Dumper=dumper, default_flow_style=False, **options)
    return text


@settings(max_examples=1500, deadline=None)
@given(st.dictionaries(yaml_text, values, max_size=3))
@example({"title": "Rust: why?", "date": "2023-01-01T10:00:00Z", "tags": ["a", "yes"], "draft": True})
@example({"title": "🚀 launch", "cover": {"image": "cover.png", "alt": "it's # 1"}, "aliases": ["/x/"]})
@example({"k" * 99: "v", "x": "- a", "y": "a:", "z": " a", "w": "a ", "v": "---x", "u": "? a"})
def test_direct_yaml_writes_what_yaml_dump_writes(data: dict[str, Any]) -> None:
    assert yamlfm.HANDLER.export(data) == slow_export(data)


@pytest.mark.parametrize("piece", YAML_PIECES)
def test_direct_yaml_writes_each_piece_as_yaml_dump_does(piece: str) -> None:
    # One value a mapping: a value the direct writer refuses sends the whole mapping to PyYAML.
    for text in (piece, "a" + piece, piece + "a", "a" + piece + "b", piece + piece):
        for data in ({"k": text}, {text: "v"}, {"k": [text]}, {"k": {"n": text}}, {"k": {text: [text]}}):
            assert yamlfm.HANDLER.export(data) == slow_export(data), data


def test_direct_yaml_serves_the_usual_front_matter() -> None:
    # The fast path must be the one taken for a Hugo-shaped front matter, or it saves nothing.
    meta = {
        "title": "Hello: world 🚀",
        "date": "2023-01-02T10:00:00Z",
        "slug": "hello",
        "tags": ["rust", "yes"],
        "cover": {"image": "cover.png", "alt": "It's"},
        "hashnode": {"cuid": "cla0000000000000000000005", "url": "https://b.dev/hello"},
    }
    assert yamlfm._direct(meta) == slow_export(meta)


def per_character(url: str) -> str:
    """safe_url's encoding as it was: every character through ``_encode``."""
    return urls._PERCENT.sub("%25", "".join(urls._encode(ch) for ch in url))


url_text = st.text(
    st.one_of(
        st.sampled_from(list("%:/?#[]@!$&'()*+,;=<>\"`{}|\\^ \t\n\x00\x7fé\u3000🚀\ud800")), st.characters()
    ),
    max_size=20,
)


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(["https://a.example/", "", "/img/", "javascript:", "http://[::1]/"]), url_text)
def test_safe_url_encodes_as_character_by_character(prefix: str, rest: str) -> None:
    url = (prefix + rest).strip()
    got = urls.safe_url(prefix + rest, relative=True)
    if got is not None:
        assert got == per_character(url)


def test_kept_pattern_is_the_kept_set() -> None:
    kept = {chr(c) for c in range(0x110000) if not urls._NOT_KEPT.match(chr(c))}
    assert kept == urls._KEPT
    assert unicodedata.category("é") == "Ll"  # a character _encode keeps without being in _KEPT


heading_markdown = st.lists(
    st.sampled_from(
        [
            "# a\n",
            "b\n===\n",
            "> # q\n",
            "- # item\n",
            "1. > ## deep\n",
            "text\n",
            "\n",
            "```\n# code\n```\n",
            "<div>\n# html\n</div>\n",
            "| a |\n|---|\n| # b |\n",
            "    # indented\n",
            "- a\n  # b\n",
            "#\n",
        ]
    ),
    max_size=10,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(heading_markdown)
def test_block_walk_finds_the_headings_the_full_walk_finds(markdown: str) -> None:
    document = parse(markdown)
    assert [id(h) for h in headings(document)] == [id(h) for h in document.headings()]


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(st.characters(max_codepoint=0x7F)), st.text()))
def test_hugo_heading_id_of_ascii_as_by_category(text: str) -> None:
    # The ASCII fast path keeps what the category rule keeps.
    lowered = text.strip().lower()
    kept = "".join(c for c in lowered if c in " -_" or unicodedata.category(c) in _WORD).replace(" ", "-")
    assert HugoExporter.heading_id(text) == (kept or "heading")


@given(
    st.lists(
        st.sampled_from(["a", "W", "ord", "press", "Wordpress", "&", "<", ">", "[", "]", "é", '"', " "])
    ).map("".join)
    | st.text(max_size=20)
)
@example("Wordpres")
@example("WWordpress")
def test_wordpress_text_html_escapes_as_its_slow_path(text: str) -> None:
    # The fast path returns text with nothing to change as it is; the rest goes the slow path.
    slow = html.escape(text, quote=False).replace("[", "&#91;").replace("Wordpress", "&#87;ordpress")
    assert text_html(text) == slow


# What the Hugo writer changes in a document's text: definition-list colons after any container
# marker, &Abreve;, headings with markup (an id written), emphasis beside a symbol outside ASCII or
# around brackets, escaped underscores in bare addresses; and Hashnode's constructs and raw HTML.
HUGO_PIECES = [
    ": ", ":\t", ":", "- : ", "> : ", ">: ", "1. : ", "2) :", " : ", "&Abreve;", "\\&Abreve;", "# ", "## ",
    "*", "**", "_", "__", "~~", "→", "©", "€", "é", "[", "]", "(", ")", "https://x.dev/a\\_b",
    "www.x.dev/a\\_b_c", "{#id}", "{", "`", "<b>", "</b>", "<div>\n", "\n", "\n\n", "    ", "a", "word",
    "===", "---", "%[https://youtu.be/abcdefghijk]", "@[Alice](@alice)", "[l](https://example.com)",
    '![i](https://cdn.example.com/a.png align="center")', "{{< x >}}", "| a |\n|---|\n| b |\n",
    '<span data-node-type="new-thing">', "</span>", "[^1]", "[^1]: ", "\\[^", "\\\\[^", "\n[^a]: https://x.dev\n", "[^a][]", "][^a]",
]  # fmt: skip


def _markdown_of(pieces: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.one_of(st.sampled_from(pieces), st.text(max_size=3)), max_size=40).map("".join)


def _rendered(exporter: Exporter, post: Post) -> tuple[tuple[OutputFile, ...], list[str]]:
    rendered = exporter.render(post, Site())
    return rendered.files, [note.line() for note in rendered.notes]


def _hugo(post: Post) -> tuple[tuple[OutputFile, ...], list[str]]:
    return _rendered(HugoExporter(), post)


@settings(max_examples=700, deadline=None)
@given(_markdown_of(HUGO_PIECES))
@example(": a definition\n")
@example("- : in a list\n\n> : in a quote\n")
@example("x &Abreve; y\n")
@example("# *a* heading\n\ntext\n")
@example("*→a* and **b©**\n")
@example("*[a]* https://x.dev/a\\_b\n")
@example('text <span data-node-type="new-thing">x</span>\n')
@example("***⚠ French ⚠****:*\n")  # emphasis goldmark reads otherwise: written as HTML, Strong in Emphasis
def test_hugo_walks_only_what_it_changes_and_writes_what_a_full_walk_writes(markdown: str) -> None:
    # HugoBody.visits spares the walk a call for each node the writer leaves as written; with every
    # node visited (visits() None, the default) the page and its notes must be the same.
    post = Post(title="t", slug="t", body=parse_body(markdown))
    fast = _hugo(post)
    with patch.object(HugoBody, "visits", lambda self, document: None):
        assert _hugo(post) == fast


def test_a_hugo_body_subclass_with_its_own_visit_is_given_every_node() -> None:
    class Shouting(HugoBody):
        def visit(self, document: Document, element: Element, own: Callable[[str], str]) -> str | None:
            if isinstance(element, Paragraph):
                return own(document.text_of(element).upper())
            return super().visit(document, element, own)

    post = Post(title="t", slug="t", body=parse_body("quiet words\n"))
    document = post.tree
    assert HugoBody(post).visits(document) is not None  # the built-in walk skips paragraphs
    assert Shouting(post).visits(document) is None
    assert Shouting(post).render(document) == "QUIET WORDS\n"

    class Always(HugoBody):
        def fixed_id(self, document: Document, heading: Any) -> str | None:
            return "always"

    headed = Post(title="t", slug="t", body=parse_body("# Plain heading\n\ntext\n"))
    assert Always(headed).render(headed.tree).startswith("# Plain heading {#always}\n")


# What the Jekyll writer changes for kramdown: fences and indented code, ordered lists not starting at 1
# and ")" markers, lists of one kind after another, indented and empty headings, pipes, backticks,
# tags, stars, escapes, emphasis nested in its kind, raw HTML (a <pre> left open), Liquid.
JEKYLL_PIECES = [
    "```\n", "~~~\n", "```py\n", "    ", "  \t", "\t", "1. ", "3. ", "1) ", "- ", "* ", "+ ", "> ", "   ## ",
    "#", "# ", "###\n", "|", "\\|", "`", "``", "<x_y>", "<b>", "</b>", "<pre>\n", "</pre>", "<div>\n",
    "*", "**", "_", "*a *b* c*", "\\&", "&amp;", "^", "{:", "{%", "%}", "{{", "}}", ":", "\n", "\n\n",
    "a", "word", "| a |\n|---|\n| b |\n", "%[https://youtu.be/abcdefghijk]", "@[Alice](@alice)",
    "[l](https://example.com)", "$$x$$", "é", "[l](https://x.dev/a|b)", '[t](https://x.dev "a|b")',
    "\n[r]: https://x.dev/r|s\n",
]  # fmt: skip


def _jekyll(post: Post) -> tuple[tuple[OutputFile, ...], list[str]]:
    return _rendered(JekyllExporter(), post)


@settings(max_examples=700, deadline=None)
@given(_markdown_of(JEKYLL_PIECES))
@example("```\ncode\n```\ntext\n")  # a fence rewritten: code blocks visited
@example("*a *b* c*\n")  # emphasis nested in its kind
@example("<div>\n<pre>\nline\n\nmore *x*\n</pre>\n</div>\n")  # a <pre> left open: every node
@example("5. five\n6. six\n\n- a\n\n* b\n")
@example("  ## indented\n\n###\n")
@example("[l](https://example.com/a|b)\n")  # a pipe in a link's address: links visited
def test_jekyll_walks_only_what_it_changes_and_writes_what_a_full_walk_writes(markdown: str) -> None:
    # JekyllBody.visits spares the walk a call for each node the writer leaves as written; with every
    # node visited (visits() None) the page and its notes must be the same.
    post = Post(title="t", slug="t", body=parse_body(markdown))
    fast = _jekyll(post)
    with patch.object(JekyllBody, "visits", lambda self, document: None):
        assert _jekyll(post) == fast
