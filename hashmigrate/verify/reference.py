"""The page Hashnode would show for a post: CommonMark + GFM, each Hashnode construct as Hashnode shows it.

The Markdown is rendered by pulldown-cmark (the parser that read the post), a renderer independent of
every target's (goldmark, kramdown, Forem's, WordPress's), so a difference between the reference and a
target's page is the target's, not a shared misreading.
"""

from __future__ import annotations

import html
import re

import pyromark

from hashmigrate.document import Construct, Element
from hashmigrate.model import Callout, Embed, Image, Mention, Post, Widget

_OPTIONS = pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH | pyromark.Options.ENABLE_TASKLISTS


def _marker(source: str) -> str:
    for code in range(0xFDD0, 0xFDF0):
        if chr(code) not in source:
            return chr(code)
    raise ValueError("no free marker character")


def construct_html(node: object) -> str:
    """A construct as Hashnode's page shows it, in the plainest HTML that says the same."""
    if isinstance(node, Embed):
        url = html.escape(node.url, quote=True)
        if node.provider == "link":
            return f'<p><a href="{url}">{url}</a></p>'
        return f'<iframe src="{url}"></iframe>'
    if isinstance(node, Image):
        align = f' class="align-{html.escape(node.align.lower())}"' if node.align else ""
        tag = f'<img src="{html.escape(node.src, quote=True)}" alt="{html.escape(_alt(node.alt), quote=True)}"{align}>'
        return f'<a href="{html.escape(node.link, quote=True)}">{tag}</a>' if node.link else tag
    if isinstance(node, Callout):
        return f'<div data-node-type="callout">{html.escape(node.emoji)} {node.html}</div>'
    if isinstance(node, Mention):
        return f'<a href="{html.escape(node.url, quote=True)}">{html.escape(node.name)}</a>'
    if isinstance(node, Widget):
        return ""  # a widget runs only on Hashnode; targets leave it out by design
    return ""


_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _alt(alt: str) -> str:
    return _ESCAPE.sub(r"\1", alt)


def reference_html(post: Post) -> str:
    """The post's body as Hashnode's page shows it."""
    document = post.tree
    mark = _marker(document.source)
    held: list[str] = []

    def visit(element: Element) -> str | None:
        if isinstance(element, Construct) and element.node is not None:
            held.append(construct_html(element.node))
            return f"{mark}{len(held) - 1}{mark}" + element.after
        return None

    rendered = pyromark.html(document.emit(visit), options=_OPTIONS)
    # A construct alone in its paragraph is a block of its own, as on Hashnode.
    rendered = re.sub(
        rf"<p>{mark}(\d+){mark}</p>", lambda m: held[int(m.group(1))], rendered
    )
    return re.sub(rf"{mark}(\d+){mark}", lambda m: held[int(m.group(1))], rendered)
