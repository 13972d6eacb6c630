"""The examples folder works as documented: the library script and the README's quick start."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_library_example_runs() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "library.py")], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "ok=True {'written': 10}" in done.stdout
    assert "shipping-a-side-project-in-a-weekend" in done.stdout


def test_readme_quick_start_is_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    lines = block.group(1).strip().splitlines()
    assert len(lines) == 2
    assert "hashmigrate convert examples/blog" in lines[0] and "pytest" in lines[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert lines[1] in ci  # CI runs the README's test command word for word
