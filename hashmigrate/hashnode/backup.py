"""The Hashnode GitHub backup: a folder of ``<cuid>.md`` files, in two generations.

New files start with front matter (JavaScript date string, comma-string tags); old ones (last backed
up before March 2023) hold only ``# Title`` and the body, so their dates come from git history when
the folder is a checkout. Backups never delete files, so a post published again under the same slug
leaves two files: the newest wins.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
import sys
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from hashmigrate.hashnode import dates, frontmatter
from hashmigrate.hashnode.fences import repair_fences
from hashmigrate.hashnode.git import FileHistory, history
from hashmigrate.hashnode.markdown import CALLOUT_MARK, body_fields
from hashmigrate.hashnode.problems import Problem, SourceError
from hashmigrate.hashnode.text import (
    UnreadableFile,
    decode,
    load_repair,
    mojibake_notes,
    repair_mojibake,
    slugify,
)
from hashmigrate.model import Markdown, Note, Post, Tag

CUID_FILE = re.compile(r"^c[a-z0-9]{24}\.md$")
DRAFT_FILE = re.compile(r"^draft-[0-9a-zA-Z]{6,40}\.md$")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(?P<text>.+?)[ \t]*#*[ \t]*$")
MAX_FILE_BYTES = 20 * 1024 * 1024
# Pass one keeps what it read of a blog's files (front matter, body, title) for the last pass, up to
# this many bytes of files, and of the bodies' memory: each file is then read once. Past it, the rest
# are read again, so that a blog of any size holds no more (100,000 posts are ~500 MB of text; pass
# one keeps a header each).
KEEP_BYTES = 8 * 1024 * 1024

# Keys the model has a place for; any other key is kept in ``Post.extra``.
_KNOWN = {
    "title", "subtitle", "seoTitle", "seoDescription", "datePublished", "date", "dateUpdated", "updated",
    "lastmod", "cuid", "slug", "canonical", "canonical_url", "cover", "ogImage", "tags", "series",
    "seriesSlug", "draft", "saveAsDraft",
}  # fmt: skip


@dataclass(slots=True)
class _Header:
    """What pass one keeps of a file: enough to pick the newest of posts sharing a slug, and small
    (a blog of 100,000 posts holds 100,000 of these). Pass two reads the file again for the rest,
    unless pass one kept what it read (:data:`KEEP_BYTES`).

    The title and the date's details are not kept (a later read derives them again from the file,
    as pass one did), and once the newest of each slug is chosen :meth:`compact` drops what only that
    choice needed, the body's digest and the date."""

    path: str  # not a Path: a str is a quarter of its size
    body_digest: bytes
    draft: bool
    own_cuid: str | None  # None: the file's name is the cuid (every post of a real backup), not held twice
    notes: tuple[Note, ...] = ()  # a tuple: the empty one, most posts', is shared
    published: datetime | None = None  # the date, for choosing between files only
    git: FileHistory | None = None
    slug: str = ""
    explicit_slug: bool = False
    clean: bool = False  # pass one found nothing to repair: a later read need not look again
    # The body may hold a callout, whose HTML exporters turn into Markdown with markdownify (and
    # BeautifulSoup): the conversion's workers are forked with it loaded (see api._before_fork).
    callouts: bool = False
    # What pass one read (front matter, body, the line the body starts on, title), kept for the last
    # pass while the blog's files fit KEEP_BYTES: that pass then reads nothing again. Every post made
    # from it shares the front matter's values (a list of tags): no code changes a post's in place.
    kept: _Reading | None = None
    # What a caller's ``see`` made of the post while pass one had the file read (see
    # BackupReader.planned): held from pass one to the planning pass, which lets it go.
    seen: Any = None

    @property
    def cuid(self) -> str:
        return _stem(self.path) if self.own_cuid is None else self.own_cuid

    def compact(self) -> None:
        self.body_digest = b""
        self.published = None

    def release(self) -> None:
        """Let go of what pass one kept of the file (a worker process was sent it with the header)."""
        self.kept = None

    def kept_bytes(self) -> int:
        """The memory the kept body takes (0: none kept). An ASCII post with one emoji takes 4 bytes a
        character (CPython's widest form), so a file's size can be a quarter of it."""
        return sys.getsizeof(self.kept[1]) if self.kept is not None else 0


