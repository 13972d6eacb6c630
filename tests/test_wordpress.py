"""The WordPress exporter without a WordPress: block markup, code kept exact, and the WXR import file."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.shared import shared_file

import hashmigrate
from exporters.wordpress import WXR_FILE, WordPressExporter
from exporters.wordpress_blocks import BlockBody, Media, code_html, serialize_attributes
from hashmigrate.exporter import Site
from hashmigrate.hashnode.markdown import parse_body
from hashmigrate.model import Embed, Markdown, Post, Tag

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "blog"
NS = {
    "wp": "http://wordpress.org/export/1.2/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "dc": "http://purl.org/dc/elements/1.1/",
}

# WordPress 6.1's block delimiter (wp-includes/class-wp-block-parser.php), possessive quantifier and all.
_DELIMITER = re.compile(
    r"<!--\s+(?P<closer>/)?wp:(?P<namespace>[a-z][a-z0-9_-]*/)?(?P<name>[a-z][a-z0-9_-]*)\s+"
    r"(?P<attrs>\{(?:(?:[^}]+|\}+(?=\})|(?!\}\s+/?-->).)*+)?\}\s+)?(?P<void>/)?-->",
    re.S,
)


def block_outline(markup: str) -> list[tuple[int, str, dict[str, object]]]:
    """(depth, name, attrs) of every block, the way WordPress's parser sees them.

    Fails on what WordPress would turn into a classic (freeform) block: text between top-level
    blocks, or a closer that does not match its opener.
    """
    stack: list[str] = []
    outline: list[tuple[int, str, dict[str, object]]] = []
    pos = 0
    for match in _DELIMITER.finditer(markup):
        if not stack:
            assert not markup[pos : match.start()].strip(), f"freeform text: {markup[pos : match.start()]!r}"
        name = (match["namespace"] or "core/") + match["name"]
        if match["closer"]:
            assert stack and stack[-1] == name, f"{name} closed while {stack} open"
            stack.pop()
        else:
            attrs = json.loads(match["attrs"]) if match["attrs"] else {}
            outline.append((len(stack), name, attrs))
            if not match["void"]:
                stack.append(name)
        pos = match.end()
    assert not stack, f"unclosed blocks: {stack}"
    assert not markup[pos:].strip(), f"freeform text at the end: {markup[pos:]!r}"
    return outline


def post_of(body: str, **fields: object) -> Post:
    values: dict[str, object] = {"title": "T", "slug": "t", "body": parse_body(body), "source": "t.md"}
    values.update(fields)
    return Post(**values)  # type: ignore[arg-type]


def markup_of(body: str, media: dict[str, Media] | None = None) -> tuple[str, BlockBody]:
    renderer = BlockBody(post_of(body), media)
    return renderer.markup(), renderer


def code_blocks(markup: str) -> list[str]:
    return [
        html.unescape(m)
        for m in re.findall(r'<pre class="wp-block-code[^"]*"><code>(.*?)</code></pre>', markup, re.S)
    ]


# ---- block markup ------------------------------------------------------------------------------


def test_every_element_becomes_its_block() -> None:
    body = (
        "# Title\n\nA *para* with ~~old~~ text.\n\n- one\n- two\n  1. nested\n\n> quoted\n\n"
        "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n---\n\n```python\nx = 1\n```\n\n"
        '![cat](https://e.x/cat.png align="right")\n\n%[https://youtu.be/abcdefghijk]\n'
    )
    markup, _ = markup_of(body)
    outline = [(depth, name) for depth, name, _ in block_outline(markup)]
    assert outline == [
        (0, "core/heading"),
        (0, "core/paragraph"),
        (0, "core/list"),
        (1, "core/list-item"),
        (1, "core/list-item"),
        (2, "core/list"),
        (3, "core/list-item"),
        (0, "core/quote"),
        (1, "core/paragraph"),
        (0, "core/table"),
        (0, "core/separator"),
        (0, "core/code"),
        (0, "core/image"),
        (0, "core/embed"),
    ]
    assert "<s>old</s>" in markup
    assert '<td class="has-text-align-right" data-align="right">2</td>' in markup
    assert (
        '<figure class="wp-block-image alignright"><img src="https://e.x/cat.png" alt="cat"/></figure>'
        in markup
    )
    assert '<!-- wp:heading {"level":1} -->\n<h1 id="heading-title">Title</h1>' in markup


def test_embeds_use_wordpress_provider_slugs_and_x_becomes_twitter() -> None:
    post = post_of("")
    post = Post(
        title="T",
        slug="t",
        body=(
            Embed("https://x.com/jack/status/20", "twitter", {"user": "jack", "id": "20"}),
            Markdown("\n\n"),
            Embed("https://vimeo.com/1234", "vimeo", {"id": "1234"}),
            Markdown("\n\n"),
            Embed(
                "https://gist.github.com/a/0123456789abcdef", "gist", {"id": "0123456789abcdef", "user": "a"}
            ),
            Markdown("\n"),
        ),
    )
    renderer = BlockBody(post)
    outline = block_outline(renderer.markup())
    assert [(name, attrs.get("providerNameSlug"), attrs.get("url")) for _, name, attrs in outline] == [
        ("core/embed", "twitter", "https://twitter.com/jack/status/20"),
        ("core/embed", "vimeo", "https://vimeo.com/1234"),
        ("core/html", None, None),
    ]
    assert "x.com" not in renderer.markup()
    assert '<script src="https://gist.github.com/a/0123456789abcdef.js"></script>' in renderer.markup()


def test_generic_link_embed_is_a_link_with_a_note() -> None:
    markup, renderer = markup_of("%[https://example.org/page]\n")
    assert markup == (
        '<!-- wp:paragraph -->\n<p><a href="https://example.org/page">https://example.org/page</a></p>\n'
        "<!-- /wp:paragraph -->"
    )
    assert [n.kind for n in renderer.notes] == ["embed-as-link"]


def test_mentions_link_to_hashnode_profiles() -> None:
    markup, _ = markup_of("Thanks @[Jane \\_Doe](@jane_d)!\n")
    assert '<p>Thanks <a href="https://hashnode.com/@jane_d">Jane _Doe</a>!</p>' in markup


def test_callout_is_a_styled_group_with_its_text_as_blocks() -> None:
    body = (
        '<div data-node-type="callout">\n<div data-node-type="callout-emoji">💡</div>\n'
        '<div data-node-type="callout-text">Use <strong>care</strong> &amp; tests.</div>\n</div>\n'
    )
    markup, _ = markup_of(body)
    outline = block_outline(markup)
    assert [(d, n) for d, n, _ in outline] == [(0, "core/group"), (1, "core/paragraph")]
    assert outline[0][2] == {"className": "hashnode-callout", "style": {"color": {"background": "#f0f7ff"}}}
    assert "<p>💡 Use <strong>care</strong> &amp; tests.</p>" in markup


def test_uploaded_image_carries_its_media_id() -> None:
    src = "https://cdn.hashnode.com/a.png"
    markup, _ = markup_of(f'![a]({src} align="center")\n', {src: Media("https://wp.example/up/a.png", 42)})
    assert block_outline(markup)[0][2] == {"align": "center", "id": 42, "sizeSlug": "full"}
    assert (
        '<figure class="wp-block-image aligncenter size-full">'
        '<img src="https://wp.example/up/a.png" alt="a" class="wp-image-42"/></figure>'
    ) in markup
    assert src not in markup


def test_unknown_alignment_is_dropped_with_a_note() -> None:
    markup, renderer = markup_of('![a](https://e.x/a.png align="middle")\n')
    assert block_outline(markup)[0] == (0, "core/image", {})
    assert [n.kind for n in renderer.notes] == ["image-align"]


def test_list_with_code_or_an_embed_nests_their_blocks_in_the_item() -> None:
    """Issue #15: such a list was one wp:html block, which the editor shows as raw HTML to edit."""
    markup, renderer = markup_of(
        "- step:\n\n  ```sh\n  echo [x]\n  ```\n- watch\n\n  %[https://youtu.be/dQw4w9WgXcQ]\n"
    )
    assert [(depth, name) for depth, name, _ in block_outline(markup)] == [
        (0, "core/list"),
        (1, "core/list-item"),
        (2, "core/code"),
        (1, "core/list-item"),
        (2, "core/embed"),
    ]
    assert '<li>step:<!-- wp:code {"className":"language-sh"} -->' in markup
    assert code_blocks(markup) == ["echo [x]"]
    assert renderer.notes == []


