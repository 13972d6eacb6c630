"""What a convert holds per post: memory at each stage of one run, and what grew between two points.

Runs ``hashmigrate.convert_iter`` over a folder of post files (or makes one: the corpus replicated as
``scale.py`` does, ``--replicate N``) in this process, and prints, at the end of planning, after the
memory given back before converting, and every ``--every`` posts: RSS, peak RSS, the interpreter's
allocated blocks and its tracked objects. With ``--diff A,B`` it traces allocations and prints what
grew between post A and post B of the conversion (or ``plan`` for the end of planning), grouped by
traceback: the holders of what grows with the blog, with their bytes per post (``start,plan``: what
planning holds at its end, per post of the blog).

    python benchmarks/memory.py --replicate 6000                        # the stages, 2 workers
    HASHMIGRATE_WORKERS=1 python benchmarks/memory.py --replicate 6000 --diff plan,5000
    python benchmarks/memory.py --source /tmp/replicas --diff 1000,5000 --top 20

Peak RSS is the process's own (``ru_maxrss``); the largest worker's is printed at the end. Tracing
slows the run 3-6x and its own bookkeeping adds to RSS: read sizes from the diff, peaks from a run
without it.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from convert import DEFAULT_CORPUS, max_rss_mb, remove
from scale import load_templates, replicate

FRAMES = 8  # traceback depth: enough to reach hashmigrate's caller of a library


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 2**20


def children_mb() -> list[tuple[float, float]]:
    """(RSS, peak RSS) of each worker process now."""
    found = []
    try:
        pids = Path(f"/proc/self/task/{os.getpid()}/children").read_text().split()
    except OSError:
        return []
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if "VmRSS" in fields and "VmHWM" in fields:
            found.append((int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024))
    return found


def stage(what: str) -> None:
    peak = max_rss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    workers = "".join(f"  worker {now:.1f}/{high:.1f}" for now, high in children_mb())
    print(
        f"{what:<24} rss {rss_mb():6.1f} MB  peak {peak:6.1f} MB  blocks {sys.getallocatedblocks():>9,}  "
        f"objects {len(gc.get_objects()):>9,}{workers}",
        flush=True,
    )


def wrap(module: Any, name: str, before: str | None, after: str | None) -> None:
    """Report a stage before and after a function of ``module``."""
    original: Callable[..., Any] = getattr(module, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if before:
            stage(before)
            marks.get(before, lambda: None)()
        value = original(*args, **kwargs)
        if after:
            stage(after)
            marks.get(after, lambda: None)()
        return value

    setattr(module, name, wrapped)


marks: dict[str, Callable[[], None]] = {}


def diff(first: tracemalloc.Snapshot, second: tracemalloc.Snapshot, posts: int, top: int) -> None:
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen *>")]
    first, second = first.filter_traces(ignore), second.filter_traces(ignore)
    grown = second.compare_to(first, "traceback")
    total = sum(stat.size_diff for stat in grown)
    blocks = sum(stat.count_diff for stat in grown)
    print(
        f"\ngrowth over {posts:,} posts: {total / 2**20:.2f} MB, {blocks:,} blocks, {total / posts:.0f} B/post"
    )
    for stat in grown[:top]:
        if stat.size_diff <= 0:
            break
        print(f"\n{stat.size_diff / posts:7.0f} B/post  {stat.count_diff / posts:6.2f} blocks/post")
        for frame in list(stat.traceback)[::-1][-FRAMES:]:
            if "hashmigrate" in frame.filename or frame is stat.traceback[0]:
                print(f"    {frame.filename}:{frame.lineno}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--source", help="a folder of post files")
    parser.add_argument("--replicate", type=int, metavar="N", help="make N replicas of the corpus (seed 1)")
    parser.add_argument("--target", default="hugo")
    parser.add_argument("--every", type=int, default=2000, help="posts between stage lines")
    parser.add_argument("--diff", metavar="A,B", help="trace; what grew from post A (or 'plan') to post B")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--tmp", default=tempfile.gettempdir())
    args = parser.parse_args(argv)
    if not args.source and not args.replicate:
        parser.error("give --source or --replicate")

    import hashmigrate
    from hashmigrate import api, registry

    registry.create(args.target)  # imports done before the first figure
    made: Path | None = None
    if args.source:
        source = Path(args.source)
    else:
        made = source = Path(tempfile.mkdtemp(prefix="hm-memory-", dir=args.tmp))
        replicate(load_templates(DEFAULT_CORPUS), args.replicate, source, random.Random(1))
    out = Path(tempfile.mkdtemp(prefix="hm-memory-out-", dir=args.tmp))

    snapshots: dict[str, tracemalloc.Snapshot] = {}
    start, end = (args.diff or ",").split(",")
    if args.diff:
        tracemalloc.start(FRAMES)
        marks["start"] = lambda: snapshots.setdefault("start", tracemalloc.take_snapshot())
        marks["planned"] = lambda: snapshots.setdefault("plan", tracemalloc.take_snapshot())

    wrap(api, "_plan", "start", "planned")
    wrap(api, "_give_back_free_memory", None, "memory given back")
    try:
        started = time.perf_counter()
        done = 0
        with hashmigrate.convert_iter(source, to=args.target, out=out, drafts=True) as run:
            for _ in run:
                done += 1
                if done % args.every == 0:
                    stage(f"post {done:,}")
                if args.diff and str(done) in {start, end}:
                    snapshots[str(done)] = tracemalloc.take_snapshot()
        stage(f"end ({done:,} posts)")
        workers = max_rss_mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        print(f"{time.perf_counter() - started:.1f} s; largest worker's peak {workers:.1f} MB")
    finally:
        remove(out)
        if made is not None:
            remove(made)
    if args.diff:
        if start not in snapshots or end not in snapshots:
            print(f"no snapshot at {start} or {end} ({done} posts)")
            return 1
        posts = done if end == "plan" else int(end) - (0 if start in {"start", "plan"} else int(start))
        diff(snapshots[start], snapshots[end], posts, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
