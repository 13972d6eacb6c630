"""``hashmigrate sync`` to all four targets at once, run the way cron runs it.

Every run is the real CLI in a subprocess (``python -m hashmigrate sync --config ... --json``) with the
secrets in environment variables that the config names. The targets are a Hugo folder, a Jekyll folder,
the local dev.to stand-in (``forem``, one per test, which checks every request against Forem's spec) and
the session's real WordPress (``wordpress``).

The WordPress site is shared by the whole test session, and the publisher adopts an existing post by its
slug, so each test gives the examples' slugs its own prefix (in the copied source files) and its posts its
own category; it deletes what it created at the end. Other tests' posts are never looked at.

What "writes nothing" means here: no request at all at the dev.to server; no WordPress post of the test
whose id, status, ``modified_gmt`` or raw fields changed; not one file under the folder targets with a new
mtime or content; not one row of the state's ``deliveries`` table changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests
from support.forem_server import Fault, ForemServer

import hashmigrate
from hashmigrate.model import Post
from hashmigrate.publish import PublishConfig, create_publisher, post_key
from hashmigrate.publish.state import DELIVERED

if TYPE_CHECKING:
    from support.wordpress import WordPressSite

pytestmark = pytest.mark.wordpress

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "blog"
BLOG_URL = "https://blog.example.dev"
POSTS = 10  # published posts of examples/blog (the draft and the older copy of a slug are left out)
DEVTO_KEY_ENV = "TEST_DEVTO_KEY"
WP_PASSWORD_ENV = "TEST_WP_PASSWORD"
# What the publishers would read if the config's names were ignored: never set for the runs.
UNNAMED_SECRETS = ("DEVTO_API_KEY", "DEVTO_API_URL", "WP_APP_PASSWORD", "WP_URL", "WP_USER")
EDITED = "clzhfgd9o00120497lgrjj57k.md"  # "Shipping a Side Project in a Weekend"
# The post the prune tests delete: no other post links to it or embeds it, so deleting it changes no
# other post's page (EDITED is embedded by cm5x2po1f…, and an own-post embed becomes a link to the
# post's new address, which a deleted post no longer has).
GONE = "clu88pl5800130v3apwrmhpf6.md"  # "What I Learned Letting an AI Review My Pull Requests"
RUN_TIMEOUT = 300  # a hung run fails the test instead of hanging it; never a timing assertion
HTTP_TIMEOUT = 60
BUSY = 75
LOCK_MESSAGE = "another hashmigrate sync is running"
ALL_TARGETS = ("hugo", "jekyll", "devto", "wordpress")
FOLDER_BOOKKEEPING = {".hashmigrate-manifest.json", ".hashmigrate-manifest.journal"}
TEMP_FILE = re.compile(r"^\..+\.tmp$")  # delivery.atomic_write's temporary file


# ---------------------------------------------------------------------------------------------------------
# One test's world: a copy of the blog, a config, two folders, a dev.to server and its share of WordPress
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float

    def summary(self) -> dict[str, Any]:
        assert self.stdout.strip(), f"no JSON summary (exit {self.code}); stderr:\n{self.stderr}"
        data: dict[str, Any] = json.loads(self.stdout)
        return data

    def ok(self) -> dict[str, Any]:
        """The JSON summary of a run that must have succeeded."""
        assert self.code == 0, f"exit {self.code}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"
        summary = self.summary()
        assert summary["ok"] is True and summary["posts"] == POSTS, summary
        return summary


@dataclass
class Row:
    target: str
    post_key: str
    remote_id: str | None
    remote_url: str | None
    content_hash: str | None
    outcome: str
    updated_at: str


@dataclass
class World:
    root: Path
    forem: ForemServer
    wp: WordPressSite
    targets: tuple[str, ...] = ALL_TARGETS
    token: str = field(default_factory=lambda: "sync" + secrets.token_hex(3))
    _category_id: int | None = None

    @property
    def blog(self) -> Path:
        return self.root / "blog"

    @property
    def config(self) -> Path:
        return self.root / "hashmigrate.toml"

    @property
    def state(self) -> Path:
        return self.root / "state" / "sync.db"

    @property
    def hugo(self) -> Path:
        return self.root / "hugo"

    @property
    def jekyll(self) -> Path:
        return self.root / "jekyll"

    @property
    def category(self) -> str:
        return f"{self.token}-category"

    def target_id(self, kind: str) -> str:
        """How the state store names each target."""
        if kind in ("hugo", "jekyll"):
            return f"{kind}:{(self.root / kind).resolve()}"
        if kind == "devto":
            return f"devto:{self.forem.url}"
        return f"wordpress:{self.wp.url}"

    # -- set-up -----------------------------------------------------------------------------------------

    def create(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "cron-cwd").mkdir(exist_ok=True)
        shutil.copytree(EXAMPLES, self.blog)
        for path in self.blog.glob("c*.md"):  # the published posts (<cuid>.md), not the draft or README
            path.write_text(prefix_slug(path.read_text(encoding="utf-8"), self.token), encoding="utf-8")
        slugs = [post.slug for post in self.posts()]
        assert len(slugs) == POSTS and all(s.startswith(f"{self.token}-") for s in slugs), slugs
        self.config.write_text(self._config_text(), encoding="utf-8")

    def _config_text(self) -> str:
        tables = {
            "hugo": '[[targets]]\ntype = "hugo"\nout = "hugo"\n',
            "jekyll": '[[targets]]\ntype = "jekyll"\nout = "jekyll"\n',
            "devto": (
                f'[[targets]]\ntype = "devto"\napi_url = "{self.forem.url}"\napi_key_env = "{DEVTO_KEY_ENV}"\n'
            ),
            "wordpress": (
                f'[[targets]]\ntype = "wordpress"\nurl = "{self.wp.url}"\nuser = "{self.wp.user}"\n'
                f'password_env = "{WP_PASSWORD_ENV}"\noptions = {{ category = "{self.category}" }}\n'
            ),
        }
        head = (
            f'[source]\ntype = "backup"\npath = "blog"\nblog_url = "{BLOG_URL}"\n\n'
            '[state]\npath = "state/sync.db"\n\n'
        )
        return head + "\n".join(tables[kind] for kind in self.targets)

    # -- running ----------------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in UNNAMED_SECRETS}
        env[DEVTO_KEY_ENV] = self.forem.api_key
        env[WP_PASSWORD_ENV] = self.wp.app_password
        return env

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "hashmigrate", "sync", "--config", str(self.config), *args]

    def run(self, *args: str) -> Run:
        """One sync to completion, from another folder (as cron would: paths come from the config)."""
        started = time.monotonic()
        done = subprocess.run(
            self.command(*args),
            cwd=self.root / "cron-cwd",
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr, time.monotonic() - started)

    def start(self, *args: str, capture: bool = True) -> subprocess.Popen[str]:
        sink = subprocess.PIPE if capture else subprocess.DEVNULL
        return subprocess.Popen(
            self.command(*args),
            cwd=self.root / "cron-cwd",
            env=self.env(),
            stdout=sink,
            stderr=sink,
            text=True,
        )

    # -- reading the source -----------------------------------------------------------------------------

    def posts(self) -> list[Post]:
        return list(hashmigrate.load(self.blog, blog_url=BLOG_URL))

    def edit(self, name: str, words: str) -> None:
        path = self.blog / name
        path.write_text(path.read_text(encoding="utf-8") + f"\n\n{words}\n", encoding="utf-8")

    # -- reading the targets ----------------------------------------------------------------------------

    def rows(self) -> list[Row]:
        """The state's deliveries table, read directly (not through the product's StateStore)."""
        if not self.state.exists():
            return []
        db = sqlite3.connect(f"{self.state.resolve().as_uri()}?mode=ro", uri=True)
        try:
            found = db.execute(
                "SELECT target, post_key, remote_id, remote_url, content_hash, outcome, updated_at"
                " FROM deliveries ORDER BY target, post_key"
            ).fetchall()
        finally:
            db.close()
        return [Row(*row) for row in found]

    def wp_get(self, route: str) -> Any:
        response = requests.get(self.wp.rest(route), auth=self.wp.auth, timeout=HTTP_TIMEOUT)
        assert response.status_code == 200, response.text[:500]
        return response.json()

    def wp_posts(self) -> dict[int, dict[str, Any]]:
        """This test's posts on WordPress in any status but the trash, by id, read with context=edit."""
        found: list[dict[str, Any]] = []
        for page in range(1, 1000):
            batch = self.wp_get(f"/wp/v2/posts?status=any&per_page=100&page={page}&context=edit")
            found.extend(batch)
            if len(batch) < 100:
                break
        return {p["id"]: p for p in found if str(p["slug"]).startswith(f"{self.token}-")}

    def category_id(self) -> int | None:
        if self._category_id is None:
            answer = self.wp_get(f"/wp/v2/categories?slug={self.category}")
            self._category_id = answer[0]["id"] if answer else None
        return self._category_id

    def wp_delete_posts(self) -> None:
        """Delete (for good, not to the trash) every post of this test; waits for WordPress to be idle."""
        wait_until_wordpress_is_idle(self.wp)
        for post_id in self.wp_posts():
            response = requests.delete(
                self.wp.rest(f"/wp/v2/posts/{post_id}?force=true"), auth=self.wp.auth, timeout=HTTP_TIMEOUT
            )
            assert response.status_code in (200, 404, 410), response.text[:300]

    def cleanup(self) -> None:
        self.wp_delete_posts()
        category = self.category_id()
        if category is not None:
            requests.delete(
                self.wp.rest(f"/wp/v2/categories/{category}?force=true"),
                auth=self.wp.auth,
                timeout=HTTP_TIMEOUT,
            )

    def reset_targets(self) -> None:
        """Back to nothing anywhere: no WordPress posts, no dev.to articles, no folders, no state."""
        self.wp_delete_posts()
        self.forem.reset()
        for path in (self.hugo, self.jekyll, self.state.parent):
            shutil.rmtree(path, ignore_errors=True)

    # -- what should be there ---------------------------------------------------------------------------

    def reference(self, kind: str, scratch: Path) -> dict[str, bytes]:
        """The folder a plain ``convert`` of the current source writes (what the sync must have written)."""
        shutil.rmtree(scratch, ignore_errors=True)
        result = hashmigrate.convert(self.blog, to=kind, out=scratch, blog_url=BLOG_URL)
        assert result.ok, result.counts()
        return folder_files(scratch)

    def devto_publisher(self) -> Any:
        config = PublishConfig(api_url=self.forem.url, env={"DEVTO_API_KEY": self.forem.api_key})
        return create_publisher("devto", config)

    def wp_publisher(self) -> Any:
        config = PublishConfig(
            exporter_options={"category": self.category},
            env={"WP_URL": self.wp.url, "WP_USER": self.wp.user, "WP_APP_PASSWORD": self.wp.app_password},
        )
        return create_publisher("wordpress", config)