def test_list_with_raw_html_stays_one_html_block() -> None:
    markup, renderer = markup_of(
        "- step:\n\n  <details>\n  <summary>more</summary>\n\n  said [x]\n\n  </details>\n- done\n"
    )
    assert [name for _, name, _ in block_outline(markup)] == ["core/html"]
    assert [n.kind for n in renderer.notes] == ["list-as-html"]


def test_details_around_a_fence_is_one_html_block() -> None:
    markup, _ = markup_of("<details>\n<summary>S</summary>\n\n```\na < b\n```\n\n</details>\n\nAfter.\n")
    outline = block_outline(markup)
    assert [name for _, name, _ in outline] == ["core/html", "core/paragraph"]
    assert "<details>\n<summary>S</summary>\n<pre><code>a &lt; b</code></pre>\n</details>" in markup


def test_heading_anchors_match_hashnode_and_stay_unique() -> None:
    markup, _ = markup_of("## 5. CHECK Constraint\n\n## Setup\n\n## Setup\n")
    assert re.findall(r'id="([^"]+)"', markup) == [
        "heading-5-check-constraint",
        "heading-setup",
        "heading-setup-1",
    ]


def test_text_that_looks_like_a_placeholder_is_left_alone() -> None:
    markup, _ = markup_of("hmwpnode0x and hmwpnodeq0x stay.\n\n@[A](@a)\n")
    assert "<p>hmwpnode0x and hmwpnodeq0x stay.</p>" in markup
    assert '<p><a href="https://hashnode.com/@a">A</a></p>' in markup


