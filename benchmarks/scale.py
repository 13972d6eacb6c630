"""How convert's cost grows with a blog's size: the corpus replicated to 2,000, 20,000 and 100,000 posts.

Every replica is a real post file with a fresh identity: a new file name (``c`` + 24 lowercase letters
and digits; drafts ``draft-`` + 24 hex digits), its front matter's ``cuid:`` and ``slug:`` rewritten
(``slug:`` added where a file has none), and for old-format files, which take their slug from the title
heading, `` #<n>`` appended to the heading. Within one copy the corpus's own quirks stay as they are
(duplicate slugs, invalid YAML, CRLF), so every size has the same mix. All replicas go into one folder,
as one big blog, which is converted in a fresh subprocess; its peak RSS comes from ``os.wait4``.

    python benchmarks/scale.py                          # 2,000 / 20,000 / 100,000 to Hugo
    python benchmarks/scale.py --sizes 2000,20000 --target jekyll
    python benchmarks/scale.py --sizes 100000 --tracemalloc 15   # where the peak memory goes

``linear`` is time(N) / (N / base * time(base)), base being the smallest size: 1.00 is perfectly
linear; ``lin cpu`` is the same with the process's CPU time, which other load on the machine and
waiting for the disk (``fsync``) disturb less. ``cpu s`` includes the interpreter's start and imports.
The replicas and the output are written under ``--tmp`` (default: the system's temporary folder; a
size is refused with less than ~2.4 GB free per 100,000 posts) and removed after each size.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import string
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Running as ``python benchmarks/scale.py`` puts this folder first on sys.path.
from convert import DEFAULT_CORPUS, REPO, Run, blog_folders, exit_on_sigterm, machine, remove, run_child

_FENCE = re.compile(rb"^---[ \t]*\r?$")
_SLUG = re.compile(rb"^slug:[ \t]*(?P<value>[^\r\n]*?)[ \t]*(?P<eol>\r?)$", re.M)
_CUID = re.compile(rb"^cuid:[^\r\n]*?(?P<eol>\r?)$", re.M)
_CUID_NAME = re.compile(r"^c[a-z0-9]{24}\.md$")
_ALNUM = string.ascii_lowercase + string.digits
BYTES_PER_POST_ON_DISK = 24 * 1024  # input + output + manifest share + file-system blocks, generously


@dataclass(slots=True)
class Template:
    """One corpus file, split where a replica differs from it."""

    draft: bool
    data: bytes
    block_end: int | None  # end of the front matter block (the closing fence's start), if any
    eol: bytes
    heading_end: int | None  # end of an old-format file's title heading line, if any
    stamp: str = ""  # the time part of the file's id (a cuid's 8 base-36 digits, an ObjectId's 8 hex)


def load_templates(corpus: Path) -> list[Template]:
    templates = []
    for folder in blog_folders(corpus):
        for path in sorted(folder.glob("*.md")):
            templates.append(_template(path))
    return templates


def _template(path: Path) -> Template:
    template = _split(path)
    if _CUID_NAME.match(path.name):
        template.stamp = path.name[1:9]
    elif path.name.startswith("draft-") and re.fullmatch(r"[0-9a-f]{24}", path.stem[6:]):
        template.stamp = path.stem[6:14]
    return template


def _split(path: Path) -> Template:
    data = path.read_bytes()
    text = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    offset = len(data) - len(text)
    eol = b"\r\n" if b"\r\n" in data[:4096] else b"\n"
    lines = text.split(b"\n")
    draft = path.name.startswith("draft-")
    if lines and _FENCE.match(lines[0]):
        position = len(lines[0]) + 1
        for line in lines[1:]:
            if _FENCE.match(line):
                return Template(draft, data, offset + position, eol, None)
            position += len(line) + 1
        return Template(draft, data, None, eol, None)  # never closed: stays as broken as it was
    position = 0
    for line in lines:
        if line.strip():
            if line.startswith(b"#"):
                end = position + len(line.rstrip(b"\r"))
                return Template(draft, data, None, eol, offset + end)
            break
        position += len(line) + 1
    return Template(draft, data, None, eol, None)


def replica(template: Template, copy: int, cuid: str) -> bytes:
    """The template as copy number ``copy`` (1-based), known by ``cuid``."""
    data = template.data
    if template.block_end is not None:
        block, rest = data[: template.block_end], data[template.block_end :]

        def new_slug(match: re.Match[bytes]) -> bytes:
            value = match["value"].strip(b"\"'") or cuid.encode()
            return b"slug: " + value + b"-r%d" % copy + match["eol"]

        block, found = _SLUG.subn(new_slug, block, count=1)
        if not found:
            block = block + b"slug: r%d-%s" % (copy, cuid.encode()) + template.eol
        block = _CUID.sub(lambda m: b"cuid: " + cuid.encode() + m["eol"], block, count=1)
        return block + rest
    if template.heading_end is not None:
        end = template.heading_end
        return data[:end] + b" #%d" % copy + data[end:]
    return data


def replicate(templates: list[Template], size: int, folder: Path, rng: random.Random) -> int:
    """Write ``size`` replicas into ``folder``; return the bytes written."""
    total = 0
    seen: set[str] = set()
    for number in range(size):
        template = templates[number % len(templates)]
        copy = number // len(templates) + 1
        # A replica's id keeps its template's time (a post nothing else dates is dated by its id).
        stamp = template.stamp if not template.draft else ""
        while True:
            cuid = "c" + (stamp or "".join(rng.choices(_ALNUM, k=8))) + "".join(rng.choices(_ALNUM, k=16))
            if cuid not in seen:
                seen.add(cuid)
                break
        if template.draft:
            name = f"draft-{template.stamp or f'{rng.getrandbits(32):08x}'}{rng.getrandbits(64):016x}.md"
        else:
            name = f"{cuid}.md"
        data = replica(template, copy, cuid)
        (folder / name).write_bytes(data)
        total += len(data)
    return total


def free_space(folder: Path) -> tuple[int, int]:
    """(free bytes, free inodes) where ``folder`` is."""
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize, stats.f_favail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--sizes", default="2000,20000,100000", help="comma-separated post counts")
    parser.add_argument("--target", default="hugo")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the fastest is kept")
    parser.add_argument("--tmp", default=tempfile.gettempdir(), help="where replicas and output go")
    parser.add_argument("--seed", type=int, default=2101)
    parser.add_argument("--tracemalloc", type=int, metavar="N", help="trace each run; top N sites")
    args = parser.parse_args(argv)
    exit_on_sigterm()

    corpus = Path(args.corpus)
    if not corpus.is_absolute():
        corpus = (REPO / corpus).resolve()
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    tmp = Path(args.tmp)
    templates = load_templates(corpus)
    print(f"machine: {machine()}")
    print(f"corpus: {corpus} ({len(templates)} files), target {args.target}, replicas under {tmp}")

    runs: list[tuple[int, Run]] = []
    rng = random.Random(args.seed)
    for size in sizes:
        free_bytes, free_inodes = free_space(tmp)
        need = size * BYTES_PER_POST_ON_DISK
        if free_bytes < need or free_inodes < size * 4:
            print(f"{size}: skipped, needs ~{need / 2**30:.1f} GB and {size * 4} inodes under {tmp}")
            continue
        best: Run | None = None
        for _ in range(max(1, args.repeat)):
            folder = Path(tempfile.mkdtemp(prefix=f"hm-scale-{size}-", dir=tmp))
            try:
                started = time.perf_counter()
                written = replicate(templates, size, folder, rng)
                print(
                    f"{size}: replicated {written / 2**20:.0f} MB in {time.perf_counter() - started:.1f} s; "
                    "converting...",
                    flush=True,
                )
                extra = ["--tracemalloc", str(args.tracemalloc)] if args.tracemalloc else None
                run = run_child(args.target, folder, tmp=str(tmp), drafts=True, extra=extra)
            finally:
                remove(folder)
            if best is None or run.seconds < best.seconds:
                best = run
        assert best is not None
        runs.append((size, best))

    if not runs:
        return 1
    base_size, base = runs[0]
    print()
    header = (
        f"{'posts':>8} {'written':>8} {'wall s':>8} {'posts/s':>8} {'peak MB':>8} {'proc s':>7} "
        f"{'cpu s':>7} {'linear':>7} {'lin cpu':>7}"
    )
    print(header)
    print("-" * len(header))
    for size, run in runs:
        linear = run.seconds / (size / base_size * base.seconds) if base.seconds else 0.0
        linear_cpu = run.cpu_seconds / (size / base_size * base.cpu_seconds) if base.cpu_seconds else 0.0
        print(
            f"{size:>8} {run.written:>8} {run.seconds:>8.2f} {run.per_second:>8.0f} {run.peak_mb:>8.1f} "
            f"{run.process_seconds:>7.2f} {run.cpu_seconds:>7.2f} {linear:>7.2f} {linear_cpu:>7.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
