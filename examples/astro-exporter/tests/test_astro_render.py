"""Rendering of each body node and the front matter, checked the way Astro's Markdown (CommonMark + GFM)
will read it: markdown-it-py, a CommonMark parser, shows whether each piece stays one HTML block, inline
HTML or Markdown."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from pathlib import Path

import hashmigrate.exporter
import pytest
import yaml
from hashmigrate import registry
from hashmigrate.exporter import Site
from hashmigrate.model import Callout, Embed, Html, Image, Markdown, Mention, Node, Post, Tag, Widget
from markdown_it import MarkdownIt

from hashmigrate_astro import AstroBody, AstroExporter

DATE = datetime(2024, 8, 5, 21, 31, 8, tzinfo=UTC)


def post(*body: Node, **fields: object) -> Post:
    return Post(title="A post", slug="a-post", body=body, published=DATE, **fields)  # type: ignore[arg-type]


def body(*nodes: Node) -> tuple[str, list[str]]:
    renderer = AstroBody(post(*nodes))
    return renderer.render(renderer.post.tree), [n.kind for n in renderer.notes]


def blocks(text: str) -> list[str]:
    """Top-level block token types of ``text`` as CommonMark (with GFM tables) parses it."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    return [t.type for t in tokens if t.level == 0 and t.nesting >= 0]


def test_the_entry_point_finds_the_exporter() -> None:
    assert "astro" in registry.available()
    exporter = registry.create("astro")
    assert isinstance(exporter, AstroExporter)


@pytest.mark.parametrize(
    ("embed", "wanted"),
    [
        (
            Embed("https://youtu.be/Jk8bN3qR5tY", "youtube", {"id": "Jk8bN3qR5tY"}),
            "youtube-nocookie.com/embed/Jk8bN3qR5tY",
        ),
        (
            Embed(
                "https://www.youtube.com/watch?v=a1B2c3D4e5F&t=42s",
                "youtube",
                {"id": "a1B2c3D4e5F", "start": "42"},
            ),
            "embed/a1B2c3D4e5F?start=42",
        ),
        (
            Embed("https://youtube.com/playlist?list=PLx1", "youtube", {"playlist": "PLx1"}),
            "videoseries?list=PLx1",
        ),
        (
            Embed("https://vimeo.com/912345678", "vimeo", {"id": "912345678"}),
            "player.vimeo.com/video/912345678",
        ),
        (
            Embed("https://codepen.io/jane/pen/XWm", "codepen", {"user": "jane", "id": "XWm"}),
            "codepen.io/jane/embed/XWm",
        ),
        (
            Embed("https://codesandbox.io/s/k3x9q", "codesandbox", {"id": "k3x9q"}),
            "codesandbox.io/embed/k3x9q",
        ),
        (Embed("https://www.loom.com/share/" + "a" * 32, "loom", {"id": "a" * 32}), "loom.com/embed/"),
        (
            Embed("https://open.spotify.com/track/6yX", "spotify", {"kind": "track", "id": "6yX"}),
            "spotify.com/embed/track/6yX",
        ),
        (
            Embed("https://glitch.com/edit/#!/echo", "glitch", {"project": "echo"}),
            "glitch.com/embed/#!/embed/echo",
        ),
        (
            Embed("https://snack.expo.dev/@jane/cards", "expo", {"id": "@jane/cards"}),
            "snack.expo.dev/embedded/@jane/cards",
        ),
    ],
)
def test_frame_embeds_are_one_html_block_with_a_link_to_the_original(embed: Embed, wanted: str) -> None:
    text, notes = body(Markdown("Before\n\n"), embed, Markdown("\n\nAfter\n"))
    assert wanted in text and "<iframe " in text and notes == []
    assert f'<a href="{embed.url.replace("&", "&amp;")}">' in text
    assert blocks(text) == ["paragraph_open", "html_block", "paragraph_open"]


@pytest.mark.parametrize(
    ("embed", "wanted"),
    [
        (
            Embed("https://twitter.com/octodev/status/1651", "twitter", {"user": "octodev", "id": "1651"}),
            '<blockquote class="twitter-tweet">',
        ),
        (
            Embed("https://www.instagram.com/p/C9x/", "instagram", {"kind": "p", "id": "C9x"}),
            'data-instgrm-permalink="https://www.instagram.com/p/C9x/"',
        ),
        (
            Embed("https://gist.github.com/jane/3f9a1c", "gist", {"user": "jane", "id": "3f9a1c"}),
            '<script src="https://gist.github.com/jane/3f9a1c.js"></script>',
        ),
    ],
)
def test_script_embeds_keep_the_providers_markup(embed: Embed, wanted: str) -> None:
    text, notes = body(embed)
    assert wanted in text and embed.url in text and "\n" not in text and notes == []


