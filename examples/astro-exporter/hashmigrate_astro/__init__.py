"""hashmigrate-astro: Hashnode posts as an Astro 5 content collection, as a third-party exporter.

Installed, it adds ``--to astro`` to ``hashmigrate convert`` and ``type = "astro"`` to ``hashmigrate
sync``, through the entry point ``astro = "hashmigrate_astro:AstroExporter"`` in the group
``hashmigrate.exporters``. It uses hashmigrate's exporter API (``hashmigrate.exporter``, the model) and
two helpers any Markdown exporter may use: ``hashmigrate.yamlfm`` (front matter as YAML) and
``hashmigrate.canonical`` (leaving out a canonical URL that cannot be right).

Each post becomes ``src/content/<collection>/<slug>.md`` with YAML front matter that the collection's zod
schema checks (``title``, ``description``, ``pubDate``, ``updatedDate``, ``heroImage``, ``tags``,
``draft`` ...). Astro renders ``.md`` with remark (CommonMark + GFM) and keeps raw HTML, so each
Hashnode-only construct is written as plain HTML that needs no component or integration: embeds as
iframes (or the provider's blockquote and script), aligned images as ``<img class="align-...">``,
callouts as ``<aside class="callout">``. The site files (``astro.config.mjs``, ``src/content.config.ts``,
the index and post pages) make the output folder a site that ``npm install && npm run build`` builds;
``-O template=false`` leaves them out for a site that has its own.

Downloaded images (``--download-images``) go under ``public/images/<collection>/<slug>/`` and are
referred to by their absolute path: a relative path into ``src/`` would be optimised by Astro in a
Markdown image but is never resolved in raw HTML (``<img>`` in a callout or an HTML block) or in a
plain-string ``heroImage``, and one image may be used in all three places.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import Any, ClassVar

from hashmigrate import yamlfm
from hashmigrate.canonical import CHECK, KEEP, canonical_mode, checked_canonical
from hashmigrate.exporter import (
    BodyRenderer,
    Option,
    OutputFile,
    Rendered,
    Site,
    attr,
    plain_data,
    unescape_markdown,
)
from hashmigrate.model import Callout, Embed, Image, Post

__all__ = ["AstroBody", "AstroExporter", "embed_html"]
__version__ = "0.1.0"

_COLLECTION = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_PLACEHOLDER = "__COLLECTION__"
_ALIGNS = {"left", "center", "right"}
_BLANK_LINES = re.compile(r"\n[ \t]*(?=\n)")

_IFRAME = (
    '<div class="embed embed-{provider}"><iframe src="{src}" title="{title}" width="100%" height="{height}" '
    'style="border:0" loading="lazy" allow="autoplay; clipboard-write; encrypted-media; fullscreen; '
    'picture-in-picture" allowfullscreen></iframe><a href="{url}">{url}</a></div>'
)


def _iframe(node: Embed, src: str, title: str, height: int) -> str:
    return _IFRAME.format(
        provider=node.provider, src=attr(src), title=attr(title), height=height, url=attr(node.url)
    )


def embed_html(node: Embed) -> str | None:
    """One line of HTML for an embed whose ids were checked, or None for a provider with no embed.

    Each holds a link to the original too, so the content stays reachable when frames or scripts are
    blocked; one line, so it can stand in a list item or a blockquote.
    """
    ids = dict(node.ids)
    url = attr(node.url)
    match node.provider:
        case "youtube" if "id" in ids:
            start = f"?start={ids['start']}" if "start" in ids else ""
            return _iframe(
                node, f"https://www.youtube-nocookie.com/embed/{ids['id']}{start}", "YouTube video", 315
            )
        case "youtube" if "playlist" in ids:
            src = f"https://www.youtube-nocookie.com/embed/videoseries?list={ids['playlist']}"
            return _iframe(node, src, "YouTube playlist", 315)
        case "vimeo":
            return _iframe(node, f"https://player.vimeo.com/video/{ids['id']}", "Vimeo video", 360)
        case "codepen":
            src = f"https://codepen.io/{ids['user']}/embed/{ids['id']}?default-tab=result"
            return _iframe(node, src, "CodePen", 400)
        case "codesandbox":
            return _iframe(node, f"https://codesandbox.io/embed/{ids['id']}", "CodeSandbox", 500)
        case "loom":
            return _iframe(node, f"https://www.loom.com/embed/{ids['id']}", "Loom video", 400)
        case "spotify":
            return _iframe(node, f"https://open.spotify.com/embed/{ids['kind']}/{ids['id']}", "Spotify", 152)
        case "glitch":
            src = f"https://glitch.com/embed/#!/embed/{ids['project']}?previewSize=100"
            return _iframe(node, src, "Glitch project", 420)
        case "expo":
            return _iframe(node, f"https://snack.expo.dev/embedded/{ids['id']}", "Expo Snack", 500)
        case "twitter":
            return (
                f'<blockquote class="twitter-tweet"><p><a href="{url}">{url}</a></p></blockquote>'
                '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>'
            )
        case "instagram":
            post = attr(f"https://www.instagram.com/{ids['kind']}/{ids['id']}/")
            return (
                f'<blockquote class="instagram-media" data-instgrm-permalink="{post}">'
                f'<a href="{post}">{post}</a></blockquote>'
                '<script async src="https://www.instagram.com/embed.js"></script>'
            )
        case "gist":
            path = f"{ids['user']}/{ids['id']}" if ids.get("user") else ids["id"]
            return (
                f'<script src="https://gist.github.com/{attr(path)}.js"></script>'
                f'<noscript><a href="{url}">{url}</a></noscript>'
            )
    return None


def _date(value: datetime | None) -> str | None:
    """UTC, to the second, as ISO 8601 with a Z: what ``z.coerce.date()`` reads the same everywhere."""
    return value.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z" if value else None


class AstroBody(BodyRenderer):
    """Body nodes as Markdown that Astro's remark pipeline (CommonMark + GFM, raw HTML) shows as meant.

    Astro's ``.md`` has no expression syntax (that is MDX), so Markdown text and raw HTML pass through
    as written; code is never touched.
    """

    target = "Astro"

    def embed(self, node: Embed) -> str:
        markup = embed_html(node)
        return super().embed(node) if markup is None else markup

    def image(self, node: Image) -> str:
        # Markdown has no syntax for alignment; an <img> with a class keeps it (the layout styles it).
        return super().image(node) if not node.align else self.html_image(node)

    def html_image(self, node: Image) -> str:
        alt = attr(unescape_markdown(node.alt))
        title = f' title="{attr(node.title)}"' if node.title else ""
        align = (node.align or "").lower()
        css = f' class="align-{align}"' if align in _ALIGNS else ""
        tag = f'<img src="{attr(node.src)}" alt="{alt}"{title}{css}>'
        return f'<a href="{attr(node.link)}">{tag}</a>' if node.link else tag

    def callout(self, node: Callout) -> str:
        # An HTML block ends at a blank line, so none may stand inside it; the callout text is HTML
        # already (Hashnode stores it so) and is kept as written.
        text = _BLANK_LINES.sub("", node.html.strip())
        emoji = f'<span class="callout-emoji">{node.emoji}</span>' if node.emoji else ""
        return f'<aside class="callout" role="note">{emoji}<div class="callout-text">{text}</div></aside>'


@cache
def _template() -> tuple[tuple[str, str], ...]:
    """The site files shipped in ``hashmigrate_astro/site`` as (relative path, text)."""
    root = files("hashmigrate_astro") / "site"
    found: list[tuple[str, str]] = []
    pending = [(root, "")]
    while pending:
        folder, prefix = pending.pop()
        for entry in folder.iterdir():
            if entry.is_dir():
                pending.append((entry, f"{prefix}{entry.name}/"))
            elif entry.is_file():
                found.append((prefix + entry.name, entry.read_text(encoding="utf-8")))
    return tuple(sorted(found))


class AstroExporter:
    """Posts as an Astro 5 content collection (``src/content/<collection>/<slug>.md``)."""

    name: ClassVar[str] = "astro"
    description: ClassVar[str] = (
        "Astro 5 content collection (src/content/blog/<slug>.md) and a site to build it"
    )
    options: ClassVar[tuple[Option, ...]] = (
        Option("collection", str, "blog", "the collection: its folder under src/content/ and the URL prefix"),
        Option("template", bool, True, "write the site (config, collection schema, pages) around the posts"),
        Option(
            "canonical", str, CHECK, "keep: write a canonical URL even when it cannot be right", (CHECK, KEEP)
        ),
    )

    def __init__(self, collection: str = "blog", template: bool = True, canonical: str = CHECK) -> None:
        collection = str(collection).strip("/")
        if not _COLLECTION.fullmatch(collection):
            raise ValueError(
                f"collection must be a lower-case folder name (letters, digits, - and _), not {collection!r}"
            )
        if not isinstance(template, bool):
            raise ValueError(f"template must be true or false, not {template!r}")
        self.collection = collection
        self.template = template
        self.canonical = canonical_mode(str(canonical))

    def url(self, post: Post) -> str:
        return f"/{self.collection}/{post.slug}/"

    def asset_path(self, post: Post, stem: str, ext: str, cover: bool) -> tuple[str, str]:
        """Images under ``public/``, referred to by absolute path (works in Markdown, HTML and front matter)."""
        name = f"cover.{ext}" if cover else f"{stem}.{ext}"
        path = f"images/{self.collection}/{post.slug}/{name}"
        return f"public/{path}", f"/{path}"

    @staticmethod
    def heading_id(text: str) -> str:
        """The id Astro (github-slugger) gives a heading: lower case, punctuation and symbols dropped,
        spaces to hyphens. Written from the heading's Markdown, so emphasis markers go too."""
        kept = (
            ch for ch in text.strip().lower() if ch in " -_" or unicodedata.category(ch)[0] in {"L", "N", "M"}
        )
        return "".join(kept).replace(" ", "-")

    def render(self, post: Post, site: Site) -> Rendered:
        post, canonical_note = checked_canonical(post, self.canonical)
        body = AstroBody(post)
        text = body.render(post.tree)
        body.notes.extend(filter(None, [canonical_note]))
        cover = body.url_field("cover", post.cover, relative=True)
        og_image = body.url_field("OG image", post.og_image, relative=True) if post.og_image else None
        hashnode: dict[str, Any] = {"cuid": post.cuid or None, "url": post.hashnode_url}
        hashnode.update({"seoTitle": post.seo_title, "subtitle": post.subtitle or None})
        hashnode.update({k: v for k, v in post.extra.items() if plain_data(v)})
        meta: dict[str, Any] = {
            "title": post.title,
            # The glob loader takes a `slug` field as the entry's id: the URL is the slug exactly.
            "slug": post.slug,
            "description": post.description,
            "pubDate": _date(post.published),
            "updatedDate": _date(post.updated),
            "heroImage": cover,
            "ogImage": og_image if og_image != cover else None,
            "tags": [tag.name for tag in post.tags],
            "draft": True if post.draft else None,
            "canonicalURL": body.url_field("canonical URL", post.canonical_url),
            "series": post.series,
            "hashnode": {k: v for k, v in hashnode.items() if v is not None} or None,
        }
        text = text.lstrip("\n")
        content = yamlfm.dump(meta) + "\n" + text + ("" if text.endswith("\n") else "\n")
        path = f"src/content/{self.collection}/{post.slug}.md"
        return Rendered(
            post=post, files=(OutputFile(path, content),), url=self.url(post), notes=tuple(body.notes)
        )

    def site_files(self, site: Site) -> tuple[OutputFile, ...]:
        if not self.template:
            return ()
        return tuple(
            OutputFile(
                path.replace(_PLACEHOLDER, self.collection), text.replace(_PLACEHOLDER, self.collection)
            )
            for path, text in _template()
        )

    def advice(self) -> str:
        if self.template:
            return (
                "The output folder is an Astro 5 site: run `npm install` and `npm run build` in it "
                f"(posts at /{self.collection}/<slug>/). Embeds, aligned images and callouts are plain "
                "HTML, which Astro's Markdown keeps."
            )
        return (
            f"Posts are in src/content/{self.collection}/: your src/content.config.ts needs a "
            f"'{self.collection}' collection with a glob loader and a schema accepting title, description, "
            "pubDate, updatedDate, heroImage, ogImage, tags, draft, canonicalURL, series and hashnode "
            "(see the template in hashmigrate_astro/site)."
        )
