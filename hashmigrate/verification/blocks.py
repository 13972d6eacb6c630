"""Verify at the block level, for the targets with no site to build: dev.to (its Markdown and Liquid) and
WordPress (its block markup).

Each post is converted as ``convert`` writes it (links rewritten, the same options), its output file read
back, turned into the page the target shows (:mod:`hashmigrate.verification.devto`,
:mod:`hashmigrate.verification.wordpress`) and compared with the page Hashnode shows
(:func:`hashmigrate.verification.reference.reference_html`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hashmigrate.api import convert
from hashmigrate.model import Post
from hashmigrate.verification import devto, wordpress
from hashmigrate.verification.compare import Difference, differences
from hashmigrate.verification.features import Features, features
from hashmigrate.verification.reference import reference_html

TARGETS = ("devto", "wordpress")


@dataclass(slots=True)
class BlockCheck:
    """One post: its reference HTML, the target's page, and how they differ."""

    source: str
    slug: str
    reference: str = ""
    target: str = ""
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No difference but those accepted (a Difference may carry the reason it is accepted)."""
        return not [d for d in self.differences if not getattr(d, "accepted", "")]


def check_posts(
    posts: Iterable[Post],
    to: str,
    *,
    blog_url: str | None = None,
    options: dict[str, Any] | None = None,
    use_php: bool | None = None,
) -> list[BlockCheck]:
    """Every post converted for ``to`` (``devto`` or ``wordpress``) and compared with its reference.

    WordPress's own block parser is used when WordPress is installed (``use_php`` None), or as asked.
    """
    if to not in TARGETS:
        raise ValueError(f"block-level verify is for {' and '.join(TARGETS)}, not {to}")
    posts = list(posts)
    with tempfile.TemporaryDirectory(prefix="hashmigrate-verify-") as temp:
        result = convert(posts, to=to, out=temp, blog_url=blog_url, options=options, drafts=True)
        moved = dict(result.redirects)
        by_source = {outcome.source: outcome for outcome in result.posts}
        checks: list[BlockCheck] = []
        outputs: list[str | None] = []
        for post in posts:
            outcome = by_source.get(post.source or post.slug)
            check = BlockCheck(post.source or post.slug, post.slug, reference=reference_html(post))
            output = None
            if outcome is None or not outcome.paths:
                check.differences.append(Difference("page", "the post was not converted"))
            else:
                check.notes = [note.line() for note in outcome.notes]
                output = _output(Path(temp), outcome.paths, to)
                if output is None:
                    check.differences.append(Difference("page", f"no output file among {outcome.paths}"))
            checks.append(check)
            outputs.append(output)
    written = [text for text in outputs if text is not None]
    if to == "devto":
        found = [devto.render(text) for text in written]
        rendered = [(page.html, page.problems) for page in found]
    else:
        pages = wordpress.pages(written, use_php=use_php)
        rendered = [(page.html, page.problems) for page in pages]
    shown = iter(rendered)
    for check, output in zip(checks, outputs, strict=True):
        if output is None:
            continue
        page, problems = next(shown)
        check.target = page
        check.differences = [Difference(*p.split(": ", 1)) for p in problems]
        check.differences += differences(
            _seen(features(check.reference)), _seen(features(page)), moved=lambda url: _moved(url, moved)
        )
    return checks


def _seen(found: Features) -> Features:
    """Features as a browser shows them: the line break that ends a ``<pre>`` makes no line, so code
    ending in one (CommonMark's) and code without (WordPress's code block) look the same."""
    found.code = [code[:-1] if code.endswith("\n") else code for code in found.code]
    return found


def _output(folder: Path, paths: list[str], to: str) -> str | None:
    """The post's own file: the article (dev.to) or the block markup (WordPress's posts/<slug>.html)."""
    suffix = ".md" if to == "devto" else ".html"
    for path in paths:
        file = Path(path) if Path(path).is_absolute() else folder / path
        if file.suffix == suffix and file.is_file():
            return file.read_text(encoding="utf-8")
    return None


def _moved(url: str, moved: dict[str, str]) -> str:
    """Where convert meant a link to another post of the blog to go (its new URL, same fragment)."""
    parts = urlsplit(url)
    new = moved.get(parts.path.rstrip("/")) or moved.get(parts.path)
    if new is None:
        return url
    return new + (f"#{parts.fragment}" if parts.fragment else "")
