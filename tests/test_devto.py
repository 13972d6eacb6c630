"""The dev.to exporter: front matter dev.to reads back unchanged, tags dev.to accepts, Liquid it can run.

Two oracles stand in for dev.to. ``liquid_render`` below is Liquid's tokenizer and ``raw`` tag (Ruby
Liquid's ``TemplateParser`` and ``Raw#parse``) after Forem's code escaping: what it returns is the text
readers would see. ``check_liquid`` and ``parse_front_matter`` come from the dev.to test server, which
emulates Forem's front matter fixer and its Liquid checks.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from support.corpus import code_blocks, source_body
from support.forem_server import check_liquid, parse_front_matter
from typer.testing import CliRunner

import hashmigrate
from exporters.devto import DevtoExporter, devto_tag, devto_tags, escape_liquid, liquid_tag
from hashmigrate.cli import app
from hashmigrate.embeds import classify
from hashmigrate.exporter import Site
from hashmigrate.hashnode import count_files
from hashmigrate.model import Embed, Html, Image, Markdown, Node, Post, Tag

ROOT = Path(__file__).resolve().parent.parent
BLOG_URL = "https://blog.example.dev"
TAG_RULE = re.compile(r"[^\W_]+")

# ---- a Liquid oracle --------------------------------------------------------------------------------

_FOREM_CODE = re.compile(r"\s*~{3}.*?~{3}|\s*`{3}.*?`{3}|`{2}.+?`{2}|`.+?`", re.S)
_TOKENS = re.compile(r"(\{%.*?%\}|\{\{.*?\}\}?|\{%|\{\{)", re.S)
_RAW_END = re.compile(r"\A(.*)\{%-?\s*(\w+)\s*(.*)?-?%\}\Z", re.S)
_TAG = re.compile(r"\{%-?\s*(\w+)\s*(.*?)-?%\}", re.S)
OUR_TAGS = {"twitter", "youtube", "vimeo", "gist", "codepen", "codesandbox", "github", "embed", "instagram"}


class LiquidError(Exception):
    pass


def liquid_render(body: str) -> str:
    """What dev.to shows for ``body``: code (as Forem finds it) verbatim, the rest through Liquid."""
    out: list[str] = []
    pos = 0
    for code in _FOREM_CODE.finditer(body):
        out.append(_render(body[pos : code.start()]))
        out.append(code.group(0))
        pos = code.end()
    out.append(_render(body[pos:]))
    return "".join(out)


def _render(text: str) -> str:
    tokens = iter(t for t in _TOKENS.split(text) if t)
    out: list[str] = []
    for token in tokens:
        if token.startswith("{{"):
            raise LiquidError(f"Liquid variables are disabled: {token!r}")
        if not token.startswith("{%"):
            out.append(token)
            continue
        tag = _TAG.fullmatch(token)
        if tag is None:
            raise LiquidError(f"Tag {token!r} was not properly terminated")
        if tag.group(1) == "raw":
            assert not tag.group(2).strip(), token
            for inner in tokens:
                end = _RAW_END.match(inner)
                if end and end.group(2) == "endraw":
                    out.append(end.group(1))
                    break
                out.append(inner)
            else:
                raise LiquidError("'raw' tag was never closed")
        elif tag.group(1) in OUR_TAGS:
            out.append(token)
        else:
            raise LiquidError(f"Unknown tag {tag.group(1)!r}")
    return "".join(out)


def test_the_oracle_follows_liquid() -> None:
    assert liquid_render("{% raw %}{{ x }}{% endraw %} y") == "{{ x }} y"
    assert liquid_render("{% raw %}{{{% endraw %} x") == "{{ x"
    assert liquid_render("{% raw %}{%{% endraw %} endraw %}") == "{% endraw %}"
    assert liquid_render("`{{ x }}` and ~~~\n{% if %}\n~~~") == "`{{ x }}` and ~~~\n{% if %}\n~~~"
    for bad in (
        "{{ x }}",
        "{% if x %}",
        "a {{ b",
        "{% raw %}never closed",
        "{% raw %}{% endraw %}{% endraw %}",
    ):
        with pytest.raises(LiquidError):
            liquid_render(bad)


# ---- helpers ----------------------------------------------------------------------------------------


def make_post(*body: Node | str, **fields: Any) -> Post:
    nodes = tuple(Markdown(part) if isinstance(part, str) else part for part in body)
    defaults: dict[str, Any] = {
        "title": "A post",
        "slug": "a-post",
        "cuid": "clx0000000000000000000001",
        "hashnode_url": f"{BLOG_URL}/a-post",
        "source": "a-post.md",
    }
    return Post(body=nodes, **{**defaults, **fields})


def render(post: Post, **options: Any) -> tuple[dict[str, Any], str, list[str]]:
    """The front matter (parsed by the dev.to server's rules), the body, and the note kinds."""
    rendered = DevtoExporter(**options).render(post, Site(blog_url=BLOG_URL))
    assert [f.path for f in rendered.files] == [f"{post.slug}.md"]
    content = rendered.files[0].content
    front, body = parse_front_matter(content)
    assert front == yaml.safe_load(content.split("---\n")[1])  # the fixer changed nothing
    return front, body, [n.kind for n in rendered.notes]


def embed(url: str) -> Embed:
    info = classify(url)
    return Embed(url=info.url, provider=info.provider, ids=info.ids)


# ---- tags -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "tag"),
    [
        ("web-dev", "webdev"),
        ("Web-Development", "webdevelopment"),
        ("100DaysOfCode", "100daysofcode"),
        ("node.js", "nodejs"),
        ("machine_learning", "machinelearning"),
        ("C++", "cpp"),
        ("c#", "csharp"),
        (".NET", "dotnet"),
        ("Español", "español"),
        ("---", ""),
    ],
)
def test_tags_become_lowercase_letters_and_digits(raw: str, tag: str) -> None:
    assert devto_tag(raw) == tag