def prefix_slug(text: str, token: str) -> str:
    """Give a post file's slug the prefix ``token-``: in its front matter, else through its # heading."""
    if text.startswith("---"):
        changed, n = re.subn(r"^slug: *(\S+)", rf"slug: {token}-\1", text, count=1, flags=re.M)
        assert n == 1, text[:300]
        return changed
    # An old post without front matter: the slug is made from the title in its first heading.
    changed, n = re.subn(r"^(#+) ", rf"\1 {token} ", text, count=1, flags=re.M)
    assert n == 1, text[:300]
    return changed


def folder_files(folder: Path) -> dict[str, bytes]:
    """Every file of a folder target but the manifest and any temporary file a killed write left
    (a known bug, pinned by test_a_run_killed_mid_write_leaves_no_temporary_file_behind)."""
    if not folder.exists():
        return {}
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name not in FOLDER_BOOKKEEPING and not TEMP_FILE.match(path.name)
    }


def temp_files(*folders: Path) -> list[str]:
    return [
        str(p) for folder in folders if folder.exists() for p in folder.rglob("*") if TEMP_FILE.match(p.name)
    ]


def local_snapshot(world: World) -> dict[str, tuple[int, bytes]]:
    """mtime and content of every file under the folder targets, bookkeeping included."""
    return {
        str(path): (path.stat().st_mtime_ns, path.read_bytes())
        for folder in (world.hugo, world.jekyll)
        if folder.exists()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def wp_view(post: dict[str, Any]) -> tuple[Any, ...]:
    return (
        post["slug"],
        post["status"],
        post["modified_gmt"],
        post["title"]["raw"],
        post["content"]["raw"],
        post["excerpt"]["raw"],
        tuple(post["categories"]),
        tuple(post["tags"]),
    )


@dataclass
class Snapshot:
    local: dict[str, tuple[int, bytes]]
    rows: list[Row]
    wordpress: dict[int, tuple[Any, ...]]
    devto_requests: int
    devto_writes: int


def snapshot(world: World) -> Snapshot:
    return Snapshot(
        local=local_snapshot(world),
        rows=world.rows(),
        wordpress={post_id: wp_view(p) for post_id, p in world.wp_posts().items()},
        devto_requests=len(world.forem.requests),
        devto_writes=len(world.forem.write_requests),
    )


def wait_until_wordpress_is_idle(site: WordPressSite, timeout: float = 30.0) -> bool:
    """Wait until ``php -S`` has closed every connection it accepted (its log says both); False if it
    has not within ``timeout``, and then the checks that follow find any harm it did.

    A killed client's request goes on in PHP; a scheduler's next run starts minutes later, when it is
    long done. A run started at once could look a post up before that request has created it.
    """
    log = site.workdir / "php-server.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if text.count(" Accepted") <= text.count(" Closing"):
            return True
        time.sleep(0.05)
    return False


# ---------------------------------------------------------------------------------------------------------
# The one check every scenario ends with: each post once at every target, and the state says so
# ---------------------------------------------------------------------------------------------------------


def assert_in_step(world: World, scratch: Path) -> None:
    """Every post of the source exists exactly once at every target, holding its current rendering,
    and the state has one delivered row per post and target whose id and hash are what the target holds."""
    posts = world.posts()
    keys = sorted(post_key(p) for p in posts)
    assert len(keys) == POSTS
    by_target: dict[str, dict[str, Row]] = {}
    for row in world.rows():
        by_target.setdefault(row.target, {})[row.post_key] = row
    assert set(by_target) == {world.target_id(kind) for kind in world.targets}, sorted(by_target)
    for target, records in by_target.items():
        assert sorted(records) == keys, target
        undelivered = [r for r in records.values() if r.remote_id is None or r.outcome not in DELIVERED]
        assert not undelivered, undelivered
        remote_ids = [r.remote_id for r in records.values()]
        assert len(set(remote_ids)) == len(remote_ids), f"{target}: two posts share a remote id"

    for kind, folder in (("hugo", world.hugo), ("jekyll", world.jekyll)):
        if kind not in world.targets:
            continue
        actual = folder_files(folder)
        assert actual == world.reference(kind, scratch / kind), f"{kind}: the folder is not the source"
        pages = (
            list(folder.glob("content/posts/*/index.md"))
            if kind == "hugo"
            else list(folder.glob("_posts/*.md"))
        )
        assert len(pages) == POSTS, pages
        for row in by_target[world.target_id(kind)].values():
            assert row.remote_id is not None
            page = folder / row.remote_id
            assert page.is_file(), row
            assert hashlib.sha256(page.read_bytes()).hexdigest() == row.content_hash, row

    if "devto" in world.targets:
        articles = world.forem.articles
        titles = Counter(a.title for a in articles)
        assert len(articles) == POSTS and set(titles.values()) == {1}, titles
        assert sorted(titles) == sorted(p.title for p in posts)
        records = by_target[world.target_id("devto")]
        publisher = world.devto_publisher()
        try:
            for post in posts:
                row = records[post_key(post)]
                article = world.forem.article(int(row.remote_id or 0))
                assert article is not None, f"dev.to has no article {row.remote_id} for {post.slug}"
                expected = publisher.prepare(post, None)
                assert article.body_markdown == expected.content, post.slug
                assert row.content_hash == expected.content_hash, post.slug
        finally:
            publisher.close()
        # A run killed while it was sending a create leaves the server a request with no body: that
        # is the kill, not the client (which never sends a create without one).
        real = [v for v in world.forem.violations if "None is not of type 'object'" not in v.message]
        assert not real, real

    if "wordpress" in world.targets:
        remote = world.wp_posts()
        slugs = Counter(p["slug"] for p in remote.values())
        assert len(remote) == POSTS, sorted(slugs.items())
        assert slugs == Counter(p.slug for p in posts), slugs
        records = by_target[world.target_id("wordpress")]
        publisher = world.wp_publisher()
        category = world.category_id()
        try:
            for post in posts:
                row = records[post_key(post)]
                found = remote.get(int(row.remote_id or 0))
                assert found is not None, f"WordPress has no post {row.remote_id} for {post.slug}"
                expected = publisher.prepare(post, None)
                payload = json.loads(expected.content)
                assert found["slug"] == payload["slug"]
                assert found["title"]["raw"] == payload["title"]
                assert found["content"]["raw"] == payload["content"], post.slug
                assert category in found["categories"]
                assert row.content_hash == expected.content_hash, post.slug
        finally:
            publisher.close()


# ---------------------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def world(tmp_path: Path, forem: ForemServer, wordpress: WordPressSite) -> Iterator[World]:
    made = World(tmp_path / "world", forem, wordpress)
    made.create()
    try:
        yield made
    finally:
        made.cleanup()


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    return tmp_path / "reference"


def counts(summary: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {t["name"]: t["counts"] for t in summary["targets"]}


# ---------------------------------------------------------------------------------------------------------
# Once, then nothing, then exactly one update per target
# ---------------------------------------------------------------------------------------------------------


def test_four_targets_once_then_nothing_then_one_update_each(world: World, scratch: Path) -> None:
    first = world.run("--json")
    summary = first.ok()
    assert counts(summary) == {
        "hugo": {"written": POSTS},
        "jekyll": {"written": POSTS},
        "devto": {"created": POSTS},
        "wordpress": {"created": POSTS},
    }
    assert summary["writes"] == 4 * POSTS
    assert [r.operation for r in world.forem.write_requests] == ["createArticle"] * POSTS
    assert_in_step(world, scratch)

    # WordPress keeps modified_gmt to the second: a rewrite right after the first run could hide in it.
    time.sleep(1.1)
    before = snapshot(world)
    unchanged = world.run("--json")
    summary = unchanged.ok()
    assert summary["writes"] == 0
    assert counts(summary) == {name: {"unchanged": POSTS} for name in ALL_TARGETS}
    http = {t["name"]: t["http"] for t in summary["targets"] if t["type"] in ("devto", "wordpress")}
    assert all(stats["requests"] == 0 for stats in http.values()), http
    text = world.run()
    assert text.code == 0, text.stderr
    assert f"{POSTS} post(s): every target is up to date, nothing written" in text.stdout
    after = snapshot(world)
    assert after.devto_requests == before.devto_requests  # not even a GET
    assert after.wordpress == before.wordpress
    assert after.rows == before.rows
    assert after.local == before.local

    world.edit(EDITED, "Edited: the app now has 12 users.")
    edited_post = next(p for p in world.posts() if p.source.endswith(EDITED))
    key = post_key(edited_post)
    rows_before = {(r.target, r.post_key): r for r in after.rows}
    edit = world.run("--json")
    summary = edit.ok()
    assert summary["writes"] == 4
    assert counts(summary) == {
        "hugo": {"unchanged": POSTS - 1, "written": 1},
        "jekyll": {"unchanged": POSTS - 1, "written": 1},
        "devto": {"unchanged": POSTS - 1, "updated": 1},
        "wordpress": {"unchanged": POSTS - 1, "updated": 1},
    }
    final = snapshot(world)
    # dev.to: one PUT, to the article of the edited post.
    devto_id = rows_before[(world.target_id("devto"), key)].remote_id
    new_writes = world.forem.write_requests[before.devto_writes :]
    assert [(r.method, r.path) for r in new_writes] == [("PUT", f"/api/articles/{devto_id}")]
    # WordPress: that one post changed, every other post is as it was.
    wp_id = int(rows_before[(world.target_id("wordpress"), key)].remote_id or 0)
    changed = {i for i in final.wordpress if final.wordpress[i] != after.wordpress.get(i)}
    assert changed == {wp_id} and set(final.wordpress) == set(after.wordpress)
    # Folders: only the edited post's page (and the manifest that records its hash) changed.
    changed_files = {
        Path(p).relative_to(world.root).as_posix()
        for p in set(final.local) | set(after.local)
        if final.local.get(p) != after.local.get(p)
    }
    hugo_page = rows_before[(world.target_id("hugo"), key)].remote_id
    jekyll_page = rows_before[(world.target_id("jekyll"), key)].remote_id
    assert changed_files == {
        f"hugo/{hugo_page}",
        f"jekyll/{jekyll_page}",
        "hugo/.hashmigrate-manifest.json",
        "jekyll/.hashmigrate-manifest.json",
    }
    # State: the edited post's four rows changed, no other.
    changed_rows = {
        (r.target, r.post_key) for r in final.rows if rows_before.get((r.target, r.post_key)) != r
    }
    assert changed_rows == {(world.target_id(kind), key) for kind in ALL_TARGETS}
    assert_in_step(world, scratch)
    print(
        f"\ntimings: first four-target sync {first.seconds:.2f} s, unchanged {unchanged.seconds:.2f} s,"
        f" one edit {edit.seconds:.2f} s"
    )


# ---------------------------------------------------------------------------------------------------------
# Two syncs at once: the lock
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("second", ["together", "mid-run"])
def test_two_syncs_one_runs_the_other_exits_with_the_lock_message(
    world: World, scratch: Path, monkeypatch: pytest.MonkeyPatch, second: str
) -> None:
    """The overlap is made certain, not likely: dev.to holds every request of the run that got the lock
    until the other run has exited (a run that got the lock has written both folders by then)."""
    gate, arrived = threading.Event(), threading.Event()
    prepare = world.forem._prepare

    def held(exchange: Any) -> Any:
        arrived.set()
        gate.wait(RUN_TIMEOUT)
        return prepare(exchange)

    monkeypatch.setattr(world.forem, "_prepare", held)
    runs: list[subprocess.Popen[str]] = []
    loser: subprocess.Popen[str] | None = None
    try:
        runs.append(world.start("--json"))
        if second == "mid-run":
            assert arrived.wait(RUN_TIMEOUT), "the first sync never reached dev.to"
        runs.append(world.start("--json"))
        deadline = time.monotonic() + RUN_TIMEOUT
        while all(p.poll() is None for p in runs) and time.monotonic() < deadline:
            time.sleep(0.02)
        loser = next((p for p in runs if p.poll() is not None), None)
        assert loser is not None, "neither sync exited while one of them was held at dev.to"
    finally:
        gate.set()
        outputs = {id(p): p.communicate(timeout=RUN_TIMEOUT) for p in runs}
    winner = next(p for p in runs if p is not loser)
    loser_out, loser_err = outputs[id(loser)]
    winner_out, winner_err = outputs[id(winner)]
    assert loser.returncode == BUSY, (loser.returncode, loser_err)
    assert LOCK_MESSAGE in loser_err and loser_err.count("\n") == 1, loser_err
    assert loser_out == ""
    assert winner.returncode == 0, winner_err
    if second == "mid-run":
        assert winner is runs[0]  # the one already running when the other started
    summary = json.loads(winner_out)
    assert summary["writes"] == 4 * POSTS
    assert counts(summary) == {
        "hugo": {"written": POSTS},
        "jekyll": {"written": POSTS},
        "devto": {"created": POSTS},
        "wordpress": {"created": POSTS},
    }
    # Nothing twice: one create per article at dev.to, and every post once everywhere.
    assert [r.operation for r in world.forem.write_requests] == ["createArticle"] * POSTS
    assert_in_step(world, scratch)
    again = world.run("--json").ok()
    assert again["writes"] == 0


# ---------------------------------------------------------------------------------------------------------
# --dry-run and --prune
# ---------------------------------------------------------------------------------------------------------


def test_dry_run_sends_nothing_and_writes_nothing(world: World, scratch: Path) -> None:
    plan = world.run("--dry-run", "--json")
    summary = plan.ok()
    assert summary["dry_run"] is True and summary["writes"] == 0 and summary["would_write"] == 4 * POSTS
    assert counts(summary) == {
        "hugo": {"would-write": POSTS},
        "jekyll": {"would-write": POSTS},
        "devto": {"would-create": POSTS},
        "wordpress": {"would-create": POSTS},
    }
    assert world.forem.requests == []
    assert world.wp_posts() == {}
    assert not world.hugo.exists() and not world.jekyll.exists()
    assert not world.state.exists()
    # The one file a dry run may leave: the lock it held while it looked.
    if world.state.parent.exists():
        assert {p.name for p in world.state.parent.iterdir()} <= {world.state.name + ".lock"}
    text = world.run("--dry-run")
    assert text.code == 0, text.stderr
    assert f"{4 * POSTS} change(s) to make (dry run: nothing changed)" in text.stdout
    assert "up to date" not in text.stdout

    world.run("--json").ok()
    world.edit(EDITED, "Edited after the first sync.")
    time.sleep(1.1)  # WordPress's modified_gmt counts seconds
    before = snapshot(world)
    summary = world.run("--dry-run", "--json").ok()
    assert summary["writes"] == 0 and summary["would_write"] == 4
    assert counts(summary) == {
        "hugo": {"unchanged": POSTS - 1, "would-write": 1},
        "jekyll": {"unchanged": POSTS - 1, "would-write": 1},
        "devto": {"unchanged": POSTS - 1, "would-update": 1},
        "wordpress": {"unchanged": POSTS - 1, "would-update": 1},
    }
    after = snapshot(world)
    assert after.devto_requests == before.devto_requests
    assert after.wordpress == before.wordpress
    assert after.rows == before.rows
    assert after.local == before.local
    text = world.run("--dry-run")
    assert "4 change(s) to make (dry run: nothing changed)" in text.stdout and "up to date" not in text.stdout
    # The real run then does exactly what the dry run announced.
    summary = world.run("--json").ok()
    assert summary["writes"] == 4
    assert_in_step(world, scratch)


def test_prune_removes_from_the_folders_and_reports_what_it_cannot_remove(world: World) -> None:
    world.run("--json").ok()
    gone = next(p for p in world.posts() if p.source.endswith(GONE))
    key = post_key(gone)
    rows = {(r.target, r.post_key): r for r in world.rows()}
    hugo_page = world.hugo / str(rows[(world.target_id("hugo"), key)].remote_id)
    jekyll_page = world.jekyll / str(rows[(world.target_id("jekyll"), key)].remote_id)
    devto_id = int(rows[(world.target_id("devto"), key)].remote_id or 0)
    wp_id = int(rows[(world.target_id("wordpress"), key)].remote_id or 0)
    (world.blog / GONE).unlink()

    # Without --prune: reported at every target, removed nowhere.
    writes = len(world.forem.write_requests)
    reported = world.run("--json")
    assert reported.code == 0, reported.stderr
    summary = reported.summary()
    assert summary["writes"] == 0 and summary["posts"] == POSTS - 1
    assert {t["name"]: len(t["gone"]) for t in summary["targets"]} == dict.fromkeys(ALL_TARGETS, 1)
    assert all(t["pruned"] == [] for t in summary["targets"])
    assert hugo_page.is_file() and jekyll_page.is_file()
    text = world.run()
    assert text.stdout.count("1 gone from the source") == len(ALL_TARGETS), text.stdout

    pruned = world.run("--prune", "--json")
    summary = pruned.summary()
    targets = {t["name"]: t for t in summary["targets"]}
    # The folders: the page is deleted (a Hugo page bundle with its folder) and forgotten by the state.
    assert targets["hugo"]["pruned"] == [hugo_page.relative_to(world.hugo).as_posix()]
    assert targets["jekyll"]["pruned"] == [jekyll_page.relative_to(world.jekyll).as_posix()]
    assert not hugo_page.exists() and not hugo_page.parent.exists() and not jekyll_page.exists()
    assert len(list(world.hugo.glob("content/posts/*/index.md"))) == POSTS - 1
    assert len(list(world.jekyll.glob("_posts/*.md"))) == POSTS - 1
    keys = {(r.target, r.post_key) for r in world.rows()}
    assert (world.target_id("hugo"), key) not in keys and (world.target_id("jekyll"), key) not in keys
    # dev.to has no delete in its API: the article stays, the run says so and fails (exit 1).
    assert targets["devto"]["pruned"] == [] and len(targets["devto"]["gone"]) == 1
    assert "dev.to's API cannot delete articles" in targets["devto"]["error"]
    assert world.forem.article(devto_id) is not None
    assert len(world.forem.write_requests) == writes  # no DELETE, no unpublish, nothing
    assert (world.target_id("devto"), key) in keys
    # WordPress: the post goes to WordPress's trash, and the state forgets it.
    assert len(targets["wordpress"]["pruned"]) == 1 and not targets["wordpress"]["error"]
    assert wp_id not in world.wp_posts()
    assert (world.target_id("wordpress"), key) not in keys
    # dev.to's refusal makes the run fail (exit 1), so a scheduler reports it.
    assert pruned.code == 1 and summary["ok"] is False
    assert "cannot delete" in pruned.stderr
    assert summary["writes"] == 3  # the two pages and the WordPress post


def test_prune_deletes_the_post_at_wordpress(world: World) -> None:
    world.targets = ("wordpress",)
    world.config.write_text(world._config_text(), encoding="utf-8")
    world.run("--json")
    gone = next(p for p in world.posts() if p.source.endswith(EDITED))
    row = next(r for r in world.rows() if r.post_key == post_key(gone))
    (world.blog / EDITED).unlink()
    pruned = world.run("--prune", "--json")
    assert int(row.remote_id or 0) not in world.wp_posts()
    assert pruned.code == 0, pruned.stderr


# ---------------------------------------------------------------------------------------------------------
# SIGKILL at random moments
# ---------------------------------------------------------------------------------------------------------

KILLS = 20
SEED = 20260526


@dataclass
class Kill:
    number: int
    fresh: bool
    edited: int
    delay: float
    killed: bool  # still running when the signal came (else it had finished)
    state_rows_changed: int  # by the killed run
    pending: int  # creates it had sent without learning their ids
    follow_up_writes: int
    follow_up_counts: dict[str, dict[str, int]]

    @property
    def midway(self) -> bool:
        """The killed run had done part of the work and left the rest to the next run."""
        return self.killed and self.state_rows_changed > 0 and self.follow_up_writes > 0


@pytest.mark.slow
def test_sigkill_at_random_moments_then_a_normal_run_leaves_each_post_once(
    world: World, scratch: Path
) -> None:
    """Twenty runs killed with SIGKILL, each followed by a normal run, then every post once everywhere.

    Even rounds start from nothing at all targets, so the kill lands among creates (the duplicates'
    source); odd rounds edit one to three posts first, so it lands among updates. dev.to answers every
    request 30 ms late, after storing it, which widens the window between "created" and "id recorded".
    The kill delay is drawn from [0, 1.2 x one full run], measured first (after a warm-up run).
    """
    rng = random.Random(SEED)

    def slow_devto() -> None:
        world.forem.faults.randomly(1.0, [Fault.slow(0.03)], seed=SEED)

    slow_devto()
    world.run("--json").ok()  # a warm-up: WordPress makes the tags and the category once
    world.reset_targets()
    slow_devto()
    measured = world.run("--json")
    measured.ok()
    full = measured.seconds
    assert_in_step(world, scratch)
    names = sorted(p.name for p in world.blog.glob("c*.md"))
    kills: list[Kill] = []
    loop_started = time.monotonic()
    for round_ in range(KILLS):
        fresh = round_ % 2 == 0
        if fresh:
            world.reset_targets()
            slow_devto()
        edits = 0 if fresh else rng.randint(1, 3)
        for name in rng.sample(names, edits):
            world.edit(name, f"Edited before kill {round_}.")
        delay = rng.uniform(0, 1.2 * full)
        before = {(r.target, r.post_key): r for r in world.rows()}
        victim = world.start("--json", capture=False)
        try:
            victim.wait(timeout=delay)
            killed = False
        except subprocess.TimeoutExpired:
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=RUN_TIMEOUT)
            killed = True
        left = world.rows()
        wait_until_wordpress_is_idle(world.wp)
        follow_up = world.run("--json")
        summary = follow_up.ok()
        kills.append(
            Kill(
                number=round_,
                fresh=fresh,
                edited=edits,
                delay=delay,
                killed=killed,
                state_rows_changed=sum(1 for r in left if before.get((r.target, r.post_key)) != r),
                pending=sum(1 for r in left if r.remote_id is None),
                follow_up_writes=summary["writes"],
                follow_up_counts=counts(summary),
            )
        )
        try:
            assert_in_step(world, scratch)
        except AssertionError as exc:
            raise AssertionError(f"after kill {kills[-1]}:\n{exc}") from exc
    loop_seconds = time.monotonic() - loop_started
    # Not vacuous: runs were cut short, some halfway through, some with a create sent and its answer lost.
    # (Delays are fixed fractions of the measured run, so a slow machine does not change these much.)
    assert sum(k.killed for k in kills) >= KILLS // 5, kills
    assert any(k.midway for k in kills), kills
    assert any(k.pending for k in kills), kills
    leftovers = temp_files(world.hugo, world.jekyll)
    print(
        f"\nkill loop: one full run {full:.2f} s; {KILLS} rounds in {loop_seconds:.1f} s;"
        f" killed mid-run {sum(k.killed for k in kills)}, midway {sum(k.midway for k in kills)},"
        f" with a create in flight {sum(k.pending > 0 for k in kills)};"
        f" adopted by the next run {sum(c.get('adopted', 0) for k in kills for c in k.follow_up_counts.values())};"
        f" temp files left {len(leftovers)}"
    )
    for kill in kills:
        print(f"  {kill}")


# The first os.replace of a folder sync is the rename of its first page's temporary file: dying there is
# exactly a SIGKILL between "temporary file written" and "renamed into place".
DIE_AT_FIRST_RENAME = """\
import os, signal
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
os.replace = die
from hashmigrate.cli import main
main()
"""


def test_a_run_killed_mid_write_leaves_no_temporary_file_behind(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "blog")
    site = tmp_path / "site"
    subprocess.run(["git", "init", "-q", str(site)], check=True, timeout=60)
    config = tmp_path / "hashmigrate.toml"
    config.write_text(
        f'[source]\ntype = "backup"\npath = "blog"\nblog_url = "{BLOG_URL}"\n\n'
        '[[targets]]\ntype = "hugo"\nout = "site"\ngit_commit = true\n',
        encoding="utf-8",
    )
    args = ["sync", "--config", str(config), "--json"]
    env = {k: v for k, v in os.environ.items() if k not in UNNAMED_SECRETS}
    killed = subprocess.run(
        [sys.executable, "-c", DIE_AT_FIRST_RENAME, *args], env=env, capture_output=True, timeout=RUN_TIMEOUT
    )
    assert killed.returncode == -signal.SIGKILL
    assert temp_files(site), "the kill did not land between the temporary file and its rename"
    done = subprocess.run(
        [sys.executable, "-m", "hashmigrate", *args], env=env, capture_output=True, timeout=RUN_TIMEOUT
    )
    assert done.returncode == 0, done.stderr
    committed = subprocess.run(
        ["git", "-C", str(site), "ls-files"], capture_output=True, text=True, check=True, timeout=60
    ).stdout.splitlines()
    assert not [name for name in committed if TEMP_FILE.match(Path(name).name)], committed
    assert temp_files(site) == []