def is_post_file(path: Path) -> bool:
    """A backup's posts are ``<cuid>.md`` and ``draft-<id>.md``; README and friends are not posts."""
    name = path.name
    if CUID_FILE.match(name) or DRAFT_FILE.match(name):
        return True
    if path.suffix.lower() not in {".md", ".markdown"}:
        return False
    # Other names count only when they carry Hashnode front matter (a hand-made or renamed file).
    try:
        with path.open("rb") as handle:
            head = handle.read(2048).decode("utf-8", errors="replace")
    except OSError:
        return True  # a .md file we cannot read: reading it again gives the user a clear problem
    block = head.split("\n---", 1)[0] if head.startswith("---") else ""
    return bool(re.search(r"^title:", block, re.M) and re.search(r"^(slug|datePublished|cuid):", block, re.M))


def post_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """(post files, other files) in a backup folder, sorted by name."""
    posts: list[Path] = []
    others: list[Path] = []
    try:
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            (posts if is_post_file(path) else others).append(path)
    except OSError as exc:
        raise SourceError(f"{folder}: cannot read the folder: {exc.strerror or exc}") from None
    return posts, others


def read_backup(
    source: Path,
    *,
    drafts: bool = False,
    blog_url: str | None = None,
    use_git: bool = True,
    repair: bool = True,
) -> Iterator[Post | Problem]:
    """Every post of a backup folder (or one post file), newest per slug; problems in between."""
    reader = BackupReader(source, drafts=drafts, blog_url=blog_url, use_git=use_git, repair=repair)
    return reader.items(last=True)


