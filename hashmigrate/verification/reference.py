"""The page Hashnode would show for a post: CommonMark + GFM, each Hashnode construct as Hashnode shows it.

The Markdown is rendered by pulldown-cmark (the parser that read the post), a renderer independent of
every target's (goldmark, kramdown, Forem's, WordPress's), so a difference between the reference and a
target's page is the target's, not a shared misreading.
"""

from __future__ import annotations

import html
import re
import unicodedata

import pyromark

from hashmigrate.document import Construct, Element, Heading
from hashmigrate.embeds import classify
from hashmigrate.links import hashnode_heading_ids
from hashmigrate.model import Callout, Embed, Image, Mention, Post, Widget
from hashmigrate.parse import options

# Marks stand in for constructs while the Markdown is rendered. A construct begins and ends with
# punctuation (``%[``, ``![``, ``)``, ``]``, ``<div``, ``>``), so its mark is punctuation too: emphasis
# beside it opens and closes as it would beside the construct (``![x](y)*caption*``).
_MARKS = [chr(code) for code in range(0x2E00, 0x2E2E) if unicodedata.category(chr(code)) == "Po"]


def _marker(source: str) -> str:
    for mark in _MARKS:
        if mark not in source:
            return mark
    raise ValueError("no free marker character")


# Embeds Hashnode shows as a card of the linked page (its title and picture, fetched by Hashnode): what
# a reader gets from it is the link. Every other provider is a player.
_CARDS = frozenset({"link", "github", "hashnode"})


def construct_html(node: object) -> str:
    """A construct as Hashnode's page shows it, in the plainest HTML that says the same."""
    if isinstance(node, Embed):
        url = html.escape(node.url, quote=True)
        if classify(node.url).provider in _CARDS:
            return f'<div class="embed-card"><a href="{url}">{url}</a></div>'
        return f'<iframe src="{url}" title="{html.escape(node.provider)}"></iframe>'
    if isinstance(node, Image):
        align = f' class="align-{html.escape(node.align.lower())}"' if node.align else ""
        tag = f'<img src="{html.escape(node.src, quote=True)}" alt="{html.escape(_alt(node.alt), quote=True)}"{align}>'
        return f'<a href="{html.escape(node.link, quote=True)}">{tag}</a>' if node.link else tag
    if isinstance(node, Callout):
        return f'<div data-node-type="callout">{html.escape(node.emoji)} {node.html}</div>'
    if isinstance(node, Mention):
        return f'<a href="{html.escape(node.url, quote=True)}">{html.escape(node.name)}</a>'
    if isinstance(node, Widget):
        # A widget runs only on Hashnode (a newsletter form, a button): marked, so its absence on a
        # target is a difference the conversion's note accounts for.
        return f'<div data-hashnode-widget="{html.escape(node.name, quote=True)}"></div>'
    return ""


_ATX = re.compile(r"[ \t]*#{1,6}[ \t]*")
_ALT = re.compile(r'<img src="[^"]*" alt="([^"]*)"')


def _alt(alt: str) -> str:
    """An image's alt text as CommonMark makes it from the Markdown between the brackets: its plain
    text (escapes resolved, a link inside it as its text, emphasis marks gone)."""
    match = _ALT.search(pyromark.html(f"![{alt}](x)", options=options()))
    return html.unescape(match.group(1)) if match else alt


def reference_html(post: Post) -> str:
    """The post's body as Hashnode's page shows it, headings with Hashnode's ids."""
    document = post.tree
    mark = _marker(document.source)
    held: list[str] = []
    headings = document.headings()
    ids = hashnode_heading_ids(document.heading_source(h) for h in headings)
    # Each heading gets a mark after its opening ``#``s, so raw HTML headings (which Hashnode leaves
    # without an id) are never taken for one. A space after the mark: emphasis opening the heading stays
    # emphasis (a delimiter run between a mark and punctuation might not open).
    number = {id(h): index for index, h in enumerate(headings)}
    marked: set[int] = set()

    def visit(element: Element) -> str | None:
        if isinstance(element, Heading) and id(element) not in marked:
            marked.add(id(element))
            written = document.emit_node(element, visit)
            at = 0 if element.setext else len(_ATX.match(written).group(0))  # type: ignore[union-attr]
            if not written[at:].strip():
                return written  # an empty heading: a mark would be its text
            return f"{written[:at]}{mark}H{number[id(element)]}{mark} {written[at:]}"
        if isinstance(element, Construct) and element.node is not None:
            held.append(construct_html(element.node))
            return f"{mark}{len(held) - 1}{mark}" + element.after
        return None

    rendered = pyromark.html(document.emit(visit), options=options())
    mark = re.escape(mark)
    rendered = re.sub(
        rf"<h([1-6])>{mark}H(\d+){mark} ?",
        lambda m: f'<h{m.group(1)} id="{html.escape(ids[int(m.group(2))], quote=True)}">',
        rendered,
    )
    rendered = re.sub(rf"{mark}H\d+{mark}", "", rendered)  # a heading mark that did not open a heading
    # A construct alone in its paragraph is a block of its own, as on Hashnode.
    rendered = re.sub(rf"<p>{mark}(\d+){mark}</p>", lambda m: held[int(m.group(1))], rendered)
    return re.sub(rf"{mark}(\d+){mark}", lambda m: held[int(m.group(1))], rendered)
