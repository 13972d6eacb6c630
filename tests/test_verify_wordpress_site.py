"""``verify --to wordpress --wp-url``: posts read back from a real WordPress (the session's ``wordpress``
fixture) through its REST API, as it stored and shows them, compared with Hashnode's pages.

One small hand-made blog is published once for the module (images uploaded to the media library from a
local image host); verified, it shows no difference. Then one stored post is changed through the REST
API, as WordPress's own filters could change it, and verify names that post and what it lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests
from support.image_server import ImageServer
from typer.testing import CliRunner

from exporters.wordpress_publish import PASSWORD_ENV, create_publisher
from hashmigrate.cli import app
from hashmigrate.publish import PublishConfig, publish

if TYPE_CHECKING:
    from support.wordpress import WordPressSite

pytestmark = pytest.mark.wordpress

TIMEOUT = 60
runner = CliRunner()
PREFIX = "vwp-"


def _post(folder: Path, name: str, slug: str, title: str, body: str) -> None:
    (folder / f"{name}.md").write_text(
        f'---\ntitle: "{title}"\ndatePublished: Mon Jan 01 2024 10:00:00 GMT+0000\nslug: {slug}\n---\n\n{body}',
        encoding="utf-8",
    )


def blog(folder: Path, images: str) -> Path:
    folder.mkdir()
    _post(
        folder,
        "clvwp0000000000000000000a",
        f"{PREFIX}images-and-headings",
        "Images and headings",
        f"Intro with **bold** and a [link](https://example.org/a).\n\n## First part\n\n"
        f'![A red square]({images}/img/red.png align="center")\n\nText between.\n\n'
        f"### Second part\n\n![Blue]({images}/img/blue.png)\n\n```python\nprint('a < b')\n```\n",
    )
    _post(
        folder,
        "clvwp0000000000000000000b",
        f"{PREFIX}tables-and-embeds",
        "Tables and embeds",
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n%[https://www.youtube.com/watch?v=a1B2c3D4e5F]\n\n"
        "> A quote\n\n- one\n- two\n",
    )
    return folder


@pytest.fixture(scope="module")
def published(
    wordpress: WordPressSite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, Path, dict[str, str]]]:
    """The blog published once (images uploaded), its state file, and the environment verify reads."""
    folder = tmp_path_factory.mktemp("vwp")
    env = {"WP_URL": wordpress.url, "WP_USER": wordpress.user, PASSWORD_ENV: wordpress.app_password}
    with ImageServer() as server:
        source = blog(folder / "blog", server.url)
        state = folder / "state.db"
        publisher = create_publisher(PublishConfig(env=env), upload_images=True)
        try:
            result = publish(source, "wordpress", state=state, publisher=publisher)
        finally:
            publisher.close()
        assert result.ok and [p.status for p in result.posts] == ["created", "created"], result.as_dict()
        yield source, state, env


def verify(
    monkeypatch: pytest.MonkeyPatch, source: Path, state: Path, env: dict[str, str], *more: str
) -> Any:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runner.invoke(
        app,
        ["verify", str(source.parent / "no-output"), "--source", str(source), "--to", "wordpress",
         "--state", str(state), *more],
    )  # fmt: skip


def test_published_posts_read_back_show_no_difference(
    published: tuple[Path, Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source, state, env = published
    report = tmp_path / "report.html"
    done = verify(monkeypatch, source, state, env, "--report", str(report))
    assert done.exit_code == 0, done.stdout + done.stderr
    assert f"read back from WordPress at {env['WP_URL']}" in done.stdout
    assert "2 post(s), 2 as on Hashnode, 0 different" in done.stdout
    # The uploaded copies are what the site shows; the password is never shown.
    assert "wp-content/uploads" in report.read_text(encoding="utf-8")
    assert env[PASSWORD_ENV] not in done.stdout + done.stderr + report.read_text(encoding="utf-8")


def test_without_a_password_verify_says_so_in_one_line(
    published: tuple[Path, Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    source, state, env = published
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    done = verify(monkeypatch, source, state, {k: v for k, v in env.items() if k != PASSWORD_ENV})
    assert done.exit_code == 2
    assert PASSWORD_ENV in done.stderr and "Traceback" not in done.stderr


def test_a_wrong_password_is_one_line_and_never_shown(
    published: tuple[Path, Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    source, state, env = published
    wrong = "abcd efgh ijkl mnop qrst uvwx"
    done = verify(monkeypatch, source, state, {**env, PASSWORD_ENV: wrong})
    assert done.exit_code == 1
    assert "refused the credentials" in done.stderr and "Traceback" not in done.stderr
    assert wrong not in done.stdout + done.stderr


def test_a_post_changed_on_the_site_is_reported(
    wordpress: WordPressSite,
    published: tuple[Path, Path, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source, state, env = published
    slug = f"{PREFIX}images-and-headings"
    found = requests.get(
        wordpress.rest(f"/wp/v2/posts?slug={slug}&status=draft,publish&context=edit"),
        auth=wordpress.auth,
        timeout=TIMEOUT,
    ).json()
    (post,) = found
    raw = post["content"]["raw"]
    # What a filter of WordPress's could do to a post: the second image's block and a heading gone.
    blocks = re.findall(r"<!-- wp:image .*?<!-- /wp:image -->\n*", raw, re.S)
    assert len(blocks) == 2
    changed = raw.replace(blocks[1], "")
    changed = re.sub(
        r"<!-- wp:heading \{\"level\":3\} -->.*?<!-- /wp:heading -->\n*", "", changed, flags=re.S
    )
    assert changed.count("wp:heading") == raw.count("wp:heading") - 2
    answer = requests.post(
        wordpress.rest(f"/wp/v2/posts/{post['id']}"),
        json={"content": changed},
        auth=wordpress.auth,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    try:
        done = verify(monkeypatch, source, state, env)
        assert done.exit_code == 1, done.stdout + done.stderr
        changed_post = f"{source / 'clvwp0000000000000000000a.md'}: "
        lines = [line for line in done.stdout.splitlines() if line.startswith(str(source))]
        assert lines and all(line.startswith(changed_post) for line in lines), lines
        assert any(line.startswith(changed_post + "headings: ") and "Second part" in line for line in lines)
        assert any(line.startswith(changed_post + "images: missing") and "blue.png" in line for line in lines)
        assert "2 post(s), 1 as on Hashnode, 1 different" in done.stdout
    finally:
        requests.post(
            wordpress.rest(f"/wp/v2/posts/{post['id']}"),
            json={"content": raw},
            auth=wordpress.auth,
            timeout=TIMEOUT,
        )


def test_what_wordpress_filters_out_for_an_author_is_a_difference(
    wordpress: WordPressSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An author (no ``unfiltered_html``) publishes a CodePen, which the exporter writes as an iframe in
    an HTML block: WordPress's kses filter strips the iframe as it stores the post, and verify, reading
    it back, says the embed is gone (the WXR check of the same markup cannot know)."""
    created = wordpress.run_php(
        "$id = wp_insert_user(['user_login' => 'vwp-author', 'user_pass' => wp_generate_password(),"
        " 'user_email' => 'vwp-author@example.com', 'role' => 'author']);\n"
        "if (is_wp_error($id)) { fwrite(STDERR, $id->get_error_message()); exit(1); }\n"
        "$made = WP_Application_Passwords::create_new_application_password($id, ['name' => 'vwp']);\n"
        "echo 'PASSWORD=' . $made[0];\n"
    )
    password = created.rsplit("PASSWORD=", 1)[1].strip()
    env = {"WP_URL": wordpress.url, "WP_USER": "vwp-author", PASSWORD_ENV: password}
    source = tmp_path / "blog"
    source.mkdir()
    _post(
        source,
        "clvwp0000000000000000000c",
        f"{PREFIX}kses",
        "An embed an author may not post",
        "Before.\n\n%[https://codepen.io/jane/pen/abcDEF]\n\nAfter.\n",
    )
    state = tmp_path / "state.db"
    publisher = create_publisher(PublishConfig(env=env))
    try:
        result = publish(source, "wordpress", state=state, publisher=publisher)
    finally:
        publisher.close()
    assert result.ok, result.as_dict()
    done = verify(monkeypatch, source, state, env)
    assert done.exit_code == 1, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith(str(source))]
    assert any("embeds: codepen" in line for line in lines), done.stdout
    # The same markup, as the import file has it, shows the player: the loss is WordPress's.
    out = tmp_path / "out"
    assert runner.invoke(app, ["convert", str(source), "--to", "wordpress", "--out", str(out)]).exit_code == 0
    wxr = runner.invoke(
        app, ["verify", str(out), "--source", str(source), "--to", "wordpress"], env={"WP_URL": ""}
    )
    assert wxr.exit_code == 0, wxr.stdout + wxr.stderr
