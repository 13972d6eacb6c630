"""convert() plans from unparsed bodies and parses each post once: the output must be exactly what
planning from fully parsed posts gives."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hashmigrate
import hashmigrate.api

EXAMPLES = Path(__file__).parent.parent / "examples" / "blog"
BLOG = "https://blog.example.dev"


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".hashmigrate")
    }


@pytest.mark.parametrize("to", ["hugo", "jekyll", "wordpress", "devto"])
def test_planning_from_unparsed_bodies_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, to: str
) -> None:
    parsed = list(hashmigrate.load(EXAMPLES, blog_url=BLOG))
    from_posts = hashmigrate.convert(parsed, to=to, out=tmp_path / "posts", blog_url=BLOG)

    reads: list[bool] = []
    real_reader = hashmigrate.api.reader

    def counting_reader(*args: Any, **kwargs: Any) -> Callable[..., Iterator[Any]]:
        passes = real_reader(*args, **kwargs)

        def counted(parse: bool = True, only: set[str] | None = None, last: bool = False) -> Iterator[Any]:
            reads.append(parse)
            if only is not None:
                # The post linked into, and the posts holding the links (their own #heading- links).
                assert "github-actions-secrets-without-tears" in only and len(only) == 3
            assert last == (parse and only is None)  # the conversion, the last pass, says so
            return passes(parse, only, last)

        return counted

    monkeypatch.setattr(hashmigrate.api, "reader", counting_reader)
    from_path = hashmigrate.convert(EXAMPLES, to=to, out=tmp_path / "path", blog_url=BLOG)
    assert tree(tmp_path / "posts") == tree(tmp_path / "path") != {}
    written = [p for p in from_path.posts if p.status != "skipped"]
    assert [(p.slug, p.status, [n.kind for n in p.notes]) for p in from_posts.posts] == [
        (p.slug, p.status, [n.kind for n in p.notes]) for p in written
    ]
    assert from_posts.redirects == from_path.redirects
    # Planned unparsed; for a target with heading ids (the examples link into headings) the headings
    # are found in a second pass; then converted.
    # The posts whose headings are linked to are parsed (their fences repaired, as the conversion reads
    # them), only those: a target that names headings (all but WordPress, whose ids are Hashnode's).
    anchors = [True] if to in {"hugo", "jekyll", "devto"} else []
    assert reads == [False, *anchors, True]


def test_every_file_header_is_read_once_however_many_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hashmigrate.hashnode import backup

    seen = _reading_counted(monkeypatch, "_read_header")
    result = hashmigrate.convert(EXAMPLES, to="hugo", out=tmp_path / "site", blog_url=BLOG, drafts=True)
    assert result.ok and sorted(seen) == sorted(set(seen))
    assert len(seen) == len(backup.post_files(EXAMPLES)[0])


@pytest.mark.parametrize("kept", [True, False])
def test_a_post_file_gone_during_the_run_does_not_shift_the_names_of_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: bool
) -> None:
    from hashmigrate.hashnode import backup

    # Kept: the last pass writes each post as pass one read it (a blog that fits KEEP_BYTES);
    # else it reads the files again, and a file gone by then is a failed post.
    monkeypatch.setattr(backup, "KEEP_BYTES", backup.KEEP_BYTES if kept else 0)
    blog = tmp_path / "blog"
    blog.mkdir()
    for n, slug in enumerate(["alpha", "beta", "gamma"], start=1):
        (blog / f"c{n:024d}.md").write_text(
            f"---\ntitle: {slug}\nslug: {slug}\ndatePublished: 2023-01-0{n}\n---\n\nBody of {slug}.\n"
        )

    def remove_beta(post: hashmigrate.PostResult) -> None:
        if post.slug == "alpha":
            (blog / f"c{2:024d}.md").unlink()

    out = tmp_path / "site"
    result = hashmigrate.convert(blog, to="hugo", out=out, on_post=remove_beta)
    assert [p.status for p in result.posts] == ["written", "written" if kept else "failed", "written"]
    assert "title: gamma" in (out / "content/posts/gamma/index.md").read_text()
    assert (out / "content/posts/beta").exists() == kept


def _plans_both_ways(folder: Path, to: str, blog_url: str | None) -> None:
    """Planning from what pass one saw of each post (no file read again) against planning from the
    posts read again unparsed: the same plan, link index and anchored slugs."""
    from functools import partial

    from hashmigrate import api, registry
    from hashmigrate.hashnode import build, reader

    exporter = registry.create(to)
    again = reader(folder, drafts=True, blog_url=blog_url)
    seen = reader(folder, drafts=True, blog_url=blog_url)
    plan, index, anchored = api._plan(again(False), exporter, blog_url, True, None, partial(again, False))
    seer = api._Seer(exporter, True)
    plan2, index2, anchored2 = api._plan(
        seen.planned(seer),  # type: ignore[attr-defined]
        exporter,
        blog_url,
        True,
        None,
        partial(seen, False),
        lambda header: build(header, blog_url, False, True),
    )
    assert plan == plan2 and anchored == anchored2
    assert index == index2 and list(index.urls.items()) == list(index2.urls.items())
    assert list(index.cuids.items()) == list(index2.cuids.items())


@pytest.mark.parametrize("to", ["hugo", "jekyll", "wordpress", "devto"])
def test_planning_from_pass_one_is_planning_from_the_files_read_again(tmp_path: Path, to: str) -> None:
    blog = tmp_path / "blog"
    shutil.copytree(EXAMPLES, blog)
    # Slugs pass one changes (two posts of one title, different bodies) or the slug registry does
    # (not safe as a file name), a post published again (an older copy skipped), links between them.
    made = "# Thank you\n\nSee https://blog.example.dev/thank-you and https://blog.example.dev/gone-away.\n"
    (blog / "cl0000000000000000000thx1.md").write_text(made)
    (blog / "cl0000000000000000000thx2.md").write_text(made + "\nAnother one.\n")
    unsafe = "---\ntitle: Dots\nslug: ..\ndatePublished: 2023-02-01\ncanonical: https://blog.example.dev/..\n---\nx\n"
    (blog / "cl000000000000000000dots1.md").write_text(unsafe)
    for n, date in enumerate(["2023-03-01", "2023-04-01"]):
        (blog / f"cl000000000000000000agai{n}.md").write_text(
            f"---\ntitle: Again\nslug: again\ndatePublished: {date}\n---\nLinks to /thank-you {n}\n"
        )
    _plans_both_ways(blog, to, BLOG)
    _plans_both_ways(blog, to, None)


@pytest.mark.parametrize("to", ["hugo", "jekyll"])
def test_planning_from_pass_one_is_the_same_for_every_corpus_blog(corpus_dir: Path, to: str) -> None:
    for folder in sorted(p for p in corpus_dir.iterdir() if p.is_dir()):
        _plans_both_ways(folder, to, None)


def _reading_counted(monkeypatch: pytest.MonkeyPatch, function: str = "_read_text") -> list[str]:
    """The name of each file the backup reader's ``function`` (given the file's path first) reads."""
    from hashmigrate.hashnode import backup

    reads: list[str] = []
    real = getattr(backup, function)

    def counting(path: Path, *args: Any) -> Any:
        reads.append(path.name)
        return real(path, *args)

    monkeypatch.setattr(backup, function, counting)
    return reads


@pytest.mark.parametrize("to", ["hugo", "jekyll", "wordpress", "devto"])
def test_each_file_is_read_once_when_the_blog_fits_and_writes_what_reading_again_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, to: str
) -> None:
    from hashmigrate.hashnode import backup

    files = backup.post_files(EXAMPLES)[0]
    sizes = sorted(p.stat().st_size for p in files)
    reads = _reading_counted(monkeypatch)
    # Every file kept; none (each read again by the last pass); the first few only (the rest do not
    # fit what is left): the same output, the same results.
    runs, counts = {}, {}
    for name, room in [("all", backup.KEEP_BYTES), ("none", 0), ("some", sum(sizes[:3]))]:
        monkeypatch.setattr(backup, "KEEP_BYTES", room)
        reads.clear()
        result = hashmigrate.convert(
            EXAMPLES, to=to, out=tmp_path / name, blog_url=BLOG, drafts=True, workers=1
        )
        runs[name] = (
            tree(tmp_path / name),
            [(p.slug, p.status, [n.line() for n in p.notes]) for p in result.posts],
        )
        counts[name] = len(reads)
        if name == "all":
            assert sorted(reads) == sorted(p.name for p in files)  # each file once
    built = sum(1 for p in runs["none"][1] if p[1] != "skipped")
    assert counts["all"] < counts["some"] < counts["none"]
    assert counts["none"] >= len(files) + built  # pass one, then each post's file again
    assert runs["all"] == runs["none"] == runs["some"]
    assert runs["all"][0] != {}


def test_workers_write_from_what_pass_one_kept_as_one_process_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pass one's workers send what they kept back with each header; the conversion's workers are sent
    # it with their chunk, and this process lets go of its own copy once a chunk is done.
    from hashmigrate.hashnode import backup

    monkeypatch.setattr(hashmigrate.api, "_START_METHOD", "fork")
    monkeypatch.setattr(hashmigrate.api, "_CHUNK", 2)
    # Reading a file again in a worker writes its name beside the output (a forked worker's list
    # would be its own).
    log = tmp_path / "reads"
    real = backup._reread

    def logged(header: Any, repair: bool) -> Any:
        with log.open("a") as file:
            file.write(Path(header.path).name + "\n")
        return real(header, repair)

    monkeypatch.setattr(backup, "_reread", logged)
    one = hashmigrate.convert(EXAMPLES, to="hugo", out=tmp_path / "one", blog_url=BLOG, workers=1)
    two = hashmigrate.convert(EXAMPLES, to="hugo", out=tmp_path / "two", blog_url=BLOG, workers=2)
    assert tree(tmp_path / "one") == tree(tmp_path / "two") != {}
    assert [p.status for p in one.posts] == [p.status for p in two.posts]
    assert not log.exists()  # no file read again, in this process or a worker
    reader = hashmigrate.api.reader(EXAMPLES, blog_url=BLOG)
    kept = [h for h in reader.units() if isinstance(h, backup.Header) and h.kept is not None]
    assert kept  # what a pass one keeps ...
    list(hashmigrate.api._pooled(iter(kept), [None] * len(kept), _shared(), 2, 2))
    assert all(h.kept is None for h in kept)  # ... is let go once the workers are done with it


def _shared() -> Any:
    from exporters.hugo import HugoExporter
    from hashmigrate.exporter import Site
    from hashmigrate.links import LinkIndex

    return hashmigrate.api._Shared(HugoExporter(), Site(), LinkIndex(), BLOG, True)


@pytest.mark.parametrize("to", ["hugo", "wordpress"])
def test_corpus_kept_or_read_again_writes_the_same_bytes(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, to: str
) -> None:
    from hashmigrate.hashnode import backup

    for room, name in [(backup.KEEP_BYTES, "kept"), (0, "again")]:
        monkeypatch.setattr(backup, "KEEP_BYTES", room)
        for blog in sorted(p for p in corpus_dir.iterdir() if p.is_dir()):
            hashmigrate.convert(blog, to=to, out=tmp_path / name / blog.name, drafts=True)
    kept, again = tree(tmp_path / "kept"), tree(tmp_path / "again")
    assert kept == again and len(kept) > 2000


def test_what_pass_one_keeps_is_capped_by_the_memory_it_takes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from hashmigrate.hashnode import backup

    # ASCII with one emoji: CPython holds every character in 4 bytes, 4x the file's size.
    blog = tmp_path / "blog"
    blog.mkdir()
    for n in range(10):
        (blog / f"c{n:024d}.md").write_text(
            f"---\ntitle: P{n}\nslug: p-{n}\ndatePublished: 2023-01-01\n---\n\n🙂 {'word ' * 400}\n",
            encoding="utf-8",
        )
    files = sum(p.stat().st_size for p in blog.iterdir())
    monkeypatch.setattr(backup, "KEEP_BYTES", files)  # every file fits by its size
    kept = [u.kept for u in backup.BackupReader(blog).units() if isinstance(u, backup.Header) and u.kept]
    held = sum(sys.getsizeof(body) for _, body, _, _ in kept)
    assert 0 < len(kept) < 10 and held <= files  # the memory they take does not
    result = hashmigrate.convert(blog, to="hugo", out=tmp_path / "site")
    assert result.counts() == {"written": 10}


def test_a_blog_with_images_mirrored_is_read_once_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With --download-images planning is a parsed pass of its own (images are found in the tree):
    # what pass one kept must last until the conversion, the last pass.
    from support.image_server import ImageServer
    from test_images import blog_on

    from hashmigrate.hashnode import backup

    with ImageServer() as images:
        blog = blog_on(images, tmp_path)
        reads = _reading_counted(monkeypatch)
        result = hashmigrate.convert(
            blog,
            to="hugo",
            out=tmp_path / "site",
            download_images=True,
            image_cache=tmp_path / "cache",
            drafts=True,
        )
    assert result.ok and result.images is not None and result.images.downloaded > 5
    assert sorted(reads) == sorted(p.name for p in backup.post_files(blog)[0])


def test_posts_converted_here_when_the_pool_fails_let_go_of_what_pass_one_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import concurrent.futures

    from hashmigrate.hashnode import backup

    def no_processes(*args: Any, **kwargs: Any) -> Any:
        raise OSError("no processes here")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_processes)
    reader = hashmigrate.api.reader(EXAMPLES, blog_url=BLOG)
    kept = [h for h in reader.units() if isinstance(h, backup.Header) and h.kept is not None]
    done = list(hashmigrate.api._pooled(iter(kept), [None] * len(kept), _shared(), 2, 2))
    assert len(done) == len(kept) > 5 and all(h.kept is None for h in kept)


_DATE = "datePublished: Mon Feb 12 2024 07:15:00 GMT+0000 (Coordinated Universal Time)\n"
_HEADS = [
    '---\ntitle: "Café au lait"\nslug: cafe\n' + _DATE + "tags: a, b\n---\n\n",
    '---\ntitle: "He said "hi" twice"\n' + _DATE + "cover: x.png\n---\n",  # Hashnode's invalid YAML
    "---\ntitle: cafÃ© naÃ¯ve\n" + _DATE + "subtitle: [1, 2]\n---\n\n",  # mojibake, a wrong type
    "# An old-format title\n\n",  # no front matter: the title is the first heading
    "# **A bold old title**\n\n",
    "",
]
_PIECES = [
    "Plain text, café.",
    "cafÃ© and naÃ¯ve, twice broken.",
    "```js\nlet x = 1\n```",
    "```\nan unclosed fence",
    "    indented code",
    "%[https://www.youtube.com/watch?v=dQw4w9WgXcQ]",
    "Emoji 🙂 and a line\u2028separator.",
    "",
    "\t",
]


def _counted_reread(log: list[int], room: int, reread: Callable[..., Any], *args: Any) -> Any:
    log.append(room)
    return reread(*args)


@given(
    files=st.lists(
        st.tuples(
            st.sampled_from(_HEADS),
            st.lists(st.sampled_from(_PIECES), max_size=5),
            st.sampled_from(["\n", "\r\n"]),
            st.booleans(),  # a byte order mark
            st.booleans(),  # a newline at the end
        ),
        min_size=1,
        max_size=4,
    ),
    repair=st.booleans(),
)
@settings(max_examples=80, deadline=None)
def test_what_pass_one_kept_makes_the_post_reading_again_makes(
    files: list[tuple[str, list[str], str, bool, bool]], repair: bool
) -> None:
    """Generated files (every front matter form, encodings, line endings, titles from headings,
    mojibake, broken fences): the posts made from what pass one kept equal those made from the files
    read again, problems and notes included."""
    from hashmigrate.hashnode import backup, read

    with tempfile.TemporaryDirectory() as folder:
        blog = Path(folder)
        for n, (head, pieces, newline, bom, end) in enumerate(files):
            text = head + "\n\n".join(pieces) + ("\n" if end else "")
            data = ("\ufeff" if bom else "") + text.replace("\n", newline)
            (blog / f"c{n:024d}.md").write_bytes(data.encode("utf-8"))
        ways, again = [], []
        for room in (backup.KEEP_BYTES, 0):
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(backup, "KEEP_BYTES", room)
                patch.setattr(backup, "_reread", partial(_counted_reread, again, room, backup._reread))
                items = list(read(blog, drafts=True, repair=repair))
            ways.append(
                [
                    (item, item.document.source if item.document is not None else None)
                    if isinstance(item, hashmigrate.Post)
                    else str(item)
                    for item in items
                ]
            )
        assert ways[0] == ways[1]
        posts = sum(1 for item in items if isinstance(item, hashmigrate.Post))
        assert again == [0] * posts  # kept: no file read again; not kept: each post's
