"""Disk and state faults through the real command: one clear line, the right exit code, nothing lost.

The output side: every OSError while writing (a full disk, a quota, a read-only file system, permission,
a file where a folder should be, a name too long) is one ``hashmigrate:`` line naming the file and
saying what happened; a full or read-only disk stops the run at once; every file there before is intact;
the report is still written (elsewhere when its own disk refuses). Faults are injected at the delivery
layer for every kind and place (a property test), and made for real on a small tmpfs (CI runs as root,
so ``chmod`` would not stop anything, but a full or read-only file system stops root too).

The state side: every SQLite failure of the state file (a damaged page, not a database, locked,
read-only) is one line saying how to recover, exit 2; moving a damaged file aside then works.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.examples import examples
from test_hostile import write_post
from typer.testing import CliRunner

from hashmigrate import delivery
from hashmigrate.cli import app
from hashmigrate.delivery import JOURNAL, MANIFEST
from hashmigrate.publish.state import StateError, StateStore, explain

EXAMPLES = Path(__file__).parent.parent / "examples" / "blog"
runner = CliRunner()

DISK_WIDE = [errno.ENOSPC, errno.EDQUOT, errno.EROFS]
FILE_LEVEL = [errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG, errno.EIO]
WORDS = {
    errno.ENOSPC: "the output disk is full",
    errno.EDQUOT: "the disk quota of the output is used up",
    errno.EROFS: "the output is on a read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOTDIR: "a part of its path is a file, not a folder",
    errno.EISDIR: "a folder is in the way",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EIO: os.strerror(errno.EIO),
}


def error_lines(stderr: str) -> list[str]:
    """The lines that are not progress (``-q`` is used, so there is none)."""
    return [line for line in stderr.splitlines() if line.strip()]


def assert_clean(code: int, stderr: str) -> None:
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    assert code in {0, 1, 2}, (code, stderr)
    assert all(line.startswith("hashmigrate: ") for line in error_lines(stderr)), stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def make_blog(folder: Path, count: int, body: str) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    for index in range(1, count + 1):
        write_post(folder, index, f"Post {index}", f"post-{index}", body=body)


# ---- faults injected at the delivery layer ----------------------------------------------------------


class Injected:
    """Raise ``OSError(code)`` from the ``at``-th write under ``out`` through ``how`` (and, for an error
    that means the whole disk, from every one after it, as a full disk does)."""

    def __init__(self, out: Path, how: str, at: int, code: int) -> None:
        self.out = str(out.resolve())
        self.how = how
        self.at = at
        self.code = code
        self.calls = 0
        self.failed: list[str] = []

    def hit(self, path: str) -> None:
        if not str(Path(path).resolve()).startswith(self.out):
            return
        self.calls += 1
        if self.calls == self.at or (self.calls > self.at and self.code in DISK_WIDE):
            self.failed.append(path)
            raise OSError(self.code, os.strerror(self.code), path)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        with pytest.MonkeyPatch.context() as patch:
            if self.how == "replace":
                real_replace = os.replace

                def replace(src: Any, dst: Any, **kwargs: Any) -> None:
                    self.hit(str(dst))
                    real_replace(src, dst, **kwargs)

                patch.setattr(delivery.os, "replace", replace)
            elif self.how == "mkstemp":
                real_mkstemp = tempfile.mkstemp

                def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
                    self.hit(str(kwargs.get("dir", ".")) + "/x")
                    return real_mkstemp(*args, **kwargs)

                patch.setattr(delivery.tempfile, "mkstemp", mkstemp)
            else:  # the journal every write is noted in first
                real_open = Path.open

                def path_open(path: Path, *args: Any, **kwargs: Any) -> Any:
                    if path.name == JOURNAL and args[:1] == ("a",):  # written, not read
                        self.hit(str(path))
                    return real_open(path, *args, **kwargs)

                patch.setattr(Path, "open", path_open)
            yield


@examples(40, 120)
@given(
    count=st.integers(1, 5),
    how=st.sampled_from(["replace", "mkstemp", "journal"]),
    at=st.integers(1, 7),
    code=st.sampled_from(DISK_WIDE + FILE_LEVEL),
)
def test_any_write_error_is_one_clear_line_and_loses_nothing(
    tmp_path_factory: pytest.TempPathFactory, count: int, how: str, at: int, code: int
) -> None:
    """Whatever fails, wherever: no traceback, exit 1, a line naming the failed file and what happened
    (a full or read-only disk: one line for the whole run, which stops there), every page either as it
    was or wholly new, no temporary left, and the report written with every attempted post."""
    tmp = tmp_path_factory.mktemp("fault")
    blog, out, report = tmp / "blog", tmp / "site", tmp / "report" / "r.json"
    make_blog(blog, count, "old body\n")
    assert runner.invoke(app, ["convert", str(blog), "--out", str(out), "-q"]).exit_code == 0
    before = snapshot(out)
    make_blog(blog, count, "new body\n")
    fault = Injected(out, how, at, code)
    with fault.installed():
        ran = runner.invoke(app, ["convert", str(blog), "--out", str(out), "-q", "--report", str(report)])
    assert_clean(ran.exit_code, ran.stderr)
    after = snapshot(out)
    pages = {name: data for name, data in after.items() if name.endswith("index.md")}
    assert not [name for name in after if name.endswith(".tmp")]
    for name, data in pages.items():
        assert data == before[name] or (data == data.replace(b"old body", b"") and b"new body" in data), name
    summary = json.loads(report.read_text(encoding="utf-8"))
    if not fault.failed:  # the fault was set after the last write of the run
        assert ran.exit_code == 0 and summary["ok"]
        return
    assert ran.exit_code == 1 and not summary["ok"]
    assert len(fault.failed) == 1  # a full or read-only disk: not one attempt more
    [line] = error_lines(ran.stderr)
    assert WORDS[code] in line, (line, code)
    failed = Path(fault.failed[0])
    named = failed.parent if how == "mkstemp" else failed  # mkstemp is told the folder only
    assert str(named.relative_to(out.resolve())) in line, line
    statuses = [p["status"] for p in summary["posts"]]
    if "cannot save the manifest" in line:  # every post written; only the manifest could not be saved
        assert statuses == ["written"] * count and MANIFEST in line
        assert failed.name == MANIFEST or how == "mkstemp"
    elif code in DISK_WIDE or how == "journal":  # the run stops at the post that could not be written
        assert statuses == ["written"] * (len(statuses) - 1) + ["failed"]
        assert f"stopped at post {len(statuses)} of {count}" in line
    else:  # one file failed: every other post is converted
        assert sorted(statuses) == ["failed"] + ["written"] * (count - 1)


def test_a_full_disk_stops_at_the_first_post_it_cannot_write(tmp_path: Path) -> None:
    blog, out = tmp_path / "blog", tmp_path / "site"
    make_blog(blog, 40, "body\n")
    fault = Injected(out, "replace", 3, errno.ENOSPC)
    with fault.installed():
        ran = runner.invoke(app, ["convert", str(blog), "--out", str(out), "-q"])
    assert ran.exit_code == 1
    [line] = error_lines(ran.stderr)
    assert "the output disk is full while writing" in line and "index.md" in line
    assert "stopped at post 3 of 40" in line
    assert len(fault.failed) == 1  # not one more attempt after it
    assert (out / JOURNAL).is_file()  # the manifest could not be saved: the journal knows the two pages
    again = runner.invoke(app, ["convert", str(blog), "--out", str(out), "-q"])
    assert again.exit_code == 0, again.stderr
    assert "2 unchanged" in again.stdout and "38 written" in again.stdout


# ---- a real full and a real read-only file system ------------------------------------------------------


@contextlib.contextmanager
def small_disk(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``where`` (root only; CI runs as root)."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(path: Path) -> None:
    """Take whatever room is left on the disk of ``path``."""
    with contextlib.suppress(OSError), path.open("wb", buffering=0) as handle:
        while True:
            handle.write(b"\0" * 4096)


def read_only(where: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hashmigrate", *args], capture_output=True, text=True, timeout=300
    )


def test_a_really_full_output_disk(tmp_path: Path) -> None:
    blog = tmp_path / "blog"
    shutil.copytree(EXAMPLES, blog)
    with small_disk(tmp_path / "site", "160k") as out:
        assert cli("convert", str(blog), "--out", str(out), "-q").returncode == 0
        before = snapshot(out)
        # Posts that no longer fit: each page grows by about 48 KB.
        for path in sorted(blog.glob("c*.md")):
            path.write_text(path.read_text(encoding="utf-8") + "\nfiller text\n" * 4000, encoding="utf-8")
        report = tmp_path / "report.json"
        done = cli("convert", str(blog), "--out", str(out), "-q", "--report", str(report))
        assert_clean(done.returncode, done.stderr)
        assert done.returncode == 1
        [line] = error_lines(done.stderr)
        assert "the output disk is full while writing " + str(out) in line and "stopped at post" in line
        after = snapshot(out)
        for name, data in before.items():  # every page as it was, or wholly the new one
            assert after[name] == data or after[name].count(b"filler text") == 4000, name
        assert not [name for name in after if name.endswith(".tmp")]
        summary = json.loads(report.read_text(encoding="utf-8"))
        assert summary["ok"] is False and any(
            "disk is full" in (p["message"] or "") for p in summary["posts"]
        )

        # The report asked for on the full disk: written to the temporary folder, and said so.
        fill(out / "filler")
        inside = out / "report.json"
        done = cli("convert", str(blog), "--out", str(out), "-q", "--report", str(inside))
        assert_clean(done.returncode, done.stderr)
        assert done.returncode == 1 and not inside.exists()
        moved = [line for line in error_lines(done.stderr) if "cannot write the report" in line]
        assert len(moved) == 1 and "written to " in moved[0], done.stderr
        spare = Path(moved[0].rsplit("written to ", 1)[1].removesuffix(" instead"))
        try:
            assert json.loads(spare.read_text(encoding="utf-8"))["ok"] is False
        finally:
            spare.unlink()


def test_a_really_read_only_output_disk(tmp_path: Path) -> None:
    blog = tmp_path / "blog"
    shutil.copytree(EXAMPLES, blog)
    with small_disk(tmp_path / "site", "1m") as out:
        assert cli("convert", str(blog), "--out", str(out), "-q").returncode == 0
        before = snapshot(out)
        page = next(blog.glob("c*.md"))
        page.write_text(page.read_text(encoding="utf-8") + "\nchanged\n", encoding="utf-8")
        read_only(out)
        done = cli("convert", str(blog), "--out", str(out), "-q")
        assert_clean(done.returncode, done.stderr)
        assert done.returncode == 1
        [line] = error_lines(done.stderr)
        assert "the output is on a read-only file system while writing " + str(out) in line
        assert snapshot(out) == before


# ---- the state file -----------------------------------------------------------------------------------


def sync_config(tmp: Path, targets: str = '[[targets]]\ntype = "hugo"\nout = "site"\n') -> Path:
    blog = tmp / "blog"
    if not blog.exists():
        shutil.copytree(EXAMPLES, blog)
    config = tmp / "hashmigrate.toml"
    config.write_text(f'[source]\ntype = "backup"\npath = "blog"\n\n{targets}', encoding="utf-8")
    return config


def damage(path: Path, offset: int, garbage: bytes) -> None:
    with path.open("r+b") as handle:
        handle.seek(offset)
        handle.write(garbage)


@functools.cache
def big_state() -> bytes:
    """A state file of many pages (a few hundred posts on two targets), made once."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.db"
        _fill_state(path)
        return path.read_bytes()


