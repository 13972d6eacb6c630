"""Classify an embed URL: which provider it is and the ids a target needs to embed it.

Real embed URLs carry HTML entities (``&amp;``) and tracking query strings (``?s=20&t=...``,
``?si=...``); ids are taken from the path and only the query keys that matter are kept.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

PROVIDERS = (
    "twitter",
    "youtube",
    "gist",
    "github",
    "codepen",
    "codesandbox",
    "vimeo",
    "loom",
    "spotify",
    "instagram",
    "glitch",
    "expo",
    "hashnode",
    "link",
)

_TWEET = re.compile(r"^/(?P<user>[A-Za-z0-9_]{1,50})/status(?:es)?/(?P<id>\d{1,25})")
_YT_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_GIST = re.compile(r"^/(?:(?P<user>[A-Za-z0-9_.-]+)/)?(?P<id>[0-9a-fA-F]{5,64})/?$")
_GITHUB_REPO = re.compile(r"^/(?P<owner>[A-Za-z0-9_.-]+)/(?P<repo>[A-Za-z0-9_.-]+)(?:/|$)")
_CODEPEN = re.compile(r"^/(?P<user>[^/]+)/(?:pen|embed|full|details)/(?P<id>[A-Za-z0-9]+)")
_CODESANDBOX = re.compile(r"^/(?:s|embed|p/sandbox|p/devbox|p/github/[^/]+)/(?P<id>[A-Za-z0-9_-]+)")
_VIMEO = re.compile(r"^/(?:video/)?(?P<id>\d{3,12})(?:/|$)")
_LOOM = re.compile(r"^/(?:share|embed)/(?P<id>[0-9a-f]{16,64})")
_SPOTIFY = re.compile(r"^/(?:embed/)?(?P<kind>track|album|playlist|episode|show|artist)/(?P<id>[A-Za-z0-9]+)")
_INSTAGRAM = re.compile(r"^/(?P<kind>p|reel|tv)/(?P<id>[A-Za-z0-9_-]+)")
_EXPO = re.compile(r"^/(?P<id>@[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+|[A-Za-z0-9_-]+)/?$")
_TIME = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s?)?$")

# What each id may hold, per provider: ids go into shortcodes, Liquid tags and embed addresses as they
# are, so one that does not match makes the embed a plain link. Checked once, in :func:`classify`.
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_SLUG = re.compile(r"[A-Za-z0-9_-]{1,100}")
ID_PATTERNS: dict[str, dict[str, re.Pattern[str]]] = {
    "twitter": {"user": re.compile(r"[A-Za-z0-9_]{1,50}"), "id": re.compile(r"\d{1,25}")},
    "youtube": {"id": _YT_ID, "playlist": _SLUG, "start": re.compile(r"\d{1,7}")},
    "gist": {
        "id": re.compile(r"[0-9a-fA-F]{5,64}"),
        "user": _NAME,
        "file_anchor": re.compile(r"file-[\w.-]{1,200}"),
    },
    "github": {"owner": _NAME, "repo": _NAME},
    "codepen": {"user": _NAME, "id": re.compile(r"[A-Za-z0-9]{1,40}")},
    "codesandbox": {"id": _SLUG},
    "vimeo": {"id": re.compile(r"\d{3,12}")},
    "loom": {"id": re.compile(r"[0-9a-f]{16,64}")},
    "spotify": {
        "kind": re.compile(r"track|album|playlist|episode|show|artist"),
        "id": re.compile(r"[A-Za-z0-9]{1,40}"),
    },
    "instagram": {"kind": re.compile(r"p|reel|tv"), "id": _SLUG},
    "glitch": {"project": _SLUG},
    "expo": {"id": re.compile(r"@[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}|[A-Za-z0-9_-]{1,100}")},
    "hashnode": {"id": _SLUG},
}


@dataclass(frozen=True, slots=True)
class EmbedInfo:
    url: str
    provider: str
    ids: dict[str, str]


def clean_url(raw: str) -> str:
    """The URL as a browser would use it: entities decoded, surrounding space and ``<>`` removed."""
    url = html.unescape(raw.strip())
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1].strip()
    return url


def valid_ids(provider: str, ids: Mapping[str, str]) -> bool:
    """Whether every id matches its provider's pattern (a ``link`` has none), so it can go into markup."""
    patterns = ID_PATTERNS.get(provider, {})
    return all(key in patterns and patterns[key].fullmatch(value) for key, value in ids.items())


def _seconds(value: str) -> str | None:
    match = _TIME.match(value.strip())
    if not match or not any(match.groupdict().values()):
        return None
    hours, minutes, seconds = (int(match.group(k) or 0) for k in ("h", "m", "s"))
    total = hours * 3600 + minutes * 60 + seconds
    return str(total) if total else None


