"""Publishing: render every post for a platform and deliver it through the platform's API, idempotently.

The driver here is the same for every target; a target brings a :class:`Publisher` that renders a post
(purely, through its exporter) and delivers it (over HTTP). The state store remembers what each target
holds, so a re-run sends nothing for unchanged posts, an edited post is updated rather than created again,
and a create whose answer was lost is reconciled instead of duplicated.

Publishers are plugins, found by name through the entry-point group ``hashmigrate.publishers`` (the
built-in ones are ``exporters.devto_publish`` and ``exporters.wordpress_publish``) and imported only
when used. An entry point names a class with ``name``, ``description``, optional ``options`` (a tuple
of :class:`~hashmigrate.exporter.Option`: its own and its exporter's) and a classmethod
``from_config(config: PublishConfig) -> Publisher``; its instances follow :class:`Publisher`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol, TypeAlias

from hashmigrate import registry
from hashmigrate.api import PostResult, PostStatus, PostTally, Source, read_all
from hashmigrate.exporter import OptionError, check_options, declared_options
from hashmigrate.hashnode import Problem
from hashmigrate.http import Stats
from hashmigrate.model import Note, Post
from hashmigrate.publish.state import Record, StateError, StateStore
from hashmigrate.redaction import remember

__all__ = [
    "DEFAULT_STATE",
    "ConfigError",
    "Delivered",
    "DeliveryFailed",
    "Outgoing",
    "PublishAborted",
    "PublishConfig",
    "PublishResult",
    "Publisher",
    "Record",
    "RemoteGone",
    "StateError",
    "StateStore",
    "UnknownTarget",
    "available",
    "content_hash",
    "create_publisher",
    "post_key",
    "publish",
]

DEFAULT_STATE = Path(".hashmigrate") / "state.db"


class ConfigError(Exception):
    """The target cannot be used as configured (no API key, a bad URL): one line for the user."""


class UnknownTarget(ConfigError):
    def __init__(self, name: str) -> None:
        super().__init__(f"cannot publish to {name!r} (publishing targets: {', '.join(available())})")
        self.name = name


class PublishAborted(Exception):
    """The run cannot go on at all (the API refused the credentials): stop instead of failing every post."""


class DeliveryFailed(Exception):
    """One post could not be delivered; the run goes on with the next.

    ``maybe_created`` says a create may have reached the remote although we never saw its answer.
    """

    def __init__(self, message: str, *, maybe_created: bool = False) -> None:
        super().__init__(message)
        self.maybe_created = maybe_created


class RemoteGone(Exception):
    """The remote copy recorded in the state no longer exists (deleted there)."""


@dataclass(frozen=True)
class PublishConfig:
    """What a target's factory needs; credentials come from ``env`` (the process environment)."""

    api_url: str | None = None
    make_public: bool = False
    dry_run: bool = False
    blog_url: str | None = None
    exporter_options: Mapping[str, Any] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)

    def secret(self, variable: str) -> str | None:
        """The credential in environment variable ``variable`` (None when it is unset or empty), masked
        from now on in every line hashmigrate prints, report it writes and message it stores. A
        publisher reads its credentials here: only a variable named like one (``*_KEY``, ``*_TOKEN``,
        ``*_PASSWORD``...) is masked without being asked."""
        value = self.env.get(variable) or None
        remember(value)
        return value


@dataclass(frozen=True)
class Outgoing:
    """One rendered post, ready to send; ``content_hash`` identifies exactly what the remote will hold."""

    post: Post
    key: str
    content: str
    content_hash: str
    public: bool
    notes: tuple[Note, ...] = ()


# What a delivery did at the remote (a PostStatus too).
DeliveryStatus: TypeAlias = Literal["created", "updated", "adopted"]


@dataclass(frozen=True)
class Delivered:
    status: DeliveryStatus
    remote_id: str
    url: str | None
    message: str | None = None
    # Set when the remote now holds something other than what was prepared (an adopted article that
    # was already public keeps being public): what the state must record instead.
    content_hash: str | None = None
    public: bool | None = None


class Publisher(Protocol):
    """One platform's API delivery. Its class may declare ``options`` (see the module's docstring)."""

    name: ClassVar[str]
    target: str  # the key of this destination in the state store, e.g. "devto:https://dev.to/api"
    endpoint: str  # what to show the user (no credentials)
    stats: Stats

    def prepare(self, post: Post, previous: Record | None) -> Outgoing:
        """Render one post (pure: no I/O)."""
        ...

    def deliver(self, item: Outgoing, previous: Record | None, claimed: Mapping[str, str]) -> Delivered:
        """Create or update the remote copy; ``claimed`` maps remote ids already bound to other posts.

        Raises DeliveryFailed, RemoteGone or PublishAborted.
        """
        ...

    def close(self) -> None: ...


def available() -> list[str]:
    """The installed publishers' names."""
    return list(registry.publishers())


def create_publisher(name: str, config: PublishConfig) -> Publisher:
    """The publisher ``name`` (or ``<distribution>:<name>``) made from ``config``, its options checked
    against the ones it declares (ConfigError for a wrong one, in one line)."""
    try:
        factory = registry.load(name, registry.PUBLISHERS)
    except registry.UnknownPlugin:
        raise UnknownTarget(name) from None
    declared = declared_options(factory)
    if declared is not None:
        try:
            checked = check_options(declared, config.exporter_options, what=name)
        except OptionError as exc:
            raise ConfigError(str(exc)) from None
        config = replace(config, exporter_options=checked)
    made = getattr(factory, "from_config", factory)
    publisher: Publisher = made(config)
    return publisher


