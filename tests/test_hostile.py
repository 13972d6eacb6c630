"""Hostile input: names that try to leave the output folder or collide, posts too big or too deep,
writes killed half-way, and the mistakes users make on the command line.

Every output must land inside ``--out`` (the output folder is made inside a sandbox folder whose other
contents are checked too), no two posts may share a file, and every slug that had to change says so in a
``slug-changed`` note. Bugs found here are pinned by strict ``xfail`` tests whose reason starts ``BUG-``.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import json
import os
import re
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests
import test_hugo
import test_jekyll
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from support.hostile import EMBED_SCRIPT, PAYLOADS, hostile_post_file, script_problems
from test_hugo import build as hugo_build
from test_hugo import make_site
from test_jekyll import convert_with_cli, jekyll_build
from test_publish_wordpress import get as wp_get
from test_publish_wordpress import run as publish_wordpress
from typer.testing import CliRunner

import hashmigrate
from exporters.hugo import HugoExporter
from exporters.jekyll import JekyllExporter
from exporters.wordpress import WordPressExporter
from exporters.wordpress_publish import WordPressPublisher
from hashmigrate import delivery
from hashmigrate.cli import app
from hashmigrate.delivery import MANIFEST, FolderWriter, atomic_write
from hashmigrate.embeds import classify
from hashmigrate.exporter import Site
from hashmigrate.hashnode.markdown import parse_body
from hashmigrate.model import Embed, Html, Post, Tag
from hashmigrate.urls import safe_url

if TYPE_CHECKING:
    from support.wordpress import WordPressSite

ROOT = Path(__file__).resolve().parent.parent
WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {f"{p}{i}" for p in ("com", "lpt") for i in range(1, 10)}
runner = CliRunner()


# ---- helpers ------------------------------------------------------------------------------------------


def quoted(value: str) -> str:
    """A YAML double-quoted scalar holding exactly ``value`` (NUL and control characters included)."""
    return json.dumps(value, ensure_ascii=True)


def write_post(
    folder: Path, index: int, title: str, slug: str | None, *, cuid: str | None = None, body: str = "Body.\n"
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        f"title: {quoted(title)}",
        "datePublished: Sun Mar 12 2023 06:29:29 GMT+0000 (Coordinated Universal Time)",
    ]
    lines.append(f"cuid: {quoted(cuid if cuid is not None else f'c{index:024d}')}")
    if slug is not None:
        lines.append(f"slug: {quoted(slug)}")
    path = folder / f"c{index:024d}.md"
    path.write_text("---\n" + "\n".join(lines) + "\n---\n\n" + body, encoding="utf-8")
    return path


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def front_matter(path: Path) -> dict[str, Any]:
    lines = path.read_text(encoding="utf-8").split("\n")
    end = lines.index("---", 1)
    meta = yaml.safe_load("".join(line + "\n" for line in lines[1:end]))
    assert isinstance(meta, dict)
    return meta


class Sandbox:
    """``tmp/sandbox/out`` for the output and ``tmp/blog`` for the source; ``check`` proves that
    nothing was written anywhere but inside ``out``."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.source = tmp / "blog"
        self.sandbox = tmp / "sandbox"
        self.out = self.sandbox / "out"
        self.source.mkdir()
        self.sandbox.mkdir()
        self._before: dict[str, str] = {}

    def freeze(self) -> None:
        """Remember everything outside ``out``: call it once the test has set the scene."""
        self._before = self._snapshot()

    def convert(self, **options: Any) -> hashmigrate.ConvertResult:
        self.freeze()
        return hashmigrate.convert(self.source, to="hugo", out=self.out, **options)

    def invoke(self, *args: str) -> Any:
        self.freeze()
        return runner.invoke(app, ["convert", str(self.source), "--out", str(self.out), *args])

    def _snapshot(self) -> dict[str, str]:
        seen: dict[str, str] = {}
        for path in sorted(self.tmp.rglob("*")):
            if path.is_relative_to(self.out) and path != self.out:
                continue
            seen[str(path)] = (
                "link"
                if path.is_symlink()
                else "dir"
                if path.is_dir()
                else hashlib.sha256(path.read_bytes()).hexdigest()
            )
        return seen

    def check(self) -> list[Path]:
        """Everything outside ``out`` is as it was; every file inside resolves inside; returns them."""
        assert self._before, "freeze() was not called"
        after = self._snapshot()
        after.pop(str(self.out), None)
        before = dict(self._before)
        before.pop(str(self.out), None)
        assert after == before, "something outside the output folder was created or changed"
        root = self.out.resolve()
        found = files_under(self.out) if self.out.exists() else []
        for path in found:
            assert path.resolve().is_relative_to(root), f"{path} resolves outside {root}"
        return found


@pytest.fixture
def box(tmp_path: Path) -> Sandbox:
    return Sandbox(tmp_path)


def assert_portable(path: Path, out: Path) -> None:
    """A path any file system takes: short components, no control or reserved names."""
    for part in path.relative_to(out).parts:
        assert len(part.encode("utf-8")) <= 255, part
        assert not re.search(r"[\x00-\x1f\x7f<>:\"\\|?*]", part), part
        assert part.split(".")[0].lower() not in WINDOWS_RESERVED, part
        assert not part.endswith((" ", ".")) and part not in {".", ".."}, part


def check_result(result: hashmigrate.ConvertResult, box: Sandbox, hashnode_slugs: dict[str, str]) -> None:
    """No two posts share a file; each file holds its own post; renamed slugs have a note."""
    files = box.check()
    pages = [p for p in files if p.name == "index.md"]
    written = [post for post in result.posts if post.status == "written"]
    assert len(pages) == len(written), "a post overwrote another (fewer pages than posts written)"
    paths = [Path(path) for post in written for path in post.paths]
    assert len(paths) == len(set(paths)) == len(pages)
    keys = {unicodedata.normalize("NFC", str(p.relative_to(box.out))).casefold() for p in pages}
    assert len(keys) == len(pages), "two pages differ only in case or Unicode normalisation"
    for post in written:
        (page,) = (Path(p) for p in post.paths)
        assert_portable(page, box.out)
        assert front_matter(page)["title"] == post.title, f"{page} holds another post"
        if post.slug != hashnode_slugs[post.source]:
            assert "slug-changed" in {n.kind for n in post.notes}, f"{post.source}: renamed without a note"


