"""Convert the real-post corpus to each target and compare with the floor, in one run.

The floor is what any converter has to pay: the same files read with python-frontmatter
(``frontmatter.load``) and written back unchanged (``frontmatter.dumps``) into a temporary folder.
Every target, and the floor, runs in a fresh subprocess, so each peak memory is that run's own
(``os.wait4`` gives the rusage of exactly one child). The figure that counts is ``x floor``: the
target's wall time over the floor's, both measured in the same run on the same machine.

    python benchmarks/convert.py                       # every installed exporter, best of 3
    python benchmarks/convert.py --targets hugo --repeat 5
    python benchmarks/convert.py --targets hugo --profile 30       # cProfile of one run
    python benchmarks/convert.py --targets hugo --tracemalloc 15   # allocations at the peak

``wall s`` is the work only (reading, converting, writing), after the imports; ``proc s`` is the whole
process, interpreter start and imports included; ``cpu s`` is the whole process's user + system CPU
time, steadier than wall time on a busy machine but blind to waiting for the disk (``fsync``).
Output goes to a temporary folder that is removed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
FLOOR = "floor"
FRAMES = 6  # tracemalloc traceback depth: enough to see the caller in hashmigrate
SAMPLE_EVERY = 1000  # posts between tracemalloc samples (a snapshot of a big heap takes seconds)


@dataclass(slots=True)
class Run:
    """One measured subprocess: a target (or the floor) over one source."""

    name: str
    files: int
    written: int
    seconds: float
    process_seconds: float
    cpu_seconds: float
    peak_mb: float
    statuses: dict[str, int]
    import_seconds: float
    returncode: int = 0
    own_mb: float = 0.0  # the converting process alone
    workers_mb: float = 0.0  # the largest of its worker processes (0: none ran)

    @property
    def per_second(self) -> float:
        return self.files / self.seconds if self.seconds else 0.0


# --- the worker: what runs inside each measured subprocess ---------------------------------------


def blog_folders(source: Path) -> list[Path]:
    """The blogs under ``source``: itself when it holds post files, else each sub-folder that does."""
    if any(source.glob("*.md")):
        return [source]
    return sorted(p for p in source.iterdir() if p.is_dir() and any(p.glob("*.md")))


def post_file_count(source: Path) -> int:
    return sum(1 for folder in blog_folders(source) for _ in folder.glob("*.md"))


def _floor(source: Path, out: Path) -> dict[str, Any]:
    import frontmatter

    statuses: Counter[str] = Counter()
    files = 0
    for folder in blog_folders(source):
        target = out / folder.name
        target.mkdir(parents=True, exist_ok=True)
        for path in sorted(folder.glob("*.md")):
            files += 1
            try:
                text = frontmatter.dumps(frontmatter.load(path)) + "\n"
                statuses["written"] += 1
            except Exception:
                # Invalid YAML or a file that is not UTF-8: written back as it was, still read twice.
                text = path.read_bytes().decode("utf-8", errors="replace")
                statuses["unparsed"] += 1
            (target / path.name).write_text(text, encoding="utf-8")
    return {"files": files, "written": files, "statuses": dict(statuses)}


def _convert(target: str, source: Path, out: Path, drafts: bool, on_post: Any = None) -> dict[str, Any]:
    import resource

    import hashmigrate

    statuses: Counter[str] = Counter()
    for folder in blog_folders(source):
        # As the command runs it: results streamed, none held (HASHMIGRATE_WORKERS sets the workers).
        run = hashmigrate.convert_iter(folder, to=target, out=out / folder.name, drafts=drafts)
        with run:
            for post in run:
                if on_post is not None:
                    on_post(post)
        statuses.update(run.result.counts())
    files = post_file_count(source)
    written = sum(statuses[s] for s in ("written", "unchanged", "would-write"))
    # The parent's own peak and the largest worker's (wait4 reports the larger of the two).
    own = max_rss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    workers = max_rss_mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return {
        "files": files,
        "written": written,
        "statuses": dict(statuses),
        "own_mb": own,
        "workers_mb": workers,
    }


def _work(name: str, source: Path, out: Path, drafts: bool, on_post: Any = None) -> dict[str, Any]:
    if name == FLOOR:
        return _floor(source, out)
    return _convert(name, source, out, drafts, on_post)


def _import_for(name: str) -> None:
    """Import what the run needs before the clock starts (import time is startup.py's business)."""
    if name == FLOOR:
        import frontmatter  # noqa: F401
    else:
        import hashmigrate
        from hashmigrate import registry

        registry.create(name)  # loads the exporter module and its dependencies
        del hashmigrate


def worker(args: argparse.Namespace) -> int:
    name: str = args.worker
    source, out = Path(args.source), Path(args.out)
    start = time.perf_counter()
    _import_for(name)
    imported = time.perf_counter()
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        summary = _work(name, source, out, args.drafts)
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr).strip_dirs()
        stats.sort_stats("cumulative").print_stats(args.profile)
        stats.sort_stats("tottime").print_stats(args.profile)
    elif args.tracemalloc:
        summary = _traced(name, source, out, args.drafts, args.tracemalloc)
    else:
        summary = _work(name, source, out, args.drafts)
    done = time.perf_counter()
    summary.update(seconds=done - imported, import_seconds=imported - start)
    print(json.dumps(summary))
    return 0


