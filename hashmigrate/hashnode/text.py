"""Bytes to clean text: encodings, line endings, mojibake, and slugs made from titles."""

from __future__ import annotations

import re
import unicodedata

# Characters that stand for bytes 0x80-0xFF when UTF-8 was read as Mac Roman or Windows-1252.
_MAC_HIGH = "".join(bytes([b]).decode("mac_roman") for b in range(0x80, 0x100))
_CP1252_HIGH = "".join(ch for b in range(0x80, 0x100) if (ch := bytes([b]).decode("cp1252", errors="ignore")))
_HIGH_RUN = re.compile(f"[{re.escape(''.join(sorted(set(_MAC_HIGH + _CP1252_HIGH))))}]{{2,}}")


class UnreadableFile(ValueError):
    pass


def decode(data: bytes) -> tuple[str, str | None]:
    """Decode a post file; return (text with ``\\n`` line endings, a note about the encoding or None)."""
    if not data.strip():
        raise UnreadableFile("the file is empty")
    if b"\x00" in data[:8192]:
        raise UnreadableFile("the file is binary, not Markdown")
    note = None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        text = data.decode("cp1252", errors="replace")
        note = f"line {line}: not valid UTF-8; read as Windows-1252"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, note


def _repair_run(match: re.Match[str]) -> str:
    run = match.group(0)
    for encoding in ("mac_roman", "cp1252"):
        try:
            fixed = run.encode(encoding).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        # A wrong guess decodes to combining marks or control characters, never to plain letters.
        if all(not unicodedata.category(ch).startswith(("M", "C")) for ch in fixed):
            return fixed
    return run


def repair_mojibake(text: str) -> tuple[str, int]:
    """Undo UTF-8 that was read as Mac Roman (``‚ú®`` for ✨) or Windows-1252 (``â€™`` for ’).

    Only runs of two or more such characters that decode to valid UTF-8 are changed, which ordinary
    accented text never does. Returns the text and how many runs were repaired.
    """
    if text.isascii():
        return text, 0
    count = 0

    def repair(match: re.Match[str]) -> str:
        nonlocal count
        fixed = _repair_run(match)
        count += fixed != match.group(0)
        return fixed

    return _HIGH_RUN.sub(repair, text), count


def slugify(title: str, fallback: str = "") -> str:
    """A Hashnode-style slug: ASCII lowercase words joined by ``-``."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:120].rstrip("-") or fallback
