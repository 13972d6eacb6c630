"""A real ``astro build`` (Astro 5) of the converted example blog, images downloaded, and its HTML checked.

Astro is not installed by the test: ``bash .ci/install-astro.sh`` puts it in ``~/.cache/hashmigrate-astro``
(or ``$HASHMIGRATE_ASTRO_DIR``). Without Node.js or Astro the test skips saying so, unless
``HASHMIGRATE_REQUIRE_ALL=1``.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import hashmigrate
import pytest
from astro_support import BLOG_URL, EXAMPLE_SLUGS, ImageHost, blog_on, find_astro, front_matter
from markdown_it import MarkdownIt

pytestmark = [pytest.mark.astro, pytest.mark.slow]

_PRE = re.compile(r"<pre\b[^>]*>(.*?)</pre>", re.S)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Built:
    site: Path
    dist: Path
    seconds: float
    version: str


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    modules, why = find_astro()
    if modules is None:
        pytest.skip(why)
    tmp = tmp_path_factory.mktemp("astro")
    site = tmp / "site"
    with ImageHost() as host:
        result = hashmigrate.convert(
            blog_on(host.url, tmp),
            to="astro",
            out=site,
            blog_url=BLOG_URL,
            download_images=True,
            image_cache=tmp / "cache",
        )
    assert result.ok and result.images is not None and not result.images.failed
    # The site's own node_modules is the shared install: Node resolves `astro` from the site's folder.
    (site / "node_modules").symlink_to(modules, target_is_directory=True)
    env = {**os.environ, "ASTRO_TELEMETRY_DISABLED": "1", "CI": "1", "NO_COLOR": "1"}
    started = time.monotonic()
    run = subprocess.run(
        [str(modules / ".bin" / "astro"), "build"],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    seconds = time.monotonic() - started
    assert run.returncode == 0, f"astro build failed:\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
    print(f"\nastro build (Astro {why}) took {seconds:.1f} s")
    yield Built(site, site / "dist", seconds, why)


def page(built: Built, slug: str) -> str:
    return (built.dist / "blog" / slug / "index.html").read_text(encoding="utf-8")


def code_blocks(markdown: str) -> list[str]:
    """The text of every code block (fenced or indented) as CommonMark reads the post."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    return [t.content for t in tokens if t.type in {"fence", "code_block"}]


def test_every_post_has_a_page_with_its_title(built: Built) -> None:
    index = html.unescape((built.dist / "index.html").read_text(encoding="utf-8"))
    for slug in EXAMPLE_SLUGS:
        meta, _ = front_matter(built.site / "src" / "content" / "blog" / f"{slug}.md")
        text = page(built, slug)
        title = re.search(r"<title>(.*?)</title>", text, re.S)
        assert title and html.unescape(title.group(1)) == meta["title"], slug
        heading = re.search(r"<h1>(.*?)</h1>", text, re.S)
        assert heading and html.unescape(heading.group(1)) == meta["title"], slug
        assert f'href="/blog/{slug}/"' in index
    pages = {p.parent.name for p in (built.dist / "blog").glob("*/index.html")}
    assert pages == EXAMPLE_SLUGS


def test_embeds_are_iframes_and_provider_markup(built: Built) -> None:
    weekend = page(built, "shipping-a-side-project-in-a-weekend")
    assert '<iframe src="https://www.youtube-nocookie.com/embed/a1B2c3D4e5F?start=42"' in weekend
    assert '<iframe src="https://player.vimeo.com/video/912345678"' in weekend
    assert '<blockquote class="instagram-media"' in weekend
    secrets = page(built, "github-actions-secrets-without-tears")
    assert '<blockquote class="twitter-tweet">' in secrets
    assert (
        '<script src="https://gist.github.com/janedoe/3f9a1c2b7d4e5f60718293a4b5c6d7e8.js"></script>'
        in secrets
    )
    playground = page(built, "picking-a-frontend-playground")
    assert '<iframe src="https://codepen.io/janedoe/embed/XWmPqRz?default-tab=result"' in playground


def test_images_downloaded_are_served_from_the_site(built: Built) -> None:
    weekend = page(built, "shipping-a-side-project-in-a-weekend")
    aligned = re.findall(r'<img src="(/images/blog/[^"]+)" alt="[^"]*" class="align-(\w+)"', weekend)
    assert {align for _, align in aligned} == {"center", "left", "right"}
    hero = '<img class="hero" src="/images/blog/shipping-a-side-project-in-a-weekend/cover.png"'
    assert hero in weekend
    srcs = set(re.findall(r'<img[^>]* src="(/images/[^"]+)"', "".join(page(built, s) for s in EXAMPLE_SLUGS)))
    assert len(srcs) >= 8
    for src in srcs:
        assert (built.dist / src.lstrip("/")).read_bytes().startswith(b"\x89PNG"), src


def test_callout_and_mentions(built: Built) -> None:
    cheat = page(built, "hashnode-markdown-cheat-sheet")
    assert re.search(r'<aside class="callout" role="note">.*?<strong>HTML</strong>.*?</aside>', cheat, re.S)
    assert 'href="#embeds-and-widgets"' in cheat and 'id="embeds-and-widgets"' in cheat
    weekend = page(built, "shipping-a-side-project-in-a-weekend")
    assert '<a href="https://hashnode.com/@janedoe">Jane Doe</a>' in weekend


def test_code_blocks_come_out_as_written(built: Built) -> None:
    checked = 0
    for slug in EXAMPLE_SLUGS:
        _, body = front_matter(built.site / "src" / "content" / "blog" / f"{slug}.md")
        shown = [html.unescape(_TAG.sub("", block)) for block in _PRE.findall(page(built, slug))]
        for code in code_blocks(body):
            assert code.rstrip("\n") in shown, (slug, code)
            checked += 1
    assert checked >= 10
    secrets = page(built, "github-actions-secrets-without-tears")
    assert "{{ secrets.GITHUB_TOKEN }}" in html.unescape(secrets)
