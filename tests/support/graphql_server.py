"""A local stand-in for Hashnode's GraphQL API that really executes the queries a client sends.

Hashnode cannot be reached from the test machines, so source tests talk to this server instead:

* The schema is Hashnode's own SDL (``shared/specs/hashnode-gql-schema.graphql``), read at start-up and
  never copied. Every query is parsed, validated against it (plus Hashnode's depth limit of 10) and
  executed by graphql-core, so a field, argument or variable type that does not exist fails here as it
  would on gql-beta.hashnode.com. Validation and parse failures are answered as Apollo Server answers them
  (HTTP 400, ``GRAPHQL_VALIDATION_FAILED`` / ``GRAPHQL_PARSE_FAILED``) and collected in
  ``server.validation_errors``, so a test can end with ``assert not server.validation_errors``.
* Data are posts of a real backup folder (read with ``hashmigrate.load``) mapped back to the API's fields
  by :func:`publication_from_posts`: the Markdown content is the file's body as written.
* ``publication.posts`` and ``publication.drafts`` page with opaque cursors, newest post first, clamping
  ``first`` at Hashnode's caps (100 for posts, 50 for drafts: "clamped, not errored").
* ``forbidden=True`` answers ``publication`` with the Pro-gating error, word for word as Hashnode's
  gql-skill (SKILL.md, "Pro plan gating") shows it; ``drafts`` needs the token (``Bearer `` optional).
* :meth:`GraphQLServer.fail_next` scripts 429 (with ``Retry-After``) and 5xx answers ahead of the real ones.
* Every request is recorded (query, variables, headers, raw body, status, answer).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
    execute_sync,
    parse,
    validate,
)
from markdown_it import MarkdownIt
from support.corpus import source_body
from support.shared import shared_file

from hashmigrate.model import Post

SCHEMA = ("specs", "hashnode-gql-schema.graphql")  # in ../shared: see shared_file
PRO_MESSAGE = (
    "Publication does not have an active Pro plan. Upgrade in your dashboard to access this via the API."
)
MAX_DEPTH = 10
POST_CAP = 100
DRAFT_CAP = 50
_MD = MarkdownIt("commonmark")


@dataclass
class RequestRecord:
    method: str
    path: str
    headers: dict[str, str]
    body: str
    query: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    operation_name: str | None = None
    status: int = 0
    response: Any = None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class Fault:
    status: int
    retry_after: str | None = None
    body: bytes = b""
    content_type: str = "text/plain"


@dataclass
class Publication:
    """One blog as the API serves it: nodes are dicts shaped like the schema's types."""

    id: str
    host: str
    url: str
    title: str
    posts: list[dict[str, Any]] = field(default_factory=list)
    drafts: list[dict[str, Any]] = field(default_factory=list)


def object_id(seed: str) -> str:
    """A stable 24-hex MongoDB-style id (Hashnode's ``id`` fields), from any text."""
    return hashlib.sha1(seed.encode("utf-8")).hexdigest()[:24]


def iso(moment: datetime | None) -> str | None:
    """How Hashnode's ``DateTime`` scalar is written: ISO 8601 in UTC with milliseconds and ``Z``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def file_markdown(post: Post) -> str:
    """The Markdown Hashnode holds for a post read from a front-matter backup file: the file's body."""
    return source_body(Path(post.source))


def publication_from_posts(
    posts: Iterable[Post],
    *,
    host: str = "blog.example.dev",
    url: str | None = None,
    title: str = "A Hashnode blog",
    markdown: Callable[[Post], str] = file_markdown,
) -> Publication:
    """The publication whose API would answer these posts; drafts (``post.draft``) become its drafts.

    Posts are served newest first, as ``publication.posts`` lists them.
    """
    base = (url or f"https://{host}").rstrip("/")
    publication = Publication(id=object_id(host), host=host, url=base, title=title)
    for post in posts:
        node = _node(post, markdown(post), base, publication)
        (publication.drafts if post.draft else publication.posts).append(node)
    epoch = datetime.min.replace(tzinfo=UTC)
    publication.posts.sort(key=lambda n: (n["_published"] or epoch, n["id"]), reverse=True)
    return publication