def _traced(name: str, source: Path, out: Path, drafts: bool, top: int) -> dict[str, Any]:
    """Run with tracemalloc, keeping the snapshot taken when traced memory was highest."""
    import tracemalloc

    tracemalloc.start(FRAMES)
    best: dict[str, Any] = {"snapshot": None, "size": 0}
    posts = 0

    def sample(_result: object = None) -> None:
        nonlocal posts
        posts += 1
        if _result is not None and posts % SAMPLE_EVERY:
            return
        current, _peak = tracemalloc.get_traced_memory()
        if current > best["size"] * 1.05:
            best["snapshot"], best["size"] = tracemalloc.take_snapshot(), current

    summary = _work(name, source, out, drafts, on_post=sample)
    sample()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    snapshot = best["snapshot"]
    print(
        f"traced memory: peak {peak / 2**20:.1f} MB; highest sample {best['size'] / 2**20:.1f} MB "
        f"(sampled every {SAMPLE_EVERY} posts)",
        file=sys.stderr,
    )
    if snapshot is not None:
        snapshot = snapshot.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        print(f"top {top} allocation sites at that sample (by line):", file=sys.stderr)
        for stat in snapshot.statistics("lineno")[:top]:
            frame = stat.traceback[0]
            print(
                f"  {stat.size / 2**20:8.1f} MB {stat.count:9d} blocks  {frame.filename}:{frame.lineno}",
                file=sys.stderr,
            )
        print(f"top allocation tracebacks ({FRAMES} frames, by size):", file=sys.stderr)
        for stat in snapshot.statistics("traceback")[: max(3, top // 3)]:
            print(f"  {stat.size / 2**20:.1f} MB in {stat.count} blocks", file=sys.stderr)
            for line in stat.traceback.format()[-16:]:
                print(f"    {line}", file=sys.stderr)
    return summary


# --- the parent: spawn, measure, print -----------------------------------------------------------


def run_child(
    name: str,
    source: Path,
    *,
    tmp: str | None,
    drafts: bool = True,
    extra: list[str] | None = None,
) -> Run:
    """Run one measured subprocess writing into a fresh temporary folder (removed afterwards)."""
    out = Path(tempfile.mkdtemp(prefix=f"hm-bench-{name}-", dir=tmp))
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        name,
        "--source",
        str(source),
        "--out",
        str(out / "site"),
    ]
    command += ["--drafts"] if drafts else ["--no-drafts"]
    command += extra or []
    child: subprocess.Popen[str] | None = None
    try:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=REPO, text=True)
        assert child.stdout is not None
        stdout = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        child.stdout.close()
    except BaseException:
        if child is not None and child.returncode is None:
            child.kill()
            child.wait()
        raise
    finally:
        remove(out)
    if child.returncode != 0:
        raise SystemExit(f"{name}: the benchmark subprocess failed (exit {child.returncode})")
    data = json.loads(stdout.strip().splitlines()[-1])
    return Run(
        name=name,
        files=data["files"],
        written=data["written"],
        seconds=data["seconds"],
        process_seconds=elapsed,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_mb=max_rss_mb(usage.ru_maxrss),
        statuses=data["statuses"],
        import_seconds=data["import_seconds"],
        own_mb=data.get("own_mb", 0.0),
        workers_mb=data.get("workers_mb", 0.0),
    )


