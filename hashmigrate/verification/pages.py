"""Each post's page on the target: built by the real generator (the body between the verify layout's
marks, or of the page's ``post-content`` element), or a page function over each written post."""

from __future__ import annotations

import html
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hashmigrate.api import PostResult
from hashmigrate.exporter import Exporter, Site
from hashmigrate.links import split_url
from hashmigrate.verification.features import Features, features
from hashmigrate.verification.page import LAYOUTS, page_content, page_file
from hashmigrate.verification.targets import Generator, PostText, ShownPages, VerifyError, page_key


def through(link: str, redirects: dict[str, str]) -> str:
    parts = split_url(link)
    if parts is None or not link.startswith("/") or (new := redirects.get(parts.path)) is None:
        return link
    return new + (f"#{parts.fragment}" if parts.fragment else "")


@dataclass(slots=True)
class Pages:
    """Each post's target page (its body's HTML) by URL, or why there is none."""

    method: str
    built: bool
    html: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    # Site paths that are redirect pages (Hugo's aliases, jekyll-redirect-from's) -> where they send.
    redirects: dict[str, str] = field(default_factory=dict)
    # What the target could not read in a post's text (a rendered target's problems), by URL.
    problems: dict[str, list[str]] = field(default_factory=dict)
    # Per page, an image address the target shows -> the address it stands for in the reference (a
    # mirrored copy's or a media-library upload's original), and reference addresses made canonical
    # the same way (two forms of one CDN image are one mirrored file).
    image_sources: dict[str, dict[str, str]] = field(default_factory=dict)
    reference_sources: dict[str, dict[str, str]] = field(default_factory=dict)
    # What a reader sees of each page, once made (a built site's are needed for its redirects too).
    features: dict[str, Features] = field(default_factory=dict)

    def features_of(self, url: str) -> Features:
        found = self.features.get(url)
        if found is None:
            found = self.features[url] = features(self.html[url])
        return found


_REFRESH = re.compile(
    r"""<meta[^>]+http-equiv=["']?refresh["']?[^>]+content=["']?\d+;\s*url=([^"'>]+)""", re.I
)


def _site_redirects(built: Path, pages: Pages) -> dict[str, str]:
    """Where each site-relative link of the pages lands when its page is a redirect page."""
    found: dict[str, str] = {}
    for url in pages.html:
        for link in pages.features_of(url).links:
            parts = split_url(link)
            path = parts.path if parts is not None else ""
            if not path or not link.startswith("/") or link.startswith("//") or path in found:
                continue
            file = page_file(built, path)
            if file.is_file() and file.stat().st_size < 4096:
                match = _REFRESH.search(file.read_text(encoding="utf-8", errors="replace"))
                if match:
                    target = split_url(html.unescape(match.group(1)))
                    if target is not None:
                        found[path] = target.path
    return found


def built_pages(
    generator: Generator,
    command: list[str] | None,
    out: Path,
    exporter: Exporter,
    to: str,
    planned: list[PostResult],
    site: Site,
) -> Pages:
    with tempfile.TemporaryDirectory(prefix="hashmigrate-verify-") as temp:
        folder = Path(temp) / "site"
        shutil.copytree(out, folder, symlinks=True)
        layout, marked = LAYOUTS[to]
        own_layout = (folder / layout).exists()
        scaffold = getattr(exporter, "scaffold", None)
        if scaffold is not None:
            # A site of the user's own keeps its config and layout; only what is missing comes from the
            # scaffold (the post pages are found by their post-content element).
            for file in scaffold(site):
                target = folder / file.path
                if not target.exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(file.content, encoding="utf-8")
        if not own_layout:
            (folder / layout).parent.mkdir(parents=True, exist_ok=True)
            (folder / layout).write_text(marked, encoding="utf-8")
        built = Path(temp) / "built"
        name = generator.build(folder, built, command)
        pages = Pages(f"built with {name}", True)
        for post in planned:
            assert post.url is not None
            file = page_file(built, post.url)
            if not file.is_file():
                pages.missing[post.url] = f"{generator.name} made no page at {post.url}"
                continue
            content = page_content(file.read_text(encoding="utf-8", errors="replace"))
            if content is None:
                pages.missing[post.url] = f"{post.url} has no element with class post-content"
            else:
                pages.html[post.url] = content
        pages.redirects = _site_redirects(built, pages)
    return pages


def function_pages(
    shown_pages: ShownPages, text_of: PostText, out: Path, planned: list[PostResult], method: str, real: bool
) -> Pages:
    """Every post's page from its written text, all rendered at once."""
    pages = Pages(method, False)
    urls: list[str] = []
    texts: list[str] = []
    for post in planned:
        try:
            texts.append(text_of(out, post.paths))
            urls.append(page_key(post))
        except (OSError, ValueError) as exc:  # ValueError: not UTF-8, not XML
            pages.missing[page_key(post)] = (
                f"cannot read {post.paths[0]}: {getattr(exc, 'strerror', None) or exc}"
            )
    try:
        shown = shown_pages(texts, real)
    except RuntimeError as exc:  # the target's own code failed (WordPress's PHP)
        raise VerifyError(str(exc)) from None
    for url, page in zip(urls, shown, strict=True):
        pages.html[url] = page.html
        pages.problems[url] = list(page.problems)
    return pages
