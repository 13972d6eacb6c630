"""Helpers for hashmigrate-astro's tests: the example blog, a local image host, the installed Astro."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import threading
import zlib
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

import yaml

PACKAGE = Path(__file__).resolve().parent.parent
REPO = PACKAGE.parent.parent
EXAMPLE_BLOG = REPO / "examples" / "blog"
BLOG_URL = "https://blog.example.dev"
# After the duplicate slug is dropped and the draft skipped (see examples/README.md).
EXAMPLE_SLUGS = {
    "five-shell-aliases-i-use-every-day",
    "git-worktrees-saved-my-afternoon",
    "github-actions-secrets-without-tears",
    "hashnode-markdown-cheat-sheet",
    "moving-my-blog-from-ghost-to-hashnode",
    "picking-a-frontend-playground",
    "postgres-indexes-explained",
    "shipping-a-side-project-in-a-weekend",
    "what-i-learned-letting-an-ai-review-my-pull-requests",
    "why-it-works-on-my-machine-is-a-bug-report",
}
ASTRO_MAJOR = 5


def front_matter(path: Path) -> tuple[dict[str, object], str]:
    """A written post's front matter (parsed) and body."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), path
    head, _, body = text[4:].partition("\n---\n")
    data = yaml.safe_load(head)
    assert isinstance(data, dict)
    return data, body


def blog_on(server_url: str, tmp: Path) -> Path:
    """The example blog with its CDN images moved to the local image host."""
    blog = tmp / "blog"
    shutil.copytree(EXAMPLE_BLOG, blog)
    for post in blog.glob("*.md"):
        text = post.read_bytes()
        post.write_bytes(text.replace(b"https://cdn.hashnode.com/", f"{server_url}/img/".encode()))
    return blog


def png(seed: str) -> bytes:
    """A valid 2x2 PNG whose colour depends on ``seed``."""
    colour = hashlib.sha256(seed.encode()).digest()[:3]
    raw = b"".join(b"\x00" + colour * 2 for _ in range(2))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class ImageHost:
    """Real HTTP on 127.0.0.1: ``/img/<anything>`` is a PNG (the same bytes for the same path), any
    other path a 404. Counts requests by path, so a test can see that a re-run fetched nothing."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        host = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                host.hits[path] += 1
                if path.startswith("/img/"):
                    body, status, kind = png(path), 200, "image/png"
                else:
                    body, status, kind = b"not here", 404, "text/plain"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ImageHost:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def astro_dir() -> Path:
    """Where .ci/install-astro.sh puts Astro: ``$HASHMIGRATE_ASTRO_DIR`` or ``~/.cache/hashmigrate-astro``."""
    configured = os.environ.get("HASHMIGRATE_ASTRO_DIR")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "hashmigrate-astro"


def find_astro() -> tuple[Path | None, str]:
    """The installed Astro 5's node_modules folder, or None and why not."""
    if shutil.which("node") is None:
        return None, "Node.js is not installed (node is not on PATH)"
    modules = astro_dir() / "node_modules"
    manifest = modules / "astro" / "package.json"
    if not (modules / ".bin" / "astro").exists() or not manifest.is_file():
        return None, f"Astro is not installed in {modules} (run: bash .ci/install-astro.sh)"
    version = str(json.loads(manifest.read_text(encoding="utf-8")).get("version", "?"))
    if version.split(".")[0] != str(ASTRO_MAJOR):
        return None, f"Astro {version} in {modules}, not Astro {ASTRO_MAJOR} (run: bash .ci/install-astro.sh)"
    return modules, version
