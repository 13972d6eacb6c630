"""The public API for scripts: ``load`` a Hashnode blog, ``convert`` it for a target."""

from __future__ import annotations

import gc
import os
import posixpath
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias
from urllib.parse import urlsplit

from hashmigrate import registry
from hashmigrate.delivery import FolderWriter, OutputError, UnsafePath
from hashmigrate.exporter import (
    Exporter,
    OutputFile,
    Rendered,
    Site,
    hooks,
    images_only,
    load_html_converter,
)
from hashmigrate.hashnode import Header, Passes, Problem, build, read, reader

if TYPE_CHECKING:
    from hashmigrate.hashnode.backup import HeaderJob
from hashmigrate.links import LinkIndex, rewrite_links, slugs_from_links
from hashmigrate.model import Note, NoteKind, Post
from hashmigrate.names import SlugRegistry

if TYPE_CHECKING:
    from hashmigrate.assets import Asset, FetchReport

Source = str | os.PathLike[str]
DEFAULT_IMAGE_CACHE = Path(".hashmigrate") / "images"


# What happened to one post (or to a file that gave no post). A typo is a type error.
PostStatus: TypeAlias = Literal[
    # convert: its files written, all as they were, one changed by hand since (left alone), a dry run
    "written",
    "conflict",
    "would-write",
    # publish: what the remote now holds; a dry run; "aborted" only for ``on_post``, then "failed"
    "created",
    "updated",
    "adopted",
    "would-create",
    "would-update",
    "aborted",
    # both: nothing to do, left out on purpose (a draft), could not be done
    "unchanged",
    "skipped",
    "failed",
]


@dataclass(slots=True)
class PostResult:
    """What happened to one post (or one file that gave no post)."""

    source: str
    status: PostStatus
    slug: str | None = None
    title: str | None = None
    url: str | None = None
    paths: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    message: str | None = None
    date_origin: str | None = None  # where the post's date came from (see model.DateOrigin)

    @property
    def ok(self) -> bool:
        return self.status not in {"failed", "conflict"}

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "status": self.status,
            "slug": self.slug,
            "title": self.title,
            "url": self.url,
            "paths": self.paths,
            "message": self.message,
            "date_origin": self.date_origin,
            "notes": [{"kind": n.kind, "what": n.what, "why": n.why, "action": n.action} for n in self.notes],
        }


class PostTally:
    """Counts over ``self.posts``, shared by every kind of run result."""

    __slots__ = ()
    posts: list[PostResult]

    @property
    def notes(self) -> list[Note]:
        return [note for post in self.posts for note in post.notes]

    def counts(self) -> Counter[PostStatus]:
        return Counter(p.status for p in self.posts)

    def note_counts(self) -> Counter[NoteKind]:
        return Counter(n.kind for n in self.notes)

    def date_counts(self) -> Counter[str]:
        """How many of the posts got their date from each origin (front matter, git history, cuid ...)."""
        return Counter(p.date_origin for p in self.posts if p.date_origin)


@dataclass(slots=True)
class ConvertResult(PostTally):
    target: str
    out: str | None
    posts: list[PostResult] = field(default_factory=list)
    site_files: list[str] = field(default_factory=list)
    site_kept: list[str] = field(default_factory=list)  # --site files already there, left as they are
    errors: list[str] = field(default_factory=list)  # what went wrong outside any one post
    advice: str = ""
    dry_run: bool = False
    redirects: list[tuple[str, str]] = field(default_factory=list)
    images: FetchReport | None = None
    warnings: list[str] = field(default_factory=list)  # a setting that could not do what it asks
    # Counts over every post converted, kept as each is done: what a streamed run
    # (:func:`convert_iter`, which keeps no ``posts``) still knows at its end.
    statuses: Counter[PostStatus] = field(default_factory=Counter)
    kinds: Counter[NoteKind] = field(default_factory=Counter)
    origins: Counter[str] = field(default_factory=Counter)
    failures: int = 0

    def tally(self, post: PostResult) -> None:
        self.statuses[post.status] += 1
        self.kinds.update(note.kind for note in post.notes)
        if post.date_origin:
            self.origins[post.date_origin] += 1
        self.failures += not post.ok

    def _tallied(self) -> bool:
        # Posts held (convert()'s result, or added by hand) are counted from the list.
        return not self.posts

    def counts(self) -> Counter[PostStatus]:
        return Counter(self.statuses) if self._tallied() else PostTally.counts(self)

    def note_counts(self) -> Counter[NoteKind]:
        return Counter(self.kinds) if self._tallied() else PostTally.note_counts(self)

    def date_counts(self) -> Counter[str]:
        return Counter(self.origins) if self._tallied() else PostTally.date_counts(self)

    @property
    def ok(self) -> bool:
        """True when every post converted (skipped drafts and older copies do not count against it)."""
        if self._tallied():
            return not self.failures and not self.errors
        return all(p.ok for p in self.posts) and not self.errors

    def as_dict(self, posts: bool = True) -> dict[str, Any]:
        """The report; without ``posts`` its summary only (a streamed report writes the posts itself)."""
        return {
            "target": self.target,
            "out": self.out,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "counts": dict(self.counts()),
            "notes_by_kind": dict(self.note_counts()),
            "dates_by_origin": dict(self.date_counts()),
            "site_files": self.site_files,
            "site_kept": self.site_kept,
            "errors": self.errors,
            "warnings": self.warnings,
            "advice": self.advice,
            **({"posts": [p.as_dict() for p in self.posts]} if posts else {}),
        }


def read_all(
    source: Source,
    *,
    drafts: bool = False,
    blog_url: str | None = None,
    tags_from: Source | None = None,
    repair: bool = True,
) -> Iterator[Post | Problem]:
    """Posts and problems, in order, from any Hashnode source.

    ``repair`` undoes mojibake (UTF-8 read as Windows-1252 or Mac Roman) in prose and front matter
    where it is certain, with a note naming each line (code and addresses are never changed);
    ``False`` leaves the text exactly as the files hold it.
    """
    return read(
        Path(source),
        drafts=drafts,
        blog_url=blog_url,
        tags_from=Path(tags_from) if tags_from is not None else None,
        repair=repair,
    )


def load(
    source: Source,
    *,
    drafts: bool = False,
    blog_url: str | None = None,
    tags_from: Source | None = None,
    problems: list[Problem] | None = None,
    repair: bool = True,
) -> Iterator[Post]:
    """Yield every post of a Hashnode backup folder, post file or JSON export.

    Files that give no post are left out; pass a list as ``problems`` to receive them.
    """
    for item in read_all(source, drafts=drafts, blog_url=blog_url, tags_from=tags_from, repair=repair):
        if isinstance(item, Post):
            yield item
        elif problems is not None:
            problems.append(item)


