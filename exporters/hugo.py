"""Hugo: page bundles ``content/posts/<slug>/index.md`` that build offline on Hugo 0.111 and current Hugo.

YouTube and Vimeo use Hugo's built-in shortcodes; tweets, gists, Instagram and the iframe embeds are
written as raw HTML, because the ``tweet`` and ``gist`` shortcodes were removed in Hugo 0.156 and
``instagram`` needs an API token before 0.123. Raw HTML needs goldmark's ``unsafe``, which the config
snippet written beside the posts sets.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import frontmatter

from exporters import embed_html, hugo_inline, scaffold
from hashmigrate import yamlfm
from hashmigrate.canonical import CHECK, canonical_mode, checked_canonical
from hashmigrate.document import (
    Construct,
    Definition,
    Document,
    Element,
    Emphasis,
    Heading,
    HtmlBlock,
    HtmlInline,
    Link,
    Strong,
    Text,
)
from hashmigrate.exporter import (
    BodyRenderer,
    Option,
    OutputFile,
    Rendered,
    Site,
    mention_name,
    plain_data,
    unescape_markdown,
)
from hashmigrate.links import headings, target_heading_ids
from hashmigrate.model import Callout, Embed, Html, Image, Markdown, Mention, Post, Widget
from hashmigrate.names import MAX_TAG_BYTES, short_tag

_SHORTCODE = re.compile(r"\{\{(?P<open><|%)(?P<inner>.*?)(?P<close>>|%)\}\}", re.S)
_LONE = re.compile(r"\{\{(<|%)")
_RESERVED_SECTIONS = {"posts", "tags", "categories", "page", "series"}

CONFIG_SNIPPET = """\
# Settings the posts converted by hashmigrate need. Merge them into your hugo.toml (or config.toml).

[markup.goldmark.renderer]
  # Tweets, gists, Instagram posts and iframe embeds are written as raw HTML.
  unsafe = true

[markup.goldmark.extensions]
  # Quotes and dashes as the author typed them, as Hashnode shows them (Hugo would curl them, in code
  # that raw HTML holds too).
  typographer = false

[taxonomies]
  tag = "tags"

