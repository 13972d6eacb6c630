"""Test set-up of hashmigrate-astro, the same rule as hashmigrate's own ``tests/conftest.py``.

A test that needs a real tool (here Node.js and Astro) skips with its reason when the tool is missing,
so the tests run on a user's machine; with ``HASHMIGRATE_REQUIRE_ALL=1`` (set by ``.ci/run``) every skip
is a failure instead, so a missing Astro can never pass silently in CI. This folder is its own package's
tests, so the hook is repeated here: a conftest only reaches the tests under its own folder.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

REQUIRE_ALL = os.environ.get("HASHMIGRATE_REQUIRE_ALL") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped, but HASHMIGRATE_REQUIRE_ALL=1 forbids skips: {reason}"
