"""dev.to (any Forem) through its API v1: create or update one article per post, never two.

What is sent is the rendered dev.to file as ``body_markdown`` and nothing else: dev.to lets front matter
in ``body_markdown`` override the payload fields, so one source of truth avoids two that disagree (and
v1's ``tags`` payload string is silently dropped by Forem anyway). The file's hash is the content hash.

Duplicates are what a publisher must never make, and they come from three places, each handled here:

* a post published by an earlier run: the state store has its id, so it is updated (PUT is idempotent);
* an article already on the account (published by hand, or by a run whose state file is gone): before the
  first create of a run, ``GET /articles/me/all`` is read and an article with our exact body, our
  canonical URL, or (if only one) our title is adopted;
* a create whose answer never arrived (timeout, reset, 5xx after dev.to stored it): the create is retried
  only after looking the article up again, and dev.to's own "Body markdown has already been taken"
  answer is treated as "it is there", not as a failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

import yaml
from frontmatter.default_handlers import YAMLHandler

from exporters.devto import DevtoExporter
from hashmigrate.exporter import Exporter, Option, Site
from hashmigrate.http import (
    DEFAULT_TIMEOUT,
    NO_RETRY,
    HttpError,
    Pacer,
    RetryPolicy,
    Secret,
    Stats,
    Timeout,
    check_secret,
    check_url,
    cut_short,
    is_retryable,
    make_session,
    redact_url,
    request_json,
)
from hashmigrate.model import Post
from hashmigrate.publish import (
    ConfigError,
    Delivered,
    DeliveryFailed,
    Outgoing,
    PublishAborted,
    PublishConfig,
    RemoteGone,
    content_hash,
    post_key,
)
from hashmigrate.publish.state import Record
from hashmigrate.redaction import clean, url_has_credentials

DEFAULT_API_URL = "https://dev.to/api"
API_KEY_ENV = "DEVTO_API_KEY"
API_URL_ENV = "DEVTO_API_URL"
V1_ACCEPT = "application/vnd.forem.api-v1+json"
# Documented limits are 10 creates and 30 updates per 30 s per key; the extra half second keeps request
# latency from putting one more request into dev.to's window than ours.
CREATE_LIMIT = (10, 30.5)
UPDATE_LIMIT = (30, 30.5)
LISTING_PAGE_SIZE = 1000  # the largest per_page dev.to accepts
# After a create timed out or its connection dropped, dev.to may still be working on it; the look-up
# before sending it again waits this long so that such a late write has landed and is found.
SETTLE_SECONDS = 10.0
_MAX_PAGES = 10_000


def create_publisher(config: PublishConfig) -> DevtoPublisher:
    """The dev.to publisher from the settings and environment; ConfigError when it cannot work."""
    api_url = (config.api_url or config.env.get(API_URL_ENV) or DEFAULT_API_URL).strip().rstrip("/")
    if url_has_credentials(api_url):
        raise ConfigError(
            f"the dev.to API URL holds a user name or password: leave credentials out of URLs "
            f"and give the API key through the environment ({API_KEY_ENV})"
        )
    if check_url(api_url) is not None:
        raise ConfigError(
            f"the dev.to API URL must be an http(s) URL such as {DEFAULT_API_URL}, not {api_url!r}"
        )
    key = config.env.get(API_KEY_ENV, "").strip()
    if (why := check_secret(key)) is not None:
        raise ConfigError(f"{API_KEY_ENV} cannot be used: {why}")
    if not key and not config.dry_run:
        raise ConfigError(
            f"{API_KEY_ENV} is not set: create a key at https://dev.to/settings/extensions and export it"
        )
    options = dict(config.exporter_options)
    make_public = config.make_public or options.pop("published", False) is True
    return DevtoPublisher(
        Secret(key),
        api_url=api_url,
        make_public=make_public,
        blog_url=config.blog_url,
        exporter_options=options,
    )


class DevtoPublisher:
    name: ClassVar[str] = "devto"
    description: ClassVar[str] = "dev.to (any Forem) through its API v1; the key from DEVTO_API_KEY"
    # Its exporter's options: "published" is also what the publisher starts from.
    options: ClassVar[tuple[Option, ...]] = DevtoExporter.options

    @classmethod
    def from_config(cls, config: PublishConfig) -> DevtoPublisher:
        return create_publisher(config)

    def __init__(
        self,
        api_key: Secret,
        *,
        api_url: str = DEFAULT_API_URL,
        make_public: bool = False,
        blog_url: str | None = None,
        exporter_options: Mapping[str, Any] | None = None,
        policy: RetryPolicy | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        create_pacer: Pacer | None = None,
        update_pacer: Pacer | None = None,
        page_size: int = LISTING_PAGE_SIZE,
        settle: float = SETTLE_SECONDS,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.endpoint = redact_url(self.api_url)
        self.target = f"devto:{self.endpoint}"
        self.make_public = make_public
        self.site = Site(blog_url=blog_url)
        self.policy = policy or RetryPolicy()
        self.timeout = timeout
        self.create_pacer = create_pacer or Pacer(*CREATE_LIMIT)
        self.update_pacer = update_pacer or Pacer(*UPDATE_LIMIT)
        self.page_size = page_size
        self.settle = settle
        self.stats = Stats()
        options = dict(exporter_options or {})
        options.pop("published", None)
        # One exporter per visibility: whether an article is public is decided per post (see prepare).
        self._exporters: dict[bool, Exporter] = {
            public: DevtoExporter(published=public, **options) for public in (False, True)
        }
        self._session = make_session({"Accept": V1_ACCEPT}, secrets={"api-key": api_key})
        self._listing: list[dict[str, Any]] | None = None

    # -- rendering --------------------------------------------------------------------------------------

    def prepare(self, post: Post, previous: Record | None) -> Outgoing:
        # An article published once stays published: a later run without --publish must not turn it
        # back into a draft, which on dev.to would take it off the feed and change nothing else.
        public = (self.make_public or (previous is not None and previous.delivered and previous.public)) and (
            not post.draft
        )
        rendered = self._exporters[public].render(post, self.site)
        content = rendered.files[0].content
        return Outgoing(
            post=post,
            key=post_key(post),
            content=content,
            content_hash=content_hash(content),
            public=public,
            notes=(*post.notes, *rendered.notes),
        )

    # -- delivery ---------------------------------------------------------------------------------------

    def deliver(self, item: Outgoing, previous: Record | None, claimed: Mapping[str, str]) -> Delivered:
        if previous is not None and previous.remote_id is not None:
            remote_id, url = self._update(previous.remote_id, item, gone_ok=True)
            return Delivered("updated", remote_id, url)
        match = self._find(item, claimed)
        if match is not None:
            return self._adopt(match, item)
        return self._create(item, claimed)

    def _adopt(self, match: Mapping[str, Any], item: Outgoing) -> Delivered:
        remote_id, url = str(match["id"]), _url(match)
        public: bool | None = None
        if match.get("published") is True and not item.public and not item.post.draft:
            # Published on dev.to already (by hand, or by a run whose state was lost): it stays
            # published, as every article published once does.
            content = self._exporters[True].render(item.post, self.site).files[0].content
            item = replace(item, content=content, content_hash=content_hash(content), public=True)
            public = True
        if match.get("body_markdown") == item.content:
            return Delivered(
                "adopted",
                remote_id,
                url,
                f"found as dev.to article {remote_id}; nothing to send",
                content_hash=item.content_hash,
                public=public,
            )
        remote_id, url = self._update(remote_id, item, gone_ok=False)
        return Delivered(
            "adopted",
            remote_id,
            url,
            f"found as dev.to article {remote_id}; updated it",
            content_hash=item.content_hash,
            public=public,
        )

    def _create(self, item: Outgoing, claimed: Mapping[str, str]) -> Delivered:
        url = f"{self.api_url}/articles"
        payload = {"article": {"body_markdown": item.content}}
        maybe_sent = still_running = False
        retrying = self.policy.retrying(is_retryable, stats=self.stats, describe="creating the article")
        try:
            for attempt in retrying:
                with attempt:
                    if still_running:
                        self.policy.sleep(self.settle)
                        still_running = False
                    if maybe_sent:
                        # The last attempt may have created it: look before sending it again.
                        found = self._find(item, claimed, refresh=True)
                        if found is not None:
                            return self._adopt(found, item)
                    try:
                        _, article = request_json(
                            self._session,
                            "POST",
                            url,
                            json=payload,
                            timeout=self.timeout,
                            policy=NO_RETRY,
                            pacer=self.create_pacer,
                            stats=self.stats,
                        )
                        if not _is_article(article):
                            # A success answer without an id was cut short: the article may exist.
                            raise cut_short("POST", url, "the answer names no article")
                    except HttpError as exc:
                        maybe_sent = maybe_sent or exc.maybe_applied
                        # No answer, or a gateway's: the request may still be running behind it.
                        still_running = exc.maybe_applied and exc.status in (None, 502, 503, 504)
                        if exc.status == 422 and "already been taken" in exc.message:
                            # dev.to's uniqueness check: an earlier attempt of ours got through.
                            found = self._find(item, claimed, refresh=True)
                            if found is not None:
                                return self._adopt(found, item)
                        raise
                    return Delivered("created", str(article["id"]), _url(article))
        except HttpError as exc:
            raise self._failure(exc, "creating the article", maybe_created=maybe_sent) from None
        raise AssertionError("unreachable: tenacity either returns or re-raises")  # pragma: no cover

    def _update(self, remote_id: str, item: Outgoing, *, gone_ok: bool) -> tuple[str, str | None]:
        try:
            _, article = request_json(
                self._session,
                "PUT",
                f"{self.api_url}/articles/{remote_id}",
                json={"article": {"body_markdown": item.content}},
                timeout=self.timeout,
                policy=self.policy,
                pacer=self.update_pacer,
                stats=self.stats,
            )
        except HttpError as exc:
            if exc.status == 404 and gone_ok:
                raise RemoteGone(f"dev.to article {remote_id} no longer exists") from None
            raise self._failure(exc, f"updating dev.to article {remote_id}") from None
        if not _is_article(article):
            raise DeliveryFailed(f"updating dev.to article {remote_id}: the answer is not an article")
        return str(article["id"]), _url(article)

    def _find(
        self, item: Outgoing, claimed: Mapping[str, str], *, refresh: bool = False
    ) -> Mapping[str, Any] | None:
        """An article on the account that is this post: same body, else canonical URL, else sole title."""
        if self._listing is None or refresh:
            self._listing = self._fetch_listing()
        candidates = [a for a in self._listing if str(a.get("id")) not in claimed]
        for article in candidates:
            if article.get("body_markdown") == item.content:
                return article
        title, canonical = _identity(item.content)
        if canonical:
            for article in candidates:
                if article.get("canonical_url") == canonical:
                    return article
        if title:
            same = [a for a in candidates if a.get("title") == title]
            if len(same) == 1:
                return same[0]
        return None

    def _fetch_listing(self) -> list[dict[str, Any]]:
        """Every article of the account, drafts included (``/articles/me/all``, page by page)."""
        articles: list[dict[str, Any]] = []
        for page in range(1, _MAX_PAGES + 1):
            try:
                _, data = request_json(
                    self._session,
                    "GET",
                    f"{self.api_url}/articles/me/all",
                    params={"page": page, "per_page": self.page_size},
                    timeout=self.timeout,
                    policy=self.policy,
                    stats=self.stats,
                )
            except HttpError as exc:
                raise self._failure(exc, "listing the account's articles") from None
            if not isinstance(data, list):
                raise DeliveryFailed("listing the account's articles: the answer is not a list")
            articles.extend(a for a in data if _is_article(a))
            if len(data) < self.page_size:
                break
        return articles

    def _failure(self, exc: HttpError, doing: str, *, maybe_created: bool = False) -> Exception:
        if exc.status in (401, 403):
            return PublishAborted(
                f"dev.to refused the API key (HTTP {exc.status}: {exc.message}); check {API_KEY_ENV}"
            )
        if exc.status == 422:
            return DeliveryFailed(f"dev.to rejected the article: {exc.message}")
        attempts = f" after {self.policy.attempts} attempts" if exc.retryable else ""
        status = f"HTTP {exc.status}: " if exc.status is not None else ""
        return DeliveryFailed(f"{doing}: {status}{exc.message}{attempts}", maybe_created=maybe_created)

    def close(self) -> None:
        self._session.close()


def _is_article(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("id"), int) and data["id"] > 0


def _url(article: Mapping[str, Any]) -> str | None:
    url = article.get("url")
    return clean(url) if isinstance(url, str) else None


# python-frontmatter's own YAML handler reads what the dev.to exporter wrote (one quoted value a line).
_FRONT_MATTER = YAMLHandler()


def _identity(content: str) -> tuple[str | None, str | None]:
    """Title and canonical URL from our own rendered front matter, as dev.to will read them."""
    if not content.startswith("---\n"):
        return None, None
    try:
        block, _ = _FRONT_MATTER.split(content)
        # yaml.safe_load's pure-Python loader: libyaml refuses the surrogate escapes the exporter writes.
        meta = _FRONT_MATTER.load(block, Loader=yaml.SafeLoader)
    except (ValueError, yaml.YAMLError):
        return None, None
    if not isinstance(meta, dict):
        return None, None
    title, canonical = meta.get("title"), meta.get("canonical_url")
    return (title if isinstance(title, str) else None, canonical if isinstance(canonical, str) else None)


__all__ = ["API_KEY_ENV", "API_URL_ENV", "DEFAULT_API_URL", "DevtoPublisher", "create_publisher"]
