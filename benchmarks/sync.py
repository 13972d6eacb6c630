"""Sync and publish figures: an unchanged sync of 1,000 posts, and a rate-limited publish of 100.

1. Sync of N unchanged posts (default 1,000, made from the corpus with fresh cuids and slugs) to a Hugo
   folder and the dev.to test server: wall time, requests sent, files written (both must be 0). Then
   the same sync after one post was edited, which cannot skip on the run fingerprint and so shows what
   the full path (read, render and compare every post) costs.
2. Publish of 100 posts to the dev.to test server limited to 10 creates per 3 s (dev.to's 10 per 30 s,
   scaled down), with the publisher paced to the same scaled limit: wall time next to the floor that the
   limit sets ((100 / 10 - 1) windows of 3 s), and the number of 429 answers (goal: none).

    python3 benchmarks/sync.py [--posts 1000] [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.forem_server import ForemServer, RateLimit, RateLimits  # noqa: E402

from hashmigrate.http import Pacer, RetryPolicy, Secret  # noqa: E402
from hashmigrate.publish import publish  # noqa: E402
from exporters.devto_publish import DevtoPublisher  # noqa: E402
from hashmigrate.sync.config import load  # noqa: E402
from hashmigrate.sync.run import sync  # noqa: E402

SPEC = ROOT.parent / "shared" / "specs" / "forem-api-v1.json"
KEY = "bench-key"


def make_blog(corpus: Path, folder: Path, count: int) -> None:
    """``count`` new-format posts from the corpus, each with a fresh cuid and slug."""
    sources = sorted(p for p in corpus.glob("*/c*.md") if p.read_text(errors="replace").startswith("---"))
    folder.mkdir(parents=True)
    for n in range(count):
        text = sources[n % len(sources)].read_text(errors="replace")
        cuid = f"c{n:024d}"
        text = re.sub(r"^cuid: .*$", f"cuid: {cuid}", text, count=1, flags=re.M)
        text = re.sub(
            r"^slug: (.*)$", lambda m, n=n: f"slug: {m.group(1)[:80]}-{n}", text, count=1, flags=re.M
        )
        (folder / f"{cuid}.md").write_text(text)


def files_under(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def unchanged_sync(corpus: Path, count: int, tmp: Path) -> None:
    blog, site = tmp / "blog", tmp / "site"
    make_blog(corpus, blog, count)
    with ForemServer(SPEC, api_key=KEY) as forem:
        config = tmp / "hashmigrate.toml"
        config.write_text(
            f'[source]\ntype = "backup"\npath = "blog"\nblog_url = "https://blog.example.dev"\n'
            f'[[targets]]\ntype = "hugo"\nout = "site"\n'
            f'[[targets]]\ntype = "devto"\napi_key_env = "BENCH_KEY"\napi_url = "{forem.url}"\n'
        )
        settings = load(config)
        # Fill the state once without dev.to's 30-second pacing (a setup step, not measured).
        fast = DevtoPublisher(
            Secret(KEY), api_url=forem.url, create_pacer=Pacer(10**6, 1), policy=RetryPolicy()
        )
        publish(blog, to="devto", state=settings.state, publisher=fast, blog_url="https://blog.example.dev")
        env = {"BENCH_KEY": KEY}
        first = sync(settings, env=env)
        assert first.ok, [t.error for t in first.targets]
        before_requests = len(forem.requests)
        before_files = files_under(site)
        start = time.perf_counter()
        result = sync(settings, env=env)
        wall = time.perf_counter() - start
        requests = len(forem.requests) - before_requests
        after_files = files_under(site)
        print(f"unchanged sync of {count} posts to hugo + devto: {wall:.2f} s (goal < 1 s)")
        print(
            f"  requests sent: {requests}, files written: {changed(before_files, after_files)},"
            f" sync says writes = {result.writes} (goal 0)"
        )
        edited = sorted(blog.glob("*.md"))[count // 2]
        edited.write_text(edited.read_text() + "\n\nEdited for the benchmark.\n")
        before_requests = len(forem.requests)
        start = time.perf_counter()
        result = sync(settings, env=env)
        wall = time.perf_counter() - start
        requests = len(forem.requests) - before_requests
        print(f"sync of {count} posts with one edited (the full path): {wall:.2f} s")
        print(
            f"  requests sent: {requests}, files written: {changed(after_files, files_under(site))},"
            f" sync says writes = {result.writes} (expected 2: the page and the article)"
        )


def changed(before: dict[Path, int], after: dict[Path, int]) -> int:
    return sum(1 for p, m in after.items() if before.get(p) != m) + len(set(before) - set(after))


def rate_limited_publish(corpus: Path, tmp: Path, posts: int = 100) -> None:
    blog = tmp / "publish-blog"
    make_blog(corpus, blog, posts)
    limit, window = 10, 3.0
    with ForemServer(SPEC, api_key=KEY, rate_limits=RateLimits(create=RateLimit(limit, window))) as forem:
        publisher = DevtoPublisher(
            Secret(KEY),
            api_url=forem.url,
            # Our pacing keeps the same margin over the scaled window as over dev.to's 30 s one.
            create_pacer=Pacer(limit, window * 30.5 / 30),
            policy=RetryPolicy(),
        )
        start = time.perf_counter()
        result = publish(blog, to="devto", state=tmp / "publish.db", publisher=publisher)
        wall = time.perf_counter() - start
        throttled = sum(1 for r in forem.requests if r.status == 429)
    floor = (posts / limit - 1) * window
    created = result.counts().get("created", 0)
    print(f"publish of {posts} posts, limit {limit} creates per {window:.0f} s: {wall:.2f} s")
    print(
        f"  floor {floor:.1f} s, ratio {wall / floor:.3f}x (goal <= 1.15x); created {created}; 429 received: {throttled}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    args = parser.parse_args()
    if not SPEC.is_file() or not args.corpus.is_dir():
        sys.exit(f"needs {SPEC} and {args.corpus} (the project's shared reference material)")
    with tempfile.TemporaryDirectory() as tmp:
        unchanged_sync(args.corpus, args.posts, Path(tmp))
        rate_limited_publish(args.corpus, Path(tmp))


if __name__ == "__main__":
    main()
