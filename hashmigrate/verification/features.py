"""What a reader sees on a rendered page, as data that two renderings can be compared on.

Text (whitespace and typography normalised), headings in order, images (src, alt, alignment), links,
the ids a ``#fragment`` can land on, code blocks (their text exactly), tables (rows x cells), embeds
(provider and id), callouts, and the number each ordered list starts at. Read with the standard library's HTML parser: a page is whatever a
generator or Hashnode made, so nothing here may fail on odd markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from hashmigrate.embeds import classify

# Typography a generator makes on its own (goldmark's typographer in Hugo, kramdown's in Jekyll: smart
# quotes, ``--`` and ``---`` as dashes, ``...`` as an ellipsis, ``<<`` as a guillemet): every such
# character is compared as the ASCII it is made from, on both sides, so ``--`` and an en dash are equal
# but ``-`` and an en dash are not.
_TYPOGRAPHY = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "--", "\u2014": "---",
     "\u2026": "...", "\u00ab": "<<", "\u00bb": ">>", "\u00a0": " "}
)  # fmt: skip
_SPACE = re.compile(r"\s+")
_BLOCKS = frozenset(
    {"p", "div", "li", "ul", "ol", "blockquote", "pre", "table", "tr", "td", "th", "h1", "h2", "h3", "h4",
     "h5", "h6", "figure", "figcaption", "br", "hr", "section", "article", "aside", "details", "summary"}
)  # fmt: skip
VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
# An image's alignment class: ``align-left`` (Hugo's and Jekyll's), ``alignleft`` (WordPress's); not
# ``has-text-align-center``, a table cell's or paragraph's text alignment.
_ALIGN = re.compile(r"(?<![\w-])align-?(left|center|right)(?![\w-])")
# The class of the group the WordPress exporter writes a callout as (exporters/wordpress_blocks.py's
# CALLOUT_CLASS; named here, as the core imports no exporter: a test holds the two the same).
CALLOUT_GROUP = "hashnode-callout"


def normal_text(text: str) -> str:
    """Text as compared: typography made plain, ``...`` for an ellipsis, whitespace runs one space."""
    return _SPACE.sub(" ", text.translate(_TYPOGRAPHY)).strip()


@dataclass(frozen=True, slots=True)
class Picture:
    src: str
    alt: str
    align: str = ""


@dataclass(frozen=True, slots=True)
class Embedded:
    """A player or card a page embeds, by what it shows: ``youtube`` ``a1B2c3D4e5F@42`` (start at 0:42)."""

    provider: str
    id: str
    url: str = field(default="", compare=False)  # the address it was found by

    def __str__(self) -> str:
        return f"{self.provider} {self.id}"


@dataclass(slots=True)
class Features:
    text: str = ""
    headings: list[tuple[int, str]] = field(default_factory=list)
    images: list[Picture] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    code: list[str] = field(default_factory=list)
    tables: list[tuple[int, ...]] = field(default_factory=list)  # cells per row, per table
    # The number each ordered list starts at (its ``start``, else 1), in document order: a generator
    # that drops ``start`` shows "3. foo" as "1. foo" with the same text.
    lists: list[int] = field(default_factory=list)
    embeds: list[Embedded] = field(default_factory=list)
    boxes: list[str] = field(default_factory=list)  # the text of each callout or quote, outermost ones
    # The link of each card (its text fetched by Hashnode), and how many links to it come before it.
    cards: list[tuple[str, int]] = field(default_factory=list)
    # The text as read, in pieces, and which pieces each link's text is: (href, first, end).
    pieces: list[str] = field(default_factory=list, repr=False)
    anchors: list[tuple[str, int, int]] = field(default_factory=list, repr=False)

    def link_texts(self, href: str) -> list[str]:
        """The text of each link to ``href``."""
        return [normal_text("".join(self.pieces[a:b])) for link, a, b in self.anchors if link == href]

    def drop_link_text(self, href: str, nth: int = 0) -> bool:
        """Take the text of the ``nth`` link to ``href`` (from 0) out of ``text`` (it stands for something
        whose text is compared otherwise, or not at all); False when there is no such link."""
        seen = 0
        for index, (link, first, end) in enumerate(self.anchors):
            if link == href and seen < nth:
                seen += 1
            elif link == href:
                self.pieces = self.pieces[:first] + [""] * (end - first) + self.pieces[end:]
                self.anchors = self.anchors[:index] + self.anchors[index + 1 :]
                self.text = normal_text("".join(self.pieces))
                return True
        return False


def embedded(url: str) -> Embedded | None:
    """What an embed's address shows (an iframe's src, a tweet's link, a gist's script), or None when
    it names no player (a page, a repository): the same classification the readers use."""
    url = url.strip()
    if url.startswith("//"):
        url = "https:" + url
    if "gist.github.com/" in url:
        url = url.split("?", 1)[0].removesuffix(".js")
    info = classify(url)
    ids = info.ids
    if info.provider in ("link", "github", "hashnode"):
        return None
    if info.provider == "youtube":
        key = ids.get("id") or "list=" + ids.get("playlist", "")
        return Embedded("youtube", key + (f"@{ids['start']}" if "start" in ids else ""), url)
    if info.provider == "glitch":
        return Embedded("glitch", ids.get("project", ""), url)
    if info.provider == "spotify":
        return Embedded("spotify", f"{ids.get('kind')}/{ids.get('id')}", url)
    return Embedded(info.provider, ids.get("id", ""), url)


# Elements whose content a reader does not see as text of the page: a frame shows another page (its
# content is the fallback of browsers without frames), a script runs, ``noscript`` shows only without
# scripts, a tweet's or an Instagram post's blockquote is replaced by its player.
_HIDDEN = frozenset({"script", "style", "template", "iframe", "noscript"})
_PLAYER_QUOTES = ("twitter-tweet", "instagram-media")


def _start(value: str) -> int:
    """An ``<ol>``'s first number as a browser reads its ``start``: a valid integer, else 1."""
    match = re.match(r"\s*([+-]?\d+)", value)
    return int(match.group(1)) if match else 1


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.features = Features()
        self._text: list[str] = []
        self._stack: list[str] = []
        self._heading: tuple[int, list[str]] | None = None
        self._code: list[str] | None = None
        self._rows: list[int] | None = None
        self._hidden = 0  # open elements whose content is not shown (see _HIDDEN)
        self._player: str | None = None  # inside a tweet's or an Instagram post's blockquote: its class
        self._box: tuple[int, int] | None = (
            None  # (depth of the outermost callout/quote, where its text starts)
        )
        self._classes: list[str] = []  # the class attribute of each open element
        self._open_links: list[tuple[int, str, int]] = []  # (depth, href, first piece) of each open <a>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if a.get("id"):
            self.features.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.features.ids.add(a["name"])
        if a.get("data-hashnode-widget"):  # the reference's mark for a widget only Hashnode runs
            self.features.embeds.append(Embedded("widget", a["data-hashnode-widget"]))
        if tag in ("script", "iframe") and (found := embedded(a.get("src", ""))):
            self.features.embeds.append(found)
        if tag == "blockquote" and any(c in classes for c in _PLAYER_QUOTES):
            self._player = next(c for c in classes if c in _PLAYER_QUOTES)
            permalink = a.get("data-instgrm-permalink", "")
            if permalink and (found := embedded(permalink)):
                self.features.embeds.append(found)
                self._player = "found"
        if tag not in VOID_ELEMENTS:
            self._stack.append(tag)
            self._classes.append(a.get("class", ""))
        if tag == "a" and self._muted():
            href = a.get("href", "")
            self.features.cards.append((href, self.features.links.count(href)))
        if tag in _HIDDEN and tag not in VOID_ELEMENTS:
            self._hidden += 1
        if self._hidden or self._player:
            if tag == "a" and self._player == "twitter-tweet" and (found := embedded(a.get("href", ""))):
                self.features.embeds.append(found)
                self._player = "found"
            return
        if tag in _BLOCKS:
            self._text.append("\n")
        is_box = (
            tag == "blockquote"
            or a.get("data-node-type") == "callout"
            or (tag == "aside" and "callout" in classes)
            or (tag == "div" and CALLOUT_GROUP in classes)
        )
        if is_box and self._box is None:
            self._box = (len(self._stack), len(self._text))
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = (int(tag[1]), [])
        elif tag == "pre":
            self._code = []
        elif tag == "img":
            align = a.get("align", "")
            # Alignment is on the image or on what holds it (a figure, a link in a figure).
            around = a.get("class", "") + " " + " ".join(self._classes[-3:])
            if not align and (match := _ALIGN.search(around)):
                align = match.group(1)
            if not align and "center" in self._stack:  # <center>, which authors still write
                align = "center"
            self.features.images.append(
                Picture(a.get("src", ""), normal_text(a.get("alt", "")), align.lower())
            )
        elif tag == "a" and "href" in a:
            self.features.links.append(a["href"])
            self._open_links.append((len(self._stack), a["href"], len(self._text)))
        elif tag == "ol":
            self.features.lists.append(_start(a.get("start", "")))
        elif tag == "table":
            self._rows = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append(0)
        elif tag in ("td", "th") and self._rows:
            self._rows[-1] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag not in self._stack:
            return  # a stray end tag closes nothing
        if self._hidden or self._player:
            self._pop(tag)
            return
        if tag in _BLOCKS:
            self._text.append("\n")
        if self._heading is not None and re.fullmatch(r"h[1-6]", tag):
            level, parts = self._heading
            self.features.headings.append((level, normal_text("".join(parts))))
            self._heading = None
        elif tag == "pre" and self._code is not None:
            # A browser shows no line for the line break that ends a <pre>: code ending in one
            # (CommonMark's) and code without (WordPress's code block) look the same.
            self.features.code.append("".join(self._code).removesuffix("\n"))
            self._code = None
        elif tag == "table" and self._rows is not None:
            self.features.tables.append(tuple(self._rows))
            self._rows = None
        self._pop(tag)

    def _pop(self, tag: str) -> None:
        while self._stack:
            top = self._stack.pop()
            self._classes.pop()
            if self._open_links and self._open_links[-1][0] > len(self._stack):
                _, href, first = self._open_links.pop()
                self.features.anchors.append((href, first, len(self._text)))
            if top in _HIDDEN and self._hidden:
                self._hidden -= 1
            if (
                top == "blockquote"
                and self._player
                and not any(c in _PLAYER_QUOTES for s in self._classes for c in s.split())
            ):
                self._player = None
            if self._box is not None and len(self._stack) < self._box[0]:
                self.features.boxes.append(normal_text("".join(self._text[self._box[1] :])))
                self._box = None
            if top == tag:
                break

    def _muted(self) -> bool:
        """Inside a card of a linked page: its text is what Hashnode fetched from the page, not known here."""
        return any("embed-card" in c.split() for c in self._classes)

    def handle_data(self, data: str) -> None:
        if self._hidden or self._player or self._muted():
            return
        if self._code is not None:
            self._code.append(data)
        if self._heading is not None:
            self._heading[1].append(data)
        self._text.append(data)

    def close(self) -> None:
        super().close()
        self.features.pieces = self._text
        self.features.text = normal_text("".join(self._text))


def features(html: str) -> Features:
    """The features of an HTML fragment or page."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.features
