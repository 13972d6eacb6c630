"""The page dev.to shows for an article ``exporters/devto.py`` wrote: its Liquid run, then its Markdown.

Forem runs the body through Liquid before Markdown (after escaping what its own regex takes for code), so
the same happens here: ``{% raw %}`` gives its text, each embed tag becomes the element it shows (an
iframe or a gist's script, with the address that names the provider and the id), a tag Forem does not
have, an unclosed ``{% raw %}`` or a ``{{`` left bare is a problem (Forem rejects the article or prints a
Liquid error). The Markdown is rendered by the project's own CommonMark + GFM renderer; raw iframes,
scripts and objects are removed, as Forem's sanitizer removes them; headings get Forem's anchor.

Forem's Markdown is Redcarpet, not CommonMark: where the two read the same text differently this page
follows CommonMark, so such a difference is not seen here; but an ordered list starts at 1, as
Redcarpet writes no ``start``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from hashmigrate.document import List, free_marker
from hashmigrate.forem import FOREM_CODE, forem_heading_id
from hashmigrate.html import render_html
from hashmigrate.parse import parse
from hashmigrate.verification.targets import Page

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
_RAW_BLOCK = re.compile(r"\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}", re.DOTALL)
_TAG = re.compile(r"\{%-?\s*(\w+)\s*(.*?)\s*-?%\}", re.DOTALL)
_BARE = re.compile(r"\{\{|\{%")
# What Forem's sanitizer takes out of the HTML an author wrote.
_REMOVED = re.compile(
    r"<(iframe|script|object)\b[^>]*>.*?</\1\s*>|<(?:iframe|script|object|embed)\b[^>]*>",
    re.IGNORECASE | re.DOTALL,
)
_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.DOTALL)
_TAGS = re.compile(r"<[^>]*>")
# Opening and closing Liquid block tags Forem has (details and its aliases).
_BLOCK_TAGS = {"details": "enddetails", "spoiler": "endspoiler", "collapsible": "endcollapsible"}
_END_TAGS = {end: start for start, end in _BLOCK_TAGS.items()}


def post_text(out: Path, paths: list[str]) -> str:
    """The article as written, front matter and all (:func:`render` takes the front matter off itself:
    a body that opens with a ``---`` rule must not be read as front matter a second time)."""
    return (out / paths[0]).read_text(encoding="utf-8")


def shown_pages(articles: list[str], real: bool = True) -> list[Page]:
    """Each article's page, for verify (there is no dev.to to install: ``real`` changes nothing)."""
    return [render(article) for article in articles]


def page_html(markdown: str) -> str:
    """The HTML a dev.to reader sees for an exported article (front matter, if any, left out)."""
    return render(markdown).html


def render(markdown: str) -> Page:
    """The page and the Liquid problems of an exported article."""
    body = _FRONT_MATTER.sub("", markdown.replace("\r\n", "\n"), count=1)
    mark = free_marker(body)
    held: list[str] = []
    problems: list[str] = []

    def hold(fragment: str) -> str:
        held.append(fragment)
        return f"{mark}{len(held) - 1}{mark}"

    out: list[str] = []
    pos = 0
    for code in FOREM_CODE.finditer(body):
        out.append(_liquid(body[pos : code.start()], hold, problems))
        out.append(code.group(0))  # Forem wraps code in {% raw %} itself: it shows as written
        pos = code.end()
    out.append(_liquid(body[pos:], hold, problems))
    document = parse("".join(out))
    # Redcarpet's HTML renderer writes every ordered list as a bare <ol> (ext/redcarpet/html.c,
    # rndr_list): each starts at 1, whatever its first number.
    document = document.replaced(
        {id(n): replace(n, first=1) for n in document.walk() if isinstance(n, List) and n.first != 1}
    )
    rendered = _REMOVED.sub("", render_html(document))
    rendered = _HEADING.sub(_anchored, rendered)
    # A tag alone in its paragraph is a block of its own, as Forem's tags are.
    rendered = re.sub(rf"<p>{mark}(\d+){mark}</p>", lambda m: held[int(m.group(1))], rendered)
    rendered = re.sub(rf"{mark}(\d+){mark}", lambda m: held[int(m.group(1))], rendered)
    return Page(rendered, problems)


