"""Worker processes: the same files, results and problems as one process, with either start method."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import hashmigrate
from hashmigrate import api, delivery

EXAMPLES = Path(__file__).parent.parent / "examples" / "blog"


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
