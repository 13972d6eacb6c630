"""Slugs that are safe as file and folder names on every system, and unique within one output."""

from __future__ import annotations

import re
import unicodedata

MAX_SLUG_BYTES = 200
_UNSAFE = re.compile(r"[^\w-]+")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", "conin$", "conout$"} | {
    f"{p}{i}"
    for p in ("com", "lpt")
    for i in ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³")
}


def _cut(text: str, limit: int = MAX_SLUG_BYTES) -> str:
    """At most ``limit`` bytes of UTF-8, cut at a character boundary."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore").rstrip("-_")


def safe_slug(slug: str, fallback: str) -> str:
    """``slug`` made safe as one path segment: no separators, dots, control or reserved names."""
    text = unicodedata.normalize("NFC", slug).replace("\x00", "")
    text = _UNSAFE.sub("-", text).strip("-_")
    text = re.sub(r"-{2,}", "-", text)
    text = _cut(text)
    if not text or text.lower() in _WINDOWS_RESERVED:
        cleaned = _cut(_UNSAFE.sub("-", unicodedata.normalize("NFC", fallback)).strip("-_")) or "post"
        text = cleaned if cleaned != text else f"post-{cleaned}"
        if text.lower() in _WINDOWS_RESERVED:
            text = f"post-{text}"
    return text


class SlugRegistry:
    """Hands out slugs that differ from every other one even on case-insensitive file systems."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim(self, slug: str, fallback: str) -> str:
        candidate = safe_slug(slug, fallback)
        key = candidate.casefold()
        if key in self._taken:
            # Room for the "-N" that may still be needed.
            base = _cut(
                safe_slug(f"{candidate}-{fallback}", fallback) if fallback else candidate, MAX_SLUG_BYTES - 8
            )
            candidate, number = base, 2
            while candidate.casefold() in self._taken:
                candidate = f"{base}-{number}"
                number += 1
        self._taken.add(candidate.casefold())
        return candidate


MAX_TAG_BYTES = 100


def short_tag(name: str) -> str:
    """A tag short enough to be a folder name on a site that makes a page per tag (cut at a word)."""
    encoded = name.encode("utf-8")
    if len(encoded) <= MAX_TAG_BYTES:
        return name
    cut = encoded[:MAX_TAG_BYTES].decode("utf-8", errors="ignore")
    return cut.rsplit("-", 1)[0] if "-" in cut[MAX_TAG_BYTES // 2 :] else cut