class BackupReader:
    """A backup read in as many passes as a caller needs, pass one (every file's header, and which of
    the files sharing a slug wins) done only once: later passes read just the files that give posts."""

    def __init__(
        self,
        source: Path,
        *,
        drafts: bool = False,
        blog_url: str | None = None,
        use_git: bool = True,
        repair: bool = True,
    ) -> None:
        self.source = source
        self.drafts = drafts
        self.blog_url = blog_url
        self.use_git = use_git
        self.repair = repair
        self._plan: list[_Header | Problem] | None = None
        self._see: Callable[[Post], Any] | None = None
        self._spread: Callable[[Iterator[HeaderJob], int], Iterable[Header | Problem] | None] | None = None

    def items(
        self, parse: bool = True, only: Container[str] | None = None, last: bool = False
    ) -> Iterator[Post | Problem]:
        """Posts and problems in order, problems of pass one first; with ``only``, just the posts
        with those slugs (without opening any other file). ``parse=False`` leaves each body as one
        :class:`Markdown` node, unparsed: enough for a pass that only plans names, URLs and links.
        ``last``: no pass follows, so what pass one kept of each file is let go once its post is made."""
        if self._plan is None:
            self._plan = self._scan()
        for entry in self._plan:
            if isinstance(entry, Problem):
                if only is None:
                    yield entry
                continue
            if only is not None and entry.slug not in only:
                continue
            post = build(entry, self.blog_url, parse, self.repair)
            if last:
                entry.release()
            yield post

    def planned(
        self,
        see: Callable[[Post], Any],
        spread: Callable[[Iterator[HeaderJob], int], Iterable[Header | Problem] | None] | None = None,
    ) -> Iterator[tuple[Header, Any] | Post | Problem]:
        """:meth:`items` unparsed, for a planning pass that reads no file again: pass one calls ``see``
        on each file's post (unparsed, as ``items(parse=False)`` gives it) while it has the file
        read, and here each post is ``(its header, what see made of it)``. A post is built again,
        reading its file, where pass one ran before (without ``see``) or gave it another slug than
        ``see`` saw (a title shared with another post).

        ``spread`` may read the headers elsewhere (worker processes): given every file's
        :data:`HeaderJob` (and how many), it gives what :func:`read_headers` would, in order, with
        its own ``see``; or None, and they are read here."""
        if self._plan is None:
            self._see, self._spread = see, spread
            try:
                self._plan = self._scan()
            finally:
                self._see = self._spread = None
        for entry in self._plan:
            if isinstance(entry, Problem):
                yield entry
                continue
            seen, entry.seen = entry.seen, None  # let go: the header lives to the end of the run
            if seen is not None and entry.slug == seen.slug:
                yield entry, seen
            else:
                yield build(entry, self.blog_url, False, self.repair)

    def units(self) -> Iterator[Header | Problem]:
        """What a last pass works on, in the order :meth:`items` gives posts and problems: a
        :func:`build` of each header gives its post. Both are small and can be pickled, so the
        reading and parsing can be shared out between processes."""
        if self._plan is None:
            self._plan = self._scan()
        return iter(self._plan)

    def _scan(self) -> list[_Header | Problem]:
        source = self.source
        if source.is_file():
            files, folder = [source], source.parent
        else:
            files, folder = post_files(source)[0], source
        git = history(folder) if self.use_git else {}
        inside = folder.resolve()
        plan: list[_Header | Problem] = []
        headers: list[_Header] = []
        # Each file's problem, or for a file whose header is read next (maybe in other processes)
        # whether its reading is kept for the last pass (see KEEP_BYTES): its HeaderJob is made as
        # it is sent, not held for every file at once (at 100,000 files, ~17 MB of paths held twice
        # while pass one ran). An older copy of a post (a slug shared, see _dedupe) takes its room
        # too: which copy wins is known only once all are read.
        found: list[Problem | bool] = []
        room = KEEP_BYTES
        for path in files:
            draft = bool(DRAFT_FILE.match(path.name))
            if draft and not self.drafts:
                found.append(
                    Problem(str(path), "draft; skipped (use --drafts to convert drafts)", kind="skipped")
                )
                continue
            try:
                info = path.lstat()
            except OSError:
                found.append(False)  # gone since it was listed: its reading says so
                continue
            if stat.S_ISLNK(info.st_mode):
                if not path.resolve().is_relative_to(inside):
                    found.append(
                        Problem(
                            str(path), f"a link to {path.resolve()}, outside the source folder; not followed"
                        )
                    )
                    continue
                info = _stat_or(path, info)
            keep = info.st_size <= room
            room -= info.st_size if keep else 0
            found.append(keep)
        jobs: Iterator[HeaderJob] = (
            (str(path), bool(DRAFT_FILE.match(path.name)), git.get(path.name), keep)
            for path, keep in zip(files, found, strict=True)
            if not isinstance(keep, Problem)
        )
        count = sum(1 for keep in found if not isinstance(keep, Problem))
        spread = self._spread(jobs, count) if self._spread is not None else None
        read = iter(
            spread if spread is not None else read_headers(jobs, self.repair, self.blog_url, self._see)
        )
        held = 0  # bytes of memory the kept bodies take (a file's size chose them; this caps them)
        try:
            for problem in found:
                entry = problem if isinstance(problem, Problem) else next(read)
                if isinstance(entry, _Header):
                    if entry.notes == _OLD_FORMAT_ONLY:
                        entry.notes = _OLD_FORMAT_ONLY  # shared again when it came from another process
                    if entry.kept is not None:
                        held += entry.kept_bytes()
                        if held > KEEP_BYTES:
                            entry.release()
                    headers.append(entry)
                else:
                    plan.append(entry)
        finally:
            # Worker processes reading the headers stop now, also when this stops half-way (a
            # traceback would keep the pool alive).
            close = getattr(read, "close", None)
            if close is not None:
                close()
        for entry in _dedupe(headers):
            if isinstance(entry, _Header):
                entry.compact()
            plan.append(entry)
        return plan


def _dedupe(headers: list[_Header]) -> Iterator[_Header | Problem]:
    """One post per slug. A slug from front matter shared by two files is one post published again:
    the newest wins. A slug we made from an old post's title can be shared by different posts
    (replies titled "Thank you."): those keep their content under a slug made unique by the cuid.
    A draft is never an older copy of a published post (nor the other way round): it stays a draft,
    and the names planned for the output keep the two apart."""
    groups: dict[tuple[str, bool], list[_Header]] = {}
    for header in headers:
        groups.setdefault((header.slug, header.draft), []).append(header)
    skipped: set[int] = set()
    for (slug, _), group in groups.items():
        if len(group) == 1:
            continue
        explicit = [h for h in group if h.explicit_slug] or group
        winner = explicit[0]
        for header in explicit[1:]:
            if _newer(header, winner):
                winner = header
        for header in group:
            if header is winner:
                continue
            if header.explicit_slug or header.body_digest == winner.body_digest:
                skipped.add(id(header))
                yield Problem(
                    header.path,
                    f"an older copy of slug {slug!r}; {_name(winner.path)} is newer and is used",
                    kind="skipped",
                )
                winner.notes += (
                    Note(
                        winner.path,
                        "duplicate-slug",
                        f"{_name(header.path)} has the same slug",
                        "an older copy of this post",
                        "skipped it",
                    ),
                )
            else:
                header.slug = f"{slug}-{header.cuid or _name(header.path).rsplit('.', 1)[0]}"
                header.notes += (
                    Note(
                        header.path,
                        "slug-changed",
                        f"slug {slug!r} is taken by {_name(winner.path)}",
                        "another post has the same title",
                        f"used {header.slug!r}",
                    ),
                )
    for header in headers:
        if id(header) not in skipped:
            yield header


