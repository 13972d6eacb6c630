"""A local stand-in for dev.to's article endpoints (Forem API v1) that is strict about every request.

dev.to cannot be reached from the test machines, so publisher tests talk to this server instead. It is
built to fail a client for the same reasons dev.to would, and for a few more that dev.to forgives silently:

* Every request is checked against the Forem OpenAPI spec (``forem-api-v1.json``), which is read at start-up
  and never copied: routes, the ``api-key`` security scheme, query and path parameters, and the JSON request
  body (``components.schemas.Article``, with OpenAPI 3.0 ``nullable`` turned into JSON Schema).
* dev.to's own rules that the spec does not encode are emulated from the Forem source
  (``app/models/article.rb``, ``app/controllers/concerns/api/articles_controller.rb``,
  ``app/services/markdown_processor/*``): the ``accept: application/vnd.forem.api-v1+json`` header, at most
  four alphanumeric tags, a required title, front matter in ``body_markdown`` overriding the payload,
  Liquid variables being disabled, unknown Liquid tags, the uniqueness checks on ``body_markdown`` and
  ``canonical_url``, draft slugs that change on publishing, and Rails strong parameters silently dropping
  what is not permitted (a ``tags`` *string*, unknown fields).
* Anything wrong with a request is appended to ``server.violations``, whether or not dev.to would have
  rejected it, so a test can end with ``assert not server.violations``.
* Responses have the shapes of Forem's jbuilder views; ``server.internal_errors`` collects any response of
  ours that drifts from the spec beyond the deviations listed in ``KNOWN_LISTING_DEVIATIONS``.
* Rate limits and faults (429, 5xx, connection resets, slow or truncated answers) can be switched on at run
  time, either before a write is applied or after it, because the second kind is what makes naive
  clients duplicate articles.
"""

from __future__ import annotations

import email.utils
import html
import json
import math
import random
import re
import socket
import struct
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self, cast
from urllib.parse import parse_qs, urlsplit

import yaml
from jsonschema import Draft4Validator, FormatChecker  # type: ignore[import-untyped, unused-ignore]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

__all__ = [
    "DEFAULT_API_KEY",
    "DEVTO_RATE_LIMITS",
    "KNOWN_LISTING_DEVIATIONS",
    "V1_ACCEPT",
    "Article",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "ForeignRequest",
    "ForeignServer",
    "ForemServer",
    "ForemSpec",
    "RateLimit",
    "RateLimits",
    "RequestRecord",
    "Violation",
]

V1_ACCEPT = "application/vnd.forem.api-v1+json"
DEFAULT_API_KEY = "hashmigrate-test-key"
SITE = "https://dev.to"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SPEC_URI = "urn:hashmigrate:forem-api-v1"
_JSON_CONTENT_TYPE = "application/json; charset=utf-8"

# Fields Forem's me.json.jbuilder does not emit although the spec's ArticleIndex marks them required, and the
# nulls it emits for drafts where ArticleIndex says string. Taken from forem/forem
# app/views/api/v1/articles/me.json.jbuilder; a real client must cope with exactly these.
KNOWN_LISTING_DEVIATIONS: Mapping[str, str] = {
    "readable_publish_date": "absent from /articles/me*",
    "social_image": "absent from /articles/me*",
    "tags": "absent from /articles/me*; tag_list is an array there, a string in single-article responses",
    "created_at": "absent from /articles/me*",
    "edited_at": "absent from /articles/me*",
    "crossposted_at": "absent from /articles/me*",
    "last_comment_at": "absent from /articles/me*",
    "published_at": "null for drafts",
    "published_timestamp": 'empty string "" for drafts',
}

# ---------------------------------------------------------------------------------------------------------
# Records a test reads
# ---------------------------------------------------------------------------------------------------------

ViolationKind = Literal[
    "route",  # no such operation in the spec
    "header",  # accept, api-key or content-type missing or wrong
    "path",  # a path parameter does not match its schema
    "query",  # a query parameter does not match its schema
    "json",  # the body is not JSON, or not an object with an "article" object
    "schema",  # the body does not match the spec's request schema
    "dropped",  # spec-valid, but dev.to silently ignores it (a tags string, an unknown field)
    "content",  # dev.to's own article rules (tags, title, Liquid, front matter, uniqueness)
]


@dataclass(frozen=True)
class Violation:
    method: str
    path: str
    kind: ViolationKind
    message: str
    rejected: bool  # False when dev.to accepts the request anyway (and maybe loses data)


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str  # without the query string
    query: str
    operation: str | None  # the spec's operationId, None when no route matched
    status: int | None  # None when the connection was dropped before a status line
    started: float  # time.monotonic() when the request arrived
    finished: float  # when the answer was decided, after any injected delay, just before it was sent
    fault: FaultKind | None
    applied: bool  # True when this request changed the stored articles
    body: bytes

    @property
    def is_write(self) -> bool:
        return self.method in WRITE_METHODS

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class Article:
    """One stored article, the state dev.to keeps (not a response shape)."""

    id: int
    title: str
    body_markdown: str
    published: bool
    tags: tuple[str, ...]
    description: str
    canonical_url: str | None
    main_image: str | None
    series: str | None
    slug: str
    created_at: datetime
    published_at: datetime | None
    edited_at: datetime | None
    body_html: str
    reading_time: int

    @property
    def tag_list(self) -> str:
        return ", ".join(self.tags)


# ---------------------------------------------------------------------------------------------------------
# Rate limits and faults
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLimit:
    limit: int
    window: float  # seconds


@dataclass(frozen=True)
class RateLimits:
    create: RateLimit | None = None
    update: RateLimit | None = None


# api_v0.yml documents 10 creates and 30 updates per 30 seconds per API key.
DEVTO_RATE_LIMITS = RateLimits(create=RateLimit(10, 30.0), update=RateLimit(30, 30.0))


class FaultKind(StrEnum):
    RATE_LIMITED = "429"
    SERVER_ERROR = "500"
    BAD_GATEWAY = "502"
    SERVICE_UNAVAILABLE = "503"
    RESET = "reset"  # TCP reset instead of any response
    SLOW = "slow"  # answer normally, but only after a delay
    MALFORMED_JSON = "malformed-json"  # a success status with a truncated JSON body
    RESET_MID_BODY = "reset-mid-body"  # headers and half the body, then the connection closes
    SAYS = "says"  # an error answer with a given message, which may echo the request's api-key
    REDIRECT = "redirect"  # a redirect elsewhere (another origin), before anything is applied


RetryAfterFormat = Literal["seconds", "http-date", "none"]