def classify(raw_url: str) -> EmbedInfo:
    """Return the provider and ids of an embed URL; anything unrecognised is a ``link``."""
    url = clean_url(raw_url)
    try:
        parts = urlsplit(url if "://" in url else "https://" + url)
        parts.port  # noqa: B018 - a malformed port raises only when read
    except ValueError:
        return EmbedInfo(url=url, provider="link", ids={})
    host = (parts.hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    path = parts.path
    query = parse_qs(parts.query)

    def first(key: str) -> str | None:
        values = query.get(key)
        return values[0] if values else None

    ids: dict[str, str] = {}
    provider = "link"

    if host in {"twitter.com", "x.com", "mobile.twitter.com", "mobile.x.com"}:
        if m := _TWEET.match(path):
            provider, ids = "twitter", {"user": m["user"], "id": m["id"]}
    elif host in {"youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be", "youtube-nocookie.com"}:
        video: str | None = None
        if host == "youtu.be":
            video = path.strip("/").split("/")[0]
        elif path == "/watch":
            video = first("v")
        elif m2 := re.match(r"^/(?:shorts|embed|live|v)/([^/?]+)", path):
            video = m2.group(1)
        playlist = first("list")
        if video == "videoseries":
            # YouTube's own embed address of a playlist (``/embed/videoseries?list=...``): eleven
            # letters, so it would pass for a video id, and an embed of "video videoseries" shows nothing.
            video = None
        if video and _YT_ID.match(video):
            provider, ids = "youtube", {"id": video}
            start = first("t") or first("start")
            if start and (secs := _seconds(start)):
                ids["start"] = secs
        elif playlist and re.match(r"^[A-Za-z0-9_-]+$", playlist):
            provider, ids = "youtube", {"playlist": playlist}
    elif host == "gist.github.com":
        if m3 := _GIST.match(path):
            provider = "gist"
            ids = {"id": m3["id"]}
            if m3["user"]:
                ids["user"] = m3["user"]
            if parts.fragment.startswith("file-"):
                ids["file_anchor"] = parts.fragment
    elif host == "github.com":
        if m4 := _GITHUB_REPO.match(path):
            provider, ids = "github", {"owner": m4["owner"], "repo": m4["repo"].removesuffix(".git")}
    elif host == "codepen.io":
        if m5 := _CODEPEN.match(path):
            provider, ids = "codepen", {"user": m5["user"], "id": m5["id"]}
    elif host == "codesandbox.io" or host.endswith(".csb.app"):
        if host.endswith(".csb.app"):
            provider, ids = "codesandbox", {"id": host.split(".")[0]}
        elif m6 := _CODESANDBOX.match(path):
            sandbox = m6["id"]
            # Old-style ids are "name-id"; the embed URL takes the whole thing.
            provider, ids = "codesandbox", {"id": sandbox}
    elif host in {"vimeo.com", "player.vimeo.com"}:
        if m7 := _VIMEO.match(path):
            provider, ids = "vimeo", {"id": m7["id"]}
    elif host == "loom.com":
        if m8 := _LOOM.match(path):
            provider, ids = "loom", {"id": m8["id"]}
    elif host == "open.spotify.com":
        if m9 := _SPOTIFY.match(path):
            provider, ids = "spotify", {"kind": m9["kind"], "id": m9["id"]}
    elif host == "instagram.com":
        if m10 := _INSTAGRAM.match(path):
            provider, ids = "instagram", {"kind": m10["kind"], "id": m10["id"]}
    elif host in {"glitch.com", "glitch.me"} or host.endswith(".glitch.me"):
        name = host.split(".")[0] if host.endswith(".glitch.me") else ""
        if not name and (frag := re.search(r"!/(?:embed/)?([A-Za-z0-9-]+)", parts.fragment)):
            name = frag.group(1)
        if not name and (tilde := re.match(r"^/~([A-Za-z0-9-]+)", path)):
            name = tilde.group(1)
        if name and name not in {"edit", "embed"}:
            provider, ids = "glitch", {"project": name}
    elif host in {"snack.expo.io", "snack.expo.dev"}:
        if m12 := _EXPO.match(path):
            provider, ids = "expo", {"id": m12["id"]}
    elif host == "hashnode.com" and path.startswith("/post/"):
        provider, ids = "hashnode", {"id": path.split("/")[2]}

    if not valid_ids(provider, ids):
        return EmbedInfo(url=url, provider="link", ids={})
    if provider == "twitter":
        # Tracking parameters (s=20, t=..., ref_src) identify the sharer, not the tweet.
        url = f"https://twitter.com/{ids['user']}/status/{ids['id']}"
    return EmbedInfo(url=url, provider=provider, ids=ids)
