"""dev.to: one ``<slug>.md`` per post, a complete article as dev.to's editor and API take it.

The front matter is the one dev.to reads inside ``body_markdown`` (title, published, description, tags,
canonical_url, cover_image, series, date), so the file alone is the article: pasted into the editor or sent
as ``body_markdown`` through the API it gives the same result, and its hash says whether dev.to is up to date.

dev.to runs the body through Liquid before Markdown, which shapes three choices here:

* Embeds become dev.to's own Liquid tags where one exists and can be given the ids we have; everything
  else is a plain link. ``{% embed %}`` is used only for providers registered with dev.to's unified embed
  (Loom, Spotify), because it rejects the whole article (422) for a URL it cannot embed.
* ``{{`` and ``{%`` that are the author's own text would make dev.to reject the article ("Liquid variables
  are disabled") or print a Liquid error instead of the post, so they are wrapped in ``{% raw %}``. dev.to
  already escapes what it considers code (its own regex over backticks and tildes), and a raw tag inside
  code would be shown, so code as dev.to sees it is left alone.
* Front matter values are always double-quoted: dev.to's front matter "fixer" rewrites any unquoted
  ``title:``/``description:`` text it finds (even inside another value), which breaks block scalars,
  backslashes and values that mention those words.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import frontmatter
from frontmatter.default_handlers import YAMLHandler

from hashmigrate import yamlfm
from hashmigrate.canonical import CHECK, KEEP, checked_canonical
from hashmigrate.document import List
from hashmigrate.embeds import classify
from hashmigrate.exporter import BodyRenderer, Option, OutputFile, Rendered, Site, attr, unescape_markdown
from hashmigrate.forem import FOREM_CODE, forem_heading_id
from hashmigrate.model import Embed, Html, Image, Note, Post, Tag
from hashmigrate.urls import safe_url

MAX_TAGS = 4
MAX_TAG_LENGTH = 30
MAX_TITLE_LENGTH = 128

# Liquid's tokenizer: a whole tag or variable, else a lone opening delimiter (a syntax error in Liquid).
_LIQUID_TOKEN = re.compile(r"\{%.*?%\}|\{\{.*?\}\}?|\{%|\{\{", re.DOTALL)
_RAW, _ENDRAW = "{% raw %}", "{% endraw %}"
# Stands in for an embed's Liquid tag until the author's text has been escaped around it.
_PLACEHOLDER = re.compile("\ue000devto-liquid-(\\d+)\ue001")

_TAG_CHAR = re.compile(r"[^\W_]")  # Unicode letters and digits, as dev.to's tag validation allows
_TAG_WORDS = {"c++": "cpp", "c#": "csharp", "f#": "fsharp", ".net": "dotnet"}
_TWEET_ID = re.compile(r"\A\d{10,20}\Z")
_GIST_USER = re.compile(r"\A[A-Za-z0-9-]+\Z")
_CODESANDBOX_ID = re.compile(r"\A[A-Za-z0-9-]{1,60}\Z")
_CODESANDBOX_PATH = re.compile(r"\A[A-Za-z0-9\-_/.@%]+\Z")
_SPOTIFY_ID = re.compile(r"\A\w{22}\Z")
_INSTAGRAM_ID = re.compile(r"\A[A-Za-z0-9_-]{11}\Z")
_IFRAME = re.compile(
    r"\A\s*<iframe\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)[\"'][^>]*>\s*</iframe>(\s*)\Z", re.IGNORECASE
)
_STRIPPED_HTML = re.compile(r"<\s*(iframe|script|embed|object)\b", re.IGNORECASE)
_URL = re.compile(r"\Ahttps?://[^\s/$.?#][^\s]*\Z", re.IGNORECASE)
# YAML double-quoted scalars treat these as line breaks or forbid them; escape them as \uXXXX.
_YAML_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


# ---- tags -------------------------------------------------------------------------------------------


def devto_tag(raw: str) -> str:
    """A tag as dev.to accepts it: lowercase letters and digits only (``web-dev`` -> ``webdev``)."""
    text = raw.strip().lower()
    text = _TAG_WORDS.get(text, text)
    return "".join(_TAG_CHAR.findall(text))


def devto_tags(tags: Iterable[Tag]) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str]]]:
    """The first four usable tags; the renamed ``(from, to)`` pairs; the dropped ``(tag, why)`` pairs."""
    kept: list[str] = []
    renamed: list[tuple[str, str]] = []
    dropped: list[tuple[str, str]] = []
    for tag in tags:
        original = tag.name or tag.slug
        # The name first for the few tags whose slug lost their meaning ("c#" has the slug "c").
        known = _TAG_WORDS.get(tag.name.strip().lower())
        name = known or devto_tag(tag.slug) or devto_tag(tag.name)
        if not name:
            dropped.append((original, "it has no letters or digits"))
        elif len(name) > MAX_TAG_LENGTH:
            dropped.append((original, f"dev.to tags are at most {MAX_TAG_LENGTH} characters"))
        elif name in kept:
            if name != original:
                renamed.append((original, name))
        elif len(kept) >= MAX_TAGS:
            dropped.append((original, f"dev.to allows at most {MAX_TAGS} tags"))
        else:
            kept.append(name)
            if name != original:
                renamed.append((original, name))
    return kept, renamed, dropped


# ---- Liquid -----------------------------------------------------------------------------------------


def escape_liquid(text: str) -> str:
    """``text`` with every Liquid delimiter outside dev.to's code regions made literal."""
    return _escape_outside_code(text, lambda placeholder: placeholder)


