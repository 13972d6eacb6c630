"""Mirror N images behind a fixed latency and compare with the ideal for the concurrency.

The ideal is ceil(N / concurrency) * latency: every worker always busy, no overhead. The image host is
the tests' local server (127.0.0.1), so only our own overhead is measured.

    python3 benchmarks/images.py [--images 500] [--latency 0.05] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.image_server import ImageServer

from hashmigrate.assets import ImageCache, ImageFetcher


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with ImageServer(latency=args.latency) as server, tempfile.TemporaryDirectory() as cache:
        urls = [f"{server.url}/slow/image-{i}.png" for i in range(args.images)]
        fetcher = ImageFetcher(ImageCache(Path(cache)), concurrency=args.concurrency)
        start = time.perf_counter()
        assets, report = fetcher.fetch_all(urls)
        wall = time.perf_counter() - start
        start = time.perf_counter()
        _, again = ImageFetcher(ImageCache(Path(cache)), concurrency=args.concurrency).fetch_all(urls)
        rerun = time.perf_counter() - start
    ideal = math.ceil(args.images / args.concurrency) * args.latency
    print(f"images {args.images}, latency {args.latency * 1000:.0f} ms, concurrency {args.concurrency}")
    print(f"mirror: {wall:.2f} s (ideal {ideal:.2f} s, ratio {wall / ideal:.2f}x; goal <= 1.5x)")
    print(f"downloaded {report.downloaded}, failed {len(report.failed)}, unique files {len(assets)}")
    print(f"second run: {rerun:.2f} s, downloaded {again.downloaded}, from cache {again.cached}")


if __name__ == "__main__":
    main()
