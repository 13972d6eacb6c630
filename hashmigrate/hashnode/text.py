"""Bytes to clean text: encodings, line endings, mojibake, and slugs made from titles."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from hashmigrate.model import Note, Post
from hashmigrate.parse import SURROGATE, prose_ranges

# Mac Roman's characters for the bytes that lead a 3- or 4-byte UTF-8 sequence which can only be a
# symbol, punctuation or an emoji: E2 (U+2000-2FFF), EF (U+FE0F, the emoji variation selector), F0
# (U+10000-3FFFF), then its continuation bytes 0x80-0xBF. ftfy does not look for these.
_MAC_CONT = "".join(bytes([b]).decode("mac_roman") for b in range(0x80, 0xC0))
_MAC_SYMBOL = re.compile(
    "(?:{e2}[{c}]{{2}}|{ef}[{c}]{{2}}|{f0}[{c}]{{3}})".format(
        e2=re.escape(b"\xe2".decode("mac_roman")),
        ef=re.escape(b"\xef".decode("mac_roman")),
        f0=re.escape(b"\xf0".decode("mac_roman")),
        c=re.escape(_MAC_CONT),
    )
)
# C1 control characters never stand in correct text: they are Windows-1252 read as Latin-1.
_C1 = re.compile("[\x80-\x9f]")
_FTFY: tuple[Any, re.Pattern[str]] | None = None
_BAD_CHARS: re.Pattern[str] | None = None


class UnreadableFile(ValueError):
    pass


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
    (b"\xff\xfe", "utf-16-le", "UTF-16"),
    (b"\xfe\xff", "utf-16-be", "UTF-16"),
)


def _wide(data: bytes) -> tuple[str, str] | None:
    """(text, what) for a UTF-16 or UTF-32 file (Windows editors save "Unicode" so), else None."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), f"the file is {name} (with a byte order mark)"
            except UnicodeDecodeError as exc:
                raise UnreadableFile(
                    f"the file says it is {name} but is not valid {name}: {exc.reason}"
                ) from None
    head = data[:8192]
    # No mark: ASCII-range text in UTF-16 has a NUL in every other byte, on one side.
    for codec, nuls in (("utf-16-le", head[1::2]), ("utf-16-be", head[0::2])):
        if len(head) >= 4 and nuls.count(0) >= 0.9 * len(nuls):
            try:
                return data.decode(codec), "the file is UTF-16 (without a byte order mark)"
            except UnicodeDecodeError:
                return None
    return None


def decode(data: bytes) -> tuple[str, str | None]:
    """Decode a post file; return (text with ``\\n`` line endings, a note about the encoding or None)."""
    if not data.strip():
        raise UnreadableFile("the file is empty")
    note = None
    if (wide := _wide(data)) is not None:
        text, note = wide
        text = text.removeprefix("\ufeff")
    elif b"\x00" in data[:8192]:
        raise UnreadableFile("the file is binary, not Markdown")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            text = data.decode("cp1252", errors="replace")
            note = f"line {line}: not valid UTF-8; read as Windows-1252"
    if "\x00" in text:
        raise UnreadableFile("the file is binary, not Markdown")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, note


def _symbol(text: str) -> bool:
    """A character that mojibake of an emoji or of typography decodes to, and no letter of any script."""
    code = ord(text)
    if code in (0x200D, 0xFE0F) or 0x1F000 <= code <= 0x1FAFF or 0xE0020 <= code <= 0xE007F:
        return True
    return 0x2010 <= code <= 0x2BFF and not unicodedata.category(text).startswith(("L", "M", "N", "C"))


def _mac_roman(match: re.Match[str]) -> str:
    run = match.group(0)
    try:
        fixed = run.encode("mac_roman").decode("utf-8")
    except UnicodeError:
        return run
    return fixed if _symbol(fixed) else run