def _liquid(text: str, hold: Callable[[str], str], problems: list[str]) -> str:
    """Text outside code with its Liquid run: raw text as is, each tag as what it shows."""
    out: list[str] = []
    pos = 0
    while True:
        raw = _RAW_BLOCK.search(text, pos)
        tag = _TAG.search(text, pos)
        if tag is not None and raw is not None and raw.start() <= tag.start():
            out.append(_bare(text[pos : raw.start()], problems))
            out.append(raw.group(1))  # Liquid's output is what Markdown reads
            pos = raw.end()
            continue
        if tag is None:
            out.append(_bare(text[pos:], problems))
            return "".join(out)
        out.append(_bare(text[pos : tag.start()], problems))
        name, argument = tag.group(1).lower(), tag.group(2)
        if name == "raw":
            problems.append(f"liquid: {{% raw %}} without its {{% endraw %}}: {tag.group(0)[:60]!r}")
            out.append(tag.group(0))
        else:
            shown = tag_html(name, argument)
            if shown is None:
                problems.append(f"liquid: dev.to has no tag {name!r}: {tag.group(0)[:80]!r}")
                shown = html.escape(tag.group(0), quote=False)
            out.append(hold(shown))
        pos = tag.end()


def _bare(text: str, problems: list[str]) -> str:
    for found in _BARE.finditer(text):
        context = text[max(0, found.start() - 20) : found.end() + 20]
        problems.append(
            f"liquid: bare {found.group(0)!r} (dev.to rejects it or prints an error): {context!r}"
        )
    return text


def _iframe(src: str) -> str:
    return f'<iframe src="{html.escape(src, quote=True)}"></iframe>'


def tag_html(name: str, argument: str) -> str | None:
    """What a Forem Liquid tag shows, as the element that names its provider and id (None: no such tag)."""
    words = argument.split()
    first = words[0] if words else ""
    if name in ("twitter", "tweet"):
        return _iframe(f"https://twitter.com/i/status/{first}") if re.fullmatch(r"\d{10,20}", first) else None
    if name == "youtube":
        video, _, query = first.rsplit("/", 1)[-1].removeprefix("watch?v=").partition("?")
        start = re.search(r"(?:^|&)(?:start|t)=(\d+)", query)
        return (
            _iframe(f"https://www.youtube.com/embed/{video}" + (f"?start={start.group(1)}" if start else ""))
            if video
            else None
        )
    if name == "vimeo":
        return _iframe(f"https://player.vimeo.com/video/{first.rsplit('/', 1)[-1]}") if first else None
    if name == "gist":
        return (
            f'<script src="{html.escape(first.removesuffix(".js"), quote=True)}.js"></script>'
            if first
            else None
        )
    if name == "codesandbox":
        return _iframe(f"https://codesandbox.io/embed/{first}") if first else None
    if name == "instagram":
        return _iframe(f"https://www.instagram.com/p/{first}/") if first else None
    if name == "github":
        url = first if first.startswith("http") else f"https://github.com/{first}"
        # dev.to shows a card of the repository: its link is what is compared (as Hashnode's card).
        return f'<p><a href="{html.escape(url, quote=True)}">{html.escape(url)}</a></p>' if first else None
    if name in (
        "codepen",
        "embed",
        "stackblitz",
        "glitch",
        "jsfiddle",
        "replit",
        "loom",
        "spotify",
        "reddit",
    ):
        return _iframe(first) if first else None
    if name in _BLOCK_TAGS:
        return f"<details><summary>{html.escape(argument, quote=False)}</summary>"
    if name in _END_TAGS:
        return "</details>"
    return None


def forem_anchor(title_html: str) -> str:
    """Forem's anchor for a heading: its HTML's text (tags removed) under Forem's rule."""
    return forem_heading_id(html.unescape(_TAGS.sub("", title_html)))


def _anchored(match: re.Match[str]) -> str:
    level, title = match.group(1), match.group(2)
    return f'<h{level} id="{html.escape(forem_anchor(title), quote=True)}">{title}</h{level}>'