def _name(path: str) -> str:
    return os.path.basename(path)


def _stem(path: str) -> str:
    return os.path.basename(path).rsplit(".", 1)[0]


def _newer(a: _Header, b: _Header) -> bool:
    if a.published and b.published:
        return a.published > b.published
    return a.published is not None and b.published is None


def _read_text(path: Path, repair: bool = True) -> tuple[str, list[Note], bool]:
    """The text, its notes, and whether repair found nothing (nothing repaired, nothing doubtful)."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(
            f"the file is {size // 1048576} MB; posts over {MAX_FILE_BYTES // 1048576} MB are refused"
        )
    text, encoding_note = decode(path.read_bytes())
    notes: list[Note] = []
    if encoding_note:
        notes.append(Note(str(path), "encoding", encoding_note, "", "decoded it"))
    clean = True
    if repair:
        # Front matter is repaired whole (its title is prose); the body's code is left as written.
        text, repaired, doubtful, literal = repair_mojibake(text, _body)
        notes += mojibake_notes(str(path), repaired, doubtful, literal)
        clean = not repaired and not doubtful
    return text, notes, clean


def _body(text: str) -> str:
    return frontmatter.HANDLER.split(text)[1]


Header = _Header


def build(
    entry: Header | Problem, blog_url: str | None, parse: bool = True, repair: bool = True
) -> Post | Problem:
    """The post of a header from pass one (from what it kept of the file, or the file read again), or
    the problem that stops it."""
    if isinstance(entry, Problem):
        return entry
    try:
        return _build(entry, blog_url, parse, repair)
    except (UnreadableFile, frontmatter.FrontMatterError, OSError) as exc:
        # Changed or gone since pass one read it.
        return Problem(entry.path, str(exc), line=getattr(exc, "line", None))


def _reread(header: _Header, repair: bool) -> _Reading:
    """Front matter, body, the file line the body starts on and the title, read again: pass one keeps
    only what choosing between files needs."""
    # The text is decoded as in pass one; mojibake is looked for again only where pass one found some
    # (the notes are pass one's): the look is a fifth of the reading.
    text = _read_text(Path(header.path), repair and not header.clean)[0]
    block, body = frontmatter.HANDLER.split(text)
    meta = frontmatter.check_types(frontmatter.HANDLER.load(block))[0]
    meta.setdefault("cuid", header.cuid)
    # The title as pass one found it (which it does not keep).
    title, body, _ = _title(meta, body, header.draft, Path(header.path))
    return _reading(text, meta, body, title)


# What the conversion needs of a file read: front matter, body, the line of the file the body starts
# on, title (see _assemble).
_Reading = tuple[dict[str, Any], str, int, str]


def _reading(text: str, meta: dict[str, Any], body: str, title: str) -> _Reading:
    """The :data:`_Reading` of a file's text, split into front matter, body and title. The body is the
    end of the text (front matter and title heading taken off its start)."""
    first_line = text.count("\n", 0, len(text) - len(body)) + 1 if text.endswith(body) else 1
    return meta, body, first_line, " ".join(title.split())


def _title(meta: dict[str, Any], body: str, draft: bool, path: Path) -> tuple[str, str, str]:
    """The post's title, its body (a title heading taken off), and where the title came from: front
    matter, the heading on the first line (old backups), or made up for an untitled draft. Pass one
    and each later read find it alike, as neither keeps it for the other."""
    title = str(meta.get("title") or "").strip()
    if title:
        return title, body, "front matter"
    title, body = _title_from_heading(body)
    if title:
        return title, body, "heading"
    if draft:
        return f"Untitled draft {path.stem.removeprefix('draft-')}", body, "untitled"
    raise UnreadableFile("no title: no 'title:' in front matter and no heading on the first line")


# The note of an old-format file (two posts in five in real backups), one for every header: which
# file it is about is filled in when the post is built (a Note and a tuple a header were ~120 bytes).
_THIS_FILE = "\x00"  # no path has a NUL
_OLD_FORMAT = Note(
    _THIS_FILE,
    "old-format",
    "old backup format: no front matter",
    "posts last backed up before March 2023 have only a title heading",
    "title from the heading, slug made from the title: the old URL differs if the title was edited "
    "after publishing",
)
_OLD_FORMAT_ONLY = (_OLD_FORMAT,)


def _stat_or(path: Path, link: os.stat_result) -> os.stat_result:
    """The file a link points to, or the link itself when that cannot be read (its reading says so)."""
    try:
        return path.stat()
    except OSError:
        return link


def _on(note: Note, path: str) -> Note:
    """A header's note, about the file ``path`` when it is a note shared by every header."""
    return replace(note, post=path) if note.post == _THIS_FILE else note


