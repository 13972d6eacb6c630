"""An unchanged sync skips a target on its run fingerprint: nothing read, rendered, sent or written.

Every skip is checked against what the full path reports for the same inputs (the same summary and the
same per-post results), and every input a skip must notice (a source file, an output file, a target
option, the code, a failed post, a killed run, a post to prune) is changed once to see the full path run.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.forem_server import ForemServer
from support.image_server import ImageServer

import hashmigrate.sync.fingerprint as fingerprint
import hashmigrate.sync.run as run
from hashmigrate.api import PostResult
from hashmigrate.sync.config import SyncConfig, load
from hashmigrate.sync.run import SyncResult, sync

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "blog"
POSTS = 10  # published posts of examples/blog
EDITED = "clzhfgd9o00120497lgrjj57k.md"
# The post the prune tests delete: no other post links to it or embeds it, so deleting it changes no
# other post's page (EDITED is embedded by cm5x2po1f…, and an own-post embed becomes a link to the
# post's new address, which a deleted post no longer has).
GONE = "clu88pl5800130v3apwrmhpf6.md"  # "What I Learned Letting an AI Review My Pull Requests"
SECRET = "sk-fingerprint-FAKE-93c1d0"


class Calls:
    """Counts the calls of the module functions the full path goes through (and only it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.read = self.convert = self.publish = 0
        import hashmigrate.publish

        for module, name in ((run, "read"), (run, "convert"), (hashmigrate.publish, "publish")):
            monkeypatch.setattr(module, name, self._counting(name, getattr(module, name)))

    def _counting(self, name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            setattr(self, name, getattr(self, name) + 1)
            return real(*args, **kwargs)

        return counted

    def reset(self) -> None:
        self.read = self.convert = self.publish = 0

    @property
    def full(self) -> bool:
        return self.read + self.convert + self.publish > 0


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    return Calls(monkeypatch)


def make_config(tmp: Path, targets: str, source_extra: str = "") -> SyncConfig:
    blog = tmp / "blog"
    if not blog.exists():
        shutil.copytree(EXAMPLES, blog)
    config = tmp / "hashmigrate.toml"
    config.write_text(
        f'[source]\ntype = "backup"\npath = "blog"\nblog_url = "https://blog.example.dev"\n{source_extra}\n'
        f"{targets}",
        encoding="utf-8",
    )
    return load(config)


HUGO_JEKYLL = '[[targets]]\ntype = "hugo"\nout = "hugo"\n[[targets]]\ntype = "jekyll"\nout = "jekyll"\n'


def counts(result: SyncResult) -> dict[str, dict[str, int]]:
    return {t.name: dict(t.counts()) for t in result.targets}


def posts_of(result: SyncResult) -> dict[str, list[dict[str, Any]]]:
    return {t.name: [p.as_dict() for p in t.posts] for t in result.targets}


def full_path_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "_planned", lambda *args, **kwargs: None)


def files(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def state_rows(config: SyncConfig, table: str) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(f"{config.state.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
    finally:
        db.close()


def edit(path: Path, words: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n\n{words}\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------


def test_an_unchanged_sync_reads_nothing_and_reports_what_the_full_path_reports(
    tmp_path: Path, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(tmp_path, HUGO_JEKYLL)
    first = sync(config, env={})
    assert first.ok and counts(first) == {"hugo": {"written": POSTS}, "jekyll": {"written": POSTS}}

    with monkeypatch.context() as patch:
        full_path_only(patch)
        calls.reset()
        seen_full: list[tuple[str, str, str]] = []
        full = sync(config, env={}, on_post=lambda t, p: seen_full.append((t, p.source, p.status)))
        assert calls.convert == 2 and calls.read == 1  # the reference really is the full path

    before = {name: files(tmp_path / name) for name in ("hugo", "jekyll")}
    rows = state_rows(config, "deliveries")
    calls.reset()
    seen: list[tuple[str, str, str]] = []
    skipped = sync(config, env={}, on_post=lambda t, p: seen.append((t, p.source, p.status)))
    assert (calls.read, calls.convert) == (0, 0)
    assert skipped.as_dict() == full.as_dict()
    assert posts_of(skipped) == posts_of(full)  # notes, paths and URLs included
    assert seen == seen_full
    assert counts(skipped) == {"hugo": {"unchanged": POSTS}, "jekyll": {"unchanged": POSTS}}
    assert skipped.posts == POSTS and skipped.writes == 0
    assert {name: files(tmp_path / name) for name in ("hugo", "jekyll")} == before
    assert state_rows(config, "deliveries") == rows
    # Right after the run that wrote everything, the skip already applies (no second full run needed).
    shutil.rmtree(tmp_path / "hugo")
    shutil.rmtree(tmp_path / "jekyll")
    config.state.unlink()
    sync(config, env={})
    calls.reset()
    assert posts_of(sync(config, env={})) == posts_of(full) and not calls.full


def test_a_dry_run_skips_too_and_records_nothing(tmp_path: Path, calls: Calls) -> None:
    config = make_config(tmp_path, HUGO_JEKYLL)
    dry = sync(config, env={}, dry_run=True)
    assert counts(dry) == {"hugo": {"would-write": POSTS}, "jekyll": {"would-write": POSTS}}
    assert not config.state.exists()
    sync(config, env={})
    runs = state_rows(config, "sync_runs")
    calls.reset()
    dry = sync(config, env={}, dry_run=True)
    assert not calls.full and dry.dry_run and dry.would_write == 0
    assert counts(dry) == {"hugo": {"unchanged": POSTS}, "jekyll": {"unchanged": POSTS}}
    edit(tmp_path / "blog" / EDITED, "Edited.")
    dry = sync(config, env={}, dry_run=True)
    assert calls.full and counts(dry)["hugo"] == {"unchanged": POSTS - 1, "would-write": 1}
    assert state_rows(config, "sync_runs") == runs  # a dry run neither forgets nor records


def test_an_edited_source_file_updates_exactly_that_post(tmp_path: Path, calls: Calls) -> None:
    config = make_config(tmp_path, HUGO_JEKYLL)
    sync(config, env={})
    before = files(tmp_path / "hugo")
    edit(tmp_path / "blog" / EDITED, "Edited: the app now has 12 users.")
    calls.reset()
    edited = sync(config, env={})
    assert calls.read == 1 and calls.convert == 2
    assert counts(edited) == {name: {"unchanged": POSTS - 1, "written": 1} for name in ("hugo", "jekyll")}
    [written] = [p for p in edited.targets[0].posts if p.status == "written"]
    assert written.source.endswith(EDITED)
    after = files(tmp_path / "hugo")
    changed = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
    page = Path(written.paths[0]).relative_to((tmp_path / "hugo").resolve()).as_posix()
    assert changed == {page, ".hashmigrate-manifest.json"}
    calls.reset()
    again = sync(config, env={})
    assert not calls.full
    assert counts(again) == {"hugo": {"unchanged": POSTS}, "jekyll": {"unchanged": POSTS}}


def test_a_deleted_output_file_is_written_again(tmp_path: Path, calls: Calls) -> None:
    config = make_config(tmp_path, HUGO_JEKYLL)
    sync(config, env={})
    page = next((tmp_path / "jekyll" / "_posts").glob("*.md"))
    content = page.read_bytes()
    page.unlink()
    calls.reset()
    restored = sync(config, env={})
    assert calls.convert == 1  # only the target that lost a file takes the full path
    assert counts(restored) == {
        "hugo": {"unchanged": POSTS},
        "jekyll": {"unchanged": POSTS - 1, "written": 1},
    }
    assert page.read_bytes() == content
    # The writer's manifest (what tells its files from the user's) is restored by the full path.
    manifest = tmp_path / "hugo" / ".hashmigrate-manifest.json"
    recorded = manifest.read_bytes()
    manifest.unlink()
    calls.reset()
    assert counts(sync(config, env={}))["hugo"] == {"unchanged": POSTS} and calls.convert == 1
    assert manifest.read_bytes() == recorded
    # The site file the exporter writes beside the posts counts as well.
    (tmp_path / "hugo" / "hugo-config-snippet.toml").unlink()
    calls.reset()
    sync(config, env={})
    assert calls.convert == 1 and (tmp_path / "hugo" / "hugo-config-snippet.toml").is_file()


def test_an_output_file_edited_to_the_same_size_is_a_conflict_as_before(tmp_path: Path, calls: Calls) -> None:
    config = make_config(tmp_path, HUGO_JEKYLL)
    sync(config, env={})
    page = next((tmp_path / "hugo" / "content" / "posts").glob("*/index.md"))
    text = page.read_bytes()
    stat = page.stat()
    changed = text.replace(b"title:", b"Title:", 1)
    assert changed != text and len(changed) == len(text)
    page.write_bytes(changed)
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # even the time is put back
    calls.reset()
    result = sync(config, env={})
    assert calls.convert == 1 and not result.ok
    assert counts(result)["hugo"] == {"unchanged": POSTS - 1, "conflict": 1}
    assert page.read_bytes() == changed  # left alone, as the full path always has
    calls.reset()
    assert not sync(config, env={}).ok and calls.convert == 1  # a failed run is never replayed


def test_a_changed_target_option_renders_again(tmp_path: Path, calls: Calls) -> None:
    config = make_config(tmp_path, '[[targets]]\ntype = "hugo"\nout = "hugo"\n')
    sync(config, env={})
    config = make_config(
        tmp_path, '[[targets]]\ntype = "hugo"\nout = "hugo"\noptions = { aliases = false }\n'
    )
    calls.reset()
    result = sync(config, env={})
    assert calls.convert == 1 and counts(result) == {"hugo": {"written": POSTS}}
    page = next((tmp_path / "hugo" / "content" / "posts").glob("*/index.md"))
    assert "aliases:" not in page.read_text()
    calls.reset()
    sync(config, env={})
    assert not calls.full


def test_changed_code_takes_the_full_path(
    tmp_path: Path, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(tmp_path, '[[targets]]\ntype = "hugo"\nout = "hugo"\n')
    sync(config, env={})
    monkeypatch.setattr(fingerprint, "code_digest", lambda: "another version of hashmigrate")
    calls.reset()
    assert counts(sync(config, env={})) == {"hugo": {"unchanged": POSTS}} and calls.convert == 1


def test_a_failed_post_means_the_next_run_takes_the_full_path(
    tmp_path: Path, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    from exporters.hugo import HugoExporter

    config = make_config(tmp_path, '[[targets]]\ntype = "hugo"\nout = "hugo"\n')
    sync(config, env={})
    edit(tmp_path / "blog" / EDITED, "Edited.")
    real = HugoExporter.render

    def failing(self: HugoExporter, post: Any, site: Any) -> Any:
        if post.source.endswith(EDITED):
            raise RuntimeError("a renderer bug")
        return real(self, post, site)

    with monkeypatch.context() as patch:
        patch.setattr(HugoExporter, "render", failing)
        failed = sync(config, env={})
    assert not failed.ok and counts(failed) == {"hugo": {"unchanged": POSTS - 1, "failed": 1}}
    assert state_rows(config, "sync_runs") == []  # the clean run before it is forgotten too
    calls.reset()
    fixed = sync(config, env={})  # the same inputs as the failed run
    assert calls.convert == 1 and counts(fixed) == {"hugo": {"unchanged": POSTS - 1, "written": 1}}


def test_prune_takes_the_full_path_when_something_is_gone(tmp_path: Path, calls: Calls) -> None:
    config = make_config(tmp_path, '[[targets]]\ntype = "hugo"\nout = "hugo"\n')
    sync(config, env={})
    (tmp_path / "blog" / GONE).unlink()
    reported = sync(config, env={})
    assert len(reported.targets[0].gone) == 1 and reported.posts == POSTS - 1
    calls.reset()
    again = sync(config, env={})
    assert not calls.full and again.targets[0].gone == reported.targets[0].gone
    assert again.as_dict() == reported.as_dict()
    calls.reset()
    pruned = sync(config, env={}, prune=True)
    assert calls.convert == 1 and len(pruned.targets[0].pruned) == 1
    assert len(list((tmp_path / "hugo" / "content" / "posts").glob("*/index.md"))) == POSTS - 1
    sync(config, env={})  # a run that pruned is not replayed: this one records
    calls.reset()
    quiet = sync(config, env={}, prune=True)
    assert not calls.full and quiet.targets[0].gone == [] and quiet.targets[0].pruned == []


def test_git_history_is_an_input(tmp_path: Path, calls: Calls) -> None:
    """Posts without a date are dated by git: a new commit can change a post without changing a file."""
    config = make_config(tmp_path, '[[targets]]\ntype = "hugo"\nout = "hugo"\n')
    blog = tmp_path / "blog"
    git = ["git", "-C", str(blog), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(blog)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": "2021-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2021-01-01T00:00:00Z",
    }
    subprocess.run([*git, "commit", "-qm", "create post: all"], check=True, env=env)
    sync(config, env={})
    calls.reset()
    sync(config, env={})
    assert not calls.full
    subprocess.run([*git, "commit", "-q", "--amend", "--no-edit", "--date=2022-02-02T00:00:00Z"], check=True)
    calls.reset()
    sync(config, env={})
    assert calls.convert == 1


def test_a_state_file_from_before_the_table_is_migrated(tmp_path: Path) -> None:
    config = make_config(tmp_path, '[[targets]]\ntype = "hugo"\nout = "hugo"\n')
    config.state.parent.mkdir(parents=True)
    db = sqlite3.connect(config.state)
    db.execute(
        "CREATE TABLE deliveries (target TEXT NOT NULL, post_key TEXT NOT NULL, remote_id TEXT,"
        " remote_url TEXT, content_hash TEXT, public INTEGER NOT NULL DEFAULT 0, outcome TEXT NOT NULL,"
        " message TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (target, post_key))"
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    assert sync(config, env={}, dry_run=True).ok  # read-only: the table is not there yet
    assert sync(config, env={}).ok
    assert [row[0] for row in state_rows(config, "sync_runs")] == ["hugo"]


# A SIGKILL at the first rename of a folder sync: the temporary page is written, nothing renamed yet.
DIE_AT_FIRST_RENAME = """\
import os, signal, sys
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
os.replace = die
from hashmigrate.cli import main
sys.argv[0] = "hashmigrate"
main()
"""


def test_a_killed_run_leaves_no_record(tmp_path: Path, calls: Calls) -> None:
    config = make_config(tmp_path, '[[targets]]\ntype = "hugo"\nout = "hugo"\n')
    sync(config, env={})
    assert len(state_rows(config, "sync_runs")) == 1
    post = tmp_path / "blog" / EDITED
    original = post.read_bytes()
    edit(post, "Edited.")
    killed = subprocess.run(
        [sys.executable, "-c", DIE_AT_FIRST_RENAME, "sync", "--config", str(config.path)],
        capture_output=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert state_rows(config, "sync_runs") == []
    post.write_bytes(original)  # back to the inputs of the recorded run
    calls.reset()
    result = sync(config, env={})
    assert calls.convert == 1 and result.ok


def test_a_source_edited_while_it_is_read_is_not_recorded(
    tmp_path: Path, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(tmp_path, '[[targets]]\ntype = "hugo"\nout = "hugo"\n')
    post = tmp_path / "blog" / EDITED
    original = post.read_bytes()
    real = run.read

    def edited_first(*args: Any, **kwargs: Any) -> Any:
        edit(post, "Edited after the fingerprint was taken.")
        return real(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(run, "read", edited_first)
        assert sync(config, env={}).ok
    post.write_bytes(original)  # the inputs the fingerprint saw, which this run's output does not hold
    calls.reset()
    result = sync(config, env={})
    assert calls.convert == 1 and counts(result) == {"hugo": {"unchanged": POSTS - 1, "written": 1}}


def test_a_journal_left_by_a_killed_write_takes_the_full_path(tmp_path: Path, calls: Calls) -> None:
    config = make_config(tmp_path, '[[targets]]\ntype = "hugo"\nout = "hugo"\n')
    sync(config, env={})
    journal = tmp_path / "hugo" / ".hashmigrate-manifest.journal"
    journal.write_text(
        f"{'0' * 64} content/posts/x/index.md\n"
    )  # as a killed `hashmigrate convert` leaves it
    calls.reset()
    assert counts(sync(config, env={})) == {"hugo": {"unchanged": POSTS}} and calls.convert == 1
    assert not journal.exists()


@pytest.fixture
def images() -> Iterator[ImageServer]:
    with ImageServer() as server:
        yield server


def test_downloaded_images_are_checked_in_the_folder_and_the_cache(
    tmp_path: Path, calls: Calls, images: ImageServer
) -> None:
    blog = tmp_path / "blog"
    shutil.copytree(EXAMPLES, blog)
    for post in blog.glob("*.md"):
        text = post.read_text()
        post.write_text(text.replace("https://cdn.hashnode.com/", f"{images.url}/img/cdn.hashnode.com/"))
    config = make_config(tmp_path, '[[targets]]\ntype = "hugo"\nout = "hugo"\ndownload_images = true\n')
    first = sync(config, env={})
    assert first.ok and counts(first) == {"hugo": {"written": POSTS}}
    hits = sum(images.hits.values())
    calls.reset()
    assert counts(sync(config, env={})) == {"hugo": {"unchanged": POSTS}} and not calls.full
    cover = next((tmp_path / "hugo" / "content" / "posts").glob("*/cover.png"))
    cover.unlink()
    calls.reset()
    assert counts(sync(config, env={})) == {"hugo": {"unchanged": POSTS - 1, "written": 1}}
    assert calls.convert == 1 and cover.is_file() and sum(images.hits.values()) == hits
    # An image gone from the cache would be downloaded again by the full path: no skip.
    shutil.rmtree(config.state.parent / "images" / "objects")
    calls.reset()
    assert counts(sync(config, env={})) == {"hugo": {"unchanged": POSTS}} and calls.convert == 1
    assert sum(images.hits.values()) > hits


def test_devto_is_skipped_after_a_run_that_changed_nothing(
    tmp_path: Path, calls: Calls, forem: ForemServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(
        tmp_path,
        f'[[targets]]\ntype = "devto"\napi_url = "{forem.url}"\napi_key_env = "FINGERPRINT_KEY"\n',
    )
    forem_key = {"FINGERPRINT_KEY": forem.api_key}
    created = sync(config, env=forem_key)
    assert counts(created) == {"devto": {"created": POSTS}}
    calls.reset()
    # What an API answers next depends on what it answered: one full run that changed nothing first.
    full = sync(config, env=forem_key)
    assert calls.publish == 1 and counts(full) == {"devto": {"unchanged": POSTS}}
    requests = len(forem.requests)
    calls.reset()
    skipped = sync(config, env=forem_key)
    assert not calls.full and len(forem.requests) == requests
    assert skipped.as_dict() == full.as_dict() and posts_of(skipped) == posts_of(full)
    assert skipped.targets[0].http["requests"] == 0
    stored = b"".join(p.read_bytes() for p in config.state.parent.iterdir() if p.is_file())
    assert forem.api_key.encode() not in stored and b"FINGERPRINT_KEY" not in stored
    # The state rows of the target changed behind the sync's back (another tool): the full path.
    db = sqlite3.connect(config.state)
    db.execute("UPDATE deliveries SET content_hash = 'x' WHERE rowid = (SELECT min(rowid) FROM deliveries)")
    db.commit()
    db.close()
    calls.reset()
    again = sync(config, env=forem_key)
    assert calls.publish == 1 and counts(again) == {"devto": {"unchanged": POSTS - 1, "updated": 1}}
    # A missing secret is the same error as ever.
    with pytest.raises(run.ConfigError, match="FINGERPRINT_KEY"):
        sync(config, env={})


def test_post_results_survive_the_round_trip() -> None:
    from hashmigrate.model import Note

    post = PostResult(
        source="blog/a.md",
        status="written",
        slug="a",
        title="A \u00e9",
        url="/posts/a/",
        paths=["/x/a.md"],
        notes=[Note("blog/a.md", "embed-as-link", "what", "why", "action")],
    )
    back = run._post_result(run._result_item(post))
    assert back.as_dict() == {**post.as_dict(), "status": "unchanged"}