def test_raw_html_cannot_open_a_block() -> None:
    markup, _ = markup_of("<div>\n<!-- wp:paragraph -->\n</div>\n")
    assert [name for _, name, _ in block_outline(markup)] == ["core/html"]


def test_attributes_cannot_end_the_comment() -> None:
    text = serialize_attributes({"url": "https://e.x/?a=1&b=<-->", "q": 'say "hi"'})
    assert "--" not in text and "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"url": "https://e.x/?a=1&b=<-->", "q": 'say "hi"'}


def test_code_is_escaped_against_wordpress_filters() -> None:
    code = "[gallery ids=1]\nhttps://youtu.be/abcdefghijk\n  http://a.b/c  \nWordpress & <b>"
    escaped = code_html(code)
    assert "[" not in escaped and "Wordpress" not in escaped and "<b>" not in escaped
    assert not re.search(r"^\s*https?://", escaped, re.M)
    assert html.unescape(escaped) == code


_CODE_TEXT = st.text(
    # No surrogates (not text), no NUL (CommonMark replaces it), no line breaks other than \n.
    alphabet=st.characters(codec="utf-8", exclude_characters="\r\x00\x0b\x0c\x85\u2028\u2029"),
    max_size=200,
)


@settings(max_examples=300, deadline=None)
@given(_CODE_TEXT)
def test_fenced_code_comes_out_byte_exact(code: str) -> None:
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    markup, _ = markup_of(f"Intro.\n\n{fence}text\n{code}\n{fence}\n")
    # Code ending with an empty line keeps its last line break too, or a browser would not show that line.
    assert code_blocks(markup) == [code + "\n" if code.endswith("\n") else code]
    block_outline(markup)


@pytest.mark.parametrize(
    "path", sorted(p for p in EXAMPLES.glob("*.md") if p.name != "README.md"), ids=lambda p: p.stem
)
def test_examples_are_all_blocks_and_code_is_exact(path: Path) -> None:
    posts = list(hashmigrate.load(path, drafts=True))
    assert len(posts) == 1
    markup, _ = WordPressExporter().body(posts[0])
    block_outline(markup)
    source = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    fences = re.findall(r"^( *)(```+|~~~+)[^\n]*\n(.*?)^\1\2\s*$", source, re.M | re.S)
    expected = [re.sub(rf"(?m)^{indent}", "", body).removesuffix("\n") for indent, _, body in fences]
    found = code_blocks(markup) + [
        html.unescape(m)
        for m in re.findall(r'<pre><code(?: class="[^"]*")?>(.*?)</code></pre>', markup, re.S)
    ]
    for code in expected:
        assert code in found


# ---- WXR ---------------------------------------------------------------------------------------


def wxr_of(posts: list[Post], **options: str) -> tuple[str, WordPressExporter]:
    exporter = WordPressExporter(**options)
    site = Site(blog_url="https://blog.example.dev")
    rendered = [exporter.render(post, site) for post in posts]
    (file,) = exporter.finish(rendered, site)
    assert file.path == WXR_FILE
    return file.content, exporter