# What pass one reads one file with: its path, whether it is a draft, its git history, and whether
# its reading is kept for the last pass (see KEEP_BYTES).
HeaderJob = tuple[str, bool, FileHistory | None, bool]


def load_lazily_loaded(repair: bool) -> None:
    """Load now what reading a file loads on its first use: ftfy (for mojibake repair, 37 ms) and
    strptime's module. A worker process forked after this inherits them; each of a blog's four
    workers (two a pass) loaded them anew otherwise, 0.1 s of CPU for every blog converted."""
    if repair:
        load_repair()
    datetime.strptime("+0000", "%z")  # imports its module at the first call
    codecs.lookup("utf-8-sig")  # the codec each file is decoded with (text.decode)


def read_headers(
    jobs: Iterable[HeaderJob], repair: bool, blog_url: str | None, see: Callable[[Post], Any] | None = None
) -> Iterator[Header | Problem]:
    """Pass one's reading of each file (a header, or the problem that stops it), in order: the part
    of pass one that can run in any process."""
    for path, draft, git, keep in jobs:
        try:
            yield _read_header(Path(path), draft, git, repair, blog_url, see, keep)
        except (UnreadableFile, frontmatter.FrontMatterError, OSError) as exc:
            yield Problem(path, str(exc), line=getattr(exc, "line", None))


def _read_header(
    path: Path,
    draft: bool,
    git: FileHistory | None,
    repair: bool = True,
    blog_url: str | None = None,
    see: Callable[[Post], Any] | None = None,
    keep: bool = False,
) -> _Header:
    text, notes, clean = _read_text(path, repair)
    block, body = frontmatter.HANDLER.split(text)
    loaded = frontmatter.HANDLER.load(block)
    if loaded.line_by_line:
        notes.append(
            Note(
                str(path),
                "front-matter",
                "front matter is not valid YAML",
                "unescaped quotes or values over several lines, as Hashnode writes them",
                "read it line by line",
            ),
        )
    meta, wrong = frontmatter.check_types(loaded)
    notes += [
        Note(str(path), "front-matter-type", problem, "Hashnode never writes it so") for problem in wrong
    ]
    title, body, how = _title(meta, body, draft, path)
    if how == "untitled":
        notes.append(
            Note(
                str(path),
                "untitled",
                "draft has no title",
                "drafts may be unfinished",
                f"called it {title!r}",
            )
        )
    if how != "front matter" and not frontmatter.HANDLER.detect(text):
        notes.append(_OLD_FORMAT)
    digest = hashlib.sha256(body.encode("utf-8", "surrogatepass")).digest()
    stem = path.stem
    cuid = str(meta.get("cuid") or (stem if CUID_FILE.match(path.name) else ""))
    header = _Header(path=str(path), body_digest=digest, draft=draft, own_cuid=None if cuid == stem else cuid)
    header.clean = clean
    header.callouts = CALLOUT_MARK in body
    header.git = git
    dated = _date(path, meta, draft, cuid, git, notes)
    header.published = dated.when
    header.notes = _OLD_FORMAT_ONLY if notes == [_OLD_FORMAT] else tuple(notes)
    header.slug = str(meta.get("slug") or "").strip()
    header.explicit_slug = bool(header.slug)
    header.slug = header.slug or slugify(" ".join(title.split()), fallback=cuid or stem)
    # What a later read would give (_reread takes the same steps from the same text: its repair finds
    # what this one did), for the post made from this read instead.
    meta.setdefault("cuid", header.cuid)
    reading = _reading(text, meta, body, title)
    if keep:
        header.kept = reading
    if see is not None:
        header.seen = see(_assemble(header, *reading, blog_url, False, dated))
    return header


