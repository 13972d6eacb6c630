"""Network faults against the test servers, through the real command: bounded, clear, never a duplicate.

Each scenario runs ``hashmigrate publish`` or ``hashmigrate sync`` in a subprocess against the dev.to
stand-in (``forem``), the GraphQL stand-in or a real WordPress, spoils some answers, and checks four
things: the retries are bounded (exact request counts, and a wall time bound computed from the retry
policy), every failure is one clear ``hashmigrate:`` line naming the post, the rest of the run goes on,
and no article exists twice, also after a re-run with the server healthy.

The command's default policy (6 attempts, backoff from 1 s, 10 s settle after a lost create, dev.to's
30 s pacing windows) would make these scenarios cost minutes, so most runs go through :data:`FAST_CLI`:
the real ``hashmigrate.cli.main`` with only those numbers scaled down. The 429 test runs the unmodified
command (``python -m hashmigrate``) to show the real backoff. WordPress faults come from
:class:`FaultProxy`, a small reverse proxy in front of the real WordPress (also used for a response
that trickles in, which the dev.to stand-in cannot do).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from support.forem_server import Fault, ForemServer
from support.graphql_server import GraphQLServer, publication_from_posts
from test_publish_devto import (
    BLOG_URL,
    EXAMPLES,
    POSTS,
    SECRETS_POST,
    assert_each_post_once,
    only_uniqueness_rejections,
    rendered,
    wait_for_stragglers,
)

import hashmigrate
from exporters.devto_publish import DevtoPublisher
from exporters.wordpress_publish import WordPressPublisher
from hashmigrate.http import Pacer, RetryPolicy, Secret
from hashmigrate.publish import PublishResult, StateStore, publish
from hashmigrate.sync.command import EXIT_FAILED, EXIT_USAGE

if TYPE_CHECKING:
    from support.wordpress import WordPressSite

# Process start-up (imports) and scheduling on a slow, busy 2-core machine: added to every time bound.
STARTUP = 15.0
HOST = "blog.example.dev"
GRAPHQL_TOKEN = "hn-FAKE-77c0"


# ---- the command in a subprocess ----------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """The numbers FAST_CLI puts in place of the command's defaults (all seconds)."""

    attempts: int = 3
    base: float = 0.05
    max_wait: float = 0.2
    max_retry_after: float = 0.2
    connect: float = 1.0
    read: float = 1.0
    settle: float = 0.1

    @property
    def policy(self) -> RetryPolicy:
        return RetryPolicy(
            attempts=self.attempts,
            base=self.base,
            max_wait=self.max_wait,
            max_retry_after=self.max_retry_after,
        )

    @property
    def call(self) -> float:
        """The longest one retried request can take (every attempt timing out, every wait at its cap)."""
        return self.policy.worst_case(self.connect + self.read)

    @property
    def create(self) -> float:
        """The longest one dev.to create can take: before each retry it settles and reads the listing."""
        return self.call + (self.attempts - 1) * (self.settle + self.call)


FAST = Timing()

# The real command with its timing scaled down: the retry policy (also the GraphQL source's default),
# the timeouts, the settle time after a lost create and the pacing windows. Nothing else is touched.
FAST_CLI = r"""
import json, os, sys
import hashmigrate.http as http
from hashmigrate.http import Pacer, RetryPolicy
from exporters.devto_publish import DevtoPublisher
from exporters.wordpress_publish import WordPressPublisher

t = json.loads(os.environ.pop("HASHMIGRATE_TEST_TIMING"))
policy = RetryPolicy(
    attempts=t["attempts"], base=t["base"], max_wait=t["max_wait"], max_retry_after=t["max_retry_after"]
)
timeout = (t["connect"], t["read"])
http.DEFAULT_POLICY = policy

def scaled(cls, **defaults):
    original = cls.__init__
    def init(self, *args, **kwargs):
        for name, make in defaults.items():
            kwargs.setdefault(name, make())
        original(self, *args, **kwargs)
    cls.__init__ = init

scaled(
    DevtoPublisher,
    policy=lambda: policy,
    timeout=lambda: timeout,
    settle=lambda: t["settle"],
    create_pacer=lambda: Pacer(1000, 1.0),
    update_pacer=lambda: Pacer(1000, 1.0),
)
scaled(WordPressPublisher, policy=lambda: policy, timeout=lambda: timeout)

from hashmigrate.cli import main
sys.argv[0] = "hashmigrate"
main()
"""