@dataclass(frozen=True)
class Fault:
    """What to do to one request. Build with the class methods; they read better in tests.

    ``after_apply`` decides whether a write is stored first: False models a failure in front of dev.to
    (nothing stored), True a failure between dev.to storing the article and the client reading the answer.
    ``operations`` limits the fault to some operationIds (``createArticle``, ``updateArticle``,
    ``getUserAllArticles`` ...); None means any request.
    """

    kind: FaultKind
    after_apply: bool = False
    retry_after: float = 1.0
    retry_after_format: RetryAfterFormat = "seconds"
    delay: float = 0.0
    operations: frozenset[str] | None = None
    status: int = 0  # SAYS and REDIRECT: the status answered
    message: str = ""  # SAYS: what the answer says; REDIRECT: where it sends the request
    plain: bool = False  # SAYS: as a text/plain body instead of dev.to's JSON

    @classmethod
    def says(
        cls, status: int, message: str, *, plain: bool = False, operations: Iterable[str] | None = None
    ) -> Fault:
        """An error answer saying ``message``; ``{api_key}`` in it stands for the api-key header the
        request carried (a server that echoes the key). Nothing is applied."""
        return cls(FaultKind.SAYS, operations=_ops(operations), status=status, message=message, plain=plain)

    @classmethod
    def redirect(
        cls,
        location: str,
        status: Literal[301, 302, 303, 307, 308] = 307,
        *,
        operations: Iterable[str] | None = None,
    ) -> Fault:
        """A redirect to ``location`` followed by the request's own path and query (``location`` is
        another server's URL: a foreign origin). Nothing is applied."""
        return cls(FaultKind.REDIRECT, operations=_ops(operations), status=status, message=location)

    @classmethod
    def rate_limited(
        cls,
        retry_after: float = 1.0,
        *,
        fmt: RetryAfterFormat = "seconds",
        after_apply: bool = False,
        operations: Iterable[str] | None = None,
    ) -> Fault:
        return cls(FaultKind.RATE_LIMITED, after_apply, retry_after, fmt, 0.0, _ops(operations))

    @classmethod
    def error(
        cls,
        status: Literal[500, 502, 503] = 500,
        *,
        after_apply: bool = False,
        retry_after: float | None = None,
        operations: Iterable[str] | None = None,
    ) -> Fault:
        kind = {500: FaultKind.SERVER_ERROR, 502: FaultKind.BAD_GATEWAY, 503: FaultKind.SERVICE_UNAVAILABLE}
        fmt: RetryAfterFormat = "none" if retry_after is None else "seconds"
        return cls(kind[status], after_apply, retry_after or 0.0, fmt, 0.0, _ops(operations))

    @classmethod
    def reset(cls, *, after_apply: bool = False, operations: Iterable[str] | None = None) -> Fault:
        return cls(FaultKind.RESET, after_apply, operations=_ops(operations))

    @classmethod
    def slow(
        cls, delay: float, *, after_apply: bool = True, operations: Iterable[str] | None = None
    ) -> Fault:
        """A slow dev.to still stores the write: it does not notice that the client gave up.

        ``after_apply=True`` stores before sleeping (a concurrent listing already sees the article),
        ``False`` sleeps first and stores afterwards, when the client has usually timed out.
        """
        return cls(FaultKind.SLOW, after_apply, delay=delay, operations=_ops(operations))

    @classmethod
    def malformed_json(cls, *, after_apply: bool = False, operations: Iterable[str] | None = None) -> Fault:
        return cls(FaultKind.MALFORMED_JSON, after_apply, operations=_ops(operations))

    @classmethod
    def reset_mid_body(cls, *, after_apply: bool = False, operations: Iterable[str] | None = None) -> Fault:
        return cls(FaultKind.RESET_MID_BODY, after_apply, operations=_ops(operations))

    def matches(self, operation: str | None) -> bool:
        return self.operations is None or operation in self.operations


def _ops(operations: Iterable[str] | None) -> frozenset[str] | None:
    return None if operations is None else frozenset(operations)


class FaultPlan:
    """Which requests get a fault: a script consumed in order, then a seeded random rate.

    ``script(f1, None, f2)`` gives the next matching request ``f1``, the one after no fault, then ``f2``;
    a fault whose ``operations`` do not match waits at the head of the queue for a request that does.
    """

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._seed = seed
        self._rng = random.Random(seed)
        self._script: deque[Fault | None] = deque()
        self._rate = 0.0
        self._choices: tuple[Fault, ...] = ()
        self.injected: list[tuple[str | None, Fault]] = []

    def script(self, *faults: Fault | None) -> None:
        with self._lock:
            self._script.extend(faults)

    def randomly(self, rate: float, choices: Sequence[Fault], *, seed: int | None = None) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be within [0, 1], not {rate}")
        if rate and not choices:
            raise ValueError("a fault rate needs at least one fault to choose from")
        with self._lock:
            self._rate = rate
            self._choices = tuple(choices)
            if seed is not None:
                self._rng = random.Random(seed)

    def clear(self) -> None:
        with self._lock:
            self._script.clear()
            self._rate = 0.0
            self._choices = ()
            self._rng = random.Random(self._seed)
            self.injected.clear()

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._script)

    def draw(self, operation: str | None) -> Fault | None:
        with self._lock:
            if self._script:
                head = self._script[0]
                if head is None:
                    self._script.popleft()
                    return None
                if head.matches(operation):
                    self._script.popleft()
                    self.injected.append((operation, head))
                    return head
            if self._rate:
                # Draw even when no choice matches, so one request's operation cannot shift the sequence
                # seen by the next.
                roll = self._rng.random()
                pick = self._rng.choice(self._choices)
                if roll < self._rate and pick.matches(operation):
                    self.injected.append((operation, pick))
                    return pick
            return None


class _RateLimiter:
    """Fixed windows per (api key, action), as Forem's RateLimitChecker counts with an expiring cache key."""

    def __init__(self) -> None:
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}

    def clear(self) -> None:
        self._windows.clear()

    def check(self, key: str, action: str, limit: RateLimit | None, now: float) -> int | None:
        """Count one attempt; return seconds to wait when it is over the limit."""
        if limit is None:
            return None
        start, count = self._windows.get((key, action), (now, 0))
        if now - start >= limit.window:
            start, count = now, 0
        if count >= limit.limit:
            return max(1, math.ceil(limit.window - (now - start)))
        self._windows[(key, action)] = (start, count + 1)
        return None


# ---------------------------------------------------------------------------------------------------------
# The spec
# ---------------------------------------------------------------------------------------------------------


def _check_int32(value: object) -> bool:
    return not isinstance(value, int) or -(2**31) <= value < 2**31


def _check_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.tzinfo is not None


# jsonschema's own date-time check needs an optional package and passes silently without it.
_FORMATS: Any = FormatChecker(formats=())
_FORMATS.checks("int32")(_check_int32)
_FORMATS.checks("int64")(lambda value: True)
_FORMATS.checks("date-time", raises=ValueError)(_check_date_time)


def _openapi30_to_json_schema(node: Any) -> Any:
    """Turn OpenAPI 3.0 ``nullable: true`` into a JSON Schema type union, everywhere in the document."""
    if isinstance(node, list):
        return [_openapi30_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _openapi30_to_json_schema(value) for key, value in node.items()}
    # A property *named* "nullable" holds a schema (a dict), so only a literal True is the keyword.
    if out.get("nullable") is True:
        del out["nullable"]
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        elif kind is None:
            out = {"anyOf": [out, {"type": "null"}]}
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