def remove(folder: Path) -> None:
    """Remove a temporary folder; a SIGTERM arriving meanwhile waits until it is gone."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    try:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def max_rss_mb(ru_maxrss: int) -> float:
    """ru_maxrss is KiB on Linux, bytes on macOS."""
    return ru_maxrss / 2**20 if sys.platform == "darwin" else ru_maxrss / 1024


def installed_targets() -> list[str]:
    """Every installed exporter whose module loads."""
    from hashmigrate import registry

    names = []
    for name, entry in registry.available().items():
        try:
            entry.load()
        except Exception as exc:
            print(f"skipping {name}: cannot be loaded ({type(exc).__name__}: {exc})", file=sys.stderr)
            continue
        names.append(name)
    return names


def warm_cache(source: Path) -> int:
    """Read every file once so the first measured run does not pay for a cold page cache."""
    total = 0
    for path in source.rglob("*"):
        if path.is_file():
            total += len(path.read_bytes())
    return total


def machine() -> str:
    memory = ""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            kib = int(handle.readline().split()[1])
        memory = f", {kib / 2**20:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    cpu = platform.processor() or platform.machine()
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M UTC}; {platform.system()} {platform.release()}; "
        f"{os.cpu_count()} CPU(s) ({cpu}){memory}; Python {platform.python_version()}"
    )


def library_versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for name in ("markdown-it-py", "PyYAML", "python-frontmatter"):
        try:
            parts.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            parts.append(f"{name} (not installed)")
    try:
        import yaml

        parts.append(f"libyaml {'yes' if yaml.__with_libyaml__ else 'no'}")
    except ImportError:
        pass
    return ", ".join(parts)


def print_table(runs: list[Run], floor: Run | None) -> None:
    header = (
        f"{'target':<12} {'files':>6} {'posts':>6} {'wall s':>8} {'posts/s':>8} {'peak MB':>8} "
        f"{'proc s':>7} {'cpu s':>6} {'x floor':>8}"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        ratio = f"{run.seconds / floor.seconds:.2f}" if floor and floor.seconds else "-"
        print(
            f"{run.name:<12} {run.files:>6} {run.written:>6} {run.seconds:>8.3f} {run.per_second:>8.0f} "
            f"{run.peak_mb:>8.1f} {run.process_seconds:>7.2f} {run.cpu_seconds:>6.2f} {ratio:>8}"
        )


def exit_on_sigterm() -> None:
    """Turn SIGTERM (``timeout``, ``kill``) into SystemExit, so temporary folders are removed."""

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="folder of blogs (or one blog)")
    parser.add_argument("--targets", help="comma-separated; default: every installed exporter that loads")
    parser.add_argument("--repeat", type=int, default=3, help="runs per target; the fastest is kept")
    parser.add_argument("--drafts", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--tmp", help="where the temporary output goes (default: the system's)")
    parser.add_argument("--profile", type=int, metavar="N", help="cProfile one run, print the top N")
    parser.add_argument("--tracemalloc", type=int, metavar="N", help="one traced run, top N sites")
    parser.add_argument(
        "--workers", type=int, help="worker processes per conversion (sets HASHMIGRATE_WORKERS; 1: none)"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if getattr(args, "workers", None) is not None:
        os.environ["HASHMIGRATE_WORKERS"] = str(args.workers)
    if args.worker:
        return worker(args)
    exit_on_sigterm()

    corpus = Path(args.corpus)
    if not corpus.is_absolute():
        corpus = (REPO / corpus).resolve()
    if not corpus.is_dir():
        parser.error(f"{corpus}: no such folder")
    targets = args.targets.split(",") if args.targets else installed_targets()

    print(f"machine: {machine()}")
    print(f"libraries: {library_versions()}")
    print(f"corpus: {corpus} ({post_file_count(corpus)} post files, drafts {'in' if args.drafts else 'out'})")
    warm_cache(corpus)

    if args.profile or args.tracemalloc:
        flag = ["--profile", str(args.profile)] if args.profile else ["--tracemalloc", str(args.tracemalloc)]
        for name in targets:
            run = run_child(name, corpus, tmp=args.tmp, drafts=args.drafts, extra=flag)
            print(f"{name}: {run.seconds:.3f} s (instrumented), peak {run.peak_mb:.1f} MB")
        return 0

    best: dict[str, Run] = {}
    for _ in range(max(1, args.repeat)):
        # Interleaved, so a slow minute on a shared machine hits the floor and the targets alike.
        for name in [FLOOR, *targets]:
            run = run_child(name, corpus, tmp=args.tmp, drafts=args.drafts)
            if name not in best or run.seconds < best[name].seconds:
                best[name] = run
    runs = [best[FLOOR], *(best[t] for t in targets)]
    print(f"best of {max(1, args.repeat)} runs each:\n")
    print_table(runs, best[FLOOR])
    for run in runs:
        print(f"  {run.name}: {', '.join(f'{n} {s}' for s, n in sorted(run.statuses.items()))}")
        if run.workers_mb:
            print(
                f"  {run.name}: peak {run.own_mb:.1f} MB in the converting process, {run.workers_mb:.1f} MB per worker"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
