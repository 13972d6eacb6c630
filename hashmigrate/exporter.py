"""The plugin contract (exporters and publishers), and the body renderer every exporter builds on.

An exporter is pure: given a post (and what it needs to know of the whole site) it returns the files
to write and the notes on what did not carry over. Writing them (a folder, an API) is delivery's job.
Exporters are found by name through the entry-point group ``hashmigrate.exporters``; publishers (API
delivery) through ``hashmigrate.publishers`` (see :mod:`hashmigrate.registry`).

A third-party exporter is a class with:

* ``name`` and ``description`` (class attributes), ``render(post, site)``, ``site_files(site)`` and
  ``advice()`` (the :class:`Exporter` protocol);
* ``options``: a tuple of :class:`Option`, the keyword arguments its ``__init__`` takes. The command
  line (``-O key=value``) and the sync config are checked against it before the exporter is made;
* any of the optional hooks, each a small protocol (:class:`LinksPosts`, :class:`NamesHeadings`,
  :class:`PlacesImages`, :class:`FinishesSite`), found by :func:`hooks` and used when present; and
  ``remote_images`` (a class attribute: why its target keeps images where they are, if it does).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from typing import Any, ClassVar, Literal, Protocol, TypeAlias, runtime_checkable

from hashmigrate import model
from hashmigrate.document import Construct, Document, Element, HtmlBlock, HtmlInline, free_marker
from hashmigrate.embeds import valid_ids
from hashmigrate.links import Repeats, autolink
from hashmigrate.model import Callout, Embed, Html, Image, Markdown, Mention, Node, Note, Post, Widget
from hashmigrate.urls import markdown_text, safe_url


@dataclass(frozen=True, slots=True)
class OutputFile:
    """A file to write, at a POSIX path relative to the output folder."""

    path: str
    content: str


@dataclass(frozen=True, slots=True)
class Rendered:
    post: Post
    files: tuple[OutputFile, ...]
    url: str | None = None
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True)
class Site:
    """What rendering one post may need to know about the whole migration."""

    blog_url: str | None = None
    urls: Mapping[str, str] = field(default_factory=dict)


# ---- declared options --------------------------------------------------------------------------------

OptionType = type[bool] | type[str] | type[int] | type[float]
_TYPE_WORDS: dict[type, str] = {
    bool: "true or false",
    str: "a string",
    int: "a whole number",
    float: "a number",
}
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


class OptionError(ValueError):
    """An option that does not exist or has a value of the wrong type: one line for the user."""


@dataclass(frozen=True, slots=True)
class Option:
    """One option an exporter or publisher takes (a keyword argument of its ``__init__``).

    ``type`` is ``bool``, ``str``, ``int`` or ``float``; ``choices`` (optional) the values allowed.
    A string (from ``-O key=value``) is converted by ``type``: a bool from true/false/yes/no/on/off/1/0.
    """

    name: str
    type: OptionType
    default: Any
    help: str
    choices: tuple[Any, ...] = ()

    @property
    def type_words(self) -> str:
        if self.choices:
            return "one of " + ", ".join(str(c) for c in self.choices)
        return _TYPE_WORDS.get(self.type, self.type.__name__)

    def convert(self, value: Any) -> Any:
        """The value as the declared type; OptionError saying the expected type when it cannot be."""
        converted = self._typed(value)
        if self.choices and converted not in self.choices:
            raise OptionError(f"option {self.name} must be {self.type_words}, not {value!r}")
        return converted

    def _typed(self, value: Any) -> Any:
        wrong = OptionError(f"option {self.name} must be {_TYPE_WORDS.get(self.type, '?')}, not {value!r}")
        if self.type is bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
                return value.strip().lower() in _TRUE
            raise wrong
        if isinstance(value, bool):
            raise wrong
        if self.type is str:
            if isinstance(value, str):
                return value
            raise wrong
        if self.type is int:
            if isinstance(value, int):
                return value
            if isinstance(value, str):
                try:
                    return int(value.strip())
                except ValueError:
                    raise wrong from None
            raise wrong
        if self.type is float:
            if isinstance(value, (int, float)):
                return float(value)
            if isinstance(value, str):
                try:
                    return float(value.strip())
                except ValueError:
                    raise wrong from None
        raise wrong

    def line(self) -> str:
        """How ``hashmigrate exporters`` shows the option."""
        return f"{self.name} ({self.type_words}, default {self.default!r}): {self.help}"


def declared_options(plugin: object) -> tuple[Option, ...] | None:
    """The options a plugin (class or instance) declares; None when it declares none at all."""
    options = getattr(plugin, "options", None)
    if options is None:
        return None
    return tuple(o for o in options if isinstance(o, Option))


def check_options(declared: Sequence[Option], given: Mapping[str, Any], *, what: str = "") -> dict[str, Any]:
    """``given`` checked against ``declared`` and converted to the declared types.

    OptionError (one line) for an unknown name, naming the known ones, or a value of the wrong type.
    """
    by_name = {o.name: o for o in declared}
    prefix = f"{what}: " if what else ""
    checked: dict[str, Any] = {}
    for key, value in given.items():
        option = by_name.get(key)
        if option is None:
            known = ", ".join(sorted(by_name)) or "none"
            raise OptionError(f"{prefix}no such option {key!r} (known: {known})")
        try:
            checked[key] = option.convert(value)
        except OptionError as exc:
            raise OptionError(f"{prefix}{exc}") from None
    return checked


# ---- the exporter protocol and its optional hooks -------------------------------------------------------


@runtime_checkable
class Exporter(Protocol):
    """What every exporter has. It may also declare ``options`` (a tuple of :class:`Option`) and
    have any of the optional hooks below; :func:`hooks` is the one place that looks for them."""

    name: ClassVar[str]
    description: ClassVar[str]

    def render(self, post: Post, site: Site) -> Rendered:
        """The files for one post. Pure: no I/O."""
        ...

    def site_files(self, site: Site) -> tuple[OutputFile, ...]:
        """Files the whole output needs once (a config snippet), written beside the posts."""
        ...

    def advice(self) -> str:
        """One paragraph telling the user what their site needs to show the output as intended."""
        ...


@runtime_checkable
class LinksPosts(Protocol):
    def url(self, post: Post) -> str | None:
        """The post's new URL path, so links between the blog's posts can follow it."""
        ...


@runtime_checkable
class NamesHeadings(Protocol):
    def heading_id(self, text: str) -> str:
        """The id the target gives a heading with this text, so ``#heading-`` anchors can follow."""
        ...


