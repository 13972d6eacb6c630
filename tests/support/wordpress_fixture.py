"""The session-wide ``wordpress`` fixture: one real WordPress for every test that asks for it.

Register it from a conftest with ``pytest_plugins = ["support.wordpress_fixture"]``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .wordpress import WordPressSite, start_wordpress, wordpress_available


@pytest.fixture(scope="session")
def wordpress(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WordPressSite]:
    """A running WordPress (Debian's package, own MariaDB, ``php -S``); skips when not installed.

    Session-scoped because start-up costs seconds: tests share the site, so they should create
    their own posts, tags and media with names no other test uses.
    """
    reason = wordpress_available()
    if reason is not None:
        pytest.skip(reason)
    site = start_wordpress(tmp_path_factory.mktemp("wordpress"))
    try:
        yield site
    finally:
        site.stop()
