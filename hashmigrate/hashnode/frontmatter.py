"""Hashnode front matter: split it off, read it as YAML, and read it anyway when it is not YAML.

Hashnode writes ``title: "..."`` without escaping inner quotes and lets ``seoDescription`` run over
several lines, so 7 real files in the corpus are not valid YAML. Those are read line by line.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import yaml

# libyaml's loader is several times faster; PyYAML without it still works.
_FAST_LOADER: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
# Real front matter is a few flat lines; these bounds only stop hostile input.
MAX_BLOCK = 256 * 1024
MAX_DEPTH = 8
_FENCE = re.compile(r"^---[ \t]*$")
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


def split(text: str) -> tuple[str | None, str, int]:
    """Return (front matter or None, body, line number where the body starts, 1-based)."""
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        return None, text, 1
    for index in range(1, len(lines)):
        if _FENCE.match(lines[index]):
            block = "\n".join(lines[1:index])
            body_lines = lines[index + 1 :]
            skipped = 0
            # Hashnode puts one empty line after the closing fence; whitespace-only lines are not
            # content either. Leading spaces of the first real line are kept (indented code).
            while skipped < len(body_lines) - 1 and not body_lines[skipped].strip():
                skipped += 1
            return block, "\n".join(body_lines[skipped:]), index + 2 + skipped
    raise FrontMatterError("front matter starts with '---' but never ends", line=1)


def load(block: str) -> tuple[dict[str, Any], bool]:
    """Parse a front matter block; return (mapping, read_line_by_line)."""
    if not block.strip():
        return {}, False
    if len(block) > MAX_BLOCK:
        raise FrontMatterError(
            f"front matter is over {MAX_BLOCK // 1024} KB; Hashnode's is a few lines", line=1
        )
    data: Any = None
    # BaseLoader keeps every scalar a string: no "yes" -> True, "1.10" -> 1.1, dates untouched.
    # libyaml refuses a few texts the pure-Python reader takes (and the other way round): a text
    # either accepts is read as that one reads it.
    for loader in dict.fromkeys((_FAST_LOADER, yaml.BaseLoader)):
        if data is None and _plain(block, loader):
            try:
                data = yaml.load(block, Loader=loader)
            except yaml.YAMLError:
                data = None
    if isinstance(data, dict) and all(isinstance(k, str) for k in data):
        return data, False
    return _line_by_line(block), True


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
