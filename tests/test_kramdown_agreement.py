"""Jekyll's kramdown against CommonMark, class by class: what Hashnode shows must show in Jekyll.

Each class has a small hand-written example (no Jekyll needed) and a differential property: many
generated cases in one post, converted, built once by the real Jekyll, and each case's HTML compared
with CommonMark's (markdown-it) on what a reader sees.
"""

from __future__ import annotations

import html
import re
import string
import tempfile
from html.entities import html5
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_hugo import HUGOS, hugo_command, make_site
from test_hugo import build as hugo_build
from test_jekyll import jekyll_build, jekyll_command

import hashmigrate
from exporters.hugo import HugoExporter
from exporters.jekyll import CONFIG_FILE, JekyllExporter, kramdown_text
from hashmigrate.document import Table
from hashmigrate.exporter import Site
from hashmigrate.html import render_html
from hashmigrate.parse import parse
from hashmigrate.verification.features import features


def reference(body: str) -> str:
    """What Hashnode shows, as the project's CommonMark renderer writes it (pulldown-cmark's reading:
    markdown-it would turn numeric references to control characters into U+FFFD)."""
    return render_html(parse(body))


BLOG = "https://blog.example.dev"
HEADER = """---
title: "Cases"
datePublished: Mon Jan 02 2023 10:00:00 GMT+0000 (Coordinated Universal Time)
cuid: cla0000000000000000000004
slug: cases
---

"""
# One build per Hypothesis example, many cases in it.
# No shrinking: a failure lists every failing case of the build at once.
BUILDS = settings(
    max_examples=3,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# kramdown's typography (smart quotes, dashes, ellipsis, guillemets) is a known, accepted difference.
_TYPOGRAPHY = str.maketrans(
    {"“": '"', "”": '"', "‘": "'", "’": "'", "–": "--", "—": "---", "…": "...", "«": "<<", "»": ">>"}
)


@pytest.fixture(scope="module")
def jekyll() -> str:
    return jekyll_command()


def convert(body: str, tmp: Path) -> str:
    """The Jekyll post for a Hashnode post with this body (read as a real backup file)."""
    source = tmp / "cla0000000000000000000004.md"
    source.write_text(HEADER + body)
    posts = list(hashmigrate.load(source, blog_url=BLOG, drafts=True))
    rendered = JekyllExporter().render(posts[0], Site(blog_url=BLOG))
    return rendered.files[0].content


def build(jekyll: str, body: str, tmp: Path) -> str:
    """The post's article HTML as the real Jekyll builds it."""
    site = tmp / "site"
    (site / "_posts").mkdir(parents=True, exist_ok=True)
    (site / "_posts" / "2023-01-02-cases.md").write_text(convert(body, tmp))
    (site / CONFIG_FILE).write_text(JekyllExporter().config_snippet())
    jekyll_build(jekyll, site)
    page = (site / "_site" / "2023" / "01" / "02" / "cases.html").read_bytes().decode("utf-8", "replace")
    article = re.search(r'itemprop="articleBody">(.*?)</div>\s*<a class="u-url"', page, re.S)
    assert article, page[:2000]
    return article[1]


def shown(fragment: str) -> str:
    """What a reader sees of an HTML fragment: its text, typography and whitespace normalised."""
    text = html.unescape(re.sub(r"<[^>]+>", "", fragment)).translate(_TYPOGRAPHY)
    return " ".join(text.split())


def tags(fragment: str) -> list[str]:
    return [m.lower() for m in re.findall(r"</?([A-Za-z][A-Za-z0-9-]*)", fragment)]


def cases_of(page: str, tag: str = "p") -> dict[int, str]:
    """Each case ``C<n>:`` of a page, by number: the content of the element that starts with it."""
    found = re.finditer(rf"<{tag}>\s*C(\d+):[ ]?(.*?)</{tag}>", page, re.S)
    return {int(m[1]): m[2] for m in found}


# ---- escapes and entities ---------------------------------------------------------------------------


def test_escapes_kramdown_does_not_know_lose_their_backslash() -> None:
    # CommonMark: "\&" is a literal "&", so "\&gt;" shows "&gt;"; kramdown would show "\>".
    assert kramdown_text("\\&gt;") == "&amp;gt;"
    assert kramdown_text("a\\@b \\^ \\% \\, \\/ \\; \\?") == "a@b ^ % , / ; ?"
    assert kramdown_text("\\\\&gt; \\* \\_ \\|") == "\\\\&gt; \\* \\_ \\|"  # kramdown reads these alike


def test_entities_kramdown_reads_otherwise_are_rewritten() -> None:
    assert kramdown_text("&bigstar; &ThickSpace;") == "&#9733; &#8287;&#8202;"  # HTML 5 names
    assert kramdown_text("&#X3C; &#0; &#x110000;") == "&#60; &#65533; &#65533;"
    assert kramdown_text("&#99999999; &lceil;") == "&amp;#99999999; &#8968;"  # no entity; swapped name
    assert kramdown_text("&gt; &#60; &#x3c; &amp; &foo; AT&T") == "&gt; &#60; &#x3c; &amp; &foo; AT&T"


def test_an_escaped_ampersand_in_a_post_shows_as_on_hashnode(tmp_path: Path) -> None:
    content = convert("Use \\&gt; to write &gt; and \\@you, [\\&lt;b\\&gt;](https://x.dev).\n", tmp_path)
    assert "Use &amp;gt; to write &gt; and @you, [&amp;lt;b&amp;gt;](https://x.dev)." in content


_ENTITY_NAMES = sorted(name for name in html5 if name.endswith(";"))
_PIECES = st.one_of(
    st.sampled_from([*string.ascii_letters[:6], " ", "1", "#", ";", "&", "x"]),
    st.sampled_from(string.punctuation).map(lambda c: "\\" + c),
    st.sampled_from(_ENTITY_NAMES).map(lambda name: "&" + name),
    st.sampled_from(["", "\\"]).flatmap(
        lambda lead: st.one_of(
            st.integers(0, 10**9).map(lambda n: f"{lead}&#{n};"),
            st.integers(0, 0x12FFFF).map(lambda n: f"{lead}&#x{n:x};"),
            st.integers(0, 0x12FFFF).map(lambda n: f"{lead}&#X{n:X};"),
            st.sampled_from(_ENTITY_NAMES).map(lambda name: f"{lead}&{name}"),
        )
    ),
)
_ESCAPE_TEXT = st.lists(_PIECES, min_size=1, max_size=8).map("".join)


@pytest.mark.jekyll
@BUILDS
@given(texts=st.lists(_ESCAPE_TEXT, min_size=40, max_size=60))
def test_escapes_and_entities_show_in_jekyll_as_in_commonmark(
    jekyll: str, texts: list[str], tmp_path: Path
) -> None:
    body = "Cases.\n\n" + "".join(f"C{n}: {text}\n\n" for n, text in enumerate(texts))
    want = cases_of(reference(body))
    got = cases_of(build(jekyll, body, tmp_path))
    assert len(want) == len(texts)
    wrong = [
        (text, got.get(n), want[n])
        for n, text in enumerate(texts)
        if shown(got.get(n, "?")) != shown(want[n])
    ]
    assert not wrong, wrong


# ---- inline HTML and embeds within text ----------------------------------------------------------------


def test_block_html_tags_within_text_pass_kramdown_untouched(tmp_path: Path) -> None:
    body = 'See <iframe src="https://e.dev/v"></iframe> and <kbd>*k*</kbd> or <b>bold *x*</b><br>.\n'
    content = convert(body, tmp_path)
    assert '{::nomarkdown}<iframe src="https://e.dev/v">{:/}{::nomarkdown}</iframe>{:/}' in content
    assert "{::nomarkdown}<kbd>{:/}*k*{::nomarkdown}</kbd>{:/}" in content  # kramdown would not read *k*
    assert "<b>bold *x*</b><br>." in content  # kramdown reads these as CommonMark does


@pytest.mark.jekyll
def test_embeds_and_html_in_list_items_and_quotes_render_as_html(jekyll: str, tmp_path: Path) -> None:
    body = """Intro.

* C1: see <iframe src="https://e.dev/1"></iframe> inline
* C2: read:
  %[https://youtu.be/FAfhMXUiLuU]
* C3: <div class="x">*in div*</div>
* C4:
  * %[https://youtu.be/FAfhMXUiLuU]

> C5: %[https://youtu.be/FAfhMXUiLuU]

> C6: text <details><summary>more</summary>body *em*</details>
> %[https://youtu.be/FAfhMXUiLuU]

1. C7: <span><span>nested</span></span> <mark>plain</mark> <u>*u*</u> </em> <custom-tag>x

C8: para <iframe src="https://e.dev/9"></iframe> tail
"""
    page = build(jekyll, body, tmp_path)
    assert "&lt;" not in page.replace("&lt;/em&gt;", ""), page  # no tag shown as text (but a stray </em>)
    assert page.count("<iframe") == 6 and page.count("</iframe>") == 6
    expected = reference(body)
    for tag in ("li", "p"):
        want, got = cases_of(expected, tag), cases_of(page, tag)
        for n in want:
            assert tags(got[n]) == tags(want[n]) or n in (2, 4, 5, 6), (n, got[n], want[n])
            assert shown(got[n]) == shown(want[n]) or n in (2, 4, 5, 6), (n, got[n], want[n])


_INLINE_TAGS = st.sampled_from(
    [
        '<iframe src="https://e.dev/v"></iframe>',
        "<div>",
        "</div>",
        "<span>",
        "</span>",
        "<b>",
        "</b>",
        "<mark>",
        "</mark>",
        "<kbd>",
        "</kbd>",
        "<u>",
        "</u>",
        "<sub>",
        "</sub>",
        "<br>",
        '<img src="https://e.dev/i.png" alt="i">',
        "<summary>",
        "</summary>",
        "<custom-el>",
        "</custom-el>",
        "<!-- c -->",
        "<p>",
        "</p>",
    ]
)
_INLINE_TEXT = st.sampled_from(
    ["a", "word", "*em*", "**strong**", "`co<b>de`", " ", "x_y", "[l](https://l.dev)"]
)
_HTML_LINE = st.lists(st.one_of(_INLINE_TAGS, _INLINE_TEXT), min_size=1, max_size=10).map(" ".join)


@pytest.mark.jekyll
@BUILDS
@given(lines=st.lists(_HTML_LINE, min_size=30, max_size=50))
def test_inline_html_shows_in_jekyll_as_in_commonmark(jekyll: str, lines: list[str], tmp_path: Path) -> None:
    body = "Cases.\n\n" + "".join(f"C{n}: {line}\n\n" for n, line in enumerate(lines))
    page = build(jekyll, body, tmp_path)
    # Both pages cut into the cases: a case's HTML runs to the next case (a <p> may close early).
    want = re.split(r"C\d+:", reference(body))[1:]
    got = re.split(r"C\d+:", page)[1:]
    assert len(got) == len(want) == len(lines)
    wrong = [
        (line, mine, theirs)
        for line, mine, theirs in zip(lines, got, want, strict=True)
        if shown(mine) != shown(theirs)
        or [t for t in tags(mine) if t != "p"] != [t for t in tags(theirs) if t != "p"]
    ]
    assert not wrong, wrong


# ---- pipes: kramdown reads any line with a "|" outside code as a table row ------------------------------

_PIPE_WORDS = st.sampled_from(
    ["a", "Fix", "ଓଡ଼ିଆ", " ", " | ", "|", "\\|", "||", " `a|b` ", " `|` ", "*e|m*", "x"]
)
_PIPE_TEXT = (
    st.lists(_PIPE_WORDS, min_size=1, max_size=7).map("".join).filter(lambda t: "|" in t and t.strip())
)
_CASE_KINDS = st.sampled_from(["paragraph", "link", "item", "heading", "quote", "image", "callout"])
TABLES = """| h1 | h2 |
|----|----|
| `a\\|b` \\| c | d |

Between.

a | b
--|--
1 | 2
"""
CALLOUT = (
    '<div data-node-type="callout">\n<div data-node-type="callout-emoji">💡</div>\n'
    '<div data-node-type="callout-text">{}</div>\n</div>'
)


def pipe_case(n: int, kind: str, text: str) -> str:
    if kind == "link":
        return f"C{n}: [{text}](https://l.dev/{n}) after Z{n}"
    if kind == "item":
        return f"* C{n}: {text} Z{n}\n* plain"
    if kind == "heading":
        return f"## C{n}: {text} Z{n}"
    if kind == "quote":
        return f"> C{n}: {text} Z{n}"
    if kind == "image":
        alt = text.replace("`", "").replace("*", "")  # an alt is plain text on Hashnode
        return f'![C{n}: {alt}](https://i.dev/{n}.png align="left")'
    if kind == "callout":
        return CALLOUT.format(html.escape(f"C{n}: {text}".replace("`", "").replace("*", "")))
    return f"C{n}: {text} Z{n}"


def code_texts(page: str) -> list[str]:
    """The text of every <code> element, in order (rouge's highlighting spans removed)."""
    return [
        html.unescape(re.sub(r"<[^>]+>", "", m)) for m in re.findall(r"<code[^>]*>(.*?)</code>", page, re.S)
    ]


def test_a_pipe_outside_code_is_escaped_and_code_is_not(tmp_path: Path) -> None:
    body = '![Fix A | by Bob](x.png align="left")\n\nHappy `a|b` Learning | End [a|b](https://l.dev)\n'
    content = convert(body, tmp_path)
    assert "![Fix A \\| by Bob](x.png){: .align-left}" in content
    assert "Happy `a|b` Learning \\| End [a\\|b](https://l.dev)" in content


@pytest.mark.jekyll
@BUILDS
@given(cases=st.lists(st.tuples(_CASE_KINDS, _PIPE_TEXT), min_size=40, max_size=60))
def test_only_real_tables_become_tables_in_jekyll(
    jekyll: str, cases: list[tuple[str, str]], tmp_path: Path
) -> None:
    fence = "```\ncode | with | pipes\n|---|---|\n```\n"
    body = (
        TABLES + "\n" + fence + "\n" + "".join(pipe_case(n, k, t) + "\n\n" for n, (k, t) in enumerate(cases))
    )
    page = build(jekyll, body, tmp_path)
    expected = reference(body)
    tables = sum(isinstance(node, Table) for node in parse(body).walk())
    assert page.count("<table") == tables == 2, page
    # Every code span and block byte for byte; callouts and images write no code.
    assert code_texts(page) == code_texts(expected)
    seen = shown(page)
    for n, (kind, text) in enumerate(cases):
        if kind == "image":
            alt = f"C{n}: " + text.replace("`", "").replace("*", "")
            want = html.unescape(re.sub(r"\\(.)", r"\1", alt))
            alts = [html.unescape(a) for a in re.findall(r'<img[^>]* alt="([^"]*)"', page)]
            assert " ".join(want.split()) in [" ".join(a.split()) for a in alts], (want, alts)
        elif kind != "callout":
            case = re.search(rf"C{n}:.*?Z{n}", shown(expected), re.S)
            assert case is not None
            assert case[0].strip() in seen, (kind, text, case[0])


# ---- kramdown's own syntax in text -------------------------------------------------------------------

KRAMDOWN_SYNTAX = """Intro.

C1: a footnote[^1] ref Z1

[^1]: C2: the note Z2

C3: abbr HTML here Z3

*[HTML]: Hyper Text C4: Z4

C5: term
: definition Z5

## C6: Title Z6 {#custom}

C7: para {#id} and {: .cls} mid Z7

^

C8: after caret Z8

C9: text
{: .klass} Z9

C10: [link](http://x.dev){:target="_blank"} Z10

> C11: quoted
> : not a definition {::comment} Z11

- C12: item
  ^
  *[X]: y Z12
"""


def test_kramdown_syntax_in_text_is_escaped(tmp_path: Path) -> None:
    content = convert(KRAMDOWN_SYNTAX, tmp_path)
    for escaped in (
        "footnote\\[^1]",
        "\\[^1]: C2",
        "\\*[HTML]",
        "\\: definition",
        "Z6 \\{#custom}",
        "\\{: .cls}",
    ):
        assert escaped in content, escaped
    assert "\n&#94;\n" in content and "){:target" not in content and "  &#94;\n" in content


@pytest.mark.jekyll
def test_kramdown_syntax_in_text_shows_as_written_in_jekyll(jekyll: str, tmp_path: Path) -> None:
    page = shown(build(jekyll, KRAMDOWN_SYNTAX, tmp_path))
    expected = shown(reference(KRAMDOWN_SYNTAX))
    for n in range(1, 13):
        case = re.search(rf"C{n}:.*?Z{n}", expected, re.S)
        assert case is not None and case[0] in page, (n, case and case[0], page)
    assert "^" in page and "<dl>" not in page and "<abbr" not in page and 'id="custom"' not in page


# ---- block structure: headings, ordered lists ------------------------------------------------------

BLOCKS = """Intro.

  ## C1: indented heading Z1

1. C2: item

    ### C3: heading deeper than the item Z3

   ###

C4: a paragraph
5. C5: is no list to CommonMark
6. C6: nor this Z6

C7: before
1) C8: a list with ")"
2) C9: second Z9

###

<table>
<tr><td>C10: cell Z10</td></tr>

    <tr><td>C11: code to CommonMark Z11</td></tr>

</table>

- C12: one
+ C13: a new list Z13

Text.

 \tC14: code to CommonMark
  \t  indented Z14

<p>C15: html</p>
---
<p>Z15</p>

>     C16: quoted code
Z16 is no code

\tC17: code
Z17 is no code

<details>
<summary>C18: summary</summary>
<pre><code>C18: code

C18: *text* to CommonMark</code></pre>
</details>
"""


def test_block_structure_is_rewritten_for_kramdown(tmp_path: Path) -> None:
    content = convert(BLOCKS, tmp_path)
    for written in (
        "\n## C1",
        "\n   ### C3",
        "\n   <h3></h3>",
        "\n5\\. C5",
        "\n1. C8",
        "\n2. C9",
        "{::nomarkdown}\n<table>",
        "\n^\n+ C13",
        "\n\tC14",
        "\n\t  indented",
        "{::nomarkdown}\n<p>C15",
        "C16: quoted code\n\nZ16",
        "C17: code\n\nZ17",
        "{::nomarkdown}\n<details>",
    ):
        assert written in content, written


# An HTML block leaving a <pre> open across blank lines (Dhananjaykul cly8hv7j): CommonMark reads the
# lines after each blank line as paragraphs inside the <pre>; kramdown's blank lines between its own
# blocks there were one more line in the code.
OPEN_PRE = """<details>
<summary>Solution</summary>
<pre><code class="language-sql">CREATE TABLE t(
  id INT
);

INSERT INTO t
VALUES (1, "a");

SELECT * FROM t;</code></pre>
</details>

After *it*.
"""


def test_an_open_pre_is_written_as_commonmarks_html(tmp_path: Path) -> None:
    content = convert(OPEN_PRE, tmp_path)
    assert (
        "<p>INSERT INTO t\nVALUES (1, &quot;a&quot;);</p>\n<p>SELECT * FROM t;</code></pre></p>\n{:/}"
        in content
    )
    assert "After *it*." in content  # Markdown again after the element's block


@pytest.mark.jekyll
def test_an_open_pre_shows_its_code_in_jekyll_as_in_commonmark(jekyll: str, tmp_path: Path) -> None:
    built = features(build(jekyll, OPEN_PRE, tmp_path))
    expected = features(reference(OPEN_PRE))
    assert built.code == expected.code and expected.code
    assert shown(build(jekyll, OPEN_PRE, tmp_path / "again")) == shown(reference(OPEN_PRE))


_BLOCK_TAGS = re.compile(r"<(/?(?:h[1-6]|ol|ul|li|pre|table|blockquote))\b", re.I)


def blocks(fragment: str) -> list[str]:
    """The block elements of a fragment, in order (paragraphs left out: kramdown and CommonMark tell
    tight from loose list items otherwise), the text of each code block and all the text a reader sees."""
    code = [shown(m) for m in re.findall(r"<pre[^>]*>(.*?)</pre>", fragment, re.S)]
    starts = [f"start {n}" for n in features(fragment).lists]  # where each ordered list starts
    return [*(m.lower() for m in _BLOCK_TAGS.findall(fragment)), *code, *starts, shown(fragment)]


@pytest.mark.jekyll
def test_block_structure_shows_in_jekyll_as_in_commonmark(jekyll: str, tmp_path: Path) -> None:
    assert blocks(build(jekyll, BLOCKS, tmp_path)) == blocks(reference(BLOCKS))


_CONTAINER = st.sampled_from(["", "- ", "1. ", "1) ", "10. ", "* 1. "])
_LEVEL = st.integers(min_value=1, max_value=6)


def block_case(n: int, kind: int, container: str, extra: int, level: int, start: int, delim: str) -> str:
    """One generated case: an indented (or empty) heading in a container, an ordered list with a
    start and delimiter after a paragraph, a numbered line continuing a paragraph, or an ordered list
    with a start in a container, a quote or after tabs (kramdown starts it at 1 unless told)."""
    if kind == 0:
        column = " " * len(container)
        title = f"C{n}: heading" if n % 3 else ""
        return f"{container}C{n}: first\n\n{column}{' ' * extra}{'#' * level} {title}\n"
    if kind == 1:
        return f"C{n}: para\n{start}{delim} one\n{start + 1}{delim} two\n"
    if kind == 3:
        column = " " * len(container)
        return f"{container}C{n}: first\n\n{column}{start}{delim} one\n{column}{start + 1}{delim} two\n"
    if kind == 4:
        return f"> C{n}: quoted\n>\n> {start}{delim} one\n> {start + 1}{delim} two\n"
    if kind == 5:
        # Tabs after an item's marker and as the indentation of the list inside it.
        marker = (container.split() or ["-"])[-1]  # one container: a tab inside two is another case
        if extra % 2:
            return f"{marker}\t{start}{delim} one\n\t{start + 1}{delim} two\n"
        return f"{marker}\tC{n}: first\n\n\t{start}{delim} one\n\t{start + 1}{delim} two\n"
    return f"C{n}: para\n{start}. continued\n{' ' * extra}{start + 1}) more\n"


@pytest.mark.jekyll
@BUILDS
@given(
    cases=st.lists(
        st.tuples(
            st.integers(0, 5),
            _CONTAINER,
            st.integers(0, 3),
            _LEVEL,
            st.sampled_from([0, 1, 2, 5, 123]),
            st.sampled_from([".", ")"]),
        ),
        min_size=30,
        max_size=40,
    )
)
def test_headings_and_ordered_lists_show_in_jekyll_as_in_commonmark(
    jekyll: str, cases: list[tuple[int, str, int, int, int, str]], tmp_path: Path
) -> None:
    body = "Intro.\n\n" + "".join(
        block_case(n, *case) + f"\nZ{n}.\n\n" for n, case in enumerate(cases, start=1)
    )
    with tempfile.TemporaryDirectory(dir=tmp_path) as tmp:
        assert blocks(build(jekyll, body, Path(tmp))) == blocks(reference(body)), body


# ---- the same escapes in Hugo (goldmark reads them as CommonMark does; nothing to rewrite) -------------


@pytest.fixture(scope="module", params=sorted(HUGOS))
def hugo(request: pytest.FixtureRequest) -> list[str]:
    return hugo_command(request.param)


@pytest.mark.hugo
@BUILDS
@given(texts=st.lists(_ESCAPE_TEXT, min_size=40, max_size=60))
def test_escapes_and_entities_show_in_hugo_as_in_commonmark(
    hugo: list[str], texts: list[str], tmp_path: Path
) -> None:
    body = "Cases.\n\n" + "".join(f"C{n}: {text}\n\n" for n, text in enumerate(texts))
    source = tmp_path / "cla0000000000000000000004.md"
    source.write_text(HEADER + body)
    post = next(iter(hashmigrate.load(source, blog_url=BLOG, drafts=True)))
    site = make_site(Path(tempfile.mkdtemp(dir=tmp_path)))
    for file in HugoExporter().render(post, Site(blog_url=BLOG)).files:
        (site / file.path).parent.mkdir(parents=True, exist_ok=True)
        (site / file.path).write_text(file.content)
    hugo_build(hugo, site)
    got = cases_of((site / "public" / "posts" / "cases" / "index.html").read_text())
    want = cases_of(reference(body))
    wrong = [
        (text, got.get(n), want[n])
        for n, text in enumerate(texts)
        if shown(got.get(n, "?")) != shown(want[n])
    ]
    assert not wrong, wrong


def test_the_entity_goldmark_lacks_is_written_as_a_number(tmp_path: Path) -> None:
    source = tmp_path / "cla0000000000000000000004.md"
    source.write_text(HEADER + "A &Abreve; \\&Abreve; \\\\&Abreve; `&Abreve;`\n")
    post = next(iter(hashmigrate.load(source, blog_url=BLOG, drafts=True)))
    content = HugoExporter().render(post, Site(blog_url=BLOG)).files[0].content
    assert content.endswith("A &#258; \\&Abreve; \\\\&#258; `&Abreve;`\n")


# ---- code spans, nested emphasis, tag-like text, alt text with Markdown, Markdown after an HTML element --

SPANS = """Intro.

C1: instead of writing ` git add --all`, you can use `gaa`. Z1

- C2: ` "prefer-template": 2` x Z2

C3: params: ``t_fend` or `t_eicher`: 3 Z3

C4: `#!/usr/bin/env sh``java $* -jar app.jar` now Z4

C5: nvm install <node_version> and *<your_code>* Z5

C6: *Note: a b *(Next explains [S](http://s.io) in detail)*.* Z6

C7: **intitle:"index of *" "sepultura" mp3 <-- BANG!** Z7

C8: ``` a `` b ``` and `` `x` `` and `` y `` Z8

![C9: The [W3C DPV](https://x.dev/a.html) *x* `c` Z9](https://i.dev/1.png)

<hr/>
C10: _[daily.dev](https://api.daily.dev/get?r=x) delivers news_ Z10

C11: from **<base>\\<slug>\\images** to \\\\<x_y> Z11
"""


def test_what_kramdown_reads_otherwise_in_spans_is_rewritten(tmp_path: Path) -> None:
    content = convert(SPANS, tmp_path)
    # The code kept byte for byte between a space each side, which kramdown takes off.
    assert "writing ``  git add --all ``, you can use `gaa`." in content
    assert "params: \\`\\`t_fend`` or ``t_eicher\\`: 3" in content  # the backticks left as text escaped
    assert "``` #!/usr/bin/env sh``java $* -jar app.jar ```" in content
    assert "install \\<node_version> and *\\<your_code>*" in content
    assert "<base>{:/}\\<slug>\\images** to \\\\\\<x_y>" in content  # an escaped "<" stays as it is
    assert "*Note: a b <em>(Next explains [S](http://s.io) in detail)</em>.*" in content
    assert "![C9: The W3C DPV x c Z9](https://i.dev/1.png)" in content
    assert "{::nomarkdown}\n<hr/>\nC10: _[daily.dev]" in content and "Z10\n{:/}" in content
    assert "`` `x` ``" in content and "`` y ``" in content  # kramdown reads these as CommonMark does


@pytest.mark.jekyll
def test_what_kramdown_reads_otherwise_in_spans_shows_as_on_hashnode(jekyll: str, tmp_path: Path) -> None:
    page = build(jekyll, SPANS, tmp_path)
    expected = reference(SPANS)
    assert code_texts(page) == code_texts(expected)
    seen, want = shown(page), shown(expected)
    for n in range(1, 12):
        if n == 9:
            continue  # an image: its alt below
        case = re.search(rf"C{n}:.*?Z{n}", want, re.S)
        assert case is not None and case[0] in seen, (n, case and case[0], seen)
    assert 'alt="C9: The W3C DPV x c Z9"' in page
    assert page.count("<em>") == expected.count("<em>") and "<a href" not in page.split("C10:")[1]


_CODE_CONTENT = st.lists(
    st.sampled_from(["a", " ", "`", "``", "b c", "*", "<x_y>"]), min_size=1, max_size=5
).map("".join)
_WORD = st.sampled_from(["a", "word", "(par)", "x.", "<n_v>", "\\<n_v>", "\\\\<n_v>", "`"])


def _span_case(kind: int, parts: tuple[str, str, str, int]) -> str:
    before, middle, after, ticks = parts
    if kind == 0:  # a code span, maybe one CommonMark does not close
        return f"{before}{' ' if ticks % 2 else ''}{'`' * ticks}{middle}{'`' * ticks} {after}"
    mark = ["*", "**", "_", "__"][ticks % 4]
    if kind == 1:  # emphasis inside emphasis of its kind
        return f"{mark}{before} {mark}{after}{mark} {before}{mark}"
    return f"{before} <{after.strip('<>`*_ ') or 'n'}_{ticks}> {middle.strip('`') or 'b'}"


_SPAN_CASES = st.tuples(st.integers(0, 2), st.tuples(_WORD, _CODE_CONTENT, _WORD, st.integers(1, 3))).map(
    lambda case: _span_case(*case)
)


@pytest.mark.jekyll
@BUILDS
@given(cases=st.lists(_SPAN_CASES, min_size=40, max_size=60))
def test_code_emphasis_and_tag_like_text_show_in_jekyll_as_in_commonmark(
    jekyll: str, cases: list[str], tmp_path: Path
) -> None:
    body = "Cases.\n\n" + "".join(f"C{n}: {case} Z{n}\n\n" for n, case in enumerate(cases))
    page = build(jekyll, body, tmp_path)
    expected = reference(body)
    assert code_texts(page) == code_texts(expected)
    want, got = cases_of(expected), cases_of(page)
    assert len(want) == len(cases)
    wrong = [
        (case, got.get(n), want[n])
        for n, case in enumerate(cases)
        if shown(got.get(n, "?")) != shown(want[n]) or tags(got.get(n, "?")) != tags(want[n])
    ]
    assert not wrong, wrong


# ---- fences in list items indented with tabs ---------------------------------------------------------
# CommonMark counts a tab to the next multiple of four columns (a tab cut by the item's column leaves
# spaces); kramdown turns a tab that starts a line into four spaces and keeps a fence's indentation.
TAB_FENCES = (
    "1. C1: item\n\t\n\t```python\n\tx = 1\n\tprint(x)\n\t```\n\t\n2. Second\n\n"
    "- C2: item\n\n \t~~~\n\t\tw\n   \tz\n   \t~~~\n\n"
    "* 1. C3: item\n\n      ~~~py\n\t  \tx\n\n\t   y\n\t \t\tw\n\t  ~~~\n\n"
    "1. C4: item\n\n   ```py\n   x = 1\n     \n   \t\tw\n   \t```\n\n"
    "- C5: item\n\t- nested\n\n\t\t```\n\t\tcode\n\t\t```\n\nEnd.\n"
)


def test_a_fence_indented_with_tabs_in_a_list_item_is_written_with_spaces(tmp_path: Path) -> None:
    content = convert(TAB_FENCES, tmp_path)
    assert "1. C1: item\n\t\n   ```python\n   x = 1\n   print(x)\n   ```\n\t\n2. Second" in content
    assert "\n  ~~~\n  \tw\n  z\n  ~~~\n" in content  # "\t\tw": the first tab's last column taken
    assert "\n   ```py\n   x = 1\n  \n   \t\tw\n   ```\n" in content  # a closing fence after spaces and a tab
    assert "\t\t```\n      code\n      ```\n" not in content and "      ```\n      code\n      ```" in content


@pytest.mark.jekyll
def test_a_fence_indented_with_tabs_in_a_list_item_keeps_its_code_in_jekyll(
    jekyll: str, tmp_path: Path
) -> None:
    page = build(jekyll, TAB_FENCES, tmp_path)
    assert code_texts(page) == code_texts(reference(TAB_FENCES))
    assert "```" not in shown(page) and "~~~" not in shown(page)


# ---- an embed within a line of text --------------------------------------------------------------------

INLINE_EMBEDS = """See %[https://example.com/page] inline.

* item %[https://example.com/other]

Video %[https://youtu.be/FAfhMXUiLuU] here.
"""


def test_an_embed_within_text_that_falls_back_to_a_link_stays_an_autolink(tmp_path: Path) -> None:
    content = convert(INLINE_EMBEDS, tmp_path)
    assert "See <https://example.com/page> inline." in content
    assert "* item <https://example.com/other>" in content
    assert "Video {::nomarkdown}<iframe" in content  # real HTML: still passed through whole


@pytest.mark.jekyll
def test_an_embed_within_text_shows_its_link_in_jekyll(jekyll: str, tmp_path: Path) -> None:
    page = build(jekyll, INLINE_EMBEDS, tmp_path)
    for url in ("https://example.com/page", "https://example.com/other"):
        assert f'<a href="{url}">{url}</a>' in page, page
    assert page.count("<iframe") == 1


# ---- a pipe in a destination, title, autolink, definition or tag ---------------------------------------

PIPES = """Intro.

C1: Load [Roboto and Lato](https://fonts.googleapis.com/css?family=Roboto|Lato) in the head. Z1

C2: [t](<https://x.dev/a|b> "a|b title") and ![img](https://i.dev/a|b.png 'i|t') Z2

C3: auto <https://x.dev/a_b|c*d> Z3

C4: [ref][r] and <a href="https://x.dev/h|t" title="p|q">html</a> Z4

[r]: https://x.dev/r|s "r|t"

%[https://x.dev/embed|x]

| h | [c](https://x.dev/c\\|d) |
|---|---|
| 1 | 2 |
"""


def test_pipes_in_destinations_titles_and_tags_are_written_without_one(tmp_path: Path) -> None:
    content = convert(PIPES, tmp_path)
    assert "(https://fonts.googleapis.com/css?family=Roboto%7CLato)" in content
    assert '[t](<https://x.dev/a%7Cb> "a&#124;b title")' in content
    assert '![img](https://i.dev/a%7Cb.png "i&#124;t")' in content  # a Hashnode image: written anew
    assert "auto [https\\://x.dev/a\\_b\\|c\\*d](https://x.dev/a_b*%7Cc)" not in content
    assert "auto [https://x.dev/a\\_b\\|c\\*d](https://x.dev/a_b%7Cc*d)" in content
    assert '<a href="https://x.dev/h&#124;t" title="p&#124;q">' in content
    assert '[r]: https://x.dev/r%7Cs "r&#124;t"' in content
    assert "<https://x.dev/embed%7Cx>" in content  # an embed's URL comes percent-encoded
    assert "| h | [c](https://x.dev/c%7Cd) |" in content  # in a table: "\\|" is a pipe to GFM only


@pytest.mark.jekyll
def test_pipes_in_destinations_make_no_table_in_jekyll(jekyll: str, tmp_path: Path) -> None:
    page = build(jekyll, PIPES, tmp_path)
    assert page.count("<table") == 1, page
    expected = reference(PIPES)
    seen, want = shown(page), shown(expected)
    for n in range(1, 5):
        case = re.search(rf"C{n}:.*?Z{n}", want, re.S)
        assert case is not None and case[0] in seen, (n, case and case[0], seen)
    got = features(page)
    # The reference renders Markdown only: the embed's link is Jekyll's alone.
    want_links = [*features(expected).links, "https://x.dev/embed|x"]
    assert sorted(map(unquote, got.links)) == sorted(map(unquote, want_links))
    assert [unquote(i.src) for i in got.images] == ["https://i.dev/a|b.png"]
    assert 'title="a|b title"' in html.unescape(page) and 'title="r|t"' in html.unescape(page)
