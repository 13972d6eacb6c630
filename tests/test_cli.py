"""The command line: exit codes, summaries, re-runs, conflicts, dry runs, reports, user mistakes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
