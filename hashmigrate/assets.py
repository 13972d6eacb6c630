"""Images off Hashnode's CDN: fetched once per unique URL into a content-addressed cache.

The cache (``objects/<aa>/<sha256>.<ext>`` plus an index of URL -> object) survives runs, so a second
run downloads nothing. Only http(s) is fetched, within a size cap and a redirect limit, and the bytes
must really be an image: a server's Content-Type is checked against the file's own signature. A
failed image never fails its post: the post keeps the remote URL and gets a note.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
import urllib3

from hashmigrate import http
from hashmigrate.delivery import atomic_write
from hashmigrate.document import Construct, Document, Element, HtmlBlock, HtmlInline, Picture, flat_view
from hashmigrate.model import Callout, Image, Post

MAX_IMAGE_BYTES = 25 * 1024 * 1024
MAX_REDIRECTS = 5
UNREACHABLE_AFTER = 3
_IMG_SRC = re.compile(r"(?P<pre><img\b[^>]*?\bsrc=[\"'])(?P<url>[^\"']+)", re.I)
# Query keys that only ask Hashnode's CDN for a re-encoded or resized copy; the original is wanted.
_CDN_HOSTS = {"cdn.hashnode.com"}
_SIGNATURES: tuple[tuple[bytes, int, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "png", "image/png"),
    (b"\xff\xd8\xff", 0, "jpg", "image/jpeg"),
    (b"GIF87a", 0, "gif", "image/gif"),
    (b"GIF89a", 0, "gif", "image/gif"),
    (b"WEBP", 8, "webp", "image/webp"),
    (b"ftypavif", 4, "avif", "image/avif"),
    (b"ftypheic", 4, "heic", "image/heic"),
    (b"BM", 0, "bmp", "image/bmp"),
    (b"\x00\x00\x01\x00", 0, "ico", "image/x-icon"),
)


def sniff(data: bytes) -> tuple[str, str] | None:
    """(extension, MIME type) from the bytes themselves, or None when they are not an image."""
    for magic, offset, ext, mime in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic and (ext != "webp" or data[:4] == b"RIFF"):
            return ext, mime
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower():
        return "svg", "image/svg+xml"
    return None


def normalise(url: str) -> str:
    """The URL to fetch: entities decoded; on Hashnode's CDN the transform query is dropped, so
    ``x.png`` and ``x.png?auto=compress,format&format=webp`` are one image (the original)."""
    url = html.unescape(url.strip())
    parts = urlsplit(url)
    if (parts.hostname or "").lower() in _CDN_HOSTS:
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def fetchable(url: str) -> bool:
    try:
        parts = urlsplit(html.unescape(url.strip()))
        return parts.scheme in {"http", "https"} and bool(parts.hostname) and parts.port != 0
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Asset:
    digest: str
    ext: str
    mime: str
    path: Path  # the object in the cache
    source: str  # the normalised URL

    @property
    def stem(self) -> str:
        """A readable, stable file name stem: the URL's own file name and a short digest."""
        name = Path(urlsplit(self.source).path).stem
        clean = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:60]
        return f"{clean}-{self.digest[:8]}" if clean else self.digest[:16]