def test_an_embed_with_no_frame_is_a_link_with_a_note() -> None:
    text, notes = body(Embed("https://git-scm.com/docs/git-worktree", "link"))
    assert text == "<https://git-scm.com/docs/git-worktree>" and notes == ["embed-as-link"]
    text, notes = body(
        Embed("https://github.com/jane/dotfiles", "github", {"owner": "jane", "repo": "dotfiles"})
    )
    assert "https://github.com/jane/dotfiles" in text and notes == ["embed-as-link"]


def test_an_embed_whose_url_is_not_http_is_text() -> None:
    text, notes = body(Embed("javascript:alert(1)", "youtube", {"id": "x"}))
    assert "<" not in text and notes == ["embed-as-text"]


def test_an_embed_in_a_list_item_stays_in_it() -> None:
    embed = Embed("https://youtu.be/Zx9Yw8Vu7Ts", "youtube", {"id": "Zx9Yw8Vu7Ts"}, indent="  ")
    text, _ = body(Markdown("* "), embed, Markdown("\n* next\n"))
    tokens = MarkdownIt("commonmark").parse(text)
    inside = [t.type for t in tokens if t.level > 0 and t.type == "html_block"]
    assert blocks(text) == ["bullet_list_open"] and inside == ["html_block"]


def test_plain_image_is_markdown_and_aligned_image_is_img_with_a_class() -> None:
    text, _ = body(Image("https://e.com/a.png", alt="An \\*image\\*", title='say "hi"'))
    assert text == '![An \\*image\\*](https://e.com/a.png "say \\"hi\\"")'
    text, _ = body(Image("https://e.com/a.png", alt="An \\*image\\*", align="center"))
    assert text == '<img src="https://e.com/a.png" alt="An *image*" class="align-center">'
    text, _ = body(Image("https://e.com/a.png?x=1&y=2", align="left", link="https://example.com"))
    assert (
        text
        == '<a href="https://example.com"><img src="https://e.com/a.png?x=1&amp;y=2" alt="" class="align-left"></a>'
    )


def test_an_image_inside_raw_html_is_an_img_tag() -> None:
    text, _ = body(
        Html("<center>"),
        Image("https://e.com/a.png", alt="old", align="center", in_html=True),
        Html("</center>"),
    )
    assert text == '<center><img src="https://e.com/a.png" alt="old" class="align-center"></center>'
    text, _ = body(Image("https://e.com/a.png", alt="x", align="justify", in_html=True))
    assert "class=" not in text  # an alignment that is no class of the layout is dropped


def test_an_image_that_is_not_http_is_its_alt_text() -> None:
    text, notes = body(Image("javascript:alert(1)", alt="the alt"))
    assert text == "the alt" and notes == ["image-as-text"]


def test_callout_is_one_aside_block_even_with_blank_lines() -> None:
    callout = Callout("💡", "<p>One <strong>bold</strong> &amp; more</p>\n\n  \n<p>Two</p>")
    text, _ = body(Markdown("Intro\n\n"), callout, Markdown("\n\nAfter\n"))
    assert '<aside class="callout" role="note"><span class="callout-emoji">💡</span>' in text
    assert "<strong>bold</strong> &amp; more" in text
    assert blocks(text) == ["paragraph_open", "html_block", "paragraph_open"]


def test_callout_in_a_blockquote_stays_in_it() -> None:
    text, _ = body(Markdown("> "), Callout("", "<p>a</p>\n<p>b</p>", indent="> "), Markdown("\n"))
    assert (
        text
        == '> <aside class="callout" role="note"><div class="callout-text"><p>a</p>\n> <p>b</p></div></aside>\n'
    )
    assert blocks(text) == ["blockquote_open"]


def test_mention_widget_html_and_markdown() -> None:
    text, notes = body(Mention("Alex <Kim>", "alexkim"))
    assert text == "[Alex &lt;Kim>](https://hashnode.com/@alexkim)" and notes == []
    text, notes = body(Widget("newsletter--signup"))
    assert text == "<!-- Hashnode widget: newsletter- -signup -->" and notes == ["widget"]
    raw = '<details><summary>More</summary>\n\n```js\nlet a = {b: "{{ c }}"};\n```\n</details>'
    assert body(Html(raw))[0] == raw
    # Astro's .md has no expressions (MDX does): braces and Liquid-like text pass through untouched.
    markdown = (
        "Use `{{ secrets.TOKEN }}` and {curly} <mark>marks</mark>\n\n```\n%[not an embed]\n{{< x >}}\n```\n"
    )
    assert body(Markdown(markdown))[0] == markdown