def items(root: ET.Element, kind: str) -> list[ET.Element]:
    return [i for i in root.iterfind("channel/item") if i.findtext("wp:post_type", namespaces=NS) == kind]


def paths(element: ET.Element, prefix: str = "") -> set[str]:
    found = set()
    for child in element:
        path = f"{prefix}/{child.tag}"
        found.add(path)
        found |= paths(child, path)
    return found


def test_wxr_has_everything_the_minimal_accepted_file_has() -> None:
    minimal = ET.parse(shared_file("specs", "wxr-1.2-minimal.xml")).getroot()
    post = post_of(
        "Hello ![x](https://cdn.example/body.png)\n",
        cover="https://cdn.example/cover.png",
        tags=(Tag("Python", "python"),),
        series="Tutorials",
        published=datetime(2023, 5, 1, 10, 0, tzinfo=UTC),
    )
    ours = ET.fromstring(wxr_of([post])[0].encode("utf-8"))
    assert ours.tag == minimal.tag == "rss"
    channel_min = {p for p in paths(minimal.find("channel")) if "/item" not in p}  # type: ignore[arg-type]
    channel_ours = {p for p in paths(ours.find("channel")) if "/item" not in p}  # type: ignore[arg-type]
    assert channel_min <= channel_ours
    for kind in ("post", "attachment"):
        (want,) = items(minimal, kind)
        assert paths(want) <= paths(items(ours, kind)[0])
        want_attrs = {c.tag: set(c.attrib) for c in want}
        for tag, attrs in want_attrs.items():
            element = items(ours, kind)[0].find(tag)
            assert element is not None and attrs <= set(element.attrib), tag


def test_wxr_post_fields_featured_image_terms_and_canonical() -> None:
    post = post_of(
        "![a](https://cdn.example/body.png)\n\nText ![b](https://cdn.example/cover.png)\n",
        slug="hello-world",
        title="Hello & <World> ]]> too",
        cover="https://cdn.example/cover.png",
        tags=(Tag("AI", "ai"), Tag("web dev", "")),
        series="Deep Dives",
        seo_description="Short & sweet",
        canonical_url="https://jane.example.org/hello",
        cuid="clx0",
        published=datetime(2024, 1, 31, 23, 30, tzinfo=UTC),
    )
    document, _ = wxr_of([post], timezone="Europe/Berlin", category="Blog")
    root = ET.fromstring(document.encode("utf-8"))
    (item,) = items(root, "post")
    # WordPress shows a title as HTML: Hashnode's plain text is escaped.
    assert item.findtext("title") == "Hello &amp; &lt;World&gt; ]]&gt; too"
    assert item.findtext("wp:post_name", namespaces=NS) == "hello-world"
    assert item.findtext("wp:status", namespaces=NS) == "publish"
    assert item.findtext("wp:post_date_gmt", namespaces=NS) == "2024-01-31 23:30:00"
    assert item.findtext("wp:post_date", namespaces=NS) == "2024-02-01 00:30:00"
    assert item.findtext("excerpt:encoded", namespaces=NS) == "Short &amp; sweet"
    terms = {(c.get("domain"), c.get("nicename"), c.text) for c in item.iterfind("category")}
    assert terms == {
        ("category", "deep-dives", "Deep Dives"),
        ("category", "blog", "Blog"),
        ("post_tag", "ai", "AI"),
        ("post_tag", "web-dev", "web dev"),
    }
    declared = {t.findtext("wp:tag_slug", namespaces=NS) for t in root.iterfind("channel/wp:tag", NS)}
    declared |= {
        c.findtext("wp:category_nicename", namespaces=NS) for c in root.iterfind("channel/wp:category", NS)
    }
    assert declared == {"deep-dives", "blog", "ai", "web-dev"}
    meta = {
        m.findtext("wp:meta_key", namespaces=NS): m.findtext("wp:meta_value", namespaces=NS)
        for m in item.iterfind("wp:postmeta", NS)
    }
    attachments = {a.findtext("wp:attachment_url", namespaces=NS): a for a in items(root, "attachment")}
    assert set(attachments) == {"https://cdn.example/cover.png", "https://cdn.example/body.png"}
    cover = attachments["https://cdn.example/cover.png"]
    assert meta["_thumbnail_id"] == cover.findtext("wp:post_id", namespaces=NS)
    assert cover.findtext("wp:post_parent", namespaces=NS) == item.findtext("wp:post_id", namespaces=NS)
    assert (
        meta["_yoast_wpseo_canonical"] == meta["rank_math_canonical_url"] == "https://jane.example.org/hello"
    )
    ids = [i.findtext("wp:post_id", namespaces=NS) for i in root.iterfind("channel/item")]
    assert len(ids) == len(set(ids)) == 3


