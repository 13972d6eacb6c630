"""Hostile strings for every field a post has, and the check that none of them became markup.

The check reads built HTML as a browser would (``html.parser``) and reports every element or attribute
that can run script: a ``<script>`` other than the few embed scripts the converters write (with an
``src`` on the provider's host and no inline code), an ``on*`` attribute, or a URL attribute whose
scheme is not http(s). Every hostile string carries ``alert(N)`` / ``onerror=``, so whatever it became,
one of those shows.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# Scripts the converters themselves write for embeds (tweets, gists, Instagram) and nothing else.
EMBED_SCRIPT = re.compile(
    r"https://(?:platform\.twitter\.com/widgets\.js|www\.instagram\.com/embed\.js"
    r"|gist\.github\.com/(?:[A-Za-z0-9_.-]+/)?[0-9a-fA-F]{5,64}\.js)"
)
_URL_ATTRS = {"href", "src", "action", "formaction", "data", "poster", "xlink:href", "srcdoc", "background"}
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")

# Whatever a field of a post may hold: each breaks out of a different context.
PAYLOADS = [
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    "javascript:alert(4)",
    "&#106;avascript:alert(5)",
    "{{< hostile-shortcode >}}",
    "{% raw %}{{ 7 | plus: 1 }}",
    "</iframe><script>alert(6)</script>",
    '" onmouseover="alert(7)',
    "]]><script>alert(8)</script>",
    "--><script>alert(9)</script><!--",
]
# Embed URLs of every provider, each with a payload where an id, a path or a query goes.
EMBED_PREFIXES = [
    "https://www.youtube.com/watch?v=",
    "https://youtu.be/abcdefghijk?t=",
    "https://www.youtube.com/playlist?list=",
    "https://gist.github.com/user/",
    "https://gist.github.com/user/0123456789abcdef#",
    "https://github.com/owner/",
    "https://vimeo.com/",
    "https://codepen.io/",
    "https://codepen.io/user/pen/",
    "https://codesandbox.io/s/",
    "https://www.loom.com/share/",
    "https://open.spotify.com/track/",
    "https://www.instagram.com/p/",
    "https://twitter.com/user/status/",
    "https://glitch.com/~",
    "https://snack.expo.dev/",
    "https://hashnode.com/post/",
    "https://example.com/",
    "",
]

# Embed URLs every provider recognises, so a payload in the query reaches the markup they get.
EMBED_VALID = [
    "https://www.youtube.com/watch?v=abcdefghijk",
    "https://youtu.be/abcdefghijk?t=42",
    "https://gist.github.com/user/0123456789abcdef",
    "https://github.com/owner/repo",
    "https://vimeo.com/123456",
    "https://codepen.io/user/pen/abcde",
    "https://codesandbox.io/s/abc-123",
    "https://www.loom.com/share/0123456789abcdef0123",
    "https://open.spotify.com/track/0123456789abcdefABCDEF",
    "https://www.instagram.com/p/abcdefghijk/",
    "https://twitter.com/user/status/1234567890123",
    "https://snack.expo.dev/@user/project",
]


def hostile_embed_urls(n: int = 0) -> list[str]:
    """Every provider with a payload in its id, path or query, without the spaces and ``]`` that end
    ``%[...]``."""
    urls = []
    for i, prefix in enumerate(EMBED_PREFIXES):
        urls.append(prefix + re.sub(r"[\s\]]", "", PAYLOADS[(n + i) % len(PAYLOADS)]))
    for i, valid in enumerate(EMBED_VALID):
        joiner = "&" if "?" in valid else "?"
        urls.append(valid + joiner + "x=" + re.sub(r"[\s\]]", "", PAYLOADS[(n + i) % len(PAYLOADS)]))
    return urls


def hostile_body(n: int = 0) -> str:
    """A Markdown body with a hostile string in every Hashnode construct (the plain prose aside)."""
    p = PAYLOADS[n % len(PAYLOADS)].replace("\n", " ")
    tight = re.sub(r"[\s\]]", "", p)
    # A link destination cannot hold <, > or a space: with them, the image is the author's raw HTML.
    dest = re.sub(r"[<>()]", "", tight)
    embeds = "\n\n".join(f"%[{url}]" for url in hostile_embed_urls(n))
    hn_embed = f'<iframe type="youtube" src="{html.escape(tight)}" data-node-type="hn-embed"></iframe>'
    return (
        f"Intro.\n\n{embeds}\n\n"
        f"Inline %[{tight}] embed.\n\n"
        f"%%[{p.replace(']', '')}]\n\n"
        f"@[{p.replace(']', '')}](@user)\n\n"
        f"![{p.replace(']', '')}](https://example.com/a.png)\n\n"
        f"[![alt](https://example.com/b.png)]({dest})\n\n"
        f"[![alt](https://example.com/b.png)](javascript:alert({n}))\n\n"
        f"![alt]({dest})\n\n"
        f"![alt](javascript:alert({n}))\n\n"
        f"![alt](https://example.com/{dest}.png)\n\n"
        f'<div>\n![{p.replace("]", "")}](https://example.com/{dest}.png align="center")\n</div>\n\n'
        f"<div>\n[![alt](https://example.com/d.png)](javascript:alert({n}))\n</div>\n\n"
        f'![alt](https://example.com/c.png align="{p.replace(chr(34), "")}")\n\n'
        f"{hn_embed}\n\n"
        "Outro.\n"
    )


def hostile_post_file(n: int, cuid: str, slug: str) -> str:
    """A Hashnode backup file with a hostile string in every front matter field and its body."""
    p = PAYLOADS[n % len(PAYLOADS)]
    q = p.replace("\\", "\\\\").replace('"', '\\"')
    lines = [
        f'title: "Post {n} {q}"',
        "datePublished: Sun Mar 12 2023 06:29:29 GMT+0000 (Coordinated Universal Time)",
        f"cuid: {cuid}",
        f"slug: {slug}",
        f'subtitle: "{q}"',
        f'seoTitle: "{q}"',
        f'seoDescription: "{q}"',
        f'tags: "{q.replace(",", " ")}, web"',
        f'cover: "https://example.com/{q}.png"',
        f'canonical: "{q}"',
        f'seriesSlug: "{q}"',
    ]
    return "---\n" + "\n".join(lines) + "\n---\n\n" + hostile_body(n)


class _Check(HTMLParser):
    def __init__(self, allowed_scripts: re.Pattern[str], allowed_inline: re.Pattern[str] | None) -> None:
        super().__init__(convert_charrefs=True)
        self.allowed = allowed_scripts
        self.allowed_inline = allowed_inline
        self.problems: list[str] = []
        self._script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)}>"[:200]
        values = dict(attrs)
        if tag == "script":
            src = values.get("src")
            if src is not None and not self.allowed.fullmatch(src):
                self.problems.append(f"script: {where}")
            self._script = where
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler: {where}")
            if name in _URL_ATTRS and value is not None:
                # As a browser reads it: controls and spaces before, tabs and newlines anywhere, ignored.
                url = re.sub(r"[\t\n\r]", "", value).lstrip("".join(map(chr, range(0x21))))
                scheme = _SCHEME.match(url)
                if scheme and scheme.group(0).lower() not in {"http:", "https:"}:
                    self.problems.append(f"URL scheme: {where}")
        if tag in {"object", "embed", "base", "form"}:
            self.problems.append(f"element: {where}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        inline = self.allowed_inline
        if self._script is not None and data.strip() and not (inline and inline.fullmatch(data.strip())):
            self.problems.append(f"inline script in {self._script}: {data[:80]!r}")


def script_problems(
    markup: str,
    allowed_scripts: re.Pattern[str] = EMBED_SCRIPT,
    allowed_inline: re.Pattern[str] | None = None,
) -> list[str]:
    """Every element or attribute in ``markup`` that could run script (empty when there is none).

    ``allowed_inline`` is the inline script a site generator writes itself (a redirect page's).
    """
    check = _Check(allowed_scripts, allowed_inline)
    check.feed(markup)
    check.close()
    return check.problems