def convert(
    source: Source | Iterable[Post],
    to: str = "hugo",
    out: Source | None = None,
    *,
    drafts: bool = False,
    force: bool = False,
    dry_run: bool = False,
    blog_url: str | None = None,
    tags_from: Source | None = None,
    options: dict[str, Any] | None = None,
    links: bool = True,
    download_images: bool = False,
    image_cache: Source | None = None,
    image_concurrency: int = 8,
    on_post: Callable[[PostResult], None] | None = None,
    repair: bool = True,
    site_scaffold: bool = False,
    workers: int | None = None,
) -> ConvertResult:
    """Convert a Hashnode blog (a path, or posts from :func:`load`) for target ``to``.

    With ``out`` the files are written there (atomically; a file someone else changed is left alone
    unless ``force``); without it, or with ``dry_run``, nothing is written. Every post's outcome and
    notes are in the result. With ``links``, links between the blog's own posts (on ``blog_url``, or a
    host found in the posts) and ``#heading-`` anchors are rewritten to the target's URLs and ids, and
    ``result.redirects`` maps every old path to its new URL. With ``site_scaffold``, the files a whole
    site needs (config, layout) are written too, each only if it is not there yet.

    ``workers``: processes that read, parse and render posts (None: one per CPU, at most
    :data:`MAX_WORKERS`, for a backup folder of :data:`POOL_MIN_POSTS` posts or more; 1: none).
    :func:`convert_iter` gives the same results one by one, without holding them.
    """
    run = convert_iter(
        source, to, out, drafts=drafts, force=force, dry_run=dry_run, blog_url=blog_url,
        tags_from=tags_from, options=options, links=links, download_images=download_images,
        image_cache=image_cache, image_concurrency=image_concurrency, repair=repair,
        site_scaffold=site_scaffold, workers=workers,
    )  # fmt: skip
    with run:
        for outcome in run:
            run.result.posts.append(outcome)
            if on_post is not None:
                on_post(outcome)
    return run.result


