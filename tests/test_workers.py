"""Worker processes: the same files, results and problems as one process, with either start method."""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hashmigrate
from hashmigrate import api, delivery

EXAMPLES = Path(__file__).parent.parent / "examples" / "blog"
T = TypeVar("T")


def files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".hashmigrate" not in p.parts
    }


def blog(tmp_path: Path) -> Path:
    folder = tmp_path / "blog"
    shutil.copytree(EXAMPLES, folder)
    # One more post, and a draft (skipped without --drafts).
    (folder / "cbrokenbrokenbrokenbroken1.md").write_text("---\ntitle: Gone\nslug: gone\n---\nbody\n")
    return folder


@pytest.mark.parametrize("method", ["fork", "spawn"])
@pytest.mark.parametrize("target", ["hugo", "wordpress"])
def test_workers_write_what_one_process_writes(
    tmp_path: Path, method: str, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = blog(tmp_path)
    one = hashmigrate.convert(source, to=target, out=tmp_path / "one", drafts=True, workers=1)
    monkeypatch.setattr(api, "_START_METHOD", method)
    monkeypatch.setattr(api, "_CHUNK", 2)  # several chunks in flight
    # Posts converted in this process: the pool's fallback (no processes, a worker that died) would
    # give the same files, so the workers are shown to have done the work by this staying empty.
    # (A forked worker records into its own copy of the list.)
    here: list[str] = []
    convert_unit = api._convert_unit

    def recorded(unit: object, entry: object, shared: object) -> object:
        here.append(str(getattr(unit, "path", unit)))
        return convert_unit(unit, entry, shared)  # type: ignore[arg-type]

    monkeypatch.setattr(api, "_convert_unit", recorded)
    # Pass one's headers are read by workers too (a pool of its own, before planning).
    from hashmigrate.hashnode import backup

    read_here: list[object] = []
    read_headers = backup.read_headers

    def reading(jobs: list[backup.HeaderJob], *args: object) -> object:
        jobs = list(jobs)
        read_here.extend(jobs)
        return read_headers(jobs, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(backup, "read_headers", reading)
    monkeypatch.setattr(api, "_HEADER_CHUNK", 3)
    # The posts' files are written by the workers too (each with its copy of the output's writer).
    written_here: list[str] = []
    write_one = api._write_one

    def writing(outcome: hashmigrate.PostResult, *args: object) -> None:
        written_here.append(outcome.source)
        write_one(outcome, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(api, "_write_one", writing)
    two = hashmigrate.convert(source, to=target, out=tmp_path / "two", drafts=True, workers=2)
    assert here == [] and read_here == [] and written_here == []
    assert files(tmp_path / "one") == files(tmp_path / "two")
    # The parent's manifest holds every file the workers wrote, as one process's does.
    manifest = delivery.MANIFEST
    assert (tmp_path / "one" / manifest).read_text() == (tmp_path / "two" / manifest).read_text()
    assert not (tmp_path / "two" / delivery.JOURNAL).exists()
    strip = [(p.status, p.slug, p.url, p.message, [n.line() for n in p.notes]) for p in one.posts]
    assert strip == [(p.status, p.slug, p.url, p.message, [n.line() for n in p.notes]) for p in two.posts]
    assert one.counts() == two.counts() and one.ok == two.ok


def test_workers_find_their_own_files_unchanged_and_an_edited_one_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Conflicts are decided in the workers, from the manifest the parent read before they started.
    monkeypatch.setattr(api, "_CHUNK", 2)
    source, out = blog(tmp_path), tmp_path / "out"
    first = hashmigrate.convert(source, out=out, workers=2)
    assert first.counts()["written"] >= 9
    page = next(out.rglob("index.md"))
    page.write_text(page.read_text() + "\nMy own line.\n")
    again = hashmigrate.convert(source, out=out, workers=2)
    counts = again.counts()
    assert counts["conflict"] == 1 and counts["unchanged"] == first.counts()["written"] - 1
    assert page.read_text().endswith("My own line.\n")  # left as the user made it


def test_a_full_disk_in_a_worker_stops_the_run_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    monkeypatch.setattr(api, "_CHUNK", 2)
    replace_atomically = delivery._replace_atomically
    calls = {"n": 0}

    def full(path: Path, *args: object, **kwargs: object) -> None:
        calls["n"] += 1  # each forked worker counts its own writes
        if calls["n"] > 1 and path.name == "index.md":
            raise OSError(errno.ENOSPC, "No space left on device")
        replace_atomically(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(delivery, "_replace_atomically", full)
    result = hashmigrate.convert(blog(tmp_path), out=tmp_path / "out", workers=2)
    stopped = [p for p in result.posts if p.message and "disk is full" in p.message.lower()]
    assert stopped and not result.ok
    assert len(result.posts) < 10  # the run stopped at the first post the disk refused
    # The files written before are kept in the journal for the next run (the manifest was not saved).
    assert (tmp_path / "out" / delivery.JOURNAL).exists()


def test_a_render_error_in_a_worker_is_the_same_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from exporters.hugo import HugoExporter

    def broken(self: object, post: hashmigrate.Post, site: object) -> object:
        raise ValueError(f"no {post.slug}")

    monkeypatch.setattr(HugoExporter, "render", broken)
    source = blog(tmp_path)
    one = hashmigrate.convert(source, out=tmp_path / "one", workers=1)
    two = hashmigrate.convert(source, out=tmp_path / "two", workers=2)  # fork: the patch is inherited
    assert [p.message for p in one.posts] == [p.message for p in two.posts]
    assert any("could not render: ValueError: no " in (p.message or "") for p in two.posts)


def test_convert_iter_streams_and_counts(tmp_path: Path) -> None:
    source = blog(tmp_path)
    whole = hashmigrate.convert(source, out=tmp_path / "a", workers=2)
    run = hashmigrate.convert_iter(source, out=tmp_path / "b", workers=2)
    with run:
        streamed = list(run)

    def relative(post: api.PostResult, out: Path) -> dict[str, object]:
        return post.as_dict() | {"paths": [str(Path(path).relative_to(out)) for path in post.paths]}

    assert [relative(p, tmp_path / "b") for p in streamed] == [
        relative(p, tmp_path / "a") for p in whole.posts
    ]
    assert [(p.source, p.status) for p in streamed] == [(p.source, p.status) for p in whole.posts]
    assert run.result.posts == [] and run.result.counts() == whole.counts()
    assert run.result.note_counts() == whole.note_counts() and run.result.ok == whole.ok


# Each stop is inside a chunk, whose worker writes the whole chunk before the caller sees its first
# post: what is written past the stop does not hang on timing (a stop at a chunk's end did, on a busy
# machine).
@pytest.mark.parametrize("stop_at", [0, 5, 41])
def test_a_run_stopped_early_puts_every_file_its_workers_wrote_in_the_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop_at: int
) -> None:
    # Workers run ahead of the caller: when it stops (breaks out of convert_iter), the chunks they had
    # begun are finished and written. Those files are ours: a later run updates them, never takes them
    # for the user's (a run that updated them reported every one as "changed since hashmigrate wrote it").
    monkeypatch.setattr(api, "_CHUNK", 4)  # several chunks, one stopped in the middle
    source, out = plain_blog(tmp_path / "blog", 70), tmp_path / "out"
    with hashmigrate.convert_iter(source, out=out, workers=2) as run:
        for index, _ in enumerate(run):
            if index == stop_at:
                break
    pages = {str(p.relative_to(out)) for p in out.rglob("index.md")}
    assert len(pages) > stop_at + 1  # the workers did run ahead
    manifest = json.loads((out / delivery.MANIFEST).read_text(encoding="utf-8"))["files"]
    assert pages <= set(manifest)
    again = hashmigrate.convert(source, out=out, workers=2, options={"aliases": False})
    assert again.counts()["conflict"] == 0 and again.counts()["written"] == 70 and again.ok


def test_small_blogs_stay_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HASHMIGRATE_WORKERS", raising=False)
    assert api._pool_size(None, api.POOL_MIN_POSTS - 1) == 1
    assert api._pool_size(None, 100_000) == min(len(os.sched_getaffinity(0)), api.MAX_WORKERS)
    assert api._pool_size(1, 100_000) == 1


def test_chunks_are_cut_to_the_blog() -> None:
    assert api._chunk_size(11, 2, 32) == 2  # 6 chunks: 3 for each worker
    assert api._chunk_size(1, 2, 32) == 1
    assert api._chunk_size(300, 2, 64) == 38
    assert api._chunk_size(100_000, 2, 32) == 32


CALLOUT = (
    '<div data-node-type="callout">\n<div data-node-type="callout-emoji">💡</div>\n'
    '<div data-node-type="callout-text">Note <b>this</b></div>\n</div>\n'
)


def plain_blog(folder: Path, posts: int, callouts: bool = False) -> Path:
    """Posts with what every real blog has (dates, tags, non-ASCII text, links, code, headings), and
    with ``callouts`` a callout in every fifth: its HTML is turned to Markdown by markdownify, which
    the parent loads before forking the workers then (see test_callouts_load_their_converter_once)."""
    folder.mkdir()
    for n in range(posts):
        callout = CALLOUT if callouts and n % 5 == 0 else ""
        cuid = f"clw{n:022d}"
        (folder / f"{cuid}.md").write_text(
            f"---\ntitle: Café nº {n}\n"
            "datePublished: Mon Feb 12 2024 07:15:00 GMT+0000 (Coordinated Universal Time)\n"
            f"cuid: {cuid}\nslug: post-{n}\ntags: python, café\n\n---\n\n"
            f"## Señor {n}\n\nSee [the last one](https://blog.example.dev/post-{max(n - 1, 0)}) and "
            "`{{< code >}}`, naïve *text*.\n\n```python\nprint('é')\n```\n" + callout,
            encoding="utf-8",
        )
    return folder


def _probed(log: Path, pass_name: str, work: Callable[[], T]) -> T:
    """``work`` done in a worker, logged as ``<pass> <pid> <frozen objects> <modules it loaded>``.
    A worker's first call waits (at most 30 s) until another worker of the pass has logged, so
    that a chunk kept from one of them (a blog sent as one chunk) fails the test, not by chance."""
    # (In this process, which does a chunk itself only when the pool fails: nothing to wait for.)
    first = pass_name not in _PROBED and os.getpid() != _PARENT
    _PROBED.add(pass_name)
    frozen = gc.get_freeze_count()
    before = set(sys.modules)
    done = work()
    loaded = " ".join(sorted(set(sys.modules) - before)) or "-"
    with log.open("a", encoding="utf-8") as file:
        file.write(f"{pass_name} {os.getpid()} {frozen} {loaded}\n")
    if first:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(_pids(log, pass_name)) < 2:
            time.sleep(0.01)
    return done


_PROBED: set[str] = set()  # in a forked worker: the passes it has worked for
_PARENT = os.getpid()


def _pids(log: Path, pass_name: str) -> set[str]:
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return {line.split()[1] for line in lines if line.split()[0] == pass_name}


@pytest.mark.parametrize("callouts", [False, True])
def test_forked_workers_share_the_work_and_load_nothing_themselves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, callouts: bool
) -> None:
    # The patches below run inside the workers (forked with them; never pickled).
    monkeypatch.setattr(api, "_START_METHOD", "fork")
    from hashmigrate.hashnode import backup

    log = tmp_path / "log"
    read_headers, convert_unit = backup.read_headers, api._convert_unit

    def reading(*args: Any) -> Any:
        return _probed(log, "one", lambda: list(read_headers(*args)))

    def converting(*args: Any) -> Any:
        return _probed(log, "two", lambda: convert_unit(*args))

    monkeypatch.setattr(backup, "read_headers", reading)
    monkeypatch.setattr(api, "_convert_unit", converting)
    source = plain_blog(tmp_path / "blog", 24, callouts)  # 3 posts a chunk: 8 chunks
    result = hashmigrate.convert(source, out=tmp_path / "out", workers=2)
    assert result.ok and result.counts() == {"written": 24}, result.errors
    lines = [line.split(maxsplit=3) for line in log.read_text(encoding="utf-8").splitlines()]
    for pass_name in ("one", "two"):
        assert len(_pids(log, pass_name)) == 2, f"pass {pass_name}: one worker did all the work"
    # What reading and rendering load lazily (ftfy, strptime's module, the file codec, and for a blog
    # with callouts markdownify; see the test below) was loaded before the fork; every object the
    # parent had was frozen for the workers (a collection in a worker would otherwise write to each
    # one's page, copying it).
    assert [loaded for _, _, _, loaded in lines if loaded != "-"] == []
    assert all(int(frozen) > 1000 for _, _, frozen, _ in lines)
    assert gc.get_freeze_count() == 0  # and thawed in this process once the pools were done


_PROBE = """
import json, sys
from pathlib import Path
import hashmigrate
from hashmigrate import api
log = Path(sys.argv[2])
convert_unit = api._convert_unit

def converting(*args):
    before = set(sys.modules)
    done = convert_unit(*args)
    with log.open("a", encoding="utf-8") as file:
        file.write(" ".join(sorted(set(sys.modules) - before)) + "\\n")
    return done

api._convert_unit = converting
api._START_METHOD = "fork"
result = hashmigrate.convert(sys.argv[1], out=sys.argv[3], workers=2)
print(json.dumps({"counts": result.counts(), "markdownify": "markdownify" in sys.modules}))
"""


@pytest.mark.parametrize("callouts", [False, True])
def test_callouts_load_their_converter_once(tmp_path: Path, callouts: bool) -> None:
    # A fresh process (this one may have loaded markdownify already): for a blog with callouts the
    # parent loads markdownify (and BeautifulSoup) before forking the conversion's workers, so no
    # worker loads it again (each one that met a callout did, a tenth of a second, at the end of a
    # chunk); a blog without callouts does not load it at all.
    source = plain_blog(tmp_path / "blog", 24, callouts)
    log = tmp_path / "log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(source), str(log), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=120,
    )
    report = json.loads(done.stdout)
    assert report == {"counts": {"written": 24}, "markdownify": callouts}
    loaded = log.read_text(encoding="utf-8").splitlines()
    assert len(loaded) == 24 and set(loaded) == {""}, [line for line in loaded if line]


CALLOUT_PIECES = [
    '<div data-node-type="callout">', '<div data-node-type="callout-emoji">', '<div data-node-type="callout-text">',
    "</div>", '<div  data-node-type="callout" >', '<div class="x" data-node-type="callout">', "💡", "Note",
    "<b>x</b>", "\n", "\n\n", "- ", "> ", "    ", "```\n", "`", "text",
    # Spellings the reader does not take today: a looser reader must still be matched by the mark.
    "<div data-node-type='callout'>", "<div data-node-type=callout>", '<DIV DATA-NODE-TYPE="callout">',
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(CALLOUT_PIECES), max_size=25).map("".join))
def test_pass_one_marks_every_post_the_reader_finds_a_callout_in(body: str) -> None:
    # Pass one marks a post by a substring search: every callout the reader then finds, in any
    # container, must be in a marked post, or a worker would load markdownify after all.
    import tempfile

    from hashmigrate.hashnode.backup import BackupReader, Header, build
    from hashmigrate.model import Callout, Post

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "clw0000000000000000000000.md").write_text(
            f"---\ntitle: T\nslug: t\ndatePublished: 2024-02-12\n---\n\n{body}", encoding="utf-8"
        )
        (header,) = [u for u in BackupReader(Path(folder)).units() if isinstance(u, Header)]
        post = build(header, None)
    assert isinstance(post, Post)
    found = any(isinstance(c.node, Callout) for c in post.tree.constructs)
    assert header.callouts or not found


