"""Note kinds and statuses are ``Literal`` types, so mypy turns a typo into an error; these tests keep
the lists themselves honest: nothing listed that no code produces, nothing produced that is not listed.

The README has no table of note kinds (notes are counted by kind in summaries and listed by
``--verbose``/``--report``); the golden ``NOTES.txt`` files are the documented examples, and every kind
they show must be a :data:`~hashmigrate.model.NoteKind`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args

import pytest

from hashmigrate.api import PostStatus
from hashmigrate.delivery import FileStatus
from hashmigrate.hashnode.problems import ProblemKind
from hashmigrate.model import NoteKind
from hashmigrate.publish import DeliveryStatus

ROOT = Path(__file__).resolve().parent.parent
CODE = sorted((ROOT / "hashmigrate").rglob("*.py")) + sorted((ROOT / "exporters").rglob("*.py"))
TYPES = {
    "NoteKind": NoteKind,
    "PostStatus": PostStatus,
    "FileStatus": FileStatus,
    "DeliveryStatus": DeliveryStatus,
    "ProblemKind": ProblemKind,
}


def code_without(name: str) -> str:
    """All the package's code, less the definition of the Literal ``name`` (so it cannot count itself)."""
    definition = re.compile(rf"^{name}: TypeAlias = Literal\[.*?\]\n", re.MULTILINE | re.DOTALL)
    texts = [path.read_text(encoding="utf-8") for path in CODE]
    found = [text for text in texts if definition.search(text)]
    assert len(found) == 1, f"{name} is defined {len(found)} times"
    return "\n".join(definition.sub("", text) for text in texts)


@pytest.mark.parametrize("name", sorted(TYPES))
def test_every_value_of_a_literal_is_produced_somewhere(name: str) -> None:
    values: tuple[Any, ...] = get_args(TYPES[name])
    assert values and len(set(values)) == len(values), values
    code = code_without(name)
    unused = [value for value in values if f'"{value}"' not in code]
    assert not unused, f"{name} lists values no code uses: {unused}"


def test_every_note_kind_in_the_golden_notes_is_a_note_kind() -> None:
    shown = {
        line.split(":", 1)[0]
        for path in (ROOT / "tests" / "golden").glob("*/expected/*/NOTES.txt")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line
    }
    assert shown, "no golden NOTES.txt found"
    assert shown <= set(get_args(NoteKind)), shown - set(get_args(NoteKind))


def test_a_delivery_status_is_a_post_status() -> None:
    assert set(get_args(DeliveryStatus)) <= set(get_args(PostStatus))
