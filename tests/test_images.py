"""Images off the old host: fetched once into a cache, placed beside the post, faults noted."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.image_server import ImageServer

import hashmigrate
from hashmigrate.assets import ImageCache, ImageFetcher, normalise, sniff
from hashmigrate.http import RetryPolicy

EXAMPLES = Path(__file__).parent.parent / "examples" / "blog"
FAST = RetryPolicy(attempts=2, base=0.01, max_wait=0.05, max_retry_after=0.05)


@pytest.fixture
def images() -> Iterator[ImageServer]:
    with ImageServer(latency=0.05) as server:
        yield server


def blog_on(server: ImageServer, tmp: Path) -> Path:
    """The examples blog with its CDN images moved to the local image server."""
    blog = tmp / "blog"
    shutil.copytree(EXAMPLES, blog)
    for post in blog.glob("*.md"):
        text = post.read_text()
        post.write_text(text.replace("https://cdn.hashnode.com/", f"{server.url}/img/cdn.hashnode.com/"))
    return blog


def test_normalise_merges_cdn_transforms() -> None:
    a = normalise("https://cdn.hashnode.com/res/x.png?auto=compress,format&format=webp")
    assert a == normalise("https://cdn.hashnode.com/res/x.png") == "https://cdn.hashnode.com/res/x.png"
    assert normalise("https://e.com/a.png?b=2&a=1") == "https://e.com/a.png?a=1&b=2"
    assert normalise("https://e.com/a.png?x=1&amp;y=2") == "https://e.com/a.png?x=1&y=2"


def test_sniff_checks_the_bytes_not_the_name() -> None:
    assert sniff(b"\x89PNG\r\n\x1a\n....") == ("png", "image/png")
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == ("webp", "image/webp")
    assert sniff(b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>") == (
        "svg",
        "image/svg+xml",
    )
    assert sniff(b"<!doctype html><html>") is None


def test_faults_are_reported_and_nothing_breaks(images: ImageServer, tmp_path: Path) -> None:
    fetcher = ImageFetcher(ImageCache(tmp_path / "cache"), policy=FAST, timeout=(2, 5), max_bytes=1 << 20)
    urls = {
        name: f"{images.url}/{name}/a.png" for name in ("img", "404", "500", "reset", "lie", "loop", "huge")
    }
    urls["redirect"] = f"{images.url}/redirect/b.png"
    urls["ftp"] = "ftp://example.com/a.png"
    assets, report = fetcher.fetch_all(urls.values())
    assert set(assets) == {urls["img"], urls["redirect"]}
    failed = report.failed
    assert "HTTP 404" in failed[urls["404"]] and "HTTP 500" in failed[urls["500"]]
    assert "connection" in failed[urls["reset"]]
    assert "not an image" in failed[urls["lie"]]
    assert "Redirect" in failed[urls["loop"]]
    assert "limit" in failed[urls["huge"]]
    assert urls["ftp"] not in failed  # never fetched: not http(s)
    assert images.hits["/500/a.png"] == 2  # retried within the policy, then given up


def test_an_image_that_trickles_in_is_given_up_at_the_deadline(images: ImageServer, tmp_path: Path) -> None:
    # One byte every 0.5 s: every read is well inside the read timeout, the whole image (73 bytes,
    # over 36 s) is not.
    fetcher = ImageFetcher(ImageCache(tmp_path / "cache"), policy=FAST, timeout=(2, 5), max_seconds=0.5)
    slow, fine = f"{images.url}/trickle/t.png", f"{images.url}/img/t.png"
    started = time.monotonic()
    assets, report = fetcher.fetch_all([slow, fine])
    assert time.monotonic() - started < 20
    assert set(assets) == {fine}
    assert report.failed[slow] == "the download took over 0.5 s"


def test_download_once_place_beside_posts_and_rerun_downloads_nothing(
    images: ImageServer, tmp_path: Path
) -> None:
    blog = blog_on(images, tmp_path)
    out, cache = tmp_path / "site", tmp_path / "cache"
    first = hashmigrate.convert(blog, to="hugo", out=out, download_images=True, image_cache=cache)
    assert first.ok and first.images is not None
    assert first.images.downloaded > 5 and not first.images.failed
    assert all(count == 1 for count in images.hits.values())  # each unique image fetched once
    pages = list(out.glob("content/posts/*/index.md"))
    for page in pages:
        text = page.read_text()
        assert images.url not in text, page
    side = out / "content" / "posts" / "shipping-a-side-project-in-a-weekend"
    assert (side / "cover.png").is_file()
    assert "cover:\n  image: cover.png" in (side / "index.md").read_text()
    refs = re.findall(r'src="([^"]+\.png)"', (side / "index.md").read_text())
    assert refs and all((side / ref).is_file() for ref in refs)
    hits = sum(images.hits.values())
    again = hashmigrate.convert(blog, to="hugo", out=out, download_images=True, image_cache=cache)
    assert (
        again.images is not None
        and again.images.downloaded == 0
        and again.images.cached == first.images.downloaded
    )
    assert sum(images.hits.values()) == hits
    assert again.counts()["unchanged"] == 10


def test_a_failed_image_keeps_the_remote_url_with_a_note(images: ImageServer, tmp_path: Path) -> None:
    blog = tmp_path / "blog"
    blog.mkdir()
    (blog / "ca00000000000000000000001.md").write_text(
        f'---\ntitle: "x"\ndatePublished: 2023-01-01\nslug: x\n\n---\n\n![](https://cdn.hashnode.com/y.png align="center")\n'
        f"![]({images.url}/404/gone.png)\n"
    )
    result = hashmigrate.convert(
        blog, to="hugo", out=tmp_path / "o", download_images=True, image_cache=tmp_path / "c"
    )
    assert result.ok
    [post] = result.posts
    kinds = [n.kind for n in post.notes]
    assert kinds.count("image-remote") == 2  # the unreachable CDN and the 404
    assert f"{images.url}/404/gone.png" in Path(post.paths[0]).read_text()


def test_dry_run_downloads_nothing(images: ImageServer, tmp_path: Path) -> None:
    blog = blog_on(images, tmp_path)
    hashmigrate.convert(
        blog, to="hugo", out=tmp_path / "o", dry_run=True, download_images=True, image_cache=tmp_path / "c"
    )
    assert not images.hits and not (tmp_path / "c").exists() and not (tmp_path / "o").exists()


def test_jekyll_site_shows_every_image_from_local_files(images: ImageServer, tmp_path: Path) -> None:
    import shutil as sh

    from test_jekyll import jekyll_build

    jekyll = sh.which("jekyll")
    if jekyll is None:
        pytest.skip("jekyll is not installed (.ci/install-jekyll.sh installs Debian's)")
    blog = blog_on(images, tmp_path)
    site = tmp_path / "site"
    result = hashmigrate.convert(
        blog, to="jekyll", out=site, download_images=True, image_cache=tmp_path / "cache"
    )
    assert result.ok and result.images is not None and not result.images.failed
    for page in site.glob("_posts/*.md"):
        assert images.url not in page.read_text(), page
    jekyll_build(jekyll, site)
    built = site / "_site"
    seen = 0
    for page in built.rglob("*.html"):
        if "/assets/" in str(page):
            continue
        for src in re.findall(r'<img[^>]+src="([^"]+)"', page.read_text()):
            assert not src.startswith(("http://", "https://")), (page, src)
            target = built / src.lstrip("/") if src.startswith("/") else page.parent / src
            assert target.is_file(), (page, src)
            seen += 1
    assert seen >= 8


def test_relocation_walks_the_tree() -> None:
    from hashmigrate.assets import image_urls, normalise, relocate
    from hashmigrate.hashnode.markdown import body_fields
    from hashmigrate.model import Callout, Image, Post

    body = (
        "![a](https://cdn.x/a.png) `![code](https://cdn.x/code.png)` <img src='https://cdn.x/b.png'>\n\n"
        '```html\n<img src="https://cdn.x/fenced.png">\n```\n\n'
        '<div data-node-type="callout">\n<div data-node-type="callout-emoji">💡</div>\n'
        '<div data-node-type="callout-text"><img src="https://cdn.x/c.png"></div>\n</div>\n\n'
        '<p align="center"><img src="https://cdn.x/d.png?w=1&amp;h=2"></p>\n'
    )
    post = Post(title="p", slug="p", cover="https://cdn.x/cover.png", **body_fields(body))
    urls = image_urls(post)
    assert urls == [
        "https://cdn.x/cover.png",
        "https://cdn.x/a.png",
        "https://cdn.x/b.png",
        "https://cdn.x/c.png",
        "https://cdn.x/d.png?w=1&amp;h=2",
    ]
    new = {normalise(u): f"/img/{i}.png" for i, u in enumerate(urls)}
    moved = relocate(post, new)
    text = moved.tree.emit()
    assert "<img src='/img/2.png'>" in text and '<img src="/img/4.png">' in text
    assert "https://cdn.x/code.png" in text and "https://cdn.x/fenced.png" in text
    nodes = [c.node for c in moved.tree.constructs]
    assert isinstance(nodes[0], Image) and nodes[0].src == "/img/1.png"
    assert isinstance(nodes[1], Callout) and nodes[1].html == '<img src="/img/3.png">'
    assert moved.cover == "/img/0.png"
    assert [i.src for i in moved.images()] == ["/img/1.png"]


def test_an_image_in_a_moved_link_is_relocated_and_the_link_keeps_it() -> None:
    from hashmigrate.assets import normalise, relocate
    from hashmigrate.exporter import BodyRenderer
    from hashmigrate.hashnode.markdown import body_fields
    from hashmigrate.links import LinkIndex, rewrite_links
    from hashmigrate.model import Post

    body = "See [![a](https://cdn.x/a.png) *caption*](https://blog.example.dev/first).\n"
    post = Post(title="p", slug="p", **body_fields(body))
    index = LinkIndex(hosts={"blog.example.dev"}, urls={"first": "/posts/first/"})
    post = relocate(rewrite_links(post, index), {normalise("https://cdn.x/a.png"): "a.png"})
    assert BodyRenderer(post).render(post.tree) == "See [![a](a.png) *caption*](/posts/first/).\n"
