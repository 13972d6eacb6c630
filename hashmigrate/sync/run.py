"""One sync run: read the source once, bring every target up to date, remember what went where.

Folder targets (Hugo, Jekyll) go through :func:`hashmigrate.convert`, which leaves unchanged files alone;
API targets (dev.to, WordPress) through :func:`hashmigrate.publish.publish`, which records the intent of
every create before sending it. Both record each post in the same SQLite state store, so a second run
with nothing new writes nothing anywhere. Only one run per state file at a time (a lock).

Most runs find nothing new, and learning that by reading, parsing and rendering every post is most of
their time. So a run starts with a fingerprint: SHA-256 over everything a target's output depends on
(the source's bytes, the settings, hashmigrate's own code; never a secret's value). After a target
finished cleanly, its fingerprint is recorded in the state with what the run reported. A later run with
the same fingerprint, the same state rows for the target and, for a folder, every file it wrote still
holding what it wrote, reports that again (every post ``unchanged``) without reading a post. Anything
else, and any doubt, takes the full path, which is the only one that writes.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hashmigrate.api import ConvertResult, PostResult, PostStatus, convert
from hashmigrate.hashnode import Problem, SourceError, read
from hashmigrate.model import Note, Post
from hashmigrate.redaction import redact_url, remember_environment
from hashmigrate.sync.config import ConfigError, SourceConfig, SyncConfig, TargetConfig
from hashmigrate.sync.fingerprint import (
    image_cache_digest,
    outputs_intact,
    run_inputs,
    settings_json,
)

if TYPE_CHECKING:
    from hashmigrate.publish import Publisher

WRITES: frozenset[PostStatus] = frozenset({"written", "created", "updated", "adopted"})


class Busy(Exception):
    """Another sync holds the lock on this state file."""


@dataclass
class TargetOutcome:
    name: str
    type: str
    where: str
    posts: list[PostResult] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    committed: str | None = None
    http: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(p.ok for p in self.posts)

    def counts(self) -> Counter[PostStatus]:
        return Counter(p.status for p in self.posts)

    @property
    def writes(self) -> int:
        return sum(1 for p in self.posts if p.status in WRITES) + len(self.pruned)

    @property
    def would_write(self) -> int:
        """What a dry run found to do (``would-create``, ``would-update``, ``would-write``)."""
        return sum(1 for p in self.posts if p.status.startswith("would-"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "where": self.where,
            "ok": self.ok,
            "counts": dict(self.counts()),
            "writes": self.writes,
            "would_write": self.would_write,
            "gone": self.gone,
            "pruned": self.pruned,
            "committed": self.committed,
            "http": self.http,
            "error": self.error,
            "failed": [p.message for p in self.posts if not p.ok and p.message],
        }


@dataclass
class SyncResult:
    config: str
    dry_run: bool
    posts: int = 0
    problems: list[str] = field(default_factory=list)
    targets: list[TargetOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.targets) and not self.problems

    @property
    def writes(self) -> int:
        return sum(t.writes for t in self.targets)

    @property
    def would_write(self) -> int:
        return sum(t.would_write for t in self.targets)

    def as_dict(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "posts": self.posts,
            "writes": self.writes,
            "would_write": self.would_write,
            "problems": self.problems,
            "targets": [t.as_dict() for t in self.targets],
        }


def _check_folders(config: SyncConfig) -> None:
    """Every folder target's ``out`` can be a folder: one line before the run, not a failure per post."""
    for number, target in enumerate(config.targets, start=1):
        if target.out is None:
            continue
        blocker = next((p for p in (target.out, *target.out.parents) if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            what = "is a file" if blocker == target.out else f"is under {blocker}, which is a file"
            raise ConfigError(
                f"{config.path}: [[targets]] #{number} ({target.name}): out {target.out} {what}"
            )


@contextmanager
def locked(state: Path) -> Iterator[None]:
    """Hold ``<state>.lock`` for the run; a second run gets :class:`Busy` at once, never waits."""
    from hashmigrate.publish.state import StateError, explain

    lock_path = state.with_name(state.name + ".lock")
    try:
        state.parent.mkdir(parents=True, exist_ok=True)
        handle = lock_path.open("a+")
    except OSError as exc:
        raise StateError(explain(state, exc)) from None
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(f"another hashmigrate sync is running with {state} (lock {lock_path})") from None
        yield
    finally:
        handle.close()


def sync(
    config: SyncConfig,
    *,
    dry_run: bool = False,
    prune: bool = False,
    env: Mapping[str, str] | None = None,
    on_post: Callable[[str, PostResult], None] | None = None,
) -> SyncResult:
    """Bring every target of ``config`` up to date with its source."""
    environ = dict(os.environ) if env is None else dict(env)
    named = [config.source.token_env or ""]
    named += [name for target in config.targets for name in (target.api_key_env, target.password_env)]
    remember_environment(environ, named)
    result = SyncResult(config=str(config.path), dry_run=dry_run)
    _check_folders(config)
    with locked(config.state):
        source = config.source
        if source.type != "api" and source.git_pull and not dry_run:
            assert source.path is not None
            _git_pull(source.path)
        inputs = run_inputs(config)
        # Read only when some target needs the posts; an unfingerprinted source is read first, as always.
        posts = None if inputs is not None else _read_source(source, environ, result)
        settled = False  # the source did not change while it was read (else nothing may be recorded)
        for target in config.targets:
            outcome = TargetOutcome(name=target.name, type=target.type, where=_where(target))
            result.targets.append(outcome)

            def report(post: PostResult, name: str = target.name) -> None:
                if on_post is not None:
                    on_post(name, post)

            key, fingerprint = _identify(target, inputs, environ, dry_run, source.blog_url)
            replay = _planned(target, key, fingerprint, config, dry_run, prune)
            if replay is not None:
                if posts is None:
                    result.posts = replay.posts
                try:
                    _replay(target, replay, outcome, dry_run, report)
                except (OSError, ValueError, RuntimeError) as exc:
                    outcome.error = f"{target.name}: {exc}"
                continue
            if posts is None:
                posts = _read_source(source, environ, result)
                settled = run_inputs(config) == inputs
            try:
                if not dry_run:
                    _forget_run(config.state, target.name)
                if target.is_folder:
                    converted = _sync_folder(target, posts, config, outcome, dry_run, prune, report)
                else:
                    converted = None
                    _sync_api(target, posts, config, environ, outcome, dry_run, prune, report)
                if fingerprint is not None and key is not None and settled and not dry_run:
                    _record(target, key, fingerprint, config, result, outcome, converted)
            except ConfigError:
                raise
            except (OSError, ValueError, RuntimeError) as exc:
                outcome.error = f"{target.name}: {exc}"
    return result


def _where(target: TargetConfig) -> str:
    """Where the target is, as known before its publisher is made (which then says; see _sync_api)."""
    if target.is_folder:
        return str(target.out)
    if target.url or target.api_url:
        return redact_url(target.url or target.api_url or "")
    return "https://dev.to/api" if target.type == "devto" else target.type


def _read_source(source: SourceConfig, env: Mapping[str, str], result: SyncResult) -> list[Post]:
    items: Iterator[Post | Problem]
    if source.type == "api":
        from hashmigrate.hashnode.api import read_api
        from hashmigrate.http import Secret

        token = None
        if source.token_env:
            if not env.get(source.token_env):
                raise ConfigError(
                    f"[source]: the environment variable {source.token_env} (token_env) is not set"
                )
            token = Secret(env[source.token_env])
        items = read_api(
            source.host or "",
            endpoint=source.endpoint,
            token=token,
            drafts=source.drafts,
            repair=source.repair,
        )
    else:
        assert source.path is not None
        items = read(
            source.path,
            drafts=source.drafts,
            blog_url=source.blog_url,
            tags_from=source.tags_from,
            repair=source.repair,
        )
    posts: list[Post] = []
    for item in items:
        if isinstance(item, Post):
            posts.append(item)
        elif item.kind == "error":
            result.problems.append(item.line_text())
    result.posts = len(posts)
    return posts


def _git_pull(path: Path) -> None:
    done = subprocess.run(
        ["git", "-C", str(path), "pull", "--ff-only", "--quiet"], capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise SourceError(f"{path}: git pull failed: {done.stderr.strip().splitlines()[-1:] or ['?']}")


def _folder_target_id(target: TargetConfig) -> str:
    return f"{target.type}:{Path(target.out or '.').resolve()}"


def _sync_folder(
    target: TargetConfig,
    posts: list[Post],
    config: SyncConfig,
    outcome: TargetOutcome,
    dry_run: bool,
    prune: bool,
    report: Callable[[PostResult], None],
) -> ConvertResult:
    from hashmigrate.publish import content_hash, post_key
    from hashmigrate.publish.state import StateStore

    assert target.out is not None
    converted: ConvertResult = convert(
        posts,
        to=target.type,
        out=target.out,
        force=target.force,
        dry_run=dry_run,
        blog_url=None,
        options=dict(target.options),
        links=not target.keep_links,
        download_images=target.download_images,
        image_cache=config.state.parent / "images",
        on_post=report,
    )
    outcome.posts = converted.posts
    target_id = _folder_target_id(target)
    keys = {post.label: post_key(post) for post in posts}
    with StateStore(config.state, readonly=dry_run) as store:
        known = {record.post_key: record for record in store.records(target_id)}
        for done in converted.posts:
            key = keys.get(done.source)
            if key is None or not done.paths or done.status not in {"written", "unchanged"}:
                continue
            main = Path(done.paths[0])
            digest = content_hash(main.read_text(encoding="utf-8"))
            previous = known.get(key)
            if previous is not None and previous.content_hash == digest and previous.delivered:
                continue
            if not dry_run:
                relative = os.path.relpath(main, target.out)
                store.delivered(
                    target_id,
                    key,
                    remote_id=relative,
                    remote_url=done.url,
                    content_hash=digest,
                    public=True,
                    outcome="created" if previous is None else "updated",
                )
        current = set(keys.values())
        for key, record in known.items():
            if key in current:
                continue
            outcome.gone.append(record.remote_id or key)
            if prune and not dry_run and record.remote_id:
                _remove_file(target.out, record.remote_id)
                store.forget(target_id, key)
                outcome.pruned.append(record.remote_id)
    if target.git_commit and not dry_run:
        outcome.committed = _git_commit(target.out, outcome)
    return converted


def _remove_file(out: Path, relative: str) -> None:
    from hashmigrate.delivery import resolve_inside

    path = resolve_inside(out, relative)
    if path.name == "index.md" and path.parent != out.resolve():
        shutil.rmtree(path.parent, ignore_errors=True)  # a Hugo bundle: the page and its images
    else:
        path.unlink(missing_ok=True)


def _git_commit(out: Path, outcome: TargetOutcome) -> str | None:
    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "-C", str(out), *args], capture_output=True, text=True, timeout=120)

    if git("rev-parse", "--is-inside-work-tree").stdout.strip() != "true":
        raise RuntimeError(f"{out} is not in a git work tree (git_commit = true)")
    git("add", "-A", "--", ".")
    if git("diff", "--cached", "--quiet").returncode == 0:
        return None
    counts = outcome.counts()
    message = f"hashmigrate sync: {counts['written']} written, {len(outcome.pruned)} removed"
    identity = (
        []
        if git("config", "user.email").stdout.strip()
        else ["-c", "user.name=hashmigrate", "-c", "user.email=hashmigrate@localhost"]
    )
    done = subprocess.run(
        ["git", *identity, "-C", str(out), "commit", "--quiet", "-m", message],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"git commit failed in {out}: {done.stderr.strip()[:200]}")
    return git("rev-parse", "--short", "HEAD").stdout.strip()


def _api_publisher(
    target: TargetConfig, environ: Mapping[str, str], dry_run: bool, blog_url: str | None
) -> tuple[Publisher, dict[str, str], dict[str, Any]]:
    """The target's publisher, with the environment and exporter options it is made from."""
    from hashmigrate.publish import ConfigError as PublishConfigError
    from hashmigrate.publish import PublishConfig, create_publisher

    env = dict(environ)
    options = dict(target.options)
    if target.type == "devto":
        secret = environ.get(target.api_key_env)
        if not secret:
            raise ConfigError(
                f"[[targets]] {target.name}: the environment variable {target.api_key_env} is not set"
            )
        env["DEVTO_API_KEY"] = secret
    elif target.type == "wordpress":
        secret = environ.get(target.password_env)
        if not secret:
            raise ConfigError(
                f"[[targets]] {target.name}: the environment variable {target.password_env} is not set"
            )
        env["WP_APP_PASSWORD"] = secret
        env["WP_URL"] = target.url or ""
        if target.user:
            env["WP_USER"] = target.user
        if target.upload_images:
            options["upload_images"] = True
    publish_config = PublishConfig(
        api_url=target.api_url,
        make_public=target.publish,
        dry_run=dry_run,
        blog_url=blog_url,
        exporter_options=options,
        env=env,
    )
    try:
        return create_publisher(target.type, publish_config), env, options
    except PublishConfigError as exc:
        raise ConfigError(f"[[targets]] {target.name}: {exc}") from None


def _sync_api(
    target: TargetConfig,
    posts: list[Post],
    config: SyncConfig,
    environ: dict[str, str],
    outcome: TargetOutcome,
    dry_run: bool,
    prune: bool,
    report: Callable[[PostResult], None],
) -> None:
    from hashmigrate.publish import DeliveryFailed, PublishAborted, post_key, publish
    from hashmigrate.publish.state import StateStore

    publisher, env, options = _api_publisher(target, environ, dry_run, config.source.blog_url)
    outcome.where = redact_url(publisher.endpoint)  # a plug-in's own, which _where cannot know
    try:
        published = publish(
            posts,
            to=target.type,
            state=config.state,
            make_public=target.publish,
            dry_run=dry_run,
            options=options,
            env=env,
            publisher=publisher,
            on_post=report,
        )
        outcome.posts = published.posts
        outcome.http = published.http
        if published.aborted:
            outcome.error = published.aborted
        current = {post_key(post) for post in posts}
        with StateStore(config.state, readonly=True) as store:
            for record in store.records(publisher.target):
                if record.post_key not in current:
                    outcome.gone.append(record.remote_url or record.remote_id or record.post_key)
        if prune and outcome.gone and not dry_run:
            remove = getattr(publisher, "remove", None)
            if remove is None:
                # dev.to's API has no delete; for WordPress it is hashmigrate's publisher that has none.
                why = (
                    "dev.to's API cannot delete articles"
                    if target.type == "devto"
                    else f"hashmigrate cannot delete {target.type} posts yet"
                )
                outcome.error = (
                    f"{target.name}: {why}; remove {len(outcome.gone)} by hand: {', '.join(outcome.gone)}"
                )
            else:
                with StateStore(config.state) as store:
                    for record in store.records(publisher.target):
                        if record.post_key not in current:
                            try:
                                remove(record)
                            except (DeliveryFailed, PublishAborted) as exc:
                                outcome.error = f"{target.name}: {exc}"
                                continue
                            store.forget(publisher.target, record.post_key)
                            outcome.pruned.append(record.remote_url or record.remote_id or record.post_key)
    finally:
        publisher.close()


# -- skipping what did not change ---------------------------------------------------------------------------

# Statuses a folder target may have had in a run that can be recorded: the next run with the same inputs
# renders the same bytes, finds them on disk (checked before a skip) and says "unchanged".
_FOLDER_RECORDABLE: frozenset[PostStatus] = frozenset({"written", "unchanged"})


@dataclass
class _Replay:
    """What a target's last clean run reported, to report again."""

    posts: int
    results: list[PostResult]
    gone: list[str]
    http: dict[str, Any]


def _identify(
    target: TargetConfig, inputs: str | None, environ: Mapping[str, str], dry_run: bool, blog_url: str | None
) -> tuple[str | None, str | None]:
    """(The target's key in the state, its run fingerprint); Nones when either cannot be had."""
    from hashmigrate.publish import ConfigError as PublishConfigError

    if inputs is None:
        return None, None
    try:
        if target.is_folder:
            key = _folder_target_id(target)
        else:
            # The publisher resolves its endpoint (possibly from the environment): the state's key for
            # it. One that cannot be made is the full path's error to report, when it always has.
            publisher = _api_publisher(target, environ, dry_run, blog_url)[0]
            key = publisher.target
            publisher.close()
        text = f"{inputs}\0{settings_json(target)}\0{key}"
    except (ConfigError, PublishConfigError, OSError, RuntimeError):
        return None, None
    return key, hashlib.sha256(text.encode()).hexdigest()


def _planned(
    target: TargetConfig,
    key: str | None,
    fingerprint: str | None,
    config: SyncConfig,
    dry_run: bool,
    prune: bool,
) -> _Replay | None:
    """What to report instead of running the target, when its last clean run still holds; else None."""
    from hashmigrate.publish.state import StateError, StateStore

    if key is None or fingerprint is None or not config.state.exists():
        return None
    try:
        with StateStore(config.state, readonly=True) as store:
            last = store.last_run(target.name)
            if last is None or last.fingerprint != fingerprint or last.target != key:
                return None
            if store.rows_digest(key) != last.rows_digest:
                return None  # something else wrote this target's rows since (another run, an older version)
        detail = json.loads(last.detail)
        if prune and detail["gone"]:
            return None  # the full path has something to remove
        if target.is_folder and not outputs_intact(target, detail, config, dry_run):
            return None
        return _Replay(
            posts=int(detail["posts"]),
            results=[_post_result(item) for item in detail["results"]],
            gone=[str(item) for item in detail["gone"]],
            http=dict(detail["http"]),
        )
    except (OSError, ValueError, KeyError, TypeError, StateError, sqlite3.Error):
        return None  # any doubt: the full path


def _replay(
    target: TargetConfig,
    replay: _Replay,
    outcome: TargetOutcome,
    dry_run: bool,
    report: Callable[[PostResult], None],
) -> None:
    outcome.posts = replay.results
    outcome.gone = replay.gone
    outcome.http = replay.http
    for post in replay.results:
        report(post)
    if target.is_folder and not dry_run:
        from hashmigrate.delivery import FolderWriter

        assert target.out is not None
        # What the full path's writer does before and after writing nothing: a killed run's
        # temporary files go (a git commit must not pick them up).
        FolderWriter(target.out, force=target.force).close()
        if target.git_commit:
            outcome.committed = _git_commit(target.out, outcome)


def _record(
    target: TargetConfig,
    key: str,
    fingerprint: str,
    config: SyncConfig,
    result: SyncResult,
    outcome: TargetOutcome,
    converted: ConvertResult | None,
) -> None:
    """Remember a clean run of ``target`` and what a run with the same inputs reports: every post
    ``unchanged``. Nothing is recorded after a run that a replay could not tell again exactly."""
    from hashmigrate.publish.state import StateError, StateStore

    try:
        detail = _replayable(target, config, result, outcome, converted)
        if detail is not None:
            with StateStore(config.state) as store:
                store.record_run(target.name, fingerprint, key, json.dumps(detail, ensure_ascii=False))
    except (OSError, ValueError, TypeError, StateError, sqlite3.Error):
        pass  # the run itself went well; without a record the next one just takes the full path


def _replayable(
    target: TargetConfig,
    config: SyncConfig,
    result: SyncResult,
    outcome: TargetOutcome,
    converted: ConvertResult | None,
) -> dict[str, Any] | None:
    if result.problems or outcome.error or outcome.pruned:
        return None
    if any(note.kind == "future" for post in outcome.posts for note in post.notes):
        return None  # the note goes when the date has passed, and only a full run would notice
    detail: dict[str, Any] = {"posts": result.posts, "gone": outcome.gone, "http": outcome.http}
    if converted is not None:
        if converted.errors or any(p.status not in _FOLDER_RECORDABLE for p in outcome.posts):
            return None
        if target.download_images and converted.images is not None and converted.images.failed:
            return None  # the next full run tries those downloads again
        files = _written_files(target, outcome, converted)
        if files is None:
            return None
        detail["files"], detail["manifest"] = files
        detail["images"] = image_cache_digest(config) if target.download_images else None
    else:
        # What an API answers next depends on what it answered now (an adopted article may be
        # recorded as public, which changes its rendering): only a run that changed nothing and asked
        # nothing shows, by itself, what the next one reports.
        if any(p.status != "unchanged" for p in outcome.posts) or outcome.http.get("requests"):
            return None
    detail["results"] = [_result_item(post) for post in outcome.posts]
    return detail


def _written_files(
    target: TargetConfig, outcome: TargetOutcome, converted: ConvertResult
) -> tuple[dict[str, str], str | None] | None:
    """(relative path -> SHA-256 of what was written, digest of the manifest) for every file of the run.

    The hashes are the writer's own record in its manifest, not a fresh read: a file someone edits
    while the run goes on then no longer matches, and the next run takes the full path.
    """
    from hashmigrate.delivery import MANIFEST

    assert target.out is not None
    root = target.out.resolve()
    raw = (root / MANIFEST).read_bytes()
    known = json.loads(raw).get("files")
    if not isinstance(known, dict):
        return None
    files: dict[str, str] = {}
    for path in [*(p for post in outcome.posts for p in post.paths), *converted.site_files]:
        relative = Path(path).relative_to(root).as_posix()
        digest = known.get(relative)
        if not isinstance(digest, str):
            return None
        files[relative] = digest
    return files, hashlib.sha256(raw).hexdigest()


def _result_item(post: PostResult) -> dict[str, Any]:
    item = dataclasses.asdict(post)
    item["status"] = "unchanged"
    return item


def _post_result(item: Mapping[str, Any]) -> PostResult:
    fields = dict(item)
    fields["notes"] = [Note(**note) for note in fields["notes"]]
    return PostResult(**fields)


def _forget_run(state: Path, name: str) -> None:
    from hashmigrate.publish.state import StateStore

    if state.exists():  # else there is nothing to forget, and a failing run must not make the file
        with StateStore(state) as store:
            store.forget_run(name)