def _ftfy() -> tuple[Any, re.Pattern[str]]:
    """ftfy and the pattern of a UTF-8 sequence seen through Windows-1252, made on the first line
    that needs them (ftfy takes a while to import, and most posts are plain)."""
    global _FTFY
    if _FTFY is None:
        import ftfy
        import ftfy.bad_codecs  # registers "sloppy-windows-1252"
        import ftfy.fixes

        def chars(first: int, last: int) -> str:
            # Windows-1252 with the five bytes it leaves undefined read as Latin-1, as mojibake has them.
            return re.escape(
                "".join(bytes([b]).decode("sloppy-windows-1252") for b in range(first, last + 1))
            )

        # A lead byte, then one to three continuation bytes.
        sequence = re.compile(
            f"[{chars(0xC2, 0xDF)}][{chars(0x80, 0xBF)}]|[{chars(0xE0, 0xEF)}][{chars(0x80, 0xBF)}]{{2}}"
            f"|[{chars(0xF0, 0xF4)}][{chars(0x80, 0xBF)}]{{3}}"
        )
        _FTFY = (ftfy, sequence)
        global _BAD_CHARS
        _BAD_CHARS = _required_chars(ftfy.badness.BADNESS_RE)
    return _FTFY


def _required_chars(badness: re.Pattern[str]) -> re.Pattern[str] | None:
    """One character class that every match of ftfy's badness pattern contains a character of.

    The pattern is a list of alternatives; each has a literal or a class of non-ASCII characters that
    it must match. A line with none of those characters cannot be bad, and one class search is 3x
    cheaper than the pattern on the corpus's non-ASCII lines, most of them emoji, CJK or Cyrillic
    (tests/test_truth.py checks the two agree on generated lines). None, and no shortcut, if a later
    ftfy's pattern is not of that shape."""
    try:
        from re import _constants as sre  # type: ignore[attr-defined]
        from re import _parser as parser  # type: ignore[attr-defined]

        ((op, value),) = list(parser.parse(badness.pattern, badness.flags))
        if op is not sre.BRANCH:
            return None
        required: set[int] = set()
        for branch in value[1]:
            for kind, arg in branch:
                chars: set[int] | None = None
                if kind is sre.LITERAL:
                    chars = {arg}
                elif kind is sre.IN and all(k in (sre.LITERAL, sre.RANGE) for k, _ in arg):
                    chars = set()
                    for k, a in arg:
                        chars.update((a,) if k is sre.LITERAL else range(a[0], a[1] + 1))
                if chars and min(chars) > 127:
                    required |= chars
                    break
            else:
                return None  # an alternative with no non-ASCII character it must have
    except Exception:
        return None
    return re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(required)) + "]")


def load_repair() -> None:
    """Load what repair_mojibake loads on the first line that needs it (see _ftfy)."""
    _ftfy()


def _is_bad(line: str) -> bool:
    """ftfy's badness test, skipped for a line with no character it could flag."""
    ftfy, _ = _ftfy()
    if _BAD_CHARS is not None and not _BAD_CHARS.search(line):
        return False
    return bool(ftfy.badness.is_bad(line))


def repair_line(line: str) -> tuple[str, bool]:
    """One line with its mojibake undone, and whether it still looks garbled.

    Every repair is of one UTF-8 sequence as another codec showed it, undone only where what it
    decodes to is certain (see :func:`_undo_cp1252` and :data:`_MAC_SYMBOL`); correct text in any
    script stays as it is (French ``l’é`` is valid Mac Roman for an Armenian letter, ``”à`` for a
    Cyrillic one). ftfy serves for what it is tested for: telling a garbled line (its badness
    heuristic) and C1 controls. Its ``fix_encoding`` is not used: it decodes whole lines and, beside
    correct text, turned ``”é`` into ``ӎ`` in the property test (tests/test_truth.py).
    """
    if line.isascii():
        return line, False
    # The line cut at each Mac Roman repair: (text, repaired). One UTF-8 sequence went through one codec,
    # so what the Mac Roman repair made is never part of a Windows-1252 one (``é`` beside a repaired
    # ``’’`` read as one sequence was ``钒``).
    pieces: list[tuple[str, bool]] = []
    at = 0
    for match in _MAC_SYMBOL.finditer(line):
        repaired = _mac_roman(match)
        if repaired != match.group(0):
            pieces += [(line[at : match.start()], False), (repaired, True)]
            at = match.end()
    pieces.append((line[at:], False))
    ftfy, _ = _ftfy()
    if any(_C1.search(piece) for piece, _ in pieces):
        # Windows-1252 read as Latin-1: a C1 control never stands in correct text.
        pieces = [(ftfy.fixes.fix_c1_controls(piece), done) for piece, done in pieces]
    fixed = "".join(piece for piece, _ in pieces)
    if not _is_bad(fixed):
        return fixed, False
    fixed = "".join(piece if done else _undo_cp1252(piece) for piece, done in pieces)
    return fixed, _is_bad(fixed)


