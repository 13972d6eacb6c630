"""WordPress through its REST API: one block-editor post per Hashnode post, never two.

Authentication is an application password (WordPress 5.6+, Users > Profile) over HTTP Basic; it
comes only from ``WP_APP_PASSWORD`` and travels only in the session's auth, never in a message, the
state file or a report. Every route is called as ``?rest_route=/wp/v2/...``, which works whether or
not pretty permalinks are on; a site URL that already names ``/wp-json`` is used as given.

What is sent for a post is the exporter's block markup plus the fields WordPress keeps beside it
(title, slug, excerpt, status, date, terms, featured image). Its hash is taken over that payload with
the original image URLs, so it is known before anything is uploaded and an unchanged post costs no
request at all. Duplicates are avoided three ways:

* the state store has the post's id from an earlier run: the post is updated;
* no state (first run, or the state file is gone): a post with the same slug, of any status, is
  adopted and updated;
* a create whose answer was lost: before sending it again, the slug is looked up.

With ``upload_images`` the cover and body images are downloaded and uploaded to the media library
once each: an upload gets a slug made from the image URL's hash, so a later run (or another post
using the same image) finds it instead of uploading a copy. The cover becomes ``featured_media``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
from collections.abc import Mapping
from datetime import UTC
from typing import Any, ClassVar
from urllib.parse import quote, urlencode, urlsplit

import requests

from exporters.wordpress import WordPressExporter
from exporters.wordpress_blocks import Media, text_html
from exporters.wxr import CANONICAL_META_KEYS, attachment_name, categories_of, image_urls, nicename
from hashmigrate.exporter import Option, Site
from hashmigrate.http import (
    DEFAULT_TIMEOUT,
    NO_RETRY,
    HttpError,
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
    request,
    request_json,
)
from hashmigrate.model import Note, NoteKind, Post
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
from hashmigrate.redaction import clean, remember, url_has_credentials

URL_ENV = "WP_URL"
USER_ENV = "WP_USER"
PASSWORD_ENV = "WP_APP_PASSWORD"
MEDIA_SLUG_PREFIX = "hashnode-image-"
_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml", "image/avif"}
_PAGE = 100


def create_publisher(
    config: PublishConfig,
    *,
    url: str | None = None,
    user: str | None = None,
    upload_images: bool | None = None,
) -> WordPressPublisher:
    """The WordPress publisher from the command line, the environment and exporter options.

    ``url`` and ``user`` win over ``config.api_url``, the options ``wp_url``/``wp_user`` (how a config
    file passes them) and ``WP_URL``/``WP_USER``; the password is read from ``WP_APP_PASSWORD`` only.
    """
    options = dict(config.exporter_options)
    site = url or options.pop("wp_url", None) or config.api_url or config.env.get(URL_ENV, "")
    login = user or options.pop("wp_user", None) or config.env.get(USER_ENV, "")
    options.pop("wp_url", None)
    options.pop("wp_user", None)
    upload = options.pop("upload_images", False) is True if upload_images is None else upload_images
    site = str(site).strip().rstrip("/")
    if url_has_credentials(site):
        raise ConfigError(
            f"put the user in --wp-user or {USER_ENV} and the password in the environment "
            f"({PASSWORD_ENV}), not in the site URL"
        )
    if check_url(site) is not None:
        raise ConfigError(f"the WordPress site URL must be an http(s) URL: pass --wp-url or set {URL_ENV}")
    password = config.env.get(PASSWORD_ENV, "").strip()
    if (why := check_secret(password)) is not None:
        raise ConfigError(f"{PASSWORD_ENV} cannot be used: {why}")
    if not config.dry_run:
        if not login:
            raise ConfigError(f"no WordPress user: pass --wp-user or set {USER_ENV}")
        if not password:
            raise ConfigError(
                f"{PASSWORD_ENV} is not set: create an application password under Users > Profile and export it"
            )
    return WordPressPublisher(
        site,
        str(login),
        Secret(password),
        make_public=config.make_public,
        upload_images=upload,
        blog_url=config.blog_url,
        exporter_options=options,
    )


class WordPressPublisher:
    name: ClassVar[str] = "wordpress"
    description: ClassVar[str] = "WordPress through its REST API; the password from WP_APP_PASSWORD"
    options: ClassVar[tuple[Option, ...]] = (
        Option("wp_url", str, None, "the site's URL (else --wp-url or WP_URL)"),
        Option("wp_user", str, None, "the user (else --wp-user or WP_USER)"),
        Option("upload_images", bool, False, "upload the cover and images to the media library"),
        *WordPressExporter.options,
    )

    @classmethod
    def from_config(cls, config: PublishConfig) -> WordPressPublisher:
        return create_publisher(config)

    def __init__(
        self,
        url: str,
        user: str,
        password: Secret,
        *,
        make_public: bool = False,
        upload_images: bool = False,
        blog_url: str | None = None,
        exporter_options: Mapping[str, Any] | None = None,
        policy: RetryPolicy | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.url = url.rstrip("/")
        self.endpoint = redact_url(self.url)
        self.target = f"wordpress:{self.endpoint}"
        self.make_public = make_public
        self.upload_images = upload_images
        self.site = Site(blog_url=blog_url)
        self.policy = policy or RetryPolicy()
        self.timeout = timeout
        self.stats = Stats()
        self.exporter = WordPressExporter(**dict(exporter_options or {}))
        self._session = make_session({"Accept": "application/json"})
        # Basic auth through requests, which drops it when a redirect leaves the host.
        self._session.auth = requests.auth.HTTPBasicAuth(user, password.reveal())
        if password:
            # The Authorization header's value, which a server may echo, is masked whole.
            basic = base64.b64encode(f"{user}:{password.reveal()}".encode("latin-1", "replace")).decode()
            remember(f"Basic {basic}")
        # Images come from their own hosts (Hashnode's CDN): a session that carries no credentials.
        self._images = make_session()
        self._terms: dict[tuple[str, str], int] = {}
        self._media: dict[str, Media] = {}

    # -- routes -----------------------------------------------------------------------------------------

    def route(self, path: str, params: Mapping[str, str | int] | None = None) -> str:
        query = urlencode(params or {})
        if "/wp-json" in urlsplit(self.url).path:
            return f"{self.url}{path}" + (f"?{query}" if query else "")
        return f"{self.url}/?rest_route={quote(path, safe='/')}" + (f"&{query}" if query else "")

    # -- rendering --------------------------------------------------------------------------------------

    def prepare(self, post: Post, previous: Record | None) -> Outgoing:
        # A post published once stays published: a run without --publish must not unpublish it.
        public = (self.make_public or (previous is not None and previous.delivered and previous.public)) and (
            not post.draft
        )
        markup, rendered = self.exporter.body(post)
        payload = self._payload(rendered.post, markup, public)
        notes = list(rendered.notes)
        if post.cover and not self.upload_images:
            rendered_note = "the cover is not the featured image"
            notes.append(
                _note(post, "cover-not-featured", rendered_note, "it is set only with --upload-images")
            )
        content = json.dumps(
            {**payload, "upload_images": self.upload_images, "cover": post.cover},
            sort_keys=True,
            ensure_ascii=False,
        )
        return Outgoing(
            post=post,
            key=post_key(post),
            content=content,
            content_hash=content_hash(content),
            public=public,
            notes=(*post.notes, *notes),
        )

    def _payload(self, post: Post, markup: str, public: bool) -> dict[str, Any]:
        payload: dict[str, Any] = {
            # WordPress keeps a title and an excerpt as HTML (an administrator's unfiltered); on
            # Hashnode they are plain text.
            "title": text_html(post.title),
            "slug": post.slug,
            "content": markup,
            "excerpt": text_html(post.description or ""),
            "status": "publish" if public else "draft",
            "tags": [[tag.slug or nicename(tag.name), tag.name] for tag in post.tags],
            "categories": categories_of(post, self.exporter.categories),
        }
        if post.published is not None:
            payload["date_gmt"] = post.published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        if post.canonical_url:
            payload["meta"] = dict.fromkeys(CANONICAL_META_KEYS, post.canonical_url)
        return payload

    # -- delivery ---------------------------------------------------------------------------------------

    def deliver(self, item: Outgoing, previous: Record | None, claimed: Mapping[str, str]) -> Delivered:
        body = json.loads(item.content)
        body.pop("upload_images", None)
        cover = body.pop("cover", None)
        post = item.post
        if self.upload_images:
            media = {url: self._upload(url, post) for url in image_urls(post)}
            body["content"], _ = self.exporter.body(post, media)
            if cover:
                featured = media[cover].id
                if featured is not None:
                    body["featured_media"] = featured
        body["tags"] = [self._term("tags", slug, name) for slug, name in body["tags"]]
        body["categories"] = [self._term("categories", nicename(name), name) for name in body["categories"]]
        create = dict(body)
        if body["status"] == "draft":
            # An update never takes a post off the site: one published in WordPress stays published.
            del body["status"]
        if previous is not None and previous.remote_id is not None:
            answer = self._update(previous.remote_id, body, gone_ok=True)
            return Delivered("updated", *self._ref(answer, body))
        found = self._find(post.slug, claimed)
        if found is not None:
            answer = self._update(str(found["id"]), body, gone_ok=False)
            remote_id, url, message = self._ref(answer, body)
            return Delivered(
                "adopted", remote_id, url, _join(f"found post {remote_id} by its slug; updated it", message)
            )
        return self._create(create, body, claimed)

    def _create(self, body: dict[str, Any], update: dict[str, Any], claimed: Mapping[str, str]) -> Delivered:
        maybe_sent = False
        made = 0
        retrying = self.policy.retrying(is_retryable, stats=self.stats, describe="creating the post")
        try:
            for attempt in retrying:
                made += 1
                with attempt:
                    if maybe_sent:
                        # The last attempt may have created it: look before sending it again.
                        found = self._find(body["slug"], claimed)
                        if found is not None:
                            answer = self._update(str(found["id"]), update, gone_ok=False)
                            remote_id, url, message = self._ref(answer, body)
                            return Delivered(
                                "adopted", remote_id, url, _join("an earlier attempt had created it", message)
                            )
                    try:
                        _, answer = request_json(
                            self._session,
                            "POST",
                            self.route("/wp/v2/posts"),
                            json=body,
                            timeout=self.timeout,
                            policy=NO_RETRY,
                            stats=self.stats,
                        )
                        remote_id, url, message = self._ref(answer, body)
                    except HttpError as exc:
                        maybe_sent = maybe_sent or exc.maybe_applied
                        raise
                    return Delivered("created", remote_id, url, message)
        except HttpError as exc:
            exc.attempts = made
            raise self._failure(exc, "creating the post", maybe_created=maybe_sent) from None
        raise AssertionError("unreachable: tenacity either returns or re-raises")  # pragma: no cover

    def _update(self, remote_id: str, body: Mapping[str, Any], *, gone_ok: bool) -> Any:
        try:
            # Sending the same fields twice leaves the same post: safe to retry.
            _, answer = request_json(
                self._session,
                "POST",
                self.route(f"/wp/v2/posts/{int(remote_id)}"),
                json=body,
                timeout=self.timeout,
                policy=self.policy,
                idempotent=True,
                stats=self.stats,
            )
        except HttpError as exc:
            if exc.status in (404, 410) and gone_ok:
                raise RemoteGone(f"WordPress post {remote_id} no longer exists") from None
            raise self._failure(exc, f"updating WordPress post {remote_id}") from None
        if not isinstance(answer, dict) or not isinstance(answer.get("id"), int) or answer["id"] <= 0:
            raise DeliveryFailed(f"updating WordPress post {remote_id}: the answer is not a post")
        return answer

    def _find(self, slug: str, claimed: Mapping[str, str]) -> Mapping[str, Any] | None:
        """A post with this slug in any status but the trash, not already bound to another post."""
        params = {"slug": slug, "status": "publish,future,draft,pending,private", "context": "edit"}
        found = self._get_json(self.route("/wp/v2/posts", params), f"looking up the slug {slug!r}")
        if not isinstance(found, list):
            raise DeliveryFailed(f"looking up the slug {slug!r}: the answer is not a list")
        for post in found:
            if isinstance(post, dict) and isinstance(post.get("id"), int) and str(post["id"]) not in claimed:
                return post
        return None

    def _term(self, taxonomy: str, slug: str, name: str) -> int:
        """The id of a tag or category, created when missing; a ``term_exists`` answer names the existing one."""
        key = (taxonomy, slug)
        if key in self._terms:
            return self._terms[key]
        answers: list[requests.Response] = []
        try:
            _, answer = request_json(
                self._session,
                "POST",
                self.route(f"/wp/v2/{taxonomy}"),
                # A term name is HTML to WordPress, which strips tags from it (a tag "<b>" would be
                # refused as nameless): escaped, it shows as the text it is.
                json={"name": text_html(name), "slug": slug},
                timeout=self.timeout,
                # A second create of a term answers term_exists with its id: safe to retry.
                policy=self.policy,
                idempotent=True,
                stats=self.stats,
                # The HTTP layer keeps only the error's message; the hook keeps the body with its term_id.
                hooks={"response": lambda response, *args, **kwargs: answers.append(response)},
            )
            term_id = answer.get("id") if isinstance(answer, dict) else None
        except HttpError as exc:
            if exc.status in (401, 403):
                raise self._failure(exc, f"creating the {taxonomy[:-1]} {name!r}") from None
            term_id = _existing_term_id(answers[-1] if answers else None)
            if term_id is None:
                raise self._failure(exc, f"creating the {taxonomy[:-1]} {name!r}") from None
        if not isinstance(term_id, int):
            raise DeliveryFailed(f"creating the {taxonomy[:-1]} {name!r}: WordPress named no term")
        self._terms[key] = term_id
        return term_id

    def _upload(self, url: str, post: Post) -> Media:
        """The media-library copy of an image: found by its slug, else downloaded and uploaded."""
        if url in self._media:
            return self._media[url]
        slug = MEDIA_SLUG_PREFIX + hashlib.sha256(url.encode("utf-8")).hexdigest()[:20]
        media = self._find_media(slug, url)
        if media is None:
            media = self._send_media(url, slug, post)
        self._media[url] = media
        return media

    def _find_media(self, slug: str, url: str) -> Media | None:
        found = self._get_json(
            self.route("/wp/v2/media", {"slug": slug, "context": "edit"}), f"looking up {redact_url(url)}"
        )
        if (
            isinstance(found, list)
            and found
            and isinstance(found[0], dict)
            and isinstance(found[0].get("id"), int)
        ):
            return Media(str(found[0].get("source_url") or url), int(found[0]["id"]))
        return None

    def _send_media(self, url: str, slug: str, post: Post) -> Media:
        try:
            # The image host is not WordPress: no credentials go there.
            image = request(
                self._images, "GET", url, timeout=self.timeout, policy=self.policy, stats=self.stats
            )
        except HttpError as exc:
            raise DeliveryFailed(f"downloading {redact_url(url)}: {exc}") from None
        name = attachment_name(url)
        mime = image.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if mime not in _IMAGE_TYPES:
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if "." not in name:
            name += mimetypes.guess_extension(mime) or ""
        alt = next((i.alt for i in post.images() if i.src == url and i.alt), "")
        doing = f"uploading {redact_url(url)}"
        maybe_sent = False
        made = 0
        retrying = self.policy.retrying(is_retryable, stats=self.stats, describe=doing)
        try:
            for attempt in retrying:
                made += 1
                with attempt:
                    if maybe_sent:
                        # The last attempt may have stored it (a 5xx or a lost answer can come after
                        # WordPress saved the file): look before uploading a second copy.
                        found = self._find_media(slug, url)
                        if found is not None:
                            return found
                    try:
                        _, answer = request_json(
                            self._session,
                            "POST",
                            self.route("/wp/v2/media", {"slug": slug, "title": name, "alt_text": alt}),
                            data=image.content,
                            headers={
                                "Content-Type": mime,
                                "Content-Disposition": f'attachment; filename="{_header_safe(name)}"',
                            },
                            timeout=self.timeout,
                            policy=NO_RETRY,
                            stats=self.stats,
                        )
                        if not isinstance(answer, dict) or not isinstance(answer.get("id"), int):
                            # A success answer without an id was cut short: the file may be stored.
                            raise cut_short(
                                "POST", self.route("/wp/v2/media"), "WordPress named no media item"
                            )
                    except HttpError as exc:
                        maybe_sent = maybe_sent or exc.maybe_applied
                        raise
                    return Media(str(answer.get("source_url") or url), int(answer["id"]))
        except HttpError as exc:
            exc.attempts = made
            raise self._failure(exc, doing) from None
        raise AssertionError("unreachable: tenacity either returns or re-raises")  # pragma: no cover

    # -- reading back (hashmigrate verify --wp-url) -----------------------------------------------------

    def stored(self, remote_id: str | None, slug: str) -> Mapping[str, Any] | None:
        """A post as WordPress keeps it (``context=edit``: ``content.raw``, the blocks it stored, and
        ``content.rendered``, the page it shows): by its id from the state, else by its slug; None when
        the site has neither."""
        if remote_id is not None and remote_id.isdigit():
            try:
                _, answer = request_json(
                    self._session,
                    "GET",
                    self.route(f"/wp/v2/posts/{int(remote_id)}", {"context": "edit"}),
                    timeout=self.timeout,
                    policy=self.policy,
                    stats=self.stats,
                )
            except HttpError as exc:
                if exc.status not in (404, 410):
                    raise self._failure(exc, f"reading WordPress post {remote_id}") from None
            else:
                if isinstance(answer, dict) and isinstance(answer.get("content"), dict):
                    return answer
        return self._find(slug, {})

    def media_sources(self, urls: list[str]) -> dict[str, str]:
        """The media-library address of each image ``--upload-images`` uploaded, -> its original URL
        (an upload's slug is made from the original's hash)."""
        slugs = {
            MEDIA_SLUG_PREFIX + hashlib.sha256(url.encode("utf-8")).hexdigest()[:20]: url for url in urls
        }
        found: dict[str, str] = {}
        names = sorted(slugs)
        for start in range(0, len(names), _PAGE):
            batch = names[start : start + _PAGE]
            params: dict[str, str | int] = {"slug": ",".join(batch), "per_page": _PAGE, "context": "edit"}
            answer = self._get_json(self.route("/wp/v2/media", params), "looking up uploaded images")
            for item in answer if isinstance(answer, list) else []:
                if (
                    isinstance(item, dict)
                    and item.get("slug") in slugs
                    and isinstance(item.get("source_url"), str)
                ):
                    found[item["source_url"]] = slugs[item["slug"]]
        return found

    def _get_json(self, url: str, doing: str) -> Any:
        try:
            _, data = request_json(
                self._session, "GET", url, timeout=self.timeout, policy=self.policy, stats=self.stats
            )
        except HttpError as exc:
            raise self._failure(exc, doing) from None
        return data

    def _ref(self, answer: Any, body: Mapping[str, Any]) -> tuple[str, str | None, str | None]:
        """Id and link of the post in an answer, and what did not stick (the canonical meta)."""
        if not isinstance(answer, dict) or not isinstance(answer.get("id"), int) or answer["id"] <= 0:
            raise cut_short("POST", "", "WordPress's answer names no post")
        link = answer.get("link")
        message = None
        wanted = body.get("meta")
        kept = answer.get("meta")
        if wanted and not (isinstance(kept, dict) and any(kept.get(key) for key in wanted)):
            message = "canonical URL not kept: no SEO plugin exposes its meta field over the REST API"
        return str(answer["id"]), clean(link) if isinstance(link, str) else None, message

    def _failure(self, exc: HttpError, doing: str, *, maybe_created: bool = False) -> Exception:
        if exc.status == 401 or (exc.status == 403 and "rest_cannot" not in exc.message):
            return PublishAborted(
                f"WordPress refused the credentials (HTTP {exc.status}: {exc.message}); "
                f"check {USER_ENV} and {PASSWORD_ENV}"
            )
        if exc.status is not None and 400 <= exc.status < 500:
            return DeliveryFailed(f"{doing}: WordPress said HTTP {exc.status}: {exc.message}")
        attempts = f" after {exc.attempts} attempts" if exc.attempts > 1 else ""
        status = f"HTTP {exc.status}: " if exc.status is not None else ""
        return DeliveryFailed(f"{doing}: {status}{exc.message}{attempts}", maybe_created=maybe_created)

    def remove(self, record: Record) -> None:
        """Move a post that is gone from the source to WordPress's trash (recoverable there)."""
        if record.remote_id is None:
            return
        try:
            request(
                self._session,
                "DELETE",
                self.route(f"/wp/v2/posts/{int(record.remote_id)}"),
                timeout=self.timeout,
                policy=self.policy,
                idempotent=True,
                stats=self.stats,
            )
        except HttpError as exc:
            if exc.status in (404, 410):
                return  # already gone there
            raise self._failure(exc, f"trashing WordPress post {record.remote_id}") from None

    def close(self) -> None:
        self._session.close()
        self._images.close()


def _note(post: Post, kind: NoteKind, what: str, why: str) -> Note:
    return Note(post.label, kind, what, why)


def _existing_term_id(response: requests.Response | None) -> int | None:
    """The ``data.term_id`` of WordPress's ``term_exists`` error, if that is what the answer is."""
    try:
        error = response.json() if response is not None else None
    except ValueError:
        return None
    if not isinstance(error, dict) or error.get("code") != "term_exists":
        return None
    data = error.get("data")
    term_id = data.get("term_id") if isinstance(data, dict) else None
    return term_id if isinstance(term_id, int) else None


def _join(*parts: str | None) -> str | None:
    text = "; ".join(p for p in parts if p)
    return text or None


def _header_safe(name: str) -> str:
    return "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)


__all__ = ["PASSWORD_ENV", "URL_ENV", "USER_ENV", "WordPressPublisher", "create_publisher"]
