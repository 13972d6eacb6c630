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


def _metadata_of_this_checkout() -> None:
    """Entry points as this checkout's pyproject.toml declares them, when the installed metadata says
    otherwise (an editable install made from another checkout, or before ``pip install -e .`` was run
    again): a ``hashmigrate`` dist-info placed first on sys.path (and PYTHONPATH, for subprocesses)
    shadows the installed one, so the registry sees what a fresh install would give."""
    import sys
    import tempfile
    import tomllib
    from importlib.metadata import PackageNotFoundError, distribution

    root = Path(__file__).resolve().parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = []
    for group, entries in project.get("entry-points", {}).items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {value}" for name, value in entries.items()]
        lines.append("")
    wanted = "\n".join(lines)
    try:
        installed = distribution("hashmigrate").read_text("entry_points.txt") or ""
    except PackageNotFoundError:
        installed = ""
    parse = lambda text: sorted(line.replace(" ", "") for line in text.splitlines() if line.strip())  # noqa: E731
    if parse(installed) == parse(wanted):
        return
    import atexit
    import shutil

    folder = Path(tempfile.mkdtemp(prefix="hashmigrate-metadata-"))
    atexit.register(shutil.rmtree, folder, True)
    info = folder / f"hashmigrate-{project['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: hashmigrate\nVersion: {project['version']}\n"
    )
    (info / "entry_points.txt").write_text(wanted)
    sys.path.insert(0, str(folder))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))


_metadata_of_this_checkout()

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
