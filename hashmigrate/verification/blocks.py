"""Verify at the block level a list of posts, for the targets with no site to build: dev.to (its Markdown
and Liquid) and WordPress (its block markup).

The posts are converted as ``convert`` writes them (links rewritten, the same options) into a temporary
folder and verified there by :func:`hashmigrate.verification.run.verify_posts`, the same check
``hashmigrate verify --to devto|wordpress`` makes of a folder convert wrote.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from typing import Any

from hashmigrate.api import convert
from hashmigrate.model import Post
from hashmigrate.verification.run import PostCheck, verify_posts
from hashmigrate.verification.targets import RENDERED


def check_posts(
    posts: Iterable[Post],
    to: str,
    *,
    blog_url: str | None = None,
    options: dict[str, Any] | None = None,
    use_php: bool | None = None,
) -> list[PostCheck]:
    """Every post converted for ``to`` (``devto`` or ``wordpress``) and compared with its reference.

    WordPress's own block parser is used when WordPress is installed (``use_php`` None or True), else
    (``use_php`` False) the port of it.
    """
    if to not in RENDERED:
        raise ValueError(f"block-level verify is for {' and '.join(RENDERED)}, not {to}")
    posts = list(posts)
    with tempfile.TemporaryDirectory(prefix="hashmigrate-verify-") as temp:
        convert(posts, to=to, out=temp, blog_url=blog_url, options=options, drafts=True)
        result = verify_posts(
            temp, posts, to, blog_url=blog_url, drafts=True, options=options, build=use_php is not False
        )
    return result.posts