def _undo_cp1252(line: str) -> str:
    """Each Windows-1252 view of a UTF-8 sequence in ``line`` undone where it is certain: it decodes
    to a Latin letter, typography or an emoji, or to a letter of another script next to another one
    of the same script (a word: ``Ð¿Ñ€`` is ``пр``; a lone ``ӈ`` is chance)."""
    found: list[tuple[int, int, str]] = []
    for match in _ftfy()[1].finditer(line):
        try:
            found.append((match.start(), match.end(), match.group(0).encode("sloppy-windows-1252").decode()))
        except UnicodeError:
            continue
    out: list[str] = []
    at = 0
    for index, (start, end, decoded) in enumerate(found):
        if not _certain(decoded):
            script = _script(decoded)
            touching = [
                other
                for other in (
                    found[index - 1] if index else None,
                    found[index + 1] if index + 1 < len(found) else None,
                )
                if other is not None and (other[1] == start or other[0] == end)
            ]
            if not any(_script(text) == script and text.isalpha() for _, _, text in touching):
                continue
        out.append(line[at:start] + decoded)
        at = end
    return "".join(out) + line[at:]


def _certain(text: str) -> bool:
    """Latin letters, typography and emoji: what Windows-1252 and Mac Roman mojibake mostly stands for."""
    return all(ord(ch) < 0x250 or _symbol(ch) for ch in text)


def _script(ch: str) -> str:
    """The script of a letter, near enough: the first word of its Unicode name (CYRILLIC, GREEK, CJK)."""
    return unicodedata.name(ch, "?").split(" ", 1)[0]


def without_surrogates(value: Any, depth: int = 8) -> tuple[Any, int]:
    """``value`` (decoded JSON) with each lone surrogate in its strings made U+FFFD, and how many were.

    JSON's ``\\ud800`` escape decodes to half a character, which no file can hold: a post with one
    stopped the whole run when its page was written. Deeper than ``depth`` nothing is read."""
    if isinstance(value, str):
        if value.isascii() or not SURROGATE.search(value):
            return value, 0
        return SURROGATE.subn("\ufffd", value)
    if depth <= 0:
        return value, 0
    count = 0
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            key, in_key = without_surrogates(key, 0)
            item, found = without_surrogates(item, depth - 1)
            out[key], count = item, count + found + in_key
        return (out if count else value), count
    if isinstance(value, list):
        items = []
        for item in value:
            item, found = without_surrogates(item, depth - 1)
            items.append(item)
            count += found
        return (items if count else value), count
    return value, 0


def with_surrogate_note(post: Post, label: str, count: int) -> Post:
    """``post`` with a note saying how many lone surrogates :func:`without_surrogates` replaced."""
    if not count:
        return post
    what = f"{count} lone surrogate(s) (half a character, \\ud800-\\udfff) replaced with U+FFFD"
    note = Note(label, "encoding", what, "no file can hold one", "check the text around them")
    return replace(post, notes=(note, *post.notes))


def repair_mojibake(
    text: str, markdown: Callable[[str], str] | None = None
) -> tuple[str, list[int], list[int], list[int]]:
    """Undo UTF-8 that was read as Mac Roman or Windows-1252, line by line, in prose only.

    ``markdown`` gives the part of ``text`` that is Markdown (its end: a file's body after its front
    matter); None, all of it. In that part only prose is repaired (see
    :func:`hashmigrate.parse.prose_ranges`): code blocks, code spans, link and image destinations,
    autolinks and bare URLs are never changed, as a post about mojibake shows it there on purpose and
    an address is right as written.

    Returns the text, the (1-based) lines repaired, the lines that still look garbled but were left
    alone because no repair is certain, and the lines whose code or addresses look garbled (named
    only when the prose needed repair too; see :func:`_literal_lines`).
    """
    if text.isascii():
        return text, [], [], []
    lines = text.split("\n")
    fixed: dict[int, tuple[str, bool]] = {}
    for index, line in enumerate(lines):
        result = repair_line(line)
        if result[0] != line or result[1]:
            fixed[index] = result
    if not fixed:
        return text, [], [], []
    # Only a post with something to repair is parsed for its prose: a clean post costs what it did.
    literal_lines: list[int] = []
    body = markdown(text) if markdown is not None else text
    if text.endswith(body):
        first = len(text) - len(body)
        prose = prose_ranges(body)
        line_start = 0
        for index, line in enumerate(lines):
            start, line_start = line_start, line_start + len(line) + 1
            if index in fixed and start >= first:
                pieces = _split(line, start - first, prose)
                if pieces is not None:
                    repaired_line, garbled, literal_garbled = _repair_pieces(pieces)
                    fixed[index] = repaired_line, garbled
                    if literal_garbled:
                        literal_lines.append(index + 1)
    repaired: list[int] = []
    doubtful: list[int] = []
    for index, (line, garbled) in fixed.items():
        if line != lines[index]:
            lines[index] = line
            repaired.append(index + 1)
        if garbled:
            doubtful.append(index + 1)
    return (
        ("\n".join(lines) if repaired else text),
        repaired,
        doubtful,
        _literal_lines(repaired, doubtful, literal_lines),
    )


