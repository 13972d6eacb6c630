"""Links between the blog's posts, heading anchors, and the redirect map."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from support.examples import examples

import hashmigrate
import hashmigrate.api
import hashmigrate.links as links_module
from hashmigrate.canonical import implausible
from hashmigrate.document import flat_view
from hashmigrate.embeds import classify
from hashmigrate.links import (
    LinkIndex,
    hashnode_heading_id,
    hashnode_heading_ids,
    one_word_apart,
    plain_heading,
    rewrite_links,
    slugs_from_links,
    write_redirects,
)
from hashmigrate.model import Embed, Markdown, Post

EXAMPLES = Path(__file__).parent.parent / "examples" / "blog"


def post(tmp: Path, cuid: str, slug: str, body: str, canonical: str = "") -> None:
    extra = f"canonical: {canonical}\n" if canonical else ""
    (tmp / f"{cuid}.md").write_text(
        f'---\ntitle: "{slug}"\ndatePublished: 2023-01-01\ncuid: {cuid}\nslug: {slug}\n{extra}\n---\n\n{body}'
    )


def test_hashnode_heading_ids() -> None:
    # Punctuation is deleted, not made a hyphen, as the tables of contents of real posts show.
    assert hashnode_heading_id("TOCs on dev.to") == "heading-tocs-on-devto"
    assert (
        hashnode_heading_id("The magic of Kotlin's standard library")
        == "heading-the-magic-of-kotlins-standard-library"
    )
    assert hashnode_heading_id("In Python 3.10 and newer") == "heading-in-python-310-and-newer"
    assert hashnode_heading_id("Django Models - generics not supported") == (
        "heading-django-models-generics-not-supported"
    )
    assert hashnode_heading_id("Exception chaining (and the magic of `__context__` )") == (
        "heading-exception-chaining-and-the-magic-of-context"
    )
    # A link in a heading keeps its text and its address; an entity written as one stays one.
    assert hashnode_heading_id("[I. Codebase](https://12factor.net/codebase)") == (
        "heading-i-codebasehttps12factornetcodebase"
    )
    assert hashnode_heading_id("A simple implementation (&lt; 20 lines!)") == (
        "heading-a-simple-implementation-lt-20-lines"
    )
    assert hashnode_heading_ids(["Overview", "Analysis", "Overview", "Overview"]) == [
        "heading-overview",
        "heading-analysis",
        "heading-overview-1",
        "heading-overview-2",
    ]
    assert hashnode_heading_id("5. CHECK constraint") == "heading-5-check-constraint"
    assert (
        hashnode_heading_id("**Basic Code Smells & Refactorings**")
        == "heading-basic-code-smells-amp-refactorings"
    )
    assert (
        plain_heading("Use `git` with [links](https://x.y) and <mark>marks</mark>")
        == "Use git with links and marks"
    )


def test_links_and_anchors_are_rewritten_outside_code_only(tmp_path: Path) -> None:
    post(tmp_path, "ca00000000000000000000001", "first", "## Adding a Deploy Key\n\nText.\n")
    post(
        tmp_path,
        "ca00000000000000000000002",
        "second",
        "See [it](https://blog.example.dev/first#heading-adding-a-deploy-key), <https://blog.example.dev/first/>,\n"
        '<a href="https://blog.example.dev/first">html</a>, [gone](https://blog.example.dev/deleted-post),\n'
        "[below](#heading-below), [bad](#heading-nope) and `[code](https://blog.example.dev/first)`.\n\n"
        "```\n[fenced](https://blog.example.dev/first)\n```\n\n## Below\n",
    )
    out = tmp_path / "site"
    result = hashmigrate.convert(tmp_path, to="hugo", out=out, blog_url="https://blog.example.dev")
    page = (out / "content" / "posts" / "second" / "index.md").read_text()
    assert "[it](/posts/first/#adding-a-deploy-key)" in page
    # An autolink cannot hold a site-relative URL: it becomes a link to the new address that shows the
    # address the author showed, as Hashnode's page does (the old address redirects to the new one).
    assert "[https://blog.example.dev/first/](/posts/first/)," in page
    html = MarkdownIt("commonmark").render(page)
    assert '<a href="/posts/first/">https://blog.example.dev/first/</a>' in html
    assert '<a href="/posts/first/">html</a>' in page
    assert "[gone](https://blog.example.dev/deleted-post)" in page
    assert "[below](#below)" in page and "[bad](#heading-nope)" in page
    assert "`[code](https://blog.example.dev/first)`" in page
    assert "[fenced](https://blog.example.dev/first)" in page
    kinds = [n.kind for n in result.notes]
    assert kinds.count("link-unresolved") == 1 and kinds.count("anchor-unresolved") == 1
    assert ("/first", "/posts/first/") in result.redirects
    assert ("/first-ca00000000000000000000001", "/posts/first/") in result.redirects


def test_blog_host_is_found_without_blog_url(tmp_path: Path) -> None:
    post(
        tmp_path, "ca00000000000000000000001", "first", "Text.\n", canonical="https://jane.hashnode.dev/first"
    )
    post(
        tmp_path,
        "ca00000000000000000000002",
        "second",
        "[x](https://jane.hashnode.dev/first) [y](https://other.dev/first)\n",
    )
    out = tmp_path / "site"
    hashmigrate.convert(tmp_path, to="hugo", out=out)
    page = (out / "content" / "posts" / "second" / "index.md").read_text()
    assert "[x](/posts/first/)" in page and "[y](https://other.dev/first)" in page


def test_keep_links_leaves_them(tmp_path: Path) -> None:
    result = hashmigrate.convert(
        EXAMPLES, to="hugo", out=tmp_path / "o", blog_url="https://blog.example.dev", links=False
    )
    assert result.ok and not result.redirects
    page = next((tmp_path / "o").glob("content/posts/why-it-works*/index.md")).read_text()
    assert "https://blog.example.dev/github-actions-secrets-without-tears#heading-adding-a-deploy-key" in page


def test_redirect_formats() -> None:
    pairs = [("/a", "/posts/a/"), ("/b,c", "/posts/b/")]
    assert write_redirects(pairs, "netlify").splitlines()[0] == "/a  /posts/a/  301"
    assert "location ~ ^/a/?$ { return 301 /posts/a/; }" in write_redirects(pairs, "nginx")
    assert "RedirectMatch 301 ^/a/?$ /posts/a/" in write_redirects(pairs, "apache")
    rows = list(csv.reader(io.StringIO(write_redirects(pairs, "csv"))))
    assert rows == [["old_path", "new_url"], ["/a", "/posts/a/"], ["/b,c", "/posts/b/"]]


def test_cli_writes_the_redirect_map(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from hashmigrate.cli import app

    target = tmp_path / "_redirects"
    result = CliRunner().invoke(
        app, ["convert", str(EXAMPLES), "--out", str(tmp_path / "o"), "-q", "--redirects", str(target)]
    )
    assert result.exit_code == 0
    lines = target.read_text().splitlines()
    assert "/postgres-indexes-explained  /posts/postgres-indexes-explained/  301" in lines
    assert len(lines) == 2 * 2 * 10  # /slug and /slug-cuid, with and without a trailing slash


def test_an_anchor_into_a_post_read_later_is_rewritten(tmp_path: Path) -> None:
    # Headings are found only for posts a #heading- link points into, in a pass of their own: here
    # the linked post comes after the linking one.
    post(
        tmp_path,
        "ca00000000000000000000001",
        "linker",
        "[s](https://blog.example.dev/target/#heading-setup-step)\n",
    )
    post(tmp_path, "ca00000000000000000000002", "target", "Intro.\n\nSetup step\n---\n\nText.\n")
    post(tmp_path, "ca00000000000000000000003", "other", "## Setup step\n")
    out = tmp_path / "site"
    result = hashmigrate.convert(tmp_path, to="hugo", out=out, blog_url="https://blog.example.dev")
    page = (out / "content" / "posts" / "linker" / "index.md").read_text()
    assert "[s](/posts/target/#setup-step)" in page
    assert not [n for n in result.notes if n.kind.endswith("-unresolved")]


def test_embeds_of_the_blogs_own_posts_follow_them(tmp_path: Path) -> None:
    # Both addresses of a post: on the blog, and hashnode.com/post/<cuid> (bare or after a slug).
    post(tmp_path, "ca00000000000000000000001", "first", "Text.\n")
    post(
        tmp_path,
        "ca00000000000000000000002",
        "second",
        "%[https://blog.example.dev/first]\n\n%[https://hashnode.com/post/ca00000000000000000000001]\n\n"
        "%[https://hashnode.com/post/first-ca00000000000000000000001]\n\n"
        "%[https://hashnode.com/post/cz00000000000000000000009]\n\n%[https://blog.example.dev/gone]\n\n"
        "[plain](https://hashnode.com/post/ca00000000000000000000001)\n\n"
        "```\n%[https://blog.example.dev/first]\n```\n",
    )
    for target, new in (("hugo", "/posts/first/"), ("jekyll", "/2023/01/01/first.html")):
        out = tmp_path / target
        result = hashmigrate.convert(tmp_path, to=target, out=out, blog_url="https://blog.example.dev")
        page = next(p for p in out.rglob("*.md") if "second" in p.name or p.parent.name == "second")
        html = MarkdownIt("commonmark").render(page.read_text())
        # A site-relative address is a link showing itself (an autolink must be absolute).
        assert html.count(f'<a href="{new}">{new}</a>') == 3, html
        assert f"[plain]({new})" in page.read_text()
        assert "https://hashnode.com/post/cz00000000000000000000009" in html
        assert "https://blog.example.dev/gone" in html
        assert "%[https://blog.example.dev/first]" in page.read_text()  # in code: untouched
        unresolved = [n.what for n in result.notes if n.kind == "link-unresolved"]
        assert unresolved == ["link https://blog.example.dev/gone points into the blog"]


def test_an_embed_alone_makes_the_blog_host_known(tmp_path: Path) -> None:
    # Host discovery reads unparsed bodies: embeds count there as links do.
    post(tmp_path, "ca00000000000000000000001", "first", "Text.\n")
    post(tmp_path, "ca00000000000000000000002", "second", "Text.\n")
    post(
        tmp_path,
        "ca00000000000000000000003",
        "third",
        "%[https://jane.hashnode.dev/first]\n\n%[https://jane.hashnode.dev/second]\n",
    )
    out = tmp_path / "site"
    hashmigrate.convert(tmp_path, to="hugo", out=out)
    page = (out / "content" / "posts" / "third" / "index.md").read_text()
    assert "[/posts/first/](/posts/first/)" in page and "[/posts/second/](/posts/second/)" in page


slugs = st.text(alphabet="abcdefghij-0123", min_size=1, max_size=12).filter(lambda s: s.strip("-"))
cuids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=24, max_size=24).map("c".__add__)


@examples(200, 1000)
@given(
    st.lists(st.tuples(slugs, cuids), min_size=1, max_size=4, unique_by=(lambda t: t[0], lambda t: t[1])),
    st.data(),
)
def test_an_embed_is_rewritten_exactly_as_a_link_to_the_same_address(
    posts: list[tuple[str, str]], data: st.DataObject
) -> None:
    index = LinkIndex(hosts={"blog.example.dev"})
    for slug, cuid in posts:
        index.add(Post(title=slug, slug=slug, body=(), cuid=cuid), f"/posts/{slug}/")
    slug, cuid = data.draw(st.sampled_from(posts))
    other = data.draw(st.one_of(slugs, cuids))
    url = data.draw(
        st.sampled_from(
            [
                f"https://blog.example.dev/{slug}",
                f"https://www.blog.example.dev/{slug}/",
                f"https://hashnode.com/post/{cuid}",
                f"https://hashnode.com/post/{slug}-{cuid}",
                f"https://hashnode.com/post/{other}",
                f"https://blog.example.dev/{other}",
                f"https://other.example.dev/{slug}",
            ]
        )
    )
    info = classify(url)
    embed = Embed(url=info.url, provider=info.provider, ids=info.ids)
    rewritten = rewrite_links(Post(title="p", slug="p", body=(embed,)), index).tree
    link = rewrite_links(Post(title="p", slug="p", body=(Markdown(f"[x]({url})"),)), index).tree.emit()
    if link == f"[x]({url})":
        # not the blog's: the embed stays as it was
        assert [c.node for c in rewritten.constructs] == [embed]
    else:
        # The blog's own post: a link to the same new address as the link's.
        target = link[len("[x](") : -1]
        assert rewritten.constructs == ()
        assert rewritten.emit() == f"[{target}]({target})"


def test_which_canonical_urls_cannot_be_right() -> None:
    fine = [
        "https://jane.hashnode.dev/first",  # the post's own old address
        "https://medium.com/@jane/a-post-8dfec04ce0f7",
        "https://example.com/?p=123",  # WordPress's plain permalinks
        "http://example.com/blog/post/",
    ]
    assert [implausible(url) for url in fine] == [None] * len(fine)
    wrong = [
        "https://jane.hashnode.dev/undefined",
        "https://jane.hashnode.dev/null/",
        "https://example.com//post",
        "https://example.com/",
        "https://example.com",
        "https://example.com/#top",
        "null",
        "undefined",
        "about:blank",
        "javascript:alert(1)",
        "mailto:jane@example.com",
        "ftp://example.com/post",
        "example.com/post",
        "http://[oops/post",
        "http://example.com:99999/post",
        "https:///post",
    ]
    for url in wrong:
        assert implausible(url), url


def test_every_target_leaves_out_a_canonical_that_cannot_be_right(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    post(src, "ca00000000000000000000001", "first", "Text.\n", canonical="https://blog.example.dev/undefined")
    post(src, "ca00000000000000000000002", "second", "Text.\n", canonical="https://blog.example.dev/second")
    for target in ("hugo", "jekyll", "devto", "wordpress"):
        for mode in ("", "keep"):
            out = tmp_path / f"{target}-{mode}"
            options = {"canonical": mode} if mode else {}
            result = hashmigrate.convert(
                src, to=target, out=out, blog_url="https://blog.example.dev", options=options
            )
            written = "".join(p.read_text() for p in out.rglob("*") if p.is_file())
            omitted = [n for n in result.notes if n.kind == "canonical-omitted"]
            # The post's own old address is a right canonical, written as it was.
            assert "https://blog.example.dev/second" in written
            if mode == "keep":
                assert "https://blog.example.dev/undefined" in written and not omitted, target
            else:
                assert "https://blog.example.dev/undefined" not in written, target
                assert [(n.post.rsplit("/", 1)[-1], n.what) for n in omitted] == [
                    (
                        "ca00000000000000000000001.md",
                        "canonical URL 'https://blog.example.dev/undefined' left out",
                    )
                ], target
    # dev.to credits the original: its Hashnode address stands in for the canonical left out.
    assert 'canonical_url: "https://blog.example.dev/first"' in (tmp_path / "devto-" / "first.md").read_text()


def test_a_wrong_canonical_option_is_a_usage_error() -> None:
    from hashmigrate.registry import OptionError, create

    for target in ("hugo", "jekyll", "wordpress"):
        try:
            create(target, canonical="maybe")
        except OptionError as exc:
            assert "canonical must be check or keep" in str(exc)
        else:
            raise AssertionError(f"{target} took canonical=maybe")


segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.%~", min_size=1, max_size=10).filter(
    lambda s: s.lower() not in {"undefined", "null", "nan", "none"}
)


@examples(200, 1000)
@given(
    st.sampled_from(["http", "https"]),
    st.from_regex(r"[a-z0-9]{1,10}(\.[a-z0-9]{1,10}){1,2}", fullmatch=True),
    st.lists(segment, min_size=1, max_size=4),
    st.booleans(),
    st.sampled_from(["//", "/undefined/", "/null/", "/"]),
    st.text(max_size=30),
)
def test_a_post_address_passes_and_the_same_address_broken_does_not(
    scheme: str, host: str, segments: list[str], slash: bool, damage: str, anything: str
) -> None:
    url = f"{scheme}://{host}/" + "/".join(segments) + "/" * slash
    assert implausible(url) is None
    broken = url.replace(f"{host}/", f"{host}{damage}", 1) if damage != "/" else f"{scheme}://{host}/"
    assert implausible(broken)
    implausible(anything)  # never raises, whatever the text


def old_format(tmp: Path, cuid: str, title: str, body: str = "Text.\n") -> None:
    (tmp / f"{cuid}.md").write_text(f"# {title}\n\n{body}")


def test_a_slug_made_from_an_edited_title_takes_the_slug_links_name(tmp_path: Path) -> None:
    # The title was edited after publishing: the slug made from it is one word off the old URL.
    old_format(tmp_path, "clgahv9ul000809l23jcj6661", "Docker Tips for Beginners", "## Setup\n\nText.\n")
    old_format(tmp_path, "clgahv9ul000809l23jcj6662", "Unrelated")
    post(
        tmp_path,
        "ca00000000000000000000003",
        "linker",
        "[tips](https://blog.example.dev/docker-tips-beginners) and "
        "[anchored](https://blog.example.dev/docker-tips-beginners#heading-setup)\n",
    )
    for target in ("hugo", "jekyll"):
        out = tmp_path / target
        result = hashmigrate.convert(tmp_path, to=target, out=out, blog_url="https://blog.example.dev")
        moved = [p for p in result.posts if p.title == "Docker Tips for Beginners"]
        assert [p.slug for p in moved] == ["docker-tips-beginners"]
        assert moved[0].url is not None and f"[tips]({moved[0].url})" in (
            next(out.rglob("*linker*")).read_text()
            if target == "jekyll"
            else (out / "content/posts/linker/index.md").read_text()
        )
        assert ("/docker-tips-beginners", moved[0].url) in result.redirects
        assert not [r for r in result.redirects if r[0].startswith("/docker-tips-for-beginners")]
        (note,) = [n for n in result.notes if n.kind == "slug-from-links"]
        assert (
            note.what
            == "slug 'docker-tips-beginners' used instead of 'docker-tips-for-beginners', made from the title"
        )
        assert not [n for n in result.notes if n.kind in {"link-unresolved", "anchor-unresolved"}]
        assert f"[anchored]({moved[0].url}#setup)" in next(
            p.read_text() for p in out.rglob("*.md") if "linker" in str(p)
        )
    # Without a link naming it, an old-format post's note says its old URL may differ.
    (unrelated,) = [p for p in result.posts if p.title == "Unrelated"]
    (old,) = [n for n in unrelated.notes if n.kind == "old-format"]
    assert "the old URL differs if the title was edited after publishing" in old.action


def test_a_link_one_word_from_two_made_up_slugs_changes_neither(tmp_path: Path) -> None:
    old_format(tmp_path, "clgahv9ul000809l23jcj6661", "Rust in 2023")
    old_format(tmp_path, "clgahv9ul000809l23jcj6662", "Rust in 2024")
    post(tmp_path, "ca00000000000000000000003", "linker", "[r](https://blog.example.dev/rust-in-2022)\n")
    result = hashmigrate.convert(tmp_path, to="hugo", blog_url="https://blog.example.dev")
    assert sorted(p.slug or "" for p in result.posts) == ["linker", "rust-in-2023", "rust-in-2024"]
    assert [n.kind for n in result.notes if n.kind in {"slug-from-links", "link-unresolved"}] == [
        "link-unresolved"
    ]


words = st.lists(st.sampled_from(["a", "b", "c", "dd", "e1"]), min_size=1, max_size=4).map("-".join)


@examples(200, 1000)
@given(st.lists(words, max_size=6, unique=True), st.lists(words, max_size=6, unique=True))
def test_slugs_from_links_pairs_exactly_the_only_matches_one_word_apart(
    made: list[str], linked: list[str]
) -> None:
    linked = [slug for slug in linked if slug not in made]  # a link to a post that exists resolves
    pairs = [(m, u) for m in made for u in linked if one_word_apart(m, u)]
    # In the order the links come (the index is told of the renames in this order: its redirects too).
    expected = {
        m: u
        for u in linked
        for m in made
        if (m, u) in pairs
        and [p[1] for p in pairs if p[0] == m] == [u]
        and [p[0] for p in pairs if p[1] == u] == [m]
    }
    assert list(slugs_from_links(made, linked).items()) == list(expected.items())


def test_one_word_apart() -> None:
    assert one_word_apart("docker-tips", "docker-tips-2023")
    assert one_word_apart("docker-tips-for-you", "docker-tips-for-me")
    assert one_word_apart("tips-docker", "docker")
    assert not one_word_apart("docker-tips", "docker-tips")
    assert not one_word_apart("docker-tips", "tips-docker")
    assert not one_word_apart("a-b-c", "a")


@pytest.mark.shared
def test_hashnode_heading_rule_resolves_the_corpus_tables_of_contents(corpus_dir: Path) -> None:
    """Every ``(#heading-...)`` link a corpus post holds names one of its headings by the rule, except
    one whose heading the author renamed ("Quiz time" linked as ``quizz-time``: dead on Hashnode too)."""
    from hashmigrate.parse import parse

    links = unresolved = 0
    dead: list[tuple[str, str]] = []
    for path in sorted(corpus_dir.rglob("*.md")):
        text = path.read_text(encoding="utf-8", errors="replace")
        anchors = set(re.findall(r"\]\(#(heading-[^)\s]+)\)", text))
        if not anchors:
            continue
        document = parse(text)
        ids = set(hashnode_heading_ids(document.heading_source(h) for h in document.headings()))
        links += len(anchors)
        for anchor in sorted(anchors - ids):
            unresolved += 1
            dead.append((path.name, anchor))
    assert links >= 160
    assert dead == [("clf6zt3xo000209l42btbc2ym.md", "heading-quizz-time")]


def _read(body: str) -> Post:
    from hashmigrate.hashnode.markdown import body_fields

    return Post(title="p", slug="p", **body_fields(body))


def _rewritten(body: str) -> str:
    index = LinkIndex(hosts={"blog.example.dev"}, urls={"first": "/posts/first/"})
    return rewrite_links(_read(body), index).tree.emit()


def test_a_link_in_code_is_never_rewritten() -> None:
    body = (
        "`[a](https://blog.example.dev/first)` and ``<https://blog.example.dev/first>``\n\n"
        "    [indented](https://blog.example.dev/first)\n\n"
        "- ```html\n  <a href='https://blog.example.dev/first'>x</a>\n  ```\n"
    )
    assert _rewritten(body) == body


def test_a_reference_definition_is_rewritten_and_its_links_follow() -> None:
    body = "See [it][one] and [again][one].\n\n[one]: https://blog.example.dev/first 'Title'\n\n> [two]: <https://blog.example.dev/first>\n"
    assert _rewritten(body) == (
        'See [it][one] and [again][one].\n\n[one]: /posts/first/ "Title"\n\n> [two]: /posts/first/\n'
    )


def test_a_link_keeps_its_text_emphasis_code_and_images() -> None:
    body = "A [*very* `good` ![pic](https://cdn.x/p.png) **post**](https://blog.example.dev/first) here.\n"
    assert _rewritten(body) == "A [*very* `good` ![pic](https://cdn.x/p.png) **post**](/posts/first/) here.\n"


def test_hrefs_in_html_are_rewritten_and_autolinks_stay_links() -> None:
    body = (
        '<div>\n<a href="https://blog.example.dev/first">one</a> <a href="https://else.dev/x">two</a>\n</div>\n\n'
        'Inline <a href="https://blog.example.dev/first?x=1&amp;y=2">three</a> and <https://blog.example.dev/first>.\n'
    )
    assert _rewritten(body) == (
        '<div>\n<a href="/posts/first/">one</a> <a href="https://else.dev/x">two</a>\n</div>\n\n'
        'Inline <a href="/posts/first/">three</a> and [https://blog.example.dev/first](/posts/first/).\n'
    )
    # The text is the address as the author showed it, each character that could be markup escaped.
    # An "&" is left as it is ("\\&" shows its backslash in kramdown), unless it would start an entity.
    assert _rewritten("<https://blog.example.dev/first?a_b=*x*&c=[d]&amp;e>\n") == (
        "[https://blog.example.dev/first?a\\_b=\\*x\\*&c=\\[d\\]&amp;amp;e](/posts/first/)\n"
    )


def test_links_in_constructs_follow_their_posts() -> None:
    body = (
        "[![a](https://cdn.x/a.png)](https://blog.example.dev/first)\n\n"
        "%[https://blog.example.dev/first]\nNext line.\n\n"
        '<div data-node-type="callout">\n<div data-node-type="callout-emoji">💡</div>\n'
        '<div data-node-type="callout-text">See <a href="https://blog.example.dev/first">it</a></div>\n</div>\n'
    )
    post = rewrite_links(_read(body), LinkIndex(hosts={"blog.example.dev"}, urls={"first": "/posts/first/"}))
    text = post.tree.emit()
    assert "[/posts/first/](/posts/first/)\n\nNext line." in text
    nodes = [c.node for c in post.tree.constructs]
    assert [type(n).__name__ for n in nodes] == ["Image", "Callout"]
    assert nodes[0].link == "/posts/first/"  # type: ignore[union-attr]
    assert 'href="/posts/first/"' in nodes[1].html  # type: ignore[union-attr]
    # The flat body follows the tree (plug-ins written against Post.body see the new links too).
    assert post.body == flat_view(post.tree) != _read(body).body
    assert any(isinstance(n, Markdown) and "[/posts/first/](/posts/first/)" in n.text for n in post.body)


def test_heading_anchors_come_from_the_tree() -> None:
    post = _read("## Use `my_var` \\& [links](https://x.y)\n\n```\n## not a heading\n```\n")
    index = LinkIndex()
    index.add_anchors(post, lambda text: text)
    assert index.anchors == {"p": {"heading-use-myvar-amp-linkshttpsxy": "Use my_var & links"}}


# The pattern planning scanned bodies with before it was made to skip to its first characters (a
# lookahead in front): the reference for the one in use, which must find the same links at the same
# places.
_LINK_BEFORE = re.compile(
    r"(?=[\]<h%])(?:(?P<pre>\]\(\s*<?)(?P<url>[^\s)>]+)"
    r"|(?P<apre><)(?P<aurl>https?://[^\s>]+)>"
    r"|(?P<hpre>\bhref=[\"'])(?P<hurl>[^\"']+)"
    r"|%\[(?P<eurl>https?://[^\s\]]+)\s*\])"
)
LINK_PIECES = [
    "](", "]( <", "](<", ")", ">", "<", "<http://", "<https://a.dev/x>", "href=", 'href="', "href='", "ahref='",
    "_href='", " href='", "-href=\"", "h", "hh", "%[", "%[https://a.dev/x]", "%[https://a.dev/x ]", "]", "[",
    "http", "https://", "a.dev/b", " ", "\n", "\t", "é", "'", '"', "x", "\u00a0", "\u2028",
]  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(LINK_PIECES), st.text(max_size=3)), max_size=30).map("".join))
@example("a](b) <https://c.dev/d> href='e' xhref='f' %[https://g.dev/h ]")
def test_link_scan_finds_what_the_lookahead_pattern_found(text: str) -> None:
    found = [(m.span(), links_module._link_url(m)) for m in links_module._LINK.finditer(text)]
    assert found == [(m.span(), links_module._link_url(m)) for m in _LINK_BEFORE.finditer(text)]


@pytest.mark.parametrize("target", ["hugo", "jekyll"])
def test_a_post_linked_by_its_slug_and_cuid_or_with_an_encoded_anchor_is_found(
    tmp_path: Path, target: str
) -> None:
    # /<slug>-<cuid> is the other address Hashnode gives a post (the redirect map lists it), and a browser
    # copies a heading's id outside ASCII %-encoded: both were "no post has that address" / "matches no
    # heading" and left pointing at Hashnode.
    post(tmp_path, "ca00000000000000000000001", "first", "## 日本語 見出し\n\n## Plain one\n")
    encoded = "heading-%E6%97%A5%E6%9C%AC%E8%AA%9E-%E8%A6%8B%E5%87%BA%E3%81%97"
    post(
        tmp_path,
        "ca00000000000000000000002",
        "second",
        f"[a](https://blog.example.dev/first-ca00000000000000000000001#heading-plain-one) "
        f"[e](https://blog.example.dev/an-old-slug-ca00000000000000000000001#heading-plain-one) "
        f"[b](https://blog.example.dev/first#{encoded}) [c](https://blog.example.dev/first-ca00000000000000000000009)\n\n"
        f"## Ünïcode\n\n[d](#heading-%C3%BCn%C3%AFcode)\n",
    )
    result = hashmigrate.convert(
        tmp_path, to=target, out=tmp_path / "out", blog_url="https://blog.example.dev"
    )
    (page,) = [
        p
        for p in (tmp_path / "out").rglob("*")
        if p.is_file() and "second" in str(p) and p.suffix in {".md", ".markdown"}
    ]
    text = page.read_text()
    first = "/posts/first/" if target == "hugo" else "/2023/01/01/first.html"
    plain, japanese, own = ("plain-one", "日本語-見出し", "ünïcode")
    assert f"[a]({first}#{plain})" in text and f"[b]({first}#{japanese})" in text, text
    assert f"[e]({first}#{plain})" in text  # the slug before the cuid is one the post had before
    assert f"[d](#{own})" in text
    # A cuid no post has stays as it was, and says so.
    assert "[c](https://blog.example.dev/first-ca00000000000000000000009)" in text
    unresolved = [n.kind for n in result.notes if n.kind in ("link-unresolved", "anchor-unresolved")]
    assert unresolved == ["link-unresolved"], [note.line() for note in result.notes]


def test_a_link_by_an_old_slug_and_cuid_alone_finds_the_headings(tmp_path: Path) -> None:
    # The planning pass reads the headings of the posts links point into: by its cuid, when the slug
    # before it is one the post had before (no other link names the post).
    post(tmp_path, "ca00000000000000000000001", "first", "## Plain one\n")
    post(
        tmp_path,
        "ca00000000000000000000002",
        "second",
        "[e](https://blog.example.dev/old-ca00000000000000000000001#heading-plain-one)\n",
    )
    result = hashmigrate.convert(
        tmp_path, to="hugo", out=tmp_path / "out", blog_url="https://blog.example.dev"
    )
    page = (tmp_path / "out" / "content" / "posts" / "second" / "index.md").read_text()
    assert "[e](/posts/first/#plain-one)" in page and not result.notes
