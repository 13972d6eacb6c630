"""Plain-HTML embed markup that works on any site without plugins or build-time network access.

Each embed is one line (so it can sit inside a list item or blockquote) and always holds a link to the
original, so the content stays reachable when scripts are blocked.
"""

from __future__ import annotations

from hashmigrate.exporter import attr
from hashmigrate.model import Embed

_IFRAME = (
    '<iframe src="{src}" title="{title}" width="100%" height="{height}" style="border:0" loading="lazy" '
    'allow="autoplay; clipboard-write; encrypted-media; fullscreen; picture-in-picture" allowfullscreen>'
    '<a href="{url}">{url}</a></iframe>'
)


def iframe(src: str, url: str, title: str, height: int = 400) -> str:
    return _IFRAME.format(src=attr(src), url=attr(url), title=attr(title), height=height)


def tweet(url: str) -> str:
    return (
        f'<blockquote class="twitter-tweet"><p><a href="{attr(url)}">{attr(url)}</a></p></blockquote>'
        '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>'
    )


def gist_script(node: Embed) -> str:
    user = node.ids.get("user")
    path = f"{user}/{node.ids['id']}" if user else node.ids["id"]
    return (
        f'<script src="https://gist.github.com/{attr(path)}.js"></script>'
        f'<noscript><a href="{attr(node.url)}">{attr(node.url)}</a></noscript>'
    )


def youtube_src(ids: dict[str, str] | object) -> str | None:
    if not isinstance(ids, dict):
        return None
    if "id" in ids:
        start = f"?start={ids['start']}" if "start" in ids else ""
        return f"https://www.youtube-nocookie.com/embed/{ids['id']}{start}"
    if "playlist" in ids:
        return f"https://www.youtube-nocookie.com/embed/videoseries?list={ids['playlist']}"
    return None


def render(node: Embed) -> str | None:
    """HTML for an embed, or None when the provider has no embed (the caller writes a link)."""
    ids = dict(node.ids)
    provider = node.provider
    if provider == "twitter":
        return tweet(node.url)
    if provider == "youtube" and (src := youtube_src(ids)):
        return iframe(src, node.url, "YouTube video", 315)
    if provider == "vimeo":
        return iframe(f"https://player.vimeo.com/video/{ids['id']}", node.url, "Vimeo video", 360)
    if provider == "gist":
        return gist_script(node)
    if provider == "codepen":
        src = f"https://codepen.io/{ids['user']}/embed/{ids['id']}?default-tab=result"
        return iframe(src, node.url, "CodePen", 400)
    if provider == "codesandbox":
        return iframe(f"https://codesandbox.io/embed/{ids['id']}", node.url, "CodeSandbox", 500)
    if provider == "loom":
        return iframe(f"https://www.loom.com/embed/{ids['id']}", node.url, "Loom video", 400)
    if provider == "spotify":
        return iframe(f"https://open.spotify.com/embed/{ids['kind']}/{ids['id']}", node.url, "Spotify", 152)
    if provider == "glitch":
        src = f"https://glitch.com/embed/#!/embed/{ids['project']}?previewSize=100"
        return iframe(src, node.url, "Glitch project", 420)
    if provider == "instagram":
        url = f"https://www.instagram.com/{ids['kind']}/{ids['id']}/"
        return (
            f'<blockquote class="instagram-media" data-instgrm-permalink="{attr(url)}">'
            f'<a href="{attr(url)}">{attr(url)}</a></blockquote>'
            '<script async src="https://www.instagram.com/embed.js"></script>'
        )
    return None