def test_wxr_is_well_formed_whatever_the_text() -> None:
    nasty = "a]]>b <c> & \x00\x01\x0c\x1b d \ud800 e \ufffe f 🚀"
    post = post_of(f"{nasty}\n\n```\n{nasty}\n```\n", title=nasty, slug="nasty", subtitle=nasty)
    document, exporter = wxr_of([post])
    root = ET.fromstring(document.encode("utf-8"))
    (item,) = items(root, "post")
    assert item.findtext("title") == "a]]&gt;b &lt;c&gt; &amp;  d  e  f 🚀"
    content = item.findtext("content:encoded", namespaces=NS) or ""
    # CommonMark turns NUL into U+FFFD, and the parse a lone surrogate (no character at all); what XML
    # cannot hold is dropped.
    assert code_blocks(content) == ["a]]>b <c> & \ufffd d \ufffd e  f 🚀"]
    assert [n.kind for n in exporter.render(post, Site()).notes] == ["control-character"]


def test_drafts_are_drafts_and_dates_may_be_unknown() -> None:
    document, _ = wxr_of([post_of("x\n", draft=True)])
    (item,) = items(ET.fromstring(document.encode("utf-8")), "post")
    assert item.findtext("wp:status", namespaces=NS) == "draft"
    assert item.findtext("wp:post_date_gmt", namespaces=NS) == ""


def test_bad_timezone_is_refused() -> None:
    with pytest.raises(ValueError, match="IANA"):
        WordPressExporter(timezone="Mars/Olympus")


def test_convert_writes_the_wxr(tmp_path: Path) -> None:
    result = hashmigrate.convert(EXAMPLES, to="wordpress", out=tmp_path, blog_url="https://blog.example.dev")
    assert result.ok
    assert result.site_files == [str(tmp_path / WXR_FILE)]
    root = ET.parse(tmp_path / WXR_FILE).getroot()
    written = Counter(p.slug for p in result.posts if p.status == "written")
    assert len(written) == 10
    assert Counter(i.findtext("wp:post_name", namespaces=NS) for i in items(root, "post")) == written
    for post in result.posts:
        if post.slug:
            assert (tmp_path / "posts" / f"{post.slug}.html").is_file()


@pytest.mark.shared
@pytest.mark.slow
def test_corpus_wxr_is_well_formed_and_has_every_post_once(corpus_dir: Path, tmp_path: Path) -> None:
    assert len(list(corpus_dir.rglob("*.md"))) >= 2101
    published = 0
    for blog in sorted(p for p in corpus_dir.iterdir() if p.is_dir()):
        out = tmp_path / blog.name
        result = hashmigrate.convert(blog, to="wordpress", out=out, blog_url="https://blog.example.dev")
        assert not [p.message for p in result.posts if "could not render" in (p.message or "")]
        root = ET.parse(out / WXR_FILE).getroot()
        want = Counter(p.slug for p in result.posts if p.status == "written")
        assert Counter(i.findtext("wp:post_name", namespaces=NS) for i in items(root, "post")) == want
        for item in items(root, "post"):
            block_outline(item.findtext("content:encoded", namespaces=NS) or "")
        published += len(want)
    assert published >= 1800


# ---- the publisher's set-up (no WordPress needed) ----------------------------------------------


