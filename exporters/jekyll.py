"""Jekyll: posts ``_posts/YYYY-MM-DD-<slug>.md`` that GitHub Pages (Jekyll 3.10) and Jekyll 4 build.

Embeds are plain HTML from :mod:`exporters.embed_html`, because a Liquid tag from a plugin the site lacks
fails the whole build and GitHub Pages allows only a short list of plugins; ``gist="jekyll-gist"``
writes ``{% gist %}`` tags instead (jekyll-gist is on that list). Old Hashnode addresses (``/<slug>``)
keep working through jekyll-redirect-from's ``redirect_from`` or a per-post ``permalink``.

Liquid runs on the whole post before Markdown, code blocks included, so every ``{{`` and ``{%`` the
author wrote is protected (see :func:`protect_liquid`); the only live Liquid in a post is what this
module writes on purpose (:class:`LiquidTag`).
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, ClassVar

from markdown_it import MarkdownIt

from exporters import embed_html, scaffold
from hashmigrate import yamlfm
from hashmigrate.canonical import CHECK, canonical_mode, checked_canonical
from hashmigrate.document import Document
from hashmigrate.exporter import BodyRenderer, OutputFile, Rendered, Site, plain_data
from hashmigrate.model import Embed, Image, Post

OLD_URL_MODES = ("redirect_from", "permalink", "none")
GIST_MODES = ("script", "jekyll-gist")
CONFIG_FILE = "_config.hashmigrate.yml"
# Jekyll needs a date in every post's file name; this one sorts a post of unknown date last and is
# plainly not a real date.
UNKNOWN_DATE = datetime(1970, 1, 1, tzinfo=UTC)

# ---- Liquid ---------------------------------------------------------------------------------------
# How Liquid 4 (Jekyll 3.10) and Liquid 5 (Jekyll 4) cut a template into tokens: a token runs from
# "{%" to the first "%}" or from "{{" to the first "}" (and one more "}"), or is a lone opener.
_OPENER = re.compile(r"\{[{%]")
_TOKEN = re.compile(r"\{%.*?%\}|\{\{.*?\}\}?|\{%|\{\{", re.S)
# The test raw applies to every token inside it (Raw::FullTokenPossiblyInvalid, widened with the "-"
# that Liquid 5.5+ accepts): the tag name is that of the *last* "{%" in the token, and what precedes
# that "{%" is the prefix. Ruby's \s and \w are ASCII.
_RAW_TOKEN = re.compile(
    r"(?P<prefix>.*)\{%-?[ \t\r\n\f\v]*(?P<name>[A-Za-z0-9_]+)[ \t\r\n\f\v]*(?:.*)?-?%\}", re.S
)
# Jekyll appends the link reference definitions of the rest of a post to its excerpt.
_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:.+$")
RAW_OPEN, RAW_CLOSE = "{% raw %}", "{% endraw %}"
PRINT_BRACE = '{{ "{" }}'
PRINT_VAR = '{{ "{{" }}'
PRINT_TAG = PRINT_BRACE + "%"


class LiquidTag(str):
    """Liquid this exporter writes on purpose (a jekyll-gist tag): kept live, never protected."""

    __slots__ = ()


def _protect_line(line: str, *, raw: bool, before_tag: bool) -> str:
    """One line protected, with raw or with string literals only; ``before_tag``: our own Liquid
    follows directly, so a trailing ``{`` must not stay bare (it would make our ``{%`` a ``{{%``)."""
    if "{" not in line:
        return line
    if not raw:
        out = _OPENER.sub(lambda m: PRINT_VAR if m[0] == "{{" else PRINT_TAG, line)
        return _bare_brace(out, before_tag)
    parts: list[str] = []
    start = pos = 0
    while match := _TOKEN.search(line, pos):
        inner = _RAW_TOKEN.fullmatch(match[0])
        if inner and (inner["prefix"] or inner["name"] == "endraw"):
            cut = match.start() + len(inner["prefix"])
            parts.append(_wrap_raw(line[start:cut], before_tag=True))
            parts.append(PRINT_TAG)
            start = pos = cut + 2
        else:
            pos = match.end()
    parts.append(_wrap_raw(line[start:], before_tag=before_tag))
    return "".join(parts)


def _wrap_raw(text: str, *, before_tag: bool) -> str:
    first = _OPENER.search(text)
    if first is None:
        return _bare_brace(text, before_tag)
    if before_tag:
        # What stands before our next tag must be inside raw: an unfinished "{{ a" there is closed by
        # our "{% endraw %}", which raw reads as its end with "{{ a" before it.
        end = len(text)
    else:
        last_open = max(text.rfind("{{"), text.rfind("{%"))
        close = text.rfind("}")
        end = close + 1 if close > last_open else len(text)
    return text[: first.start()] + RAW_OPEN + text[first.start() : end] + RAW_CLOSE + text[end:]


def _bare_brace(text: str, before_tag: bool) -> str:
    return text[:-1] + PRINT_BRACE if before_tag and text.endswith("{") else text


def protect_liquid(parts: list[tuple[str, bool]]) -> str:
    """A post's body from (text, is our own Liquid) parts, the author's text written so that Liquid 4
    (GitHub Pages' Jekyll 3.10) and Liquid 5 (Jekyll 4) print it exactly as it is.

    Liquid-looking text goes inside ``{% raw %}...{% endraw %}``, one line at a time: Jekyll copies
    single lines of a post (link reference definitions) into its excerpt, which must stay balanced.
    Two things would end or corrupt a raw block, and each gets its ``{%`` printed from a string
    literal outside raw instead: the author's own ``{% endraw %}``, and a ``{%`` inside a token that
    started earlier (``{{ a {% b %}``), which Liquid 4's raw copies twice.

    No raw at all in the first paragraph: Jekyll renders it again as the post's excerpt, and Jekyll
    3.9+ and 4 first scan it for block tags to close, even inside raw, so ``{% raw %}{% if x %}
    {% endraw %}`` there gets an ``{% endif %}`` appended and the build fails. There, and in lines
    that look like link reference definitions, every ``{{`` and ``{%`` is printed from a string
    literal, and the text holds no ``{%``.
    """
    text = "".join(t for t, _ in parts)
    head_end = text.find("\n\n")
    if head_end < 0:
        head_end = len(text)
    out: list[str] = []
    offset = 0
    for index, (part, live) in enumerate(parts):
        if live:
            out.append(part)
            offset += len(part)
            continue
        before_tag = index + 1 < len(parts) and parts[index + 1][1]
        lines = part.split("\n")
        for number, line in enumerate(lines):
            raw = offset >= head_end and not _LINK_DEFINITION.match(line)
            last = number == len(lines) - 1
            lines[number] = _protect_line(line, raw=raw, before_tag=before_tag and last)
            offset += len(line) + (0 if last else 1)
        out.append("\n".join(lines))
    return "".join(out)


# ---- kramdown ------------------------------------------------------------------------------------
# kramdown reads "{:" at the start of a line as an attribute list ("{: .class}", "{:name: ...}") or
# an extension ("{::comment}") and drops the text; "\{" is its escape for a literal brace.
_KRAMDOWN_BRACE = re.compile(r"^(?P<lead>(?:[ \t]*>)*[ \t]*(?:(?:[*+-]|\d{1,9}[.)])[ \t]+)?)\{:")
_MATH = re.compile(r"\$\$(?=\S).*?\$\$")
_CODE_SPAN = re.compile(r"(`+).*?\1")
# An HTML block that opens one of these and leaves it open: CommonMark reads what follows its blank
# line as Markdown, up to the closing tag; kramdown copies the whole element as raw HTML unless the
# opening tag says markdown="1" (which kramdown removes from its output).
_OPEN_CONTAINER = re.compile(
    r"(?P<tag><(?P<name>details|div|center|section|article|aside|figure|header|footer|main|nav)\b[^>]*?)>",
    re.I,
)
_LIST_MARKER = re.compile(r"(?P<lead> *)(?P<marker>[*+-]|\d{1,9}[.)])(?P<gap> *)(?P<rest>.?)")


@lru_cache(maxsize=1)
def _block_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable("table")
    md.disable(["inline", "text_join"], ignoreInvalid=True)
    return md


def _item_column(line: str) -> int | None:
    """The column where a list item's content starts (CommonMark's rule), or None if unsure."""
    match = _LIST_MARKER.match(line)
    if match is None:
        return None
    width = len(match["lead"]) + len(match["marker"])
    gap = len(match["gap"])
    # An empty first line, or five spaces or more after the marker, means content one column later.
    return width + (1 if not match["rest"] or gap > 4 else gap)


def _fence_edits(lines: list[str], start: int, end: int, column: int, markup: str) -> dict[int, str]:
    """The lines of one fence (``lines[start:end]``, in a container whose content starts at
    ``column``) rewritten where kramdown would read them otherwise than CommonMark.

    * CommonMark takes a fence's own indentation (up to three spaces) off every line of its content;
      kramdown keeps it, so a fence written deeper than its list item's content would gain those
      spaces in every line. The fence is moved to the container's column; whitespace-only lines,
      which kramdown keeps whole, get exactly what CommonMark would have left of them.
    * kramdown takes a top-level fence right after a list item or paragraph line as part of it;
      a blank line before the fence changes nothing for CommonMark.
    * CommonMark ends a fence that is never closed with its container; kramdown reads it as text,
      so the closing fence is written.
    """
    edits: dict[int, str] = {}
    opening = lines[start]
    lead = len(opening) - len(opening.lstrip(" "))
    extra = lead - column
    # More than three would not be a fence: the container's column was misjudged, so leave it.
    if 0 < extra <= 3 and "\t" not in opening[: lead + 1]:
        edits[start] = opening[extra:]
        for number in range(start + 1, end):
            line = lines[number]
            if not line.strip():
                edits[number] = line[column + extra :]
            elif not line[:column].strip() and len(line) > column:
                rest = line[column:]
                strip = min(extra, len(rest) - len(rest.lstrip(" ")))
                edits[number] = line[:column] + rest[strip:]
    if column == 0 and start > 0 and lines[start - 1].strip():
        edits[start] = "\n" + edits.get(start, opening)
    closing = re.compile(" {0,3}" + re.escape(markup[0]) + "{" + str(len(markup)) + ",}[ \t]*")
    if end - 1 == start or not closing.fullmatch(lines[end - 1][column:]):
        edits[end - 1] = edits.get(end - 1, lines[end - 1]) + "\n" + " " * column + markup
    return edits


def _html_edits(lines: list[str], start: int, end: int) -> dict[int, str]:
    """``markdown="1"`` on a container element that a top-level HTML block opens and leaves open."""
    opening = _OPEN_CONTAINER.match(lines[start])
    if opening is None or "markdown=" in opening["tag"] or opening["tag"].endswith("/"):
        return {}
    block = "\n".join(lines[start:end])
    # kramdown would read a line indented by four spaces inside the element as code.
    if re.search(rf"</{opening['name']}\s*>", block, re.I) or any(
        line.startswith("    ") for line in lines[start + 1 : end]
    ):
        return {}
    return {start: opening["tag"] + ' markdown="1">' + lines[start][opening.end() :]}


def _utc(value: datetime) -> datetime:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def _day(post: Post) -> datetime:
    """The date a post is filed under: published, else last updated, else the fallback."""
    return post.published or post.updated or UNKNOWN_DATE


def _date(value: datetime | None) -> str | None:
    """Jekyll's own date form, ``YYYY-MM-DD HH:MM:SS +0000``, in UTC."""
    # isoformat pads years before 1000 to four digits, which strftime("%Y") does not.
    return _utc(value).replace(microsecond=0, tzinfo=None).isoformat(sep=" ") + " +0000" if value else None


class JekyllBody(BodyRenderer):
    target = "Jekyll"

    def __init__(self, post: Post, gist: str = "script") -> None:
        super().__init__(post)
        self.gist = gist

    def render(self, document: Document) -> str:
        # Our own Liquid (LiquidTag) is kept apart from every other text; that text is fixed for
        # kramdown and protected from Liquid once the whole body is known (a list, or the excerpt,
        # spans nodes).
        parts: list[tuple[str, bool]] = []
        for text, _ in self.parts(document):
            live = isinstance(text, LiquidTag)
            if parts and not live and not parts[-1][1]:
                parts[-1] = (parts[-1][0] + text, False)
            else:
                parts.append((text, live))
        parts = _strip_blank_lines(parts)
        return protect_liquid(self._for_kramdown(parts))

    def _for_kramdown(self, parts: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
        """Parts with the author's lines rewritten so that kramdown reads them as CommonMark does."""
        text = "".join(t for t, _ in parts)
        edits = self._kramdown_edits(text)
        if not edits:
            return parts
        fixed: list[tuple[str, bool]] = []
        offset = 0
        for part, live in parts:
            end = offset + len(part)
            if not live:
                first = text.count("\n", 0, offset)
                lines = part.split("\n")
                for k in range(len(lines)):
                    # Only a line wholly inside this part: one of our Liquid tags stays as written.
                    whole = (k > 0 or offset == 0 or text[offset - 1] == "\n") and (
                        k < len(lines) - 1 or end == len(text) or text[end] == "\n"
                    )
                    if whole and first + k in edits:
                        lines[k] = edits[first + k]
                part = "\n".join(lines)
            fixed.append((part, live))
            offset = end
        return fixed

    def _kramdown_edits(self, text: str) -> dict[int, str]:
        """Line number -> the line as kramdown must see it; notes what cannot be made the same."""
        if not any(mark in text for mark in ("```", "~~~", "{:", "$$", "<")):
            return {}
        lines = text.split("\n")
        edits: dict[int, str] = {}
        code: set[int] = set()
        # Content column of each open container; None inside a blockquote, whose lines are not
        # rewritten.
        containers: list[int | None] = []
        for token in _block_parser().parse(text):
            if token.type == "list_item_open" and token.map:
                outer = containers[-1] if containers else 0
                column = _item_column(lines[token.map[0]]) if outer is not None else None
                containers.append(column)
            elif token.type == "blockquote_open":
                containers.append(None)
            elif token.type in ("list_item_close", "blockquote_close") and containers:
                containers.pop()
            elif token.type in ("fence", "code_block", "html_block") and token.map:
                start, end = token.map
                code.update(range(start, end))
                column = containers[-1] if containers else 0
                if token.type == "fence" and column is not None:
                    edits.update(_fence_edits(lines, start, end, column, token.markup))
                elif token.type == "html_block" and column == 0:
                    edits.update(_html_edits(lines, start, end))
        math = False
        for number, line in enumerate(lines):
            if number in code:
                continue
            if "{:" in line:
                edits[number] = _KRAMDOWN_BRACE.sub(r"\g<lead>\\{:", line)
            math = math or ("$$" in line and bool(_MATH.search(_CODE_SPAN.sub("", line))))
        if math:
            self.note(
                "math",
                "$$...$$ will show as math",
                "kramdown reads $$ as math delimiters",
                "add MathJax to your layout, or escape the dollars",
            )
        return edits

    def image(self, node: Image) -> str:
        align = re.sub(r"[^a-z0-9-]", "", (node.align or "").lower())
        if not align:
            return super().image(node)
        # kramdown's attribute list right after the image puts the class on the <img> itself.
        image = super().image(replace(node, link=None)) + "{: .align-" + align + "}"
        return f"[{image}]({node.link})" if node.link else image

    def embed(self, node: Embed) -> str:
        if node.provider == "gist" and self.gist == "jekyll-gist" and "id" in node.ids:
            user = node.ids.get("user")
            return LiquidTag("{% gist " + (f"{user}/{node.ids['id']}" if user else node.ids["id"]) + " %}")
        markup = embed_html.render(node)
        if markup is None:
            return super().embed(node)
        return markup


def _strip_blank_lines(parts: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Parts without the blank lines at the start and end of the body.

    Jekyll's front matter pattern takes the whitespace-only lines after the front matter with it;
    leaving none keeps the first paragraph, which decides where raw may go, where Jekyll sees it.
    """
    if not "".join(text for text, _ in parts).strip():
        return []
    if not parts[0][1]:
        parts[0] = (re.sub(r"\A(?:[ \t]*\n)+", "", parts[0][0]), False)
    if not parts[-1][1]:
        parts[-1] = (parts[-1][0].rstrip("\n"), False)
    return [part for part in parts if part[0]]


class JekyllExporter:
    name: ClassVar[str] = "jekyll"
    description: ClassVar[str] = "Jekyll posts (_posts/YYYY-MM-DD-<slug>.md), GitHub Pages compatible"

    def __init__(self, old_urls: str = "redirect_from", gist: str = "script", canonical: str = CHECK) -> None:
        if old_urls not in OLD_URL_MODES:
            raise ValueError(f"old_urls must be one of {', '.join(OLD_URL_MODES)}, not {old_urls!r}")
        if gist not in GIST_MODES:
            raise ValueError(f"gist must be one of {', '.join(GIST_MODES)}, not {gist!r}")
        self.old_urls = old_urls
        self.gist = gist
        self.canonical = canonical_mode(canonical)

    def url(self, post: Post) -> str | None:
        """Where the post will be on the site with Jekyll's default permalink (None for a draft)."""
        if self.old_urls == "permalink":
            return f"/{post.slug}/"
        if post.draft:
            return None
        day = _utc(_day(post))
        return f"/{day.year:04d}/{day:%m/%d}/{post.slug}.html"

    def asset_path(self, post: Post, stem: str, ext: str, cover: bool) -> tuple[str, str]:
        """Images under assets/images/<slug>/, referred to from the site root."""
        name = f"cover.{ext}" if cover else f"{stem}.{ext}"
        return f"assets/images/{post.slug}/{name}", f"/assets/images/{post.slug}/{name}"

    @staticmethod
    def heading_id(text: str) -> str:
        """The id kramdown's GFM parser (Jekyll's default) gives a heading with this plain text.

        kramdown first turns "--" and "---" into dashes, which its id rule then drops with every other
        character that is not a word character, "-", space or tab.
        """
        text = re.sub(r"-{2,3}", "", html.unescape(text).lower())
        return re.sub(r"[^\w\- \t]", "", text).replace(" ", "-").replace("\t", "-")

    def render(self, post: Post, site: Site) -> Rendered:
        post, canonical_note = checked_canonical(post, self.canonical)
        body = JekyllBody(post, gist=self.gist)
        text = body.render(post.tree)
        body.notes.extend(filter(None, [canonical_note]))
        meta: dict[str, Any] = {
            "layout": "post",
            "title": post.title,
            "date": _date(post.published),
            "last_modified_at": _date(post.updated),
            "tags": [tag.name for tag in post.tags],
            "description": post.description,
            "subtitle": post.subtitle or None,
            "image": body.url_field("image", post.og_image or post.cover, relative=True),
            "canonical_url": body.url_field("canonical URL", post.canonical_url),
            "series": post.series,
        }
        if self.old_urls == "redirect_from":
            meta["redirect_from"] = [f"/{post.slug}/"]
        elif self.old_urls == "permalink":
            meta["permalink"] = f"/{post.slug}/"
        hashnode: dict[str, Any] = {"cuid": post.cuid or None, "url": post.hashnode_url}
        hashnode["seo_title"] = post.seo_title
        if post.cover and post.og_image and post.cover != post.og_image:
            hashnode["cover"] = body.url_field("cover", post.cover, relative=True)
        hashnode.update({k: v for k, v in post.extra.items() if plain_data(v)})
        meta["hashnode"] = {k: v for k, v in hashnode.items() if v is not None} or None

        if post.draft:
            path = f"_drafts/{post.slug}.md"
        else:
            day = _day(post)
            if post.published is None and post.updated is None:
                body.note(
                    "date-fallback",
                    f"file named for {day:%Y-%m-%d}",
                    "Jekyll needs a date in a post's file name and this post has none",
                    "rename the file to the real date",
                )
            elif post.published is None:
                meta["date"] = _date(day)
                body.note("date-fallback", "dated by its last update", "its publish date is unknown")
            stamp = _utc(day)
            path = f"_posts/{stamp.year:04d}-{stamp:%m-%d}-{post.slug}.md"
        if post.published is not None and _utc(post.published) > datetime.now(UTC):
            body.note(
                "future",
                f"dated in the future ({_utc(post.published):%Y-%m-%d})",
                "Jekyll does not build posts dated in the future",
                "set future: true in _config.yml to publish it now",
            )
        content = yamlfm.dump(meta) + "\n" + text + "\n"
        return Rendered(
            post=post, files=(OutputFile(path, content),), url=self.url(post), notes=tuple(body.notes)
        )

    def site_files(self, site: Site) -> tuple[OutputFile, ...]:
        return (OutputFile(CONFIG_FILE, self.config_snippet()),)

    def scaffold(self, site: Site) -> tuple[OutputFile, ...]:
        """A complete minima site around the posts, for ``convert --site``."""
        return scaffold.jekyll_files(site, self.config_snippet())

    def config_snippet(self) -> str:
        plugins = ["jekyll-seo-tag        # description, image, canonical_url, last_modified_at"]
        if self.old_urls == "redirect_from":
            plugins.append("jekyll-redirect-from  # redirect_from: each post's old Hashnode address")
        plugins.append("jekyll-feed")
        if self.gist == "jekyll-gist":
            plugins.append("jekyll-gist           # {% gist %} tags")
        lines = [
            "# What the posts converted by hashmigrate need. Merge it into your _config.yml, or build",
            "# with both files: jekyll build --config _config.yml,_config.hashmigrate.yml",
            "# Every plugin here is one GitHub Pages allows; all of it works on Jekyll 3.10 and 4.",
            "",
            "markdown: kramdown",
            "kramdown:",
            "  input: GFM            # fenced code blocks and tables as Hashnode wrote them",
            "  hard_wrap: false      # a single line break is a space, as on Hashnode",
            "  math_engine: mathjax  # $$...$$ is math; add MathJax to your layout if posts use it",
            "",
            "plugins:",
            *(f"  - {plugin}" for plugin in plugins),
            "",
            "# Post dates are UTC, as on Hashnode; a post's URL holds its date in this zone.",
            "timezone: Etc/UTC",
        ]
        if self.gist == "jekyll-gist":
            lines += [
                "",
                "gist:",
                "  noscript: false  # do not fetch every gist from GitHub at build time",
            ]
        if self.old_urls != "permalink":
            lines += [
                "",
                "# Links between the posts were written for Jekyll's default permalink,",
                "# /:year/:month/:day/:title.html; with another, convert with -O old_urls=permalink.",
            ]
        lines += [
            "",
            "# Posts dated in the future are left out of the site unless this is set:",
            "# future: true",
            "",
            "# Aligned images carry the class align-left, align-center or align-right. If your theme",
            "# has no such classes, add this CSS to it:",
            "#   img.align-center { display: block; margin: 0 auto; }",
            "#   img.align-right { float: right; margin-left: 1em; }",
            "#   img.align-left { float: left; margin-right: 1em; }",
        ]
        return "\n".join(lines) + "\n"

    def advice(self) -> str:
        what = {
            "redirect_from": "jekyll-redirect-from keeps each post's old Hashnode address working",
            "permalink": "each post keeps its old Hashnode address as its permalink",
            "none": "old Hashnode addresses are not kept",
        }[self.old_urls]
        return (
            f"Merge {CONFIG_FILE} into your _config.yml (or pass both to jekyll build --config): it "
            f"lists the plugins and kramdown settings the posts need; {what}. Drafts are in _drafts/ "
            "(jekyll build --drafts shows them)."
        )