def _split(line: str, at: int, prose: list[tuple[int, int]]) -> list[tuple[str, bool]] | None:
    """``line`` (starting at offset ``at`` of the Markdown) cut into (piece, literal) at the edges of
    the ``prose`` ranges; None when all that is not prose is ASCII, which no repair changes: the line
    is repaired whole, as it always was."""
    end = at + len(line)
    pieces: list[tuple[str, bool]] = []
    done = at
    index = max(bisect_right(prose, (at, at)) - 1, 0)
    while index < len(prose) and prose[index][0] < end:
        first, last = max(prose[index][0], at), min(prose[index][1], end)
        index += 1
        if first >= last:
            continue
        if first > done:
            pieces.append((line[done - at : first - at], True))
        pieces.append((line[first - at : last - at], False))
        done = last
    if done < end:
        pieces.append((line[done - at :], True))
    if all(piece.isascii() for piece, literal in pieces if literal):
        return None
    return pieces


def _repair_pieces(pieces: list[tuple[str, bool]]) -> tuple[str, bool, bool]:
    """The line of ``pieces`` with its prose repaired, whether the prose still looks garbled, and
    whether the literal pieces (left as they are) look garbled."""
    out: list[str] = []
    garbled = literal_garbled = False
    for piece, literal in pieces:
        fixed, bad = repair_line(piece)
        if literal:
            out.append(piece)
            literal_garbled = literal_garbled or bad or fixed != piece
        else:
            out.append(fixed)
            garbled = garbled or bad
    return "".join(out), garbled, literal_garbled


def _literal_lines(repaired: list[int], doubtful: list[int], literal: list[int]) -> list[int]:
    """The lines whose code or addresses look garbled, worth naming only if the prose did too.

    A post whose prose is clean but whose code holds mojibake is showing it on purpose (a post about
    encodings: its examples); naming those lines would be noise. When the prose was garbled as well,
    the whole file most likely went through the wrong codec once, code included, and the author
    should look: the code is still left as written, as a repair of it could be wrong."""
    return literal if repaired or doubtful else []


def mojibake_notes(
    label: str, repaired: list[int], doubtful: list[int], literal: list[int] | None = None
) -> list[Note]:
    """What :func:`repair_mojibake` did, for a post's notes: the lines, so the author can check them."""
    notes: list[Note] = []
    if repaired:
        notes.append(
            Note(
                label,
                "mojibake",
                f"repaired garbled characters on line(s) {_lines(repaired)}",
                "UTF-8 text had been read as Mac Roman or Windows-1252",
                "restored the original characters (--no-repair leaves them)",
            )
        )
    if doubtful:
        notes.append(
            Note(
                label,
                "mojibake-doubtful",
                f"line(s) {_lines(doubtful)} may hold garbled characters",
                "they look like mojibake, but no repair is certain",
                "left as written; check them",
            )
        )
    if literal:
        notes.append(
            Note(
                label,
                "mojibake-doubtful",
                f"code or link addresses on line(s) {_lines(literal)} may hold garbled characters",
                "the prose was garbled; code and addresses are never repaired",
                "left as written; check them",
            )
        )
    return notes


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:20])
    return shown + (f" and {len(numbers) - 20} more" if len(numbers) > 20 else "")


def slugify(title: str, fallback: str = "") -> str:
    """A Hashnode-style slug: ASCII lowercase words joined by ``-``."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:120].rstrip("-") or fallback
