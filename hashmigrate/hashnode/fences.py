"""Closing fences that Hashnode's editor wrote and showed as intended, but CommonMark does not accept.

A closing fence indented four or more spaces (past its container), or next to a no-break space, does
not close the code block: the rest of the post (or of its list item or quote) becomes code. Where the
fix is unambiguous (the line is the same fence characters, at least as many, and only its indentation
or a no-break space is wrong) and it closes a block that nothing else closes, the line is rewritten as
a closing fence and noted. Anything else that leaves a block open is only noted: code is never edited
on a guess.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate

from hashmigrate.document import CodeBlock
from hashmigrate.model import Note
from hashmigrate.parse import parse

NBSP = "\u00a0"
# A line that opens or closes a fence, or nearly does (in a quote or list item too), for a quick scan.
_FENCE_LINE = re.compile(
    r"^(?P<prefix>[ \t>\u00a0]*(?P<item>(?:[*+-]|\d{1,9}[.)])[ \t]+)?)(?P<run>`{3,}|~{3,})(?P<rest>.*)$", re.M
)
# What every line _FENCE_LINE matches holds: its run of fence characters.
_FENCE_RUN = re.compile("```|~~~")
# A line that starts a list item or HTML (or looks like it, in code too: that only makes the scan
# careful). Either can hold a fence the scan cannot place: indented in a list item, or not a fence at all.
_CONTAINER = re.compile(r"^[ \t>]*(?:<|(?:[*+-]|\d{1,9}[.)])(?:[ \t]|$))", re.M)
# At most this many repairs are tried per post (each costs a parse): hostile input stays linear.
MAX_TRIES = 20


def repair_fences(text: str, label: str, first_line: int | None = 1) -> tuple[str, list[Note]]:
    """``text`` with unambiguous broken closing fences repaired, and a note for each repair and for
    each code block still left open. ``first_line`` is the file line ``text`` starts on (None when
    the text is not a file's lines: a JSON or API post), for the notes."""
    if not _suspect(text):
        return text, []
    lines = text.split("\n")
    notes: list[Note] = []
    fences = _fences(text)
    tries = 0
    while tries < MAX_TRIES:
        repaired = False
        for index, fixed, end in _candidates(fences, lines)[: MAX_TRIES - tries]:
            tries += 1
            trial = [*lines[:index], fixed, *lines[index + 1 :]]
            trial_fences = _fences("\n".join(trial))
            if _meant(fences, trial_fences, index, end):
                notes.append(
                    Note(
                        label,
                        "fence-repaired",
                        f"closing code fence on {_where(index, first_line)} repaired",
                        "it was indented 4 or more spaces or had a no-break space, so CommonMark "
                        "read what follows as code",
                        f"wrote it as {fixed.strip()!r}",
                    )
                )
                lines, fences, repaired = trial, trial_fences, True
                break
        if not repaired:
            break
    for fence in fences:
        if not _closed(fence) and fence.map is not None:
            notes.append(
                Note(
                    label,
                    "fence-open",
                    f"the code block opened on {_where(fence.map[0], first_line)} is never closed",
                    "CommonMark reads what follows, to the end of the post or of its list item or quote, as code",
                    "left as it is; close it by hand if that is not meant",
                )
            )
    return "\n".join(lines), notes


def _meant(before: list[_Fence], after: list[_Fence], index: int, end: int) -> bool:
    """Whether closing the block at line ``index`` (its block ran to ``end``) is what the author meant:
    it leaves fewer blocks open, or no more and a closed code block now starts in what the block had
    swallowed (a block cannot start inside another, so the line was meant to end it)."""
    open_before = sum(not _closed(f) for f in before)
    open_after = sum(not _closed(f) for f in after)
    if open_after != open_before:
        return open_after < open_before
    return any(_closed(f) and f.map is not None and index < f.map[0] < end for f in after)


def _suspect(text: str) -> bool:
    """Whether pairing the fence lines (by their quote and their indentation) leaves a block open or
    meets a line that nearly closes one: only then is the text parsed (a parse costs as much as the
    rest of reading a post). A false "no" leaves a broken fence unrepaired, so where the scan cannot
    be sure it pairs the lines as the parse does, it says yes and lets the parse decide."""
    if "```" not in text and "~~~" not in text:
        return False  # no fence line at all (half the posts): nothing can be open
    opened: tuple[str, int] | None = None
    container = _CONTAINER.search(text)
    sure_until = container.start() if container else len(text) + 1
    for match in _fence_lines(text):
        prefix, run, rest = match["prefix"], match["run"], match["rest"]
        if NBSP in prefix or rest.lstrip(" \t").startswith(NBSP):
            # A no-break space beside a fence is a near miss wherever it is. (It cannot open a block,
            # so skipping it when nothing is open would miss it if the scan were ever out of step.)
            return True
        indent, depth = _indent(prefix), prefix.count(">")
        if indent >= 4:
            # Indented 4 or more past its quote: a near miss if a block is open, and otherwise a
            # fence only in a list item. Outside quotes, with nothing open and no list item or HTML
            # before it, the scan has paired every fence as the parse does and the line is one of an
            # indented code block or of a paragraph: it is skipped. (Pairing it as a fence put the
            # scan a fence out of step, so a broken closing fence after it was taken for an opening
            # one, or skipped.) Anywhere else the scan cannot be sure: a list item or a quote can
            # end, and close its block, on a line the scan never sees.
            if opened is None and depth == 0 and match.start() < sure_until:
                continue
            return True
        if opened is None:
            if run[0] == "~" or "`" not in rest:
                opened = (run, depth)
            continue
        fence, at = opened
        if depth < at or match["item"]:
            # The block's quote ended before a fence closed it; or a list item's line: code of the
            # block, or a new item that ended the one holding the block (which the parse notes).
            return True
        if depth > at or run[0] != fence[0] or len(run) < len(fence):
            continue  # a line of the block's code
        if rest.strip(" \t"):
            # A fence with an info string cannot close a block: one opening inside a block (or a
            # no-break space after a closing fence) is a sign that a close was missed.
            return True
        opened = None
    return opened is not None


def _fence_lines(text: str) -> Iterator[re.Match[str]]:
    """``_FENCE_LINE.finditer(text)``, tried only at the start of the lines that hold a run of fence
    characters: its ``^`` made the regex engine try every position of the text, 4x slower on the
    corpus. A match is one whole line from its start, so the two find the same matches."""
    line_end = -1  # the end of the last line tried: each line is tried once
    for run in _FENCE_RUN.finditer(text):
        if run.start() <= line_end:
            continue
        line_start = text.rfind("\n", 0, run.start()) + 1
        line_end = text.find("\n", run.start())
        if line_end < 0:
            line_end = len(text)
        match = _FENCE_LINE.match(text, line_start)
        if match is not None:
            yield match


def _indent(prefix: str) -> int:
    """Columns from the content of the innermost quote (past its marker and one space) to the fence,
    tabs to stops of 4 as CommonMark counts them; a list marker in the prefix counts as indentation."""
    columns = prefix.expandtabs(4)
    quote = columns.rfind(">")
    return len(columns) - (quote + 2 if quote >= 0 else 0)


@dataclass(frozen=True, slots=True)
class _Fence:
    """A fenced code block: its lines ``[first, end)``, fence characters and code."""

    map: tuple[int, int]
    markup: str
    content: str


def _fences(text: str) -> list[_Fence]:
    document = parse(text, keep=True)  # the reader's parse of the same text takes this tree
    starts = list(
        accumulate((len(line) for line in text.split("\n")[:-1]), lambda a, b: a + b + 1, initial=0)
    )
    fences: list[_Fence] = []
    for node in document.blocks():
        if isinstance(node, CodeBlock) and node.fenced and node.end > node.start:
            first = bisect_right(starts, node.start) - 1
            end = bisect_right(starts, node.end - 1)
            opening = text[node.start : node.start + 200]
            run = len(opening) - len(opening.lstrip(opening[0])) if opening else 0
            fences.append(_Fence((first, end), opening[:run], node.text))
    return fences


def _closed(fence: _Fence) -> bool:
    """Whether a closing fence ended the block (else the end of the text or its container did)."""
    assert fence.map is not None
    content = fence.content
    count = content.count("\n") + (1 if content and not content.endswith("\n") else 0)
    return count == fence.map[1] - fence.map[0] - 2


def _candidates(fences: list[_Fence], lines: list[str]) -> list[tuple[int, str, int]]:
    """(line index, repaired line, end of its block) for every content line of a block that is the
    block's own fence characters, at least as many, with only indentation or a no-break space wrong."""
    found: list[tuple[int, str, int]] = []
    for fence in fences:
        assert fence.map is not None
        char, width = fence.markup[0], len(fence.markup)
        for offset, content in enumerate(fence.content.split("\n")):
            run = content.strip(" \t" + NBSP)
            if len(run) < width or run != char * len(run) or run == content:
                continue
            index = fence.map[0] + 1 + offset
            if index >= len(lines) or not lines[index].endswith(content):
                continue  # a tab was expanded: the line cannot be mapped back safely
            prefix = lines[index][: len(lines[index]) - len(content)]
            found.append((index, prefix + run, fence.map[1]))
    return found


def _where(index: int, first_line: int | None) -> str:
    return f"line {index + first_line}" if first_line is not None else f"line {index + 1} of its Markdown"
