"""Golden cases: ``tests/golden/<case>/input.md`` -> ``expected/<target>/<files>``.

Each case is one hand-made Hashnode post file: ``input.md``, or a file named as Hashnode names them
(``<cuid>.md``, ``draft-<id>.md``) where the name itself is input (an old-format post is dated by it). Every target that has an ``expected/<target>`` folder
is checked; ``pytest tests/test_golden.py --update-golden`` rewrites the expected files for every
installed exporter (read the diff before committing it).
"""

from __future__ import annotations

from pathlib import Path

import hashmigrate
from hashmigrate import registry
from hashmigrate.exporter import Site

GOLDEN = Path(__file__).resolve().parent / "golden"
BLOG_URL = "https://blog.example.dev"


def input_file(case: Path) -> Path | None:
    """The case's post file, or None when the folder is not a case."""
    named = [p for p in case.glob("*.md") if p.name == "input.md" or p.name[0] in "cd"]
    return named[0] if len(named) == 1 else None


def cases() -> list[Path]:
    return sorted(p for p in GOLDEN.iterdir() if p.is_dir() and input_file(p) is not None)


def render(case: Path, target: str) -> dict[str, str]:
    """Every file the exporter writes for the case's post, keyed by relative path."""
    problems: list[hashmigrate.Problem] = []
    source = input_file(case)
    assert source is not None
    posts = list(hashmigrate.load(source, blog_url=BLOG_URL, problems=problems, drafts=True))
    assert not problems, [p.line_text() for p in problems]
    assert len(posts) == 1
    exporter = registry.create(f"{registry.BUILTIN_DIST}:{target}")  # never a plugin of that name
    rendered = exporter.render(posts[0], Site(blog_url=BLOG_URL))
    files = {f.path: f.content for f in rendered.files}
    notes = "".join(f"{n.kind}: {n.what}\n" for n in (*posts[0].notes, *rendered.notes))
    files["NOTES.txt"] = notes
    return files


def expected(case: Path, target: str) -> dict[str, str]:
    root = case / "expected" / target
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def update(case: Path, target: str) -> None:
    root = case / "expected" / target
    if root.exists():
        for old in sorted(root.rglob("*"), reverse=True):
            old.unlink() if old.is_file() else old.rmdir()
    for relative, content in render(case, target).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def installed_targets() -> list[str]:
    """The built-in exporters: the golden files are theirs. A third-party exporter installed beside
    them (or one claiming a built-in's name) is no case of ours and is left out."""
    chosen = registry.available()
    targets = []
    for plugin in registry.installed():
        if not plugin.builtin or chosen.get(plugin.name) != plugin.entry:
            continue
        try:
            plugin.entry.load()
        except ImportError:
            continue
        targets.append(plugin.name)
    return sorted(targets)
