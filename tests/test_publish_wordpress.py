"""Publishing to a real WordPress (6.1, Debian's package) over its REST API, then reading it back.

The example blog's images live on Hashnode's CDN, which a test cannot reach: each image URL is moved
to a small server on 127.0.0.1 that serves a distinct PNG, so ``--upload-images`` really downloads
and uploads them. Each scenario renames the slugs with its own prefix, because the WordPress is
shared by the whole session. The ``wordpress`` fixture is registered by conftest's pytest_plugins.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import struct
import subprocess
import sys
import threading
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests
from markdown_it import MarkdownIt

import hashmigrate
from exporters.wordpress_blocks import twitter_url
from exporters.wordpress_publish import (
    MEDIA_SLUG_PREFIX,
    PASSWORD_ENV,
    WordPressPublisher,
    create_publisher,
)
from hashmigrate.model import Embed, Html, Image, Markdown, Post
from hashmigrate.publish import PublishConfig, PublishResult, publish

if TYPE_CHECKING:
    from support.wordpress import WordPressSite

pytestmark = pytest.mark.wordpress

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "blog"
TIMEOUT = 60
CATEGORY = "From Hashnode"
_TEXTURIZED = str.maketrans(
    {"’": "'", "‘": "'", "“": '"', "”": '"', "″": '"', "′": "'", "–": "-", "—": "-", "…": "..."}
)


def png(seed: bytes) -> bytes:
    """A valid 2x2 PNG whose colour depends on ``seed``, so every image has its own bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    colour = (zlib.crc32(seed) & 0xFFFFFF).to_bytes(3, "big")
    rows = b"".join(b"\x00" + colour * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@dataclass
class ImageServer:
    """Serves a PNG for any path and counts the requests per path."""

    url: str
    hits: Counter[str] = field(default_factory=Counter)

    def local(self, remote: str) -> str:
        # The remote path and query are kept, so the file names (and the importer's view) stay the same.
        return self.url + re.sub(r"^https?://[^/]+", "", remote)


@pytest.fixture(scope="module")
def images() -> Iterator[ImageServer]:
    server_ref: dict[str, ImageServer] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server_ref["s"].hits[self.path] += 1
            body = png(self.path.encode())
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_ref["s"] = ImageServer(f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_ref["s"]
    finally:
        httpd.shutdown()
        httpd.server_close()


def example_posts(prefix: str, images: ImageServer) -> list[Post]:
    """The example blog with its slugs prefixed and its images on the local server."""
    posts = []
    for post in hashmigrate.load(EXAMPLES, blog_url="https://blog.example.dev"):
        body = tuple(replace(n, src=images.local(n.src)) if isinstance(n, Image) else n for n in post.body)
        cover = images.local(post.cover) if post.cover else None
        # document=None: the tree is made again from the changed body.
        posts.append(replace(post, slug=f"{prefix}{post.slug}", body=body, document=None, cover=cover))
    assert len(posts) == 10
    return posts


def publisher_for(site: WordPressSite, **kwargs: Any) -> WordPressPublisher:
    config = PublishConfig(
        make_public=kwargs.pop("make_public", False),
        exporter_options=kwargs.pop("exporter_options", {}),
        env={"WP_URL": site.url, "WP_USER": site.user, PASSWORD_ENV: site.app_password},
    )
    return create_publisher(config, **kwargs)


def run(site: WordPressSite, posts: list[Post], state: Path, **kwargs: Any) -> PublishResult:
    publisher = publisher_for(site, **kwargs)
    try:
        return publish(posts, "wordpress", state=state, publisher=publisher)
    finally:
        publisher.close()


def get(site: WordPressSite, route: str) -> Any:
    response = requests.get(site.rest(route), auth=site.auth, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


def posts_with_prefix(site: WordPressSite, prefix: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for page in range(1, 100):
        batch = get(
            site,
            f"/wp/v2/posts?status=publish,future,draft,pending,private&per_page=100&page={page}&context=edit",
        )
        found.extend(batch)
        if len(batch) < 100:
            break
    return [p for p in found if p["slug"].startswith(prefix)]


def source_markdown(post: Post) -> str:
    """The body with every non-Markdown node left out (they are checked one by one)."""
    return "".join(
        n.text if isinstance(n, Markdown) else n.html if isinstance(n, Html) else "\n" for n in post.body
    )


def normal(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).translate(_TEXTURIZED).split())


def freeform_blocks(site: WordPressSite, ids: list[int]) -> dict[str, list[str]]:
    """Per post id, the classic (freeform) content WordPress's own parse_blocks() finds."""
    code = (
        f"$ids = {json.dumps(ids)};\n"
        "$walk = function ($blocks) use (&$walk) { $out = [];\n"
        "  foreach ($blocks as $b) {\n"
        "    if ($b['blockName'] === null && trim($b['innerHTML']) !== '') { $out[] = $b['innerHTML']; }\n"
        "    $out = array_merge($out, $walk($b['innerBlocks'])); }\n"
        "  return $out; };\n"
        "$result = [];\n"
        "foreach ($ids as $id) { $result[$id] = $walk(parse_blocks(get_post($id)->post_content)); }\n"
        "echo json_encode($result);\n"
    )
    return dict(json.loads(site.run_php(code)))


@pytest.fixture(scope="module")
def published(
    wordpress: WordPressSite, images: ImageServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[Post], PublishResult, Path]:
    state = tmp_path_factory.mktemp("wp-state") / "state.db"
    posts = example_posts("rt-", images)
    result = run(wordpress, posts, state, upload_images=True, exporter_options={"category": CATEGORY})
    assert result.ok, [p.message for p in result.posts if not p.ok]
    return posts, result, state


def test_publish_examples_and_read_them_back(
    wordpress: WordPressSite, published: tuple[list[Post], PublishResult, Path]
) -> None:
    posts, result, _ = published
    assert Counter(p.status for p in result.posts) == {"created": 10}
    remote = {p["slug"]: p for p in posts_with_prefix(wordpress, "rt-")}
    assert set(remote) == {post.slug for post in posts}
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    media_by_slug = {m["slug"]: m for m in get(wordpress, "/wp/v2/media?per_page=100&context=edit")}
    tag_names = {t["id"]: t["name"] for t in get(wordpress, "/wp/v2/tags?per_page=100")}
    category_names = {c["id"]: c["name"] for c in get(wordpress, "/wp/v2/categories?per_page=100")}
    freeform = freeform_blocks(wordpress, [p["id"] for p in remote.values()])

    for post in posts:
        wp = remote[post.slug]
        rendered = wp["content"]["rendered"]
        assert wp["status"] == "draft"
        assert "<!-- wp:" in wp["content"]["raw"] and "<!-- wp:" not in rendered
        assert freeform[str(wp["id"])] == [], post.slug
        tokens = md.parse(source_markdown(post))

        headings = [normal(tokens[i + 1].content) for i, t in enumerate(tokens) if t.type == "heading_open"]
        shown = [normal(h) for h in re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", rendered, re.S)]
        for heading in headings:
            assert normal(md.renderInline(heading)) in shown, (post.slug, heading)

        codes = [t.content.removesuffix("\n") for t in tokens if t.type in ("fence", "code_block")]
        shown_code = [html.unescape(c) for c in re.findall(r"<code[^>]*>(.*?)</code>", rendered, re.S)]
        for code in codes:
            assert code in shown_code, (post.slug, code)

        tables = sum(t.type == "table_open" for t in tokens)
        assert rendered.count("<table") == tables

        for image in post.images():
            slug = MEDIA_SLUG_PREFIX + hashlib.sha256(image.src.encode()).hexdigest()[:20]
            src = media_by_slug[slug]["source_url"]
            assert image.src not in rendered
            tag = re.search(
                rf'<(?:figure|img) class="(?P<cls>[^"]*)"[^>]*>(?:<a [^>]*>)?(?:<img [^>]*)?src="{re.escape(src)}"',
                rendered,
            )
            assert tag is not None, (post.slug, src)
            if image.align:
                assert f"align{image.align}" in tag["cls"].split(), (post.slug, image)

        for node in post.body:
            if isinstance(node, Embed):
                url = twitter_url(node.url) if node.provider == "twitter" else node.url
                assert url in html.unescape(rendered), (post.slug, url)

        if post.cover:
            cover_slug = MEDIA_SLUG_PREFIX + hashlib.sha256(post.cover.encode()).hexdigest()[:20]
            assert wp["featured_media"] == media_by_slug[cover_slug]["id"]
        else:
            assert wp["featured_media"] == 0
        assert sorted(tag_names[t] for t in wp["tags"]) == sorted(t.name for t in post.tags)
        assert [category_names[c] for c in wp["categories"]] == [CATEGORY]
        assert wp["slug"] == post.slug
        if post.published:
            assert wp["date_gmt"] == post.published.strftime("%Y-%m-%dT%H:%M:%S")


def test_media_uploaded_once_each(
    images: ImageServer, published: tuple[list[Post], PublishResult, Path], wordpress: WordPressSite
) -> None:
    posts, _, _ = published
    wanted = {url for post in posts for url in [post.cover, *(i.src for i in post.images())] if url}
    uploaded = [
        m for m in get(wordpress, "/wp/v2/media?per_page=100") if m["slug"].startswith(MEDIA_SLUG_PREFIX)
    ]
    local_paths = {re.sub(r"^http://[^/]+", "", url) for url in wanted}
    assert all(images.hits[path] == 1 for path in local_paths)
    assert len({m["slug"] for m in uploaded}) == len(uploaded) >= len(wanted)


def test_second_publish_sends_nothing_and_an_edit_updates_one_post(
    wordpress: WordPressSite, images: ImageServer, tmp_path: Path
) -> None:
    state = tmp_path / "state.db"
    posts = example_posts("ch-", images)
    first = run(wordpress, posts, state, upload_images=True, make_public=True)
    assert Counter(p.status for p in first.posts) == {"created": 10}
    before = {p["slug"]: p for p in posts_with_prefix(wordpress, "ch-")}
    assert {p["status"] for p in before.values()} == {"publish"}
    hits = Counter(images.hits)

    again = run(wordpress, posts, state, upload_images=True, make_public=True)
    assert Counter(p.status for p in again.posts) == {"unchanged": 10}
    assert again.http["requests"] == 0

    edited = [replace(p, title=p.title + " (updated)") if i == 3 else p for i, p in enumerate(posts)]
    third = run(wordpress, edited, state, upload_images=True, make_public=True)
    assert Counter(p.status for p in third.posts) == {"unchanged": 9, "updated": 1}
    after = {p["slug"]: p for p in posts_with_prefix(wordpress, "ch-")}
    assert set(after) == set(before)
    # Timestamps have whole seconds, so only the untouched posts can be checked by them.
    untouched = [slug for slug in after if slug != posts[3].slug]
    assert all(after[slug]["modified_gmt"] == before[slug]["modified_gmt"] for slug in untouched)
    assert all(after[slug]["title"]["raw"] == before[slug]["title"]["raw"] for slug in untouched)
    assert after[posts[3].slug]["title"]["raw"] == posts[3].title + " (updated)"
    assert after[posts[3].slug]["id"] == before[posts[3].slug]["id"]
    assert images.hits == hits


def test_lost_state_adopts_by_slug_instead_of_duplicating(
    wordpress: WordPressSite,
    images: ImageServer,
    published: tuple[list[Post], PublishResult, Path],
    tmp_path: Path,
) -> None:
    posts, _, _ = published
    before = {p["slug"]: p["id"] for p in posts_with_prefix(wordpress, "rt-")}
    result = run(
        wordpress,
        posts,
        tmp_path / "fresh-state.db",
        upload_images=True,
        exporter_options={"category": CATEGORY},
    )
    assert Counter(p.status for p in result.posts) == {"adopted": 10}
    assert {p["slug"]: p["id"] for p in posts_with_prefix(wordpress, "rt-")} == before


def test_dry_run_sends_nothing(wordpress: WordPressSite, images: ImageServer, tmp_path: Path) -> None:
    config = PublishConfig(dry_run=True, env={"WP_URL": wordpress.url})
    publisher = create_publisher(config)
    result = publish(
        example_posts("dry-", images), "wordpress", state=tmp_path / "s.db", dry_run=True, publisher=publisher
    )
    assert Counter(p.status for p in result.posts) == {"would-create": 10}
    assert result.http["requests"] == 0
    assert not (tmp_path / "s.db").exists()
    assert posts_with_prefix(wordpress, "dry-") == []


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hashmigrate", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=cwd,
        timeout=600,
        check=False,
    )


def test_cli_publish_never_shows_or_stores_the_password(wordpress: WordPressSite, tmp_path: Path) -> None:
    env = {PASSWORD_ENV: wordpress.app_password, "WP_USER": wordpress.user}
    args = [
        "publish",
        str(EXAMPLES),
        "--to",
        "wordpress",
        "--wp-url",
        wordpress.url,
        "--state",
        "state.db",
        "--report",
        "report.json",
        "-v",
    ]
    done = _cli(args, env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "10 post(s) on wordpress" in done.stdout
    again = _cli([*args, "--dry-run"], env, tmp_path)
    assert again.returncode == 0, again.stderr
    # A fresh state, so the run has to ask WordPress (an unchanged post costs no request at all).
    wrong_args = [a if a != "state.db" else "other-state.db" for a in args]
    wrong = _cli(wrong_args, {**env, PASSWORD_ENV: "wrong wrong wrong wrong"}, tmp_path)
    assert wrong.returncode != 0
    assert PASSWORD_ENV in wrong.stderr and "wrong wrong" not in wrong.stderr + wrong.stdout

    secret = wordpress.app_password
    variants = {secret, secret.replace(" ", "")}
    for output in (done.stdout, done.stderr, again.stdout, again.stderr, wrong.stdout, wrong.stderr):
        assert not any(v in output for v in variants)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"state.db", "report.json"}
    for path in written:
        data = path.read_bytes()
        assert not any(v.encode() in data for v in variants), path
        assert b"Basic " not in data, path


def test_cli_needs_the_password(tmp_path: Path) -> None:
    done = _cli(
        ["publish", str(EXAMPLES), "--to", "wordpress", "--wp-url", "http://127.0.0.1:9", "--wp-user", "a"],
        {PASSWORD_ENV: ""},
        tmp_path,
    )
    assert done.returncode == 2
    assert PASSWORD_ENV in done.stderr