def _fill_state(path: Path) -> None:
    with StateStore(path) as store:
        for index in range(400):
            for target in ("devto:https://dev.to/api", "hugo:/site"):
                store.delivered(
                    target,
                    f"c{index:024d}",
                    remote_id=str(index),
                    remote_url=f"https://dev.to/a/{index}",
                    content_hash=hashlib.sha256(str(index).encode()).hexdigest(),
                    public=True,
                    outcome="created",
                )


@examples(30, 150)
@given(where=st.floats(0.0, 0.999), garbage=st.binary(min_size=1, max_size=9000))
def test_a_state_file_damaged_anywhere_is_a_state_error_or_still_works(
    tmp_path_factory: pytest.TempPathFactory, where: float, garbage: bytes
) -> None:
    """Every use of the store either works or raises StateError with the recovery: nothing else."""
    state = tmp_path_factory.mktemp("state") / "state.db"
    state.write_bytes(big_state())
    damage(state, int(state.stat().st_size * where), garbage)
    uses: list[Callable[[StateStore], object]] = [
        lambda s: s.records("devto:https://dev.to/api"),
        lambda s: s.get("hugo:/site", "c" + "0" * 24),
        lambda s: s.rows_digest("hugo:/site"),
        lambda s: s.remote_ids("devto:https://dev.to/api"),
        lambda s: s.begin("devto:https://dev.to/api", "new", "0" * 64),
        lambda s: s.record_run("hugo", "f" * 64, "hugo:/site", "{}"),
        lambda s: s.last_run("hugo"),
    ]
    for use in uses:
        try:
            with StateStore(state) as store:
                use(store)
        except StateError as exc:
            message = str(exc)
            assert str(state) in message and "\n" not in message
            assert "the state file is damaged" in message and "move it aside" in message
            assert "no duplicate" in message


