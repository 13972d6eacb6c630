"""One HTTP layer for every remote call: a requests Session, timeouts, one retry policy, pacing.

* :func:`request` (and :func:`request_json`) retry with tenacity: 429 honouring ``Retry-After`` (seconds or
  an HTTP date, capped), 5xx, connection errors, timeouts and truncated bodies, with capped exponential
  backoff and jitter. Other 4xx are never retried. One attempt, from sending the request to the last
  byte of the answer, has a deadline of connect + read timeout and overruns it by at most one read
  timeout (see :func:`send`), so that :meth:`RetryPolicy.worst_case` bounds a whole call. A request that is not idempotent (POST) is retried only
  when it certainly did not reach the server, so a create cannot be sent twice behind the caller's back;
  the caller decides what to do about the others (see ``HttpError.maybe_applied``).
* :class:`Pacer` spaces requests to stay under a documented rate limit, so 429s are rare.
* :class:`HttpError` is the only exception that leaves this module. It carries the status and the server's
  own message, never the request or its headers, which is where secrets (API keys) travel. That message
  is cleaned of control characters and escape sequences and redacted (see :mod:`hashmigrate.redaction`).
* :class:`Secret` holds a credential so that it cannot be printed, logged or stored by accident; making
  one registers it with the redactor.
* A redirect to another origin (scheme, host, port) never carries a credential, and a write (any method
  but GET and HEAD) never follows one at all: it fails with :class:`HttpError` naming both URLs, before
  anything was sent there, so a foreign answer can never be taken for the real API's.
"""

from __future__ import annotations

import email.utils
import http.client
import io
import json
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_base, wait_exponential_jitter

from hashmigrate.redaction import RedactingFilter, clean, clean_data, redact, redact_data, remember
from hashmigrate.redaction import redact_url as redact_url  # where it was first, for its callers

log = logging.getLogger("hashmigrate.http")
log.addFilter(RedactingFilter())

Timeout = tuple[float, float]  # (connect, read) seconds
DEFAULT_TIMEOUT: Timeout = (10.0, 60.0)
USER_AGENT = "hashmigrate (+https://github.com/hashmigrate/hashmigrate)"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
REDIRECTABLE_METHODS = frozenset({"GET", "HEAD"})  # the only ones that may follow a redirect off-origin
_MESSAGE_LIMIT = 500


class Secret:
    """A credential. ``str()`` and ``repr()`` hide it; only :meth:`reveal` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        remember(value)

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``, the port filled in for http and https."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").rstrip("."), port or {"http": 80, "https": 443}.get(scheme)


def check_url(url: str) -> str | None:
    """Why ``url`` cannot be an API address (None when it can): http(s), a host, a valid port."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a malformed or out-of-range port raises only when read
    except ValueError as exc:
        return str(exc)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return "it must be an http(s) URL with a host"
    return None


def check_secret(value: str) -> str | None:
    """Why a credential cannot travel in an HTTP header (None when it can); never quotes the value."""
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return "it holds a character HTTP headers cannot carry (a pasted curly quote?)"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return "it holds a line break or another control character"
    return None


class HttpError(Exception):
    """A request that finally failed.

    ``status`` is None when no response arrived (connection error, timeout). ``message`` is what the
    server said (dev.to's ``error`` field, or the start of the body). ``maybe_applied`` is False only when
    the server certainly did not act on the request (it never got it, or rate-limited it), which is
    what a caller needs to know before sending a create again. ``attempts`` is how many attempts the
    call made before giving up, so that a message says "after N attempts" only when there were N.
    """

    def __init__(
        self,
        method: str,
        url: str,
        status: int | None,
        message: str,
        *,
        retryable: bool,
        maybe_applied: bool,
        retry_after: float | None = None,
        attempts: int = 1,
    ) -> None:
        self.method = method
        self.url = redact_url(url)
        self.status = status
        self.message = message
        self.retryable = retryable
        self.maybe_applied = maybe_applied
        self.retry_after = retry_after
        self.attempts = attempts
        what = f"HTTP {status}" if status is not None else "no response"
        super().__init__(
            f"{method} {self.url}: {what}: {message}" if message else f"{method} {self.url}: {what}"
        )


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date; None if unreadable."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


