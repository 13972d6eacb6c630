"""pytest fixtures for the local dev.to stand-in; register with ``pytest_plugins = ["support.forem_fixture"]``.

The Forem spec lives in the read-only ``../shared`` folder next to the repository and is never copied in,
so without it these fixtures skip (and ``HASHMIGRATE_REQUIRE_ALL=1`` turns that skip into a failure).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .forem_server import ForemServer, ForemSpec
from .shared import shared_file


@pytest.fixture(scope="session")
def forem_spec() -> ForemSpec:
    """The parsed spec, shared by every server of the session."""
    return ForemSpec(shared_file("specs", "forem-api-v1.json"))


@pytest.fixture
def forem(forem_spec: ForemSpec) -> Iterator[ForemServer]:
    """A started dev.to stand-in with no articles, no faults and no rate limits.

    It fails the test at teardown if the server itself misbehaved (a response of ours drifting from the
    spec, or an exception in a handler): such a test would otherwise prove nothing.
    """
    with ForemServer(forem_spec) as server:
        yield server
        if server.internal_errors:
            pytest.fail("the dev.to test server misbehaved:\n" + "\n".join(server.internal_errors))