class Conversion:
    """A conversion under way: iterate it for each post's :class:`PostResult` as the post is done
    (in source order). ``result`` is the run's :class:`ConvertResult`, complete once the iteration
    is over; it counts every post (``counts()``, ``ok``) but holds none of them in ``posts``. Close
    it (or use it in a ``with``) to stop early: the files written so far stay whole."""

    def __init__(self, steps: Iterator[PostResult], result: ConvertResult) -> None:
        self._steps = steps
        self.result = result

    def __iter__(self) -> Conversion:
        return self

    def __next__(self) -> PostResult:
        return next(self._steps)

    def close(self) -> None:
        close = getattr(self._steps, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> Conversion:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def convert_iter(
    source: Source | Iterable[Post],
    to: str = "hugo",
    out: Source | None = None,
    *,
    drafts: bool = False,
    force: bool = False,
    dry_run: bool = False,
    blog_url: str | None = None,
    tags_from: Source | None = None,
    options: dict[str, Any] | None = None,
    links: bool = True,
    download_images: bool = False,
    image_cache: Source | None = None,
    image_concurrency: int = 8,
    repair: bool = True,
    site_scaffold: bool = False,
    workers: int | None = None,
    keep_posts: list[Post] | None = None,
) -> Conversion:
    """:func:`convert`, streaming: each post's result as it is done, nothing held (for a blog of any
    size). The arguments are :func:`convert`'s; ``result`` tells the run's totals at the end.

    ``keep_posts``, a list, gets each post as read (before links and images move), so that a caller
    can compare it with what was written without reading the source again (``convert --verify``);
    the posts are then converted in this process (a worker's posts stay in the worker)."""
    exporter: Exporter = registry.create(to, **(options or {}))
    if site_scaffold and getattr(exporter, "scaffold", None) is None:
        raise ValueError(f"the {to} exporter cannot write a site around the posts (--site)")
    result = ConvertResult(
        target=to, out=str(out) if out is not None else None, dry_run=dry_run or out is None
    )
    steps = _run(
        result, exporter, source, out, drafts=drafts, force=force, dry_run=dry_run, blog_url=blog_url,
        tags_from=tags_from, links=links, download_images=download_images, image_cache=image_cache,
        image_concurrency=image_concurrency, repair=repair, site_scaffold=site_scaffold, workers=workers,
        keep_posts=keep_posts,
    )  # fmt: skip
    return Conversion(steps, result)


def _run(
    result: ConvertResult,
    exporter: Exporter,
    source: Source | Iterable[Post],
    out: Source | None,
    *,
    drafts: bool,
    force: bool,
    dry_run: bool,
    blog_url: str | None,
    tags_from: Source | None,
    links: bool,
    download_images: bool,
    image_cache: Source | None,
    image_concurrency: int,
    repair: bool,
    site_scaffold: bool,
    workers: int | None,
    keep_posts: list[Post] | None = None,
) -> Iterator[PostResult]:
    # Two passes over the posts (three when links point into headings), whatever the blog's size:
    # one that plans names, URLs and links from unparsed bodies, then the conversion, parsing each
    # post once. Only the plan (and a small header per file) is held between passes, so time and
    # memory grow linearly with the blog.
    path: Path | None = None
    posts: list[Post] = []
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
    else:
        posts = list(source)

    passes: Passes | None = None

    def items(
        parse: bool = True, only: set[str] | None = None, last: bool = False
    ) -> Iterable[Post | Problem]:
        nonlocal passes
        if path is None:
            return posts
        if passes is None:
            tags = Path(tags_from) if tags_from is not None else None
            passes = reader(path, drafts=drafts, blog_url=blog_url, tags_from=tags, repair=repair)
        return passes(parse, only, last)

    site = Site(blog_url=blog_url)
    # Images are fetched only for a real write to a target that keeps files (never in a dry run).
    # An exporter with no asset_path hook gets them beside each post's file, with a note (see _localise).
    hooked = hooks(exporter)
    wants_images = download_images and out is not None and not dry_run and hooked.remote_images is None
    image_set: set[str] | None = set() if wants_images else None

    # Images are found in parsed bodies only.
    def rebuild(header: Header) -> Post | Problem:
        return build(header, blog_url, False, repair)

    planning: Iterable[Post | Problem | tuple[Header, _Seen]] = items(parse=image_set is not None)
    planned = getattr(passes, "planned", None)
    if image_set is None and planned is not None:
        # A backup's planning pass reads no file again: pass one hands it each post as it read it.
        seer = _Seer(exporter, links)

        def spread(jobs: Iterator[HeaderJob], files: int) -> Iterator[Header | Problem] | None:
            count = _pool_size(workers, files) if keep_posts is None else 1
            if count <= 1:
                return None
            size = _chunk_size(files, count, _HEADER_CHUNK)
            return _pooled_headers(jobs, count, _PlanWork(exporter, links, blog_url, repair), seer, size)

        planning = planned(seer, spread)
    plan, index, anchored = _plan(
        planning, exporter, blog_url, links, image_set, partial(items, False), rebuild
    )
    heading_id = hooked.heading_id
    if anchored and heading_id is not None:
        # Another pass, only for a blog with links to headings, and parsing only the posts linked to.
        # A post given the slug links name is still read under the slug made from its title.
        moved = {entry.made: entry.slug for entry in plan if entry is not None and entry.found is not None}
        # A link by /<slug>-<cuid> names the post by its cuid (the slug may be an old one).
        anchored |= {post[0] for token in anchored if (post := index.post_at(token)) is not None}
        wanted = anchored | {made for made, slug in moved.items() if slug in anchored}
        # Parsed (fences repaired, as the conversion will read them): headings come from the tree.
        for item in items(parse=True, only=wanted):
            if isinstance(item, Post) and item.slug in wanted:
                index.add_anchors(
                    replace(item, slug=moved.get(item.slug, item.slug)),
                    heading_id,
                    hooked.repeated_headings,
                )
    total = sum(1 for entry in plan if entry is not None)
    if total >= _TRIM_MIN_POSTS:
        _give_back_free_memory()
    writer = FolderWriter(Path(out), force=force, dry_run=dry_run) if out is not None else None
    if download_images and hooked.remote_images is not None:
        result.warnings.append(f"--download-images does nothing for {result.target}: {hooked.remote_images}")
    assets: dict[str, Asset] = {}
    if image_set:
        # requests and the image code load only when images are wanted: the CLI starts faster.
        from hashmigrate.assets import ImageCache, ImageFetcher

        cache = ImageCache(Path(image_cache) if image_cache is not None else DEFAULT_IMAGE_CACHE)
        assets, result.images = ImageFetcher(cache, concurrency=image_concurrency).fetch_all(image_set)
        if result.images.cache_error:
            result.errors.append(result.images.cache_error)
    # An exporter that writes one file for the whole blog (WordPress's WXR) has a ``finish`` hook,
    # which gets every rendered post once the last one is done; render() stays pure.
    finish = hooked.finish
    collected: list[Rendered] | None = [] if finish is not None else None
    units = getattr(passes, "units", None)
    in_pool = units is not None and image_set is None and keep_posts is None
    count = _pool_size(workers, total) if in_pool else 1
    shared = _Shared(
        exporter,
        site,
        index,
        blog_url,
        repair,
        keep_posts=finish is not None,
        images_only=finish is not None and hooked.finish_reads == "images",
        writer=writer if count > 1 else None,
    )
    if count > 1 and units is not None:
        callouts = any(isinstance(unit, Header) and unit.callouts for unit in units())
        size = _chunk_size(total, count, _CHUNK)
        rendered_posts = _pooled(units(), plan, shared, count, size, callouts=callouts)
    else:
        images = result.images if image_set else None
        rendered_posts = _in_process(items(last=True), plan, shared, assets, images, keep_posts)
    position = 0
    try:
        for outcome, rendered, extra, by_worker in rendered_posts:
            position += 1
            if collected is not None and rendered is not None:
                collected.append(rendered)
            if by_worker is not None and writer is not None:
                _adopt(writer, by_worker)  # the rendering stayed in the worker (None) unless collected
            elif rendered is not None:
                _write_one(outcome, rendered, writer, extra)
            result.tally(outcome)
            stopped = writer is not None and writer.stopped is not None
            if stopped:
                # A full or read-only disk fails every later write too: say so once and stop.
                # One line for the post and the run: the post's message says both.
                assert writer is not None and writer.stopped is not None
                done = sum(1 for entry in plan[:position] if entry is not None)
                outcome.message = f"{outcome.source}: {_stopped(writer.stopped, done, total)}"
            yield outcome
            if stopped:
                return
        site_files = exporter.site_files(site)
        if finish is not None and collected is not None:
            if not collected:
                # An empty file for the whole blog would replace one that holds the posts.
                result.warnings.append(
                    f"no post was converted: {result.target}'s file of the whole blog not written"
                )
            else:
                whole = finish(collected, site)
                site_files = (*site_files, *whole)
                failed = result.counts()["failed"]
                if failed:
                    result.warnings.extend(
                        f"{file.path} holds {len(collected)} post(s); the {failed} that failed are not in it"
                        for file in whole
                    )
        scaffold: Callable[[Site], tuple[OutputFile, ...]] | None = getattr(exporter, "scaffold", None)
        if site_scaffold and scaffold is not None:
            site_files = (*site_files, *_new_files(scaffold(site), out, result))
        if writer is not None:
            for file in site_files:
                try:
                    written = writer.write(file)
                except UnsafePath as exc:
                    result.errors.append(str(exc))
                    continue
                except OutputError as exc:
                    result.errors.append(f"cannot write {exc.filename}: {exc.what}")
                    if exc.stops:
                        break  # the rest would fail the same way
                    continue
                if written.status == "conflict":
                    result.errors.append(
                        f"{written.path} was changed since hashmigrate wrote it; left alone (use --force to overwrite)"
                    )
                else:
                    result.site_files.append(str(written.path))
        else:
            result.site_files = [file.path for file in site_files]
        result.advice = exporter.advice()
    finally:
        close = getattr(rendered_posts, "close", None)
        if close is not None:
            close()  # stops the worker processes, if any
        if writer is not None:
            try:
                writer.close()
            except OutputError as exc:
                result.errors.append(
                    f"cannot save the manifest: {exc.line()}; every file written is kept, and its "
                    "journal tells the next run which ones are ours"
                )
            writer = None  # its manifest is let go before the redirect map is made
        # So are the plan and pass one's headers (~410 bytes a post by sys.getsizeof), done with now.
        plan.clear()
        passes = units = None
        # Made last, from the index's compact moves: held through the run, the pairs would be a
        # third of what a big blog's plan holds.
        result.redirects = index.redirects


# --- the per-post work: read and parse (a backup's posts), plan applied, links, render ---------------

MAX_WORKERS = 2
POOL_MIN_POSTS = 50
_CHUNK = 32  # posts sent to a worker at once, at most (see _chunk_size)
_CHUNKS_A_WORKER = 4  # at least, when the blog is small enough for smaller chunks
# ... or fewer, once their files hold this much: a chunk's rendered pages are held whole by the worker
# and, unpickled, by this process (up to _AHEAD chunks a worker). A backup's copies of one post sort
# together by name: 20,000 replicated posts put 18 of 300 KB in one chunk, 12 MB above this
# process's usual peak.
_CHUNK_BYTES = 512 * 1024
_AHEAD = 4  # chunks in flight per worker: enough to keep each busy, few enough to hold little
_START_METHOD: str | None = None  # the multiprocessing start method (None: the platform's default)
# What planning freed is given back from this many posts on: below, it is a few MB, and the full
# collection that comes first cost 10-13 ms a blog (5-7 % of a 65-post blog's time).
_TRIM_MIN_POSTS = 1_000


@dataclass(frozen=True, slots=True)
class _Written:
    """A post's files as a worker process wrote them: what its writer recorded (path, hash), for the
    parent's manifest, and the error that stopped its writes, if one did (path, errno, message)."""

    recorded: tuple[tuple[str, str], ...]
    stopped: tuple[str, int, str] | None = None


# A post done: its result, its rendering, its images to write and, when a worker wrote its files, what
# it wrote (None: the parent writes them).
_Done = tuple[PostResult, Rendered | None, list[tuple[str, Path]], _Written | None]
_Chunk = list[tuple["Header | Problem", "_Planned | None"]]


@dataclass(slots=True)
class _Shared:
    """What every post's conversion needs from the whole run (sent once to each worker)."""

    exporter: Exporter
    site: Site
    index: LinkIndex
    blog_url: str | None
    repair: bool
    # Whether the parent needs each rendered post's Post (a ``finish`` hook gets them all); if not,
    # a worker sends its files back without the post's body and tree: ~500 objects a post, which
    # the parent would unpickle and drop (at 20,000 posts its peak was 152.7 MB with them, 78.2 without).
    keep_posts: bool = True
    # Whether the ``finish`` hook reads only each post's images, not its body and tree
    # (exporter.FinishReads): a worker then sends the post back without them.
    images_only: bool = False
    # The output's writer when the workers write each post's files themselves (a copy each, forked
    # with the manifest as it was read): creating a file or folder is a system call the parent would
    # otherwise make for every page, one after another (0.4-0.7 ms each on the machines measured).
    writer: FolderWriter | None = None


def _one_malloc_arena() -> None:
    """Have every thread started from now on allocate from glibc's main arena. The pool's threads
    (the one that pickles chunks to the workers, the one that unpickles their results: rendered
    pages, hundreds of KB a chunk) otherwise get an arena each, which keeps what it once held: at
    6,000 posts the parent peaked at 80 MB with them and 58 MB without, the workers (forked from it)
    at 78 and 45 MB. The threads' allocations are few and large, so sharing costs no time. glibc
    only (mallopt M_ARENA_MAX); elsewhere nothing."""
    libc = _glibc()
    if libc is not None and hasattr(libc, "mallopt"):
        libc.mallopt(-8, 1)  # M_ARENA_MAX


def _give_back_free_memory() -> None:
    """Return to the system the heap pages the planning passes freed (every file read, its front
    matter, its unparsed post) between what the plan keeps: C's allocator keeps them otherwise, and
    worker processes forked next would start with them too. glibc only; elsewhere nothing.

    A full garbage collection first: on a big blog it frees what the collector's rare full passes
    had not reached yet (20,000 posts: 88.9 MB after planning, 53.9 MB after the collection and
    the trim; what leaves that garbage is not found yet, see benchmarks/README.md)."""
    gc.collect()
    libc = _glibc()
    if libc is not None and hasattr(libc, "malloc_trim"):  # musl has none
        libc.malloc_trim(0)


def _glibc() -> Any | None:
    """The C library this process runs on, on Linux (None elsewhere, or when it cannot be loaded)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - no C library to load
        return None


def _pool_size(workers: int | None, posts: int) -> int:
    if workers is None:
        setting = os.environ.get("HASHMIGRATE_WORKERS", "")
        if setting.isdigit():
            workers = int(setting)
        elif posts < POOL_MIN_POSTS:
            return 1
    if workers is None:
        try:
            available = len(os.sched_getaffinity(0))  # the CPUs this process may use
        except (AttributeError, OSError):
            available = os.cpu_count() or 1
        workers = min(available, MAX_WORKERS)
    return max(1, workers)


def _prepare(item: Post | Problem, entry: _Planned | None, index: LinkIndex) -> Post | Problem:
    # The n-th item of this pass is the n-th of the planning pass (same source, same order),
    # unless the source changed in between: then the post is not written under a name
    # planned for another.
    if isinstance(item, Post):
        if entry is None or entry.source != item.source:
            return Problem(item.label, "changed while hashmigrate read it (run again)")
        return rewrite_links(entry.apply(item), index)
    return item


def _in_process(
    items: Iterable[Post | Problem],
    plan: list[_Planned | None],
    shared: _Shared,
    assets: dict[str, Asset],
    report: FetchReport | None,
    keep_posts: list[Post] | None = None,
) -> Iterator[_Done]:
    planned = iter(plan)
    for item in items:
        if keep_posts is not None and isinstance(item, Post):
            keep_posts.append(item)
        item = _prepare(item, next(planned, None), shared.index)
        extra: list[tuple[str, Path]] = []
        if isinstance(item, Post) and report is not None:
            item, extra = _localise(item, shared.exporter, shared.site, assets, report)
        outcome, rendered = _render(item, shared)
        yield outcome, rendered, extra, None


_SHARED: _Shared | None = None


def _worker_start(shared: _Shared) -> None:
    """A worker process's start: it dies with its parent (a killed run leaves no process behind)
    and leaves Ctrl-C to the parent, which stops the pool."""
    global _SHARED
    _SHARED = shared
    _worker_setup()


@dataclass(frozen=True, slots=True)
class _PlanWork:
    """What reading pass one's headers in a worker needs (sent once to each)."""

    exporter: Exporter
    links: bool
    blog_url: str | None
    repair: bool


_PLAN_WORK: tuple[_PlanWork, _Seer] | None = None
_HEADER_CHUNK = 64  # files a planning worker reads at once: a header and its _Seen are small


def _plan_worker_start(work: _PlanWork) -> None:
    global _PLAN_WORK
    _PLAN_WORK = work, _Seer(work.exporter, work.links)
    _worker_setup()


def _plan_worker_chunk(jobs: list[HeaderJob]) -> list[Header | Problem]:
    from hashmigrate.hashnode.backup import read_headers

    assert _PLAN_WORK is not None
    work, seer = _PLAN_WORK
    return list(read_headers(jobs, work.repair, work.blog_url, seer))


def _chunk_size(posts: int, count: int, most: int) -> int:
    """Posts sent to a worker at once: at most ``most``, and few enough that each of the ``count``
    workers gets several chunks. A blog of 65 posts sent in chunks of 64 kept one worker busy and
    the other idle (no faster than one process)."""
    return max(1, min(most, -(-posts // (count * _CHUNKS_A_WORKER))))


def _pooled_headers(
    jobs: Iterator[HeaderJob], count: int, work: _PlanWork, seer: _Seer, size: int
) -> Iterator[Header | Problem]:
    """Pass one's headers read by ``count`` worker processes, in order; in this process when
    processes cannot be had (or a worker dies). The pool lives for this pass only: the conversion's
    workers are forked after planning, with the plan. Chunks are sent a few ahead of the one
    taken, as :func:`_pooled` does, so that the files' jobs are not all held at once."""
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from hashmigrate.hashnode.backup import read_headers

    def chunks() -> Iterator[list[HeaderJob]]:
        while chunk := list(islice(jobs, size)):
            yield chunk

    def here(chunk: list[HeaderJob]) -> Iterator[Header | Problem]:
        return read_headers(chunk, work.repair, work.blog_url, seer)

    _one_malloc_arena()
    try:
        import multiprocessing

        context = multiprocessing.get_context(_START_METHOD)
        pool = ProcessPoolExecutor(
            count, mp_context=context, initializer=_plan_worker_start, initargs=(work,)
        )
    except (ImportError, OSError, NotImplementedError, ValueError):
        for chunk in chunks():
            yield from here(chunk)
        return
    frozen = _before_fork(context, work.repair)  # the workers are forked at the first submit
    waiting: deque[tuple[list[HeaderJob], Future[list[Header | Problem]] | None]] = deque()

    def taken() -> Iterator[Header | Problem]:
        chunk, future = waiting.popleft()
        try:
            done = future.result() if future is not None else None
        except BrokenProcessPool:
            done = None  # a worker was killed: this chunk is read here
        if done is None:
            yield from here(chunk)
            return
        for entry in done:
            if isinstance(entry, Header) and entry.seen is not None:
                seer.adopt(entry.seen)
            yield entry

    try:
        for chunk in chunks():
            try:
                waiting.append((chunk, pool.submit(_plan_worker_chunk, chunk)))
            except (BrokenProcessPool, RuntimeError, OSError):
                waiting.append((chunk, None))
            while len(waiting) > count * _AHEAD:
                yield from taken()
        while waiting:
            yield from taken()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _after_pool(frozen)


def _before_fork(context: Any, repair: bool, callouts: bool = False) -> bool:
    """Ready this process to be forked (a process started another way shares nothing with it):
    what the reader loads lazily is loaded here, for the workers to inherit (and with ``callouts``,
    a blog with a callout, what converting its HTML loads: markdownify and BeautifulSoup, a tenth
    of a second that every worker meeting one paid otherwise, often at the end of its last chunk),
    and every object the collector tracks is frozen (:func:`gc.freeze`), so that a worker's
    collections neither scan them nor write to their headers. Each such write copies a whole page
    the worker shared with this process: measured on the corpus with two workers, 124,000 page
    faults instead of 137,000 (a small share of the CPU time; see benchmarks/README.md).

    Returns whether it froze them; :func:`_after_pool` undoes it. A caller who froze objects
    itself keeps its own arrangement."""
    if context.get_start_method() != "fork":
        return False
    from hashmigrate.hashnode.backup import load_lazily_loaded

    load_lazily_loaded(repair)
    if callouts:
        load_html_converter()
    if gc.get_freeze_count():
        return False
    gc.freeze()
    return True


def _after_pool(frozen: bool) -> None:
    """Objects frozen for the workers' fork back under the collector (cycles among them that
    became garbage since are collected from then on)."""
    if frozen:
        gc.unfreeze()


def _worker_setup() -> None:
    """Any worker's start: it dies with its parent (a killed run leaves no process behind) and
    leaves Ctrl-C to the parent, which stops the pool."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    libc = _glibc()
    if libc is not None and hasattr(libc, "prctl"):
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() == 1:  # the parent died before the line above  # pragma: no cover
        os._exit(1)


def _worker_chunk(chunk: _Chunk) -> list[tuple[PostResult, Rendered | None, _Written | None]]:
    shared = _SHARED
    assert shared is not None
    done = []
    for unit, entry in chunk:
        outcome, rendered = _convert_unit(unit, entry, shared)
        written = _write_in_worker(outcome, rendered, shared.writer)
        # Dropped at once: a chunk of big posts (a backup's copies of one post sort together) would
        # otherwise hold every tree of the chunk until its last post is done. A post whose files were
        # written here is not sent back at all: the parent needs only what was written (the outcome
        # says where); pickling its Post and making it again there cost 0.08 s of CPU on the corpus.
        if not shared.keep_posts:
            rendered = None if written is not None else _without_body(rendered)
        done.append((outcome, rendered, written))
    return done


def _write_in_worker(
    outcome: PostResult, rendered: Rendered | None, writer: FolderWriter | None
) -> _Written | None:
    """The post's files written by this worker's copy of the output's writer, as the parent would
    write them (:func:`_write_one`), and what the parent needs to know of it."""
    if writer is None or rendered is None:
        return None
    writer.recorded = []
    try:
        _write_one(outcome, rendered, writer)
        recorded = tuple(writer.recorded)
    finally:
        writer.recorded = None
    stopped = writer.stopped
    if stopped is None:
        return _Written(recorded)
    return _Written(recorded, (str(stopped.filename), stopped.errno or 0, stopped.strerror or str(stopped)))


def _adopt(writer: FolderWriter, written: _Written) -> None:
    """What a worker wrote, taken into the parent's writer: the manifest's hashes and, when the
    worker's writes stopped (a full or read-only disk), the error that stops the run."""
    writer.adopt(written.recorded)
    if written.stopped is not None and writer.stopped is None:
        path, number, message = written.stopped
        writer.stopped = OutputError(Path(path), OSError(number, message))


def _without_body(rendered: Rendered | None) -> Rendered | None:
    """The rendered post as the parent uses it when no ``finish`` hook wants the posts: its files,
    URL and notes; the post without its body or tree."""
    if rendered is None:
        return None
    return replace(rendered, post=replace(rendered.post, body=(), document=None))


def _file_size(unit: Header | Problem) -> int:
    """What a post weighs for cutting chunks: the memory its kept body takes (what the chunk's pages
    grow from; no system call), or its file's size."""
    if isinstance(unit, Problem):
        return 0
    if unit.kept is not None:
        return unit.kept_bytes()
    try:
        return os.stat(unit.path).st_size
    except OSError:
        return 0  # its reading says what is wrong


def _convert_unit(
    unit: Header | Problem, entry: _Planned | None, shared: _Shared
) -> tuple[PostResult, Rendered | None]:
    item = _prepare(build(unit, shared.blog_url, True, shared.repair), entry, shared.index)
    return _render(item, shared)


def _render(item: Post | Problem, shared: _Shared) -> tuple[PostResult, Rendered | None]:
    """:func:`_render_one`, the rendering kept as the run needs it: for a ``finish`` hook that reads
    only images, without the post's body and tree (in the worker that rendered it, so that they are
    not sent back; in this process alike, so the hook gets the same posts either way)."""
    outcome, rendered = _render_one(item, shared.exporter, shared.site)
    if shared.images_only and rendered is not None:
        rendered = images_only(rendered)
    return outcome, rendered


def _pooled(
    units: Iterator[Header | Problem],
    plan: list[_Planned | None],
    shared: _Shared,
    count: int,
    most: int,
    *,
    callouts: bool = False,
) -> Iterator[_Done]:
    """The posts read, parsed and rendered by ``count`` worker processes, in order; in this process
    when processes cannot be had (or a worker dies). ``callouts``: a post has one (see
    :func:`_before_fork`)."""
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    def chunks() -> Iterator[_Chunk]:
        planned = iter(plan)
        chunk: _Chunk = []
        size = 0
        for unit in units:
            chunk.append((unit, next(planned, None)))
            size += _file_size(unit)
            if len(chunk) == most or size >= _CHUNK_BYTES:
                yield chunk
                chunk, size = [], 0
        if chunk:
            yield chunk

    def local(chunk: _Chunk) -> Iterator[_Done]:
        for unit, entry in chunk:
            done = _convert_unit(unit, entry, shared)
            _release((unit,))
            yield (*done, [], None)

    work = chunks()
    _one_malloc_arena()
    try:
        import multiprocessing

        context = multiprocessing.get_context(_START_METHOD)
        pool = ProcessPoolExecutor(count, mp_context=context, initializer=_worker_start, initargs=(shared,))
    except (ImportError, OSError, NotImplementedError, ValueError):
        for chunk in work:
            yield from local(chunk)
        return
    frozen = _before_fork(context, shared.repair, callouts)  # the workers are forked at the first submit
    unreported: list[_Written] = []  # what workers wrote of posts the caller stopped before
    waiting: deque[
        tuple[_Chunk, Future[list[tuple[PostResult, Rendered | None, _Written | None]]] | None]
    ] = deque()
    broken = False
    try:
        for chunk in work:
            if not broken:
                try:
                    waiting.append((chunk, pool.submit(_worker_chunk, chunk)))
                except (BrokenProcessPool, RuntimeError, OSError):
                    broken = True
            if broken:
                waiting.append((chunk, None))
            while len(waiting) > count * _AHEAD or (waiting and waiting[0][1] is None):
                yield from _collect(waiting.popleft(), local, unreported)
        while waiting:
            yield from _collect(waiting.popleft(), local, unreported)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _after_pool(frozen)
        # The caller stopped early (closed the run): the chunks the workers had begun are finished now,
        # their files written. They go into the manifest like any other file hashmigrate wrote, or the
        # next run would take them for files the user made and refuse to update them.
        for _, future in waiting:
            if future is not None and future.done() and not future.cancelled() and future.exception() is None:
                unreported.extend(written for _, _, written in future.result() if written is not None)
        if shared.writer is not None:
            for written in unreported:
                _adopt(shared.writer, written)


def _collect(
    pending: tuple[_Chunk, Any],
    local: Callable[[Any], Iterator[_Done]],
    unreported: list[_Written],
) -> Iterator[_Done]:
    """A chunk's posts, as its worker did them (or done here). ``unreported`` gets what the worker
    wrote of the posts after the one the caller stopped at."""
    from concurrent.futures.process import BrokenProcessPool

    chunk, future = pending
    if future is None:
        yield from local(chunk)
        return
    try:
        done = future.result()
    except BrokenProcessPool:
        # A worker was killed (out of memory?): this chunk is done here, as is the rest.
        yield from local(chunk)
        return
    _release(unit for unit, _ in chunk)  # the worker had its own copy of what pass one kept
    rest = iter(done)
    try:
        for outcome, rendered, written in rest:
            yield outcome, rendered, [], written
    finally:
        unreported.extend(written for _, _, written in rest if written is not None)


def _release(units: Iterable[Header | Problem]) -> None:
    """What pass one kept of these posts' files let go: they are converted."""
    for unit in units:
        if isinstance(unit, Header):
            unit.release()


def _new_files(files: tuple[OutputFile, ...], out: Source | None, result: ConvertResult) -> list[OutputFile]:
    """The scaffold files not already in the output folder: an existing site's own are never touched."""
    fresh: list[OutputFile] = []
    for file in files:
        if out is not None and (Path(out) / file.path).exists():
            result.site_kept.append(file.path)
        else:
            fresh.append(file)
    return fresh


def _stopped(error: OutputError, done: int, total: int) -> str:
    return (
        f"{error.line()}: stopped at post {done} of {total}; every file written before is intact "
        "(make room or fix the output folder, then run again)"
    )


@dataclass(slots=True)
class _Planned:
    """Where the planning pass put one post: its source, the slug it is written under, and, for a
    slug made from the title that links showed to be wrong, the slug made and the note."""

    source: str
    slug: str
    made: str = ""
    found: Note | None = None

    def apply(self, post: Post) -> Post:
        if self.found is None:
            return _claim_slug(post, self.slug)
        # The slug links name is the post's Hashnode slug: no "hashnode_slug" extra, links follow it.
        return replace(post, slug=self.slug, slug_from_title=False, notes=(*post.notes, self.found))


@dataclass(slots=True)
class _Seen:
    """What planning needs of a backup's post, made by pass one while it had the file read (see
    :meth:`BackupReader.planned`), so that planning need not read it again. Made for the slug pass
    one gave the post: planning uses it only while that slug is the one the post is written under."""

    slug: str
    cuid: str
    original: str  # links.hashnode_slug(post)
    # Not the post's own Hashnode URL but the first seen on the same host, which is all LinkIndex.add
    # reads of it: one string for the blog, not one a post (~90 bytes) held until planning.
    hashnode_url: str | None
    url: str | None  # where it lands on the target (None: links off, or no URL there)
    targets: tuple[tuple[str, str], ...]  # LinkIndex.link_targets(post)
    anchors: frozenset[str]  # LinkIndex.anchors_wanted(post)

    def stub(self) -> Post:
        """A post with what LinkIndex.add reads of one (its slug, Hashnode slug, cuid, Hashnode URL)."""
        extra = {"hashnode_slug": self.original} if self.original != self.slug else {}
        return Post(
            title="", slug=self.slug, body=(), cuid=self.cuid, hashnode_url=self.hashnode_url, extra=extra
        )


_NO_ANCHORS: frozenset[str] = frozenset()


class _Seer:
    """What makes a :class:`_Seen` of a post, as :func:`_plan` would take the same from it."""

    def __init__(self, exporter: Exporter, links: bool) -> None:
        hooked = hooks(exporter)
        self.url_of = hooked.url if links else None
        self.anchored = hooked.heading_id is not None and links
        # One tuple for each (host, path) named: a big blog's posts name the same few again and
        # again, and pass one holds every post's until planning counts them.
        self.known: dict[tuple[str, str], tuple[str, str]] = {}
        self.hosts: dict[str, str] = {}  # host -> the first Hashnode URL seen on it

    def __call__(self, post: Post) -> _Seen:
        from hashmigrate.links import hashnode_slug, host_of

        url_of = self.url_of
        known = self.known
        targets = tuple(known.setdefault(t, t) for t in LinkIndex.link_targets(post)) if url_of else ()
        anchors = frozenset(LinkIndex.anchors_wanted(post)) if self.anchored else _NO_ANCHORS
        hashnode_url = post.hashnode_url
        if hashnode_url:
            hashnode_url = self.hosts.setdefault(host_of(hashnode_url), hashnode_url)
        return _Seen(
            post.slug,
            post.cuid,
            hashnode_slug(post),
            hashnode_url,
            url_of(post) if url_of is not None else None,
            targets,
            anchors or _NO_ANCHORS,
        )

    def adopt(self, seen: _Seen) -> None:
        """Share what ``seen`` (made in a worker, unpickled here) names, as if made here."""
        known = self.known
        if seen.targets:
            seen.targets = tuple(known.setdefault(t, t) for t in seen.targets)
        if seen.hashnode_url:
            from hashmigrate.links import host_of

            seen.hashnode_url = self.hosts.setdefault(host_of(seen.hashnode_url), seen.hashnode_url)
        if not seen.anchors:
            seen.anchors = _NO_ANCHORS


def _plan(
    items: Iterable[Post | Problem | tuple[Header, _Seen]],
    exporter: Exporter,
    blog_url: str | None,
    links: bool,
    images: set[str] | None,
    again: Callable[[set[str]], Iterable[Post | Problem]] | None = None,
    rebuild: Callable[[Header], Post | Problem] | None = None,
) -> tuple[list[_Planned | None], LinkIndex, set[str]]:
    """A first pass: the slug each post is written under (safe as a file name, unique in the output;
    one entry per item, None for a problem, so a later pass can match them up by position),
    and, for link rewriting, where each post lands on this target and the slugs of the posts whose
    headings ``#heading-`` links point into.

    A backup's post may come as its header and what pass one saw of it (:class:`_Seen`); when it is
    written under another slug than pass one saw, ``rebuild`` reads it again (unparsed)."""
    plan: list[_Planned | None] = []
    names = SlugRegistry()
    index = LinkIndex()
    hooked = hooks(exporter)
    url_of = hooked.url if links else None
    heading_id = hooked.heading_id
    # (host, path) -> how many posts link to it: a big blog's posts name the same few paths again
    # and again, and a list of every post's would be the largest thing the plan holds.
    targets: Counter[tuple[str, str]] = Counter()
    anchored: set[str] = set()
    # slug made from a title -> plan position (40 % of the corpus's posts: their posts are read
    # again, without their bodies, only for the few slugs that links show to be wrong)
    made: dict[str, int] = {}
    for item in items:
        if isinstance(item, tuple):
            header, seen = item
            slug = names.claim(seen.slug, seen.cuid or Path(header.path).stem)
            if slug == seen.slug:
                # As below for a post whose slug is its own (_claim_slug gives the post itself).
                plan.append(_Planned(header.path, slug))
                if url_of is not None:
                    index.add(seen.stub(), seen.url)
                    targets.update(seen.targets)
                    if not header.explicit_slug:
                        made[slug] = len(plan) - 1
                if heading_id is not None and links:
                    anchored |= seen.anchors
                continue
            assert rebuild is not None
            item = rebuild(header)
            if not isinstance(item, Post):
                plan.append(None)  # changed since pass one read it (the conversion pass says so)
                continue
        elif not isinstance(item, Post):
            plan.append(None)
            continue
        else:
            slug = names.claim(item.slug, item.cuid or Path(item.source).stem)
        plan.append(_Planned(item.source, slug))
        if images is not None:
            from hashmigrate.assets import image_urls

            images.update(image_urls(item))
        post = _claim_slug(item, slug)
        if url_of is not None:
            index.add(post, url_of(post))
            # Counted, not a set: how many posts name a path counts.
            targets.update(LinkIndex.link_targets(post))
            if item.slug_from_title and slug == item.slug:
                made[slug] = len(plan) - 1
        if heading_id is not None and links:
            # A target without URLs of its own (dev.to) still names its headings: a post's links to
            # its own headings follow them.
            anchored |= LinkIndex.anchors_wanted(post)
    if url_of is not None:
        if blog_url:
            index.hosts.add((urlsplit(blog_url).hostname or "").lower().removeprefix("www."))
        index.discover_hosts(targets)
        unresolved = index.unresolved(targets.elements())
        renamed = slugs_from_links(made, unresolved)
        read = again(set(renamed)) if again is not None and renamed else ()
        by_slug: dict[str, Post] = {}
        for item in read:
            if isinstance(item, Post) and item.slug in renamed:
                entry = plan[made[item.slug]]
                if entry is not None and entry.source == item.source:
                    by_slug[item.slug] = item
        for old, found in renamed.items():
            position = made[old]
            if old not in by_slug:
                continue  # changed since it was planned (the conversion pass says so)
            post = by_slug[old]
            slug = names.claim(found, post.cuid or Path(post.source).stem)
            if slug != found:
                continue  # not safe as a file name: the made-up slug stays
            index.remove(post)
            index.add(replace(post, slug=slug), url_of(replace(post, slug=slug)))
            note = Note(
                post.label,
                "slug-from-links",
                f"slug {slug!r} used instead of {old!r}, made from the title",
                f"{unresolved[found]} post(s) of the blog link to /{slug}, which no post has, one word "
                "away: the title was edited after publishing",
                "the post's old URL and its redirect follow the links",
            )
            plan[position] = _Planned(post.source, slug, old, note)
    return plan, index, anchored


def _localise(
    post: Post, exporter: Exporter, site: Site, assets: dict[str, Asset], report: FetchReport | None
) -> tuple[Post, list[tuple[str, Path]]]:
    """Point the post's images at their copies, placed where the target keeps a post's files."""
    from hashmigrate.assets import image_urls, normalise, relocate

    places, beside = image_places(post, exporter, site, assets)
    files = [(path, assets[key].path) for key, (path, _ref) in places.items()]
    notes: list[Note] = []
    kept: set[str] = set()
    for url in image_urls(post):
        key = normalise(url)
        if key not in places and key not in kept:
            kept.add(key)
            why = (report.failed.get(key) if report else None) or "not downloaded"
            notes.append(Note(post.label, "image-remote", f"image {url} kept on its old host", why))
    if files and beside is not None:
        notes.append(beside)
    post = relocate(post, {key: ref for key, (_path, ref) in places.items()})
    return replace(post, notes=(*post.notes, *notes)), files


def image_places(
    post: Post, exporter: Exporter, site: Site, assets: Mapping[str, Asset]
) -> tuple[dict[str, tuple[str, str]], Note | None]:
    """Where ``--download-images`` puts each of the post's images it has a copy of: normalised URL ->
    (file path in the output, the reference the post uses); and the note for images put beside the
    post (None when the exporter says where they go). ``verify`` maps the references back with it."""
    from hashmigrate.assets import image_urls, normalise

    places: dict[str, tuple[str, str]] = {}
    place = hooks(exporter).asset_path
    beside: Note | None = None
    if place is None:
        place, beside = _beside(post, exporter, site)
    cover = normalise(post.cover) if post.cover else None
    for url in image_urls(post):
        key = normalise(url)
        asset = assets.get(key)
        if key not in places and asset is not None:
            places[key] = place(post, asset.stem, asset.ext, key == cover)
    return places, beside


def _beside(
    post: Post, exporter: Exporter, site: Site
) -> tuple[Callable[[Post, str, str, bool], tuple[str, str]], Note]:
    """Where images go for an exporter with no ``asset_path`` hook: beside the post's (first) file,
    named after the post, referred to by that name relative to the post; and the note saying so."""
    try:
        files = exporter.render(post, site).files
    except Exception:
        files = ()  # its own failure is reported when the post is converted
    folder = posixpath.dirname(files[0].path) if files else ""

    def place(post: Post, stem: str, ext: str, cover: bool) -> tuple[str, str]:
        name = f"{post.slug}-{'cover' if cover else stem}.{ext}"
        return posixpath.join(folder, name) if folder else name, name

    where = f"{folder}/" if folder else "the output folder"
    note = Note(
        post.label,
        "images-beside-post",
        f"images downloaded into {where} beside the post, referred to by file name",
        f"the {exporter.name} exporter does not say where images go (it has no asset_path hook)",
        "check that the site serves them from there",
    )
    return place, note


def _render_one(item: Post | Problem, exporter: Exporter, site: Site) -> tuple[PostResult, Rendered | None]:
    """The post's result so far and its files (None when it has none to write)."""
    if isinstance(item, Problem):
        status: PostStatus = "skipped" if item.kind == "skipped" else "failed"
        return PostResult(source=item.source, status=status, message=item.line_text()), None
    post = item
    outcome = PostResult(
        source=post.label, status="written", slug=post.slug, title=post.title, date_origin=post.date_origin
    )
    if post.undated:
        outcome.status, outcome.message = "failed", post.undated
        return outcome, None
    try:
        rendered = exporter.render(post, site)
    except Exception as exc:
        outcome.status = "failed"
        outcome.message = f"{post.label}: could not render: {type(exc).__name__}: {exc}"
        outcome.notes = list(post.notes)
        return outcome, None
    outcome.url = rendered.url
    outcome.notes = list(post.notes) + list(rendered.notes)
    return outcome, rendered


def _write_one(
    outcome: PostResult,
    rendered: Rendered,
    writer: FolderWriter | None,
    assets: list[tuple[str, Path]] | None = None,
) -> None:
    """Write a rendered post's files (and its images), its status and paths set on ``outcome``."""
    label = outcome.source
    if writer is None:
        outcome.status = "would-write"
        outcome.paths = [file.path for file in rendered.files]
        return
    statuses = []
    writes: list[tuple[str, Callable[[], bytes]]] = [
        (file.path, partial(str.encode, file.content, "utf-8")) for file in rendered.files
    ]
    writes += [(path, cached.read_bytes) for path, cached in assets or []]
    for relative, data in writes:
        try:
            written = writer.write_bytes(relative, data())
        except UnsafePath as exc:
            outcome.status, outcome.message = "failed", f"{label}: {exc}"
            return
        except OutputError as exc:
            outcome.status, outcome.message = "failed", f"{label}: cannot write {relative}: {exc.what}"
            return
        except OSError as exc:  # reading a downloaded image back from the cache
            outcome.status, outcome.message = (
                "failed",
                f"{label}: cannot read the downloaded image for {relative}: {exc.strerror}",
            )
            return
        outcome.paths.append(str(written.path))
        statuses.append(written.status)
    if "conflict" in statuses:
        outcome.status = "conflict"
        outcome.message = (
            f"{label}: {outcome.paths[statuses.index('conflict')]} was changed since hashmigrate wrote it; "
            "left alone (use --force to overwrite)"
        )
    elif all(s == "unchanged" for s in statuses):
        outcome.status = "unchanged"
    elif any(s.startswith("would-") for s in statuses):
        outcome.status = "would-write"


def _claim_slug(post: Post, safe: str) -> Post:
    if safe == post.slug:
        return post
    note = Note(
        post.label,
        "slug-changed",
        f"slug {post.slug[:80]!r} written as {safe!r}",
        "it was not safe as a file name, or another post has it",
    )
    extra = {**post.extra, "hashnode_slug": post.slug}
    return replace(post, slug=safe, notes=(*post.notes, note), extra=extra)