class wait_retry_after(wait_base):
    """Wait what the server asked for (``Retry-After``, capped at ``cap``), else the fallback backoff."""

    def __init__(self, fallback: wait_base, cap: float) -> None:
        self.fallback = fallback
        self.cap = cap

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None and outcome.failed else None
        if isinstance(error, HttpError) and error.retry_after is not None:
            return min(error.retry_after, self.cap)
        return float(self.fallback(retry_state))


@dataclass
class Stats:
    """What the HTTP layer did during a run (for summaries and tests)."""

    requests: int = 0
    retries: int = 0
    waited: float = 0.0
    paced: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, status: int | None) -> None:
        key = str(status) if status is not None else "no-response"
        with self._lock:
            self.requests += 1
            self.statuses[key] = self.statuses.get(key, 0) + 1

    def waited_for_pace(self, seconds: float) -> None:
        with self._lock:
            self.paced += seconds

    def retried(self, wait: float) -> None:
        with self._lock:
            self.retries += 1
            self.waited += wait

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "waited_seconds": round(self.waited, 3),
            "paced_seconds": round(self.paced, 3),
            "statuses": dict(sorted(self.statuses.items())),
        }


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry. ``sleep`` is injectable so tests never wait for real."""

    attempts: int = 6
    base: float = 1.0  # first backoff, doubled per attempt (plus up to ``base`` of jitter)
    max_wait: float = 60.0  # cap of one backoff
    max_retry_after: float = 120.0  # cap of one server-requested wait
    sleep: Callable[[float], None] = time.sleep

    def wait_strategy(self) -> wait_base:
        backoff = wait_exponential_jitter(multiplier=self.base, max=self.max_wait, jitter=self.base)
        return wait_retry_after(backoff, self.max_retry_after)

    def retrying(
        self,
        retry_on: Callable[[BaseException], bool],
        *,
        stats: Stats | None = None,
        describe: str = "request",
    ) -> Retrying:
        def before_sleep(state: RetryCallState) -> None:
            wait = state.next_action.sleep if state.next_action is not None else 0.0
            error = state.outcome.exception() if state.outcome is not None else None
            if stats is not None:
                stats.retried(wait)
            log.info(
                "%s failed (%s); retrying in %.1fs (attempt %d of %d)",
                describe,
                error,
                wait,
                state.attempt_number + 1,
                self.attempts,
            )

        return Retrying(
            sleep=self.sleep,
            stop=stop_after_attempt(max(1, self.attempts)),
            wait=self.wait_strategy(),
            retry=retry_if_exception(retry_on),
            reraise=True,
            before_sleep=before_sleep,
        )

    def worst_case(self, per_attempt: float) -> float:
        """The longest one retried call can take when each attempt takes at most ``per_attempt``.

        For :func:`request` an attempt ends at its deadline, connect + read timeout after it was sent,
        or at most one read timeout later (pacing aside; see :func:`send`), so
        ``worst_case(connect + 2 * read)`` is a real bound, even against a server that trickles its
        answer a byte at a time; one that trickles faster than a byte per read timeout ends each attempt
        that much after its deadline.
        """
        one_wait = max(self.max_wait, self.max_retry_after)
        return self.attempts * per_attempt + (self.attempts - 1) * one_wait


DEFAULT_POLICY = RetryPolicy()
NO_RETRY = RetryPolicy(attempts=1)


class Pacer:
    """At most ``limit`` requests in any ``per_seconds`` window (a sliding log), blocking until one fits.

    Thread-safe; waiting happens under the lock, so waiters go in turn.
    """

    def __init__(
        self,
        limit: int,
        per_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit < 1 or per_seconds <= 0:
            raise ValueError("a pacer needs limit >= 1 and per_seconds > 0")
        self.limit = limit
        self.per_seconds = per_seconds
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take a slot, waiting until one is free; return how long it waited."""
        waited = 0.0
        with self._lock:
            while True:
                now = self._clock()
                while self._sent and now - self._sent[0] >= self.per_seconds:
                    self._sent.popleft()
                if len(self._sent) < self.limit:
                    self._sent.append(now)
                    return waited
                wait = self.per_seconds - (now - self._sent[0])
                self._sleep(wait)
                waited += wait
                # The oldest slot has aged out; dropping it here, not by comparing clock readings
                # again, keeps float rounding from spinning on waits of 1e-14 s.
                self._sent.popleft()


