"""A publish date for every post, and where it came from.

The order of trust: the date the post itself states (front matter, export, API); then git history,
when Hashnode's own ``create post:`` commit added the file; then the time hidden in the post's id.
A Hashnode cuid is ``c`` + 8 base-36 digits of the millisecond it was created (an upper bound of the
publish date: on 206 real posts it was within a minute for 146 and later for the rest, never
earlier); a draft's ``draft-<24 hex>`` name is a MongoDB ObjectId whose first 8 hex digits are its
second of creation. A history that starts with another commit (``update post:``, the bulk
``Synced existing file``) only says the post existed by then, so the earlier of it and the id time is
taken. Anything but a stated date or a ``create post:`` commit is approximate and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hashmigrate.hashnode.git import FileHistory
from hashmigrate.model import DateOrigin, Note

_CUID = re.compile(r"c([0-9a-z]{8})[0-9a-z]{16,}")
OBJECT_ID = re.compile(r"[0-9a-f]{24}")  # a MongoDB ObjectId, as Hashnode's ids are
# Hashnode began in 2016 (its ids too); a time outside this span is an id of another kind.
_EARLIEST = datetime(2015, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Dated:
    when: datetime
    origin: DateOrigin
    approximate: bool
    why: str = ""  # for an approximate date: what it rests on

    def post_fields(self) -> dict[str, Any]:
        """The date as ``Post`` keyword arguments."""
        return {"published": self.when, "date_approximate": self.approximate, "date_origin": self.origin}


def _plausible(when: datetime) -> datetime | None:
    return when if _EARLIEST <= when <= datetime.now(UTC) + timedelta(days=2) else None


def cuid_time(cuid: str) -> datetime | None:
    """When a Hashnode cuid was made, or None when ``cuid`` is not one."""
    match = _CUID.fullmatch(cuid)
    if match is None:
        return None
    return _plausible(datetime.fromtimestamp(int(match[1], 36) / 1000, tz=UTC))


def object_id_time(object_id: str) -> datetime | None:
    """When a MongoDB ObjectId (a Hashnode draft's id) was made, or None when it is not one."""
    if OBJECT_ID.fullmatch(object_id) is None:
        return None
    return _plausible(datetime.fromtimestamp(int(object_id[:8], 16), tz=UTC))


def id_date(cuid: str = "", object_id: str = "") -> Dated | None:
    """The date an id gives, approximate, or None."""
    if cuid and (when := cuid_time(cuid)):
        return Dated(
            when, "cuid", True, f"taken from the post's id ({cuid}), which records when it was created"
        )
    if object_id and (when := object_id_time(object_id)):
        return Dated(
            when,
            "ObjectId",
            True,
            f"taken from the draft's id ({object_id}), which records when it was created",
        )
    return None


def from_history(git: FileHistory, by_id: Dated | None) -> Dated:
    """The date git history gives a file, checked against its id's date."""
    if git.shallow:
        # Not the file's first commit but the oldest this clone holds, which adds every file: the post
        # is older, so its id's date (when it was created) is the better one, if it is earlier.
        why = (
            "the git history is shallow (a clone with --depth): the post is older than its first commit here"
        )
        if by_id is not None and by_id.when <= git.added:
            return Dated(by_id.when, by_id.origin, True, f"{by_id.why}; {why}")
        return Dated(git.added, "git history", True, why)
    if git.added_subject.lower().startswith("create post"):
        return Dated(git.added, "git history", False)
    first = git.added_subject.split(":", 1)[0]
    if by_id is not None and by_id.when < git.added:
        return Dated(
            by_id.when, by_id.origin, True, f"{by_id.why}; git's first commit ('{first}') came later"
        )
    return Dated(
        git.added,
        "git history",
        True,
        f"the first commit of the file is '{first}', not Hashnode's 'create post', so the post may be older",
    )


def choose(
    stated: datetime | None, origin: DateOrigin, git: FileHistory | None, by_id: Dated | None
) -> Dated | None:
    """The best date there is: stated, then history, then the id; None when nothing dates the post."""
    if stated is not None:
        return Dated(stated, origin, False)
    if git is not None:
        return from_history(git, by_id)
    return by_id


def date_notes(label: str, dated: Dated) -> tuple[Note, ...]:
    """What a reader says about a date: nothing when it is exact."""
    if not dated.approximate:
        return ()
    return (
        Note(
            label,
            "date-approximate",
            f"publish date {dated.when:%Y-%m-%d} is approximate",
            dated.why,
            f"dated from the {dated.origin}; give the post a datePublished to set it",
        ),
    )
