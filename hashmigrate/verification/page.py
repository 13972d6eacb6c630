"""A post's body in a built page: what stands between verify's own marks (the layout verify uses when the
site has none of its own for posts), else the inner HTML of the page's ``post-content`` element (the
``--site`` layouts and Jekyll's minima have one)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from hashmigrate.verification.features import VOID_ELEMENTS as _VOID

START, END = "<!--hashmigrate-verify-start-->", "<!--hashmigrate-verify-end-->"
# The layouts verify builds posts with when the site has none of its own: the marks bound the post's
# body exactly, even when its HTML leaves an element open (a browser would close it after the body).
# Go's templates drop a template's own comments, so Hugo's marks are printed as strings.
HUGO_SINGLE = f"""\
{{{{ define "main" }}}}
<article><h1>{{{{ .Title }}}}</h1>
<div class="post-content">{{{{ "{START}" | safeHTML }}}}{{{{ .Content }}}}{{{{ "{END}" | safeHTML }}}}</div>
</article>
{{{{ end }}}}
"""
JEKYLL_POST = f"""\
---
layout: default
---
<article><h1>{{{{ page.title }}}}</h1>
<div class="post-content">{START}{{{{ content }}}}{END}</div>
</article>
"""
LAYOUTS = {
    "hugo": ("layouts/_default/single.html", HUGO_SINGLE),
    "jekyll": ("_layouts/post.html", JEKYLL_POST),
}


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
    start, end = page.find(START), page.rfind(END)
    if 0 <= start < end:
        return page[start + len(START) : end]
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