@dataclass
class Ran:
    argv: list[str]
    code: int
    stdout: str
    stderr: str
    wall: float

    @property
    def errors(self) -> list[str]:
        """The command's error lines (progress lines on stderr do not start with ``hashmigrate:``)."""
        return [line for line in self.stderr.splitlines() if line.startswith("hashmigrate: ")]

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    """This process's environment without any credential or endpoint a developer may have exported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEVTO_", "WP_", "HASHNODE_"))}
    env.update(extra)
    return env


def hashmigrate_cli(
    args: Sequence[str | Path],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    timing: Timing | None = FAST,
    timeout: float = 240,
) -> Ran:
    """Run the command; ``timing=None`` runs it unmodified (``python -m hashmigrate``)."""
    words = [str(a) for a in args]
    extra = dict(env or {})
    if timing is None:
        argv = [sys.executable, "-m", "hashmigrate", *words]
    else:
        argv = [sys.executable, "-c", FAST_CLI, *words]
        extra["HASHMIGRATE_TEST_TIMING"] = json.dumps(asdict(timing))
    started = time.monotonic()
    done = subprocess.run(
        argv, cwd=cwd, env=clean_env(extra), capture_output=True, text=True, timeout=timeout, check=False
    )
    return Ran(argv, done.returncode, done.stdout, done.stderr, time.monotonic() - started)


def assert_no_traceback(ran: Ran) -> None:
    assert "Traceback" not in ran.output, ran.stderr
    assert "internal error" not in ran.output, ran.stderr


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def publish_devto(
    forem_url: str,
    source: Path,
    cwd: Path,
    *,
    key: str,
    timing: Timing | None = FAST,
    extra: Sequence[str] = (),
) -> Ran:
    args = ["publish", source, "--to", "devto", "--api-url", forem_url, "--blog-url", BLOG_URL]
    args += ["--state", "state.db", "--report", "report.json", *extra]
    return hashmigrate_cli(args, cwd=cwd, env={"DEVTO_API_KEY": key}, timing=timing)


def report(cwd: Path) -> dict[str, Any]:
    return dict(json.loads((cwd / "report.json").read_text(encoding="utf-8")))


def state_records(cwd: Path, target: str) -> dict[str, tuple[str, str | None]]:
    """Post key -> (outcome, message) of every record of ``target`` (``devto:<api url>``, ...)."""
    with StateStore(cwd / "state.db", readonly=True) as store:
        return {r.post_key: (r.outcome, r.message) for r in store.records(target)}


@pytest.fixture
def small_blog(tmp_path: Path) -> Path:
    """Three posts of the example blog (for the scenarios where every post waits for timeouts)."""
    folder = tmp_path / "small-blog"
    folder.mkdir()
    for name in (SECRETS_POST, "clzhfgd9o00120497lgrjj57k.md", "cm5x2po1f001a0l4is2y7xu95.md"):
        shutil.copyfile(EXAMPLES / name, folder / name)
    return folder


def print_row(fault: str, ran: Ran | None, did: str) -> None:
    """One line of the fault table (``pytest -s`` shows them)."""
    wall = f"{ran.wall:.1f}s, exit {ran.code}" if ran is not None else ""
    print(f"\nFAULT | {fault} | {did} | {wall}")


# ---- (a) connection refused ---------------------------------------------------------------------------

REFUSED = {
    # target -> (options, environment, state target, what each post's error line ends with)
    "devto": (
        ["--to", "devto", "--api-url", "{url}/api"],
        {"DEVTO_API_KEY": "hashmigrate-test-key"},
        "devto:{url}/api",
        "listing the account's articles: connection failed after {attempts} attempts",
    ),
    "wordpress": (
        ["--to", "wordpress", "--wp-url", "{url}", "--wp-user", "admin"],
        {"WP_APP_PASSWORD": "abcd efgh ijkl mnop"},
        "wordpress:{url}",
        # the first request of each post: a tag, or the slug look-up when it has none
        ": connection failed after {attempts} attempts",
    ),
}


@pytest.mark.parametrize("target", REFUSED)
def test_connection_refused_is_bounded_and_one_clear_error_per_post(tmp_path: Path, target: str) -> None:
    options, env, state_target, ending = REFUSED[target]
    url = f"http://127.0.0.1:{closed_port()}"
    args = ["publish", EXAMPLES, *(o.format(url=url) for o in options)]
    ran = hashmigrate_cli([*args, "--state", "state.db", "--report", "report.json"], cwd=tmp_path, env=env)

    assert ran.code == 1
    assert_no_traceback(ran)
    assert len(ran.errors) == POSTS, ran.stderr
    for line in ran.errors:
        assert line.endswith(ending.format(attempts=FAST.attempts)), line
        assert line.startswith(f"hashmigrate: {EXAMPLES}/c")  # names the post's file
    http = report(tmp_path)["http"]
    # Bounded retries: each post made exactly `attempts` attempts at its first request, and no other.
    assert http["requests"] == POSTS * FAST.attempts
    assert http["statuses"] == {"no-response": POSTS * FAST.attempts}
    assert http["retries"] == POSTS * (FAST.attempts - 1)
    assert ran.wall <= STARTUP + POSTS * FAST.call
    records = state_records(tmp_path, state_target.format(url=url))
    assert len(records) == POSTS and {outcome for outcome, _ in records.values()} == {"failed"}
    print_row(
        f"{target}: connection refused (closed port)",
        ran,
        f"{POSTS} x '...{ending.format(attempts=FAST.attempts)}'",
    )


# ---- (b, d) answers to some creates spoiled -----------------------------------------------------------

SPOILED: dict[str, tuple[Callable[..., Fault], str]] = {
    "reset mid-body": (Fault.reset_mid_body, "connection lost"),
    "TCP reset": (Fault.reset, "connection lost"),
    "malformed JSON": (Fault.malformed_json, "HTTP 201: the response body is not valid JSON (cut off?)"),
}


@pytest.mark.parametrize("kind", SPOILED)
def test_spoiled_answers_to_some_creates_never_duplicate(
    forem: ForemServer, tmp_path: Path, kind: str
) -> None:
    make, said = SPOILED[kind]
    creates = {"createArticle"}
    timing = replace(FAST, attempts=2)
    forem.faults.script(
        make(operations={"getUserAllArticles"}),  # the look-up: a GET, retried
        make(after_apply=True, operations=creates),  # stored, answer lost: found and adopted on the retry
        make(operations=creates),  # not stored, twice: this post fails (2 attempts)
        make(operations=creates),
    )
    first = publish_devto(forem.url, EXAMPLES, tmp_path, key=forem.api_key, timing=timing)

    assert first.code == 1
    assert_no_traceback(first)
    (error,) = first.errors
    assert error.endswith(f": creating the article: {said} after 2 attempts"), error
    assert str(EXAMPLES) in error
    counts = Counter(p["status"] for p in report(tmp_path)["posts"])
    assert counts == {"created": POSTS - 2, "adopted": 1, "failed": 1, "skipped": 2}
    titles = Counter(a.title for a in forem.articles)
    assert len(titles) == POSTS - 1 and set(titles.values()) == {1}  # no duplicate
    assert forem.faults.pending == 0
    pending = [
        k for k, (outcome, _) in state_records(tmp_path, f"devto:{forem.url}").items() if outcome == "pending"
    ]
    assert len(pending) == 1  # the failed create is remembered as "maybe created"

    again = publish_devto(forem.url, EXAMPLES, tmp_path, key=forem.api_key, timing=timing)
    assert again.code == 0, again.stderr
    assert Counter(p["status"] for p in report(tmp_path)["posts"]) == {
        "unchanged": POSTS - 1,
        "created": 1,
        "skipped": 2,
    }
    assert_each_post_once(forem, tmp_path / "state.db", rendered(EXAMPLES))
    only_uniqueness_rejections(forem)
    print_row(
        f"{kind} on some creates (+ one look-up)",
        first,
        "look-up retried; lost create adopted; twice-lost create 1 clear error; re-run creates it once",
    )


# ---- (c) slow answers ---------------------------------------------------------------------------------


def test_creates_answered_after_the_read_timeout_are_not_duplicated(
    forem: ForemServer, tmp_path: Path
) -> None:
    timing = replace(FAST, read=0.5, settle=0.3, attempts=4)
    creates = {"createArticle"}
    forem.faults.script(
        # Stored 2 s later, after the client gave up, settled 0.3 s and sent it again.
        Fault.slow(2.0, after_apply=False, operations=creates),
        # Stored at once, answered 2 s later: the look-up after the timeout finds it.
        Fault.slow(2.0, after_apply=True, operations=creates),
    )
    ran = publish_devto(forem.url, EXAMPLES, tmp_path, key=forem.api_key, timing=timing)
    wait_for_stragglers(forem)

    assert ran.code == 0, ran.stderr
    assert_no_traceback(ran)
    counts = Counter(p["status"] for p in report(tmp_path)["posts"])
    # The second slow create is always found by the look-up; the first too if the machine is so busy
    # that its look-up comes after the late store.
    assert counts["created"] + counts["adopted"] == POSTS and counts["adopted"] in (1, 2), counts
    # The late copy of the first create is refused by dev.to's own uniqueness check, not stored twice.
    assert_each_post_once(forem, tmp_path / "state.db", rendered(EXAMPLES))
    only_uniqueness_rejections(forem)
    print_row(
        "slow create (2 s, read timeout 0.5 s), stored before / after the client gave up",
        ran,
        "timed out, looked up, adopted or re-sent; late copy refused by dev.to (title+body taken): no duplicate",
    )


def test_a_listing_that_always_answers_too_late_fails_each_post_in_bounded_time(
    forem: ForemServer, small_blog: Path, tmp_path: Path
) -> None:
    timing = replace(FAST, read=0.5, attempts=2)
    forem.faults.randomly(1.0, [Fault.slow(1.5, operations={"getUserAllArticles"})])
    ran = publish_devto(forem.url, small_blog, tmp_path, key=forem.api_key, timing=timing)
    wait_for_stragglers(forem)

    assert ran.code == 1
    assert_no_traceback(ran)
    assert len(ran.errors) == 3
    for line in ran.errors:
        assert line.endswith(
            ": listing the account's articles: timed out waiting for the answer after 2 attempts"
        )
    assert forem.count("getUserAllArticles") == 3 * 2 and forem.write_requests == []
    assert ran.wall <= STARTUP + 3 * timing.call
    print_row(
        "every look-up answered after the read timeout", ran, "3 posts x 'timed out ... after 2 attempts'"
    )


def test_an_answer_that_trickles_in_is_cut_off_at_the_timeout(forem: ForemServer, tmp_path: Path) -> None:
    with FaultProxy(forem.url) as proxy:
        proxy.rule = lambda seen: (
            ProxyFault("trickle", duration=6.0, gap=0.1)
            if seen.method == "POST" and seen.path.endswith("/articles")
            else None
        )
        policy = RetryPolicy(attempts=2, base=0.05, max_wait=0.1, max_retry_after=0.1)
        connect, read, settle = 0.5, 0.3, 0.1
        publisher = DevtoPublisher(
            Secret(forem.api_key),
            api_url=proxy.url + urlsplit(forem.url).path,
            blog_url=BLOG_URL,
            policy=policy,
            timeout=(connect, read),
            create_pacer=Pacer(1000, 1.0),
            update_pacer=Pacer(1000, 1.0),
            settle=settle,
        )
        started = time.monotonic()
        result = library_run(EXAMPLES / SECRETS_POST, tmp_path / "state.db", publisher)
        wall = time.monotonic() - started
    assert result.ok and len(forem.articles) == 1
    # The create was stored before its answer trickled: cut off at the deadline, then found and adopted.
    assert [p.status for p in result.posts] == ["adopted"], [p.message for p in result.posts]
    assert [s.method for s in proxy.seen] == ["GET", "POST", "GET"]  # look-up, create, look-up
    # Every attempt ends within its timeout; every retry waits at most the cap plus the settle time.
    retries = int(result.http["retries"])
    assert retries == 1
    assert wall <= len(proxy.seen) * (connect + read) + retries * (policy.max_wait + settle) + 1.0, wall


def library_run(source: Path, state: Path, publisher: Any) -> PublishResult:
    try:
        return publish(source, publisher.name, state=state, blog_url=BLOG_URL, publisher=publisher)
    finally:
        publisher.close()


# ---- (e) 429 without Retry-After ----------------------------------------------------------------------


def test_429_without_retry_after_backs_off_exponentially_with_the_real_policy(
    forem: ForemServer, tmp_path: Path
) -> None:
    limited = Fault.rate_limited(fmt="none", operations={"createArticle"})
    forem.faults.script(Fault.rate_limited(fmt="none", operations={"getUserAllArticles"}), limited, limited)
    # The unmodified command: RetryPolicy() waits base * 2**(n-1) plus up to base (1 s) of jitter.
    ran = publish_devto(forem.url, EXAMPLES / SECRETS_POST, tmp_path, key=forem.api_key, timing=None)

    assert ran.code == 0, ran.stderr
    assert_no_traceback(ran)
    assert [(r.operation, r.status) for r in forem.requests] == [
        ("getUserAllArticles", 429),
        ("getUserAllArticles", 200),
        ("createArticle", 429),
        ("createArticle", 429),
        ("createArticle", 201),
    ]
    requests_ = forem.requests
    gaps = [requests_[i + 1].started - requests_[i].finished for i in (0, 2, 3)]
    policy = RetryPolicy()
    for gap, attempt in zip(gaps, (1, 1, 2), strict=True):
        low = policy.base * 2 ** (attempt - 1)
        assert low - 0.05 <= gap <= low + policy.base + 2.0, gaps  # generous on a busy machine
    http = report(tmp_path)["http"]
    assert http["retries"] == 3 and http["statuses"] == {"200": 1, "201": 1, "429": 3}
    assert len(forem.articles) == 1
    print_row(
        "429 without Retry-After (look-up once, create twice), default policy",
        ran,
        "waited " + ", ".join(f"{g:.2f}s" for g in gaps) + " (1+jitter, 1+jitter, 2+jitter); published once",
    )


# ---- (f) endless 5xx ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endless:
    fault: Fault
    ok: bool
    error: str | None  # the end of every post's error line
    outcome: str | None  # what the state remembers of each post after the faulty run
    requests: Callable[[Timing], int]  # exactly how many requests reach the server


ENDLESS = {
    "503 + Retry-After: 3600 on every request": Endless(
        Fault.error(503, retry_after=3600),
        ok=False,
        error="listing the account's articles: HTTP 503: Service Unavailable after {attempts} attempts",
        outcome="failed",
        requests=lambda t: POSTS * t.attempts,
    ),
    "502 on every create": Endless(
        Fault.error(502, operations={"createArticle"}),
        ok=False,
        error="creating the article: HTTP 502: Bad Gateway after {attempts} attempts",
        outcome="pending",
        # one look-up, then per post: every attempt a create, every retry a look-up before it
        requests=lambda t: 1 + POSTS * (2 * t.attempts - 1),
    ),
    "500 after dev.to stored it, on every create": Endless(
        Fault.error(500, after_apply=True, operations={"createArticle"}),
        ok=True,
        error=None,
        outcome="adopted",
        requests=lambda t: 1 + POSTS * 2,  # the create, then the look-up that finds it
    ),
}


@pytest.mark.parametrize("name", ENDLESS)
def test_endless_server_errors_are_bounded_and_a_healthy_rerun_publishes_each_post_once(
    forem: ForemServer, tmp_path: Path, name: str
) -> None:
    case = ENDLESS[name]
    forem.faults.randomly(1.0, [case.fault])
    first = publish_devto(forem.url, EXAMPLES, tmp_path, key=forem.api_key)

    assert_no_traceback(first)
    sent = len(forem.requests)
    assert sent == case.requests(FAST)  # bounded retries, exactly
    assert first.wall <= STARTUP + POSTS * (FAST.call + FAST.create)  # from the policy alone
    records = state_records(tmp_path, f"devto:{forem.url}")
    assert len(records) == POSTS and {outcome for outcome, _ in records.values()} == {case.outcome}
    if case.ok:
        assert first.code == 0, first.stderr
    else:
        assert first.code == 1
        assert len(first.errors) == POSTS, first.stderr
        expected = case.error.format(attempts=FAST.attempts) if case.error else ""
        assert all(line.endswith(f": {expected}") for line in first.errors), first.errors
        assert all(message and expected in message for _, message in records.values())
        http = report(tmp_path)["http"]
        assert http["waited_seconds"] <= http["retries"] * FAST.max_retry_after + 0.001  # capped waits
    titles = Counter(a.title for a in forem.articles)
    assert all(n == 1 for n in titles.values()), titles

    forem.faults.clear()
    again = publish_devto(forem.url, EXAMPLES, tmp_path, key=forem.api_key)
    assert again.code == 0, again.stderr
    counts = Counter(p["status"] for p in report(tmp_path)["posts"])
    assert counts == {"unchanged" if case.ok else "created": POSTS, "skipped": 2}
    assert_each_post_once(forem, tmp_path / "state.db", rendered(EXAMPLES))
    only_uniqueness_rejections(forem)
    print_row(
        name,
        first,
        f"{sent} requests; "
        + (
            f"{POSTS} x '{expected}'; state {case.outcome}"
            if not case.ok
            else "every post adopted, none twice"
        )
        + "; healthy re-run: each post once",
    )


# ---- (g) WordPress behind a fault proxy ---------------------------------------------------------------

_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}
)


@dataclass(frozen=True)
class ProxyFault:
    """``kind``: status | reset | reset-mid-body | malformed | trickle. ``after_apply`` forwards first."""

    kind: str
    after_apply: bool = True
    status: int = 503
    duration: float = 0.0  # trickle: how long the body takes
    gap: float = 0.1  # trickle: pause between two pieces


@dataclass
class Seen:
    method: str
    path: str
    query: str
    body: bytes
    headers: dict[str, str]
    fault: ProxyFault | None = None
    status: int | None = None

    @property
    def route(self) -> str:
        """WordPress's ``rest_route`` (the proxy is used without pretty permalinks)."""
        return parse_qs(self.query).get("rest_route", [""])[0]