class ImageCache:
    """Content-addressed image store with an index from normalised URL to object."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._index_path = root / "index.json"
        self._lock = threading.Lock()
        try:
            self._index: dict[str, list[str]] = json.loads(self._index_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self._index = {}
        self._dirty = False

    def get(self, url: str) -> Asset | None:
        entry = self._index.get(url)
        if not entry:
            return None
        digest, ext, mime = entry
        path = self._object(digest, ext)
        return Asset(digest, ext, mime, path, url) if path.is_file() else None

    def put(self, url: str, data: bytes, ext: str, mime: str) -> Asset:
        digest = hashlib.sha256(data).hexdigest()
        path = self._object(digest, ext)
        if not path.is_file():
            atomic_write(path, data)
        with self._lock:
            self._index[url] = [digest, ext, mime]
            self._dirty = True
        return Asset(digest, ext, mime, path, url)

    def _object(self, digest: str, ext: str) -> Path:
        return self.root / "objects" / digest[:2] / f"{digest}.{ext}"

    def save(self) -> None:
        with self._lock:
            if self._dirty:
                atomic_write(
                    self._index_path, json.dumps(self._index, indent=0, sort_keys=True).encode("utf-8")
                )
                self._dirty = False


@dataclass(slots=True)
class FetchReport:
    downloaded: int = 0
    cached: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # normalised URL -> why
    cache_error: str | None = None  # the cache's index could not be saved (the next run fetches again)


class ImageFetcher:
    """Fetches many images with bounded concurrency over one pooled session."""

    def __init__(
        self,
        cache: ImageCache,
        *,
        concurrency: int = 8,
        max_bytes: int = MAX_IMAGE_BYTES,
        timeout: http.Timeout = (10.0, 30.0),
        max_seconds: float = 300.0,
        policy: http.RetryPolicy | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.cache = cache
        # The read timeout bounds each read, not the download: a host sending a byte now and then
        # would hold a worker for ever without a limit on the whole (25 MB at 100 KB/s: 256 s).
        self.max_seconds = max_seconds
        self.concurrency = max(1, concurrency)
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.policy = policy or http.RetryPolicy(attempts=3, base=0.5, max_wait=5.0, max_retry_after=10.0)
        self.session = session or http.make_session(pool_size=self.concurrency)
        self.session.max_redirects = MAX_REDIRECTS
        # Hosts that never answered: after a few, the rest of their images fail at once instead of
        # each waiting out its own retries (an unreachable CDN must not cost minutes).
        self._unreachable: Counter[str] = Counter()
        self._reached: set[str] = set()
        self._hosts_lock = threading.Lock()

    def fetch_all(self, urls: Iterable[str]) -> tuple[dict[str, Asset], FetchReport]:
        """Normalised URL -> cached asset, for every URL that could be had."""
        report = FetchReport()
        wanted = sorted({normalise(u) for u in urls if fetchable(u)})
        assets: dict[str, Asset] = {}
        missing = []
        for url in wanted:
            cached = self.cache.get(url)
            if cached is not None:
                assets[url] = cached
                report.cached += 1
            else:
                missing.append(url)
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            for url, outcome in zip(missing, pool.map(self._fetch, missing), strict=True):
                if isinstance(outcome, Asset):
                    assets[url] = outcome
                    report.downloaded += 1
                else:
                    report.failed[url] = outcome
        try:
            self.cache.save()
        except OSError as exc:
            report.cache_error = f"cannot save the image cache index {self.cache.root}: {exc.strerror or exc}"
        return assets, report

    def _fetch(self, url: str) -> Asset | str:
        try:
            response = http.request(
                self.session, "GET", url, timeout=self.timeout, policy=self.policy, stream=True
            )
        except http.HttpError as exc:
            return str(exc)
        with response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > self.max_bytes:
                return f"{int(declared) // 1048576} MB is over the {self.max_bytes // 1048576} MB limit"
            chunks = []
            size = 0
            deadline = time.monotonic() + self.max_seconds
            try:
                for chunk in http.body_chunks(response, deadline, self.timeout[1]):
                    size += len(chunk)
                    if size > self.max_bytes:
                        return f"over the {self.max_bytes // 1048576} MB limit"
                    chunks.append(chunk)
            except TimeoutError:
                return f"the download took over {self.max_seconds:g} s"
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                return f"the download broke off: {type(exc).__name__}"
        data = b"".join(chunks)
        kind = sniff(data)
        if kind is None:
            declared_type = response.headers.get("Content-Type", "?").split(";")[0]
            return f"not an image (served as {declared_type}, the bytes are not any image format)"
        try:
            return self.cache.put(url, data, *kind)
        except OSError as exc:
            return f"cannot keep it in the image cache {self.cache.root}: {exc.strerror or exc}"


def image_urls(post: Post) -> list[str]:
    """Every image a post shows: body images (linked ones too), raw HTML ``<img>`` (callouts' too),
    cover, OG image; found by a walk over the post's tree (never in code)."""
    urls = [u for u in (post.cover, post.og_image) if u]
    document = post.tree
    for node in document.walk():
        if isinstance(node, Construct):
            if isinstance(node.node, Image):
                urls.append(node.node.src)
            elif isinstance(node.node, Callout):
                urls.extend(m.group("url") for m in _IMG_SRC.finditer(node.node.html))
        elif isinstance(node, Picture):
            urls.append(node.dest)
        elif isinstance(node, (HtmlBlock, HtmlInline)):
            text = _html_of(document, node)
            if "<img" in text.lower():
                urls.extend(m.group("url") for m in _IMG_SRC.finditer(text))
    return [u for u in urls if fetchable(u)]


def _html_of(document: Document, node: Element) -> str:
    """A raw HTML node's text as it will be written: a pass's rewrite, or its source."""
    return document.text_of(node) if node.written is None else node.written


def relocate(post: Post, new: dict[str, str]) -> Post:
    """The post with every image URL in ``new`` (keyed by normalised URL) replaced: a pass over the
    tree (image constructs, CommonMark images, ``<img src>`` in raw HTML and callouts), and the cover
    and OG image."""

    def swap(url: str) -> str:
        return new.get(normalise(url), url) if fetchable(url) else url

    def in_html(text: str) -> str:
        if "<img" not in text.lower():
            return text
        return _IMG_SRC.sub(lambda m: m.group("pre") + html.escape(swap(html.unescape(m.group("url")))), text)

    def changed(node: Element) -> Element | None:
        if isinstance(node, Construct):
            inner = node.node
            if isinstance(inner, Image):
                src = swap(inner.src)
                return None if src == inner.src else replace(node, node=replace(inner, src=src))
            if isinstance(inner, Callout):
                text = in_html(inner.html)
                return None if text == inner.html else replace(node, node=replace(inner, html=text))
            return None
        if isinstance(node, Picture):
            dest = swap(node.dest)
            return None if dest == node.dest else replace(node, dest=dest, moved=True)
        if isinstance(node, (HtmlBlock, HtmlInline)):
            text = _html_of(document, node)
            written = in_html(text)
            return None if written == text else replace(node, written=written)
        return None

    document = post.tree
    changes: dict[int, Element] = {}
    if new:
        for node in document.walk():
            found = changed(node)
            if found is not None:
                changes[id(node)] = found
    if not changes:
        return replace(
            post,
            cover=swap(post.cover) if post.cover else None,
            og_image=swap(post.og_image) if post.og_image else None,
        )
    document = document.replaced(changes)
    return replace(
        post,
        document=document,
        body=flat_view(document),
        cover=swap(post.cover) if post.cover else None,
        og_image=swap(post.og_image) if post.og_image else None,
    )
