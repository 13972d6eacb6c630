"""Use hashmigrate from a script: load the example blog, look at it, convert it for Hugo.

Run from the repository root: python3 examples/library.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import hashmigrate

BLOG = Path(__file__).resolve().parent / "blog"


def main() -> None:
    problems: list[hashmigrate.Problem] = []
    posts = list(hashmigrate.load(BLOG, blog_url="https://blog.example.dev", problems=problems))
    for post in sorted(posts, key=lambda p: p.published.isoformat() if p.published else ""):
        date = f"{post.published:%Y-%m-%d}" if post.published else "undated"
        embeds = [n.provider for n in post.body if isinstance(n, hashmigrate.Embed)]
        print(f"{date}  {post.slug}  tags={[t.name for t in post.tags]}  embeds={embeds}")
    for problem in problems:
        print(f"not converted: {problem.line_text()}")

    with tempfile.TemporaryDirectory() as out:
        result = hashmigrate.convert(posts, to="hugo", out=out)
        print(f"ok={result.ok} {dict(result.counts())}")
        for note in result.notes:
            print(f"note: {note.line()}")


if __name__ == "__main__":
    main()