class CrossOriginRedirect(requests.RequestException):
    """A write was redirected to another origin; it was not followed."""

    def __init__(self, status: int, source: str, target: str) -> None:
        super().__init__(f"HTTP {status} to another origin")
        self.status = status
        self.source = source
        self.target = target


class _Session(requests.Session):
    """A Session whose credentials stay on their origin, and whose writes never follow a redirect off it.

    requests drops Authorization only when the host changes (not on http to https, nor for a custom
    header such as dev.to's ``api-key``); here every secret header and Authorization go whenever the
    scheme, host or port changes.
    """

    secret_headers: frozenset[str] = frozenset()

    def should_strip_auth(self, old_url: str, new_url: str) -> bool:
        return origin(old_url) != origin(new_url)

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        super().rebuild_auth(prepared_request, response)
        if prepared_request.url and self.should_strip_auth(response.request.url or "", prepared_request.url):
            for name in self.secret_headers:
                prepared_request.headers.pop(name, None)

    def resolve_redirects(  # type: ignore[override]
        self, resp: requests.Response, req: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> Iterator[requests.Response]:
        """requests' redirect loop, stopped before a write (by its original method: a 303 turns a POST
        into a GET whose answer would be taken for the POST's) would be sent to another origin."""
        following = super().resolve_redirects(resp, req, *args, **kwargs)
        if kwargs.get("yield_requests") or (req.method or "GET").upper() in REDIRECTABLE_METHODS:
            yield from following
            return
        start = req.url or ""
        hop = resp
        while True:
            location = self.get_redirect_target(hop)
            if location is not None:
                target = urljoin(hop.url or start, location)
                if origin(target) != origin(start):
                    hop.close()
                    raise CrossOriginRedirect(hop.status_code, hop.url or start, target)
            try:
                hop = next(following)
            except StopIteration:
                return
            yield hop


def make_session(
    headers: Mapping[str, str] | None = None,
    *,
    secrets: Mapping[str, Secret] | None = None,
    pool_size: int = 10,
) -> requests.Session:
    """A Session with our User-Agent, ``headers``, and ``secrets`` as headers kept on this host only."""
    session = _Session()
    session.headers["User-Agent"] = USER_AGENT
    session.headers.update(headers or {})
    for name, secret in (secrets or {}).items():
        session.headers[name] = secret.reveal()
    session.secret_headers = frozenset(name.lower() for name in secrets or {})
    # Retries are tenacity's job; urllib3's own would multiply the attempts.
    adapter = requests.adapters.HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def is_retryable(error: BaseException) -> bool:
    return isinstance(error, HttpError) and error.retryable


def request(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: Timeout = DEFAULT_TIMEOUT,
    policy: RetryPolicy | None = None,
    pacer: Pacer | None = None,
    idempotent: bool | None = None,
    stats: Stats | None = None,
    **kwargs: Any,
) -> requests.Response:
    """Send a request, retrying per ``policy``; return the 2xx/3xx response or raise :class:`HttpError`.

    ``idempotent`` defaults from the method. When False, only failures that certainly left the server
    untouched are retried here; the others are raised with ``maybe_applied=True``.
    """
    return _retried(session, method, url, False, timeout, policy, pacer, idempotent, stats, kwargs)[0]


def request_json(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: Timeout = DEFAULT_TIMEOUT,
    policy: RetryPolicy | None = None,
    pacer: Pacer | None = None,
    idempotent: bool | None = None,
    stats: Stats | None = None,
    **kwargs: Any,
) -> tuple[requests.Response, Any]:
    """Like :func:`request`, and a body that is not JSON counts as a failed (retryable) attempt."""
    return _retried(session, method, url, True, timeout, policy, pacer, idempotent, stats, kwargs)


def _retried(
    session: requests.Session,
    method: str,
    url: str,
    want_json: bool,
    timeout: Timeout,
    policy: RetryPolicy | None,
    pacer: Pacer | None,
    idempotent: bool | None,
    stats: Stats | None,
    kwargs: dict[str, Any],
) -> tuple[requests.Response, Any]:
    method = method.upper()
    safe = method in IDEMPOTENT_METHODS if idempotent is None else idempotent

    def retry_on(error: BaseException) -> bool:
        return is_retryable(error) and (safe or not getattr(error, "maybe_applied", True))

    retrying = (policy or DEFAULT_POLICY).retrying(
        retry_on, stats=stats, describe=f"{method} {redact_url(url)}"
    )
    made = 0
    try:
        for attempt in retrying:
            made += 1
            with attempt:
                response = send(session, method, url, timeout=timeout, pacer=pacer, stats=stats, **kwargs)
                return response, (parse_json(response, method, url) if want_json else None)
    except HttpError as exc:
        exc.attempts = made
        raise
    raise AssertionError("unreachable: tenacity either returns or re-raises")  # pragma: no cover


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: Timeout = DEFAULT_TIMEOUT,
    pacer: Pacer | None = None,
    stats: Stats | None = None,
    **kwargs: Any,
) -> requests.Response:
    """One attempt: pace, send with a timeout, and turn every failure into :class:`HttpError`.

    The answer is read in full by a deadline, connect + read timeout after the request went out:
    requests' own read timeout bounds each socket read, never the answer, so no read of the body is
    begun after the deadline (:func:`body_chunks`); the one begun just before it may take up to the read
    timeout. A caller that passes ``stream=True`` gets a 2xx/3xx response with its body unread and
    bounds that read itself.
    """
    method = method.upper()
    caller_streams = bool(kwargs.pop("stream", False))
    if pacer is not None:
        waited = pacer.acquire()
        if stats is not None and waited:
            stats.waited_for_pace(waited)
    failure: HttpError | None = None
    deadline = time.monotonic() + timeout[0] + timeout[1]
    try:
        response = session.request(method, url, timeout=timeout, stream=True, **kwargs)
    except requests.RequestException as exc:
        failure = _transport_error(method, url, exc)
    except ValueError as exc:
        # A header value requests let through that http.client refuses before anything is sent (requests
        # 2.31 passes a trailing line break on): its message quotes the value, which may be a secret.
        what = f"the request could not be sent ({type(exc).__name__})"
        failure = HttpError(method, url, None, what, retryable=False, maybe_applied=False)
    if failure is not None:
        # Raised out here, not in the except block, so that the requests exception is not kept as
        # __context__: it holds the request, and some of its messages quote header values.
        if stats is not None:
            stats.count(None)
        raise failure
    status = response.status_code
    if stats is not None:
        stats.count(status)
    if status < 400:
        if not caller_streams:
            failure = _read_body(response, deadline, method, url)
            if failure is not None:
                raise failure
        return response
    # An error's body is read for its message only; an answer too slow to read still has its status.
    _read_body(response, deadline, method, url)
    retryable = status == 429 or status >= 500
    raise HttpError(
        method,
        url,
        status,
        server_message(response),
        retryable=retryable,
        # A rate-limited request is refused before any work; a 5xx may come after the work was done.
        maybe_applied=status != 429,
        retry_after=parse_retry_after(response.headers.get("Retry-After")) if retryable else None,
    )