# Aligned images are written as {{< figure class="align-left|align-center|align-right" >}}.
# If your theme has no such classes, add this CSS to it:
#   figure.align-center { text-align: center; }  figure.align-center img { margin: 0 auto; }
#   figure.align-right { float: right; margin-left: 1em; }  figure.align-left { float: left; margin-right: 1em; }
"""


def hugo_escape(text: str) -> str:
    """Make Hugo print ``{{< ... >}}`` and ``{{% ... %}}`` as written instead of running them."""
    if "{{" not in text:
        return text
    out: list[str] = []
    at = 0
    for match in _SHORTCODE.finditer(text):
        if (match["open"] == "<") != (match["close"] == ">"):
            continue  # no shortcode: its delimiters are lone ones (below)
        out.append(_lone(text[at : match.start()]))
        out.append("{{" + match["open"] + "/*" + match["inner"] + "*/" + match["close"] + "}}")
        at = match.end()
    out.append(_lone(text[at:]))
    return "".join(out)


def _lone(text: str) -> str:
    """A delimiter that never closes cannot be escaped Hugo's way; an entity keeps Hugo from reading it.
    The author's own ``{{</*`` too: Hugo would read it as an escape's start and run to the next ``*/>}}``
    (``{{</*%}}{{</**/>}}`` showed ``{{<%}}{{</*>}}``)."""
    return (
        _LONE.sub(lambda m: "{{" + ("&lt;" if m.group(1) == "<" else "&#37;"), text) if "{{" in text else text
    )


def _param(value: str) -> str:
    """A shortcode parameter value, quoted so that no character in it ends the shortcode."""
    # A "{{<" inside a value would start a shortcode of its own.
    value = value.replace("{{", "{&#123;")
    if '"' not in value:
        return f'"{value}"'
    if "`" not in value:
        return f"`{value}`"
    return '"' + value.replace('"', "&quot;") + '"'


def _date(value: datetime | None) -> str | None:
    # isoformat pads years before 1000 to four digits, which strftime("%Y") does not.
    return value.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z" if value else None


# A line that starts with ":" and a space after a paragraph's line is a definition to goldmark's
# definition lists (on in Hugo) and to kramdown (Jekyll): the ":" is dropped and the lines become a
# <dl>. CommonMark, and so Hashnode, shows them as written. What may stand before it on the line:
# quote marks, indentation, one list marker.
_DEFINITION_LEAD = re.compile(r"(?:[ \t]*>)*[ \t]*(?:(?:[*+-]|\d{1,9}[.)])[ \t]+)?")
_DEFINITION = re.compile(r":[ \t]")
# A line where a text node could start with _DEFINITION after only _DEFINITION_LEAD: without one, no
# text node of the document needs escape_definition. Found after a line break, a literal the engine
# skips to (a multi-line "^" has it try every position: twice the time on the corpus's bodies).
_DEFINITION_LINE = re.compile(_DEFINITION_LEAD.pattern + _DEFINITION.pattern)
_DEFINITION_NEXT_LINE = re.compile("\n" + _DEFINITION_LINE.pattern)


def escape_definition(document: Document, element: Element, text: str) -> str:
    """``text`` (a text node's) with a ``:`` opening its line escaped, so no generator that reads
    definition lists takes the line for one; ``\\:`` is a colon in every Markdown."""
    if _DEFINITION.match(text) and _DEFINITION_LEAD.fullmatch(document.line_prefix(element)):
        return "\\" + text
    return text


# What goldmark keeps of a heading's text for its id: letters and decimal digits (not "²").
_WORD = frozenset(["Lu", "Ll", "Lt", "Lm", "Lo", "Nd"])
_NOT_ASCII_WORD = re.compile(r"[^A-Za-z0-9 _-]")


# goldmark's (Hugo's) table of HTML 5 entities lacks this one name, which it shows as written.
_ABREVE = re.compile(r"(?<!\\)((?:\\\\)*)&Abreve;")
# Hugo turns on goldmark's footnotes: "[^1]" with a "[^1]: note" line becomes a footnote, which
# Hashnode (CommonMark) shows as text. "\[" is a "[" in every Markdown.
_FOOTNOTE = re.compile(r"(?<!\\)((?:\\\\)*)\[(?=\^)")
# A reference label that starts with "^" ("[^1]: https://..." and its uses "[^1]", "[x][^1]"): a link
# to CommonMark, a footnote to goldmark. Labels match as written (escapes are not undone), so the
# definition and every use are written "[\^1]".
_CARET_LABEL_USE = re.compile(r"\]\[(?=\^[^\]]*\]\Z)")
_CARET_LABEL_DEFINITION = re.compile(r"\A([ ]{0,3})\[(?=\^)")


# A heading every Hugo names alike: no emphasis, code, link, entity, escape or HTML in it, and no "{"
# (goldmark takes a heading's trailing "{#x}", "{.c}" or "{k=v}" for attributes, not text: with an
# id of its own written after it, the author's braces are text again).
_PLAIN_HEADING = re.compile(r"[^_*~`\[\]&<>\\!{]*")


class HugoBody(BodyRenderer):
    target = "Hugo"

    def __init__(self, post: Post) -> None:
        super().__init__(post)
        self._fixed: dict[int, str] | None = None
        # What this body writes otherwise for Hugo 0.111's goldmark (:mod:`exporters.hugo_inline`).
        self._inline: hugo_inline.InlineRewrite | None = None

    def render(self, document: Document) -> str:
        document, self._inline = hugo_inline.plan(document)
        return super().render(document)

    def fixed_id(self, document: Document, heading: Heading) -> str | None:
        """The id a heading with markup is given in writing (``{#id}``), so that every Hugo names it as
        :meth:`HugoExporter.heading_id` predicts. Hugo 0.111 (Debian 12's) made ids from the heading's
        source, link URLs, entities and tags included (a link to ``[I. Codebase](https://12factor.net/
        codebase)`` written for ``#i-codebase`` was dead there), and current Hugo leaves text out of the
        id after a ``_`` inside emphasis (``*b my_function a*`` is ``b-my_``). goldmark reads a heading's
        trailing ``{#id}`` by default since Hugo 0.60; a heading of plain text keeps Hugo's own id."""
        if self._fixed is None:
            self._fixed = {}
            heads = headings(document)
            marked = [bool(head.children) and not self._plain(document, head) for head in heads]
            # Most posts have no heading with markup: their ids are not needed.
            if any(marked):
                ids = target_heading_ids(document, HugoExporter.heading_id, heads=heads)
                self._fixed = {
                    id(head): target for head, target, mark in zip(heads, ids, marked, strict=True) if mark
                }
        return self._fixed.get(id(heading))

    @staticmethod
    def _plain(document: Document, heading: Heading) -> bool:
        """Whether a heading's source (:meth:`Document.heading_source`) is plain by ``_PLAIN_HEADING``.
        Its source is part of the heading's span, so a plain span (the usual case) answers without
        cutting the source out."""
        if _PLAIN_HEADING.fullmatch(document.source, heading.start, heading.end):
            return True
        return _PLAIN_HEADING.fullmatch(document.heading_source(heading)) is not None

    def visits(self, document: Document) -> frozenset[type[Element]] | None:
        """What :meth:`visit` changes in this document: raw HTML and constructs always; headings when one
        needs an id written; emphasis and text when goldmark reads this document's inline markup
        otherwise (:mod:`exporters.hugo_inline`); text when it holds ``&Abreve;`` or a ``:`` that
        could open a definition list. In most posts, only the first two."""
        types = {HtmlBlock, HtmlInline, Construct}
        # Asked of fixed_id itself, so that a subclass's own heading ids are written too.
        if any(self.fixed_id(document, head) is not None for head in headings(document)):
            types.add(Heading)
        rewrite = self._inline
        if rewrite is not None:
            types.update((Emphasis, Strong, Text))
        source = document.source
        caret = "[^" in source
        if caret:
            types.update((Link, Definition, Text))  # a footnote's "[^" in text or a reference label
        if "&Abreve;" in source or _DEFINITION_LINE.match(source) or _DEFINITION_NEXT_LINE.search(source):
            types.add(Text)
        return frozenset(types)

    def visit(self, document: Document, element: Element, own: Callable[[str], str]) -> str | None:
        if isinstance(element, Definition) and element.label.startswith("^"):
            text = document.text_of(element) if element.written is None else element.written
            return _CARET_LABEL_DEFINITION.sub(r"\1[\\", text, count=1)
        if isinstance(element, Link) and element.kind == "reference" and element.written is None:
            source = document.source
            if source.find("[^", element.start, element.end) >= 0 and element.children:
                # The text as the walk writes it, a "\\" before the caret that opens it or the label.
                first, last = element.children[0].start, element.children[-1].end
                inner = document.emit_children(element, lambda child: self.write(document, child, own))
                head = source[element.start : first] + ("\\" if inner.startswith("^") else "")
                tail = source[last : element.end]
                return head + inner + _CARET_LABEL_USE.sub("][\\\\", tail, count=1)
        rewrite = self._inline
        if rewrite is not None and id(element) in rewrite.tags:
            content = document.emit_children(element, lambda child: self.write(document, child, own))
            return hugo_inline.as_html(document, element, content)
        if (
            isinstance(element, Heading)
            and element.written is None
            and (fixed := self.fixed_id(document, element)) is not None
        ):
            lead = document.source[element.start : element.children[0].start]
            tail = document.source[element.children[-1].end : element.end]
            if not element.setext:
                # An ATX line is written without its closing #s, which would stand between text and id.
                tail = "\n" if tail.endswith("\n") else ""
            content = document.emit_children(element, lambda child: self.write(document, child, own))
            return f"{lead}{content} {{#{fixed}}}{tail}"
        if isinstance(element, Text):
            escape = rewrite.escape.get(id(element), "") if rewrite is not None else ""
            keep = rewrite.keep.get(id(element)) if rewrite is not None else None
            if element.written is None and not escape and keep is None:
                # The usual text node has none of the things changed below: it is written as its
                # source (what the base visit returns None for), found without copying it out.
                source = document.source
                if (
                    source[element.start : element.start + 1] != ":"
                    and source.find("&Abreve;", element.start, element.end) < 0
                    and source.find("[^", element.start, element.end) < 0
                ):
                    return None
            text = document.text_of(element) if element.written is None else element.written
            written = text
            if keep is not None:
                written = text[1:]  # the escape's backslash inside an address, which ends a Linkify link
            if element.written is None and escape:
                skip = keep if keep is not None else 1 if document.escaped(element.start) else 0
                written = hugo_inline.escape_text(written, escape, skip)
            if element.written is None:
                # An escaped first character (the span starts after its backslash) stays as it is.
                head = written[:1] if document.escaped(element.start) else ""
                rest = written[len(head) :]
                if "&Abreve;" in text:
                    rest = _ABREVE.sub(r"\1&#258;", rest)
                if "[^" in text:
                    rest = _FOOTNOTE.sub(r"\1\\[", rest)
                written = head + rest
            written = escape_definition(document, element, written)
            if written != text:
                return written
        return super().visit(document, element, own)

    def markdown(self, node: Markdown) -> str:
        return hugo_escape(node.text)

    def html(self, node: Html) -> str:
        return hugo_escape(node.html)

    def mention(self, node: Mention) -> str:
        return f"[{hugo_escape(mention_name(node))}]({node.url})"

    def callout(self, node: Callout) -> str:
        return hugo_escape(super().callout(node))

    def widget(self, node: Widget) -> str:
        # Hugo runs shortcodes inside HTML comments too.
        return hugo_escape(super().widget(node))

    def image(self, node: Image) -> str:
        if not node.align:
            return hugo_escape(super().image(node))
        params = [f"src={_param(node.src)}", f"alt={_param(unescape_markdown(node.alt))}"]
        params.append(f"class={_param('align-' + node.align.lower())}")
        if node.link:
            params.append(f"link={_param(node.link)}")
        if node.title:
            params.append(f"title={_param(node.title)}")
        return "{{< figure " + " ".join(params) + " >}}"

    def html_image(self, node: Image) -> str:
        return hugo_escape(super().html_image(node))

    def embed(self, node: Embed) -> str:
        ids = node.ids
        if node.provider == "youtube" and "id" in ids and "start" not in ids:
            return "{{< youtube " + ids["id"] + " >}}"
        if node.provider == "vimeo" and "id" in ids:
            return "{{< vimeo " + ids["id"] + " >}}"
        markup = embed_html.render(node)
        if markup is None:
            return super().embed(node)
        return hugo_escape(markup)


class HugoExporter:
    name: ClassVar[str] = "hugo"
    description: ClassVar[str] = "Hugo page bundles (content/posts/<slug>/index.md)"
    options: ClassVar[tuple[Option, ...]] = (
        Option("section", str, "posts", "the folder under content/ the posts go in"),
        Option("aliases", bool, True, "redirect the old Hashnode paths (Hugo aliases)"),
        Option("canonical", str, CHECK, "a canonical URL that cannot be right: check (leave it out) or keep"),
    )

    def __init__(self, section: str = "posts", aliases: bool = True, canonical: str = CHECK) -> None:
        section = str(section).strip("/")
        if not re.fullmatch(r"[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*", section):
            raise ValueError(
                f"section must be a folder name under content/ (letters, digits, - and _), not {section!r}"
            )
        if not isinstance(aliases, bool):
            raise ValueError(f"aliases must be true or false, not {aliases!r}")
        self.section = section
        self.aliases = aliases
        self.canonical = canonical_mode(canonical)

    def url(self, post: Post) -> str:
        return f"/{self.section}/{post.slug}/"

    def asset_path(self, post: Post, stem: str, ext: str, cover: bool) -> tuple[str, str]:
        """Images live in the post's bundle, referred to by a relative name; the cover as cover.<ext>."""
        name = f"cover.{ext}" if cover else f"{stem}.{ext}"
        return f"content/{self.section}/{post.slug}/{name}", name

    @staticmethod
    def heading_id(text: str) -> str:
        """The id Hugo's default ("github") auto heading ids give this heading text (Hugo 0.112+;
        Hugo 0.111's goldmark read the heading's source instead, link URLs and HTML tags included).

        With the typographer off, as the config snippet and ``--site`` set it, dashes stay as typed;
        each space is a "-", other white space is dropped, and an id left empty is "heading".
        """
        text = text.strip().lower()
        if text.isascii():
            # The usual heading: of ASCII (lower case now) only letters, digits, " ", "-" and "_" are
            # kept, which one substitution finds without a category lookup a character.
            kept = _NOT_ASCII_WORD.sub("", text).replace(" ", "-")
        else:
            kept = "".join(c for c in text if c in " -_" or unicodedata.category(c) in _WORD).replace(
                " ", "-"
            )
        return kept or "heading"

    def render(self, post: Post, site: Site) -> Rendered:
        post, canonical_note = checked_canonical(post, self.canonical)
        body = HugoBody(post)
        text = body.render(post.tree)
        body.notes.extend(filter(None, [canonical_note]))
        meta: dict[str, Any] = {
            "title": post.title,
            "date": _date(post.published),
            "lastmod": _date(post.updated),
            "slug": post.slug,
            "draft": True if post.draft else None,
            "description": post.description,
            "subtitle": post.subtitle or None,
            "tags": self._tags(post, body),
            "series": [post.series] if post.series else None,
        }
        if post.published and post.published > datetime.now(UTC):
            body.note(
                "future",
                f"dated in the future ({post.published:%Y-%m-%d})",
                "Hugo builds future posts only with --buildFuture (or buildFuture = true)",
            )
        if self.aliases:
            if post.slug.lower() in _RESERVED_SECTIONS or post.slug.lower() == self.section:
                body.note("alias", f"old path /{post.slug}/ not kept", "it is one of the site's own sections")
            else:
                meta["aliases"] = [f"/{post.slug}/"]
        cover = body.url_field("cover", post.cover, relative=True)
        image = body.url_field("image", post.og_image, relative=True) if post.og_image else cover
        meta["images"] = [image] if image else None
        if cover:
            meta["cover"] = {"image": cover, "alt": post.title}
        meta["canonicalURL"] = body.url_field("canonical URL", post.canonical_url)
        hashnode = {"cuid": post.cuid or None, "url": post.hashnode_url, "seo_title": post.seo_title}
        hashnode.update({k: v for k, v in post.extra.items() if plain_data(v)})
        meta["hashnode"] = {k: v for k, v in hashnode.items() if v is not None} or None
        # The body's end is kept as written: a fence left open at the end of a post owns its blank lines.
        text = text.lstrip("\n")
        document = yamlfm.fm_post(text + ("" if text.endswith("\n") else "\n"), meta)
        content = frontmatter.dumps(document, handler=yamlfm.HANDLER)
        path = f"content/{self.section}/{post.slug}/index.md"
        return Rendered(
            post=post, files=(OutputFile(path, content),), url=self.url(post), notes=tuple(body.notes)
        )

    def _tags(self, post: Post, body: HugoBody) -> list[str]:
        tags = []
        for tag in post.tags:
            name = short_tag(tag.name)
            if name != tag.name:
                body.note(
                    "tag-shortened",
                    f"tag {tag.name[:40]}... shortened to {name!r}",
                    f"Hugo makes a folder per tag and names over {MAX_TAG_BYTES} bytes are too long for it",
                )
            tags.append(name)
        return tags

    def site_files(self, site: Site) -> tuple[OutputFile, ...]:
        return (OutputFile("hugo-config-snippet.toml", CONFIG_SNIPPET),)

    def scaffold(self, site: Site) -> tuple[OutputFile, ...]:
        """A complete small site (config and layout) around the posts, for ``convert --site``."""
        return scaffold.hugo_files(site, CONFIG_SNIPPET)

    def advice(self) -> str:
        return (
            "Merge hugo-config-snippet.toml into your site's config: embeds are raw HTML and need "
            "[markup.goldmark.renderer] unsafe = true."
        )
