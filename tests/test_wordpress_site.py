"""Proof that the ``wordpress`` fixture is a real WordPress: the REST behaviour hashmigrate relies on."""

from __future__ import annotations

import struct
import zlib
from typing import TYPE_CHECKING, Any

import pytest
import requests

if TYPE_CHECKING:
    from support.wordpress import WordPressSite

pytestmark = pytest.mark.wordpress

TIMEOUT = 30

BLOCK_CONTENT = (
    "<!-- wp:paragraph -->\n"
    "<p>Hello from <em>hashmigrate</em>.</p>\n"
    "<!-- /wp:paragraph -->\n\n"
    "<!-- wp:code -->\n"
    '<pre class="wp-block-code"><code>if a &lt; b:\n    print("{{ x }}")</code></pre>\n'
    "<!-- /wp:code -->"
)


def tiny_png() -> bytes:
    """A valid 2x2 RGB PNG, so WordPress's image checks accept it as a real image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def post_json(site: WordPressSite, route: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(site.rest(route), json=body, auth=site.auth, timeout=TIMEOUT)


def test_tag_create_then_duplicate_reports_term_exists(wordpress: WordPressSite) -> None:
    created = post_json(wordpress, "/wp/v2/tags", {"name": "Fixture Tag", "slug": "fixture-tag"})
    assert created.status_code == 201, created.text
    tag_id = created.json()["id"]

    again = post_json(wordpress, "/wp/v2/tags", {"name": "Fixture Tag", "slug": "fixture-tag"})
    assert again.status_code == 400, again.text
    error = again.json()
    assert error["code"] == "term_exists"
    assert error["data"]["term_id"] == tag_id


def test_draft_with_blocks_round_trips_exactly(wordpress: WordPressSite) -> None:
    created = post_json(
        wordpress,
        "/wp/v2/posts",
        {"title": "Blocks", "slug": "fixture-blocks", "status": "draft", "content": BLOCK_CONTENT},
    )
    assert created.status_code == 201, created.text
    post_id = created.json()["id"]

    read = requests.get(
        wordpress.rest(f"/wp/v2/posts/{post_id}?context=edit"), auth=wordpress.auth, timeout=TIMEOUT
    )
    assert read.status_code == 200, read.text
    post = read.json()
    assert post["status"] == "draft"
    assert post["content"]["raw"] == BLOCK_CONTENT
    rendered = post["content"]["rendered"]
    assert '<pre class="wp-block-code"><code>if a &lt; b:\n    print("{{ x }}")</code></pre>' in rendered
    assert "<!-- wp:" not in rendered


def test_media_upload_becomes_featured_image(wordpress: WordPressSite) -> None:
    png = tiny_png()
    uploaded = requests.post(
        wordpress.rest("/wp/v2/media"),
        data=png,
        headers={
            "Content-Disposition": 'attachment; filename="fixture-cover.png"',
            "Content-Type": "image/png",
        },
        auth=wordpress.auth,
        timeout=TIMEOUT,
    )
    assert uploaded.status_code == 201, uploaded.text
    media = uploaded.json()
    assert media["mime_type"] == "image/png"
    # Uploads stay in the test's workdir, and the server hands them back.
    assert media["source_url"].startswith(f"{wordpress.url}/wp-content/uploads/")
    assert list(wordpress.uploads_dir.rglob("fixture-cover*.png"))
    served = requests.get(media["source_url"], timeout=TIMEOUT)
    assert served.status_code == 200
    assert served.content == png

    created = post_json(
        wordpress,
        "/wp/v2/posts",
        {"title": "Cover", "slug": "fixture-cover", "status": "draft", "featured_media": media["id"]},
    )
    assert created.status_code == 201, created.text
    assert created.json()["featured_media"] == media["id"]


def test_admin_keeps_unfiltered_html(wordpress: WordPressSite) -> None:
    # Gist embeds need a raw <script>; kses would strip it for a user without unfiltered_html.
    content = '<!-- wp:html -->\n<script src="https://gist.github.com/a/1.js"></script>\n<!-- /wp:html -->'
    created = post_json(wordpress, "/wp/v2/posts", {"title": "Gist", "status": "draft", "content": content})
    assert created.status_code == 201, created.text
    read = requests.get(
        wordpress.rest(f"/wp/v2/posts/{created.json()['id']}?context=edit"),
        auth=wordpress.auth,
        timeout=TIMEOUT,
    )
    assert read.json()["content"]["raw"] == content


def test_wrong_application_password_is_401(wordpress: WordPressSite) -> None:
    response = requests.post(
        wordpress.rest("/wp/v2/posts"),
        json={"title": "Nope", "status": "draft"},
        auth=(wordpress.user, "wrong wrong wrong wrong"),
        timeout=TIMEOUT,
    )
    assert response.status_code == 401, response.text


def test_unauthenticated_create_is_401(wordpress: WordPressSite) -> None:
    response = requests.post(
        wordpress.rest("/wp/v2/posts"), json={"title": "Nope", "status": "draft"}, timeout=TIMEOUT
    )
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "rest_cannot_create"
