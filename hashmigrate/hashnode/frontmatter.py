"""Hashnode front matter: split it off, read it as YAML, and read it anyway when it is not YAML.

Hashnode writes ``title: "..."`` without escaping inner quotes and lets ``seoDescription`` run over
several lines, so 7 real files in the corpus are not valid YAML. Those are read line by line. The
reading is a python-frontmatter handler, :class:`HashnodeHandler`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

# libyaml's loader is several times faster; PyYAML without it still works.
_FAST_LOADER: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
# Real front matter is a few flat lines; these bounds only stop hostile input.
MAX_BLOCK = 256 * 1024
MAX_DEPTH = 8
_KEY = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_-]*):(?:[ \t]+(?P<value>.*?))?[ \t]*$")
_JS_DATE = re.compile(
    r"^(?:[A-Z][a-z]{2} )?(?P<mon>[A-Z][a-z]{2}) (?P<day>\d{1,2}) (?P<year>\d{4}) "
    r"(?P<time>\d{2}:\d{2}:\d{2}) GMT(?P<tz>[+-]\d{4})"
)


class FrontMatterError(ValueError):
    """Front matter that cannot be read at all; ``line`` is 1-based in the file when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class Metadata(dict[str, Any]):
    """Front matter as read; ``line_by_line`` when it was not YAML and was read line by line."""

    line_by_line: bool = False


class HashnodeHandler(YAMLHandler):
    """python-frontmatter's YAML handler, tolerant of what Hashnode writes and safe with what it does not.

    ``split`` keeps the body as written (only the blank lines Hashnode puts after the closing fence go);
    ``load`` refuses hostile YAML before building it and reads Hashnode's invalid YAML line by line, and
    says which in ``Metadata.line_by_line``.

    The readers call ``HANDLER.split`` and ``HANDLER.load`` (the handler API) and not
    ``frontmatter.loads(text, handler=HANDLER)``, which cannot serve: its ``parse`` strips the text and the
    body (``"---\\ntitle: x\\n---\\n\\n    code()\\n"`` gives the body ``"code()"``, an indented code block
    made a paragraph; 377 of the corpus's 2,212 bodies lose whitespace at an end), it catches the
    ValueError of a front matter that never ends and reads the file as having none, and its
    ``Post(content, handler, **metadata)`` raises TypeError on a ``content`` or ``handler`` key.
    Reading the 2,212 corpus files' front matter (split + load + ``check_types``, CPU time, best of 5, in
    five runs) took 166-205 ms with the hand-written functions this replaced and 154-161 ms through the
    handler; the counts above come from ``benchmarks/front_matter.py``.
    """

    FM_BOUNDARY = re.compile(r"^---[ \t]*$", re.MULTILINE)

    def split(self, text: str) -> tuple[str, str]:
        """(front matter, body); the front matter is ``""`` when the text has none."""
        if not self.detect(text):
            return "", text
        start = text.find("\n") + 1
        close = self.FM_BOUNDARY.search(text, start) if start else None
        if close is None:
            raise FrontMatterError("front matter starts with '---' but never ends", line=1)
        block = text[start : max(start, close.start() - 1)]
        if close.end() == len(text):
            return block, ""
        # Hashnode puts one empty line after the closing fence; whitespace-only lines are not content
        # either, but the last line is kept. Leading spaces of the first real line stay (indented code).
        pos = close.end() + 1
        while (end := text.find("\n", pos)) >= 0 and not text[pos:end].strip():
            pos = end + 1
        return block, text[pos:]

    def load(self, fm: str, **kwargs: object) -> Metadata:
        """The front matter as a mapping of text keys; raises :class:`FrontMatterError` if hostile."""
        meta = Metadata()
        if not fm.strip():
            return meta
        if len(fm) > MAX_BLOCK:
            raise FrontMatterError(
                f"front matter is over {MAX_BLOCK // 1024} KB; Hashnode's is a few lines", line=1
            )
        data: Any = None
        # BaseLoader keeps every scalar a string: no "yes" -> True, "1.10" -> 1.1, dates untouched.
        # libyaml refuses a few texts the pure-Python reader takes (and the other way round): a text
        # either accepts is read as that one reads it.
        for loader in dict.fromkeys((_FAST_LOADER, yaml.BaseLoader)):
            if data is None and _plain(fm, loader):
                try:
                    data = yaml.load(fm, Loader=loader)
                except yaml.YAMLError:
                    data = None
        if isinstance(data, dict) and all(isinstance(k, str) for k in data):
            meta.update(data)
        else:
            meta.update(_line_by_line(fm))
            meta.line_by_line = True
        return meta


HANDLER = HashnodeHandler()