_CHUNK = 65536


def body_chunks(
    response: requests.Response, deadline: float, read_timeout: float | None = None
) -> Iterator[bytes]:
    """A streamed answer's body as it arrives, no read of it begun after ``deadline``.

    Public APIs only: each step is one urllib3 ``read1`` (at most one socket read, so a server that sends
    a byte now and then cannot hold one step for long), and that read waits at most the read timeout the
    request was sent with (requests gives it to urllib3; nothing here touches the socket). The deadline is
    checked before each read: TimeoutError once it has passed, urllib3's ReadTimeoutError when the server
    said nothing for the read timeout (TimeoutError if the deadline passed meanwhile). The price of not
    touching the socket: the last read, begun just before the deadline, may end up to one read timeout
    after it. ``read_timeout`` is no longer needed (the request carries it) and is kept for callers.
    """
    del read_timeout
    raw = response.raw
    while True:
        if time.monotonic() >= deadline:
            raise TimeoutError("the deadline passed")
        try:
            chunk = raw.read1(_CHUNK, decode_content=True)
        except urllib3.exceptions.ReadTimeoutError:
            if time.monotonic() >= deadline:
                raise TimeoutError("the deadline passed") from None
            raise
        if not chunk:
            return
        yield chunk


def _read_body(response: requests.Response, deadline: float, method: str, url: str) -> HttpError | None:
    """Read the whole answer by ``deadline`` (:func:`body_chunks`) and keep it as the response's content;
    the failure when it could not be read (the content is then empty). Either way the connection is done
    with: back in the pool after a full answer, closed after a cut one."""
    chunks: list[bytes] = []
    what: str | None = None
    try:
        chunks.extend(body_chunks(response, deadline))
    except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
        what = "timed out reading the answer"
    except urllib3.exceptions.DecodeError:
        what = "the response could not be decoded"
    except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError, ValueError):
        what = "connection lost"
    # Read to its end, the connection has already gone back to the pool and this only lets go of the
    # response; cut short, it closes the half-read connection instead of pooling it.
    response.close()
    _keep_content(response, b"".join(chunks) if what is None else b"")
    return None if what is None else cut_short(method, url, what)