def hashnode_slugs(source: Path) -> dict[str, str]:
    return {post.label: post.slug for post in hashmigrate.load(source, drafts=True)}


# ---- hostile names ------------------------------------------------------------------------------------
# Slug values put in front matter (a file name cannot hold NUL or "/", front matter can). Absolute paths
# and "../" chains aim at the sandbox's parent, where check() would see anything created.
def hostile_slugs(tmp: Path) -> list[str]:
    return [
        "../../../../escaped", "../../../../../../../../../../tmp/escaped-too", "..", ".", "...", "../",
        str(tmp / "absolute-escape"), "/etc/cron.d/evil", "a/b/c", "a\\b\\..\\..\\c", "C:\\Windows\\evil",
        "\\\\server\\share\\x", "%2e%2e%2f%2e%2e%2fencoded", "..%2f..%2fescaped", "evil\x00name", "\x00",
        "tab\there", "new\nline", "\x1b[31mred\x1b[0m", "del\x7f", "\u202eright-to-left", "zero\u200bwidth",
        "con", "CON", "nul", "Com1", "LPT9", "aux.md", "con.txt", "prn ", "trailing.", "trailing ", "-", "--",
        "_", "~", "$HOME", "`rm -rf ~`", "a:b", 'a*b?c<d>e|f"g', "index.md", MANIFEST, "hugo-config-snippet.toml",
        "x" * 1000, "é" * 500, "😀" * 250, "a" * 254 + "-1", "a" * 254 + "-2", " ", "",
    ]  # fmt: skip


def test_hostile_slugs_stay_inside_out_and_never_collide(box: Sandbox) -> None:
    slugs = hostile_slugs(box.tmp)
    for index, slug in enumerate(slugs):
        write_post(box.source, index, f"Post {index}", slug)
    result = box.convert()
    assert result.counts() == {"written": len(slugs)}, [p.message for p in result.posts if p.message]
    check_result(result, box, hashnode_slugs(box.source))
    assert not (box.tmp / "escaped").exists() and not (box.tmp / "absolute-escape").exists()
    assert not Path("/tmp/escaped-too").exists()


def test_hostile_slugs_through_the_cli(box: Sandbox) -> None:
    slugs = hostile_slugs(box.tmp)
    for index, slug in enumerate(slugs):
        write_post(box.source, index, f"Post {index}", slug)
    result = box.invoke("-q", "--report", str(box.out / "r.json"))
    assert result.exit_code == 0, result.stderr
    report = json.loads((box.out / "r.json").read_text(encoding="utf-8"))
    assert report["counts"] == {"written": len(slugs)}
    pages = [p for p in box.check() if p.name == "index.md"]
    assert len(pages) == len(slugs)
    for page in pages:
        assert_portable(page, box.out)


def test_slugs_differing_only_in_case_or_normalisation_get_their_own_folders(box: Sandbox) -> None:
    slugs = [
        "Hello-World", "hello-world", "HELLO-WORLD", unicodedata.normalize("NFC", "café"),
        unicodedata.normalize("NFD", "café"), "straße", "STRASSE", "\u01c5emal", "\u01c6emal", "\u2126-ohm", "\u03a9-ohm",
    ]  # fmt: skip
    for index, slug in enumerate(slugs):
        write_post(box.source, index, f"Post {index}", slug)
    result = box.convert()
    assert result.counts() == {"written": len(slugs)}
    check_result(result, box, hashnode_slugs(box.source))
    renamed = [n for n in result.notes if n.kind == "slug-changed"]
    assert len(renamed) >= 6  # every second spelling of the same name


def test_a_post_published_again_under_the_same_slug_is_one_post_not_an_overwrite(box: Sandbox) -> None:
    write_post(box.source, 1, "Old copy", "same")
    newer = write_post(box.source, 2, "New copy", "same")
    newer.write_text(newer.read_text().replace("Sun Mar 12 2023", "Mon Mar 13 2023"))
    result = box.convert()
    assert result.counts() == {"written": 1, "skipped": 1}
    (page,) = [p for p in box.check() if p.name == "index.md"]
    assert front_matter(page)["title"] == "New copy"
    assert any(n.kind == "duplicate-slug" for n in result.notes)


def test_hostile_cuids_and_file_names(box: Sandbox) -> None:
    """A cuid becomes the slug when the title gives none (an emoji-only title) and names duplicates."""
    cuids = ["../../../../escaped", "/etc/passwd", "con", "evil\x00cuid", "a/b", "😀" * 250, "x" * 1000, ""]
    for index, cuid in enumerate(cuids):
        write_post(box.source, index, "🚀🚀", None, cuid=cuid)
    # Two different posts with the same title and no slug: the second is named with its cuid.
    write_post(box.source, 50, "Same title", None, cuid="../../../../dup", body="one\n")
    write_post(box.source, 51, "Same title", None, cuid="..\\..\\dup", body="two\n")
    # A file name with shell and Windows specials (a file name cannot hold "/" or NUL).
    (box.source / "we:ird*name?.md").write_text(
        '---\ntitle: "Weird"\nslug: weird\ndatePublished: 2023-01-01\n---\n\nx\n', encoding="utf-8"
    )
    result = box.convert()
    assert result.counts() == {"written": len(cuids) + 3}, [p.message for p in result.posts if p.message]
    check_result(result, box, hashnode_slugs(box.source))
    assert not (box.tmp / "escaped").exists() and not (box.tmp / "dup").exists()


@pytest.mark.parametrize("slug", ["COM\u00b9", "lpt\u00b3"])
def test_superscript_windows_device_names_are_renamed(box: Sandbox, slug: str) -> None:
    write_post(box.source, 1, "Device", slug)
    (post,) = box.convert().posts
    assert post.slug is not None and post.slug.casefold() != slug.casefold()