def test_a_damaged_state_file_is_one_line_exit_2_and_moving_it_aside_recovers(tmp_path: Path) -> None:
    config = sync_config(tmp_path)
    sync = ["sync", "--config", str(config), "-q"]
    assert runner.invoke(app, sync).exit_code == 0
    state = tmp_path / ".hashmigrate" / "state.db"
    size = state.stat().st_size
    damage(state, size // 3, b"\xa5" * (size // 3))
    touched = next((tmp_path / "blog").glob("c*.md"))
    touched.write_text(touched.read_text(encoding="utf-8") + "\nmore\n", encoding="utf-8")
    ran = runner.invoke(app, sync)
    assert ran.exit_code == 2, ran.stderr
    [line] = error_lines(ran.stderr)
    assert "the state file is damaged" in line and f"mv {state} {state}.damaged" in line
    state.rename(state.with_name("state.db.damaged"))
    again = runner.invoke(app, [*sync, "--json"])
    assert again.exit_code == 0, again.stderr
    counts = json.loads(again.stdout)["targets"][0]["counts"]
    assert counts == {"unchanged": 9, "written": 1}  # what was there is taken as it is, no second copy


@pytest.mark.parametrize("command", ["sync", "publish"])
def test_a_file_that_is_not_a_database_is_one_line_exit_2(tmp_path: Path, command: str) -> None:
    config = sync_config(tmp_path)
    state = tmp_path / ".hashmigrate" / "state.db"
    state.parent.mkdir()
    state.write_bytes(b"these are my notes, not a database\n" * 200)
    if command == "sync":
        ran = runner.invoke(app, ["sync", "--config", str(config), "-q"])
    else:
        env = {"DEVTO_API_KEY": "k" * 24}
        args = ["publish", str(tmp_path / "blog"), "--to", "devto", "--state", str(state), "-q"]
        ran = runner.invoke(app, [*args, "--api-url", "http://127.0.0.1:9"], env=env)
    assert ran.exit_code == 2, ran.stderr
    [line] = error_lines(ran.stderr)
    assert "the state file is damaged" in line and "move it aside" in line
    assert state.read_bytes().startswith(b"these are my notes")  # left as it was


def test_a_locked_state_file_says_so(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    StateStore(state).close()
    holder = sqlite3.connect(state, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        other = sqlite3.connect(state, timeout=0.05, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError) as caught:
            other.execute("BEGIN IMMEDIATE")
        other.close()
    finally:
        holder.close()
    message = explain(state, caught.value)
    assert "locked by another program" in message and "run again" in message


def test_a_state_folder_on_a_read_only_disk_is_one_line_exit_2(tmp_path: Path) -> None:
    config = sync_config(
        tmp_path, '[state]\npath = "ro/state.db"\n\n[[targets]]\ntype = "hugo"\nout = "site"\n'
    )
    with small_disk(tmp_path / "ro", "1m") as folder:
        read_only(folder)
        ran = runner.invoke(app, ["sync", "--config", str(config), "-q"])
    assert ran.exit_code == 2, ran.stderr
    [line] = error_lines(ran.stderr)
    assert "state.db" in line and ("read-only" in line.lower() or "writable" in line), line


def test_a_state_path_under_a_file_is_one_line_exit_2(tmp_path: Path) -> None:
    config = sync_config(
        tmp_path,
        '[state]\npath = "blog/c-not-a-folder/x.db"\n\n' + '[[targets]]\ntype = "hugo"\nout = "site"\n',
    )
    (tmp_path / "blog" / "c-not-a-folder").write_text("x")
    ran = runner.invoke(app, ["sync", "--config", str(config), "-q"])
    assert ran.exit_code == 2, ran.stderr
    [line] = error_lines(ran.stderr)
    assert "x.db" in line and "is a file, not a folder" in line


def test_an_image_cache_on_a_full_disk_is_reported_and_the_posts_still_convert(tmp_path: Path) -> None:
    from support.image_server import ImageServer
    from test_images import blog_on

    with ImageServer(latency=0.0) as server, small_disk(tmp_path / "cache", "64k") as cache:
        blog = blog_on(server, tmp_path)
        fill(cache / "filler")
        out = tmp_path / "site"
        args = ["convert", str(blog), "--out", str(out), "-q", "-v", "--download-images", "--image-cache"]
        ran = runner.invoke(app, [*args, str(cache)])
    assert_clean(ran.exit_code, ran.stderr)
    assert ran.exit_code == 0, ran.stderr  # every post converted; the images stay on their old host
    assert re.search(r"images: 0 downloaded, 0 from the cache, [1-9]\d* failed", ran.stdout), ran.stdout
    assert len(list(out.glob("content/posts/*/index.md"))) == 10
    assert f"cannot keep it in the image cache {cache}: No space left on device" in ran.stdout


def test_an_image_cache_index_that_cannot_be_saved_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.image_server import ImageServer
    from test_images import blog_on

    from hashmigrate.assets import ImageCache

    def full(self: ImageCache) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(ImageCache, "save", full)
    with ImageServer(latency=0.0) as server:
        blog = blog_on(server, tmp_path)
        args = ["convert", str(blog), "--out", str(tmp_path / "site"), "-q", "--download-images"]
        ran = runner.invoke(app, [*args, "--image-cache", str(tmp_path / "cache")])
    assert_clean(ran.exit_code, ran.stderr)
    assert ran.exit_code == 1
    [line] = error_lines(ran.stderr)
    assert (
        line
        == f"hashmigrate: cannot save the image cache index {tmp_path / 'cache'}: No space left on device"
    )
    assert (
        len(list((tmp_path / "site").glob("content/posts/*/*.png"))) > 0
    )  # the images were used all the same


def test_an_output_folder_without_write_permission_is_one_line(tmp_path: Path) -> None:
    """As a process that permissions apply to (root's file capabilities dropped, as CI runs as root)."""
    from test_hostile import run_unprivileged

    blog, out = tmp_path / "blog", tmp_path / "site"
    make_blog(blog, 5, "body\n")
    out.mkdir()
    out.chmod(0o555)
    try:
        done = run_unprivileged(["convert", str(blog), "--out", str(out), "-q"])
    finally:
        out.chmod(0o755)
    assert_clean(done.returncode, done.stderr)
    assert done.returncode == 1
    [line] = error_lines(done.stderr)
    assert f"permission denied while writing {out.resolve() / JOURNAL}: stopped at post 1 of 5" in line
    assert list(out.iterdir()) == []