def _line(event: yaml.Event) -> int | None:
    """The file line of an event in the block (the block starts on the file's line 2)."""
    return event.start_mark.line + 2 if event.start_mark is not None else None


def _plain(block: str, loader: Any) -> bool:
    """Whether ``block`` is YAML that is safe to build: no alias, at most :data:`MAX_DEPTH` deep.

    Hashnode writes flat ``key: value`` lines. An alias can make a few lines expand to gigabytes
    ("billion laughs"), and deep nesting overflows the recursive builders (libyaml's crashes the
    process), so both are refused from the event stream, which libyaml makes without recursion,
    before anything is built. False when the block is not YAML at all (read line by line).
    """
    depth = 0
    try:
        for event in yaml.parse(block, Loader=loader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise FrontMatterError(
                        f"front matter is nested over {MAX_DEPTH} levels deep; Hashnode's is flat",
                        line=_line(event),
                    )
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                raise FrontMatterError(
                    f"front matter uses a YAML alias (*{event.anchor}), which Hashnode never writes and "
                    "which can expand without bound; refused",
                    line=_line(event),
                )
    except yaml.YAMLError:
        return False
    return True


def _line_by_line(block: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    key: str | None = None
    open_quote = False
    for number, line in enumerate(block.split("\n"), start=2):
        match = _KEY.match(line)
        if match and not open_quote:
            key = match["key"]
            value = match["value"] or ""
            data[key] = value
            open_quote = value.startswith('"') and not (len(value) > 1 and value.endswith('"'))
            continue
        if key is None:
            if line.strip():
                raise FrontMatterError(
                    f"front matter line is not 'key: value': {line.strip()[:60]!r}", number
                )
            continue
        if not line.strip() and not open_quote:
            continue
        data[key] = f"{data[key]}\n{line.strip()}"
        if open_quote and line.rstrip().endswith('"'):
            open_quote = False
    return {k: _unquote(v) for k, v in data.items()}


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], start=1
    )
}


def parse_date(value: Any) -> datetime | None:
    """A publish date in any form seen: JavaScript Date string, ISO 8601, epoch milliseconds."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    text = str(value).strip().strip("\"'")
    if not text:
        return None
    if match := _JS_DATE.match(text):
        month = _MONTHS.get(match["mon"])
        if month is None:
            return None
        hour, minute, second = (int(x) for x in match["time"].split(":"))
        try:
            naive = datetime(int(match["year"]), month, int(match["day"]), hour, minute, second)
            zone = datetime.strptime(match["tz"], "%z").tzinfo
        except ValueError:
            return None
        try:
            return naive.replace(tzinfo=zone).astimezone(UTC)
        except (ValueError, OverflowError):
            return None
    try:
        if re.fullmatch(r"\d{10,13}", text):
            seconds = int(text) / (1000 if len(text) == 13 else 1)
            return datetime.fromtimestamp(seconds, tz=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        # Every date leaves the reader in UTC, so no exporter can write local time as UTC.
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        # Out of datetime's range (year 0, year 30000, a timestamp in the far future): no date.
        return None


def split_tags(value: Any) -> list[str]:
    """``tags`` as Hashnode writes it (``a, b, c``) or as a YAML list; empty items dropped."""
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [
        str(item).strip().strip("\"'").strip() for item in items if str(item).strip().strip("\"'").strip()
    ]


# Keys whose value Hashnode writes as text; a list or a mapping there is not something to guess from.
_TEXT_KEYS = (
    "title", "subtitle", "seoTitle", "seoDescription", "datePublished", "date", "dateUpdated", "updated",
    "lastmod", "cuid", "slug", "canonical", "canonical_url", "cover", "ogImage", "series", "seriesSlug",
    "draft", "saveAsDraft",
)  # fmt: skip


def check_types(meta: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``meta`` without the values of a shape Hashnode never writes, and one line about each.

    Text keys must be text; ``tags`` is text or a list of text (items of another shape are dropped).
    Keys the model does not know are kept as they are.
    """
    clean = dict(meta)
    problems: list[str] = []
    for key in _TEXT_KEYS:
        if key in clean and not isinstance(clean[key], str):
            problems.append(f"'{key}' is {_shape(clean.pop(key))}, not text; left out")
    tags = clean.get("tags")
    if isinstance(tags, list):
        kept = [tag for tag in tags if isinstance(tag, str)]
        if len(kept) != len(tags):
            problems.append(f"'tags' holds {len(tags) - len(kept)} item(s) that are not text; left out")
            clean["tags"] = kept
    elif tags is not None and not isinstance(tags, str):
        problems.append(f"'tags' is {_shape(clean.pop('tags'))}, not text or a list; left out")
    return clean, problems


def _shape(value: Any) -> str:
    return "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else "not text"