def test_at_most_four_tags_and_the_rest_noted() -> None:
    assert devto_tags([Tag("C#", "c"), Tag(".NET", "net")])[0] == ["csharp", "dotnet"]  # slugs lost it
    tags = [Tag(s, s) for s in ("hashnode", "web-dev", "webdev", "a" * 31, "python", "go", "rust", "+")]
    kept, renamed, dropped = devto_tags(tags)
    assert kept == ["hashnode", "webdev", "python", "go"]
    assert ("web-dev", "webdev") in renamed
    assert [name for name, _ in dropped] == ["a" * 31, "rust", "+"]

    front, _, notes = render(make_post("Body\n", tags=tuple(tags)))
    assert front["tags"] == "hashnode, webdev, python, go"
    assert notes.count("tag-dropped") == 3 and "tag-renamed" in notes


# ---- front matter -----------------------------------------------------------------------------------


def test_front_matter_fields() -> None:
    post = make_post(
        "Body\n",
        subtitle="The subtitle",
        tags=(Tag("Kubernetes", "kubernetes"),),
        cover="https://cdn.example.com/cover.png",
        series="K8s basics",
        published=datetime(2023, 9, 21, 12, 23, 19, tzinfo=UTC),
    )
    front, body, _ = render(post)
    assert front == {
        "title": "A post",
        "published": False,
        "description": "The subtitle",
        "tags": "kubernetes",
        "canonical_url": f"{BLOG_URL}/a-post",
        "cover_image": "https://cdn.example.com/cover.png",
        "series": "K8s basics",
        "date": "2023-09-21T12:23:19Z",
    }
    assert body.strip() == "Body"


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (datetime(2023, 9, 21, 14, 23, 19, 500, tzinfo=timezone(timedelta(hours=2))), "2023-09-21T12:23:19Z"),
        (datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), "0999-01-02T03:04:05Z"),
        (datetime(2024, 2, 29, 23, 0, 0), "2024-02-29T23:00:00Z"),
    ],
)
def test_dates_are_the_same_instant_in_utc(moment: datetime, written: str) -> None:
    assert render(make_post("x", published=moment))[0]["date"] == written


