"""A local image host for tests: real HTTP on 127.0.0.1 with the faults a CDN can have.

Paths (any name after them):
    /img/<name>.<ext>     a real image of that type, the same bytes for the same name
    /slow/<name>.png      the same, after ``latency`` seconds
    /404/..., /500/...    that status
    /reset/...            the connection closed without an answer
    /lie/<name>.png       an HTML page served as ``image/png``
    /loop/...             a redirect to itself, forever
    /redirect/<name>.png  one redirect to /img/<name>.png
    /huge/<name>.png      a Content-Length of 1 GB
    /trickle/<name>.png   a real image, one byte every 0.5 s (each read in time, the whole slowly)
"""

from __future__ import annotations

import hashlib
import socket
import struct
import threading
import time
import zlib
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


def png(seed: str) -> bytes:
    """A valid 2x2 PNG whose pixels depend on ``seed`` (so different names are different files)."""
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


def image_bytes(name: str) -> tuple[bytes, str]:
    if name.endswith(".gif"):
        return b"GIF89a\x01\x00\x01\x00\x00\x00\x00;" + name.encode(), "image/gif"
    if name.endswith((".jpg", ".jpeg")):
        return b"\xff\xd8\xff\xe0" + hashlib.sha256(name.encode()).digest() + b"\xff\xd9", "image/jpeg"
    return png(name), "image/png"


class ImageServer:
    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle on, keep-alive answers wait for a
            # delayed ACK (about 40 ms), which a real CDN never adds.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                with server._lock:
                    server.hits[path] += 1
                kind = path.split("/")[1] if path.count("/") >= 2 else ""
                name = path.rsplit("/", 1)[-1]
                if kind == "slow":
                    time.sleep(server.latency)
                if kind in {"img", "slow"}:
                    body, mime = image_bytes(name)
                    self._answer(200, body, mime)
                elif kind in {"404", "500"}:
                    self._answer(int(kind), b"no", "text/plain")
                elif kind == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                elif kind == "lie":
                    self._answer(200, b"<!doctype html><title>Not found</title>", "image/png")
                elif kind == "loop":
                    self._redirect(path)
                elif kind == "redirect":
                    self._redirect(f"/img/{name}")
                elif kind == "trickle":
                    body, mime = image_bytes(name)
                    self.send_response(200)
                    self.send_header("Content-Type", mime)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    try:
                        for byte in body:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(0.5)
                    except OSError:
                        pass  # the client gave up, as it should
                    self.close_connection = True
                elif kind == "huge":
                    self.send_response(200)
                    self.send_header("Content-Type", "image/png")
                    self.send_header("Content-Length", str(1 << 30))
                    self.end_headers()
                    self.close_connection = True
                else:
                    self._answer(404, b"unknown", "text/plain")

            def _answer(self, status: int, body: bytes, mime: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", mime)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _redirect(self, where: str) -> None:
                self.send_response(302)
                self.send_header("Location", where)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> ImageServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
