"""A post's body in a built page: the inner HTML of its ``post-content`` element (the ``--site`` layouts
and Jekyll's minima both have one)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


class _Content(HTMLParser):
    """The inner HTML of the first element whose class has ``post-content``, as written."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.depth = 0
        self.parts: list[str] = []
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if self.depth:
            self.parts.append(self.get_starttag_text() or "")
            if tag not in _VOID:
                self.depth += 1
        elif "post-content" in (dict(attrs).get("class") or "").split():
            self.depth = 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth and not self.done:
            self.parts.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if not self.depth or self.done or tag in _VOID:
            return
        self.depth -= 1
        if self.depth == 0:
            self.done = True
            return
        self.parts.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.depth and not self.done:
            self.parts.append(data)

    def handle_comment(self, data: str) -> None:
        if self.depth and not self.done:
            self.parts.append(f"<!--{data}-->")

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")


def page_content(page: str) -> str | None:
    """The post body of a built page, or None when the page has no ``post-content`` element."""
    reader = _Content()
    reader.feed(page)
    reader.close()
    return "".join(reader.parts) if reader.done or reader.parts else None


def page_file(built: Path, url: str) -> Path:
    """The file a built site serves at ``url``."""
    path = unquote(urlsplit(url).path).lstrip("/")
    if not path or path.endswith("/"):
        return built / path / "index.html"
    candidate = built / path
    return candidate if candidate.suffix else built / path / "index.html"