class FaultProxy:
    """A reverse proxy on 127.0.0.1 in front of ``upstream``; ``rule(seen)`` picks a fault per request."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = f"{parts.scheme}://{parts.netloc}"
        self.rule: Callable[[Seen], ProxyFault | None] = lambda seen: None
        self.seen: list[Seen] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                proxy._serve(self)

            do_POST = do_PUT = do_DELETE = do_GET

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        split = urlsplit(handler.path)
        seen = Seen(
            handler.command,
            split.path,
            split.query,
            handler.rfile.read(length) if length else b"",
            {k.lower(): v for k, v in handler.headers.items()},
        )
        with self._lock:
            seen.fault = fault = self.rule(seen)
            self.seen.append(seen)
        if fault is not None and not fault.after_apply:
            self._spoil(handler, seen, fault, None)
            return
        headers = {k: v for k, v in seen.headers.items() if k not in _HOP_BY_HOP | {"host", "content-length"}}
        headers["accept-encoding"] = "identity"
        answer = requests.request(
            seen.method,
            self.upstream + handler.path,
            headers=headers,
            data=seen.body,
            allow_redirects=False,
            timeout=120,
        )
        if fault is None:
            seen.status = answer.status_code
            self._send(handler, answer.status_code, answer.content, _headers(answer))
        else:
            self._spoil(handler, seen, fault, answer)

    def _spoil(
        self, handler: BaseHTTPRequestHandler, seen: Seen, fault: ProxyFault, answer: requests.Response | None
    ) -> None:
        if fault.kind == "reset":
            handler.close_connection = True
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.connection.close()
            return
        if fault.kind == "status" or answer is None:
            seen.status = fault.status
            page = f"<html><body><h1>{fault.status}</h1></body></html>".encode()
            self._send(handler, fault.status, page, [("Content-Type", "text/html")])
            return
        seen.status = answer.status_code
        body = answer.content
        if fault.kind == "malformed":
            self._send(handler, answer.status_code, body[: len(body) // 2], _headers(answer))
        elif fault.kind == "reset-mid-body":
            self._send(handler, answer.status_code, body, _headers(answer), cut=True)
        elif fault.kind == "trickle":
            self._send(handler, answer.status_code, body, _headers(answer), trickle=fault)
        else:
            raise ValueError(f"unknown proxy fault {fault.kind!r}")

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        headers: list[tuple[str, str]],
        *,
        cut: bool = False,
        trickle: ProxyFault | None = None,
    ) -> None:
        with contextlib.suppress(OSError):  # the client may have given up
            handler.send_response(status)
            for name, value in headers:
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            if cut:
                handler.send_header("Connection", "close")
            handler.end_headers()
            if trickle is not None:
                pieces = max(1, int(trickle.duration / trickle.gap))
                size = max(1, -(-len(body) // pieces))
                for start in range(0, len(body), size):
                    if self.stopping.wait(trickle.gap):
                        break
                    handler.wfile.write(body[start : start + size])
                    handler.wfile.flush()
            else:
                handler.wfile.write(body[: len(body) // 2] if cut else body)
                handler.wfile.flush()
            if cut:
                handler.close_connection = True
                handler.connection.shutdown(socket.SHUT_WR)


def _headers(answer: requests.Response) -> list[tuple[str, str]]:
    drop = _HOP_BY_HOP | {"content-length", "content-encoding"}
    return [(k, v) for k, v in answer.headers.items() if k.lower() not in drop]


def wordpress_posts(prefix: str) -> list[hashmigrate.Post]:
    """Three example posts under slugs no other test uses (the WordPress is shared by the session)."""
    posts = list(hashmigrate.load(EXAMPLES, blog_url=BLOG_URL))[:3]
    return [replace(p, slug=f"{prefix}{p.slug}") for p in posts]


def slugs_on(site: WordPressSite, prefix: str) -> Counter[str]:
    from test_publish_wordpress import posts_with_prefix

    return Counter(p["slug"] for p in posts_with_prefix(site, prefix))


def is_create(seen: Seen) -> bool:
    return seen.method == "POST" and seen.route == "/wp/v2/posts"


WP_FAULTS: dict[str, tuple[list[ProxyFault], dict[str, int]]] = {
    # the faults given to the create requests, in order; what the first run makes of the three posts
    "lost answers: reset mid-body, malformed JSON, 429 without Retry-After": (
        [ProxyFault("reset-mid-body"), ProxyFault("malformed"), ProxyFault("status", False, 429)],
        {"adopted": 2, "created": 1},
    ),
    "503 on every create, before WordPress stores it": ([ProxyFault("status", False)] * 9, {"failed": 3}),
    "503 on every create, after WordPress stored it": ([ProxyFault("status", True)] * 3, {"adopted": 3}),
}


@pytest.mark.wordpress
@pytest.mark.parametrize("name", WP_FAULTS)
def test_wordpress_faults_never_duplicate_a_post(wordpress: WordPressSite, tmp_path: Path, name: str) -> None:
    faults, expected = WP_FAULTS[name]
    prefix = f"flt-{secrets.token_hex(3)}-"
    posts = wordpress_posts(prefix)
    script = list(faults)
    policy = FAST.policy

    def rule(seen: Seen) -> ProxyFault | None:
        return script.pop(0) if is_create(seen) and script else None

    def publisher(url: str) -> WordPressPublisher:
        return WordPressPublisher(
            url, wordpress.user, Secret(wordpress.app_password), policy=policy, timeout=(FAST.connect, 30.0)
        )

    state = tmp_path / "state.db"
    with FaultProxy(wordpress.url) as proxy:
        proxy.rule = rule
        started = time.monotonic()
        first = library_run_posts(posts, state, publisher(proxy.url))
        wall = time.monotonic() - started
    creates = [s for s in proxy.seen if is_create(s)]
    assert Counter(p.status for p in first.posts) == expected, [p.message for p in first.posts]
    if "failed" in expected:
        assert len(creates) == 3 * policy.attempts  # bounded: every post tried `attempts` times
        for post in first.posts:
            assert post.status == "failed"
            assert post.message == (
                f"{post.source}: creating the post: HTTP 503: Service Unavailable after {policy.attempts} attempts"
            )
    assert all(n == 1 for n in slugs_on(wordpress, prefix).values())

    again = library_run_posts(posts, state, publisher(wordpress.url))
    assert again.ok, [p.message for p in again.posts]
    on_site = slugs_on(wordpress, prefix)
    assert on_site == dict.fromkeys((p.slug for p in posts), 1), on_site
    statuses = Counter(p.status for p in first.posts)
    print(
        f"\nFAULT | WordPress: {name} | first run {dict(statuses)} in {wall:.1f}s with "
        f"{len(creates)} create requests; re-run {dict(Counter(p.status for p in again.posts))}; "
        "each slug once on WordPress |"
    )


def library_run_posts(
    posts: list[hashmigrate.Post], state: Path, publisher: WordPressPublisher
) -> PublishResult:
    try:
        return publish(posts, "wordpress", state=state, publisher=publisher)
    finally:
        publisher.close()


UPLOAD_FAULTS: dict[str, tuple[list[ProxyFault], int, str, int]] = {
    # the faults given to the uploads, in order -> (attempts allowed, the requests to /wp/v2/media,
    # copies WordPress keeps)
    "one 503 before WordPress stored the file": ([ProxyFault("status", False)], 3, "GET POST GET POST", 1),
    "one 503 after WordPress stored the file": ([ProxyFault("status", True)], 3, "GET POST GET", 1),
    "the answer cut off after WordPress stored it": ([ProxyFault("reset-mid-body")], 3, "GET POST GET", 1),
    "503 on every upload": ([ProxyFault("status", False)] * 9, 3, "GET POST GET POST GET POST", 0),
    "503 on the only upload allowed": ([ProxyFault("status", False)], 1, "GET POST", 0),
}


@pytest.mark.wordpress
@pytest.mark.parametrize("name", UPLOAD_FAULTS)
def test_a_failed_image_upload_is_retried_and_stored_once(
    wordpress: WordPressSite, tmp_path: Path, name: str
) -> None:
    from support.image_server import ImageServer
    from test_publish_wordpress import get

    from exporters.wordpress_publish import MEDIA_SLUG_PREFIX

    faults, attempts, sequence, kept = UPLOAD_FAULTS[name]
    script = list(faults)
    (post,) = hashmigrate.load(EXAMPLES / SECRETS_POST, blog_url=BLOG_URL)
    with ImageServer() as images, FaultProxy(wordpress.url) as proxy:
        token = secrets.token_hex(3)
        cover = f"{images.url}/img/upl-{token}.png"
        post = replace(post, slug=f"upl-{token}", cover=cover)

        def rule(seen: Seen) -> ProxyFault | None:
            return script.pop(0) if is_upload(seen) and script else None

        proxy.rule = rule
        publisher = WordPressPublisher(
            proxy.url,
            wordpress.user,
            Secret(wordpress.app_password),
            upload_images=True,
            policy=replace(FAST, attempts=attempts).policy,
        )
        result = library_run_posts([post], tmp_path / "state.db", publisher)
    # Before an upload is sent again, the file is looked up by its slug: an upload that landed is taken.
    media = [s.method for s in proxy.seen if s.route == "/wp/v2/media"]
    assert media == sequence.split(), [(s.method, s.route, s.status) for s in proxy.seen]
    slug = MEDIA_SLUG_PREFIX + hashlib.sha256(cover.encode()).hexdigest()[:20]
    stored = get(wordpress, f"/wp/v2/media?slug={slug},{slug}-1,{slug}-2,{slug}-3&context=edit")
    assert [m["slug"] for m in stored] == [slug] * kept  # never a second copy
    (outcome,) = result.posts
    on_site = get(
        wordpress, f"/wp/v2/posts?slug={post.slug}&status=publish,future,draft,pending,private&context=edit"
    )
    if kept:
        assert outcome.status == "created", outcome.message
        assert [p["featured_media"] for p in on_site] == [stored[0]["id"]]
    else:
        # "after N attempts" only when N were made.
        said = f" after {attempts} attempts" if attempts > 1 else ""
        assert outcome.status == "failed" and on_site == []
        assert outcome.message == f"{outcome.source}: uploading {cover}: HTTP 503: Service Unavailable{said}"


def is_upload(seen: Seen) -> bool:
    return seen.method == "POST" and seen.route == "/wp/v2/media"


def test_a_rerun_after_the_state_was_lost_keeps_published_articles_published(
    forem: ForemServer, tmp_path: Path
) -> None:
    source = EXAMPLES / SECRETS_POST
    first = publish_devto(forem.url, source, tmp_path, key=forem.api_key, extra=["--publish"])
    assert first.code == 0 and [a.published for a in forem.articles] == [True]
    (tmp_path / "state.db").unlink()
    again = publish_devto(forem.url, source, tmp_path, key=forem.api_key)
    assert again.code == 0, again.stderr
    assert [a.published for a in forem.articles] == [True]


def test_a_damaged_state_file_is_one_line_and_moving_it_aside_duplicates_nothing(
    forem: ForemServer, tmp_path: Path
) -> None:
    assert publish_devto(forem.url, EXAMPLES, tmp_path, key=forem.api_key).code == 0
    state = tmp_path / "state.db"
    size = state.stat().st_size
    with state.open("r+b") as handle:  # garbage over the middle third: the deliveries' pages
        handle.seek(size // 3)
        handle.write(b"\xa5" * (size // 3))
    damaged = publish_devto(forem.url, EXAMPLES, tmp_path, key=forem.api_key)
    assert_no_traceback(damaged)
    assert damaged.code == EXIT_USAGE and len(damaged.errors) == 1, damaged.stderr
    assert "the state file is damaged" in damaged.errors[0] and "move it aside" in damaged.errors[0]
    state.rename(tmp_path / "state.db.damaged")  # what the line says to do
    again = publish_devto(forem.url, EXAMPLES, tmp_path, key=forem.api_key)
    assert again.code == 0, again.stderr
    assert report(tmp_path)["counts"].get("adopted") == len(rendered(EXAMPLES))
    assert_each_post_once(forem, state, rendered(EXAMPLES))


# ---- (h) the GraphQL source ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def publication() -> Any:
    return publication_from_posts(hashmigrate.load(EXAMPLES, blog_url=BLOG_URL), host=HOST, url=BLOG_URL)


@pytest.fixture
def graphql(publication: Any) -> Iterator[GraphQLServer]:
    with GraphQLServer(publication, token=GRAPHQL_TOKEN) as server:
        yield server
    assert not server.validation_errors and not server.internal_errors


def api_sync_config(folder: Path, endpoint: str) -> Path:
    config = folder / "hashmigrate.toml"
    config.write_text(
        f'[source]\ntype = "api"\nhost = "{HOST}"\nendpoint = "{endpoint}"\ntoken_env = "HASHNODE_TOKEN"\n\n'
        '[[targets]]\ntype = "hugo"\nout = "site"\n',
        encoding="utf-8",
    )
    return config


def sync_cli(config: Path, timing: Timing = FAST) -> Ran:
    return hashmigrate_cli(
        ["sync", "--config", config, "--json"],
        cwd=config.parent,
        env={"HASHNODE_TOKEN": GRAPHQL_TOKEN},
        timing=timing,
    )


def test_a_graphql_source_that_keeps_failing_is_one_line_and_writes_nothing(
    graphql: GraphQLServer, tmp_path: Path
) -> None:
    (tmp_path / "healthy").mkdir()
    healthy = sync_cli(api_sync_config(tmp_path / "healthy", graphql.url))
    assert healthy.code == 0, healthy.stderr
    assert json.loads(healthy.stdout)["posts"] == POSTS

    graphql.fail_next(503, times=1000)
    before = len(graphql.requests)
    (tmp_path / "down").mkdir()
    ran = sync_cli(api_sync_config(tmp_path / "down", graphql.url))
    graphql.faults.clear()

    assert ran.code in (EXIT_FAILED, EXIT_USAGE)  # command.py maps a SourceError to EXIT_USAGE today
    assert_no_traceback(ran)
    assert ran.stdout == ""
    assert ran.stderr.splitlines() == [
        f"hashmigrate: {HOST}: Hashnode's GraphQL API at {graphql.url} kept failing (HTTP 503): "
        "Service Unavailable; try again later"
    ]
    assert len(graphql.requests) - before == FAST.attempts
    assert ran.wall <= STARTUP + FAST.call
    assert not (tmp_path / "down" / "site").exists()  # a partial listing is never taken for the blog
    assert GRAPHQL_TOKEN not in ran.output
    print_row("GraphQL source: 503 on every request (sync)", ran, ran.stderr.strip())

    (tmp_path / "refused").mkdir()
    refused = sync_cli(api_sync_config(tmp_path / "refused", f"http://127.0.0.1:{closed_port()}/graphql"))
    assert refused.code in (EXIT_FAILED, EXIT_USAGE)
    assert_no_traceback(refused)
    (line,) = refused.stderr.splitlines()
    assert line.startswith(f"hashmigrate: {HOST}: cannot reach Hashnode's GraphQL API at http://127.0.0.1:")
    assert line.endswith(": connection failed")
    print_row("GraphQL source: connection refused (sync)", refused, line)


def test_a_source_outage_is_not_reported_as_a_config_error(graphql: GraphQLServer, tmp_path: Path) -> None:
    graphql.fail_next(503, times=1000)
    ran = sync_cli(api_sync_config(tmp_path, graphql.url))
    graphql.faults.clear()
    assert ran.code == EXIT_FAILED


# ---- hostile endpoint URLs and credentials ------------------------------------------------------------

_DEVTO_TARGET = '[[targets]]\ntype = "devto"\napi_url = "{url}"\n'
_BACKUP_SOURCE = f'[source]\ntype = "backup"\npath = "{EXAMPLES}"\n\n'
BAD_URLS: dict[str, tuple[list[str], dict[str, str], str | None]] = {
    # how the URL is given -> (arguments, environment, sync config)
    "--api-url port 99999": (["--to", "devto", "--api-url", "http://127.0.0.1:99999/api"], {}, None),
    "--api-url port not a number": (["--to", "devto", "--api-url", "http://127.0.0.1:port/api"], {}, None),
    "--api-url unclosed IPv6": (["--to", "devto", "--api-url", "http://[::1/api"], {}, None),
    "DEVTO_API_URL port 99999": (["--to", "devto"], {"DEVTO_API_URL": "http://127.0.0.1:99999/api"}, None),
    "--wp-url port 99999": (
        ["--to", "wordpress", "--wp-url", "http://127.0.0.1:99999", "--wp-user", "a"],
        {},
        None,
    ),
    "sync: a target's api_url, port 99999": (
        [],
        {},
        _BACKUP_SOURCE + _DEVTO_TARGET.format(url="http://127.0.0.1:99999/api"),
    ),
    "sync: the GraphQL endpoint, port 99999": (
        [],
        {},
        '[source]\ntype = "api"\nhost = "b.example.dev"\nendpoint = "http://127.0.0.1:99999"\n\n'
        '[[targets]]\ntype = "hugo"\nout = "site"\n',
    ),
}


@pytest.mark.parametrize("how", BAD_URLS)
def test_an_endpoint_url_with_a_bad_port_is_a_usage_error(tmp_path: Path, how: str) -> None:
    options, env, config = BAD_URLS[how]
    env = {"DEVTO_API_KEY": "k", "WP_APP_PASSWORD": "p", **env}
    if config is None:
        args = ["publish", EXAMPLES, *options, "--state", "state.db"]
    else:
        (tmp_path / "hashmigrate.toml").write_text(config, encoding="utf-8")
        args = ["sync", "--config", tmp_path / "hashmigrate.toml"]
    ran = hashmigrate_cli(args, cwd=tmp_path, env=env, timing=None)
    assert ran.code == 2 and len(ran.errors) == 1, ran.stderr
    assert_no_traceback(ran)


@pytest.mark.parametrize("key", ["sk-devto-FAKE-“5f2b9c”", "sk-devto-FAKE-5f2b9c\nsecond-line"])
def test_an_api_key_that_http_cannot_carry_is_a_usage_error(tmp_path: Path, key: str) -> None:
    ran = publish_devto(f"http://127.0.0.1:{closed_port()}/api", EXAMPLES, tmp_path, key=key, timing=FAST)
    assert ran.code == 2 and len(ran.errors) == 1 and "DEVTO_API_KEY" in ran.errors[0], ran.stderr
