"""Hashnode Markdown to body nodes: every construct found, code never touched."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from support.corpus import code_blocks
from support.examples import examples
from test_fuzz import any_text, block_construct, fenced_block, indented_block, prose

import hashmigrate
from hashmigrate.embeds import classify
from hashmigrate.exporter import RAW_INLINE_TAGS
from hashmigrate.hashnode.backup import read_backup
from hashmigrate.hashnode.fences import _FENCE_LINE, _fence_lines, repair_fences
from hashmigrate.hashnode.markdown import _destination, code_spans, parse_body
from hashmigrate.model import Callout, Embed, Html, Image, Markdown, Mention, Node, Post, Widget


def kinds(nodes: tuple[Node, ...]) -> list[str]:
    return [type(n).__name__ for n in nodes]


def text_of(nodes: tuple[Node, ...]) -> str:
    return "".join(
        n.text if isinstance(n, Markdown) else n.html if isinstance(n, Html) else "\x00" for n in nodes
    )


def test_plain_markdown_is_one_node_byte_for_byte() -> None:
    body = "# T\n\n\\_escaped\\_ 1\\. and -&gt; and \u00a0nbsp  \nhard break\n"
    assert parse_body(body) == (Markdown(body),)


@pytest.mark.parametrize(
    "body",
    [
        '```\n%[https://youtu.be/abcdefghijk]\n![](x.png align="center")\n@[a](@b)\n%%[w]\n```\n',
        '~~~ html\n<div data-node-type="callout">x</div>\n~~~\n',
        'para\n\n    %[https://youtu.be/abcdefghijk]\n    ![](x.png align="left")\n',
        "* item\n    \n    ```bash\n    echo %[https://youtu.be/abcdefghijk]\n    ```\n    \n",
        "> ```\n> %[https://youtu.be/abcdefghijk]\n> ```\n",
        "Inline `%[https://youtu.be/abcdefghijk]` and ``@[a](@b) ` x`` end\n",
    ],
)
def test_hashnode_syntax_inside_code_is_left_alone(body: str) -> None:
    nodes = parse_body(body)
    assert all(isinstance(n, Markdown) for n in nodes)
    assert text_of(nodes) == body


def test_code_spans_follow_commonmark_backtick_runs() -> None:
    text = "a `b` c ``d ` e`` \\`not code` and `unclosed\n\n`x`"
    assert [text[a:b] for a, b in code_spans(text)] == ["`b`", "``d ` e``", "` and `", "`x`"]


def test_code_span_does_not_cross_a_blank_line() -> None:
    text = "`open\n\n%[https://youtu.be/abcdefghijk]`"
    assert not code_spans(text)
    assert "Embed" in kinds(parse_body(text))


def test_embed_on_its_own_line_drops_trailing_spaces() -> None:
    nodes = parse_body("Intro\n\n%[https://youtu.be/vpQi6Li_zuU?si=ipthTWe5fvExg1Q6] \n\nOutro\n")
    assert kinds(nodes) == ["Markdown", "Embed", "Markdown"]
    embed = nodes[1]
    assert isinstance(embed, Embed) and embed.provider == "youtube" and embed.ids == {"id": "vpQi6Li_zuU"}
    assert nodes[2] == Markdown("\n\nOutro\n")


def test_embed_in_list_item_and_blockquote_keeps_the_container_indent() -> None:
    nodes = parse_body(
        "* %[https://youtu.be/FAfhMXUiLuU] \n\n> %[https://twitter.com/a/status/123]\n\n1. %[https://x.com/b/status/9]\n"
    )
    embeds = [n for n in nodes if isinstance(n, Embed)]
    assert [e.indent for e in embeds] == ["  ", "> ", "   "]
    assert embeds[2].url == "https://twitter.com/b/status/9"


def test_widget_mention_and_escaped_construct() -> None:
    nodes = parse_body(
        "%%[mailerlite] \n\nThanks @[Victoria Lo's](@victoria)! Not \\@[x](@y) nor \\![a](b).\n"
    )
    assert Widget("mailerlite") in nodes
    assert Mention("Victoria Lo's", "victoria") in nodes
    assert sum(isinstance(n, Mention) for n in nodes) == 1
    assert not any(isinstance(n, Image) for n in nodes)


@pytest.mark.parametrize(
    ("markdown", "image"),
    [
        (
            '![](https://cdn.hashnode.com/a.png align="center")',
            Image("https://cdn.hashnode.com/a.png", "", "center"),
        ),
        (
            '![x](https://cdn.hashnode.com/a.png?auto=compress,format&format=webp align="left")',
            Image("https://cdn.hashnode.com/a.png?auto=compress,format&format=webp", "x", "left"),
        ),
        ('![a [b] c](https://e.com/w_(1).png "T")', Image("https://e.com/w_(1).png", "a [b] c", None, "T")),
        ("![sp](<https://e.com/a b.png>)", Image("https://e.com/a b.png", "sp")),
        (
            '[![](https://e.com/a.png align="center")](https://www.youtube.com/watch?v=V4waklkBC38)',
            Image("https://e.com/a.png", "", "center", link="https://www.youtube.com/watch?v=V4waklkBC38"),
        ),
    ],
)
def test_images(markdown: str, image: Image) -> None:
    nodes = parse_body(f"Before\n\n{markdown}\n")
    assert image in nodes


def test_not_an_image_stays_text() -> None:
    body = "![alt] (spaced) and ![unclosed](x\n"
    assert parse_body(body) == (Markdown(body),)


def test_callout_becomes_a_node_and_what_follows_stays_separate() -> None:
    body = (
        "Before.\n\n"
        '<div data-node-type="callout">\n<div data-node-type="callout-emoji">💡</div>\n'
        '<div data-node-type="callout-text"><strong>Tip:</strong> a &amp; b</div>\n</div>\n'
        "After on the next line.\n"
    )
    nodes = parse_body(body)
    callouts = [n for n in nodes if isinstance(n, Callout)]
    assert callouts == [Callout("💡", "<strong>Tip:</strong> a &amp; b")]
    after = text_of(nodes[nodes.index(callouts[0]) + 1 :])
    assert after.startswith("\n\n") and "After on the next line." in after


def test_image_inside_raw_html_is_marked_for_an_img_tag() -> None:
    nodes = parse_body("<center>![V](https://cdn.hashnode.com/a.png?w=500&h=500)</center>\n")
    assert kinds(nodes) == ["Html", "Image", "Html"]
    image = nodes[1]
    assert isinstance(image, Image) and image.in_html and image.src.endswith("?w=500&h=500")


def test_raw_html_blocks_are_kept_whole() -> None:
    body = '<iframe src="https://www.youtube.com/embed/FN77CJGy6Tk"></iframe>\n\n<details>\n<summary>S</summary>\nx\n</details>\n'
    nodes = parse_body(body + '\n![](a.png align="left")\n')
    assert kinds(nodes) == ["Html", "Markdown", "Html", "Markdown", "Image", "Markdown"]
    assert (
        isinstance(nodes[0], Html)
        and nodes[0].html.startswith("<iframe")
        and nodes[0].html.endswith("</iframe>\n")
    )
    assert isinstance(nodes[2], Html) and nodes[2].html == "<details>\n<summary>S</summary>\nx\n</details>\n"


@pytest.mark.parametrize(
    ("url", "provider", "ids"),
    [
        (
            "https://twitter.com/_ediri/status/1512324208440881152?s=20&t=E3RK",
            "twitter",
            {"user": "_ediri", "id": "1512324208440881152"},
        ),
        ("https://x.com/jack/status/20", "twitter", {"user": "jack", "id": "20"}),
        (
            "https://www.youtube.com/watch?v=XccNLyZutbU&t=12s",
            "youtube",
            {"id": "XccNLyZutbU", "start": "12"},
        ),
        (
            "https://www.youtube.com/watch?v=XccNLyZutbU&t=1h2m3s",
            "youtube",
            {"id": "XccNLyZutbU", "start": "3723"},
        ),
        ("https://youtu.be/vpQi6Li_zuU?si=ipthTWe5fvExg1Q6", "youtube", {"id": "vpQi6Li_zuU"}),
        ("https://www.youtube.com/shorts/aBcDeFgHiJk", "youtube", {"id": "aBcDeFgHiJk"}),
        ("https://www.youtube.com/playlist?list=PL4tJdkBbj_XX", "youtube", {"playlist": "PL4tJdkBbj_XX"}),
        (
            "https://gist.github.com/mtliendo/274a5c8f4bff90e58d3cb9fd351ecc59",
            "gist",
            {"user": "mtliendo", "id": "274a5c8f4bff90e58d3cb9fd351ecc59"},
        ),
        (
            "https://github.com/focusOtter/eventbridge-target-appsync",
            "github",
            {"owner": "focusOtter", "repo": "eventbridge-target-appsync"},
        ),
        ("https://codepen.io/travishorn/pen/gOpXwXV", "codepen", {"user": "travishorn", "id": "gOpXwXV"}),
        (
            "https://codesandbox.io/s/cute-dog-tph85?codemirror=1&amp;fontsize=14",
            "codesandbox",
            {"id": "cute-dog-tph85"},
        ),
        ("https://vimeo.com/76979871", "vimeo", {"id": "76979871"}),
        (
            "https://www.loom.com/share/0281766fa2d04bb788eaf19e65135184",
            "loom",
            {"id": "0281766fa2d04bb788eaf19e65135184"},
        ),
        (
            "https://open.spotify.com/track/6r6n5OmXkdsOxN2iCj5UE0?si=82",
            "spotify",
            {"kind": "track", "id": "6r6n5OmXkdsOxN2iCj5UE0"},
        ),
        ("https://www.instagram.com/p/C9xYz1AbCdE/", "instagram", {"kind": "p", "id": "C9xYz1AbCdE"}),
        ("https://glitch.com/edit/#!/hello-express", "glitch", {"project": "hello-express"}),
        ("https://snack.expo.io/@iamshadmirza/tinder-cards", "expo", {"id": "@iamshadmirza/tinder-cards"}),
        (
            "https://hashnode.com/post/clx2692tn000609kv06beccwa",
            "hashnode",
            {"id": "clx2692tn000609kv06beccwa"},
        ),
        ("https://blogs.vijaysingh.cloud/modular-terraform", "link", {}),
        ("https://twitter.com/someone", "link", {}),
    ],
)
def test_classify(url: str, provider: str, ids: dict[str, str]) -> None:
    info = classify(url)
    assert (info.provider, info.ids) == (provider, ids)
    assert "&amp;" not in info.url


# ---- closing fences CommonMark refuses ------------------------------------------------------------
F = "```"


@pytest.mark.parametrize(
    ("broken", "repaired"),
    [
        # Indented 4 spaces: the rest of the post was code.
        (f"{F}py\na\n    {F}\nrest\n", f"{F}py\na\n{F}\nrest\n"),
        # A no-break space before or after the fence.
        (f"{F}py\na\n\u00a0{F}\nrest\n", f"{F}py\na\n{F}\nrest\n"),
        (f"{F}py\na\n{F}\u00a0\nrest\n", f"{F}py\na\n{F}\nrest\n"),
        # A later block's fences paired up wrongly: its closing fence closed this one.
        (f"{F}py\na\n    {F}\nrest\n\n{F}js\nb\n{F}\n", f"{F}py\na\n{F}\nrest\n\n{F}js\nb\n{F}\n"),
        (f"{F}py\na\n    {F}\nrest\n\n{F}\nb\n{F}\n", f"{F}py\na\n{F}\nrest\n\n{F}\nb\n{F}\n"),
        # In a list item and in a quote: indented past the container's content.
        ("- a\n\n  ```\n  x\n      ```\n\n  more\n", "- a\n\n  ```\n  x\n  ```\n\n  more\n"),
        ("> ```\n> x\n>     ```\n> more\n", "> ```\n> x\n> ```\n> more\n"),
        ("~~~~\nx\n     ~~~~~\nmore\n", "~~~~\nx\n~~~~~\nmore\n"),
        # After an indented code block's line that looks like a fence: it opens nothing (the quick
        # scan once paired it as a fence, fell a fence out of step and let these pass unparsed).
        (f"    {F}\n\n{F}\na\n\u00a0{F}\nrest\n", f"    {F}\n\n{F}\na\n{F}\nrest\n"),
        (f"    ~~~\n\n{F}\na\n    {F}\n\n    ~~~\n", f"    ~~~\n\n{F}\na\n{F}\n\n    ~~~\n"),
        # A quoted fence in a block is a line of its code, not its close.
        (f"{F}\n> {F}\n    {F}\n", f"{F}\n> {F}\n{F}\n"),
    ],
)
def test_a_closing_fence_commonmark_refuses_is_repaired_with_a_note(broken: str, repaired: str) -> None:
    text, notes = repair_fences(broken, "p.md", first_line=5)
    assert text == repaired
    changed = [
        i for i, (a, b) in enumerate(zip(broken.split("\n"), repaired.split("\n"), strict=True)) if a != b
    ]
    assert [(n.kind, n.what) for n in notes] == [
        ("fence-repaired", f"closing code fence on line {5 + changed[0]} repaired")
    ]


@pytest.mark.parametrize(
    "body",
    [
        f"{F}\nx\n    {F}\n{F}\n",  # an indented fence that is code: the block closes after it
        f"````md\n    {F}\n````\n",  # fewer characters than the opening fence
        f"- a\n\n    {F}sh\n    x\n    {F}\n",  # a fence in a list item, indented with it
        f"{F}\nx\n~~~\n",  # other characters: not a closing fence, only noted
    ],
)
def test_a_fence_that_is_not_unambiguously_broken_is_left_alone(body: str) -> None:
    text, notes = repair_fences(body, "p.md")
    assert text == body and not [n for n in notes if n.kind == "fence-repaired"]


def test_a_block_never_closed_is_noted_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "ca00000000000000000000001.md").write_text(
        '---\ntitle: "T"\ndatePublished: 2023-01-01\ncuid: ca00000000000000000000001\nslug: t\n---\n\nText.\n\n```\nnever closed\n'
    )
    (tmp_path / "ca00000000000000000000002.md").write_text(
        '---\ntitle: "U"\ndatePublished: 2023-01-01\ncuid: ca00000000000000000000002\nslug: u\n---\n\n```sh\nls\n    ```\n\nText.\n'
    )
    posts = [p for p in read_backup(tmp_path, use_git=False) if isinstance(p, Post)]
    lines = sorted(n.line() for p in posts for n in p.notes if n.kind.startswith("fence"))
    assert "the code block opened on line 10 is never closed" in lines[0]
    assert "closing code fence on line 10 repaired" in lines[1]
    (fixed,) = [p for p in posts if p.slug == "u"]
    assert fixed.body == (Markdown("```sh\nls\n```\n\nText.\n"),)


def _no_near_miss(block: str) -> bool:
    """A block whose content has no line that is its fence with only indentation or a no-break space
    wrong (such a line is what the repair reads as a broken closing fence)."""
    lines = block.split("\n")
    fence = lines[0][: len(lines[0]) - len(lines[0].lstrip(lines[0][0]))]
    return not any(
        len(run := line.strip(" \t\u00a0")) >= len(fence) and set(run) == {fence[0]} for line in lines[1:-2]
    )


correct_blocks = st.lists(
    st.one_of(prose(), block_construct, fenced_block().filter(_no_near_miss), indented_block()),
    min_size=1,
    max_size=6,
)


@examples(200, 1000)
@given(correct_blocks)
def test_a_post_with_correct_fences_is_not_changed(blocks: list[str]) -> None:
    body = "\n".join(blocks)
    text, notes = repair_fences(body, "p.md")
    assert text == body and not [n for n in notes if n.kind == "fence-repaired"]


@examples(200, 1000)
@given(correct_blocks, st.data())
def test_a_broken_closing_fence_is_repaired_to_the_correct_post(
    blocks: list[str], data: st.DataObject
) -> None:
    fenced = [i for i, block in enumerate(blocks) if block.startswith(("```", "~~~"))]
    assume(fenced)
    which = data.draw(st.sampled_from(fenced))
    lines = blocks[which].split("\n")
    damage = data.draw(st.sampled_from(["    ", "     ", "        ", "\u00a0", " \u00a0", "\t"]))
    after = data.draw(st.sampled_from(["", "\u00a0"])) if damage.strip(" \t") else ""
    lines[-2] = damage + lines[-2] + after
    broken = [*blocks[:which], "\n".join(lines), *blocks[which + 1 :]]
    body, damaged = "\n".join(blocks), "\n".join(broken)
    text, notes = repair_fences(damaged, "p.md")
    assert code_blocks(text) == code_blocks(body)
    assert text == body
    assert [n.kind for n in notes] == ["fence-repaired"]


@examples(200, 1000)
@given(st.one_of(correct_blocks.map("\n".join), any_text))
def test_fence_lines_are_the_lines_the_pattern_finds(text: str) -> None:
    # repair_fences' scan tries the fence pattern only on lines holding ``` or ~~~ (fast path): it
    # finds what the pattern finds over the whole text.
    assert [m.span() for m in _fence_lines(text)] == [m.span() for m in _FENCE_LINE.finditer(text)]


@pytest.mark.shared
def test_fence_lines_are_the_lines_the_pattern_finds_in_the_corpus(corpus_dir: Path) -> None:
    for path in sorted(corpus_dir.rglob("*.md")):
        text = path.read_text(encoding="utf-8", errors="replace")
        assert [m.span() for m in _fence_lines(text)] == [m.span() for m in _FENCE_LINE.finditer(text)]


def _destination_by_steps(text: str, i: int) -> tuple[str, int] | None:
    """_destination as it was, one character a step: what its fast path must agree with."""
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


@examples(200, 1000)
@given(st.text(alphabet=st.sampled_from("ab/:\\ \t\n()<>é"), max_size=40), st.integers(0, 40))
def test_a_destination_is_read_as_one_character_a_step_reads_it(text: str, at: int) -> None:
    assert _destination(text, at) == _destination_by_steps(text, at)


# ---- inline HTML in a callout ---------------------------------------------------------------------


@pytest.mark.parametrize("tag", sorted(RAW_INLINE_TAGS - {"wbr"}))
def test_inline_html_in_a_callout_is_kept_as_in_body_text(tmp_path: Path, tag: str) -> None:
    inline = f'<{tag} class="hl" title="a &amp; b">this</{tag}>'
    (tmp_path / "ca00000000000000000000001.md").write_text(
        '---\ntitle: "T"\ndatePublished: 2023-01-01\ncuid: ca00000000000000000000001\nslug: t\n---\n\n'
        '<div data-node-type="callout">\n<div data-node-type="callout-emoji">💡</div>\n'
        f'<div data-node-type="callout-text">Say {inline} <code>x<{tag}>y</{tag}></code></div>\n</div>\n\n'
        f"Body: {inline}\n"
    )
    for target in ("hugo", "jekyll", "devto", "wordpress"):
        out = tmp_path / target
        hashmigrate.convert(tmp_path, to=target, out=out)
        (page,) = [p for p in out.rglob("*") if p.suffix in {".md", ".html"}]
        text = page.read_text()
        if target == "jekyll":
            # kramdown passes what {::nomarkdown}...{:/} holds through as it is, markers dropped.
            text = text.replace("{::nomarkdown}", "").replace("{:/}", "")
        html = text if target == "wordpress" else MarkdownIt("commonmark").render(text)
        assert html.count(inline) == 2, (target, text)
        # In code it stays text, as markdownify has always written it.
        assert "<code>xy</code>" in html, (target, text)


@pytest.mark.parametrize(
    ("body", "emoji", "text"),
    [
        (
            '> <div data-node-type="callout">\n> <div data-node-type="callout-emoji">⚠️</div>\n'
            '> <div data-node-type="callout-text">Line one<br>\n> line <b>two</b></div>\n> </div>\n\nAfter.\n',
            "⚠️",
            "Line one<br>\nline <b>two</b>",
        ),
        (
            '> > <div data-node-type="callout">\n> > <div data-node-type="callout-emoji">💡</div>\n'
            '> > <div data-node-type="callout-text">Deep</div>\n> > </div>\n',
            "💡",
            "Deep",
        ),
        (  # a ">" past the quote's own is the callout's text
            '> <div data-node-type="callout">\n> <div data-node-type="callout-emoji">💡</div>\n'
            '> <div data-node-type="callout-text">x\n> > quoted? 3 > 2</div>\n> </div>\n',
            "💡",
            "x\n> quoted? 3 > 2",
        ),
        (  # not the exact markup Hashnode writes (a class more): read by the loose rule
            '> <div data-node-type="callout" class="x">\n> <div data-node-type="callout-emoji">💡</div>\n'
            '> <div data-node-type="callout-text">Loose\n> two</div>\n> </div>\n',
            "💡",
            "Loose\ntwo",
        ),
    ],
)
def test_a_callout_in_a_blockquote_holds_none_of_the_quotes_markers(body: str, emoji: str, text: str) -> None:
    # The quote's ">" on the callout's later lines were read into its text (a stray ">" shown after it).
    (callout,) = [node for node in parse_body(body) if isinstance(node, Callout)]
    assert (callout.emoji, callout.html) == (emoji, text)