def _keep_content(response: requests.Response, body: bytes) -> None:
    """Make ``body``, already read and decoded, the response's content (``content``, ``text``, ``json()``).

    ``Response.raw`` is requests' public "file-like object" for the body: it becomes the bytes read, and
    reading ``content`` once makes the response keep them, as a response read without streaming does.
    """
    response.raw = io.BytesIO(body)
    response.content  # noqa: B018 - the read is what keeps it


def cut_short(method: str, url: str, what: str, status: int | None = None) -> HttpError:
    """An answer too short to say what happened: the server may have acted on the request, so it may
    be retried only after looking whether it did (``maybe_applied``)."""
    return HttpError(method, url, status, what, retryable=True, maybe_applied=True)


def parse_json(response: requests.Response, method: str, url: str) -> Any:
    try:
        return response.json()
    except (ValueError, requests.RequestException):
        pass
    # A truncated success body: the server did the work but we cannot read what it said.
    raise cut_short(method, url, "the response body is not valid JSON (cut off?)", response.status_code)


def server_message(response: requests.Response) -> str:
    """What the server said about an error: a JSON ``error``/``message`` field, else the start of the body."""
    try:
        data = response.json()
    except (ValueError, requests.RequestException):
        data = None
    if isinstance(data, dict):
        for key in ("error", "message", "errors", "detail"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return _said(value)
            if value:
                # Cleaned and redacted before it is JSON text, where a control character or a quote
                # would be an escape that text cleaning cannot see or redaction could cut in two.
                return _said(json.dumps(redact_data(clean_data(value)), ensure_ascii=False))
    try:
        text = response.text
    except (ValueError, requests.RequestException):
        text = ""
    content_type = response.headers.get("Content-Type", "")
    if "html" in content_type.lower():
        # An error page from a proxy says nothing useful beyond the status.
        return _said(response.reason or "")
    return _said(text) or _said(response.reason or "")


def _said(text: str) -> str:
    """What a server said, fit for a message: cleaned, redacted before it is clipped (a clip could cut
    a secret into a piece no longer recognised), whitespace folded."""
    text = " ".join(redact(clean(text)).split())
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


def _transport_error(method: str, url: str, exc: requests.RequestException) -> HttpError:
    if isinstance(exc, CrossOriginRedirect):
        # A redirect is an answer that the request was not done here; it was not sent on elsewhere.
        what = (
            f"{redact_url(exc.source)} redirected to {redact_url(exc.target)}, another origin: "
            "a write never follows a redirect off the API's origin; check the API URL"
        )
        return HttpError(method, url, exc.status, what, retryable=False, maybe_applied=False)
    never_sent = _never_sent(exc)
    if isinstance(exc, requests.Timeout):
        what = (
            "timed out connecting"
            if isinstance(exc, requests.ConnectTimeout)
            else "timed out waiting for the answer"
        )
        retryable = True
    elif isinstance(exc, (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        what = "connection failed" if never_sent else "connection lost"
        retryable = True
    elif isinstance(exc, requests.exceptions.ContentDecodingError):
        what, retryable = "the response could not be decoded", True
    else:
        # Invalid URL, too many redirects, bad headers: trying again cannot help.
        what, retryable = type(exc).__name__, False
    return HttpError(method, url, None, what, retryable=retryable, maybe_applied=not never_sent)


def _never_sent(exc: BaseException) -> bool:
    """True when the request cannot have reached the server (no connection was ever made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    for cause in _chain(exc):
        if isinstance(cause, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)):
            return True
        if isinstance(cause, urllib3.exceptions.MaxRetryError) and isinstance(
            cause.reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)
        ):
            return True
    return False


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                stack.append(linked)