def test_publisher_routes_work_with_and_without_pretty_permalinks() -> None:
    from exporters.wordpress_publish import WordPressPublisher
    from hashmigrate.http import Secret

    plain = WordPressPublisher("https://blog.example.org/", "u", Secret("p"))
    assert (
        plain.route("/wp/v2/posts", {"slug": "a b"})
        == "https://blog.example.org/?rest_route=/wp/v2/posts&slug=a+b"
    )
    pretty = WordPressPublisher("https://blog.example.org/wp-json", "u", Secret("p"))
    assert pretty.route("/wp/v2/tags") == "https://blog.example.org/wp-json/wp/v2/tags"
    assert plain.target == "wordpress:https://blog.example.org"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "WP_URL"),
        ({"WP_URL": "ftp://x"}, "http(s)"),
        ({"WP_URL": "https://u:p@x.org"}, "WP_USER"),
        ({"WP_URL": "https://x.org"}, "WP_USER"),
        ({"WP_URL": "https://x.org", "WP_USER": "u"}, "WP_APP_PASSWORD"),
    ],
)
def test_publisher_settings_are_checked(env: dict[str, str], message: str) -> None:
    from exporters.wordpress_publish import create_publisher
    from hashmigrate.publish import ConfigError, PublishConfig

    with pytest.raises(ConfigError, match=re.escape(message)):
        create_publisher(PublishConfig(env=env))


def test_publisher_settings_precedence_and_dry_run_without_password() -> None:
    from exporters.wordpress_publish import create_publisher
    from hashmigrate.publish import PublishConfig

    env = {"WP_URL": "https://env.example", "WP_USER": "env-user"}
    flags = create_publisher(
        PublishConfig(dry_run=True, env=env), url="https://flag.example", user="flag-user"
    )
    assert flags.endpoint == "https://flag.example"
    options = PublishConfig(dry_run=True, env=env, exporter_options={"wp_url": "https://file.example"})
    assert create_publisher(options).endpoint == "https://file.example"
    assert create_publisher(PublishConfig(dry_run=True, env=env)).endpoint == "https://env.example"


# No "~~": markdown-it's strikethrough reads runs of four tildes otherwise than GitHub's (and ours).
_ALT_PIECES = st.lists(
    st.sampled_from(
        [
            *("word", " ", "[link](https://l.dev)", "`co|de`", "\\*", "\\_", "*em*", "**strong**"),
            *("&amp;", "&lt;T&gt;", "&copy;", "\\[", "<b>", "![inner](i.png)", "a_b", "é", "|"),
        ]
    ),
    max_size=8,
).map("".join)


@given(alt=_ALT_PIECES)
@settings(max_examples=300, deadline=None)
def test_image_alt_text_is_what_commonmark_shows(alt: str) -> None:
    # The alt a reader's browser gets: CommonMark's plain text of the alt's Markdown (markdown-it, a second
    # implementation, renders the same image); verify found links written into it as Markdown.
    from markdown_it import MarkdownIt

    from exporters.wordpress_blocks import _alt

    rendered = MarkdownIt("commonmark").render(f"![{alt}](x)")
    image = re.fullmatch(r'<p><img src="x" alt="([^"]*)" /></p>\n', rendered)
    if image is None:
        return  # brackets that do not pair: no image to compare
    assert _alt(alt) == html.unescape(image.group(1))


def test_a_run_whose_posts_all_fail_keeps_the_whole_blog_file_and_one_that_loses_some_says_so(
    tmp_path: Path,
) -> None:
    # The WXR is every post of the blog: a re-run whose posts failed replaced a good one with an empty one.
    import json

    def export(*bodies: object) -> Path:
        folder = tmp_path / f"src{len(list(tmp_path.glob('src*')))}"
        folder.mkdir()
        posts = [
            {"title": f"P{n}", "slug": f"p{n}", "contentMarkdown": body, "dateAdded": "2025-05-12T07:43:20Z"}
            for n, body in enumerate(bodies)
        ]
        path = folder / "a-articles.json"
        path.write_text(json.dumps({"posts": posts}))
        return path

    out = tmp_path / "out"
    first = hashmigrate.convert(export("Hi\n", "There\n"), to="wordpress", out=out)
    wxr = out / "wordpress-import.xml"
    assert first.ok and wxr.read_text().count("<item>") == 2
    kept = wxr.read_bytes()
    none = hashmigrate.convert(export(None, None), to="wordpress", out=out)
    assert not none.ok and wxr.read_bytes() == kept
    assert none.warnings == ["no post was converted: wordpress's file of the whole blog not written"]
    some = hashmigrate.convert(export("Hi\n", None), to="wordpress", out=out)
    assert not some.ok and wxr.read_text().count("<item>") == 1
    assert some.warnings == ["wordpress-import.xml holds 1 post(s); the 1 that failed are not in it"]