def post_key(post: Post) -> str:
    """How the state store names a post: its Hashnode cuid, which survives a slug change; else its slug."""
    return post.cuid or post.slug


def content_hash(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@dataclass
class PublishResult(PostTally):
    target: str
    endpoint: str
    state: str
    dry_run: bool
    posts: list[PostResult] = field(default_factory=list)
    http: dict[str, Any] = field(default_factory=dict)
    aborted: str | None = None

    @property
    def ok(self) -> bool:
        return self.aborted is None and all(p.ok for p in self.posts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "endpoint": self.endpoint,
            "state": self.state,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "aborted": self.aborted,
            "counts": dict(self.counts()),
            "notes_by_kind": dict(self.note_counts()),
            "http": self.http,
            "posts": [p.as_dict() for p in self.posts],
        }


def publish(
    source: Source | Iterable[Post],
    to: str = "devto",
    *,
    state: Source = DEFAULT_STATE,
    api_url: str | None = None,
    make_public: bool = False,
    dry_run: bool = False,
    drafts: bool = False,
    repair: bool = True,
    blog_url: str | None = None,
    tags_from: Source | None = None,
    options: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    publisher: Publisher | None = None,
    on_post: Callable[[PostResult], None] | None = None,
) -> PublishResult:
    """Publish every post of a Hashnode blog (a path, or posts from ``load``) to target ``to``.

    Articles are created as drafts unless ``make_public``. With ``dry_run`` nothing is sent and the state
    file is not touched: each post's status says what a real run would do. ``publisher`` replaces the
    one made from ``to`` and the other settings (tests, scripts with their own HTTP settings).
    """
    config = PublishConfig(
        api_url=api_url,
        make_public=make_public,
        dry_run=dry_run,
        blog_url=blog_url,
        exporter_options=dict(options or {}),
        env=dict(os.environ) if env is None else env,
    )
    own = publisher is None
    active = create_publisher(to, config) if publisher is None else publisher
    if isinstance(source, (str, os.PathLike)):
        items: Iterable[Post | Problem] = read_all(
            source, drafts=drafts, blog_url=blog_url, tags_from=tags_from, repair=repair
        )
    else:
        items = source
    result = PublishResult(target=active.name, endpoint=active.endpoint, state=str(state), dry_run=dry_run)
    try:
        store = StateStore(Path(state), readonly=dry_run)
    except StateError:
        if own:
            active.close()
        raise
    try:
        seen: dict[str, str] = {}
        for item in items:
            outcome = _publish_one(item, active, store, seen, dry_run)
            result.posts.append(outcome)
            if on_post is not None:
                on_post(outcome)
            if outcome.status == "aborted":
                result.aborted = outcome.message
                outcome.status = "failed"
                break
    finally:
        store.close()
        result.http = active.stats.as_dict()
        if own:
            active.close()
    return result


def _publish_one(
    item: Post | Problem, publisher: Publisher, store: StateStore, seen: dict[str, str], dry_run: bool
) -> PostResult:
    if isinstance(item, Problem):
        status: PostStatus = "skipped" if item.kind == "skipped" else "failed"
        return PostResult(source=item.source, status=status, message=item.line_text())
    post = item
    outcome = PostResult(
        source=post.label, status="failed", slug=post.slug, title=post.title, date_origin=post.date_origin
    )
    if post.undated:
        outcome.message = post.undated
        return outcome
    key = post_key(post)
    if key in seen:
        outcome.message = f"{post.label}: has the same key {key!r} as {seen[key]}; left out"
        return outcome
    seen[key] = post.label
    target = publisher.target
    previous = store.get(target, key)
    try:
        ready = publisher.prepare(post, previous)
    except Exception as exc:
        outcome.message = f"{post.label}: could not render: {type(exc).__name__}: {exc}"
        outcome.notes = list(post.notes)
        return outcome
    outcome.notes = list(ready.notes)
    if previous is not None and previous.delivered and previous.content_hash == ready.content_hash:
        outcome.status, outcome.url = "unchanged", previous.remote_url
        return outcome
    if dry_run:
        exists = previous is not None and previous.delivered
        outcome.status = "would-update" if exists else "would-create"
        outcome.url = previous.remote_url if previous is not None else None
        if not exists:
            outcome.message = "unless an article with the same canonical URL or title is already there"
        return outcome
    if previous is None or not previous.delivered:
        store.begin(target, key, ready.content_hash)
    try:
        try:
            done = publisher.deliver(ready, previous, store.remote_ids(target))
        except RemoteGone as gone:
            store.forget(target, key)
            store.begin(target, key, ready.content_hash)
            done = publisher.deliver(ready, None, store.remote_ids(target))
            done = Delivered(
                done.status, done.remote_id, done.url, f"{gone}; {done.message or 'created again'}"
            )
    except DeliveryFailed as exc:
        store.failed(target, key, str(exc), maybe_created=exc.maybe_created)
        outcome.message = f"{post.label}: {exc}"
        return outcome
    except PublishAborted as exc:
        store.failed(target, key, str(exc))
        outcome.status, outcome.message = "aborted", str(exc)
        return outcome
    store.delivered(
        target,
        key,
        remote_id=done.remote_id,
        remote_url=done.url,
        content_hash=done.content_hash or ready.content_hash,
        public=ready.public if done.public is None else done.public,
        outcome=done.status,
        message=done.message,
    )
    outcome.status, outcome.url, outcome.message = done.status, done.url, done.message
    return outcome
