"""The command line: exit codes, summaries, re-runs, conflicts, dry runs, reports, user mistakes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.examples import examples
from typer.testing import CliRunner

from hashmigrate.cli import app

EXAMPLES = Path(__file__).parent.parent / "examples" / "blog"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_convert_then_rerun_is_unchanged(tmp_path: Path) -> None:
    out = tmp_path / "site"
    code, stdout, _ = run("convert", str(EXAMPLES), "--to", "hugo", "--out", str(out), "-q")
    assert code == 0
    assert "10 post(s) converted to hugo" in stdout and "10 written" in stdout and "2 skipped" in stdout
    assert (out / "hugo-config-snippet.toml").is_file()
    pages = sorted(out.glob("content/posts/*/index.md"))
    assert len(pages) == 10
    code, stdout, _ = run("convert", str(EXAMPLES), "--to", "hugo", "--out", str(out), "-q")
    assert code == 0 and "10 unchanged" in stdout


def test_a_file_changed_by_the_user_is_left_alone_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert run("convert", str(EXAMPLES), "--out", str(out), "-q")[0] == 0
    page = out / "content" / "posts" / "postgres-indexes-explained" / "index.md"
    page.write_text("my own edits\n")
    code, stdout, stderr = run("convert", str(EXAMPLES), "--out", str(out), "-q")
    assert code == 1
    assert page.read_text() == "my own edits\n"
    assert "postgres-indexes-explained/index.md was changed" in stderr and "--force" in stderr
    assert "1 conflict" in stdout
    code, _, _ = run("convert", str(EXAMPLES), "--out", str(out), "-q", "--force")
    assert code == 0 and page.read_text().startswith("---\ntitle: Postgres Indexes")


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "site"
    code, stdout, _ = run("convert", str(EXAMPLES), "--out", str(out), "--dry-run", "-q")
    assert code == 0 and "10 would-write" in stdout and "nothing written" in stdout
    assert not out.exists()


def test_report_holds_every_post_and_note(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    code, _, _ = run("convert", str(EXAMPLES), "--out", str(tmp_path / "s"), "--report", str(report), "-q")
    assert code == 0
    data = json.loads(report.read_text())
    assert data["ok"] is True and data["counts"] == {"written": 10, "skipped": 2}
    assert len(data["posts"]) == 12
    widget_notes = [n for p in data["posts"] for n in p["notes"] if n["kind"] == "widget"]
    assert widget_notes and "newsletter-signup" in widget_notes[0]["what"]


def test_plain_progress_lines_when_not_a_terminal(tmp_path: Path) -> None:
    code, _, stderr = run("convert", str(EXAMPLES), "--out", str(tmp_path / "s"))
    assert code == 0
    assert (
        "[1/12] " in stderr
        and "[12/12] " in stderr
        and "written: shipping-a-side-project-in-a-weekend" in stderr
    )


def test_user_mistakes_are_one_line_and_exit_2(tmp_path: Path) -> None:
    cases = [
        ("convert", str(tmp_path / "missing"), "--out", str(tmp_path / "o")),
        ("convert", str(EXAMPLES), "--to", "medium", "--out", str(tmp_path / "o")),
        ("convert", str(EXAMPLES)),
        ("convert", str(EXAMPLES), "--out", str(tmp_path / "o"), "-O", "nonsense"),
        ("convert", str(EXAMPLES), "--out", str(tmp_path / "o"), "-O", "colour=red"),
    ]
    for args in cases:
        code, _, stderr = run(*args)
        assert code == 2, (args, stderr)
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("hashmigrate: "), (args, stderr)
        assert "Traceback" not in stderr


def test_a_failed_post_gives_exit_1_and_the_rest_converts(tmp_path: Path) -> None:
    source = tmp_path / "blog"
    source.mkdir()
    for post in EXAMPLES.glob("c*.md"):
        (source / post.name).write_bytes(post.read_bytes())
    (source / "cla0000000000000000000001.md").write_bytes(b"\x00\x01binary")
    code, stdout, stderr = run("convert", str(source), "--out", str(tmp_path / "o"), "-q")
    assert code == 1
    assert "cla0000000000000000000001.md: the file is binary" in stderr
    assert "10 written" in stdout and "1 failed" in stdout


def test_inspect_counts_constructs_and_writes_nothing(tmp_path: Path) -> None:
    code, stdout, _ = run("inspect", str(EXAMPLES))
    assert code == 0
    assert "10 post(s), 1 draft(s)" in stdout
    assert "embed:youtube: 4" in stdout and "callout: 1" in stdout and "widget: 1" in stdout
    assert "not a post, left alone: README.md" in stdout


def test_exporters_lists_the_installed_ones() -> None:
    code, stdout, _ = run("exporters")
    assert (
        code == 0 and stdout.startswith("") and "hugo" in stdout and "exporters.hugo:HugoExporter" in stdout
    )


def test_console_script_runs_as_a_process(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hashmigrate", "convert", str(tmp_path / "nope"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"hashmigrate: {tmp_path / 'nope'}: no such file or folder"


# ---- reports that tell the truth -------------------------------------------------------------------------

DATE = "Sun Mar 12 2023 06:29:29 GMT+0000 (Coordinated Universal Time)"


def post_file(folder: Path, name: str, slug: str, title: str, *, dated: bool) -> None:
    date = f"datePublished: {DATE}\n" if dated else ""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f'---\ntitle: "{title}"\nslug: {slug}\n{date}---\n\n{title} body\n')


@examples(50, 150)
@given(
    published=st.lists(st.sampled_from("abc"), max_size=4),
    drafts=st.lists(st.sampled_from("abc"), max_size=4),
)
def test_a_draft_is_counted_as_a_draft_whatever_slug_it_shares(
    published: list[str], drafts: list[str]
) -> None:
    """inspect: every published slug counts once as a post and every draft slug once as a draft; no
    draft is called an older copy of a published post, nor a post of a draft."""
    with tempfile.TemporaryDirectory() as folder:
        blog = Path(folder)
        for index, slug in enumerate(published):
            post_file(blog, f"c{index:024d}.md", slug, f"Post {index}", dated=True)
        for index, slug in enumerate(drafts):
            post_file(blog, f"draft-67c56f90{index:016x}.md", slug, f"Draft {index}", dated=False)
        if not published and not drafts:
            return
        code, stdout, _ = run("inspect", str(blog), "--json")
        assert code == 0
        summary = json.loads(stdout)
        assert summary["posts"] == len(set(published)) and summary["drafts"] == len(set(drafts))
        for line in summary["problems"]:
            name, _, why = line.partition(": ")
            if "older copy" in why:
                newer = why.split("; ", 1)[1].split(" is newer", 1)[0]
                assert name.rsplit("/", 1)[-1].startswith("draft-") == newer.startswith("draft-"), line


def test_a_draft_sharing_a_slug_with_a_published_post(tmp_path: Path) -> None:
    post_file(tmp_path / "blog", "c000000000000000000000001.md", "hello", "Hello", dated=True)
    post_file(tmp_path / "blog", "draft-67c56f9077a2362a5e947b49.md", "hello", "Hello again", dated=False)
    code, stdout, _ = run("inspect", str(tmp_path / "blog"))
    assert code == 0 and "1 post(s), 1 draft(s)" in stdout and "older copy" not in stdout
    code, stdout, _ = run("convert", str(tmp_path / "blog"), "--drafts", "--out", str(tmp_path / "o"), "-q")
    assert code == 0 and "2 written" in stdout
    pages = sorted(p.parent.name for p in (tmp_path / "o").glob("content/posts/*/index.md"))
    assert pages == [
        "hello",
        "hello-draft-67c56f9077a2362a5e947b49",
    ]  # both kept, under names that do not collide


def nothing_here(tmp: Path, kind: str) -> Path:
    if kind == "empty":
        (tmp / "blog").mkdir()
        return tmp / "blog"
    if kind == "text-files":
        (tmp / "blog").mkdir()
        (tmp / "blog" / "notes.txt").write_text("not a post\n")
        (tmp / "blog" / "README.md").write_text("# My blog\n")
        return tmp / "blog"
    if kind == "one-level-off":
        shutil.copytree(EXAMPLES, tmp / "parent" / "backup")
        return tmp / "parent"
    (tmp / "export.json").write_text('{"posts": []}')
    return tmp / "export.json"


@pytest.mark.parametrize("kind", ["empty", "text-files", "one-level-off", "empty-export"])
@pytest.mark.parametrize("command", ["convert", "inspect", "publish", "sync"])
def test_a_source_without_posts_is_one_line_exit_2(tmp_path: Path, kind: str, command: str) -> None:
    source = nothing_here(tmp_path, kind)
    if command == "convert":
        args = ["convert", str(source), "--out", str(tmp_path / "site"), "-q"]
    elif command == "inspect":
        args = ["inspect", str(source)]
    elif command == "publish":
        args = ["publish", str(source), "--to", "devto", "--dry-run", "-q", "--state", str(tmp_path / "s.db")]
    else:
        config = tmp_path / "hashmigrate.toml"
        kind_of = "json" if source.suffix == ".json" else "backup"
        config.write_text(
            f'[source]\ntype = "{kind_of}"\npath = "{source.name}"\n[[targets]]\ntype = "hugo"\nout = "site"\n'
        )
        args = ["sync", "--config", str(config), "-q"]
    code, stdout, stderr = run(*args)
    assert code == 2, (stdout, stderr)
    [line] = stderr.splitlines()
    if source.suffix == ".json":
        assert line == f'hashmigrate: {source}: no posts in this JSON export (its "posts" list is empty)'
    else:
        assert f"{source.name}: no Hashnode posts here (looked for <cuid>.md" in line
    if kind == "one-level-off":
        assert line.endswith(f"{source / 'backup'} has 12 post file(s): is that the backup folder?")
    assert "converted" not in stdout
    assert not list((tmp_path / "site").rglob("*.md")) if (tmp_path / "site").exists() else True


@pytest.mark.parametrize("to", ["devto", "wordpress"])
def test_publish_with_an_unknown_exporter_option_is_one_line_exit_2(tmp_path: Path, to: str) -> None:
    args = ["publish", str(EXAMPLES), "--to", to, "-O", "nonsense=x", "--dry-run", "-q"]
    code, _, stderr = run(*args, "--wp-url", "https://wp.example", "--state", str(tmp_path / "s.db"))
    assert code == 2 and len(stderr.splitlines()) == 1 and "nonsense" in stderr, stderr
