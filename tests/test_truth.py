"""Never invent, never corrupt: dates, text and front matter on blogs no test has seen.

Each rule is checked on small inputs written here, and the two that decide whether a blogger's own
words survive (correct text is never "repaired"; real mojibake always is) as properties over text
drawn from 25 scripts. Example counts come from the profiles in ``test_fuzz.py``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import ftfy.bad_codecs  # registers "sloppy-windows-1252", the codec mojibake comes from
import ftfy.badness
import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st
from test_fuzz import fuzz
from typer.testing import CliRunner

import hashmigrate
from hashmigrate.cli import app
from hashmigrate.document import CodeBlock, CodeSpan, Definition, Link, Picture
from hashmigrate.hashnode import read
from hashmigrate.hashnode import text as text_module
from hashmigrate.hashnode.dates import cuid_time, object_id_time
from hashmigrate.hashnode.text import decode, repair_mojibake
from hashmigrate.model import Post
from hashmigrate.parse import parse

runner = CliRunner()


def posts_and_problems(source: Path, **kwargs: object) -> tuple[list[Post], list[hashmigrate.Problem]]:
    items = list(read(source, **kwargs))  # type: ignore[arg-type]
    return [i for i in items if isinstance(i, Post)], [i for i in items if not isinstance(i, Post)]


def cuid_at(when: datetime, rest: str = "000a0mk7hx2b5q9r") -> str:
    """A Hashnode-shaped cuid made at ``when``."""
    ms = round(when.timestamp() * 1000)
    digits = ""
    while ms:
        ms, r = divmod(ms, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[r] + digits
    return f"c{digits}{rest}"


# ---- 1. every post gets a real date ------------------------------------------------------------------


def test_ids_hold_their_creation_time() -> None:
    # The two examples of the format reference: lf50mnnv is 2023-03-12, 67c56f90 is 2025-03-03.
    assert cuid_time("clf50mnnv000a09mmeljm9bzo") == datetime(
        2023, 3, 12, 6, 29, 29, 35000, tzinfo=UTC
    )  # the seed post: 06:29:29
    assert object_id_time("67c56f9077a2362a5e947b49") == datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    # Not ids: other shapes, and times before Hashnode or in the future.
    for not_an_id in ("c000000000000000000000001", "czzzzzzzzzzzzzzzzzzzzzzzz", "my-post", "clf50mnnv"):
        assert cuid_time(not_an_id) is None
    assert object_id_time("00000000aaaaaaaaaaaaaaaa") is None
    assert object_id_time("67c56f9077a2362a5e947b4") is None


@fuzz("cuid")
@given(st.datetimes(min_value=datetime(2016, 1, 1), max_value=datetime(2026, 1, 1), timezones=st.just(UTC)))
def test_a_cuid_gives_back_the_millisecond_it_was_made(when: datetime) -> None:
    when = when.replace(microsecond=when.microsecond // 1000 * 1000)
    assert cuid_time(cuid_at(when)) == when


def test_a_plain_copy_dates_old_posts_and_drafts_by_their_ids(tmp_path: Path) -> None:
    made = datetime(2021, 4, 20, 9, 30, tzinfo=UTC)
    (tmp_path / f"{cuid_at(made)}.md").write_text("# An old post\n\nNo front matter, no git.\n")
    (tmp_path / "draft-67c56f9077a2362a5e947b49.md").write_text("---\ntitle: A draft\n---\n\nText.\n")
    (tmp_path / "clf50mnnv000a09mmeljm9bzo.md").write_text(
        "---\ntitle: Stated\ndatePublished: Sun Mar 12 2023 06:29:29 GMT+0000 (Coordinated Universal Time)\n"
        "---\n\nText.\n"
    )
    posts, problems = posts_and_problems(tmp_path, drafts=True)
    assert not problems
    by_title = {p.title: p for p in posts}
    old, draft, stated = by_title["An old post"], by_title["A draft"], by_title["Stated"]
    assert (old.published, old.date_origin, old.date_approximate) == (made, "cuid", True)
    assert (draft.published, draft.date_origin) == (datetime(2025, 3, 3, 9, 0, tzinfo=UTC), "ObjectId")
    assert (stated.date_origin, stated.date_approximate) == ("front matter", False)
    assert [n.kind for n in old.notes if n.kind.startswith("date")] == ["date-approximate"]
    assert "2021-04-20" in next(n.what for n in old.notes if n.kind == "date-approximate")


def test_a_post_nothing_dates_is_one_clear_line_and_the_rest_converts(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "my-post.md").write_text("---\ntitle: Hand made\nslug: hand-made\n---\n\nText.\n")
    (src / f"{cuid_at(datetime(2022, 1, 5, tzinfo=UTC))}.md").write_text("# Dated by id\n\nText.\n")
    result = runner.invoke(app, ["convert", str(src), "--to", "jekyll", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "my-post.md: no publish date" in result.stderr
    written = sorted(p.name for p in (tmp_path / "out" / "_posts").iterdir())
    assert written == ["2022-01-05-dated-by-id.md"]
    assert "dates: 1 from the post's id (approximate)" in result.stdout


def test_no_target_gets_1970_or_an_empty_date_and_links_use_the_real_path(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    old = cuid_at(datetime(2020, 7, 1, 12, tzinfo=UTC))
    (src / f"{old}.md").write_text("# Old post\n\nOld text.\n")
    (src / "clf50mnnv000a09mmeljm9bzo.md").write_text(
        "---\ntitle: New\nslug: new\ndatePublished: 2023-03-12T06:29:29.000Z\n---\n\n"
        "See [the old one](https://blog.example.dev/old-post).\n"
    )
    for target in ("hugo", "jekyll", "devto", "wordpress"):
        out = tmp_path / target
        result = hashmigrate.convert(src, target, out, blog_url="https://blog.example.dev")
        assert result.ok, [p.message for p in result.posts]
        text = "\n".join(p.read_text() for p in out.rglob("*") if p.is_file() and p.suffix in {".md", ".xml"})
        assert "1970" not in text and "0001-01-01" not in text
        assert "2020-07-01" in text
        if target == "jekyll":
            assert (out / "_posts" / "2020-07-01-old-post.md").is_file()
            assert "/2020/07/01/old-post" in (out / "_posts" / "2023-03-12-new.md").read_text()
        if target == "wordpress":
            assert (
                "<wp:post_date><![CDATA[]]>" not in text and "<wp:post_date_gmt><![CDATA[2020-07-01" in text
            )


def _git(folder: Path, *args: str, date: str | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "a"}
    env["GIT_COMMITTER_EMAIL"] = "a@b"
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, env=env, timeout=60)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_history_that_starts_late_takes_the_earlier_of_git_and_the_cuid(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    created = datetime(2021, 2, 1, 8, tzinfo=UTC)
    late, exact, young = (
        cuid_at(created),
        cuid_at(created, "000b0mk7hx2b5q9r"),
        cuid_at(created, "000c0mk7hx2b5q9r"),
    )
    (tmp_path / f"{late}.md").write_text("# Backed up late\n\nText.\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "update post: Backed up late", date="2022-06-01T10:00:00+00:00")
    (tmp_path / f"{exact}.md").write_text("# Created\n\nText.\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "create post: Created", date="2021-02-03T10:00:00+00:00")
    (tmp_path / f"{young}.md").write_text("# Synced\n\nText.\n")
    _git(tmp_path, "add", ".")
    # A bulk sync dated before the id: git is the earlier, still approximate.
    _git(tmp_path, "commit", "-qm", "Synced existing file post: Synced", date="2021-01-15T10:00:00+00:00")
    posts = {p.title: p for p in posts_and_problems(tmp_path)[0]}
    assert (posts["Backed up late"].published, posts["Backed up late"].date_origin) == (created, "cuid")
    assert posts["Backed up late"].date_approximate
    assert posts["Created"].published == datetime(2021, 2, 3, 10, tzinfo=UTC)
    assert (posts["Created"].date_origin, posts["Created"].date_approximate) == ("git history", False)
    assert posts["Synced"].published == datetime(2021, 1, 15, 10, tzinfo=UTC)
    assert (posts["Synced"].date_origin, posts["Synced"].date_approximate) == ("git history", True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_shallow_clones_oldest_commit_dates_no_post_as_exact(tmp_path: Path) -> None:
    # A clone with --depth (actions/checkout's default) starts at a commit that adds every file: an old
    # post took the newest "create post:" date there, stated as exact.
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    created = datetime(2020, 8, 12, 9, tzinfo=UTC)
    old = cuid_at(created)
    (repo / f"{old}.md").write_text("## Post A\n\nbody a\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "create post: Post A", date="2020-08-12T10:00:00+00:00")
    (repo / "clwvxz5s0000000000000000a.md").write_text(
        "---\ntitle: Post B\ndatePublished: 2024-06-01\nslug: b\n---\n\nbody b\n"
    )
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "create post: Post B", date="2024-06-01T10:00:05+00:00")
    full = {p.title: p for p in posts_and_problems(repo)[0]}
    assert (full["Post A"].published, full["Post A"].date_approximate) == (
        datetime(2020, 8, 12, 10, tzinfo=UTC),
        False,
    )
    shallow = tmp_path / "shallow"
    _git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    post = next(p for p in posts_and_problems(shallow)[0] if p.title == "Post A")
    assert (post.published, post.date_origin, post.date_approximate) == (created, "cuid", True)
    note = next(n for n in post.notes if n.kind == "date-approximate")
    assert "shallow" in note.why


def test_an_unusable_date_is_noted_and_the_post_dated_otherwise(tmp_path: Path) -> None:
    name = cuid_at(datetime(2022, 2, 2, tzinfo=UTC))
    (tmp_path / f"{name}.md").write_text("---\ntitle: Far future\ndatePublished: 99999-01-01\n---\n\nText.\n")
    [post], _ = posts_and_problems(tmp_path)
    assert post.published == datetime(2022, 2, 2, tzinfo=UTC) and post.date_origin == "cuid"
    note = next(n for n in post.notes if n.kind == "date-invalid")
    assert "datePublished" in note.what and "99999" in note.what


def test_json_export_posts_without_a_date_are_dated_by_their_ids(tmp_path: Path) -> None:
    export = tmp_path / "5cdd04921a7cb8b20267646b-articles.json"
    posts = [
        {
            "title": "No date",
            "slug": "a",
            "cuid": cuid_at(datetime(2020, 5, 5, tzinfo=UTC)),
            "contentMarkdown": "x",
        },
        {"title": "Only an id", "slug": "b", "_id": "5f0000000000000000000000", "contentMarkdown": "x"},
        {"title": "Nothing", "slug": "c", "contentMarkdown": "x"},
    ]
    export.write_text(json.dumps({"posts": posts}))
    got, problems = posts_and_problems(export)
    assert [(p.slug, p.date_origin) for p in got] == [("a", "cuid"), ("b", "ObjectId")]
    assert got[1].published == datetime(2020, 7, 4, 4, 5, 20, tzinfo=UTC)
    assert len(problems) == 1 and "no publish date" in problems[0].message


# ---- 2. the mojibake repair never changes correct text ----------------------------------------------

# Words of 25 scripts and languages, with the typography real posts use.
SCRIPTS = {
    "french": "Je l’écris à l’été, c’était “élan” — déjà vu… « œuvre » Ça",
    "spanish": "¿Qué tal? ¡Español! año niño “comillas” – señal",
    "portuguese": "NÃO SÃO coração ação À noite põe",
    "italian": "perché città può è l’ultima",
    "german": "Größe Straße „Anführung“ ‚einfach‘ Übermäßig",
    "polish": "Zażółć gęślą jaźń ŁÓDŹ",
    "czech": "Příliš žluťoučký kůň úpěl ďábelské ódy",
    "turkish": "İstanbul ığdır ŞÇĞÜÖ",
    "vietnamese": "Tiếng Việt có dấu, người ở đâu ạ ỹ ữ",
    "typography": "2×–4× faster ±5 % 30 °C 10 € £ ¥ © ® ™ § ¶ • · ½ ¼ √π ≈ ∑ ≤ ≥ ∞ µ",
    "greek": "Γειά σου κόσμε αβγδ ΩΨΦ ά έ ή",
    "russian": "Привет, мир! Съешь же ещё этих мягких булок",
    "ukrainian": "Їжак ґудзик єнот і",
    "hebrew": "שלום עולם אבגדהוזחטיכלמנסעפצקרשת",
    "arabic": "مرحبا بالعالم العربية",
    "persian": "سلام دنیا گچپژ",
    "armenian": "Բարեւ աշխարհ Ավետիս Վաչե ՎՎ Վ",
    "georgian": "გამარჯობა მსოფლიო",
    "devanagari": "नमस्ते दुनिया हिन्दी",
    "bengali": "হ্যালো বিশ্ব বাংলা",
    "odia": "ନମସ୍କାର ଓଡ଼ିଆ ଭାଷା । ପ୍ରଥମ ।",
    "tamil": "வணக்கம் உலகம்",
    "thai": "สวัสดีชาวโลก ภาษาไทย",
    "cjk": "你好，世界！中文字符 漢字",
    "japanese": "こんにちは世界 カタカナ ひらがな",
    "hangul": "안녕하세요 세계 한국어",
    "emoji": "✨ 🔥 📸 😁 👍🏽 👩‍💻 👨‍👩‍👧 🏳️‍🌈 ❤️ ✅ 🚀",
}
WORDS = [word for text in SCRIPTS.values() for word in text.split()]
SEPARATORS = [" ", "  ", ", ", ". ", " – ", " — ", "’", "“", "”", " | ", "\u00a0", ": ", "…", "("]
correct_line = st.lists(
    st.one_of(
        st.sampled_from(WORDS), st.sampled_from(SEPARATORS), st.text(alphabet="abcXYZ019 ", max_size=4)
    ),
    max_size=24,
).map("".join)


def test_correct_text_in_every_script_is_left_alone() -> None:
    assert len(SCRIPTS) >= 20
    text = "\n".join(SCRIPTS.values())
    assert repair_mojibake(text) == (text, [], [], [])


@fuzz("unicode_kept")
@given(st.lists(correct_line, min_size=1, max_size=6).map("\n".join))
def test_correct_text_is_never_changed(text: str) -> None:
    fixed, repaired, *_ = repair_mojibake(text)
    assert fixed == text and repaired == []


# Lines of every kind the shortcut must agree on: correct text, its mojibake in both codecs, and
# characters from ftfy's own categories next to ASCII letters and spaces.
# Each category is the inside of a character class ("\x80-\x9f" is a range): every character it holds.
_IN_A_CATEGORY = re.compile("|".join(f"[{chars}]" for chars in ftfy.badness.MOJIBAKE_CATEGORIES.values()))
_FTFY_CHARS = "".join(chr(c) for c in range(0x80, 0x10000) if _IN_A_CATEGORY.fullmatch(chr(c)))
any_line = st.lists(
    st.one_of(
        correct_line,
        correct_line.map(lambda s: s.encode("utf-8").decode("sloppy-windows-1252")),
        correct_line.map(lambda s: s.encode("utf-8").decode("mac_roman")),
        st.text(alphabet=_FTFY_CHARS + "aZ ÃÂØÙ×²àвЂВβΒ€ā√≈‚Œœ°", max_size=6),
        st.text(max_size=4),
    ),
    max_size=6,
).map("".join)


@fuzz("badness_shortcut")
@given(any_line)
def test_the_badness_shortcut_agrees_with_ftfy(line: str) -> None:
    # text._is_bad skips ftfy's pattern for a line without any character the pattern needs.
    text_module._ftfy()
    assert text_module._BAD_CHARS is not None  # the shortcut is built from this ftfy's pattern
    assert text_module._is_bad(line) == bool(ftfy.badness.is_bad(line))


def garble_cp1252(text: str) -> str:
    return text.encode("utf-8").decode("sloppy-windows-1252")


def garble_mac(text: str) -> str:
    return text.encode("utf-8").decode("mac_roman")


# What a garbled run stood for: Windows-1252 mojibake of letters, typography and emoji (ftfy's part),
# and Mac Roman mojibake of typography and emoji (this project's part).
CP1252_ORIGINALS = [
    "é",
    "è",
    "à",
    "ç",
    "ñ",
    "ü",
    "ö",
    "’",
    "“",
    "”",
    "–",
    "—",
    "…",
    "✨",
    "🔥",
    "😁",
    "привет",
    "中文",
]
MAC_ORIGINALS = ["’", "“", "”", "–", "—", "…", "•", "✨", "🔥", "📸", "😁", "✅", "❤️", "👍🏽", "👩‍💻"]
garbled_piece = st.one_of(
    st.sampled_from(CP1252_ORIGINALS).map(lambda s: (s, garble_cp1252(s))),
    st.sampled_from(MAC_ORIGINALS).map(lambda s: (s, garble_mac(s))),
)
plain_words = [w for w in WORDS if w.isascii() or w in SCRIPTS["french"] + SCRIPTS["vietnamese"]]


@fuzz("mojibake")
@given(
    st.lists(
        st.one_of(
            garbled_piece,
            st.sampled_from([" ", ", ", " the ", "word", "l’été", "Tiếng Việt", " — ", "😀"]).map(
                lambda s: (s, s)
            ),
        ),
        min_size=1,
        max_size=12,
    )
)
# What the Mac Roman repair made ("’’") read with the correct "é" before it as one Windows-1252 sequence
# (E9 92 92, "钒"), which a garbled CJK word beside it passed as a word of its script.
@example(
    [("l’été", "l’été"), ("’", garble_mac("’")), ("’", garble_mac("’")), ("中文", garble_cp1252("中文"))]
)
def test_known_mojibake_is_repaired_beside_correct_text(pieces: list[tuple[str, str]]) -> None:
    want = "".join(original for original, _ in pieces)
    garbled = "".join(shown for _, shown in pieces)
    fixed, repaired, *_ = repair_mojibake(f"# Title\n\n{garbled}\n")
    assert fixed == f"# Title\n\n{want}\n"
    assert repaired == ([3] if garbled != want else [])


# Labels of reference links that every generated body defines at its end.
_LABELS = [garble_cp1252("é"), garble_mac("’s"), "caf" + garble_cp1252("é")]
_DEFINED = "".join(f"\n[{label}]: https://example.com/{label}\n" for label in _LABELS)
# Code and addresses a post shows as written, mojibake-looking or not: (source, the same). Nothing in
# them is ASCII-space or a delimiter, so each stays what it was drawn as.
_shown = st.lists(
    st.one_of(garbled_piece.map(lambda piece: piece[1]), st.sampled_from(["caf", "x", "é", "’s", "🔥"])),
    min_size=1,
    max_size=4,
).map("".join)
_dest = _shown.map(lambda s: f"https://example.com/{s}")
_prose = st.lists(
    st.one_of(
        garbled_piece,
        st.sampled_from([" ", " the ", "word", "l’été", "Tiếng Việt", " — ", "😀"]).map(lambda s: (s, s)),
    ),
    min_size=1,
    max_size=5,
).map(lambda pieces: ("".join(p[1] for p in pieces), "".join(p[0] for p in pieces)))
_inline = st.one_of(
    _prose,
    _prose,
    _shown.map(lambda s: (f"`{s}`",) * 2),
    _shown.map(lambda s: (f"<code>{s}</code>",) * 2),
    st.tuples(_prose, _dest).map(lambda t: (f"[{t[0][0]}]({t[1]})", f"[{t[0][1]}]({t[1]})")),
    st.tuples(_prose, _dest, _shown).map(
        lambda t: (f'![{t[0][0]}]({t[1]} "{t[2]}")', f'![{t[0][1]}]({t[1]} "{t[2]}")')
    ),
    _dest.map(lambda d: (f"<{d}>",) * 2),
    _dest.map(lambda d: (f" {d} ",) * 2),
    st.sampled_from(_LABELS).map(lambda s: (f" [{s}] ",) * 2),  # its text is the label: as written
)
_line = st.lists(_inline, min_size=1, max_size=5).map(
    lambda items: ("".join(i[0] for i in items), "".join(i[1] for i in items))
)
_code_lines = st.lists(_shown, min_size=1, max_size=3)
_block = st.one_of(
    st.lists(_line, min_size=1, max_size=3).map(
        lambda ls: ("\n".join(x[0] for x in ls), "\n".join(x[1] for x in ls))
    ),
    _code_lines.map(lambda ls: ("```\n" + "\n".join(ls) + "\n```",) * 2),
    _code_lines.map(lambda ls: ("<pre>\n" + "\n".join(ls) + "\n</pre>",) * 2),
    # Indented code, after a line that ends a list (after one, it would be the item's text).
    _code_lines.map(lambda ls: ("<!-- -->\n\n" + "\n".join("    " + x for x in ls),) * 2),
    _line.map(lambda t: ("> " + t[0], "> " + t[1])),
    _line.map(lambda t: ("- " + t[0], "- " + t[1])),
    st.tuples(_shown, _dest).map(lambda t: (f"[{t[0]}]: {t[1]}",) * 2),
    # Code elements anywhere in an HTML block, its prose around them (the block runs to a blank line).
    st.tuples(_prose, st.sampled_from(["code", "pre", "kbd"]), _shown, _prose).map(
        lambda t: (
            f"<div>{t[0][0]} <{t[1]}>{t[2]}</{t[1]}> {t[3][0]}</div>",
            f"<div>{t[0][1]} <{t[1]}>{t[2]}</{t[1]}> {t[3][1]}</div>",
        )
    ),
)


def _literals(markdown: str) -> list[tuple[str, ...]]:
    """What a post shows as written: code, code spans, destinations, titles and labels of its tree."""
    found: list[tuple[str, ...]] = []
    for node in parse(markdown).walk():
        if isinstance(node, CodeBlock | CodeSpan):
            found.append((type(node).__name__, node.text))
        elif isinstance(node, Link | Picture):
            found.append((type(node).__name__, node.dest, node.title))
        elif isinstance(node, Definition):
            found.append(("Definition", node.label, node.dest, node.title))
    return found


@fuzz("mojibake")
@given(st.lists(_block, min_size=1, max_size=6))
def test_code_and_addresses_are_never_repaired(blocks: list[tuple[str, str]]) -> None:
    garbled = "\n\n".join(b[0] for b in blocks) + "\n" + _DEFINED
    want = "\n\n".join(b[1] for b in blocks) + "\n" + _DEFINED
    fixed, repaired, *_ = repair_mojibake(garbled)
    assert _literals(fixed) == _literals(garbled)
    # And the prose around them, on their lines too, is repaired as a line of prose alone would be.
    assert fixed == want
    assert bool(repaired) == (garbled != want)


def test_a_post_about_mojibake_keeps_its_examples(tmp_path: Path) -> None:
    text = (
        "When UTF-8 is decoded as Windows-1252 you get strings like `Ã©` instead of `é`, and "
        "[links](https://example.com/Facebookâ€™s) stay:\n\n"
        '```python\n>>> "café".encode("utf-8").decode("cp1252")\n\'cafÃ©\'\n```\n\n'
        "    'Facebookâ€™s'\n"
    )
    assert repair_mojibake(text) == (text, [], [], [])
    # Its prose garbled too: the whole file likely went through the wrong codec, so the code is named.
    fixed, repaired, doubtful, literal = repair_mojibake("Itâ€™s " + text)
    assert fixed == "It’s " + text and repaired == [1] and not doubtful and literal == [1, 5, 8]


def test_the_seed_posts_mac_roman_emoji_are_restored(shared_dir: Path) -> None:
    text = (shared_dir / "fixtures" / "seed" / "000_c08c7fb56cc1e59a.txt").read_text(encoding="utf-8")
    fixed, repaired, doubtful, _ = repair_mojibake(text)
    assert "‚ú®" not in fixed and "üî•" not in fixed and "✨" in fixed and "🔥" in fixed
    assert repaired and not doubtful
    # Only the garbled runs changed.
    assert len(fixed.splitlines()) == len(text.splitlines())


def test_repairs_are_noted_by_line_and_no_repair_leaves_the_text(tmp_path: Path) -> None:
    post = tmp_path / "clf50mnnv000a09mmeljm9bzo.md"
    post.write_text(
        "---\ntitle: Mixed\ndatePublished: 2023-03-12\n---\n\nJe l’écris à l’été.\nFacebookâ€™s café "
        + garble_mac("🔥")
        + "\n"
    )
    [fixed], _ = posts_and_problems(post)
    note = next(n for n in fixed.notes if n.kind == "mojibake")
    assert "line(s) 7" in note.what
    body = "".join(getattr(n, "text", "") for n in fixed.body)
    assert "Je l’écris à l’été." in body and "Facebook’s café 🔥" in body
    [kept], _ = posts_and_problems(post, repair=False)
    assert "Facebookâ€™s café " + garble_mac("🔥") in "".join(getattr(n, "text", "") for n in kept.body)
    assert not [n for n in kept.notes if n.kind.startswith("mojibake")]
    out = tmp_path / "out"
    result = runner.invoke(app, ["convert", str(post), "--to", "hugo", "--out", str(out), "--no-repair"])
    assert result.exit_code == 0, result.output
    assert "Facebookâ€™s" in next(out.rglob("index.md")).read_text()


# ---- hostile front matter, encodings and links (issue 16) -------------------------------------------


def test_yaml_aliases_are_refused_fast_and_the_rest_converts(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    (tmp_path / "clf50mnnv000a09mmeljm9bzo.md").write_text(
        "---\n" + "\n".join(lines) + "\ntags: *i\ntitle: Laughs\n---\n\nText.\n"
    )
    (tmp_path / "clf50mnnv000b09mmeljm9bzo.md").write_text(
        "---\ntitle: Good\ndatePublished: 2023-01-01\n---\n\nOk.\n"
    )
    started = time.monotonic()
    posts, problems = posts_and_problems(tmp_path)
    assert time.monotonic() - started < 30
    assert [p.title for p in posts] == ["Good"]
    [problem] = problems
    assert problem.source.endswith("clf50mnnv000a09mmeljm9bzo.md") and "alias" in problem.message
    assert problem.line == 3


def test_deeply_nested_front_matter_is_refused_not_a_crash(tmp_path: Path) -> None:
    # libyaml's builder recurses: 100,000 brackets would end the process.
    depth = 100_000
    (tmp_path / "clf50mnnv000a09mmeljm9bzo.md").write_text(
        f"---\ntitle: {'[' * depth}{']' * depth}\n---\n\nx\n"
    )
    _, [problem] = posts_and_problems(tmp_path)
    assert "nested" in problem.message


WRONG_SHAPES = {
    "tags": {"a": {"b": "c"}},
    "title": ["a", "b"],
    "subtitle": {"x": 1},
    "slug": ["s"],
    "cover": ["https://x"],
    "canonical": {"u": "v"},
    "seoDescription": [["deep"]],
    "datePublished": ["2023"],
}


@pytest.mark.parametrize("key", sorted(WRONG_SHAPES))
def test_a_value_of_the_wrong_shape_is_noted_by_key_and_never_written_as_python(
    tmp_path: Path, key: str
) -> None:
    meta = {"title": "Fine title", "slug": "fine", "datePublished": "2023-01-01", key: WRONG_SHAPES[key]}
    post_file = tmp_path / "clf50mnnv000a09mmeljm9bzo.md"
    post_file.write_text("---\n" + yaml.safe_dump(meta) + "---\n\n# Heading title\n\nBody.\n")
    out = tmp_path / "out"
    result = hashmigrate.convert(post_file, "hugo", out)
    [outcome] = result.posts
    assert outcome.ok, outcome.message
    note = next(n for n in outcome.notes if n.kind == "front-matter-type")
    assert f"'{key}'" in note.what and note.post == str(post_file)
    written = next(out.rglob("index.md")).read_text()
    assert "{'" not in written and "['" not in written
    if key == "title":
        assert outcome.title == "Heading title"


@fuzz("hostile_fm")
@given(
    st.dictionaries(
        st.sampled_from(
            ["title", "subtitle", "slug", "tags", "cover", "datePublished", "seoTitle", "canonical", "x"]
        ),
        st.recursive(
            st.one_of(st.text(max_size=10), st.integers(), st.booleans(), st.none()),
            lambda inner: st.one_of(
                st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)
            ),
            max_leaves=8,
        ),
        max_size=6,
    )
)
def test_any_front_matter_shape_gives_a_post_of_text_or_one_problem(meta: dict[str, object]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        post_file = Path(folder) / "clf50mnnv000a09mmeljm9bzo.md"
        post_file.write_text(
            "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n\n# Fallback\n\nBody.\n"
        )
        posts, problems = posts_and_problems(post_file)
        assert len(posts) + len(problems) == 1
        for post in posts:
            texts = [post.title, post.slug, post.subtitle, post.cover, post.canonical_url, post.seo_title]
            assert all(t is None or isinstance(t, str) for t in texts)
            # Never a Python repr of a list or mapping ("{'a': ...}", "['a', ...]").
            assert all(
                isinstance(tag.name, str) and not tag.name.startswith(("{'", "['")) for tag in post.tags
            )
            assert post.published is not None
            for key, value in meta.items():
                if key != "x" and isinstance(value, dict | list) and key != "tags":
                    assert any(f"'{key}'" in n.what for n in post.notes if n.kind == "front-matter-type")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_files_are_decoded(codec: str) -> None:
    text = "---\ntitle: Été\ndatePublished: 2023-01-01\n---\n\nÇa marche 🚀\r\n"
    decoded, note = decode(text.encode(codec))
    assert decoded == text.replace("\r\n", "\n")
    assert note is not None and ("UTF-16" in note or "UTF-32" in note)


def test_a_link_out_of_the_source_folder_is_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: Private\ndatePublished: 2023-01-01\n---\n\nPRIVATE TEXT\n")
    src = tmp_path / "src"
    src.mkdir()
    (src / "clf50mnnv000a09mmeljm9bzo.md").symlink_to(secret)
    (src / "clf50mnnv000b09mmeljm9bzo.md").write_text(
        "---\ntitle: Mine\ndatePublished: 2023-01-01\n---\n\nok\n"
    )
    (src / "clf50mnnv000c09mmeljm9bzo.md").symlink_to(src / "clf50mnnv000b09mmeljm9bzo.md")  # inside: fine
    posts, problems = posts_and_problems(src)
    assert [p.title for p in posts] == ["Mine"]  # the link inside is the same post: one copy
    [problem] = [p for p in problems if p.kind == "error"]
    assert "outside the source folder" in problem.message and problem.source.endswith("a09mmeljm9bzo.md")
    out = tmp_path / "out"
    hashmigrate.convert(src, "hugo", out)
    assert "PRIVATE TEXT" not in "".join(p.read_text() for p in out.rglob("*.md"))


def test_the_cuid_time_is_close_to_or_later_than_the_stated_date_on_the_corpus(corpus_dir: Path) -> None:
    """What makes the cuid a fair stand-in for a missing date, measured where the corpus states one:
    mostly the same minute, otherwise later (imported or back-dated posts), never a day earlier."""
    within_a_minute = later = earlier = 0
    for author in sorted(p for p in corpus_dir.iterdir() if p.is_dir()):
        for post in hashmigrate.load(author):
            by_id = cuid_time(Path(post.source).stem)
            if post.date_origin != "front matter" or by_id is None or post.published is None:
                continue
            gap = (by_id - post.published).total_seconds()
            within_a_minute += abs(gap) <= 60
            later += gap > 60
            earlier += gap < -60
            assert gap > -86400, post.source
    assert within_a_minute + later + earlier > 1000
    assert within_a_minute > 0.75 * (within_a_minute + later + earlier) and earlier <= 2


def test_a_post_built_by_hand_without_a_date_is_refused_by_every_target(tmp_path: Path) -> None:
    undated = Post(title="By hand", slug="by-hand", body=(), source="script")
    for target in ("hugo", "jekyll", "devto", "wordpress"):
        result = hashmigrate.convert([undated], target, tmp_path / target)
        [outcome] = result.posts
        assert (
            outcome.status == "failed"
            and outcome.message == "script: no publish date; give it one (Post.published)"
        )
        written = [p for p in (tmp_path / target).rglob("*") if p.is_file()]
        assert not [p for p in written if "by-hand" in str(p) or "By hand" in p.read_text()]


def test_a_long_garbled_line_is_repaired_in_linear_time() -> None:
    # The repair looks at each line as a whole; a post can hold one line of megabytes.
    line = ("l’été ” à " + garble_cp1252("é’") + " " + garble_mac("🔥") + " ") * 20_000
    started = time.monotonic()
    fixed, repaired, *_ = repair_mojibake(line)
    assert time.monotonic() - started < 30
    assert fixed == "l’été ” à é’ 🔥 " * 20_000 and repaired == [1]