def _date(
    path: Path, meta: dict[str, Any], draft: bool, cuid: str, git: FileHistory | None, notes: list[Note]
) -> dates.Dated:
    """The post's publish date by :func:`dates.choose`; a post nothing dates is refused, not dated 1970."""
    key = "datePublished" if meta.get("datePublished") else "date"
    stated = frontmatter.parse_date(meta.get(key))
    if meta.get(key) and stated is None:
        notes.append(
            Note(
                str(path),
                "date-invalid",
                f"{key} {str(meta[key])[:60]!r} is not a date it can use",
                "",
                "dated it otherwise",
            )
        )
    object_id = path.stem.removeprefix("draft-") if draft else ""
    dated = dates.choose(stated, "front matter", git, dates.id_date(cuid, object_id))
    if dated is None:
        raise UnreadableFile(
            "no publish date: no datePublished in front matter, the name is not a Hashnode id, and git "
            "history has no Hashnode commit for the file; add 'datePublished: 2023-01-31' to its front matter"
        )
    return dated


def _title_from_heading(body: str) -> tuple[str, str]:
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = _HEADING.match(line)
        if not match:
            return "", body
        title = re.sub(r"^\*\*(.+)\*\*$", r"\1", match["text"].strip())
        rest = lines[index + 1 :]
        while rest and not rest[0].strip():
            rest = rest[1:]
        return title, "\n".join(rest)
    return "", body


def _build(header: _Header, blog_url: str | None, parse: bool = True, repair: bool = True) -> Post:
    reading = header.kept if header.kept is not None else _reread(header, repair)
    return _assemble(header, *reading, blog_url, parse)


def _assemble(
    header: _Header,
    meta: dict[str, Any],
    body: str,
    first_line: int,
    title: str,
    blog_url: str | None,
    parse: bool,
    dated: dates.Dated | None = None,
) -> Post:
    """The post of a file read (front matter, body, the line it starts on, title); ``dated``, the
    date already chosen for this file, if it was."""
    # Broken fences matter only to a parsed body: planning (``parse=False``) scans the whole text,
    # code included, and a repair only re-indents a fence line. Skipping it there saves the parses
    # that repairing costs, once per suspect post.
    body, fence_notes = repair_fences(body, header.path, first_line) if parse else (body, [])
    notes = [*(_on(note, header.path) for note in header.notes), *fence_notes]
    # Dated again as pass one did (it keeps no date past choosing between files); its notes are
    # pass one's, already in header.notes.
    if dated is None:
        dated = _date(Path(header.path), meta, header.draft, header.cuid, header.git, [])
    notes += dates.date_notes(header.path, dated)
    tags = tuple(Tag(name=t, slug=slugify(t, fallback=t)) for t in frontmatter.split_tags(meta.get("tags")))
    slug = header.slug
    base = (blog_url or "").rstrip("/")
    return Post(
        title=title,
        slug=slug,
        slug_from_title=not header.explicit_slug,
        **(body_fields(body) if parse else {"body": (Markdown(body),) if body else ()}),
        cuid=str(meta.get("cuid") or ""),
        subtitle=_text(meta.get("subtitle")) or "",
        updated=frontmatter.parse_date(meta.get("dateUpdated") or meta.get("updated") or meta.get("lastmod"))
        or (header.git.changed if header.git and header.git.changed > header.git.added else None),
        **dated.post_fields(),
        tags=tags,
        cover=_text(meta.get("cover")),
        og_image=_text(meta.get("ogImage")),
        seo_title=_text(meta.get("seoTitle")),
        seo_description=_text(meta.get("seoDescription")),
        canonical_url=_text(meta.get("canonical") or meta.get("canonical_url")),
        series=_text(meta.get("seriesSlug") or meta.get("series")),
        draft=header.draft or _truthy(meta.get("draft")) or _truthy(meta.get("saveAsDraft")),
        hashnode_url=f"{base}/{slug}" if base else None,
        source=header.path,
        notes=tuple(notes),
        extra={k: v for k, v in meta.items() if k not in _KNOWN},
    )


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (list, dict)):
        return None
    text = " ".join(str(value).split())
    return text or None


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"true", "yes", "1"}