@runtime_checkable
class PlacesImages(Protocol):
    def asset_path(self, post: Post, stem: str, ext: str, cover: bool) -> tuple[str, str]:
        """Where a downloaded image goes: (file path in the output, reference the post uses).

        Without it, ``--download-images`` writes images beside the post's first file, with a note."""
        ...


@runtime_checkable
class FinishesSite(Protocol):
    def finish(self, rendered: Sequence[Rendered], site: Site) -> tuple[OutputFile, ...]:
        """Files made from every rendered post, once, at the end (WordPress's one WXR file).

        Each post comes whole, body and tree, unless the exporter's ``finish_reads`` class attribute
        is ``"images"``: then its body is its images only (``Post.images()`` as they were) and it has
        no tree, which spares a worker process sending every post's tree back (see :data:`FinishReads`)."""
        ...


# What a ``finish`` hook reads of each post: "posts", all of it (the default); "images", its fields,
# files and images, not its body or tree. A post's tree is most of what a worker process sends back:
# on the corpus, pickling and unpickling WordPress's whole posts cost 1.1-1.4 s of CPU, 0.3 s without
# their trees.
FinishReads: TypeAlias = Literal["posts", "images"]


@dataclass(frozen=True, slots=True)
class Hooks:
    """An exporter's optional hooks; None where it has none."""

    url: Callable[[Post], str | None] | None = None
    heading_id: Callable[[str], str] | None = None
    asset_path: Callable[[Post, str, str, bool], tuple[str, str]] | None = None
    finish: Callable[[Sequence[Rendered], Site], tuple[OutputFile, ...]] | None = None
    # The exporter's ``remote_images`` class attribute: why its target keeps images on their hosts
    # (dev.to shows them from their URLs), so --download-images says so rather than do nothing.
    remote_images: str | None = None
    # The exporter's ``repeated_headings`` class attribute: how its target numbers a repeated heading
    # id (links.Repeats: "skip" as goldmark, "count" as kramdown, "same" as Forem), so links to a
    # repeated heading are mapped to the id it gets there.
    repeated_headings: Repeats = "skip"
    # The exporter's ``finish_reads`` class attribute (:data:`FinishReads`).
    finish_reads: FinishReads = "posts"


def _repeats(value: object) -> Repeats:
    return value if value in ("skip", "count", "same") else "skip"


