"""What Forem (dev.to) does to an article, as platform facts both the dev.to exporter and ``verify``
need: where its Markdown holds code (Liquid does not run there) and the anchor it gives a heading."""

from __future__ import annotations

import re
import unicodedata

# Forem's own code regions (``Article#escape_liquid_tags_in_codeblock``): fences and code spans.
FOREM_CODE = re.compile(r"\s*~{3}.*?~{3}|\s*`{3}.*?`{3}|`{2}.+?`{2}|`.+?`", re.DOTALL)


def forem_heading_id(text: str) -> str:
    """The anchor Forem gives a heading with this text (``Redcarpet::Render::HTMLRouge#header``):
    lowercase, emoji removed, trimmed, each whitespace character a ``-``; punctuation stays."""
    kept = "".join(c for c in text.lower() if not _is_emoji(c)).strip()
    return re.sub(r"\s", "-", kept)


def _is_emoji(char: str) -> bool:
    # EmojiRegex's set, near enough: pictographs, their joiner and variation selector, skin tones.
    return unicodedata.category(char) == "So" or char in "\u200d\ufe0f" or 0x1F3FB <= ord(char) <= 0x1F3FF