def test_a_long_multibyte_cuid_as_fallback_is_cut_to_a_valid_file_name(box: Sandbox) -> None:
    write_post(box.source, 1, "Reserved", "con", cuid="é" * 300)
    result = box.convert()
    assert result.counts() == {"written": 1}, [p.message for p in result.posts]


def test_posts_from_the_library_with_one_slug_do_not_overwrite_each_other(box: Sandbox) -> None:
    when = datetime(2023, 1, 1, tzinfo=UTC)
    posts = [
        Post(title="One", slug="hello", body=(), published=when),
        Post(title="Two", slug="hello", body=(), published=when),
    ]
    box.freeze()
    result = hashmigrate.convert(posts, to="hugo", out=box.out)
    pages = [p for p in box.check() if p.name == "index.md"]
    assert sorted(front_matter(p)["title"] for p in pages) == ["One", "Two"], [p.paths for p in result.posts]


def test_a_file_name_with_a_newline_gives_one_error_line(box: Sandbox) -> None:
    name = "evil\nhashmigrate: all good.md"
    (box.source / name).write_bytes(b'---\ntitle: "X"\nslug: x\n---\n\n\x00binary\n')
    result = box.invoke("-q")
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# ---- symlinks -----------------------------------------------------------------------------------------


def test_a_symlinked_output_folder_is_written_through(box: Sandbox) -> None:
    real = box.sandbox / "real-site"
    real.mkdir()
    box.out.symlink_to(real, target_is_directory=True)
    write_post(box.source, 1, "One", "one")
    result = box.convert()
    assert result.ok and result.counts() == {"written": 1}
    assert (real / "content" / "posts" / "one" / "index.md").is_file()
    assert sorted(p.name for p in box.sandbox.iterdir()) == ["out", "real-site"]


_TREE_PARTS = ["a", "b", "in", "out", "f.md", "up.md", "gone.md"]


@functools.cache
def _tree_with_links() -> Path:
    """An output folder with links in it, made once per test run: a folder ``a`` (with ``f.md``), a link
    ``in`` to it, a link ``out`` to a folder outside, and in ``a`` a link ``up.md`` to a file outside
    and a dangling ``gone.md``."""
    root = Path(tempfile.mkdtemp(prefix="hashmigrate-links-"))
    (root / "outside").mkdir()
    (root / "outside" / "x.md").write_text("x")
    out = root / "out"
    (out / "a").mkdir(parents=True)
    (out / "a" / "f.md").write_text("f")
    (out / "in").symlink_to(out / "a", target_is_directory=True)
    (out / "out").symlink_to(root / "outside", target_is_directory=True)
    (out / "a" / "up.md").symlink_to(root / "outside" / "x.md")
    (out / "a" / "gone.md").symlink_to(root / "outside" / "nothing.md")
    return out


_FOLDERS: dict[str, Path] = {}  # shared by every example, as one run's writer shares it


@given(st.lists(st.sampled_from(_TREE_PARTS), min_size=1, max_size=4).map("/".join))
@settings(max_examples=300, deadline=None)
def test_resolving_with_remembered_folders_decides_as_resolving_each_path(relative: str) -> None:
    # FolderWriter remembers each folder it resolved; for any path through links inside and outside
    # the output folder, that must refuse and accept exactly what resolving the whole path does.
    out = _tree_with_links()
    root = out.resolve()

    def outcome(folders: dict[str, Path] | None) -> Path | None:
        try:
            return delivery.resolve_inside(out, relative, root, folders)
        except delivery.UnsafePath:
            return None

    assert outcome(_FOLDERS) == outcome(None)
    # The inside check compares text; Path.parents decides the same.
    whole = (root / relative).resolve()
    assert (outcome(None) is not None) == (whole == root or root in whole.parents)


@given(st.dictionaries(st.text(), st.text(max_size=80), max_size=20), st.integers(0, 2500))
@settings(max_examples=100, deadline=None)
def test_the_manifest_is_written_as_json_dumps_wrote_it(files: dict[str, str], more: int) -> None:
    # Written in pieces (a big blog's manifest at once costs ~40 MB): the same text, any keys and
    # values, pieces of a thousand files ending anywhere.
    files = {**files, **{f"content/posts/p{n}/index.md": f"{n:064x}" for n in range(more)}}
    expected = json.dumps({"files": dict(sorted(files.items()))}, indent=1)
    assert "".join(delivery.manifest_text(files)) == expected


@pytest.mark.parametrize("where", ["bundle-dir", "index-file", "content-dir", "dangling-file"])
def test_a_symlink_inside_out_pointing_outside_is_not_followed(box: Sandbox, where: str) -> None:
    outside = box.sandbox / "outside"
    outside.mkdir()
    victim = outside / "victim.md"
    victim.write_text("precious\n")
    write_post(box.source, 1, "One", "one")
    bundle = box.out / "content" / "posts" / "one"
    if where == "bundle-dir":
        bundle.parent.mkdir(parents=True)
        bundle.symlink_to(outside, target_is_directory=True)
    elif where == "index-file":
        bundle.mkdir(parents=True)
        (bundle / "index.md").symlink_to(victim)
    elif where == "content-dir":
        box.out.mkdir()
        (box.out / "content").symlink_to(outside, target_is_directory=True)
    else:
        bundle.mkdir(parents=True)
        (bundle / "index.md").symlink_to(outside / "new-file.md")
    result = box.convert()
    assert victim.read_text() == "precious\n"
    assert sorted(p.name for p in outside.iterdir()) == ["victim.md"]
    (post,) = result.posts
    assert post.status == "failed" and post.message and "outside the output folder" in post.message


def test_a_symlinked_manifest_is_replaced_not_written_through(box: Sandbox) -> None:
    victim = box.sandbox / "victim.json"
    victim.write_text('{"files": {}}')
    box.out.mkdir()
    (box.out / MANIFEST).symlink_to(victim)
    write_post(box.source, 1, "One", "one")
    result = box.convert()
    assert result.ok
    assert victim.read_text() == '{"files": {}}'
    assert not (box.out / MANIFEST).is_symlink()


