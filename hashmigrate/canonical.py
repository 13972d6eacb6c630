"""Canonical URLs that cannot be right, and the ``canonical`` option every exporter takes.

A canonical URL tells search engines where a post really lives. One left over from a broken import
(``.../undefined``, ``https://x.com//slug``, a site's home page) would send the post's ranking
elsewhere, so it is left out with a note, unless the user asks to keep it (``-O canonical=keep``).
A canonical that is the post's own old Hashnode address is right and is written as it is.
"""

from __future__ import annotations

from dataclasses import replace

from hashmigrate.links import split_url
from hashmigrate.model import Note, Post

CHECK = "check"
KEEP = "keep"
MODES = (CHECK, KEEP)
# What a script writes for a value it did not have, in a path segment or as the whole URL.
_MISSING = {"undefined", "null", "nan", "none", "about:blank"}


def canonical_mode(value: str) -> str:
    """The option's value, checked (exporters call it in ``__init__``, so a typo is a usage error)."""
    mode = value.strip().lower()
    if mode not in MODES:
        raise ValueError(f"canonical must be {' or '.join(MODES)}, not {value!r}")
    return mode


def implausible(url: str) -> str | None:
    """Why ``url`` cannot be a post's canonical address, or None when it may be."""
    text = url.strip()
    if text.lower() in _MISSING:
        return f"{text!r} is a placeholder for a missing value"
    parts = split_url(text)
    if parts is None:
        return "it is not a valid URL"
    if parts.scheme not in {"http", "https"}:
        return "it is not an http(s) address"
    if not parts.hostname:
        return "it has no host"
    segments = parts.path.split("/")[1:]
    if any(segment.lower() in _MISSING for segment in segments):
        return "its path holds a placeholder for a missing value"
    if "" in segments[:-1]:
        return "its path has an empty segment ('//')"
    if not parts.path.strip("/") and not parts.query:
        return "it is the home page of a site, not a post"
    return None


def checked_canonical(post: Post, mode: str = CHECK) -> tuple[Post, Note | None]:
    """The post with a canonical URL that cannot be right taken out, and the note saying so."""
    url = post.canonical_url
    if not url or mode == KEEP:
        return post, None
    why = implausible(url)
    if why is None:
        return post, None
    note = Note(
        post.label,
        "canonical-omitted",
        f"canonical URL {url!r} left out",
        f"{why}: search engines would look for the post elsewhere",
        "-O canonical=keep writes it anyway",
    )
    return replace(post, canonical_url=None), note
