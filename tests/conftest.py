"""Shared test set-up.

Tests that need a real tool (Hugo, Jekyll, WordPress) or the read-only ``../shared`` material skip
when it is missing, so the suite runs on a user's machine. CI sets ``HASHMIGRATE_REQUIRE_ALL=1``,
which turns every skip into a failure: a missing package there must never pass silently.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
from support.shared import SHARED

REQUIRE_ALL = os.environ.get("HASHMIGRATE_REQUIRE_ALL") == "1"

# Session fixtures for the real services (each skips with its reason when the service is absent).
pytest_plugins = ["support.wordpress_fixture", "support.forem_fixture"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/*/expected from the current exporters",
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped, but HASHMIGRATE_REQUIRE_ALL=1 forbids skips: {reason}"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "corpus").is_dir():
        pytest.skip(f"{SHARED} is not here (the project's read-only reference material)")
    return SHARED


@pytest.fixture(scope="session")
def corpus_dir(shared_dir: Path) -> Path:
    return shared_dir / "corpus"