def _site_file_symlink(box: Sandbox) -> Path:
    victim = box.sandbox / "victim.toml"
    victim.write_text("precious\n")
    box.out.mkdir()
    (box.out / "hugo-config-snippet.toml").symlink_to(victim)
    write_post(box.source, 1, "One", "one")
    return victim


def test_a_symlinked_site_file_is_not_written_through(box: Sandbox) -> None:
    victim = _site_file_symlink(box)
    with contextlib.suppress(delivery.UnsafePath):  # BUG-site-file-symlink: refused, by an exception
        box.convert()
    assert victim.read_text() == "precious\n"


def test_a_symlinked_site_file_is_a_clear_error(box: Sandbox) -> None:
    _site_file_symlink(box)
    result = box.invoke("-q")
    assert result.exit_code in {1, 2}, (result.exit_code, result.exception)
    assert "hugo-config-snippet.toml" in result.stderr and "outside the output folder" in result.stderr


# ---- limits -------------------------------------------------------------------------------------------


def measured(code: str, timeout: float) -> tuple[float, float, str]:
    """Run ``code`` in a fresh interpreter: (seconds, its peak memory in MB, stdout)."""
    code += "\nimport resource\nprint('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    start = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"did not finish in {timeout:.0f} s")
    seconds = time.monotonic() - start
    assert done.returncode == 0, done.stderr
    peak = re.search(r"^PEAK (\d+)$", done.stdout, re.M)
    assert peak is not None
    return seconds, int(peak.group(1)) / 1024, done.stdout  # ru_maxrss is in kB on Linux


def test_a_50_mb_post_is_refused_with_a_clear_error_and_the_rest_converts(box: Sandbox) -> None:
    big = write_post(box.source, 1, "Huge", "huge")
    with big.open("a", encoding="utf-8") as handle:
        line = "A line of an enormous post, with `code` and %[https://youtu.be/abcdefghijk].\n"
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            handle.write(line)
    assert big.stat().st_size > 50 * 1024 * 1024
    write_post(box.source, 2, "Small", "small")
    result = box.invoke("-q")
    assert result.exit_code == 1
    (line_out,) = result.stderr.strip().splitlines()
    assert line_out == f"hashmigrate: {big}: the file is 50 MB; posts over 20 MB are refused"
    assert "1 written" in result.stdout and "1 failed" in result.stdout
    assert [p.parent.name for p in box.check() if p.name == "index.md"] == ["small"]


@pytest.mark.slow
def test_a_50_mb_post_in_a_json_export_finishes_in_bounded_time_and_memory(tmp_path: Path) -> None:
    # The JSON reader has no size limit (the backup reader refuses files over 20 MB): it must still cope.
    export = tmp_path / "export.json"
    body = "Plain text of an enormous post.\n" * (50 * 1024 * 1024 // 32)
    export.write_text(
        json.dumps(
            {
                "posts": [
                    {
                        "title": "Huge",
                        "slug": "huge",
                        "dateAdded": "2023-01-01T00:00:00.000Z",
                        "contentMarkdown": body,
                    }
                ]
            }
        )
    )
    code = f"""
import hashmigrate
r = hashmigrate.convert({str(export)!r}, to="hugo", out={str(tmp_path / "out")!r})
print(dict(r.counts()))
"""
    seconds, peak, stdout = measured(code, timeout=300)
    assert "'written': 1" in stdout
    assert peak < 2048, f"{peak:.0f} MB"
    print(f"50 MB JSON post: {seconds:.1f} s, {peak:.0f} MB")


@pytest.mark.slow
def test_100000_embeds_in_one_post_finish_in_bounded_time_and_memory(tmp_path: Path) -> None:
    source = tmp_path / "blog"
    body = "".join(f"%[https://youtu.be/abcdefghij{i % 10}]\n\n" for i in range(100_000))
    write_post(source, 1, "Embeds", "embeds", body=body)
    code = f"""
import hashmigrate
r = hashmigrate.convert({str(source)!r}, to="hugo", out={str(tmp_path / "out")!r})
print(dict(r.counts()))
"""
    seconds, peak, stdout = measured(code, timeout=600)
    assert "'written': 1" in stdout
    page = (tmp_path / "out" / "content" / "posts" / "embeds" / "index.md").read_text()
    assert page.count("{{< youtube abcdefghij") == 100_000
    # Generous: about 45 s and 250 MB on a 2-core machine today (quadratic, see below); ~5 s once linear.
    assert seconds < 240, f"{seconds:.0f} s"
    assert peak < 2048, f"{peak:.0f} MB"
    print(f"100,000 embeds: {seconds:.1f} s, {peak:.0f} MB")


@pytest.mark.slow
def test_embed_parsing_time_grows_linearly() -> None:
    def parse_time(count: int) -> float:
        body = "".join(f"%[https://youtu.be/abcdefghij{i % 10}]\n\n" for i in range(count))
        start = time.perf_counter()
        parse_body(body)
        return time.perf_counter() - start

    small = min(parse_time(20_000) for _ in range(3))
    large = parse_time(80_000)
    # Four times the embeds: linear is about 4x; quadratic about 16x.
    assert large / small < 8, f"{small:.2f} s -> {large:.2f} s"


def nested(kind: str, depth: int) -> str:
    if kind == "blockquote":
        return ">" * depth + " deep %[https://youtu.be/abcdefghijk] `code`\n"
    if kind == "blockquote-lines":
        return "".join("> " * i + "line\n" for i in range(1, depth + 1))
    if kind == "bullet":
        return (
            "".join("  " * i + "- item\n" for i in range(depth))
            + "  " * depth
            + "%[https://youtu.be/abcdefghijk]\n"
        )
    if kind == "ordered":
        return "".join("   " * i + "1. item\n" for i in range(depth))
    if kind == "mixed":
        return "".join("  " * i + ("> " if i % 2 else "- ") + "x\n" for i in range(depth))
    if kind == "html":
        return "<div>" * depth + "x" + "</div>" * depth + "\n"
    if kind == "brackets":
        return "![" * depth + "](x.png)" * depth + "\n" + "@[" * depth + "x" + "](@u)" * depth + "\n"
    if kind == "emphasis":
        return "*" * depth + "x" + "*" * depth + "\n" + "[" * depth + "x" + "]" * depth + "(y)\n"
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind", ["blockquote", "blockquote-lines", "bullet", "ordered", "mixed", "html", "brackets", "emphasis"]
)
def test_2000_deep_nesting_converts_without_recursion_error(box: Sandbox, kind: str) -> None:
    write_post(box.source, 1, "Deep", "deep", body=nested(kind, 2000))
    start = time.monotonic()
    result = box.convert()
    assert time.monotonic() - start < 60
    (post,) = result.posts
    assert post.status == "written", post.message


