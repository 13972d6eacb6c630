"""Scheduled sync: config checks, folder targets, state, git commits, pruning, the lock."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from support.examples import examples
from typer.testing import CliRunner

from hashmigrate.sync.command import sync_command
from hashmigrate.sync.config import ConfigError, load, parse
from hashmigrate.sync.run import locked

EXAMPLES = Path(__file__).parent.parent / "examples"


def app() -> object:
    import typer

    application = typer.Typer()
    application.command()(sync_command)
    return application


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app(), list(args), env=env)  # type: ignore[arg-type]
    return result.exit_code, result.stdout, result.stderr


def setup_blog(tmp: Path, targets: str) -> Path:
    blog = tmp / "blog"
    shutil.copytree(EXAMPLES / "blog", blog)
    config = tmp / "hashmigrate.toml"
    config.write_text(
        f'[source]\ntype = "backup"\npath = "blog"\nblog_url = "https://blog.example.dev"\n\n{targets}'
    )
    return config


HUGO = '[[targets]]\ntype = "hugo"\nout = "site"\n'


def test_the_example_config_is_valid() -> None:
    settings = load(EXAMPLES / "hashmigrate.toml")
    assert settings.source.type == "backup" and [t.type for t in settings.targets] == ["hugo"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[source]\ntype = "backup"\npath = "b"\npaht = "x"\n[[targets]]\ntype = "hugo"\nout = "s"\n',
            "unknown key 'paht'",
        ),
        ('[source]\ntype = "rss"\n[[targets]]\ntype = "hugo"\nout = "s"\n', "type must be one of"),
        ('[source]\ntype = "backup"\npath = "b"\n', "at least one [[targets]]"),
        ('[source]\ntype = "backup"\npath = "b"\n[[targets]]\ntype = "medium"\n', "type must be one of"),
        (
            '[source]\ntype = "backup"\npath = "b"\n[[targets]]\ntype = "hugo"\nout = "s"\ngit_commit = "yes"\n',
            "true or false",
        ),
        ("[source\n", "not valid TOML"),
    ],
)
def test_config_mistakes_are_one_line_and_exit_2(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load(config)
    code, _, stderr = run("--config", str(config))
    assert code == 2 and stderr.count("\n") == 1 and message in stderr and str(config) in stderr


def test_missing_secret_variable_is_named(tmp_path: Path) -> None:
    config = setup_blog(tmp_path, '[[targets]]\ntype = "devto"\napi_key_env = "MY_DEVTO_KEY"\n')
    code, _, stderr = run("--config", str(config), env={"MY_DEVTO_KEY": ""})
    assert code == 2 and "MY_DEVTO_KEY" in stderr and stderr.count("\n") == 1


def test_folder_sync_writes_once_then_nothing(tmp_path: Path) -> None:
    config = setup_blog(tmp_path, HUGO)
    code, stdout, _ = run("--config", str(config), "--json")
    assert code == 0
    first = json.loads(stdout)
    assert first["writes"] == 10 and first["targets"][0]["counts"] == {"written": 10}
    state = tmp_path / ".hashmigrate" / "state.db"
    assert state.is_file()
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "site").rglob("*") if p.is_file()}
    code, stdout, _ = run("--config", str(config))
    assert code == 0 and "every target is up to date, nothing written" in stdout
    after = {p: p.stat().st_mtime_ns for p in (tmp_path / "site").rglob("*") if p.is_file()}
    assert before == after  # not one file touched
    post = tmp_path / "blog" / "clzhfgd9o00120497lgrjj57k.md"
    post.write_text(post.read_text().replace("Plantcal", "Plantcal 2"))
    code, stdout, _ = run("--config", str(config), "--json")
    summary = json.loads(stdout)
    assert summary["writes"] == 1 and summary["targets"][0]["counts"] == {"written": 1, "unchanged": 9}


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    config = setup_blog(tmp_path, HUGO)
    code, stdout, _ = run("--config", str(config), "--dry-run")
    assert code == 0 and "dry run" in stdout
    assert not (tmp_path / "site").exists()


def test_git_commit_of_what_changed(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    subprocess.run(["git", "init", "-q", str(site)], check=True)
    config = setup_blog(tmp_path, HUGO + "git_commit = true\n")
    code, stdout, _ = run("--config", str(config))
    assert code == 0 and "committed" in stdout
    log = subprocess.run(["git", "-C", str(site), "log", "--oneline"], capture_output=True, text=True).stdout
    assert len(log.splitlines()) == 1 and "hashmigrate sync" in log
    code, stdout, _ = run("--config", str(config))
    assert code == 0 and "committed" not in stdout
    log = subprocess.run(["git", "-C", str(site), "log", "--oneline"], capture_output=True, text=True).stdout
    assert len(log.splitlines()) == 1


def test_gone_posts_are_reported_and_pruned_only_when_asked(tmp_path: Path) -> None:
    config = setup_blog(tmp_path, HUGO)
    assert run("--config", str(config))[0] == 0
    (tmp_path / "blog" / "clzhfgd9o00120497lgrjj57k.md").unlink()
    page = tmp_path / "site" / "content" / "posts" / "shipping-a-side-project-in-a-weekend" / "index.md"
    code, stdout, _ = run("--config", str(config))
    assert code == 0 and "1 gone from the source" in stdout and page.is_file()
    code, stdout, _ = run("--config", str(config), "--prune")
    assert code == 0 and "1 removed" in stdout and not page.exists()
    code, stdout, _ = run("--config", str(config))
    assert "gone from the source" not in stdout


def test_a_second_sync_exits_at_once_with_the_lock_message(tmp_path: Path) -> None:
    config = setup_blog(tmp_path, HUGO)
    with locked(tmp_path / ".hashmigrate" / "state.db"):
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "from hashmigrate.cli import main; main()",
                "sync",
                "--config",
                str(config),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 75
    assert "another hashmigrate sync is running" in done.stderr
    assert not (tmp_path / "site").exists()


# ---- every config value of the wrong type or shape: one line naming the key and the file, exit 2 ----------

VALID: dict[str, Any] = {
    "source": {"type": "backup", "path": "blog", "blog_url": "https://blog.example.dev", "drafts": False},
    "targets": [
        {
            "type": "hugo",
            "out": "site",
            "git_commit": False,
            "options": {"section": "posts", "aliases": True},
        },
        {"type": "devto", "api_key_env": "DEVTO_API_KEY", "publish": False, "options": {"published": False}},
        {
            "type": "wordpress",
            "url": "https://wp.example",
            "options": {"wp_user": "me", "upload_images": True},
        },
    ],
    "state": {"path": ".hashmigrate/state.db"},
}
# Every place a value sits: (path of keys and list indexes).
PLACES = [
    ("source", "type"), ("source", "path"), ("source", "blog_url"), ("source", "drafts"), ("source", "git_pull"),
    ("targets", 0, "type"), ("targets", 0, "out"), ("targets", 0, "name"), ("targets", 0, "force"),
    ("targets", 0, "options"), ("targets", 0, "options", "section"), ("targets", 0, "options", "aliases"),
    ("targets", 0, "options", "nonsense"), ("targets", 1, "api_url"), ("targets", 1, "options", "published"),
    ("targets", 1, "options", "canonical"), ("targets", 2, "url"), ("targets", 2, "options", "wp_user"),
    ("targets", 2, "options", "upload_images"), ("targets", 2, "options", "author"), ("state",),
    ("state", "path"), ("targets",), ("source",), ("targets", 0),
]  # fmt: skip
toml_values = st.recursive(
    st.one_of(
        st.text(max_size=12),
        st.booleans(),
        st.integers(-5, 10**6),
        st.floats(allow_nan=False),
        st.datetimes().map(lambda d: d.replace(microsecond=0)),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


@examples(100, 300)
@given(place=st.sampled_from(PLACES), value=toml_values)
# Found by a fresh clone's run: an option key with a line break made a two-line message.
@example(place=("targets", 0, "options"), value={"\n": []})
def test_any_value_anywhere_is_accepted_or_one_config_error(place: tuple[Any, ...], value: Any) -> None:
    data = copy.deepcopy(VALID)
    holder: Any = data
    for key in place[:-1]:
        holder = holder[key]
    holder[place[-1]] = value
    path = Path("/configs/hashmigrate.toml")
    try:
        parse(data, path)
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith(f"{path}: ") and "\n" not in message
        named = [str(k) for k in place if isinstance(k, str)]
        assert any(k in message for k in named), (message, place)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ('{nonsense = "x"}', "options: no such option 'nonsense'"),
        ("{section = {deeper = 1}}", "options.section must be a string, true/false or a number, not a table"),
        ('"x"', "options must be a table"),
        ('{aliases = "flase"}', "aliases"),
    ],
)
def test_bad_exporter_options_are_one_line_exit_2_before_anything_is_written(
    tmp_path: Path, options: str, message: str
) -> None:
    config = setup_blog(tmp_path, HUGO + f"options = {options}\n")
    code, _, stderr = run("--config", str(config))
    assert code == 2 and stderr.count("\n") == 1, stderr
    assert message in stderr and str(config) in stderr
    assert not (tmp_path / "site").exists() and not (tmp_path / ".hashmigrate").exists()


@pytest.mark.parametrize("out", ["a-file", "a-file/site"])
def test_a_folder_target_whose_out_is_a_file_is_one_line_exit_2(tmp_path: Path, out: str) -> None:
    config = setup_blog(tmp_path, f'[[targets]]\ntype = "hugo"\nout = "{out}"\n')
    (tmp_path / "a-file").write_text("mine\n")
    code, _, stderr = run("--config", str(config))
    assert code == 2 and stderr.count("\n") == 1, stderr
    assert "[[targets]] #1 (hugo): out" in stderr and "a-file" in stderr and "is a file" in stderr
    assert (tmp_path / "a-file").read_text() == "mine\n"