def images_only(rendered: Rendered) -> Rendered:
    """A rendered post as a ``finish_reads = "images"`` hook gets it: body its images, no tree."""
    post = rendered.post
    return replace(rendered, post=replace(post, body=tuple(post.images()), document=None))


def hooks(exporter: object) -> Hooks:
    """The optional hooks an exporter has (the one place that checks for them)."""
    remote = getattr(exporter, "remote_images", None)
    return Hooks(
        url=exporter.url if isinstance(exporter, LinksPosts) else None,
        heading_id=exporter.heading_id if isinstance(exporter, NamesHeadings) else None,
        asset_path=exporter.asset_path if isinstance(exporter, PlacesImages) else None,
        finish=exporter.finish if isinstance(exporter, FinishesSite) else None,
        remote_images=remote if isinstance(remote, str) and remote else None,
        repeated_headings=_repeats(getattr(exporter, "repeated_headings", "skip")),
        finish_reads="images" if getattr(exporter, "finish_reads", "posts") == "images" else "posts",
    )


# Inline elements Markdown has no syntax for: markdownify would keep only their text, but CommonMark
# keeps raw inline HTML, so they stay as they are in body text (a <mark> highlight, a <sub> index).
RAW_INLINE_TAGS = frozenset(
    {"mark", "u", "ins", "sub", "sup", "small", "big", "abbr", "span", "var", "cite", "dfn", "time",
     "bdi", "bdo", "data", "font", "strike", "tt", "wbr"}
)  # fmt: skip


def html_to_markdown(fragment: str) -> str:
    """An HTML fragment (callout text, a raw block a target cannot take) as Markdown."""
    try:
        text = str(_converter().convert(fragment))
    except RecursionError:
        # Thousands of nested tags: keep the HTML itself rather than lose the text.
        return fragment.strip()
    return text.strip()


def _visits_speaks_for(cls: type) -> bool:
    """Whether ``cls.visits`` speaks for its ``write`` and ``visit``: neither is overridden in a
    class below the one that defines ``visits``."""

    def owner(name: str) -> type:
        return next(k for k in cls.__mro__ if name in vars(k))

    answers = owner("visits")
    return not any(
        owner(name) is not answers and issubclass(owner(name), answers) for name in ("write", "visit")
    )


def load_html_converter() -> None:
    """Load what :func:`html_to_markdown` loads on its first call (markdownify and BeautifulSoup),
    for worker processes forked next to inherit."""
    _converter()


@lru_cache(maxsize=1)
def _converter() -> Any:
    # markdownify pulls in BeautifulSoup (a tenth of a second); only posts with callouts need it.
    from markdownify import MarkdownConverter

    raw = {f"convert_{tag}": _raw_inline for tag in RAW_INLINE_TAGS}
    converter = type("Converter", (MarkdownConverter,), raw)
    return converter(
        heading_style="ATX",
        bullets="-",
        escape_underscores=False,
        escape_asterisks=False,
        escape_misc=False,
    )


def _raw_inline(converter: Any, el: Any, text: str, parent_tags: set[str]) -> str:
    """The element as it was written, around its content (converted); only its text in code."""
    if "_noformat" in parent_tags:
        return text
    attrs = "".join(
        f' {name}="{attr(" ".join(value) if isinstance(value, list) else str(value))}"'
        for name, value in el.attrs.items()
    )
    if el.name == "wbr":
        return f"<wbr{attrs}>"
    return f"<{el.name}{attrs}>{text}</{el.name}>"