def test_a_deeply_nested_callout_converts_or_is_refused_clearly(box: Sandbox) -> None:
    callout = (
        '<div data-node-type="callout">\n<div data-node-type="callout-emoji">💡</div>\n'
        '<div data-node-type="callout-text">' + "<b>" * 2000 + "x" + "</b>" * 2000 + "</div>\n</div>\n"
    )
    write_post(box.source, 1, "Deep", "deep", body=callout)
    (post,) = box.convert().posts
    assert post.status == "written" or (post.message and "RecursionError" not in post.message), post.message


@pytest.mark.parametrize("container", ["list", "blockquote"])
def test_code_deep_in_containers_is_still_code(container: str) -> None:
    if container == "list":
        opening = "".join("  " * i + "- item\n" for i in range(10))
        prefix = "  " * 10
    else:
        opening, prefix = "", "> " * 20
    body = opening + f"{prefix}~~~\n{prefix}%[https://youtu.be/abcdefghijk]\n{prefix}~~~\n"
    assert [type(node).__name__ for node in parse_body(body)] == ["Markdown"]


# ---- atomic writes ------------------------------------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("fault", ["replace", "fsync", "write", "interrupt"])
def test_a_write_failing_half_way_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    writer = FolderWriter(tmp_path)
    assert writer.write_bytes("content/page.md", b"old\n").status == "created"
    page = tmp_path / "content" / "page.md"

    def boom(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt if fault == "interrupt" else OSError(28, "No space left on device")

    if fault in {"replace", "interrupt"}:
        monkeypatch.setattr(os, "replace", boom)
    elif fault == "fsync":
        monkeypatch.setattr(os, "fsync", boom)
    else:
        real_fdopen = os.fdopen

        def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
            handle = real_fdopen(fd, *args, **kwargs)

            class Half:
                def __enter__(self) -> Half:
                    return self

                def __exit__(self, *exc: object) -> None:
                    handle.close()

                def write(self, data: bytes) -> None:
                    handle.write(data[: len(data) // 2])
                    boom()

            return Half()

        monkeypatch.setattr(os, "fdopen", fdopen)
    with pytest.raises(KeyboardInterrupt if fault == "interrupt" else OSError):
        if fault == "fsync":
            # Pages skip the flush to disk (a kill cannot hurt them); the manifest asks for it.
            atomic_write(page, b"new content\n" * 1000, durable=True)
        else:
            writer.write_bytes("content/page.md", b"new content\n" * 1000)
    assert page.read_bytes() == b"old\n"
    assert leftovers(page.parent) == []


def test_a_failed_write_during_convert_is_a_failed_post_and_the_old_page_stays(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_post(box.source, 1, "One", "one", body="first\n")
    assert box.convert().ok
    page = box.out / "content" / "posts" / "one" / "index.md"
    old = page.read_bytes()
    write_post(box.source, 1, "One", "one", body="second\n")

    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    result = box.convert()
    assert [p.status for p in result.posts] == ["failed"]
    assert "the output disk is full while writing" in (result.posts[0].message or "")
    assert page.read_bytes() == old
    assert leftovers(page.parent) == []


_KILL_CHILD = """
import os, sys, time
import hashmigrate.delivery as delivery
from hashmigrate.cli import main
{hook}
sys.argv = ["hashmigrate", "convert", {source!r}, "--out", {out!r}, "-q"]
main()
"""
_HOOK_REPLACE = """
def replace(src, dst):
    print("READY", flush=True)
    time.sleep(120)
delivery.os.replace = replace
"""
_HOOK_MANIFEST = """
def close(self):
    print("READY", flush=True)
    time.sleep(120)
delivery.FolderWriter.close = close
"""


def run_and_kill(source: Path, out: Path, hook: str) -> None:
    """Run the CLI in a child and SIGKILL it at the hook (where it prints READY)."""
    code = _KILL_CHILD.format(hook=hook, source=str(source), out=str(out))
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "READY"
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hashmigrate", *args], capture_output=True, text=True, timeout=300, cwd=ROOT
    )


def test_a_run_killed_mid_write_leaves_the_old_file_and_the_next_run_removes_the_temporary(
    box: Sandbox,
) -> None:
    write_post(box.source, 1, "One", "one", body="first version\n" * 10_000)
    assert cli("convert", str(box.source), "--out", str(box.out), "-q").returncode == 0
    bundle = box.out / "content" / "posts" / "one"
    old = (bundle / "index.md").read_bytes()
    write_post(box.source, 1, "One", "one", body="second version\n" * 10_000)
    box.freeze()
    run_and_kill(box.source, box.out, _HOOK_REPLACE)
    assert (bundle / "index.md").read_bytes() == old, "the old page was damaged"
    # SIGKILL leaves the temporary behind: a hidden file, which Hugo and Jekyll ignore.
    (stale,) = leftovers(bundle)
    assert stale.startswith(".index.md.")
    done = cli("convert", str(box.source), "--out", str(box.out), "-q")
    assert done.returncode == 0, done.stderr
    assert "second version" in (bundle / "index.md").read_text()
    manifest = json.loads((box.out / MANIFEST).read_text())
    assert all(not name.endswith(".tmp") for name in manifest["files"])
    assert leftovers(bundle) == [], "the next run removes a killed run's temporary"
    box.check()


def test_a_run_killed_before_saving_the_manifest_does_not_cause_a_false_conflict(box: Sandbox) -> None:
    write_post(box.source, 1, "One", "one", body="v1\n")
    assert cli("convert", str(box.source), "--out", str(box.out), "-q").returncode == 0
    write_post(box.source, 1, "One", "one", body="v2\n")
    run_and_kill(box.source, box.out, _HOOK_MANIFEST)
    write_post(box.source, 1, "One", "one", body="v3\n")
    done = cli("convert", str(box.source), "--out", str(box.out), "-q")
    assert done.returncode == 0, done.stderr
    assert "v3" in (box.out / "content" / "posts" / "one" / "index.md").read_text()


def test_written_files_get_the_usual_permissions(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        new = tmp_path / "new.md"
        atomic_write(new, b"x")
        kept = tmp_path / "kept.md"
        kept.write_bytes(b"x")
        kept.chmod(0o664)
        atomic_write(kept, b"y")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o644
    assert stat.S_IMODE(kept.stat().st_mode) == 0o664


# ---- user mistakes ------------------------------------------------------------------------------------
_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def _drop_file_capabilities() -> None:
    """In the child, before exec: without these, root obeys file permissions like anyone else."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def run_unprivileged(args: list[str]) -> subprocess.CompletedProcess[str]:
    """The CLI as a process that file permissions apply to, even when the tests run as root."""
    preexec: Callable[[], None] | None = _drop_file_capabilities if os.geteuid() == 0 else None
    try:
        return subprocess.run(
            [sys.executable, "-m", "hashmigrate", *args],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
            preexec_fn=preexec,
        )
    except subprocess.SubprocessError as exc:
        pytest.skip(f"cannot drop root's file capabilities here: {exc}")


def assert_one_line_exit_2(code: int, stderr: str) -> None:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert code == 2, (code, stderr)
    assert len(lines) == 1 and lines[0].startswith("hashmigrate: "), stderr


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    source = tmp_path / "blog"
    write_post(source, 1, "One", "one")
    (tmp_path / "a-file").write_text("not a folder\n")
    (tmp_path / "notes.txt").write_text("not a blog\n")
    (tmp_path / "export.json").write_text('{"posts": []}')
    return source


def _bug(name: str, reason: str) -> tuple[pytest.MarkDecorator, ...]:
    """Bugs this pinned (as strict xfails) are fixed; the marker stays as the record of what was tried."""
    return ()


_CLICK = _bug(
    "BUG-click-usage",
    "Click's own usage errors (missing argument, unknown option, bad value, unreadable path) print a "
    "multi-line 'Usage:' box, not one 'hashmigrate:' line (hashmigrate/cli.py main: run app with "
    "standalone_mode=False and print click.UsageError.format_message() through _err)",
)
MISTAKES = [
    pytest.param(["convert", "{tmp}/missing", "--out", "{tmp}/o"], id="missing-source"),
    pytest.param(["convert", "{blog}", "--to", "medium", "--out", "{tmp}/o"], id="wrong-to"),
    pytest.param(["convert", "{blog}", "--out", "{tmp}/o", "-O", "nonsense"], id="option-without-value"),
    pytest.param(["convert", "{blog}", "--out", "{tmp}/o", "-O", "colour=red"], id="unknown-option-key"),
    pytest.param(["convert", "{blog}", "--out", "{tmp}/a-file"], id="out-is-a-file"),
    pytest.param(["convert", "{tmp}/notes.txt", "--out", "{tmp}/o"], id="source-not-a-blog"),
    pytest.param(
        ["convert", "{blog}", "--out", "{tmp}/o", "--redirects-format", "iis"], id="bad-redirects-format"
    ),
    pytest.param(
        ["convert", "{tmp}/export.json", "--out", "{tmp}/o", "--tags-from", "{tmp}/none"], id="bad-tags-from"
    ),
    pytest.param(
        ["convert", "{blog}", "--out", "{tmp}/o", "-q", "--report", "{blog}"], id="report-is-a-folder"
    ),
    pytest.param(["convert", "{blog}"], id="no-out"),
    pytest.param(["inspect", "{tmp}/missing"], id="inspect-missing"),
    pytest.param(["convert"], id="no-source-argument", marks=_CLICK),
    pytest.param(["convert", "{blog}", "--bogus"], id="unknown-flag", marks=_CLICK),
    pytest.param(
        ["convert", "{blog}", "--out", "{tmp}/o", "--image-concurrency", "0"], id="bad-number", marks=_CLICK
    ),
    pytest.param(["convert", "{blog}", "--to"], id="to-without-value", marks=_CLICK),
    pytest.param(
        ["convert", "{blog}", "--out", "{tmp}/a-file/site"],
        id="out-under-a-file",
        marks=_bug(
            "BUG-out-unwritable",
            "--out under a regular file: every post fails, then writing the site file raises "
            "NotADirectoryError out of convert(): 'internal error', exit 3 (hashmigrate/cli.py convert: check "
            "that --out can be created before converting; hashmigrate/api.py: catch OSError on site files)",
        ),
    ),
    pytest.param(
        ["convert", "{blog}", "--out", "{tmp}/o", "-O", "section=../../x"],
        id="option-value-escapes",
        marks=_bug(
            "BUG-option-values",
            "-O section=../../x is accepted; every post then fails 'refusing to write' (exit 1, a line per "
            "post) instead of one usage error (exporters/hugo.py HugoExporter.__init__: validate section)",
        ),
    ),
    pytest.param(
        ["convert", "{blog}", "--out", "{tmp}/o", "-O", "aliases=flase"],
        id="option-bad-boolean",
        marks=_bug(
            "BUG-option-values",
            "-O aliases=flase (a typo) is taken as the string 'flase', which is true: no error, exit 0 "
            "(hashmigrate/cli.py _parse_options / exporters: reject a value that is not a boolean)",
        ),
    ),
]


def _fill(args: list[str], tmp: Path, blog: Path) -> list[str]:
    return [a.replace("{tmp}", str(tmp)).replace("{blog}", str(blog)) for a in args]


@pytest.mark.parametrize("args", MISTAKES)
def test_user_mistakes_are_one_line_and_exit_2_through_cli_runner(
    args: list[str], tmp_path: Path, blog: Path
) -> None:
    result = runner.invoke(app, _fill(args, tmp_path, blog))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert_one_line_exit_2(result.exit_code, result.stderr)


@pytest.mark.parametrize("args", MISTAKES)
def test_user_mistakes_are_one_line_and_exit_2_as_a_process(
    args: list[str], tmp_path: Path, blog: Path
) -> None:
    done = cli(*_fill(args, tmp_path, blog))
    assert_one_line_exit_2(done.returncode, done.stderr)


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[Path]:
    source = tmp_path / "blog"
    write_post(source, 1, "One", "one")
    yield source
    source.chmod(0o755)  # so that pytest can clean up when not root
    for path in source.iterdir():
        path.chmod(0o644)


def test_an_unreadable_source_folder_is_one_line_and_exit_2(locked: Path, tmp_path: Path) -> None:
    locked.chmod(0o000)
    done = run_unprivileged(["convert", str(locked), "--out", str(tmp_path / "o")])
    assert_one_line_exit_2(done.returncode, done.stderr)


def test_an_unreadable_source_folder_is_refused_not_read(locked: Path, tmp_path: Path) -> None:
    locked.chmod(0o000)
    done = run_unprivileged(["convert", str(locked), "--out", str(tmp_path / "o")])
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "is not readable" in re.sub(r"[\s│]+", " ", done.stderr)  # Click's box wraps long lines
    assert not (tmp_path / "o").exists()


def test_a_source_folder_that_cannot_be_entered_is_one_line_and_exit_2(locked: Path, tmp_path: Path) -> None:
    locked.chmod(0o444)
    done = run_unprivileged(["convert", str(locked), "--out", str(tmp_path / "o")])
    assert_one_line_exit_2(done.returncode, done.stderr)


def test_an_unreadable_post_file_is_an_error_not_silence(locked: Path, tmp_path: Path) -> None:
    mine = locked / "my-post.md"
    mine.write_text('---\ntitle: "Mine"\nslug: mine\n---\n\nbody\n')
    mine.chmod(0o000)
    done = run_unprivileged(["convert", str(locked), "--out", str(tmp_path / "o"), "-q"])
    assert done.returncode == 1 and "my-post.md" in done.stderr, (done.returncode, done.stderr)


def test_console_script_never_shows_a_traceback_for_an_internal_error(tmp_path: Path) -> None:
    """Even an unexpected failure (here BUG-out-unwritable) is one line, exit 3."""
    source = tmp_path / "blog"
    write_post(source, 1, "One", "one")
    (tmp_path / "a-file").write_text("x")
    done = cli("convert", str(source), "--out", str(tmp_path / "a-file" / "site"), "-q")
    assert done.returncode in {2, 3} and "Traceback" not in done.stderr
    assert all(line.startswith("hashmigrate: ") for line in done.stderr.strip().splitlines())


# ---- script where the author wrote none ------------------------------------------------------------
# A hostile string in every field and every embed kind (support/hostile.py), built by the real tools:
# the pages may hold no script, event handler or script URL that the author did not write as HTML.


# The real Hugo and Jekyll, as their own tests find them.
hugo = test_hugo.hugo
jekyll = test_jekyll.jekyll


def hostile_blog(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(len(PAYLOADS)):
        cuid = f"c{n:024d}"
        (folder / f"{cuid}.md").write_text(hostile_post_file(n, cuid, f"hostile-{n}"), encoding="utf-8")
    return folder


def page_problems(folder: Path, inline: re.Pattern[str] | None = None) -> dict[str, list[str]]:
    pages = sorted(folder.rglob("*.html"))
    assert pages, f"no page built in {folder}"
    found = {
        str(p.relative_to(folder)): script_problems(p.read_text(encoding="utf-8"), EMBED_SCRIPT, inline)
        for p in pages
    }
    return {page: problems for page, problems in found.items() if problems}


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("javascript:alert(1)", "embed-as-text"),
        ('https://www.youtube.com/watch?v="><script>alert(1)</script>', "embed-as-link"),
        ('https://vimeo.com/1"><script>alert(1)</script>', "embed-as-link"),
    ],
)
def test_a_hostile_embed_url_is_text_or_a_safe_link_with_a_note(url: str, kind: str) -> None:
    post = Post("t", "t", parse_body(f"%[{url}]\n"))
    rendered = HugoExporter().render(post, Site())
    body = rendered.files[0].content.split("---\n", 2)[2]
    assert "<script" not in body and "javascript:alert" not in body
    assert kind in [note.kind for note in rendered.notes]


def test_ids_that_do_not_match_their_provider_make_a_link() -> None:
    assert classify('https://codepen.io/a"b/pen/abc').provider == "link"
    assert classify('https://x"y.csb.app/').provider == "link"
    assert classify("https://hashnode.com/post/a<b").provider == "link"
    assert classify("https://codepen.io/user/pen/abc").ids == {"user": "user", "id": "abc"}


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://example.com/a b\"c'<d>{{e}}`", "https://example.com/a%20b%22c%27%3Cd%3E%7B%7Be%7D%7D%60"),
        ("HTTP://Example.com/%zz%41", "HTTP://Example.com/%25zz%41"),
        ("javascript:alert(1)", None),
        ("\x01java\tscript:alert(1)", None),
        ("&#106;avascript:alert(1)", None),
        ("data:text/html,x", None),
        ('https://a"b.example/', None),
        ("//example.com/x", None),
        ("example.com/x", None),
    ],
)
def test_safe_url_keeps_only_http_and_leaves_no_character_that_ends_a_context(
    url: str, safe: str | None
) -> None:
    assert safe_url(url) == safe


def test_relative_references_are_kept_for_images_but_not_other_schemes() -> None:
    assert safe_url("cover.png", relative=True) == "cover.png"
    assert safe_url("javascript:alert(1)", relative=True) is None


def test_the_2025_editor_embed_is_an_embed_and_unknown_editor_markup_a_note() -> None:
    body = (
        '<iframe type="youtube" src="https://www.youtube.com/watch?v=lihhGPYte7I" data-node-type="hn-embed">'
        "</iframe>\n\n"
        '<div data-node-type="poll">Which?</div>\n'
    )
    nodes = parse_body(body)
    assert Embed("https://www.youtube.com/watch?v=lihhGPYte7I", "youtube", {"id": "lihhGPYte7I"}) in nodes
    rendered = HugoExporter().render(Post("t", "t", nodes), Site())
    assert "{{< youtube lihhGPYte7I >}}" in rendered.files[0].content
    assert "watch?v=" not in rendered.files[0].content.split("---\n", 2)[2]  # no /watch page in a frame
    assert [n.kind for n in rendered.notes] == ["hashnode-markup"]


def test_a_hostile_2025_editor_embed_is_text() -> None:
    nodes = parse_body(
        '<iframe type="youtube" src="javascript:alert(1)" data-node-type="hn-embed"></iframe>\n'
    )
    rendered = JekyllExporter().render(Post("t", "t", nodes), Site())
    assert "javascript:alert" not in rendered.files[0].content
    assert "embed-as-text" in [n.kind for n in rendered.notes]


def test_wordpress_titles_and_excerpts_are_sent_as_text() -> None:
    post = Post("A <b>&</b>", "t", parse_body("x\n"), subtitle="<script>alert(1)</script>")
    publisher = WordPressPublisher.__new__(WordPressPublisher)
    publisher.exporter = WordPressExporter()
    payload = publisher._payload(post, "", False)
    assert payload["title"] == "A &lt;b&gt;&amp;&lt;/b&gt;"
    assert payload["excerpt"] == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_hostile_posts_build_with_real_hugo_and_run_no_script(hugo: list[str], tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    result = hashmigrate.convert(hostile_blog(tmp_path / "blog"), to="hugo", out=site)
    assert result.ok
    hugo_build(hugo, site)
    assert page_problems(site / "public") == {}
    # The embeds that do match their provider still embed.
    page = (site / "public" / "posts" / "hostile-0" / "index.html").read_text()
    assert "youtube" in page and "player.vimeo.com" in page


@pytest.mark.jekyll
def test_hostile_posts_build_with_real_jekyll_and_run_no_script(jekyll: str, tmp_path: Path) -> None:
    site = tmp_path / "site"
    convert_with_cli(hostile_blog(tmp_path / "blog"), site)
    jekyll_build(jekyll, site)
    # jekyll-seo-tag writes its JSON-LD as an inline script; what it holds is checked as data below.
    ld_json = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
    for page in (site / "_site").rglob("*.html"):
        for block in ld_json.findall(page.read_text(encoding="utf-8")):
            json.loads(block)
    stripped = tmp_path / "stripped"
    for page in (site / "_site").rglob("*.html"):
        target = stripped / page.relative_to(site / "_site")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(ld_json.sub("", page.read_text(encoding="utf-8")), encoding="utf-8")
    # jekyll-redirect-from's pages for the old Hashnode paths: a script to the new one, and no other.
    redirect = re.compile(r'location="https://new\.example\.org/2023/03/12/hostile-\d+\.html"')
    assert page_problems(stripped, redirect) == {}


@pytest.mark.wordpress
def test_hostile_posts_published_to_real_wordpress_run_no_script(
    wordpress: WordPressSite, tmp_path: Path
) -> None:
    posts = [replace(p, slug=f"hx-{p.slug}") for p in hashmigrate.load(hostile_blog(tmp_path / "blog"))]
    result = publish_wordpress(wordpress, posts, tmp_path / "state.db", make_public=True)
    assert result.ok, [p.message for p in result.posts if not p.ok]
    remote = [p for p in wp_get(wordpress, "/wp/v2/posts?per_page=100") if p["slug"].startswith("hx-")]
    assert len(remote) == len(posts)
    for post in remote:
        # What the theme prints: the_title, the_content and the_excerpt, filters run.
        for field in ("title", "content", "excerpt"):
            assert script_problems(post[field]["rendered"]) == [], (post["slug"], field)
        assert "<script>alert" not in post["title"]["rendered"]
        # The whole page, theme and all: no script, handler or script URL holds a payload's alert(.
        page = requests.get(f"{wordpress.url}/?p={post['id']}", timeout=60)
        assert page.status_code == 200
        assert [p for p in script_problems(page.text, re.compile(".*")) if "alert" in p] == [], post["slug"]


def test_a_widget_name_runs_no_hugo_shortcode() -> None:
    rendered = HugoExporter().render(Post("t", "t", parse_body("%%[{{< nope >}}]\n")), Site())
    assert "{{< nope >}}" not in rendered.files[0].content


@pytest.mark.shared
def test_every_editor_element_in_the_corpus_becomes_a_node(corpus_dir: Path) -> None:
    authors = {
        p.parent for p in corpus_dir.glob("*/*.md") if "data-node-type" in p.read_text(errors="replace")
    }
    assert authors
    embeds = 0
    for author in sorted(authors):
        for item in hashmigrate.read_all(author, drafts=True):
            if not isinstance(item, Post) or "data-node-type" not in Path(item.source).read_text(
                errors="replace"
            ):
                continue
            # Callouts and hn-embed iframes are all the corpus holds: none may stay raw HTML.
            assert not [n for n in item.body if isinstance(n, Html) and "data-node-type" in n.html], (
                item.source
            )
            embeds += sum(1 for n in item.body if isinstance(n, Embed) and "/watch" in n.url)
    assert embeds >= 1


def test_wxr_titles_excerpts_and_terms_are_text() -> None:
    post = Post(
        "<b>T</b>", "t", parse_body("x\n"), subtitle="<i>s</i>", tags=(Tag("<svg onload=alert(1)>", "svg"),)
    )
    exporter = WordPressExporter()
    (wxr,) = exporter.finish([exporter.render(post, Site())], Site())
    assert "<svg" not in wxr.content and "<b>" not in wxr.content and "<i>" not in wxr.content
    assert "&lt;svg onload=alert(1)&gt;" in wxr.content and "&lt;b&gt;T&lt;/b&gt;" in wxr.content