def _node(post: Post, markdown: str, base: str, publication: Publication) -> dict[str, Any]:
    ident = object_id(f"{post.cuid}:{post.slug}:{post.draft}")
    series = (
        {"id": object_id("series:" + post.series), "name": post.series, "slug": post.series}
        if post.series
        else None
    )
    node: dict[str, Any] = {
        "_published": post.published,
        "id": ident,
        "title": post.title,
        "subtitle": post.subtitle or None,
        "slug": post.slug,
        "content": {
            "markdown": markdown,
            # Computed only when a query asks (graphql-core calls a callable field value).
            "html": lambda _info: _MD.render(markdown),
            "text": lambda _info: markdown,
        },
        "coverImage": {"url": post.cover} if post.cover else None,
        "tags": [{"id": object_id("tag:" + t.slug), "name": t.name, "slug": t.slug} for t in post.tags],
        "updatedAt": iso(post.updated),
        "canonicalUrl": post.canonical_url,
        "series": series,
        "seo": {"title": post.seo_title, "description": post.seo_description},
        "ogMetaData": {"image": post.og_image},
        "features": {"tableOfContents": {"isEnabled": False, "items": []}},
        "readTimeInMinutes": max(1, len(markdown.split()) // 200),
        "publication": lambda _info: _publication_node(publication),
    }
    if post.draft:
        # Draft.updatedAt is non-null.
        node["updatedAt"] = iso(post.updated or post.published or datetime(2024, 1, 1, tzinfo=UTC))
        return node
    node.update(
        {
            "cuid": post.cuid or None,
            "url": f"{base}/{post.slug}",
            "brief": " ".join(markdown.split())[:150],
            "publishedAt": iso(post.published or datetime(2024, 1, 1, tzinfo=UTC)),
            "reactionCount": 0,
            "responseCount": 0,
            "replyCount": 0,
            "hasLatexInPost": False,
            "preferences": {
                "pinnedToBlog": False,
                "disableComments": False,
                "stickCoverToBottom": False,
                "isDelisted": False,
            },
        }
    )
    return node


def _publication_node(publication: Publication, server: GraphQLServer | None = None) -> dict[str, Any]:
    def posts(_info: GraphQLResolveInfo, first: int, after: str | None = None, **_: Any) -> dict[str, Any]:
        return _connection(publication.posts, "post", first, after, POST_CAP)

    def drafts(info: GraphQLResolveInfo, first: int, after: str | None = None) -> dict[str, Any]:
        if server is None or not server.authorized(info.context):
            raise GraphQLError(
                "You must be authenticated to access this resource.",
                extensions={"code": "UNAUTHENTICATED"},
            )
        return _connection(publication.drafts, "draft", first, after, DRAFT_CAP)

    return {
        "id": publication.id,
        "title": publication.title,
        "displayTitle": publication.title,
        "url": publication.url,
        "isTeam": False,
        "isHeadless": False,
        "isGitHubBackupEnabled": True,
        "isGithubAsSourceConnected": False,
        "domainInfo": {"hashnodeSubdomain": None, "domain": {"host": publication.host, "ready": True}},
        "posts": posts,
        "drafts": drafts,
    }


def _cursor(kind: str, ident: str) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{ident}".encode()).decode("ascii")


def _connection(
    items: list[dict[str, Any]], kind: str, first: int, after: str | None, cap: int
) -> dict[str, Any]:
    if first < 0:
        raise GraphQLError("first must be positive", extensions={"code": "BAD_USER_INPUT"})
    start = 0
    if after is not None:
        try:
            got_kind, ident = base64.urlsafe_b64decode(after.encode("ascii")).decode("utf-8").split(":", 1)
        except (ValueError, binascii.Error, UnicodeError):
            got_kind, ident = "", ""
        # A cursor names the last item seen, so posts published during paging shift nothing.
        index = next((i for i, item in enumerate(items) if item["id"] == ident), None)
        if got_kind != kind or index is None:
            raise GraphQLError("Invalid cursor", extensions={"code": "BAD_USER_INPUT"})
        start = index + 1
    page = items[start : start + min(first, cap)]
    edges = [{"node": item, "cursor": _cursor(kind, item["id"])} for item in page]
    return {
        "edges": edges,
        "pageInfo": {
            "hasNextPage": start + len(page) < len(items),
            "endCursor": edges[-1]["cursor"] if edges else None,
            "totalDocuments": len(items),
        },
        "totalDocuments": len(items),
    }


def query_depth(document: DocumentNode) -> int:
    """The deepest field nesting of any operation (``publication { posts { ... } }`` is 2)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}

    def depth(selection_set: SelectionSetNode | None, seen: frozenset[str]) -> int:
        if selection_set is None:
            return 0
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                deepest = max(deepest, 1 + depth(selection.selection_set, seen))
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, depth(selection.selection_set, seen))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in seen:
                    deepest = max(deepest, depth(fragments[name].selection_set, seen | {name}))
        return deepest

    return max(
        (
            depth(d.selection_set, frozenset())
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
        ),
        default=0,
    )


class GraphQLServer:
    def __init__(
        self,
        *publications: Publication,
        token: str | None = None,
        forbidden: bool = False,
        schema_path: Path | None = None,
    ) -> None:
        schema_path = schema_path or shared_file(*SCHEMA)
        self.schema: GraphQLSchema = build_schema(schema_path.read_text(encoding="utf-8"))
        self.publications = list(publications)
        self.token = token
        self.forbidden = forbidden
        self.requests: list[RequestRecord] = []
        self.validation_errors: list[str] = []
        self.internal_errors: list[str] = []
        self.faults: dict[int, Fault] = {}  # request number (0-based) -> scripted answer
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle on, keep-alive answers wait for a
            # delayed ACK (about 40 ms) on every page.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8", errors="replace")
                record = RequestRecord("POST", self.path, dict(self.headers.items()), raw)
                with server._lock:
                    fault = server.faults.pop(len(server.requests), None)
                    server.requests.append(record)
                if fault is not None:
                    record.status = fault.status
                    extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                    self._send(fault.status, fault.body, fault.content_type, extra)
                    return
                status, answer = server.answer(record)
                record.status, record.response = status, answer
                body = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                self._send(status, body, "application/json; charset=utf-8", {})

            def _send(self, status: int, body: bytes, mime: str, headers: Mapping[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", mime)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll makes stop() (shutdown) quick; tests start and stop many servers.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    # ---- control ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_next(
        self, status: int, *, retry_after: str | None = None, times: int = 1, after: int = 0
    ) -> None:
        """Answer ``times`` requests with ``status`` (no GraphQL run), once ``after`` more have been answered."""
        if status >= 500:
            body, mime = b"<html><body><h1>Service Unavailable</h1></body></html>", "text/html"
        else:
            said = "Too many requests" if status == 429 else f"Request failed with status {status}"
            body = json.dumps({"errors": [{"message": said}]}).encode()
            mime = "application/json"
        with self._lock:
            start = len(self.requests) + after
            for number in range(start, start + times):
                self.faults[number] = Fault(status, retry_after, body, mime)

    def graphql_requests(self) -> list[RequestRecord]:
        """The requests that reached GraphQL (not those answered by a scripted fault)."""
        return [r for r in self.requests if r.response is not None]

    def authorized(self, context: Any) -> bool:
        value = str(context.get("authorization") or "") if isinstance(context, Mapping) else ""
        # "The Bearer prefix is optional and case-insensitive" (gql-skill auth-and-roles.md).
        if value[:7].lower() == "bearer ":
            value = value[7:]
        return self.token is not None and value == self.token

    def start(self) -> GraphQLServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> GraphQLServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ---- GraphQL ---------------------------------------------------------------------------------

    def answer(self, record: RequestRecord) -> tuple[int, dict[str, Any]]:
        if "application/json" not in (record.header("Content-Type") or ""):
            # Apollo's CSRF prevention refuses a POST that is not JSON.
            return self._refused("POST body must be JSON (Content-Type: application/json)", "BAD_REQUEST")
        try:
            payload = json.loads(record.body)
        except json.JSONDecodeError:
            return self._refused("POST body is not valid JSON", "BAD_REQUEST")
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return self._refused("POST body sent invalid JSON or no query", "BAD_REQUEST")
        record.query = payload["query"]
        record.variables = payload.get("variables") or {}
        record.operation_name = payload.get("operationName")
        try:
            document = parse(record.query)
        except GraphQLError as exc:
            return self._invalid([exc], "GRAPHQL_PARSE_FAILED")
        errors = validate(self.schema, document)
        if errors:
            return self._invalid(errors, "GRAPHQL_VALIDATION_FAILED")
        depth = query_depth(document)
        if depth > MAX_DEPTH:
            return self._invalid(
                [GraphQLError(f"Query depth {depth} exceeds the maximum allowed depth of {MAX_DEPTH}")],
                "GRAPHQL_VALIDATION_FAILED",
            )
        result = execute_sync(
            self.schema,
            document,
            root_value={"publication": self._resolve_publication},
            context_value={"authorization": record.header("Authorization")},
            variable_values=record.variables,
            operation_name=record.operation_name,
        )
        formatted = [self._format(error) for error in result.errors or []]
        if result.data is None and formatted:
            # Variables that do not fit their declared types never reach a resolver.
            for error in formatted:
                error.setdefault("extensions", {})["code"] = "BAD_USER_INPUT"
            with self._lock:
                self.validation_errors.extend(str(error["message"]) for error in formatted)
            return 400, {"errors": formatted}
        answer: dict[str, Any] = {"data": result.data}
        if formatted:
            answer["errors"] = formatted
        return 200, answer

    def _resolve_publication(
        self, _info: GraphQLResolveInfo, id: str | None = None, host: str | None = None
    ) -> dict[str, Any] | None:
        found = next(
            (
                p
                for p in self.publications
                if (host is not None and p.host.lower() == host.lower()) or (id is not None and p.id == id)
            ),
            None,
        )
        if found is None:
            return None
        if self.forbidden:
            raise GraphQLError(PRO_MESSAGE, extensions={"code": "FORBIDDEN"})
        return _publication_node(found, self)

    def _format(self, error: GraphQLError) -> dict[str, Any]:
        formatted = dict(error.formatted)
        if not (error.extensions or {}).get("code"):
            # Apollo labels an error a resolver did not classify; here it means a bug in this server or
            # data (a non-null field left empty), so a test can see it.
            formatted["extensions"] = {"code": "INTERNAL_SERVER_ERROR"}
            with self._lock:
                self.internal_errors.append(f"{error.message} at {error.path}")
        return formatted

    def _invalid(self, errors: Iterable[GraphQLError], code: str) -> tuple[int, dict[str, Any]]:
        formatted = []
        for error in errors:
            item = dict(error.formatted)
            item["extensions"] = {"code": code}
            formatted.append(item)
        with self._lock:
            self.validation_errors.extend(str(item["message"]) for item in formatted)
        return 400, {"errors": formatted}

    def _refused(self, message: str, code: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.validation_errors.append(message)
        return 400, {"errors": [{"message": message, "extensions": {"code": code}}]}