def test_published_only_when_asked_and_never_for_a_hashnode_draft() -> None:
    assert render(make_post("x"))[0]["published"] is False
    assert render(make_post("x"), published=True)[0]["published"] is True
    assert render(make_post("x", draft=True), published=True)[0]["published"] is False


def test_canonical_url_choices() -> None:
    crossposted = make_post("x", canonical_url="https://jane.example.org/original")
    assert render(crossposted)[0]["canonical_url"] == "https://jane.example.org/original"
    assert render(make_post("x"))[0]["canonical_url"] == f"{BLOG_URL}/a-post"
    assert "canonical_url" not in render(make_post("x"), canonical="none")[0]
    moved = render(make_post("x"), canonical="https://new.example.com/posts/{slug}/")[0]
    assert moved["canonical_url"] == "https://new.example.com/posts/a-post/"

    front, _, notes = render(make_post("x", hashnode_url=None))
    assert "canonical_url" not in front and notes == ["canonical-omitted"]
    front, _, notes = render(make_post("x"), canonical="somewhere")
    assert "canonical_url" not in front and notes == ["canonical-omitted"]


@pytest.mark.parametrize(
    "title",
    [
        'Why "It Works on My Machine" Is a Bug Report',
        "Kubernetes: Probes, Explained — With Examples 🚀",
        r"Paths like C:\Users\jane and \n are text",
        "Subtitle: the description: field and title: too",
        "yes",
        "- a list? no",
        "#hashtag & *stars* | pipes > quotes '",
    ],
)
def test_titles_survive_devtos_front_matter_fixer(title: str) -> None:
    front, _, _ = render(make_post("x", title=title, subtitle=f"About {title}"))
    assert front["title"] == title
    assert front["description"] == f"About {title}"


@settings(max_examples=300, deadline=None)
@given(
    title=st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=128),
    description=st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=300),
)
def test_any_title_and_description_read_back_as_written(title: str, description: str) -> None:
    front, _, _ = render(make_post("x", title=title, seo_description=description))
    assert front["title"] == title
    assert front["description"] == description


def test_a_long_title_is_shortened_with_a_note() -> None:
    front, _, notes = render(make_post("x", title="word " * 40))
    assert len(front["title"]) <= 128 and front["title"].endswith("…")
    assert "title-shortened" in notes


# ---- Liquid -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Set {{ secrets.GITHUB_TOKEN }} and {% if x %} in prose.",
        "JSX in indented code:\n\n    <div style={{ color: 'red' }}>\n",
        "A lone {{ and a lone {% and {{{ triple }}} braces.",
        "Jekyll authors write {% raw %} and {% endraw %} literally.",
        "{% endraw %}{{ x {% endraw %} }}",
        "Inline `{{ not touched }}` and ``{% also %}`` code.",
        "~~~\n{{ fenced }}\n~~~\n\n```yaml\nkey: ${{ x }}\n```\n",
        "Odd ` backtick {{ a }} then ` later {{ b }}",
        "{{\nmulti\nline\n}}",
    ],
)
def test_liquid_in_the_authors_text_reads_as_written(text: str) -> None:
    escaped = escape_liquid(text)
    assert liquid_render(escaped) == text
    report = check_liquid(escaped)
    assert report.fatal is None and report.syntax_error is None


def test_code_is_left_exactly_as_dev_to_escapes_it() -> None:
    text = "`{{ x }}` and\n\n```\n{% include a.html %}\n```\n"
    assert escape_liquid(text) == text


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(["{", "}", "%", "{{", "}}", "{%", "%}", " ", "a", "raw", "endraw", "\n", "`", "~~~"]),
        max_size=40,
    ).map("".join)
)
def test_any_braces_and_backticks_read_as_written(text: str) -> None:
    escaped = escape_liquid(text)
    assert liquid_render(escaped) == text
    report = check_liquid(escaped)
    assert report.fatal is None and report.syntax_error is None


