"""Hashnode's GraphQL API: the posts (and, with a token, the drafts) of one publication, page by page.

The API is a live source, so unlike the backup folder it knows tag names, series and SEO fields. Since
May 2026 ``publication(host:)`` needs the blog to be on Hashnode Pro and answers ``FORBIDDEN`` otherwise;
that is a dead end for the run, said in one line that points at the sources every blog has (the GitHub
backup folder and the dashboard's JSON export).

Every failure that stops the listing raises :class:`hashmigrate.hashnode.SourceError`, also after some
pages were yielded: a sync must never take a partial listing for the whole blog. Every field and argument
below exists in ``shared/specs/hashnode-gql-schema.graphql`` (the 2026-07 SDL of gql-beta.hashnode.com).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from hashmigrate.hashnode import dates
from hashmigrate.hashnode.fences import repair_fences
from hashmigrate.hashnode.frontmatter import parse_date
from hashmigrate.hashnode.markdown import body_fields
from hashmigrate.hashnode.problems import Problem
from hashmigrate.hashnode.text import (
    mojibake_notes,
    repair_mojibake,
    slugify,
    with_surrogate_note,
    without_surrogates,
)
from hashmigrate.http import (
    HttpError,
    RetryPolicy,
    Secret,
    check_secret,
    check_url,
    make_session,
    redact_url,
    request_json,
)
from hashmigrate.model import Note, Post, Tag
from hashmigrate.redaction import clean, redact, url_has_credentials

if TYPE_CHECKING:
    from hashmigrate.hashnode import SourceError

DEFAULT_ENDPOINT = "https://gql-beta.hashnode.com"
# Hashnode clamps posts at 100 and drafts at 50 per page; 50 for both keeps each answer (full Markdown of
# every post) well under the proxies' size and time limits.
MAX_PAGE_SIZE = 50

# Field nesting stays at 6 (publication > posts > edges > node > tags > name); Hashnode rejects over 10.
POSTS_QUERY = """\
query HashmigratePosts($host: String!, $first: Int!, $after: String) {
  publication(host: $host) {
    id
    url
    posts(first: $first, after: $after) {
      edges {
        node {
          id
          cuid
          slug
          title
          subtitle
          url
          publishedAt
          updatedAt
          canonicalUrl
          content { markdown }
          coverImage { url }
          tags { name slug }
          seo { title description }
          ogMetaData { image }
          series { name slug }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

# A Draft has no cuid, url or publishedAt; ``drafts`` needs a token of a member of the publication.
DRAFTS_QUERY = """\
query HashmigrateDrafts($host: String!, $first: Int!, $after: String) {
  publication(host: $host) {
    id
    url
    drafts(first: $first, after: $after) {
      edges {
        node {
          id
          slug
          title
          subtitle
          updatedAt
          canonicalUrl
          content { markdown }
          coverImage { url }
          tags { name slug }
          seo { title description }
          ogMetaData { image }
          series { name slug }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""


@dataclass(frozen=True, slots=True)
class _Connection:
    name: str  # the Publication field: posts | drafts
    query: str
    operation: str


_POSTS = _Connection("posts", POSTS_QUERY, "HashmigratePosts")
_DRAFTS = _Connection("drafts", DRAFTS_QUERY, "HashmigrateDrafts")


def _source_error(message: str) -> SourceError:
    # Imported here: hashmigrate.hashnode imports its readers, so a top-level import would be a cycle.
    from hashmigrate.hashnode import SourceError

    return SourceError(" ".join(message.split()))


def _unavailable(message: str) -> SourceError:
    """The API is down or unreachable for now: a scheduler should retry, not page a human."""
    from hashmigrate.hashnode.problems import SourceUnavailable

    return SourceUnavailable(" ".join(message.split()))


def normalize_host(host: str) -> str:
    """``blog.example.dev`` from what a user may paste: a bare host, or the blog's URL with a path."""
    text = host.strip()
    if "://" not in text:
        text = "//" + text
    try:
        parts = urlsplit(text)
        name = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        name, port = "", None
    if not name or any(c.isspace() for c in name):
        raise _source_error(
            f"{host!r}: not a blog host (give it as blog.example.dev or yourname.hashnode.dev)"
        )
    return f"{name}:{port}" if port else name


def read_api(
    host: str,
    *,
    endpoint: str = DEFAULT_ENDPOINT,
    token: Secret | None = None,
    page_size: int = MAX_PAGE_SIZE,
    drafts: bool = False,
    session: requests.Session | None = None,
    policy: RetryPolicy | None = None,
    repair: bool = True,
) -> Iterator[Post | Problem]:
    """Every published post of the publication at ``host`` (then its drafts, with ``drafts``).

    ``token`` is a Personal Access Token; the posts need none, the drafts do. ``session`` lets a caller
    share connections; the token is then sent on each request instead of being stored in the session.
    Arguments are checked now; network errors raise :class:`~hashmigrate.hashnode.SourceError` while
    iterating. 429 and 5xx answers are retried per ``policy`` (http.py's default when None).
    """
    if url_has_credentials(endpoint) or url_has_credentials(host):
        raise _source_error(
            "the GraphQL endpoint or blog host holds a user name or password: take them out of the URL; "
            "a Personal Access Token goes in the environment (token_env)"
        )
    name = normalize_host(host)
    if check_url(endpoint.strip()) is not None:
        raise _source_error(f"{redact_url(endpoint)}: the GraphQL endpoint must be an http(s) URL")
    if token is not None and not token.reveal().strip():
        token = None
    if token is not None and (why := check_secret(token.reveal().strip())) is not None:
        raise _source_error(f"the Hashnode token cannot be used: {why}")
    if drafts and token is None:
        raise _source_error(
            f"{name}: reading drafts through Hashnode's GraphQL API needs a Personal Access Token "
            "(Hashnode dashboard > Account Settings > Developer); give one or leave drafts out"
        )
    first = max(1, min(MAX_PAGE_SIZE, page_size))
    return _read(name, endpoint.strip(), token, first, drafts, session, policy, repair)


def _read(
    host: str,
    endpoint: str,
    token: Secret | None,
    first: int,
    drafts: bool,
    session: requests.Session | None,
    policy: RetryPolicy | None,
    repair: bool,
) -> Iterator[Post | Problem]:
    # A copied token often ends in a newline, which would be an invalid header value.
    secret = Secret(token.reveal().strip()) if token is not None else None
    own = session is None
    if session is None:
        session = make_session(
            {"Accept": "application/json"}, secrets={"Authorization": secret} if secret else None
        )
        headers: dict[str, str] = {}
    else:
        headers = {"Accept": "application/json"}
        if secret:
            # requests drops Authorization on redirects to another host, as make_session does for secrets.
            headers["Authorization"] = secret.reveal()
    client = _Client(host, endpoint, session, headers, policy, has_token=secret is not None)
    try:
        seen: set[str] = set()
        for node, blog_url in client.nodes(_POSTS, first):
            yield from _once(node, blog_url, host, seen, draft=False, repair=repair)
        if drafts:
            for node, blog_url in client.nodes(_DRAFTS, first):
                yield from _once(node, blog_url, host, seen, draft=True, repair=repair)
    finally:
        if own:
            session.close()


def _once(
    node: Any, blog_url: str, host: str, seen: set[str], *, draft: bool, repair: bool
) -> Iterator[Post | Problem]:
    """One node as a post or a problem; a node already yielded (a page boundary moved under us) is not
    yielded again."""
    where = f"{blog_url or 'https://' + host}/{'drafts/' if draft else ''}"
    if not isinstance(node, Mapping):
        yield Problem(where, "the API answered a post that is not an object")
        return
    ident = str(node.get("id") or "")
    where += str(node.get("slug") or ident or "?")
    key = ("draft:" if draft else "post:") + ident
    if ident and key in seen:
        return
    seen.add(key)
    node, halves = without_surrogates(node)
    try:
        post = _draft(node, where, ident, repair) if draft else _post(node, where, repair)
        yield with_surrogate_note(post, where, halves)
    except (TypeError, ValueError) as exc:
        yield Problem(where, f"cannot read this post: {exc}")


class _Client:
    """Sends one query per page and turns every failure into one clear SourceError line."""

    def __init__(
        self,
        host: str,
        endpoint: str,
        session: requests.Session,
        headers: Mapping[str, str],
        policy: RetryPolicy | None,
        *,
        has_token: bool,
    ) -> None:
        self.host = host
        self.endpoint = endpoint
        self.session = session
        self.headers = dict(headers)
        self.policy = policy
        self.has_token = has_token

    def nodes(self, connection: _Connection, first: int) -> Iterator[tuple[Any, str]]:
        """(node, publication URL) for every edge of ``connection``, following ``endCursor``."""
        after: str | None = None
        cursors: set[str] = set()
        while True:
            publication = self.page(connection, first, after)
            blog_url = str(publication.get("url") or "").rstrip("/")
            page = publication.get(connection.name)
            if not isinstance(page, Mapping) or not isinstance(page.get("edges"), list):
                raise self.unexpected(f"publication.{connection.name} has no edges")
            for edge in page["edges"]:
                yield (edge.get("node") if isinstance(edge, Mapping) else None), blog_url
            info = page.get("pageInfo")
            if not isinstance(info, Mapping) or not info.get("hasNextPage"):
                return
            cursor = info.get("endCursor")
            # A cursor that does not move would page forever.
            if not isinstance(cursor, str) or not cursor or cursor in cursors:
                raise self.unexpected(f"hasNextPage is true but endCursor {cursor!r} does not move on")
            cursors.add(cursor)
            after = cursor

    def page(self, connection: _Connection, first: int, after: str | None) -> Mapping[str, Any]:
        payload = {
            "query": connection.query,
            "operationName": connection.operation,
            "variables": {"host": self.host, "first": first, "after": after},
        }
        try:
            # A query changes nothing, so a 5xx after the server did the work is safe to send again.
            _, data = request_json(
                self.session,
                "POST",
                self.endpoint,
                json=payload,
                headers=self.headers,
                policy=self.policy,
                idempotent=True,
            )
        except HttpError as exc:
            raise self.http_error(exc) from None
        if not isinstance(data, Mapping):
            raise self.unexpected("the answer is not a JSON object")
        errors = data.get("errors")
        if errors:
            raise self.graphql_error(errors)
        body = data.get("data")
        if not isinstance(body, Mapping) or "publication" not in body:
            raise self.unexpected("no data.publication in the answer")
        publication = body["publication"]
        if publication is None:
            raise self.no_publication()
        if not isinstance(publication, Mapping):
            raise self.unexpected("data.publication is not an object")
        return publication

    def no_publication(self) -> SourceError:
        return _source_error(
            f"{self.host}: Hashnode has no publication at this host "
            f"(asked {redact_url(self.endpoint)}); give the blog's address, "
            "such as yourname.hashnode.dev or its custom domain"
        )

    def graphql_error(self, errors: Any) -> SourceError:
        first = errors[0] if isinstance(errors, list) and errors else errors
        first = first if isinstance(first, Mapping) else {}
        extensions = first.get("extensions")
        code = clean(str(extensions.get("code") or "")) if isinstance(extensions, Mapping) else ""
        message = _clip(redact(clean(str(first.get("message") or ""))))
        if code == "FORBIDDEN" and (not message or "pro" in message.lower()):
            return _source_error(
                f"{self.host}: Hashnode's GraphQL API answers FORBIDDEN: since May 2026 publication(host:) "
                "needs a Hashnode Pro plan; use the GitHub backup folder or the JSON export instead"
            )
        if code == "UNAUTHENTICATED":
            advice = (
                "the Personal Access Token was refused; check it in the Hashnode dashboard"
                if self.has_token
                else "this needs a Personal Access Token"
            )
            return _source_error(f"{self.host}: Hashnode's GraphQL API answers UNAUTHENTICATED: {advice}")
        what = f"{code}: {message}" if code and message else code or message or "an error"
        return _source_error(f"{self.host}: Hashnode's GraphQL API answers {what}")

    def http_error(self, exc: HttpError) -> SourceError:
        where = redact_url(self.endpoint)
        said = f": {_server_said(exc.message)}" if exc.message else ""
        if exc.status is None:
            return _unavailable(f"{self.host}: cannot reach Hashnode's GraphQL API at {where}{said}")
        if exc.status in (401, 403) and self.has_token:
            return _source_error(
                f"{self.host}: {where} refused the Personal Access Token (HTTP {exc.status}){said}"
            )
        if exc.retryable:
            return _unavailable(
                f"{self.host}: Hashnode's GraphQL API at {where} kept failing (HTTP {exc.status}){said}; "
                "try again later"
            )
        return _source_error(f"{self.host}: {where} refused the query (HTTP {exc.status}){said}")

    def unexpected(self, what: str) -> SourceError:
        return _source_error(
            f"{self.host}: unexpected answer from {redact_url(self.endpoint)}: {what} "
            "(is it Hashnode's GraphQL endpoint?)"
        )


def _server_said(message: str) -> str:
    """The messages of a GraphQL ``errors`` list (which http.py passes on as JSON), else the text."""
    try:
        errors = json.loads(message)
    except ValueError:
        return _clip(message)
    if isinstance(errors, list):
        said = [str(e.get("message")) for e in errors if isinstance(e, Mapping) and e.get("message")]
        if said:
            return _clip("; ".join(said))
    return _clip(message)


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _markdown(node: Mapping[str, Any], where: str, repair: bool) -> tuple[str, list[Note]]:
    content = node.get("content")
    markdown = content.get("markdown") if isinstance(content, Mapping) else None
    if not isinstance(markdown, str):
        raise ValueError("it has no content.markdown")
    # The API serves what Hashnode stored, which is what the JSON export holds: the same repairs apply.
    # A lone CR ends a line for CommonMark too; the code map counts "\n" only.
    markdown = markdown.replace("\r\n", "\n").replace("\r", "\n")
    notes: list[Note] = []
    if repair:
        markdown, *lines = repair_mojibake(markdown)
        notes += mojibake_notes(where, *lines)
    markdown, fence_notes = repair_fences(markdown, where, None)
    return markdown, [*notes, *fence_notes]


def _common(node: Mapping[str, Any]) -> dict[str, Any]:
    """The fields posts and drafts share, as Post keyword arguments."""
    seo = _object(node, "seo")
    series = _object(node, "series")
    extra: dict[str, Any] = {"id": str(node["id"])} if node.get("id") else {}
    # The series name is what targets show (a Hugo taxonomy term, a WordPress category); keep the slug too.
    if _text(series.get("slug")):
        extra["series_slug"] = _text(series.get("slug"))
    return {
        "subtitle": _text(node.get("subtitle")) or "",
        "tags": _tags(node.get("tags")),
        "cover": _text(_object(node, "coverImage").get("url")),
        "og_image": _text(_object(node, "ogMetaData").get("image")),
        "seo_title": _text(seo.get("title")),
        "seo_description": _text(seo.get("description")),
        "canonical_url": _text(node.get("canonicalUrl")),
        "series": _text(series.get("name")) or _text(series.get("slug")),
        "extra": extra,
    }


def _post(node: Mapping[str, Any], where: str, repair: bool = True) -> Post:
    title = " ".join(str(node.get("title") or "").split())
    if not title:
        raise ValueError("it has no title")
    markdown, notes = _markdown(node, where, repair)
    cuid = str(node.get("cuid") or "")
    slug = str(node.get("slug") or "").strip() or slugify(title, fallback=cuid or str(node.get("id") or ""))
    dated = dates.choose(parse_date(node.get("publishedAt")), "API", None, dates.id_date(cuid))
    if dated is None:
        raise ValueError("no publish date: no publishedAt, and its cuid is not a Hashnode id")
    notes += dates.date_notes(where, dated)
    published = dated.when
    updated = parse_date(node.get("updatedAt"))
    # Hashnode sets updatedAt on posts never edited too; only a later date says the post changed.
    if updated is not None and updated <= published:
        updated = None
    url = _text(node.get("url"))
    return Post(
        title=title,
        slug=slug,
        **body_fields(markdown),
        cuid=cuid,
        **dated.post_fields(),
        updated=updated,
        hashnode_url=url,
        source=url or where,
        notes=tuple(notes),
        **_common(node),
    )


def _draft(node: Mapping[str, Any], where: str, ident: str, repair: bool = True) -> Post:
    markdown, notes = _markdown(node, where, repair)
    title = " ".join(str(node.get("title") or "").split())
    if not title:
        title = f"Untitled draft {ident}"
        notes.append(
            Note(where, "untitled", "draft has no title", "drafts may be unfinished", f"called it {title!r}")
        )
    slug = str(node.get("slug") or "").strip() or slugify(title, fallback=ident or "draft")
    # A draft was never published: the time its id records (its creation) stands for the date, else
    # when it was last saved.
    dated = dates.id_date(object_id=str(node.get("id") or ""))
    if dated is None and (saved := parse_date(node.get("updatedAt"))) is not None:
        dated = dates.Dated(saved, "API", True, "a draft has no publish date; this is when it was last saved")
    if dated is None:
        raise ValueError("no date: the draft's id is not a Hashnode id and it has no updatedAt")
    notes += dates.date_notes(where, dated)
    return Post(
        title=title,
        slug=slug,
        **body_fields(markdown),
        **dated.post_fields(),
        updated=parse_date(node.get("updatedAt")),
        draft=True,
        source=where,
        notes=tuple(notes),
        **_common(node),
    )


def _tags(value: Any) -> tuple[Tag, ...]:
    tags: list[Tag] = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, Mapping):
            continue
        name = _text(item.get("name"))
        slug = _text(item.get("slug"))
        if name or slug:
            tags.append(Tag(name=name or str(slug), slug=slug or slugify(str(name), fallback=str(name))))
    return tuple(tags)


def _object(node: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = node.get(key)
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None
