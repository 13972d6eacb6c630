"""What a reader sees on a rendered page, as data that two renderings can be compared on.

Text (whitespace and typography normalised), headings in order, images (src, alt, alignment), links,
the ids a ``#fragment`` can land on, code blocks (their text exactly), tables (rows x cells), embeds
(provider and id) and callouts. Read with the standard library's HTML parser: a page is whatever a
generator or Hashnode made, so nothing here may fail on odd markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

# Typography a generator may change on its own (smart quotes, dashes, ellipses): compared as plain.
_TYPOGRAPHY = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u00a0": " "}
)
_SPACE = re.compile(r"\s+")
_BLOCKS = frozenset(
    {"p", "div", "li", "ul", "ol", "blockquote", "pre", "table", "tr", "td", "th", "h1", "h2", "h3", "h4",
     "h5", "h6", "figure", "figcaption", "br", "hr", "section", "article", "aside", "details", "summary"}
)  # fmt: skip
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_ALIGN = re.compile(r"\balign-(left|center|right)\b")


def normal_text(text: str) -> str:
    """Text as compared: typography made plain, ``...`` for an ellipsis, whitespace runs one space."""
    return _SPACE.sub(" ", text.translate(_TYPOGRAPHY).replace("\u2026", "...")).strip()


@dataclass(frozen=True, slots=True)
class Picture:
    src: str
    alt: str
    align: str = ""


@dataclass(frozen=True, slots=True)
class Embedded:
    provider: str
    id: str


@dataclass(slots=True)
class Features:
    text: str = ""
    headings: list[tuple[int, str]] = field(default_factory=list)
    images: list[Picture] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    code: list[str] = field(default_factory=list)
    tables: list[tuple[int, ...]] = field(default_factory=list)  # cells per row, per table
    embeds: list[Embedded] = field(default_factory=list)
    callouts: int = 0


def embedded(url: str) -> Embedded | None:
    """The provider and id an embed's address names (an iframe's src, a tweet's link, a gist's script)."""
    parts = urlsplit(url if "//" in url else "https://" + url)
    host = (parts.hostname or "").removeprefix("www.").removeprefix("m.")
    path = [p for p in parts.path.split("/") if p]
    if host in ("youtube.com", "youtube-nocookie.com"):
        video = parse_qs(parts.query).get("v", [""])[0] or (path[1] if len(path) > 1 else "")
        return Embedded("youtube", video) if video else None
    if host == "youtu.be" and path:
        return Embedded("youtube", path[0])
    if host in ("vimeo.com", "player.vimeo.com") and path:
        return Embedded("vimeo", path[-1])
    if host in ("twitter.com", "x.com") and "status" in path:
        return Embedded(
            "twitter", path[path.index("status") + 1] if path.index("status") + 1 < len(path) else ""
        )
    if host == "gist.github.com" and path:
        return Embedded("gist", path[-1].removesuffix(".js"))
    if host == "codepen.io" and len(path) >= 3:
        return Embedded("codepen", path[-1])
    if host == "codesandbox.io" and path:
        return Embedded("codesandbox", path[-1])
    return None


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.features = Features()
        self._text: list[str] = []
        self._stack: list[str] = []
        self._heading: tuple[int, list[str]] | None = None
        self._pre = 0
        self._code: list[str] | None = None
        self._rows: list[int] | None = None
        self._skip = 0  # inside <script>, <style>, <template>
        self._classes: list[str] = []  # the class attribute of each open element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if a.get("id"):
            self.features.ids.add(a["id"])
        if "name" in a and tag == "a" and a["name"]:
            self.features.ids.add(a["name"])
        if tag in ("script", "style", "template"):
            src = a.get("src", "")
            if tag == "script" and src and (found := embedded(src)):
                self.features.embeds.append(found)
            self._skip += 1
        if tag not in _VOID:
            self._stack.append(tag)
            self._classes.append(a.get("class", ""))
        if tag in _BLOCKS:
            self._text.append("\n")
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = (int(tag[1]), [])
        elif tag == "pre":
            self._pre += 1
            self._code = []
        elif tag == "img":
            align = a.get("align", "")
            # Alignment is on the image or on what holds it (a figure, a link in a figure).
            classes = a.get("class", "") + " " + " ".join(self._classes[-3:])
            if not align and (match := _ALIGN.search(classes)):
                align = match.group(1)
            self.features.images.append(
                Picture(a.get("src", ""), normal_text(a.get("alt", "")), align.lower())
            )
        elif tag == "a" and "href" in a:
            self.features.links.append(a["href"])
        elif tag == "iframe" and (found := embedded(a.get("src", ""))):
            self.features.embeds.append(found)
        elif tag == "table":
            self._rows = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append(0)
        elif tag in ("td", "th") and self._rows:
            self._rows[-1] += 1
        if ("data-node-type" in a and a["data-node-type"] == "callout") or (
            tag == "aside" and "callout" in a.get("class", "")
        ):
            self.features.callouts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1
        if tag in _BLOCKS:
            self._text.append("\n")
        if self._heading is not None and re.fullmatch(r"h[1-6]", tag):
            level, parts = self._heading
            self.features.headings.append((level, normal_text("".join(parts))))
            self._heading = None
        elif tag == "pre" and self._pre:
            self._pre -= 1
            if self._code is not None:
                self.features.code.append("".join(self._code))
            self._code = None
        elif tag == "table" and self._rows is not None:
            self.features.tables.append(tuple(self._rows))
            self._rows = None
        if tag in self._stack:
            while self._stack:
                top = self._stack.pop()
                if self._classes:
                    self._classes.pop()
                if top == tag:
                    break

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._code is not None:
            self._code.append(data)
        if self._heading is not None:
            self._heading[1].append(data)
        self._text.append(data)

    def close(self) -> None:
        super().close()
        self.features.text = normal_text("".join(self._text))


def features(html: str) -> Features:
    """The features of an HTML fragment or page."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.features
