"""The read-only ``../shared`` reference material beside the repository, which a fresh clone lacks.

Every test that needs a file of it asks through :func:`shared_file`, which skips with the reason when it
is missing (``HASHMIGRATE_REQUIRE_ALL=1`` turns that skip into a failure, as in CI).
"""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def shared_file(*parts: str) -> Path:
    """``../shared/<parts>``, or a skip naming what is missing."""
    path = SHARED.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"{path} is not here (../shared is the project's read-only reference material)")
    return path