def test_front_matter_fits_the_collection_schema() -> None:
    exporter = AstroExporter()
    item = post(
        Markdown("Body\n"),
        subtitle="Sub",
        seo_description="Desc: with a colon",
        updated=datetime(2024, 9, 1, tzinfo=UTC),
        tags=(Tag("AI", "ai"), Tag("web-development", "web-development")),
        cover="https://cdn.hashnode.com/cover.png",
        og_image="https://cdn.hashnode.com/og.png",
        canonical_url="https://jane.example.org/original-post",
        series="Weekend",
        cuid="clzhfgd9o00120497lgrjj57k",
        hashnode_url="https://blog.example.dev/a-post",
    )
    rendered = exporter.render(item, Site())
    [written] = rendered.files
    assert written.path == "src/content/blog/a-post.md" and rendered.url == "/blog/a-post/"
    head, _, text = written.content[4:].partition("\n---\n")
    meta = yaml.safe_load(head)
    assert meta == {
        "title": "A post",
        "slug": "a-post",
        "description": "Desc: with a colon",
        "pubDate": "2024-08-05T21:31:08Z",
        "updatedDate": "2024-09-01T00:00:00Z",
        "heroImage": "https://cdn.hashnode.com/cover.png",
        "ogImage": "https://cdn.hashnode.com/og.png",
        "tags": ["AI", "web-development"],
        "canonicalURL": "https://jane.example.org/original-post",
        "series": "Weekend",
        "hashnode": {
            "cuid": "clzhfgd9o00120497lgrjj57k",
            "url": "https://blog.example.dev/a-post",
            "subtitle": "Sub",
        },
    }
    assert text == "\nBody\n"


def test_draft_and_odd_urls() -> None:
    rendered = AstroExporter().render(
        post(Markdown("x"), draft=True, cover="javascript:x", canonical_url="https://x.com/undefined"), Site()
    )
    meta = yaml.safe_load(rendered.files[0].content[4:].partition("\n---\n")[0])
    assert meta["draft"] is True and "heroImage" not in meta and "canonicalURL" not in meta
    assert {n.kind for n in rendered.notes} >= {"url-omitted"}


def test_heading_ids_are_astros() -> None:
    assert AstroExporter.heading_id("Embeds and Widgets") == "embeds-and-widgets"
    assert AstroExporter.heading_id("**Bold heading**") == "bold-heading"
    assert AstroExporter.heading_id("1\\. Why? `code` & ünïcödé 🚀") == "1-why-code--ünïcödé-"


def test_asset_path_is_under_public_and_absolute() -> None:
    exporter = AstroExporter(collection="notes")
    item = post()
    assert exporter.asset_path(item, "shot-1a2b3c4d", "png", False) == (
        "public/images/notes/a-post/shot-1a2b3c4d.png",
        "/images/notes/a-post/shot-1a2b3c4d.png",
    )
    assert exporter.asset_path(item, "x", "jpg", True)[1] == "/images/notes/a-post/cover.jpg"


def test_site_files_follow_the_collection_and_can_be_left_out() -> None:
    files = {f.path: f.content for f in AstroExporter(collection="notes").site_files(Site())}
    assert set(files) == {
        "package.json",
        "astro.config.mjs",
        "src/content.config.ts",
        "src/layouts/BaseLayout.astro",
        "src/pages/index.astro",
        "src/pages/notes/[...slug].astro",
    }
    assert "glob({ base: './src/content/notes'" in files["src/content.config.ts"]
    assert "pubDate: z.coerce.date()" in files["src/content.config.ts"]
    assert "render(post)" in files["src/pages/notes/[...slug].astro"]
    assert not any("__COLLECTION__" in text for text in files.values())
    assert AstroExporter(template=False).site_files(Site()) == ()
    assert "src/content.config.ts" in AstroExporter(template=False).advice()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"collection": "../up"}, "collection must be"),
        ({"collection": "Blog"}, "collection must be"),
        ({"template": "maybe"}, "template must be true or false"),
        ({"canonical": "sometimes"}, "canonical must be"),
        ({"colection": "x"}, "no such option"),
    ],
)
def test_bad_options_are_option_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(registry.OptionError, match=message):
        registry.create("astro", **options)


def test_the_template_shipped_in_the_package_is_complete() -> None:
    root = Path(__file__).resolve().parent.parent / "hashmigrate_astro" / "site"
    shipped = {
        p.relative_to(root).as_posix().replace("__COLLECTION__", "blog")
        for p in root.rglob("*")
        if p.is_file()
    }
    written = {f.path for f in AstroExporter().site_files(Site())}
    assert shipped == written


def test_declared_options_are_the_init_arguments() -> None:
    declared = AstroExporter.options
    if declared is None:
        # A hashmigrate without declared options: __init__ checks them (the tests above).
        assert not hasattr(hashmigrate.exporter, "Option")
        return
    params = inspect.signature(AstroExporter.__init__).parameters
    assert {o.name: o.default for o in declared} == {n: p.default for n, p in params.items() if n != "self"}
