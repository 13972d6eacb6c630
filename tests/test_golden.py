"""Exporters against their golden files: one hand-made post per construct, one expected page per target."""

from __future__ import annotations

from pathlib import Path

import pytest
from golden_cases import cases, expected, installed_targets, render, update

PAIRS = [(case, target) for case in cases() for target in installed_targets()]


def test_there_are_golden_cases() -> None:
    assert len(cases()) >= 10


@pytest.mark.parametrize(("case", "target"), PAIRS, ids=[f"{c.name}-{t}" for c, t in PAIRS])
def test_golden(case: Path, target: str, request: pytest.FixtureRequest) -> None:
    if request.config.getoption("--update-golden"):
        update(case, target)
    want = expected(case, target)
    assert want, (
        f"no expected files for {case.name}/{target}: run pytest tests/test_golden.py --update-golden"
    )
    assert render(case, target) == want