def _escape_outside_code(text: str, in_code: Callable[[str], str]) -> str:
    if "{" not in text and "\ue000" not in text:
        # Nothing to escape (no "{") and no placeholder: the scan for code regions (a millisecond a
        # post) would change nothing.
        return text
    out: list[str] = []
    pos = 0
    for code in FOREM_CODE.finditer(text):
        segment = _escape_segment(text[pos : code.start()])
        if segment.endswith("{"):
            # dev.to wraps code in "{% raw %}" (code spans and ~~~ fences with no newline before it),
            # which a brace just before it would turn into "{{%", a Liquid variable.
            segment = segment[:-1] + _RAW + "{" + _ENDRAW
        out.append(segment)
        out.append(_PLACEHOLDER.sub(lambda m: in_code(m.group(0)), code.group(0)))
        pos = code.end()
    out.append(_escape_segment(text[pos:]))
    return "".join(out)


def _escape_segment(segment: str) -> str:
    if "{" not in segment:
        return segment
    out: list[str] = []
    pos = 0
    while hit := _LIQUID_TOKEN.search(segment, pos):
        out.append(segment[pos : hit.start()])
        token = hit.group(0)
        if len(token) > 2 and "endraw" not in token:
            out.append(_RAW + token + _ENDRAW)
            pos = hit.end()
        else:
            # A lone delimiter, or a token that would end the raw block early: only its opening two
            # characters go inside, and the rest is scanned again as ordinary text.
            out.append(_RAW + token[:2] + _ENDRAW)
            pos = hit.start() + 2
    out.append(segment[pos:])
    return "".join(out)


# ---- front matter -----------------------------------------------------------------------------------


def _quoted(value: str) -> str:
    """A YAML double-quoted scalar that dev.to's front matter fixer leaves exactly as written."""
    text = json.dumps(value, ensure_ascii=False)[1:-1]
    text = _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
    # The fixer rewrites every "title:" and "description:" it finds, even inside another value.
    text = text.replace("title:", "title\\x3a").replace("description:", "description\\x3a")
    return f'"{text}"'


class DevtoHandler(YAMLHandler):
    """python-frontmatter's YAML handler for dev.to: every value double-quoted (see the module's notes).

    ``yamlfm.YamlHandler`` would write plain scalars and ``|`` blocks, which dev.to's fixer rewrites; so
    ``export`` writes each line itself. ``format`` keeps the body as given (``YAMLHandler``'s strips it).
    """

    def export(self, metadata: Mapping[str, object], **kwargs: object) -> str:
        """``key: "value"`` lines (``true``/``false`` for flags); None and empty values are left out."""
        lines = []
        for key, value in metadata.items():
            if value is None or value == "":
                continue
            rendered = ("true" if value else "false") if isinstance(value, bool) else _quoted(str(value))
            lines.append(f"{key}: {rendered}\n")
        return "".join(lines)

    def format(self, post: frontmatter.Post, **kwargs: object) -> str:
        """The front matter, an empty line and the body exactly as given."""
        return f"---\n{self.export(post.metadata, **kwargs)}---\n\n{post.content}"