# ---- embeds -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://twitter.com/jane/status/1516125927452942338?s=20", "{% twitter 1516125927452942338 %}"),
        ("https://x.com/jack/status/20", None),  # too short for dev.to's tweet id check
        ("https://www.youtube.com/watch?v=XccNLyZutbU", "{% youtube XccNLyZutbU %}"),
        ("https://www.youtube.com/watch?v=XccNLyZutbU&t=1m12s", "{% youtube XccNLyZutbU?start=72 %}"),
        ("https://youtu.be/vpQi6Li_zuU?si=ipthTWe5fvExg1Q6", "{% youtube vpQi6Li_zuU %}"),
        ("https://www.youtube.com/playlist?list=PL4tJdkBbj_XXJgwJsoF9lIsbsZzP_qI9T", None),
        ("https://vimeo.com/76979871", "{% vimeo 76979871 %}"),
        (
            "https://gist.github.com/mtliendo/274a5c8f4bff90e58d3cb9fd351ecc59",
            "{% gist https://gist.github.com/mtliendo/274a5c8f4bff90e58d3cb9fd351ecc59 %}",
        ),
        ("https://gist.github.com/274a5c8f4bff90e58d3cb9fd351ecc59", None),  # dev.to needs the user
        (
            "https://codepen.io/travishorn/pen/gOpXwXV",
            "{% codepen https://codepen.io/travishorn/pen/gOpXwXV %}",
        ),
        (
            "https://codesandbox.io/s/cute-dog-tph85?file=/src/App.js&amp;fontsize=14",
            "{% codesandbox cute-dog-tph85 module=/src/App.js %}",
        ),
        ("https://github.com/focusOtter/eventbridge", "{% github focusOtter/eventbridge %}"),
        (
            "https://github.com/forem/forem/issues/6673",
            "{% github https://github.com/forem/forem/issues/6673 %}",
        ),
        ("https://github.com/forem/forem/tree/main/app", None),
        (
            "https://www.loom.com/share/0281766fa2d04bb788eaf19e65135184",
            "{% embed https://www.loom.com/share/0281766fa2d04bb788eaf19e65135184 %}",
        ),
        (
            "https://open.spotify.com/track/6r6n5OmXkdsOxN2iCj5UE0?si=82cfd1ed1bba4419",
            "{% embed https://open.spotify.com/track/6r6n5OmXkdsOxN2iCj5UE0 %}",
        ),
        ("https://www.instagram.com/p/C9xYz1AbCdE/", "{% instagram C9xYz1AbCdE %}"),
        ("https://glitch.com/edit/#!/hello-express", None),
        ("https://snack.expo.io/@iamshadmirza/tinder-cards", None),
        ("https://blogs.example.com/modular-terraform", None),
    ],
)
def test_embeds_use_devtos_liquid_tags_or_a_link(url: str, expected: str | None) -> None:
    node = embed(url)
    assert liquid_tag(node) == expected
    _, body, notes = render(make_post("Before\n\n", node, "\n\nAfter\n"))
    assert check_liquid(body).fatal is None and check_liquid(body).syntax_error is None
    if expected is None:
        assert f"<{node.url}>" in body and "embed-as-link" in notes
    else:
        assert expected in body and notes == []


def test_an_embed_that_dev_to_would_read_as_code_becomes_a_link() -> None:
    node = embed("https://youtu.be/vpQi6Li_zuU")
    _, body, notes = render(make_post("An odd ` backtick\n\n", node, "\n\nand ` another\n"))
    assert "{% youtube" not in body and "<https://youtu.be/vpQi6Li_zuU>" in body
    assert notes == ["embed-as-link"]


def test_embeds_in_lists_and_quotes_stay_in_them() -> None:
    _, body, _ = render(
        make_post("* ", Embed(**{**vars_of(embed("https://youtu.be/FAfhMXUiLuU")), "indent": "  "}), "\n")
    )
    assert body.strip() == "* {% youtube FAfhMXUiLuU %}"


def vars_of(node: Embed) -> dict[str, Any]:
    return {"url": node.url, "provider": node.provider, "ids": node.ids}