def test_pass_one_marks_the_posts_with_a_callout(tmp_path: Path) -> None:
    from hashmigrate.hashnode.backup import BackupReader, Header

    units = list(BackupReader(plain_blog(tmp_path / "blog", 11, callouts=True)).units())
    assert [unit.callouts for unit in units if isinstance(unit, Header)] == [n % 5 == 0 for n in range(11)]


@pytest.mark.parametrize("reads", ["posts", "images"])
def test_a_finish_hook_gets_what_it_reads_with_workers_or_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reads: str
) -> None:
    # A finish hook that reads only images (WordPress's) gets each post without its body and tree,
    # which spares the workers sending every tree back; one that reads posts (the default) gets them
    # whole. Either way the same with one process or with workers.
    from exporters.hugo import HugoExporter
    from hashmigrate import registry

    got: list[tuple[str, bool, list[str], int]] = []

    class Recording(HugoExporter):
        finish_reads = reads

        def finish(self, rendered: Any, site: Any) -> tuple[()]:
            for result in rendered:
                post = result.post
                sources = [image.src for image in post.images()]
                got.append((post.slug, post.document is not None, sources, len(post.body)))
            return ()

    monkeypatch.setattr(registry, "create", lambda name, **options: Recording())
    monkeypatch.setattr(api, "_START_METHOD", "fork")
    # Where posts lose their trees: in the workers, before they are sent back (forked with this patch).
    log = tmp_path / "trimmed"
    trim = api.images_only

    def trimming(rendered: Any) -> Any:
        if rendered.post.document is not None:
            with log.open("a", encoding="utf-8") as file:
                file.write(f"{os.getpid()}\n")
        return trim(rendered)

    monkeypatch.setattr(api, "images_only", trimming)
    source = blog(tmp_path)
    runs = []
    for workers in (1, 2):
        got.clear()
        hashmigrate.convert(
            source, to="recording", out=tmp_path / f"out{workers}", drafts=True, workers=workers
        )
        runs.append(sorted(got))
    assert runs[0] == runs[1] and len(runs[0]) >= 9
    read = {post.slug: post for post in hashmigrate.load(source, drafts=True)}
    for slug, has_tree, sources, body in runs[0]:
        assert sources == [image.src for image in read[slug].images()]
        if reads == "posts":
            assert has_tree and body > len(sources)
        else:
            assert not has_tree and body == len(sources)
    assert any(sources for _, _, sources, _ in runs[0])  # the examples have images
    if reads == "images":
        # One process trims each post itself; with workers, the workers trimmed every post.
        pids = log.read_text(encoding="utf-8").split()
        one, two = pids[: len(runs[0])], pids[len(runs[0]) :]
        assert set(one) == {str(os.getpid())} and len(two) == len(runs[0])
        assert str(os.getpid()) not in two


