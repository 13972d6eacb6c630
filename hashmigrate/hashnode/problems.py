"""What a reader says about a file it could not turn into a post."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

# ``error``: the file could not be read; ``skipped``: left out on purpose (a draft, a deleted post).
ProblemKind: TypeAlias = Literal["error", "skipped"]


@dataclass(frozen=True, slots=True)
class Problem:
    """A file that gave no post: ``kind`` is ``error`` (could not be read) or ``skipped`` (on purpose)."""

    source: str
    message: str
    line: int | None = None
    kind: ProblemKind = "error"

    def line_text(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


class SourceError(ValueError):
    """The source as a whole cannot be read (a user mistake, such as a path that does not exist)."""


class SourceUnavailable(SourceError):
    """The source cannot be reached now (its API is down): worth trying again later."""