def plain_data(value: Any) -> bool:
    """Whether a value is plain data every front-matter format can write (str, number, bool, list, dict)."""
    if isinstance(value, (str, int, float, bool)):
        return True
    if isinstance(value, list):
        return all(plain_data(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and plain_data(v) for k, v in value.items())
    return False


def attr(value: str) -> str:
    """A value for a double-quoted HTML attribute."""
    return html.escape(value, quote=True)


def shown(text: str, limit: int = 100) -> str:
    """Text from a post, quoted for a message: control characters visible, long values cut."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def mention_name(node: Mention) -> str:
    """A mention's name as Markdown link text: a person's name, never a tag."""
    return node.name.replace("<", "&lt;")


_NOT_HTTP = "its address is not an http(s) URL"
# What the walk gives write() whatever a writer's visits() names (see BodyRenderer.visits).
_ALWAYS_WRITTEN: frozenset[type[Element]] = frozenset([Construct, HtmlBlock, HtmlInline])
_NODE_TYPE = re.compile(r"""data-node-type\s*=\s*["']?([\w-]{1,40})""", re.I)
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def unescape_markdown(text: str) -> str:
    """Markdown backslash escapes removed (``\\_`` -> ``_``): for alt text used outside Markdown."""
    return _MD_ESCAPE.sub(r"\1", text)


class BodyRenderer:
    """Renders body nodes to Markdown for one target; subclasses override what their target does better.

    Every node type has a method, with a fallback that keeps the content visible (an embed becomes a
    link, a widget a comment), so a new node type is never dropped silently. Lossy choices are recorded
    with :meth:`note`.
    """

    target: ClassVar[str] = "markdown"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _visits_speaks_for(cls):
            # A write or visit of its own, below the class whose visits() names what they change:
            # that answer does not hold for it, so it is given every node.
            cls.visits = BodyRenderer.visits  # type: ignore[method-assign]

    def __init__(self, post: Post) -> None:
        self.post = post
        self.notes: list[Note] = []

    def note(self, kind: model.NoteKind, what: str, why: str, action: str = "") -> None:
        self.notes.append(Note(self.post.label, kind, what, why, action))

    def render(self, document: Document) -> str:
        """The body for this target: the author's text as :meth:`markdown` writes it, each construct as
        its method renders it."""
        return "".join(
            self.markdown(Markdown(text)) if author else text for text, author in self.parts(document)
        )

    def parts(self, document: Document) -> list[tuple[str, bool]]:
        """The body as (text, written by the author) runs, in order.

        One walk over the tree: what the writer leaves alone is the author's source, byte for byte;
        each construct is rendered by its method (:meth:`node`), and a node a target must change has a
        visit (:meth:`visit`). Neighbouring runs of the author's text are joined, so a target's escaping
        (Hugo's shortcodes, Liquid) sees whole runs, as the author wrote them. What the renderer writes
        itself comes back as the very object its method returned (a ``str`` subclass stays one).
        """
        mark = free_marker(document.source)
        ours: list[str] = []

        def own(text: str) -> str:
            ours.append(text)
            return f"{mark}{len(ours) - 1}{mark}"

        types = self.visits(document)
        if types is not None:
            types = types | _ALWAYS_WRITTEN
        # A partial, not a lambda: one Python call a node fewer (the visit runs for every node).
        pieces = document.emit(partial(self.write, document, own=own), types).split(mark)
        parts: list[tuple[str, bool]] = []
        for index, piece in enumerate(pieces):
            if index % 2:
                parts.append((ours[int(piece)], False))
            elif piece:
                parts.append((piece, True))
        return parts

    def visits(self, document: Document) -> frozenset[type[Element]] | None:
        """The node types :meth:`write` may write otherwise than as their source in this document, by
        exact type (None, the default: every type). The walk calls it for no other node: a writer
        that changes few nodes of most documents spares a call or three for each of the others.
        Constructs and raw HTML are given to :meth:`write` whatever this names: they are what the
        base class renders (an embed, a callout) and notes (Hashnode markup in HTML).
        A subclass that overrides :meth:`write` or :meth:`visit` below the class that answers this
        answers None (see ``__init_subclass__``) until it answers this itself."""
        return None

    def write(self, document: Document, element: Element, own: Callable[[str], str]) -> str | None:
        """What :meth:`parts` writes for any node: a construct by its method, the rest by :meth:`visit`
        (a visit that writes a node's children itself walks them with this)."""
        if isinstance(element, Construct) and element.node is not None:
            text = self.node(element.node)
            if element.indent and "\n" in text:
                text = type(text)(text.replace("\n", "\n" + element.indent))
            return own(text) + element.after
        return self.visit(document, element, own)

    def visit(self, document: Document, element: Element, own: Callable[[str], str]) -> str | None:
        """What to write for a node of the author's Markdown, or None for its source (its children
        visited in turn). ``own(text)`` marks text the renderer wrote itself (not the author's, so not
        escaped as the author's is). The default notes Hashnode editor markup left in raw HTML."""
        if isinstance(element, (HtmlBlock, HtmlInline)):
            self._note_markup(document.text_of(element))
            if isinstance(element, HtmlBlock):
                # A pass's rewrite (an href, an image's new src) is the block's HTML from then on.
                written = element.written
                return self.html_block(document.text_of(element) if written is None else written, own)
        return None

    def _note_markup(self, html: str) -> None:
        """Markup of a Hashnode editor element the reader does not know shows as plain HTML (if at
        all): say so rather than pass it through silently."""
        for name in dict.fromkeys(_NODE_TYPE.findall(html)):
            self.note(
                "hashnode-markup",
                f'Hashnode element data-node-type="{name}" kept as HTML',
                "hashmigrate does not know this element of Hashnode's editor",
                "check how it shows",
            )

    def html_block(self, html: str, own: Callable[[str], str]) -> str | None:
        """A raw HTML block as this target needs it, or None to keep it as written."""
        return None

    def node(self, node: Node) -> str:
        if isinstance(node, Markdown):
            return self.markdown(node)
        if isinstance(node, Embed):
            return self._checked_embed(node)
        if isinstance(node, Image):
            if not node.src.strip():
                self.note("image-empty", "an image with no URL left out", "there is nothing to show")
                return ""
            if safe_url(node.src, relative=True) is None:
                self.note("image-as-text", f"image {shown(node.src)} written as its alt text", _NOT_HTTP)
                return markdown_text(unescape_markdown(node.alt))
            if node.link and safe_url(node.link, relative=True) is None:
                self.note("image-link-dropped", f"link {shown(node.link)} of an image left out", _NOT_HTTP)
                node = replace(node, link=None)
            return self.html_image(node) if node.in_html else self.image(node)
        if isinstance(node, Widget):
            return self.widget(node)
        if isinstance(node, Callout):
            return self.callout(node)
        if isinstance(node, Mention):
            return self.mention(node)
        if isinstance(node, Html):
            self._note_markup(node.html)
            return self.html(node)
        raise TypeError(f"no rendering for body node {type(node).__name__}")

    def _checked_embed(self, node: Embed) -> str:
        """The one gate every embed passes: only an http(s) URL and ids that match their provider's
        patterns reach a target's markup; any other URL is written as text."""
        url = safe_url(node.url)
        if url is None:
            self.note(
                "embed-as-text",
                f"embed {shown(node.url)} written as text",
                _NOT_HTTP,
            )
            return markdown_text(node.url)
        if not valid_ids(node.provider, node.ids):
            return self.embed(Embed(url, "link", {}, node.indent))
        return self.embed(replace(node, url=url))

    def url_field(self, name: str, url: str | None, *, relative: bool = False) -> str | None:
        """A URL for the front matter (canonical, cover), by the same rule as embeds: themes and SEO
        plugins put it in attributes and JSON-LD; one that is not http(s) is left out, with a note."""
        if not url:
            return None
        safe = safe_url(url, relative=relative)
        if safe is None:
            self.note("url-omitted", f"{name} {shown(url)} left out", _NOT_HTTP)
        return safe

    # -- defaults -------------------------------------------------------------------------------------
    def markdown(self, node: Markdown) -> str:
        return node.text

    def html(self, node: Html) -> str:
        return node.html

    def embed(self, node: Embed) -> str:
        self.note(
            "embed-as-link",
            f"{node.provider} embed {node.url} written as a link",
            f"{self.target} has no embed for it",
        )
        return self.link(node.url)

    def link(self, url: str, text: str | None = None) -> str:
        return f"[{text}]({url})" if text else autolink(url)

    def widget(self, node: Widget) -> str:
        self.note(
            "widget",
            f"Hashnode widget %%[{node.name}] left out",
            "widgets exist only on Hashnode",
            "an HTML comment marks where it was",
        )
        return f"<!-- Hashnode widget: {node.name.replace('--', '- -')} -->"

    def image(self, node: Image) -> str:
        if node.align:
            # Markdown has no alignment: a target that has one overrides this (html_image keeps it).
            why = f"{self.target} Markdown has no image alignment"
            self.note("image-align", f"alignment ({node.align}) of image {shown(node.src)} dropped", why)
        title = ' "' + node.title.replace("\\", "\\\\").replace('"', '\\"') + '"' if node.title else ""
        src = f"<{node.src}>" if " " in node.src else node.src
        image = f"![{node.alt}]({src}{title})"
        return f"[{image}]({node.link})" if node.link else image

    def html_image(self, node: Image) -> str:
        alt = attr(unescape_markdown(node.alt))
        align = f' align="{attr(node.align)}"' if node.align else ""
        tag = f'<img src="{attr(node.src)}" alt="{alt}"{align}>'
        return f'<a href="{attr(node.link)}">{tag}</a>' if node.link else tag

    def callout(self, node: Callout) -> str:
        text = html_to_markdown(node.html)
        lines = f"{node.emoji} {text}".strip().split("\n")
        return "\n".join(f"> {line}".rstrip() for line in lines)

    def mention(self, node: Mention) -> str:
        return f"[{mention_name(node)}]({node.url})"
