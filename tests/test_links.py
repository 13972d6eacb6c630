"""Links between the blog's posts, heading anchors, and the redirect map."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from markdown_it import MarkdownIt

import hashmigrate
import hashmigrate.api
from hashmigrate.links import hashnode_heading_id, plain_heading, write_redirects

EXAMPLES = Path(__file__).parent.parent / "examples" / "blog"


def post(tmp: Path, cuid: str, slug: str, body: str, canonical: str = "") -> None:
    extra = f"canonical: {canonical}\n" if canonical else ""
    (tmp / f"{cuid}.md").write_text(
        f'---\ntitle: "{slug}"\ndatePublished: 2023-01-01\ncuid: {cuid}\nslug: {slug}\n{extra}\n---\n\n{body}'
    )


def test_hashnode_heading_ids() -> None:
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
    # An autolink cannot hold a site-relative URL: it becomes a link that shows the new address.
    assert "[/posts/first/](/posts/first/)," in page
    assert '<a href="/posts/first/">/posts/first/</a>' in MarkdownIt("commonmark").render(page)
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