def test_a_worker_sends_back_no_rendering_of_a_post_it_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without a finish hook the parent needs only what a worker wrote (the outcome and the writer's
    # record), not the rendering; a post it did not write comes back without its body and tree.
    from exporters.hugo import HugoExporter
    from hashmigrate.exporter import Site
    from hashmigrate.hashnode.backup import BackupReader, Header
    from hashmigrate.links import LinkIndex

    units = [u for u in BackupReader(plain_blog(tmp_path / "blog", 3)).units() if isinstance(u, Header)]
    chunk: Any = [(unit, api._Planned(unit.path, unit.slug)) for unit in units]
    writer = delivery.FolderWriter(tmp_path / "out")
    for target in (writer, None):
        shared = api._Shared(HugoExporter(), Site(), LinkIndex(), None, True, keep_posts=False, writer=target)
        monkeypatch.setattr(api, "_SHARED", shared)
        done = api._worker_chunk(chunk)
        assert [outcome.status for outcome, _, _ in done] == ["written"] * 3
        if target is not None:
            assert all(rendered is None and written is not None for _, rendered, written in done)
            assert len(list((tmp_path / "out").rglob("index.md"))) == 3
        else:
            for _, rendered, written in done:
                assert written is None and rendered is not None and rendered.files
                assert rendered.post.body == () and rendered.post.document is None
