"""The HTTP layer against a real local server: what is retried, how long it waits, what errors carry.

Waits are recorded instead of slept (``RetryPolicy(sleep=...)``), so the tests check the policy's numbers
without spending them; only the timeout and pacing tests take real (sub-second) time.

Tested at both ends of the declared range (with test_images.py and test_faults.py): requests 2.31.0 with
urllib3 2.2.0, the oldest (``.ci/oldest-deps.sh`` runs this module so on every CI run), and requests
2.34.2 with urllib3 2.8.0, the newest in December 2026.
"""

from __future__ import annotations

import contextlib
import email.utils
import gzip
import json
import pickle
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

import hashmigrate.http
from hashmigrate.http import (
    NO_RETRY,
    HttpError,
    Pacer,
    RetryPolicy,
    Secret,
    Stats,
    make_session,
    parse_retry_after,
    redact_url,
    request,
    request_json,
)

SECRET = "sk-test-0123456789abcdef-never-print-me"


# ---- a scripted server ------------------------------------------------------------------------------

Action = Callable[["_Handler"], None]


def respond(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Action:
    def act(handler: _Handler) -> None:
        data = json.dumps(body).encode() if not isinstance(body, (bytes, type(None))) else (body or b"")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    return act


def reset() -> Action:
    def act(handler: _Handler) -> None:
        handler.close_connection = True
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()

    return act


def slow(seconds: float) -> Action:
    def act(handler: _Handler) -> None:
        handler.server.stopping.wait(seconds)  # type: ignore[attr-defined]
        with contextlib.suppress(OSError):  # the client has usually given up by now
            respond(200, {"late": True})(handler)

    return act


def trickle(status: int, body: bytes, *, gap: float = 0.05, piece: int = 1) -> Action:
    """Headers at once, then ``piece`` bytes every ``gap`` seconds: each socket read waits less than a
    read timeout, the whole answer far longer."""

    def act(handler: _Handler) -> None:
        with contextlib.suppress(OSError):  # the client hangs up when it gives up
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.flush()
            for start in range(0, len(body), piece):
                if handler.server.stopping.wait(gap):  # type: ignore[attr-defined]
                    return
                handler.wfile.write(body[start : start + piece])
                handler.wfile.flush()

    return act


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    at: float
    client: tuple[str, int] = ("", 0)


@dataclass
class Scripted:
    url: str
    script: deque[Action] = field(default_factory=deque)
    seen: list[Seen] = field(default_factory=list)

    def then(self, *actions: Action) -> Scripted:
        self.script.extend(actions)
        return self


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        owner: Scripted = self.server.owner  # type: ignore[attr-defined]
        owner.seen.append(
            Seen(
                self.command,
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                time.monotonic(),
                self.client_address[:2],
            )
        )
        action = owner.script.popleft() if owner.script else respond(200, {"ok": True})
        action(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def server() -> Iterator[Scripted]:
    with _scripted() as owner:
        yield owner


@pytest.fixture
def other() -> Iterator[Scripted]:
    """A second server: another origin (another port; as ``localhost``, another host too)."""
    with _scripted() as owner:
        yield owner


@contextlib.contextmanager
def _scripted() -> Iterator[Scripted]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.stopping = threading.Event()  # type: ignore[attr-defined]
    owner = Scripted(f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.owner = owner  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield owner
    httpd.stopping.set()  # type: ignore[attr-defined]
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


class Sleeps(list[float]):
    """Records each wait instead of sleeping it."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def policy(sleeps: Sleeps, **kwargs: Any) -> RetryPolicy:
    defaults: dict[str, Any] = {"attempts": 4, "base": 0.5, "max_wait": 8.0, "max_retry_after": 30.0}
    return RetryPolicy(sleep=sleeps, **{**defaults, **kwargs})


TIMEOUT = (2.0, 5.0)


# ---- Retry-After ------------------------------------------------------------------------------------


def test_429_waits_what_retry_after_says_in_seconds(server: Scripted) -> None:
    server.then(respond(429, {"error": "Rate limit reached"}, {"Retry-After": "7"}), respond(200, {"id": 1}))
    sleeps, stats = Sleeps(), Stats()
    response = request(
        make_session(), "POST", server.url + "/a", policy=policy(sleeps), timeout=TIMEOUT, stats=stats
    )
    assert response.json() == {"id": 1}
    assert sleeps == [7.0]  # POST is retried: a 429 means the server did nothing
    assert (stats.requests, stats.retries, stats.statuses) == (2, 1, {"200": 1, "429": 1})


def test_429_waits_until_an_http_date(server: Scripted) -> None:
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    server.then(respond(429, headers={"Retry-After": when}), respond(200, {}))
    sleeps = Sleeps()
    request(make_session(), "GET", server.url, policy=policy(sleeps), timeout=TIMEOUT)
    assert len(sleeps) == 1 and 18.0 <= sleeps[0] <= 20.5


def test_a_huge_retry_after_is_capped(server: Scripted) -> None:
    server.then(respond(503, headers={"Retry-After": "86400"}), respond(200, {}))
    sleeps = Sleeps()
    request(make_session(), "GET", server.url, policy=policy(sleeps, max_retry_after=12.0), timeout=TIMEOUT)
    assert sleeps == [12.0]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("5", 5.0),
        ("0", 0.0),
        ("-3", 0.0),
        ("1.5", 1.5),
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
    ],
)
def test_parse_retry_after_seconds(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds


def test_parse_retry_after_dates() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    future = email.utils.format_datetime(now + timedelta(seconds=90), usegmt=True)
    past = email.utils.format_datetime(now - timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(future, now) == 90.0
    assert parse_retry_after(past, now) == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00", now) == 0.0  # no zone: read as UTC


# ---- what is retried and how ------------------------------------------------------------------------


def test_5xx_backs_off_exponentially_with_jitter_up_to_a_cap(server: Scripted) -> None:
    server.then(*[respond(500, {"error": "boom"})] * 6)
    sleeps = Sleeps()
    with pytest.raises(HttpError) as caught:
        request(make_session(), "GET", server.url, policy=policy(sleeps, attempts=6, base=1.0, max_wait=5.0))
    assert caught.value.status == 500 and caught.value.message == "boom" and caught.value.attempts == 6
    assert len(server.seen) == 6 and len(sleeps) == 5
    for attempt, wait in enumerate(sleeps, start=1):
        low = min(1.0 * 2 ** (attempt - 1), 5.0)
        assert low <= wait <= min(low + 1.0, 5.0), (attempt, wait)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_other_4xx_are_never_retried(server: Scripted, status: int) -> None:
    server.then(respond(status, {"error": f"no ({status})"}))
    sleeps = Sleeps()
    with pytest.raises(HttpError) as caught:
        request(make_session(), "PUT", server.url + "/x", policy=policy(sleeps), timeout=TIMEOUT)
    assert (caught.value.status, caught.value.message, caught.value.retryable) == (
        status,
        f"no ({status})",
        False,
    )
    assert len(server.seen) == 1 and sleeps == []


def test_a_reset_is_retried_for_get_but_not_for_post(server: Scripted) -> None:
    server.then(reset(), respond(200, {"ok": 1}))
    sleeps = Sleeps()
    assert request(make_session(), "GET", server.url, policy=policy(sleeps), timeout=TIMEOUT).json() == {
        "ok": 1
    }
    assert len(sleeps) == 1

    server.then(reset())
    with pytest.raises(HttpError) as caught:
        request(make_session(), "POST", server.url, policy=policy(Sleeps()), timeout=TIMEOUT)
    assert caught.value.status is None and caught.value.maybe_applied and caught.value.retryable
    assert [s.method for s in server.seen] == ["GET", "GET", "POST"]  # the POST went once


def test_a_post_is_retried_when_it_never_reached_the_server() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends: nothing listens there
    sleeps = Sleeps()
    with pytest.raises(HttpError) as caught:
        request(make_session(), "POST", f"http://127.0.0.1:{port}/a", policy=policy(sleeps), timeout=TIMEOUT)
    assert caught.value.status is None and not caught.value.maybe_applied
    assert len(sleeps) == 3  # all four attempts were made


def test_a_read_timeout_is_retried_and_bounded(server: Scripted) -> None:
    server.then(slow(3.0), respond(200, {"ok": True}))
    sleeps, started = Sleeps(), time.monotonic()
    response = request(make_session(), "GET", server.url, policy=policy(sleeps), timeout=(2.0, 0.3))
    assert response.json() == {"ok": True} and len(sleeps) == 1
    assert time.monotonic() - started < 2.5  # the client gave up on the slow answer


def test_giving_up_reraises_the_last_error_and_wall_time_stays_within_the_worst_case(
    server: Scripted,
) -> None:
    server.then(*[respond(502, b"bad gateway")] * 3)
    real = RetryPolicy(attempts=3, base=0.05, max_wait=0.1, max_retry_after=0.1)
    started = time.monotonic()
    with pytest.raises(HttpError) as caught:
        request(make_session(), "GET", server.url, policy=real, timeout=(1.0, 1.0))
    elapsed = time.monotonic() - started
    assert caught.value.status == 502 and len(server.seen) == 3
    assert elapsed <= real.worst_case(per_attempt=2.0)


LONG_BODY = json.dumps({"items": list(range(40))}).encode()  # ~160 bytes: 8 s at one byte per 0.05 s


def test_an_answer_that_trickles_in_is_cut_off_at_the_attempt_deadline(server: Scripted) -> None:
    server.then(*[trickle(200, LONG_BODY)] * 3)
    real = RetryPolicy(attempts=3, base=0.05, max_wait=0.1, max_retry_after=0.1)
    connect, read = 0.4, 0.3
    started = time.monotonic()
    with pytest.raises(HttpError) as caught:
        request(make_session(), "GET", server.url, policy=real, timeout=(connect, read))
    elapsed = time.monotonic() - started
    error = caught.value
    assert (error.status, error.message, error.retryable, error.maybe_applied, error.attempts) == (
        None,
        "timed out reading the answer",
        True,
        True,
        3,
    )
    assert len(server.seen) == 3
    # Each attempt ends at its deadline (connect + read), so the policy's worst case bounds the call;
    # the slack is for scheduling on a busy machine, not for a late answer (one takes 8 s).
    assert 3 * (connect + read) - 0.05 <= elapsed <= real.worst_case(per_attempt=connect + read) + 0.3


def test_a_trickle_just_inside_the_read_timeout_ends_within_one_read_timeout_of_the_deadline(
    server: Scripted,
) -> None:
    # A byte every 0.3 s against a 0.4 s read timeout: no read ever times out, and the read begun just
    # before the deadline may last until its byte comes (the price of leaving the socket to urllib3).
    server.then(trickle(200, LONG_BODY, gap=0.3))
    connect, read = 0.2, 0.4
    started = time.monotonic()
    with pytest.raises(HttpError) as caught:
        request(make_session(), "GET", server.url, policy=NO_RETRY, timeout=(connect, read))
    elapsed = time.monotonic() - started
    assert caught.value.message == "timed out reading the answer"
    assert connect + read <= elapsed <= connect + 2 * read + 0.3


def test_the_http_layer_uses_only_public_apis_of_requests_and_urllib3() -> None:
    # Issue #14: no private state of a Response or an urllib3 response, and no socket under a connection.
    source = Path(hashmigrate.http.__file__).read_text(encoding="utf-8")
    for private in ("._content", "_content_consumed", "._connection", "._fp", ".sock", "settimeout"):
        assert private not in source, private


def test_a_trickled_answer_to_a_post_is_not_sent_again(server: Scripted) -> None:
    server.then(trickle(201, LONG_BODY))
    sleeps = Sleeps()
    with pytest.raises(HttpError) as caught:
        request(make_session(), "POST", server.url, policy=policy(sleeps), timeout=(0.3, 0.3))
    assert caught.value.maybe_applied and caught.value.message == "timed out reading the answer"
    assert caught.value.attempts == 1 and len(server.seen) == 1 and sleeps == []


def test_a_trickled_error_body_keeps_its_status(server: Scripted) -> None:
    server.then(trickle(404, LONG_BODY))
    started = time.monotonic()
    with pytest.raises(HttpError) as caught:
        request(make_session(), "GET", server.url, policy=policy(Sleeps()), timeout=(0.3, 0.3))
    assert time.monotonic() - started < 1.5
    assert (caught.value.status, caught.value.message, caught.value.retryable) == (404, "Not Found", False)
    assert len(server.seen) == 1


def test_a_connection_is_reused_after_a_full_answer_and_dropped_after_a_cut_one(server: Scripted) -> None:
    session = make_session()
    server.then(respond(200, {"n": 1}), respond(200, {"n": 2}), trickle(200, LONG_BODY))
    assert request(session, "GET", server.url, policy=NO_RETRY, timeout=TIMEOUT).json() == {"n": 1}
    assert request(session, "GET", server.url, policy=NO_RETRY, timeout=TIMEOUT).text == '{"n": 2}'
    with pytest.raises(HttpError):
        request(session, "GET", server.url, policy=NO_RETRY, timeout=(0.2, 0.2))
    _, data = request_json(session, "GET", server.url, policy=NO_RETRY, timeout=TIMEOUT)
    assert data == {"ok": True}  # not the rest of the cut-off answer
    clients = [seen.client for seen in server.seen]
    assert clients[0] == clients[1] == clients[2] != clients[3]


def test_a_compressed_answer_is_decoded(server: Scripted) -> None:
    packed = gzip.compress(json.dumps({"id": 7, "text": "é" * 100}).encode())
    server.then(respond(200, packed, {"Content-Encoding": "gzip"}))
    response, data = request_json(make_session(), "GET", server.url, policy=NO_RETRY, timeout=TIMEOUT)
    assert data == {"id": 7, "text": "é" * 100} and response.content.startswith(b'{"id": 7')


def test_a_streaming_caller_gets_the_body_unread(server: Scripted) -> None:
    server.then(respond(200, b"x" * 200_000))
    with request(make_session(), "GET", server.url, policy=NO_RETRY, timeout=TIMEOUT, stream=True) as answer:
        assert sum(len(chunk) for chunk in answer.iter_content(65536)) == 200_000


def test_json_that_is_cut_off_counts_as_a_failed_attempt(server: Scripted) -> None:
    server.then(respond(200, b'{"id": 12'), respond(200, {"id": 12}))
    sleeps = Sleeps()
    _, data = request_json(make_session(), "GET", server.url, policy=policy(sleeps), timeout=TIMEOUT)
    assert data == {"id": 12} and len(sleeps) == 1


def test_no_retry_policy_makes_one_attempt(server: Scripted) -> None:
    server.then(respond(500))
    with pytest.raises(HttpError):
        request(make_session(), "GET", server.url, policy=NO_RETRY, timeout=TIMEOUT)
    assert len(server.seen) == 1


# ---- secrets ----------------------------------------------------------------------------------------


def _everything_about(error: BaseException) -> str:
    parts: list[str] = []
    current: BaseException | None = error
    while current is not None:
        parts += [str(current), repr(current), repr(vars(current))]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


def test_errors_never_carry_the_request_headers(server: Scripted) -> None:
    session = make_session({"Accept": "application/json"}, secrets={"api-key": Secret(SECRET)})
    server.then(respond(500, {"error": "boom"}), reset())
    for _ in range(2):
        with pytest.raises(HttpError) as caught:
            request(session, "POST", server.url + "/articles?token=abc", policy=NO_RETRY, timeout=TIMEOUT)
        text = _everything_about(caught.value)
        assert SECRET not in text and "api-key" not in text.lower() and "token=abc" not in text
    assert all(seen.headers.get("api-key") == SECRET for seen in server.seen)  # it was sent, though


def test_a_malformed_secret_is_not_echoed_by_the_error(server: Scripted) -> None:
    # requests' InvalidHeader message quotes the header value; ours must not.
    session = make_session(secrets={"api-key": Secret(SECRET + "\n")})
    with pytest.raises(HttpError) as caught:
        request(session, "GET", server.url, policy=NO_RETRY, timeout=TIMEOUT)
    assert not caught.value.retryable and SECRET not in _everything_about(caught.value)
    assert server.seen == []


def test_a_secret_does_not_print_or_pickle() -> None:
    secret = Secret(SECRET)
    assert SECRET not in f"{secret} {secret!r} {[secret]}"
    assert secret.reveal() == SECRET
    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_a_redirect_to_another_host_drops_the_secret_header(server: Scripted) -> None:
    other = server.url.replace("127.0.0.1", "localhost")
    server.then(respond(302, headers={"Location": other + "/elsewhere"}), respond(200, {}))
    session = make_session(secrets={"api-key": Secret(SECRET)})
    request(session, "GET", server.url + "/start", policy=NO_RETRY, timeout=TIMEOUT)
    assert [s.path for s in server.seen] == ["/start", "/elsewhere"]
    assert server.seen[0].headers.get("api-key") == SECRET
    assert "api-key" not in server.seen[1].headers

    server.then(respond(302, headers={"Location": server.url + "/same"}), respond(200, {}))
    request(session, "GET", server.url + "/again", policy=NO_RETRY, timeout=TIMEOUT)
    assert server.seen[-1].headers.get("api-key") == SECRET  # same host: kept


WRITES = ["POST", "PUT", "PATCH", "DELETE"]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("method", ["GET", *WRITES])
def test_credentials_stay_on_their_origin_and_writes_never_leave_it(
    server: Scripted, other: Scripted, method: str, status: int
) -> None:
    """Every method and redirect status against every kind of target: the same origin (relative,
    absolute), another port, another host, another scheme. A write to another origin fails naming both
    URLs with nothing sent there; a read goes, without the api-key header or Basic auth."""
    port = other.url.rsplit(":", 1)[1]
    targets = {
        "relative": ("/same", True),
        "absolute": (server.url + "/same", True),
        "other port": (other.url + "/x", False),
        "other host": (f"http://localhost:{port}/x", False),
        "scheme-relative": (f"//localhost:{port}/x", False),
        "other scheme": (server.url.replace("http://", "https://") + "/x", False),
    }
    session = make_session(secrets={"api-key": Secret(SECRET)})
    session.auth = ("user", SECRET + "-basic")
    for name, (location, same) in targets.items():
        server.script.clear()
        other.script.clear()
        server.then(respond(status, headers={"Location": location}), respond(200, {"id": 1}))
        other.then(respond(201, {"id": 999}))
        before, elsewhere = len(server.seen), len(other.seen)
        url = server.url + "/articles"
        if same or method == "GET":
            if name == "other scheme":
                with pytest.raises(HttpError):  # nothing speaks TLS there; what matters is what was sent
                    request(session, method, url, policy=NO_RETRY, timeout=TIMEOUT)
                continue
            response = request(session, method, url, policy=NO_RETRY, timeout=TIMEOUT)
            followed = server.seen[before + 1] if same else other.seen[elsewhere]
            assert response.json() == ({"id": 1} if same else {"id": 999}), name
            carried = {"api-key", "authorization"} & set(followed.headers)
            assert carried == ({"api-key", "authorization"} if same else set()), name
        else:
            with pytest.raises(HttpError) as caught:
                request(session, method, url, policy=NO_RETRY, timeout=TIMEOUT)
            error = caught.value
            assert (error.status, error.retryable, error.maybe_applied) == (status, False, False), name
            target = redact_url(location if "://" in location else "http:" + location)
            assert f"{url} redirected to {target}, another origin" in str(error), name
            assert len(other.seen) == elsewhere and len(server.seen) == before + 1, name
            assert SECRET not in _everything_about(error)


def test_credentials_are_dropped_on_any_change_of_origin() -> None:
    """requests keeps Authorization on http to https and drops no custom header; here both go
    whenever scheme, host or port change, and stay otherwise."""
    session = make_session(secrets={"api-key": Secret(SECRET)})
    keeps = [("http://h/a", "http://h:80/b"), ("https://h/a", "https://H:443/b"), ("http://h/a", "/b")]
    drops = [("http://h/a", "https://h/a"), ("http://h/a", "http://h:8080/a"), ("http://h/a", "http://g/a")]
    for old, new in keeps + drops:
        headers = {"Authorization": "Basic x", "api-key": SECRET}
        request_ = requests.Request("GET", old, headers=headers).prepare()
        answer = requests.Response()
        answer.request = request_
        following = request_.copy()
        following.url = requests.compat.urljoin(old, new)
        session.rebuild_auth(following, answer)  # type: ignore[no-untyped-call, unused-ignore]
        kept = {"api-key", "authorization"} & {k.lower() for k in following.headers}
        assert kept == (set() if (old, new) in drops else {"api-key", "authorization"}), (old, new)


def test_a_redirect_chain_that_leaves_later_is_stopped_too(server: Scripted, other: Scripted) -> None:
    server.then(
        respond(307, headers={"Location": "/step"}),
        respond(303, headers={"Location": other.url + "/away"}),  # a 303 makes it a GET: still the POST's
    )
    with pytest.raises(HttpError) as caught:
        request(make_session(), "POST", server.url + "/start", policy=NO_RETRY, timeout=TIMEOUT, json={})
    assert caught.value.status == 303 and other.seen == []
    assert [s.path for s in server.seen] == ["/start", "/step"]


def test_redact_url() -> None:
    assert (
        redact_url("https://user:pw@api.example.com:8443/v1/x?key=1#f") == "https://api.example.com:8443/v1/x"
    )


# ---- pacing -----------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_pacer_allows_a_burst_then_waits_for_the_window() -> None:
    clock = FakeClock()
    pacer = Pacer(3, 30.0, clock=clock, sleep=clock.sleep)
    assert [pacer.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    clock.now += 10
    assert pacer.acquire() == pytest.approx(20.0)  # until the first of the three is 30 s old
    assert clock.now == pytest.approx(130.0)
    clock.now += 30
    assert pacer.acquire() == 0.0


def test_pacer_never_lets_more_than_limit_into_any_window() -> None:
    clock = FakeClock()
    pacer = Pacer(10, 30.0, clock=clock, sleep=clock.sleep)
    times = []
    for i in range(55):
        clock.now += 0.7 * (i % 4)
        pacer.acquire()
        times.append(clock.now)
    assert times[-1] - times[0] >= 5 * 30.0 - 1e-6  # 55 requests at 10 per 30 s
    for start in times:
        assert sum(1 for t in times if start <= t < start + 30.0 - 1e-9) <= 10


def test_requests_through_a_pacer_are_spaced(server: Scripted) -> None:
    pacer, stats = Pacer(3, 0.4), Stats()
    session = make_session()
    started = time.monotonic()
    for _ in range(7):
        request(session, "GET", server.url, pacer=pacer, policy=NO_RETRY, timeout=TIMEOUT, stats=stats)
    assert time.monotonic() - started >= 0.8  # 7 requests at 3 per 0.4 s need two full windows
    arrivals = [s.at for s in server.seen]
    for first in arrivals:  # a shorter window than the pacer's: latency may shift arrivals a little
        assert sum(1 for t in arrivals if first <= t < first + 0.25) <= 3
    assert stats.paced > 0


def test_a_url_that_cannot_work_is_not_retried() -> None:
    sleeps = Sleeps()
    with pytest.raises(HttpError) as caught:
        request(make_session(), "GET", "not a url", policy=policy(sleeps))
    assert caught.value.status is None and not caught.value.retryable and sleeps == []