def test_an_iframe_with_a_known_player_becomes_its_liquid_tag() -> None:
    iframe = Html(
        '<iframe width="560" src="https://www.youtube.com/embed/Jk8bN3qR5tY" allowfullscreen></iframe>\n'
    )
    _, body, notes = render(make_post("Watch:\n\n", iframe, "\nDone.\n"))
    assert "{% youtube Jk8bN3qR5tY %}\n" in body and "<iframe" not in body
    assert notes == ["iframe-as-embed"]

    other = Html('<iframe src="https://example.com/widget"></iframe>\n')
    _, body, notes = render(make_post(other))
    assert "<iframe" in body and notes == ["html-removed"]


def test_image_alignment_is_dropped_with_one_note() -> None:
    post = make_post(
        Image("https://example.com/a.png", "a", align="center"),
        "\n\n",
        Image("https://example.com/b.png", "b", align="left", in_html=True),
        "\n\n",
        Image("https://example.com/c.png", "c"),
    )
    _, body, notes = render(post)
    assert "align" not in body
    assert (
        "![a](https://example.com/a.png)" in body and '<img src="https://example.com/b.png" alt="b">' in body
    )
    assert notes == ["image-align"]


# ---- whole files and the corpus ---------------------------------------------------------------------


def test_convert_writes_one_file_per_post(tmp_path: Path) -> None:
    out = tmp_path / "devto"
    result = CliRunner().invoke(
        app,
        [
            "convert",
            str(ROOT / "examples" / "blog"),
            "--to",
            "devto",
            "--out",
            str(out),
            "--blog-url",
            BLOG_URL,
        ],
    )
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.glob("*.md"))
    assert len(files) == 10
    assert "github-actions-secrets-without-tears.md" in files
    text = (out / "github-actions-secrets-without-tears.md").read_text()
    assert "{% raw %}{{ secrets.GITHUB_TOKEN }}{% endraw %}" in text
    assert "{% twitter 1651939285487513600 %}" in text


def test_every_corpus_file_renders_with_valid_tags_and_liquid(corpus_dir: Path) -> None:
    exporter = DevtoExporter()
    site = Site(blog_url="https://blog.example.com")
    files = posts = code = 0
    for author in sorted(p for p in corpus_dir.iterdir() if p.is_dir()):
        files += count_files(author)
        for item in hashmigrate.read_all(author, drafts=True, blog_url=site.blog_url):
            if not isinstance(item, Post):
                continue
            posts += 1
            content = exporter.render(item, site).files[0].content
            front, body = parse_front_matter(content)
            tags = [t.strip() for t in str(front.get("tags", "")).split(",") if t.strip()]
            assert len(tags) <= 4, item.source
            assert all(TAG_RULE.fullmatch(t) and t == t.lower() and len(t) <= 30 for t in tags), (
                item.source,
                tags,
            )
            assert front["title"] == item.title[:128] or len(item.title) > 128, item.source
            report = check_liquid(body)
            assert report.fatal is None and report.syntax_error is None, (item.source, report)
            shown = liquid_render(body)
            expected = code_blocks(source_body(Path(item.source)))
            assert code_blocks(shown) == expected, item.source
            code += len(expected)
    assert files == 2212
    assert posts > 1900
    assert code > 5000


def test_a_link_to_a_repeated_heading_lands_on_the_id_dev_to_gives_it(tmp_path: Path) -> None:
    # Forem gives every "Setup" heading the id "setup" (no count): Hashnode's #heading-setup-1 must
    # point there, not at "setup-1", which no heading on dev.to has.
    body = "[first](#heading-setup) [second](#heading-setup-1)\n\n## Setup\n\none\n\n## Setup\n\ntwo\n"
    (tmp_path / "clrepeat00000000000000001.md").write_text(
        "---\ntitle: Repeats\nslug: repeats\ndatePublished: Mon Jan 01 2024 10:00:00 GMT+0000\n---\n\n" + body
    )
    result = hashmigrate.convert(tmp_path, to="devto", out=tmp_path / "out")
    assert result.ok
    article = next((tmp_path / "out").rglob("*.md")).read_text()
    assert "[first](#setup)" in article and "[second](#setup)" in article