@dataclass(frozen=True)
class Operation:
    method: str
    template: str  # e.g. "/articles/{id}", relative to the server's base path
    operation_id: str
    parameters: tuple[Mapping[str, Any], ...]
    body_schema: Mapping[str, Any] | None
    needs_api_key: bool
    responses: Mapping[str, Mapping[str, Any]]
    pattern: re.Pattern[str]

    def response_schema(self, status: int) -> Mapping[str, Any] | None:
        content = self.responses.get(str(status), {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        return cast("Mapping[str, Any] | None", schema)

    def response_example(self, status: int) -> Any:
        content = self.responses.get(str(status), {}).get("content", {})
        return content.get("application/json", {}).get("example")


class ForemSpec:
    """The parts of the OpenAPI document the server needs, with ``$ref`` resolution through jsonschema."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        raw = json.loads(self.path.read_text(encoding="utf-8"))
        self.raw: Mapping[str, Any] = raw
        self.document: Mapping[str, Any] = _openapi30_to_json_schema(raw)
        self.base_path = urlsplit(raw["servers"][0]["url"]).path.rstrip("/")
        resource: Resource[Any] = Resource.from_contents(self.document, default_specification=DRAFT4)
        self._registry: Registry[Any] = Registry().with_resource(_SPEC_URI, resource)
        global_security = raw.get("security", [])
        operations = []
        for template, item in self.document["paths"].items():
            for method, op in item.items():
                if not isinstance(op, dict) or method == "parameters":
                    continue
                security = op.get("security", global_security)
                body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
                operations.append(
                    Operation(
                        method=method.upper(),
                        template=template,
                        operation_id=op.get("operationId") or f"{method.upper()} {template}",
                        parameters=tuple(self.resolve(p) for p in op.get("parameters", [])),
                        body_schema=body.get("schema"),
                        needs_api_key=any("api-key" in requirement for requirement in security),
                        responses=op.get("responses", {}),
                        pattern=_template_pattern(self.base_path + template),
                    )
                )
        # Literal segments beat parameters, as in Rails' route order: /articles/me before /articles/{id}.
        self.operations = sorted(operations, key=lambda op: (op.template.count("{"), op.template))
        self.by_id = {op.operation_id: op for op in self.operations}

    def resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in node:
            target: Any = self.document
            for part in str(node["$ref"]).removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def schema(self, name: str) -> Mapping[str, Any]:
        return cast("Mapping[str, Any]", self.document["components"]["schemas"][name])

    def validator(self, schema: Mapping[str, Any]) -> Any:
        """A Draft 4 validator (OpenAPI 3.0's dialect) whose ``#/...`` refs point into the spec."""
        return Draft4Validator(_anchor_refs(schema), registry=self._registry, format_checker=_FORMATS)

    def errors(self, schema: Mapping[str, Any], instance: Any) -> list[str]:
        found = self.validator(schema).iter_errors(instance)
        return sorted(f"{_json_path(err.absolute_path)}: {err.message}" for err in found)

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        for op in self.operations:
            hit = op.pattern.fullmatch(path)
            if hit and op.method == method:
                return op, hit.groupdict()
        return None


def _template_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join(f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(regex)


def _anchor_refs(node: Any) -> Any:
    """Point local ``#/components/...`` refs at the registered spec, so a sub-schema can be a root."""
    if isinstance(node, list):
        return [_anchor_refs(item) for item in node]
    if isinstance(node, dict):
        return {
            key: (_SPEC_URI + value if key == "$ref" and str(value).startswith("#") else _anchor_refs(value))
            for key, value in node.items()
        }
    return node


def _json_path(parts: Iterable[Any]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


# ---------------------------------------------------------------------------------------------------------
# dev.to's article rules
# ---------------------------------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(
    r"\A---[ \t]*\n(?P<yaml>.*?)\n?^---[ \t]*$\n?(?P<content>.*)\Z", re.DOTALL | re.MULTILINE
)
# MarkdownProcessor::Fixer quotes unquoted title/description values, which is why "title: A: B" works.
_FIXED_SECTIONS = ("title", "description")
# MarkdownProcessor::Parser#escape_liquid_tags_in_codeblock: Liquid is not evaluated inside these.
_CODE = re.compile(r"\s*~{3}.*?~{3}|\s*`{3}.*?`{3}|`{2}.+?`{2}|`.+?`", re.DOTALL)
_LIQUID_TOKEN = re.compile(r"\{%-?\s*(?P<tag>.*?)\s*-?%\}|\{\{(?P<var>.*?)\}\}?", re.DOTALL)
_ENDRAW = re.compile(r"\{%-?\s*endraw\s*-?%\}")
_TAG_NAME = re.compile(r"[^\W_]+")  # Unicode letters and digits: no hyphens, underscores or dots
_URL = re.compile(r"\Ahttps?://[^\s/$.?#][^\s]*\Z", re.IGNORECASE)
_GIST = re.compile(r"\Ahttps://gist\.github\.com/[\w-]+/[0-9a-f]+")
_YOUTUBE_ID = re.compile(r"\A[A-Za-z0-9_-]{11}((\?t=|\?start=)\S+)?\Z")
_YOUTUBE_URL = re.compile(r"\Ahttps?://(www\.)?(youtube\.com/(watch\?v=|embed/|shorts/|live/)|youtu\.be/)\S+")
_TWEET = re.compile(r"\A\d{10,20}\Z|\Ahttps?://(www\.)?(twitter|x)\.com/\w+/status/\d+")

# Block tags need their end tag; the argument checks mirror the ones that raise (and so give 422) in
# app/liquid_tags. Tags not listed here are unknown to this server, as they would be to Forem.
_BLOCK_TAGS = frozenset({"details", "spoiler", "collapsible", "katex"})
_ARGUMENT_CHECKS: Mapping[str, tuple[re.Pattern[str] | None, str]] = {
    "tweet": (_TWEET, "Invalid Twitter Id"),
    "twitter": (_TWEET, "Invalid Twitter Id"),
    "youtube": (None, "Invalid YouTube ID"),
    "gist": (_GIST, "Invalid Gist link: the URL must be https://gist.github.com/<user>/<id>"),
    "embed": (_URL, "Embed URL not valid"),
}
_KNOWN_INLINE_TAGS = frozenset(
    {
        *_ARGUMENT_CHECKS,
        "asciinema", "bluesky", "codepen", "codesandbox", "comment", "devcomment", "dotnetfiddle",
        "github", "gitlab", "glitch", "instagram", "jsfiddle", "jsitor", "kotlin", "link", "loom",
        "medium", "mux", "nexttech", "organization", "podcast", "poll", "reddit", "replit", "runkit",
        "slideshare", "soundcloud", "speakerdeck", "spotify", "stackblitz", "stackery", "tag", "twitch",
        "user", "vimeo", "wikipedia", "video",
    }
)  # fmt: skip


class ArticleRejected(Exception):
    def __init__(self, messages: Sequence[str]) -> None:
        super().__init__(_to_sentence(messages))
        self.messages = tuple(messages)


def _to_sentence(words: Sequence[str]) -> str:
    """Rails' Array#to_sentence, which errors_as_sentence uses for the 422 body."""
    if len(words) <= 1:
        return "".join(words)
    if len(words) == 2:
        return f"{words[0]} and {words[1]}"
    return ", ".join(words[:-1]) + ", and " + words[-1]


def _fix_front_matter(markdown: str) -> str:
    markdown = markdown.replace("\r\n", "\n")
    hit = _FRONT_MATTER.match(markdown)
    if not hit:
        return markdown
    front = hit["yaml"] + "\n"
    for section in _FIXED_SECTIONS:

        def quote(line: re.Match[str], section: str = section) -> str:
            text = line["content"]
            if re.fullmatch(r"\".*\"|'.*'", text):
                return line[0]
            escaped = re.sub(r'(?<!\\)"', r"\\\"", text)
            return f'{section}: "{escaped}"\n'

        front = re.sub(rf"{section}: ?(?P<content>.*?)\n", quote, front)
    # Fixer.split_tags turns "tags: #a #b" into "tags: a,b".
    front = re.sub(
        r"(?m)^tags:.*$",
        lambda m: m[0].replace(" #", ",").replace("#", "").replace(":,", ": "),
        front,
    )
    return f"---\n{front}---\n{hit['content']}"


def parse_front_matter(markdown: str) -> tuple[dict[str, Any], str]:
    """Split dev.to front matter off ``body_markdown``; raise ArticleRejected on YAML errors."""
    fixed = _fix_front_matter(markdown)
    hit = _FRONT_MATTER.match(fixed)
    if not hit:
        return {}, fixed
    try:
        loaded = yaml.safe_load(hit["yaml"]) if hit["yaml"].strip() else {}
    except yaml.YAMLError as exc:
        raise ArticleRejected([f"(<unknown>): {exc}".replace("\n", " ")]) from exc
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise ArticleRejected([f"front matter must be a mapping, not {type(loaded).__name__}"])
    return {str(key): value for key, value in loaded.items()}, hit["content"]


@dataclass(frozen=True)
class LiquidReport:
    fatal: str | None  # StandardError during parsing: dev.to answers 422
    syntax_error: str | None  # Liquid::SyntaxError: dev.to saves the article with this text as its HTML


def check_liquid(content: str) -> LiquidReport:
    """Walk the Liquid tokens outside code the way Forem's parser would meet them, first problem wins."""
    text = _CODE.sub("", content)
    stack: list[str] = []
    pos = 0
    while hit := _LIQUID_TOKEN.search(text, pos):
        pos = hit.end()
        if hit["var"] is not None:
            return LiquidReport("Liquid variables are disabled", None)
        name, _, args = hit["tag"].partition(" ")
        args = args.strip()
        if name == "raw":
            end = _ENDRAW.search(text, pos)
            if end is None:
                return LiquidReport(None, "Liquid syntax error: 'raw' tag was never closed")
            pos = end.end()
        elif name in _BLOCK_TAGS:
            stack.append(name)
        elif stack and name == f"end{stack[-1]}":
            stack.pop()
        elif name in _KNOWN_INLINE_TAGS:
            problem = _check_tag_arguments(name, args)
            if problem:
                return LiquidReport(problem, None)
        else:
            return LiquidReport(None, f"Liquid syntax error: Unknown tag '{name}'")
    if stack:
        return LiquidReport(None, f"Liquid syntax error: '{stack[-1]}' tag was never closed")
    return LiquidReport(None, None)


def _check_tag_arguments(name: str, args: str) -> str | None:
    if not args:
        return f"{name} tag needs an argument"
    if name == "youtube":
        first = args.split()[0]
        return None if _YOUTUBE_ID.match(first) or _YOUTUBE_URL.match(first) else "Invalid YouTube ID"
    pattern, message = _ARGUMENT_CHECKS.get(name, (None, ""))
    if pattern is not None and not pattern.match(args.split()[0]):
        return message
    return None


def _parse_tags(value: Any) -> list[str]:
    """ActsAsTaggableOn with force_lowercase: split on commas, strip, lowercase, drop blanks and repeats."""
    items = value if isinstance(value, list) else [value]
    tags: list[str] = []
    for item in items:
        for piece in str(item).split(","):
            tag = piece.strip().lower()
            if tag and tag not in tags:
                tags.append(tag)
    return tags


def _as_bool(value: Any) -> bool:
    # ActiveModel's boolean cast, for lenient mode where the type was not checked.
    return value not in (False, 0, "0", "f", "F", "false", "FALSE", "off", "OFF", None, "")


def _slug_base(title: str, rng: random.Random) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return f"{slug}-{_base26(rng.randrange(100_000))}"


def _base26(number: int) -> str:
    digits = "0123456789abcdefghijklmnop"  # Ruby's Integer#to_s(26)
    out = ""
    while True:
        number, rest = divmod(number, 26)
        out = digits[rest] + out
        if not number:
            return out


def _plain_text(markdown: str) -> str:
    text = re.sub(r"```.*?```|~~~.*?~~~", " ", markdown, flags=re.DOTALL)
    text = re.sub(r"\{%.*?%\}", " ", text)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)|[#>*_`\[\]()]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _description(content: str, user_name: str) -> str:
    text = _plain_text(content)
    if not text:
        return f"A post by {user_name}"
    if len(text) <= 104:
        return text
    cut = text[:104].rsplit(" ", 1)[0]
    return cut + "..."


def _to_datetime(value: Any, fallback: datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return fallback
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return fallback


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------------------------------
# HTTP plumbing
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str = _JSON_CONTENT_TYPE


def _json_response(status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> _Response:
    return _Response(status, json.dumps(payload).encode("utf-8"), tuple(headers))


def _error(status: int, message: str, headers: Iterable[tuple[str, str]] = ()) -> _Response:
    return _json_response(status, {"error": message, "status": status}, headers)


@dataclass
class _Exchange:
    """One request as it passes through the server."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    started: float
    operation: Operation | None = None
    path_params: dict[str, Any] = field(default_factory=dict)
    query_params: dict[str, Any] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)
    api_key: str = ""
    applied: bool = False


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive, as clients pool connections to dev.to

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        # Quiet: the request log is server.requests.
        return

    def _serve(self) -> None:
        owner = self.server.owner
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        exchange = _Exchange(
            method=self.command,
            path=split.path,
            query=split.query,
            headers={key.lower(): value for key, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
            started=time.monotonic(),
        )
        try:
            status, fault, deliver = owner._exchange(exchange, self)
        except Exception:
            owner._internal_error(f"{exchange.method} {exchange.path}:\n{traceback.format_exc()}")
            status, fault = 500, None
            deliver = partial(self._send, _error(500, "test server bug, see server.internal_errors"))
        # Log before answering: a client that has its answer may look at server.requests at once.
        owner._log(exchange, status, fault)
        deliver()

    # Raw socket behaviour for faults -------------------------------------------------------------------

    def _send(self, response: _Response, *, cut_body: bool = False) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers:
                self.send_header(name, value)
            if cut_body:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(response.body[: len(response.body) // 2] if cut_body else response.body)
            self.wfile.flush()
        except OSError:
            # The client gave up (timeout) before we answered; dev.to would not notice either.
            self.close_connection = True
        if cut_body:
            self._close(reset=False)

    def _close(self, *, reset: bool) -> None:
        """Drop the connection: ``reset`` sends a TCP RST, otherwise a plain FIN after what was sent."""
        self.close_connection = True
        try:
            if reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_WR)
            # The buffered reader holds a reference to the socket; the fd only closes after it.
            self.rfile.close()
            self.connection.close()
        except OSError:
            pass


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], owner: ForemServer) -> None:
        self.owner = owner
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Broken pipes from clients that timed out are expected; anything else is a bug to surface.
        exc = traceback.format_exc()
        if "BrokenPipeError" not in exc and "ConnectionResetError" not in exc:
            self.owner._internal_error(exc)


# ---------------------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------------------

_PERMITTED = ("title", "body_markdown", "published", "series", "main_image", "canonical_url", "description")
_LISTING_STATUS = {
    "getUserArticles": "published",
    "getUserPublishedArticles": "published",
    "getUserUnpublishedArticles": "unpublished",
    "getUserAllArticles": "all",
}


class ForemServer:
    """dev.to's article API on 127.0.0.1, strict about requests. Use as a context manager.

    Every attribute set here may be changed while the server runs (``server.rate_limits = ...``).
    ``rate_limits`` defaults to none; ``DEVTO_RATE_LIMITS`` has dev.to's, scale the windows down for tests.
    ``require_accept_header=False`` still records a missing v1 accept header but serves the request.
    ``check_responses`` validates each of our own answers against the spec into ``internal_errors``.
    ``reject_invalid=False`` answers requests that break the spec the way dev.to would (Rails casts types
    and drops unpermitted parameters) instead of with 400/422; they are still recorded as violations.
    ``liquid_syntax_errors="store"`` is what Forem does with an unknown or unclosed Liquid tag: it saves the
    article with the Liquid error message as its HTML (forem/forem PR #5089, issue #21311); "reject"
    answers 422 instead. ``enforce_uniqueness`` keeps Forem's validations that the same title and
    ``body_markdown`` cannot be stored twice by one user and that two published articles cannot share a
    ``canonical_url``.
    """

    def __init__(
        self,
        spec_path: Path | str | ForemSpec,
        *,
        api_key: str = DEFAULT_API_KEY,
        seed: int = 0,
        rate_limits: RateLimits | None = None,
        reject_invalid: bool = True,
        require_accept_header: bool = True,
        liquid_syntax_errors: Literal["store", "reject"] = "store",
        enforce_uniqueness: bool = True,
        check_responses: bool = True,
        username: str = "hashmigrate_test",
        first_id: int = 1001,
    ) -> None:
        self.spec = spec_path if isinstance(spec_path, ForemSpec) else ForemSpec(spec_path)
        self.api_key = api_key
        self.rate_limits = rate_limits or RateLimits()
        self.reject_invalid = reject_invalid
        self.require_accept_header = require_accept_header
        self.liquid_syntax_errors = liquid_syntax_errors
        self.enforce_uniqueness = enforce_uniqueness
        self.check_responses = check_responses
        self.username = username
        self.faults = FaultPlan(seed)
        self._seed = seed
        self._first_id = first_id
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._limiter = _RateLimiter()
        self._articles: dict[int, Article] = {}
        self._requests: list[RequestRecord] = []
        self._violations: list[Violation] = []
        self._internal_errors: list[str] = []
        self._rng = random.Random(seed)
        self._next_id = first_id
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        article_schema = self.spec.schema("Article")
        self._known_fields = frozenset(article_schema["properties"]["article"]["properties"])

    # Life cycle ------------------------------------------------------------------------------------------

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _HTTPServer(("127.0.0.1", 0), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes slow responses
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget articles, logs, violations, faults and rate-limit counters; keep the configuration."""
        with self._lock:
            self._articles.clear()
            self._requests.clear()
            self._violations.clear()
            self._internal_errors.clear()
            self._limiter.clear()
            self._rng = random.Random(self._seed)
            self._next_id = self._first_id
        self.faults.clear()

    # What a test reads -----------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the server is not running; use start() or a with block")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The API base, like https://dev.to/api: append /articles etc."""
        return f"http://127.0.0.1:{self.port}{self.spec.base_path}"

    @property
    def headers(self) -> dict[str, str]:
        """The headers dev.to's v1 API wants on every request."""
        return {"api-key": self.api_key, "accept": V1_ACCEPT}

    @property
    def articles(self) -> list[Article]:
        with self._lock:
            return [self._articles[key] for key in sorted(self._articles)]

    def article(self, article_id: int) -> Article | None:
        with self._lock:
            return self._articles.get(article_id)

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._requests)

    @property
    def write_requests(self) -> list[RequestRecord]:
        return [record for record in self.requests if record.is_write]

    def count(self, operation: str) -> int:
        """How many requests for one operationId arrived (whatever their outcome)."""
        return sum(1 for record in self.requests if record.operation == operation)

    @property
    def violations(self) -> list[Violation]:
        with self._lock:
            return list(self._violations)

    @property
    def internal_errors(self) -> list[str]:
        with self._lock:
            return list(self._internal_errors)

    def add_article(
        self,
        title: str,
        body_markdown: str = "",
        *,
        published: bool = False,
        tags: Sequence[str] = (),
        canonical_url: str | None = None,
        description: str | None = None,
        created_at: datetime | None = None,
        published_at: datetime | None = None,
    ) -> Article:
        """Store an article as if created earlier, bypassing HTTP and every check."""
        now = created_at or datetime.now(UTC)
        with self._lock:
            article_id = self._allocate_id()
            base = _slug_base(title, self._rng)
            slug = base if published else f"{base}-temp-slug-{self._rng.randrange(10_000_000)}"
            article = Article(
                id=article_id,
                title=title,
                body_markdown=body_markdown,
                published=published,
                tags=tuple(tags),
                description=description or _description(body_markdown, self.username),
                canonical_url=canonical_url,
                main_image=None,
                series=None,
                slug=slug,
                created_at=now,
                published_at=(published_at or now) if published else None,
                edited_at=None,
                body_html=f"<p>{html.escape(body_markdown)}</p>",
                reading_time=max(1, math.ceil(len(body_markdown.split()) / 275)),
            )
            self._articles[article_id] = article
            return article

    # Request processing ----------------------------------------------------------------------------------

    def _exchange(
        self, ex: _Exchange, handler: _Handler
    ) -> tuple[int | None, Fault | None, Callable[[], None]]:
        """Decide the answer (applying the write or not); return its status and how to deliver it."""
        early = self._prepare(ex)
        fault = self.faults.draw(ex.operation.operation_id if ex.operation else None)
        if fault is not None and not fault.after_apply and fault.kind is not FaultKind.SLOW:
            status, deliver = self._fault_delivery(fault, None, ex, handler)
            return status, fault, deliver
        if fault is not None and fault.kind is FaultKind.SLOW and not fault.after_apply:
            self._stopping.wait(fault.delay)
        response = early if early is not None else self._commit(ex)
        if fault is not None and fault.kind is FaultKind.SLOW:
            if fault.after_apply:
                self._stopping.wait(fault.delay)
            return response.status, fault, partial(handler._send, response)
        if fault is not None:
            status, deliver = self._fault_delivery(fault, response, ex, handler)
            return status, fault, deliver
        return response.status, None, partial(handler._send, response)

    def _fault_delivery(
        self, fault: Fault, response: _Response | None, ex: _Exchange, handler: _Handler
    ) -> tuple[int | None, Callable[[], None]]:
        kind = fault.kind
        if kind is FaultKind.RESET:
            return None, partial(handler._close, reset=True)
        if kind in (FaultKind.MALFORMED_JSON, FaultKind.RESET_MID_BODY):
            if response is None or response.status >= 400:
                status = 201 if ex.operation and ex.operation.operation_id == "createArticle" else 200
                response = _json_response(status, {"type_of": "article", "id": 0, "title": "x" * 64})
            if kind is FaultKind.RESET_MID_BODY:
                return response.status, partial(handler._send, response, cut_body=True)
            truncated = replace(response, body=response.body[: max(1, len(response.body) // 2)])
            return response.status, partial(handler._send, truncated)
        if kind is FaultKind.SAYS:
            text = fault.message.replace("{api_key}", ex.headers.get("api-key", ""))
            said = (
                _Response(fault.status, text.encode("utf-8"), (), "text/plain; charset=utf-8")
                if fault.plain
                else _error(fault.status, text)
            )
            return fault.status, partial(handler._send, said)
        if kind is FaultKind.REDIRECT:
            target = fault.message.rstrip("/") + ex.path + (f"?{ex.query}" if ex.query else "")
            return fault.status, partial(handler._send, _Response(fault.status, b"", (("Location", target),)))
        headers = self._retry_after_headers(fault)
        if kind is FaultKind.RATE_LIMITED:
            seconds = max(1, math.ceil(fault.retry_after))
            limited = _error(429, f"Rate limit reached, try again in {seconds} seconds", headers)
            return 429, partial(handler._send, limited)
        status = int(kind.value)
        page = f"<html><body><h1>{status}</h1><p>Injected by the test server.</p></body></html>"
        return status, partial(
            handler._send, _Response(status, page.encode(), headers, "text/html; charset=utf-8")
        )

    @staticmethod
    def _retry_after_headers(fault: Fault) -> tuple[tuple[str, str], ...]:
        seconds = max(1, math.ceil(fault.retry_after))
        if fault.retry_after_format == "seconds":
            return (("Retry-After", str(seconds)),)
        if fault.retry_after_format == "http-date":
            return (("Retry-After", email.utils.formatdate(time.time() + seconds, usegmt=True)),)
        return ()

    def _violation(self, ex: _Exchange, kind: ViolationKind, message: str, *, rejected: bool) -> None:
        with self._lock:
            self._violations.append(Violation(ex.method, ex.path, kind, message, rejected))

    def _internal_error(self, message: str) -> None:
        with self._lock:
            self._internal_errors.append(message)

    def _log(self, ex: _Exchange, status: int | None, fault: Fault | None) -> None:
        record = RequestRecord(
            method=ex.method,
            path=ex.path,
            query=ex.query,
            operation=ex.operation.operation_id if ex.operation else None,
            status=status,
            started=ex.started,
            finished=time.monotonic(),
            fault=fault.kind if fault else None,
            applied=ex.applied,
            body=ex.body,
        )
        with self._lock:
            self._requests.append(record)

    def _prepare(self, ex: _Exchange) -> _Response | None:
        """The checks that need no stored state, in Rails' order; a Response means stop here."""
        matched = self.spec.match(ex.method, ex.path)
        if matched is None:
            self._violation(ex, "route", f"no {ex.method} {ex.path} in the spec", rejected=True)
            return _error(404, "not found")
        ex.operation, raw_path_params = matched
        op = ex.operation

        accept = ex.headers.get("accept", "")
        if V1_ACCEPT not in accept:
            message = f"accept header {accept!r} does not ask for {V1_ACCEPT} (dev.to would serve v0)"
            self._violation(ex, "header", message, rejected=self.require_accept_header)
            if self.require_accept_header:
                return _error(400, message)

        for name, raw in raw_path_params.items():
            value, problem = self._parameter(op, name, "path", [raw])
            if problem:
                # Rails' find() on a non-numeric id is a 404, not a 400.
                self._violation(ex, "path", problem, rejected=True)
                return _error(404, "not found")
            ex.path_params[name] = value

        if op.needs_api_key:
            key = ex.headers.get("api-key")
            if key is None:
                self._violation(ex, "header", "api-key header missing", rejected=True)
                return _error(401, "unauthorized")
            if key != self.api_key:
                return _error(401, "unauthorized")
            ex.api_key = key

        query = parse_qs(ex.query, keep_blank_values=True)
        for param in op.parameters:
            if param.get("in") != "query":
                continue
            name = str(param["name"])
            if name not in query:
                if param.get("required"):
                    self._violation(ex, "query", f"query parameter {name} is required", rejected=True)
                    return _error(400, f"param is missing or the value is empty: {name}")
                continue
            value, problem = self._parameter(op, name, "query", query[name])
            if problem:
                self._violation(ex, "query", problem, rejected=self.reject_invalid)
                if self.reject_invalid:
                    return _error(400, problem)
            ex.query_params[name] = value

        if op.body_schema is not None:
            return self._prepare_body(ex, op)
        return None

    def _parameter(self, op: Operation, name: str, where: str, raw: list[str]) -> tuple[Any, str | None]:
        spec = next(p for p in op.parameters if p.get("name") == name and p.get("in") == where)
        schema = spec.get("schema", {})
        text = raw[-1]  # Rails keeps the last of repeated parameters
        kind = schema.get("type")
        value: Any = text
        try:
            if kind == "integer" or kind == ["integer", "null"]:
                value = int(text)
            elif kind == "boolean":
                value = {"true": True, "false": False}[text]
        except (ValueError, KeyError):
            return text, f"{where} parameter {name}={text!r} is not a valid {kind}"
        errors = self.spec.errors(schema, value)
        if errors:
            return value, f"{where} parameter {name}={text!r}: " + "; ".join(errors)
        return value, None

    def _prepare_body(self, ex: _Exchange, op: Operation) -> _Response | None:
        content_type = ex.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            message = f"content-type {content_type!r} is not application/json, so Rails ignores the body"
            self._violation(ex, "header", message, rejected=True)
            return _error(422, "param is missing or the value is empty: article")
        try:
            payload = json.loads(ex.body.decode("utf-8")) if ex.body else None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self._violation(ex, "json", f"body is not JSON: {exc}", rejected=True)
            return _error(400, "Error occurred while parsing request parameters")
        errors = self.spec.errors(op.body_schema or {}, payload)
        if errors:
            for message in errors:
                self._violation(ex, "schema", message, rejected=self.reject_invalid)
            if self.reject_invalid:
                return _error(422, "; ".join(errors))
        article = payload.get("article") if isinstance(payload, dict) else None
        if not isinstance(payload, dict) or not isinstance(article, dict):
            # The schema has no "required", but Forem's validate_article_param_is_hash does.
            message = 'the body must be an object with an object under "article"'
            self._violation(ex, "json", message, rejected=True)
            return _error(422, "param is missing or the value is empty: article")
        for name in sorted(set(payload) - {"article"}):
            self._violation(ex, "dropped", f"top-level field {name!r} is ignored by dev.to", rejected=False)
        for name in sorted(set(article) - self._known_fields):
            message = f"article.{name} is not in the spec; dev.to's strong parameters drop it"
            self._violation(ex, "dropped", message, rejected=False)
        tags = article.get("tags")
        if isinstance(tags, str) and tags.strip():
            # The spec types tags as a string, but Forem permits only `tags: []` (an array), so Rails drops
            # a string without a word (forem/forem#4073). Front matter tags are the way that works.
            message = "article.tags is a string: the spec allows it, but dev.to silently drops it"
            self._violation(ex, "dropped", message, rejected=False)
        ex.payload = article
        return None

    def _commit(self, ex: _Exchange) -> _Response:
        op = ex.operation
        assert op is not None  # _prepare answered already otherwise
        handler = self._operations.get(op.operation_id)
        if handler is None:
            return _error(501, f"{op.operation_id} is in the spec but not emulated by the test server")
        with self._lock:
            response = handler(self, ex)
        if self.check_responses:
            self._check_response(op, response)
        return response

    # Operations ------------------------------------------------------------------------------------------

    def _create(self, ex: _Exchange) -> _Response:
        limited = self._limiter.check(ex.api_key, "create", self.rate_limits.create, time.monotonic())
        if limited is not None:
            return self._rate_limited(limited)
        try:
            article = self._build(ex, None)
        except ArticleRejected as exc:
            return self._reject(ex, exc)
        self._articles[article.id] = article
        ex.applied = True
        return _json_response(201, self._show(article), [("Location", self._url(article))])

    def _update(self, ex: _Exchange) -> _Response:
        existing = self._articles.get(ex.path_params["id"])
        if existing is None:
            return _error(404, "not found")
        limited = self._limiter.check(ex.api_key, "update", self.rate_limits.update, time.monotonic())
        if limited is not None:
            return self._rate_limited(limited)
        try:
            article = self._build(ex, existing)
        except ArticleRejected as exc:
            return self._reject(ex, exc)
        self._articles[article.id] = article
        ex.applied = True
        return _json_response(200, self._show(article))

    def _get_by_id(self, ex: _Exchange) -> _Response:
        article = self._articles.get(ex.path_params["id"])
        # Article.published.find: a draft is as missing as a deleted article.
        if article is None or not article.published:
            return _error(404, "not found")
        return _json_response(200, self._show(article))

    def _get_by_path(self, ex: _Exchange) -> _Response:
        if ex.path_params["username"] == self.username:
            for article in self._articles.values():
                if article.published and article.slug == ex.path_params["slug"]:
                    return _json_response(200, self._show(article))
        return _error(404, "not found")

    def _listing(self, ex: _Exchange) -> _Response:
        assert ex.operation is not None
        status = _LISTING_STATUS[ex.operation.operation_id]
        chosen = [
            article
            for article in self._articles.values()
            if status == "all" or article.published == (status == "published")
        ]
        # ORDER BY published_at DESC, created_at DESC; PostgreSQL puts NULLs (drafts) first when descending.
        chosen.sort(
            key=lambda a: (
                a.published_at is None,
                a.published_at or a.created_at,
                a.created_at,
                a.id,
            ),
            reverse=True,
        )
        page = int(ex.query_params.get("page", 1))
        per_page = min(int(ex.query_params.get("per_page", 30)), 1000)
        # Kaminari treats page 0 and negative pages as page 1.
        start = (max(page, 1) - 1) * max(per_page, 0)
        return _json_response(200, [self._me_item(a) for a in chosen[start : start + max(per_page, 0)]])

    def _unpublish(self, ex: _Exchange) -> _Response:
        # Only admins and moderators may; the key's user is neither.
        return _error(401, "unauthorized")

    _operations: Mapping[str, Callable[[ForemServer, _Exchange], _Response]] = {
        "createArticle": _create,
        "updateArticle": _update,
        "getArticleById": _get_by_id,
        "getArticleByPath": _get_by_path,
        "getUserArticles": _listing,
        "getUserPublishedArticles": _listing,
        "getUserUnpublishedArticles": _listing,
        "getUserAllArticles": _listing,
        "unpublishArticle": _unpublish,
    }

    def _rate_limited(self, seconds: int) -> _Response:
        message = f"Rate limit reached, try again in {seconds} seconds"
        return _error(429, message, [("Retry-After", str(seconds))])

    def _reject(self, ex: _Exchange, exc: ArticleRejected) -> _Response:
        for message in exc.messages:
            self._violation(ex, "content", message, rejected=True)
        return _error(422, str(exc))

    def _allocate_id(self) -> int:
        article_id = self._next_id
        self._next_id += 1
        return article_id

    def _build(self, ex: _Exchange, existing: Article | None) -> Article:
        """Articles::Creator / Updater and Article's callbacks and validations, in that order."""
        now = datetime.now(UTC)
        payload = ex.payload
        values: dict[str, Any] = (
            {f.name: getattr(existing, f.name) for f in fields(Article)}
            if existing
            else {
                "title": "",
                "body_markdown": "",
                "published": False,
                "tags": (),
                "description": "",
                "canonical_url": None,
                "main_image": None,
                "series": None,
            }
        )
        for name in _PERMITTED:
            if name in payload:
                value = payload[name]
                values[name] = (
                    _as_bool(value) if name == "published" else (None if value is None else str(value))
                )
        if isinstance(payload.get("tags"), list):
            values["tags"] = tuple(_parse_tags(payload["tags"]))
        values["body_markdown"] = values["body_markdown"] or ""

        errors: list[str] = []
        front, content = parse_front_matter(values["body_markdown"])
        if front:
            if front.get("title"):
                values["title"] = str(front["title"])
            if front.get("tags"):
                values["tags"] = tuple(_parse_tags(front["tags"]))
            if str(front.get("published")).lower() in ("true", "false"):
                values["published"] = str(front["published"]).lower() == "true"
            if "cover_image" in front and (front["cover_image"] or values["main_image"]):
                values["main_image"] = front["cover_image"] or None
            if front.get("canonical_url"):
                values["canonical_url"] = str(front["canonical_url"])
            if front.get("description") or front.get("title"):
                values["description"] = str(front.get("description") or "")
            if front.get("series"):
                values["series"] = str(front["series"])

        liquid = check_liquid(content)
        if liquid.fatal:
            errors.append(liquid.fatal)
        body_html = f"<p>{html.escape(_plain_text(content))}</p>\n\n"
        if liquid.syntax_error:
            if self.liquid_syntax_errors == "reject":
                errors.append(liquid.syntax_error)
            else:
                message = f"{liquid.syntax_error}: dev.to stores the article with this as its whole HTML"
                self._violation(ex, "content", message, rejected=False)
                body_html = liquid.syntax_error

        title = str(values["title"] or "").strip()
        if not title:
            errors.append("Title can't be blank")
        elif len(title) > 128:
            errors.append("Title is too long (maximum is 128 characters)")
        tags = tuple(values["tags"])
        if len(tags) > 4:
            errors.append("Tag list exceed the maximum of 4 tags")
        else:
            for tag in tags:
                if not _TAG_NAME.fullmatch(tag):
                    errors.append(f'Tag "{tag}" contains non-alphanumeric or prohibited unicode characters')
                elif len(tag) > 30:
                    errors.append(f'Tag "{tag}" is too long (maximum is 30 characters)')
            if len(", ".join(tags)) > 126:
                errors.append("Cached tag list is too long (maximum is 126 characters)")
        canonical = values["canonical_url"] or None
        if canonical is not None:
            if re.search(r"\s", canonical):
                errors.append("Canonical url must not have spaces")
            elif not _URL.match(canonical):
                errors.append("Canonical url is not a valid URL")
        main_image = values["main_image"] or None
        if main_image is not None and not _URL.match(str(main_image)):
            errors.append("Main image is not a valid URL")

        published = bool(values["published"])
        article_id = existing.id if existing else None
        if self.enforce_uniqueness:
            for other in self._articles.values():
                if other.id == article_id:
                    continue
                if other.title == title and other.body_markdown == values["body_markdown"]:
                    errors.append("Body markdown has already been taken")
                if published and other.published and canonical and other.canonical_url == canonical:
                    errors.append("Canonical url has already been taken")
        if errors:
            raise ArticleRejected(list(dict.fromkeys(errors)))

        slug = existing.slug if existing else ""
        if not slug and not published:
            slug = f"{_slug_base(title, self._rng)}-temp-slug-{self._rng.randrange(10_000_000)}"
        elif published and (not slug or "-temp-slug-" in slug):
            slug = _slug_base(title, self._rng)
        published_at = existing.published_at if existing and published else None
        if published and published_at is None:
            published_at = _to_datetime(front.get("date"), now) if front.get("date") else now
        description = str(values["description"] or "") or _description(content, self.username)
        return Article(
            id=article_id if article_id is not None else self._allocate_id(),
            title=title,
            body_markdown=values["body_markdown"],
            published=published,
            tags=tags,
            description=description,
            canonical_url=canonical,
            main_image=main_image,
            series=values["series"],
            slug=slug,
            created_at=existing.created_at if existing else now,
            published_at=published_at,
            edited_at=now if existing and existing.published else (existing.edited_at if existing else None),
            body_html=body_html,
            reading_time=max(1, math.ceil(len(content.split()) / 275)),
        )

    # Response shapes (Forem's jbuilder views) ------------------------------------------------------------

    def _path(self, article: Article) -> str:
        return f"/{self.username}/{article.slug}"

    def _url(self, article: Article) -> str:
        return SITE + self._path(article)

    def _user(self) -> dict[str, Any]:
        return {
            "name": "Hashmigrate Test",
            "username": self.username,
            "twitter_username": None,
            "github_username": None,
            "user_id": 1,
            "website_url": None,
            "profile_image": f"{SITE}/uploads/user/profile_image/1/test.png",
            "profile_image_90": f"{SITE}/uploads/user/profile_image/1/test-90.png",
        }

    def _collection_id(self, article: Article) -> int | None:
        if not article.series:
            return None
        return 1 + sum(ord(ch) for ch in article.series) % 10_000

    def _common(self, article: Article) -> dict[str, Any]:
        published_at = article.published_at
        return {
            "type_of": "article",
            "id": article.id,
            "title": article.title,
            "description": article.description,
            "slug": article.slug,
            "path": self._path(article),
            "url": self._url(article),
            "comments_count": 0,
            "public_reactions_count": 0,
            "published_timestamp": _iso(published_at) or "",
            "positive_reactions_count": 0,
            "cover_image": article.main_image,
            "canonical_url": article.canonical_url or self._url(article),
            "published_at": _iso(published_at),
            "reading_time_minutes": article.reading_time,
        }

    def _show(self, article: Article) -> dict[str, Any]:
        """app/views/api/v1/articles/show.json.jbuilder: tag_list a string, tags an array."""
        published_at = article.published_at
        item = self._common(article)
        item.update(
            {
                "readable_publish_date": f"{published_at:%b} {published_at.day}" if published_at else None,
                "collection_id": self._collection_id(article),
                "social_image": article.main_image or f"{SITE}/social_previews/article/{article.id}.png",
                "created_at": _iso(article.created_at),
                "edited_at": _iso(article.edited_at),
                "crossposted_at": None,
                "last_comment_at": _iso(published_at or article.created_at),
                "tag_list": article.tag_list,
                "tags": list(article.tags),
                "body_html": article.body_html,
                "body_markdown": article.body_markdown,
                "user": self._user(),
            }
        )
        return item

    def _me_item(self, article: Article) -> dict[str, Any]:
        """app/views/api/v1/articles/me.json.jbuilder: tag_list an array, no tags, plus published."""
        item = self._common(article)
        item.update(
            {
                "published": article.published,
                "page_views_count": 0,
                "body_markdown": article.body_markdown,
                "tag_list": list(article.tags),
                "user": self._user(),
            }
        )
        return item

    # Self-checks against the spec ------------------------------------------------------------------------

    def _check_response(self, op: Operation, response: _Response) -> None:
        if response.status >= 300 or response.content_type != _JSON_CONTENT_TYPE:
            return
        problems = response_problems(self.spec, op, response.status, json.loads(response.body))
        for problem in problems:
            self._internal_error(f"{op.operation_id} {response.status} response: {problem}")


def response_problems(spec: ForemSpec, op: Operation, status: int, body: Any) -> list[str]:
    """Differences between a response body and the spec, minus KNOWN_LISTING_DEVIATIONS.

    Single-article responses are checked against the spec's example (create and update have no schema,
    and getArticleById's is ``type: object`` with a stray ``items``): every key of the example must be
    there, with the example's JSON type unless either side is null. Listings are validated against the
    spec's ``ArticleIndex`` array schema.
    """
    problems: list[str] = []
    schema = op.response_schema(status)
    if schema is not None:
        for error in spec.validator(schema).iter_errors(body):
            if not _known_listing_deviation(error, body):
                problems.append(f"{_json_path(error.absolute_path)}: {error.message}")
    example = op.response_example(status)
    if isinstance(example, dict):
        problems.extend(_shape_problems(example, body, "$"))
    return problems


def _known_listing_deviation(error: Any, body: Any) -> bool:
    path = list(error.absolute_path)
    if error.validator == "required":
        missing = re.match(r"'([^']+)' is a required property", error.message)
        return bool(missing and missing.group(1) in KNOWN_LISTING_DEVIATIONS)
    if len(path) == 2 and isinstance(path[0], int) and path[1] in ("published_at", "published_timestamp"):
        return isinstance(body, list) and body[path[0]].get("published") is False
    return False


def _shape_problems(example: Mapping[str, Any], actual: Any, where: str) -> list[str]:
    if not isinstance(actual, dict):
        return [f"{where}: expected an object like the spec's example, got {type(actual).__name__}"]
    problems = []
    for key, sample in example.items():
        if key in ("flare_tag", "organization"):  # only when the article has one
            continue
        if key not in actual:
            problems.append(f"{where}.{key}: missing (the spec's example has it)")
        elif isinstance(sample, dict):
            problems.extend(_shape_problems(sample, actual[key], f"{where}.{key}"))
        elif sample is not None and actual[key] is not None and _json_type(sample) != _json_type(actual[key]):
            expected, got = _json_type(sample), _json_type(actual[key])
            problems.append(f"{where}.{key}: {got} where the spec's example has {expected}")
    return problems


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


# ---------------------------------------------------------------------------------------------------------
# Another origin
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForeignRequest:
    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes


class ForeignServer:
    """Another origin, for :meth:`Fault.redirect` to send requests to: it answers every request with
    ``status`` and an article-shaped ``payload`` (what a naive client would take for a created article),
    with ``echo_headers`` also quoting the request's headers in it, and records what it got. It binds ``host``, by default 127.0.0.2: another host than the Forem
    server's 127.0.0.1, on the same machine."""

    def __init__(
        self,
        host: str = "127.0.0.2",
        status: int = 201,
        payload: Mapping[str, Any] | None = None,
        *,
        echo_headers: bool = False,
    ) -> None:
        self.status = status
        self.payload = dict(payload or {"type_of": "article", "id": 999, "url": "https://elsewhere/x"})
        # A debugging endpoint's habit: the answer quotes every header the request carried.
        self.echo_headers = echo_headers
        self.received: list[ForeignRequest] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {key.lower(): value for key, value in self.headers.items()}
                owner.received.append(ForeignRequest(self.command, self.path, headers, body))
                payload = dict(owner.payload)
                if owner.echo_headers:
                    payload["message"] = f"you sent {json.dumps(dict(self.headers.items()))}"
                data = json.dumps(payload).encode()
                self.send_response(owner.status)
                self.send_header("Content-Type", _JSON_CONTENT_TYPE)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd = ThreadingHTTPServer((host, 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