HANDLER = DevtoHandler()


def _date(value: datetime | None) -> str | None:
    if value is None:
        return None
    # isoformat, unlike strftime("%Y"), pads years before 1000 to four digits; naive means UTC.
    moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _shorten(title: str, limit: int) -> str:
    if len(title) <= limit:
        return title
    cut = title[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:-")
    return (cut or title[: limit - 1]) + "…"


# ---- body -------------------------------------------------------------------------------------------


class DevtoBody(BodyRenderer):
    target = "dev.to"

    def __init__(self, post: Post) -> None:
        super().__init__(post)
        # Liquid tags of embeds, by placeholder number, with the link to write if they land in code.
        self.liquid: list[tuple[str, str, str]] = []
        self.aligned = 0

    def finish(self, text: str) -> str:
        """Escape the author's Liquid, then put the embed tags in (as links where dev.to sees code)."""

        def in_code(placeholder: str) -> str:
            _, link, url = self.liquid[_placeholder_index(placeholder)]
            self.note(
                "embed-as-link",
                f"embed {url} written as a link",
                "dev.to would read its Liquid tag as part of a code span (an unmatched backtick before it)",
            )
            return link

        escaped = _escape_outside_code(text, in_code)
        return _PLACEHOLDER.sub(lambda m: self.liquid[int(m.group(1))][0], escaped)

    def _tag(self, tag: str, url: str) -> str:
        self.liquid.append((tag, self.link(url), url))
        return f"\ue000devto-liquid-{len(self.liquid) - 1}\ue001"

    def embed(self, node: Embed) -> str:
        tag = liquid_tag(node)
        if tag is not None:
            return self._tag(tag, node.url)
        if node.provider == "glitch":
            self.note(
                "embed-as-link",
                f"glitch embed {node.url} written as a link",
                "Glitch stopped hosting projects in July 2025, so an embed would show an error page",
            )
            return self.link(node.url)
        return super().embed(node)

    def image(self, node: Image) -> str:
        if node.align:
            self.aligned += 1  # noted once for the post (see DevtoExporter.render)
        return super().image(replace(node, align=""))

    def html_image(self, node: Image) -> str:
        if node.align:
            self.aligned += 1
        alt = attr(unescape_markdown(node.alt))
        tag = f'<img src="{attr(node.src)}" alt="{alt}">'
        return f'<a href="{attr(node.link)}">{tag}</a>' if node.link else tag

    def html_block(self, html: str, own: Callable[[str], str]) -> str | None:
        return self.html(Html(html))

    def html(self, node: Html) -> str:
        if (iframe := _IFRAME.match(node.html)) and (url := safe_url(classify(iframe.group(1)).url)):
            info = classify(url)
            embed = Embed(url=info.url, provider=info.provider, ids=info.ids)
            tag = liquid_tag(embed)
            if tag is not None:
                self.note(
                    "iframe-as-embed", f"<iframe> of {info.url} written as {tag}", "dev.to removes iframes"
                )
                return self._tag(tag, info.url) + iframe.group(2)
        if found := _STRIPPED_HTML.search(node.html):
            self.note(
                "html-removed",
                f"raw HTML with <{found.group(1).lower()}> kept as written",
                "dev.to removes iframes, scripts and other active HTML when it renders the article",
                "check the article on dev.to and replace it with a Liquid embed tag if one fits",
            )
        return node.html


def _placeholder_index(placeholder: str) -> int:
    return int(placeholder.removeprefix("\ue000devto-liquid-").removesuffix("\ue001"))


def liquid_tag(node: Embed) -> str | None:
    """dev.to's Liquid tag for an embed, or None when dev.to has none that takes it (write a link)."""
    ids = node.ids
    provider = node.provider
    if provider == "twitter" and _TWEET_ID.match(ids.get("id", "")):
        return "{% twitter " + ids["id"] + " %}"
    if provider == "youtube" and "id" in ids:
        start = f"?start={ids['start']}" if "start" in ids else ""
        return "{% youtube " + ids["id"] + start + " %}"
    if provider == "vimeo" and "id" in ids:
        return "{% vimeo " + ids["id"] + " %}"
    if provider == "gist" and _GIST_USER.match(ids.get("user", "")):
        # dev.to's gist tag needs the user in the URL; an id-only gist URL gets a link.
        return "{% gist https://gist.github.com/" + ids["user"] + "/" + ids["id"] + " %}"
    if provider == "codepen":
        return "{% codepen https://codepen.io/" + ids["user"] + "/pen/" + ids["id"] + " %}"
    if provider == "codesandbox" and _CODESANDBOX_ID.match(ids.get("id", "")):
        return "{% codesandbox " + ids["id"] + _codesandbox_module(node.url) + " %}"
    if provider == "github":
        return _github_tag(node.url, ids)
    if provider == "loom" and "id" in ids:
        return "{% embed https://www.loom.com/share/" + ids["id"] + " %}"
    if provider == "spotify" and _SPOTIFY_ID.match(ids.get("id", "")):
        return "{% embed https://open.spotify.com/" + ids["kind"] + "/" + ids["id"] + " %}"
    if provider == "instagram" and ids.get("kind") == "p" and _INSTAGRAM_ID.match(ids.get("id", "")):
        return "{% instagram " + ids["id"] + " %}"
    return None


def _codesandbox_module(url: str) -> str:
    query = parse_qs(urlsplit(url).query)
    path = (query.get("module") or query.get("file") or [""])[0]
    # dev.to raises (422) on an option outside this character set, so an odd path is left out.
    return f" module={path}" if path and _CODESANDBOX_PATH.match(path) else ""


def _github_tag(url: str, ids: Mapping[str, str]) -> str | None:
    if "owner" not in ids or "repo" not in ids:
        return None
    parts = [p for p in urlsplit(url).path.split("/") if p]
    if len(parts) == 2:
        return "{% github " + ids["owner"] + "/" + ids["repo"] + " %}"
    if len(parts) == 4 and parts[2] in {"issues", "pull"} and parts[3].isdigit():
        return "{% github https://github.com/" + "/".join(parts) + " %}"
    # A file, folder or branch page: dev.to's tag would show the repository's README instead.
    return None


# ---- exporter ---------------------------------------------------------------------------------------


class DevtoExporter:
    name: ClassVar[str] = "devto"
    description: ClassVar[str] = "dev.to articles (<slug>.md): dev.to front matter and Liquid embed tags"
    options: ClassVar[tuple[Option, ...]] = (
        Option("published", bool, False, "make the articles public (Hashnode drafts stay drafts)"),
        Option("canonical", str, "original", "original, keep, none, or a URL template with {slug} or {cuid}"),
    )
    remote_images: ClassVar[str] = "dev.to shows images from their URLs only, so they stay on their host"

    def __init__(self, published: bool = False, canonical: str = "original") -> None:
        """``published`` makes the articles public (drafts otherwise; Hashnode drafts always stay drafts).

        ``canonical`` is ``original`` (the post's own canonical URL, else its Hashnode address; a
        canonical URL that cannot be right counts as none), ``keep`` (as ``original``, with any canonical
        URL kept), ``none``, or a URL template with ``{slug}`` or ``{cuid}``, e.g.
        ``https://example.com/posts/{slug}/``.
        """
        self.published = published
        self.canonical = canonical.strip()

    # Forem names a repeated heading as it names the first (HTMLRouge#header keeps no count): a link
    # to the second lands on the first, as it would on dev.to, rather than on an id no heading has.
    repeated_headings = "same"

    @staticmethod
    def heading_id(text: str) -> str:
        """The anchor dev.to gives a heading with this text, so ``#heading-`` links keep working."""
        return forem_heading_id(text)

    def canonical_url(self, post: Post) -> tuple[str | None, Note | None]:
        mode = self.canonical.lower()
        if mode == "none":
            return None, None
        if mode in {"original", KEEP}:
            checked, dropped = checked_canonical(post, CHECK if mode == "original" else KEEP)
            url = checked.canonical_url or post.hashnode_url
            if dropped is not None:
                action = (
                    "used its Hashnode address" if url else "pass --blog-url so dev.to credits the original"
                )
                return url, replace(dropped, action=f"{action}; {dropped.action}")
            if not url:
                return None, Note(
                    post.label,
                    "canonical-omitted",
                    "no canonical_url",
                    "the post's Hashnode address is unknown",
                    "pass --blog-url so dev.to credits the original",
                )
        elif "{slug}" in self.canonical or "{cuid}" in self.canonical:
            url = self.canonical.replace("{slug}", post.slug).replace("{cuid}", post.cuid or post.slug)
        else:
            return None, Note(
                post.label,
                "canonical-omitted",
                f"canonical option {self.canonical!r} not used",
                "it is not original, keep, none, or a URL template with {slug} or {cuid}",
            )
        if not _URL.match(url):
            return None, Note(
                post.label,
                "canonical-omitted",
                f"canonical URL {url!r} left out",
                "dev.to takes only http(s) URLs",
            )
        return url, None

    def render(self, post: Post, site: Site) -> Rendered:
        body = DevtoBody(post)
        # Trailing blank lines stay: they can belong to a code block that ends the post.
        text = body.finish(body.render(post.tree)).lstrip("\n")
        notes: list[Note] = []

        title = _shorten(post.title, MAX_TITLE_LENGTH)
        if title != post.title:
            body.note(
                "title-shortened", f"title shortened to {MAX_TITLE_LENGTH} characters", "dev.to's limit"
            )
        tags, renamed, dropped = devto_tags(post.tags)
        if renamed:
            pairs = ", ".join(f"{old} -> {new}" for old, new in renamed)
            body.note(
                "tag-renamed", f"tags written as {pairs}", "dev.to tags are lowercase letters and digits"
            )
        for tag, why in dropped:
            body.note("tag-dropped", f"tag {tag!r} left out", why)
        canonical, canonical_note = self.canonical_url(post)
        if canonical_note is not None:
            notes.append(canonical_note)
        cover = post.cover
        if cover and not _URL.match(cover):
            body.note("cover-omitted", f"cover {cover!r} left out", "dev.to takes only http(s) image URLs")
            cover = None
        starts = [n.first for n in post.tree.walk() if isinstance(n, List) and n.ordered and n.first != 1]
        if starts:
            # Forem's Markdown is Redcarpet, whose HTML renderer writes every ordered list as a bare
            # <ol> (ext/redcarpet/html.c, rndr_list): "3. foo" shows as "1. foo".
            body.note(
                "list-start",
                f"{len(starts)} ordered list(s) starting at {', '.join(map(str, starts))} numbered from 1",
                "dev.to's Markdown ignores the first number of a list",
                "renumber them on dev.to if the numbers matter",
            )
        if body.aligned:
            body.note(
                "image-align",
                f"alignment of {body.aligned} image(s) dropped",
                "dev.to Markdown has no image alignment",
            )

        meta = {
            "title": title,
            "published": self.published and not post.draft,
            "description": post.description,
            "tags": ", ".join(tags),
            "canonical_url": canonical,
            "cover_image": cover,
            "series": post.series,
            "date": _date(post.published),
        }
        document = yamlfm.fm_post(text + ("" if text.endswith("\n") else "\n"), meta)
        content = frontmatter.dumps(document, handler=HANDLER)
        return Rendered(
            post=post,
            files=(OutputFile(f"{post.slug}.md", content),),
            url=None,
            notes=(*notes, *body.notes),
        )

    def site_files(self, site: Site) -> tuple[OutputFile, ...]:
        return ()

    def advice(self) -> str:
        return (
            "Each .md file is a whole dev.to article, front matter included: paste it into dev.to's editor, "
            "or run 'hashmigrate publish SOURCE --to devto' to send them through the API as drafts."
        )
