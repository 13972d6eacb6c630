"""Readers: backup folders (both generations, git history), the JSON export, and bad input."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import frontmatter
import pytest

import hashmigrate
from hashmigrate import yamlfm
from hashmigrate.hashnode import Problem
from hashmigrate.hashnode.backup import read_backup
from hashmigrate.hashnode.dates import cuid_time
from hashmigrate.hashnode.frontmatter import HANDLER, FrontMatterError, parse_date
from hashmigrate.model import Markdown, Post

GOLDEN = Path(__file__).parent / "golden"
EXAMPLES = Path(__file__).parent.parent / "examples" / "blog"


def read(path: Path, **kwargs: object) -> tuple[list[Post], list[hashmigrate.Problem]]:
    problems: list[hashmigrate.Problem] = []
    posts = list(hashmigrate.load(path, problems=problems, **kwargs))  # type: ignore[arg-type]
    return posts, problems


def test_new_format_front_matter_maps_to_every_field() -> None:
    [post], _ = read(GOLDEN / "frontmatter-full" / "input.md", blog_url="https://blog.example.dev/")
    assert post.title == "Kubernetes: Probes, Explained — With Examples 🚀"
    assert post.slug == "kubernetes-probes-explained" and post.cuid == "clmt593q9000l09lbbrnthd3a"
    assert post.published == datetime(2023, 9, 21, 12, 23, 19, tzinfo=UTC)
    assert [t.name for t in post.tags] == ["kubernetes", "devops", "web-development", "AI", "yes"]
    assert post.seo_title == "Kubernetes probes explained"
    assert post.seo_description and post.seo_description.startswith("Liveness, readiness")
    assert post.canonical_url == "https://jane.example.org/k8s-probes"
    assert post.cover and post.cover.endswith("833899d6-d51e-4449-afa2-ca5a7cbcd602.png")
    assert post.og_image and post.og_image.endswith("777b5a3e-0417-41d1-8242-cae13788f585.png")
    assert post.hashnode_url == "https://blog.example.dev/kubernetes-probes-explained"
    assert not post.notes


def test_front_matter_that_is_not_yaml_is_read_line_by_line_with_a_note() -> None:
    [post], _ = read(GOLDEN / "frontmatter-not-yaml" / "input.md")
    assert post.title == 'Why "sum" and "count" differ in rolling windows'
    assert (
        post.seo_description
        == "Rolling windows: sum vs count 1. What each aggregates 2. Which one to alert on"
    )
    assert [n.kind for n in post.notes] == ["front-matter"]


def test_old_format_title_from_heading_and_slug_from_title() -> None:
    [post], _ = read(GOLDEN / "old-format" / "cknptt680000a0mk7hx2b5q9r.md")
    assert post.title == "5 Resources To Learn JavaScript: A Beginner's List"
    assert post.slug == "5-resources-to-learn-javascript-a-beginner-s-list"
    # No front matter and no git: the date is the one the cuid in the file name records.
    assert post.cuid == "cknptt680000a0mk7hx2b5q9r"
    assert post.published == datetime(2021, 4, 20, 9, 30, tzinfo=UTC)
    assert post.date_approximate and post.date_origin == "cuid"
    assert {n.kind for n in post.notes} == {"old-format", "date-approximate"}
    assert "Beginner" not in "".join(getattr(n, "text", "") for n in post.body)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "Sun Mar 12 2023 06:29:29 GMT+0000 (Coordinated Universal Time)",
            datetime(2023, 3, 12, 6, 29, 29, tzinfo=UTC),
        ),
        (
            "Sun Mar 12 2023 08:29:29 GMT+0200 (Eastern European Standard Time)",
            datetime(2023, 3, 12, 6, 29, 29, tzinfo=UTC),
        ),
        ("2025-05-12T07:43:20.580Z", datetime(2025, 5, 12, 7, 43, 20, 580000, tzinfo=UTC)),
        ("2023-04-05", datetime(2023, 4, 5, tzinfo=UTC)),
        ("1747033669754", datetime(2025, 5, 12, 7, 7, 49, 754000, tzinfo=UTC)),
        ("not a date", None),
        ("Sun Foo 12 2023 06:29:29 GMT+0000", None),
    ],
)
def test_dates(value: str, expected: datetime | None) -> None:
    assert parse_date(value) == expected


def test_examples_blog_skips_readme_draft_and_older_duplicate() -> None:
    posts, problems = read(EXAMPLES)
    assert len(posts) == 10
    assert not any(p.source.endswith("README.md") for p in posts)
    assert not any("README" in p.source for p in problems)
    skipped = {Path(p.source).name: p.message for p in problems}
    assert skipped.keys() == {"draft-67c56f9077a2362a5e947b49.md", "clht3k5qe00170qtpmgq3xh26.md"}
    postgres = next(p for p in posts if p.slug == "postgres-indexes-explained")
    assert postgres.cuid == "clsiiif1b0008018pgx768d8k"
    crlf = next(p for p in posts if p.cuid == "cknmvhaii00100l5q37udozps")
    assert "Ghost" in crlf.title
    assert all("\r" not in getattr(n, "text", "") for n in crlf.body)


def test_drafts_are_read_on_request_and_named_when_untitled() -> None:
    posts, _ = read(EXAMPLES, drafts=True)
    draft = next(p for p in posts if p.draft)
    assert draft.title.startswith("Untitled draft")


def test_same_title_different_posts_are_both_kept(tmp_path: Path) -> None:
    (tmp_path / "clf50mnnv0000000000000001.md").write_text("## Thank you.\n\nFirst reply.\n")
    (tmp_path / "clf50mnnv0000000000000002.md").write_text("## Thank you.\n\nA different reply.\n")
    (tmp_path / "clf50mnnv0000000000000003.md").write_text("## Thank you.\n\nFirst reply.\n")
    posts, problems = read(tmp_path)
    assert sorted(p.slug for p in posts) == ["thank-you", "thank-you-clf50mnnv0000000000000002"]
    assert [Path(p.source).name for p in problems] == ["clf50mnnv0000000000000003.md"]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.md", b"", "empty"),
        ("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        ("unterminated.md", b"---\ntitle: x\nslug: y\n", "never ends"),
        ("notitle.md", b"---\nslug: y\ndatePublished: 2023-01-01\n---\n\nno heading here\n", "no title"),
        ("badline.md", b"---\n[broken: x\ntitle: y\n---\n\nbody\n", "not 'key: value'"),
    ],
)
def test_bad_files_give_one_clear_problem_and_the_batch_goes_on(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    shutil.copy(GOLDEN / "frontmatter-full" / "input.md", tmp_path / "cla0000000000000000000099.md")
    (tmp_path / name).write_bytes(data)
    (tmp_path / name).rename(tmp_path / "cla0000000000000000000001.md")
    posts, problems = read(tmp_path)
    assert [p.slug for p in posts] == ["kubernetes-probes-explained"]
    assert len(problems) == 1
    text = problems[0].line_text()
    assert text.startswith(str(tmp_path / "cla0000000000000000000001.md")) and message in text
    assert "\n" not in text


def test_non_utf8_file_is_read_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "cla0000000000000000000001.md").write_bytes(b"## Caf\xe9 notes\n\nIt\x92s fine.\n")
    [post], _ = read(tmp_path)
    assert post.title == "Café notes"
    assert any(n.kind == "encoding" and "line 1" in n.what for n in post.notes)


def test_mojibake_is_repaired_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "cla0000000000000000000001.md").write_text(
        "## Event\n\nVenue \u201a\u00fa\u00ae and caf\u00e9.\n"
    )
    [post], _ = read(tmp_path)
    assert "Venue ✨ and café." in post.body[0].text  # type: ignore[union-attr]
    assert any(n.kind == "mojibake" for n in post.notes)


def test_a_post_explaining_mojibake_keeps_its_code_and_links(tmp_path: Path) -> None:
    # The reported post (its prose shows mojibake in code on purpose), plus a link to a garbled URL.
    body = (
        "When UTF-8 is decoded as Windows-1252 you get strings like `Ã©` instead of `é`:\n\n"
        '```python\n>>> "café".encode("utf-8").decode("cp1252")\n\'cafÃ©\'\n'
        '>>> "Facebook’s".encode("utf-8").decode("cp1252")\n\'Facebookâ€™s\'\n```\n\n'
        "See [the post](https://example.com/Facebookâ€™s).\n"
    )
    (tmp_path / "clq0000000000000000000008.md").write_text(
        '---\ntitle: "Fixing mojibake in Python"\ndatePublished: Sun Mar 12 2023 06:29:29 GMT+0000 '
        "(Coordinated Universal Time)\ncuid: clq0000000000000000000008\nslug: fixing-mojibake\n\n---\n\n"
        + body
    )
    [post], _ = read(tmp_path)
    assert "".join(node.text for node in post.body if isinstance(node, Markdown)) == body
    # Its prose is clean, so the garbled-looking code is its examples: no note about them.
    assert not [n for n in post.notes if n.kind.startswith("mojibake")]


def test_missing_source_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(hashmigrate.SourceError, match="no such file"):
        list(hashmigrate.load(tmp_path / "nope"))


# -- real data ------------------------------------------------------------------------------------


def test_json_export(shared_dir: Path) -> None:
    export = next((shared_dir / "fixtures" / "hashnode-json-export").glob("*.json"))
    posts, problems = read(export)
    assert len(posts) + len(problems) == 18
    assert len(problems) == 4 and all("deleted" in p.message for p in problems)
    first = next(p for p in posts if p.slug == "identify-and-refactor-code-smells-for-better-code-quality")
    assert first.published == datetime(2025, 5, 12, 7, 43, 20, 580000, tzinfo=UTC)
    assert first.subtitle.startswith("Practical Techniques")
    assert first.seo_title == "Refactor Code Smells for Quality Improvements"
    dated = next(p for p in posts if p.slug == "factors-to-look-dealing-crypto")
    assert dated.published and dated.published.year == 2021  # dateAdded, not the 2024 createdAt
    assert dated.canonical_url == "https://blog.sparker0i.me/factors-to-look-dealing-crypto/"
    tagged = [p for p in posts if p.extra.get("tag_ids")]
    assert tagged and all(not p.tags and any(n.kind == "tag-ids" for n in p.notes) for p in tagged)


def test_json_export_takes_tag_names_from_a_backup_of_the_same_blog(shared_dir: Path, tmp_path: Path) -> None:
    export = next((shared_dir / "fixtures" / "hashnode-json-export").glob("*.json"))
    import json

    data = json.loads(export.read_text())
    post = next(p for p in data["posts"] if p.get("isActive") and p.get("tags"))
    backup = tmp_path / "backup"
    backup.mkdir()
    (backup / f"{post['cuid']}.md").write_text(
        f'---\ntitle: "x"\ndatePublished: 2023-01-01\ncuid: {post["cuid"]}\nslug: {post["slug"]}\n'
        "tags: spark, machine-learning\n\n---\n\nbody\n"
    )
    posts, _ = read(export, tags_from=backup)
    match = next(p for p in posts if p.cuid == post["cuid"])
    assert [t.name for t in match.tags] == ["spark", "machine-learning"]


def test_git_history_dates_old_format_posts(shared_dir: Path, tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    bundle = shared_dir / "fixtures" / "MbarkT3STO__HashnodeBlogBackups.bundle"
    checkout = tmp_path / "backup"
    subprocess.run(["git", "clone", "-q", str(bundle), str(checkout)], check=True, timeout=120)
    posts, problems = read(checkout)
    assert len(posts) == 300 and not [p for p in problems if p.kind == "error"]
    old = [p for p in posts if any(n.kind == "old-format" for n in p.notes)]
    assert len(old) == 149
    assert all(p.published is not None for p in old)
    approximate = [p for p in old if p.date_approximate]
    assert 0 < len(approximate) < len(old)
    for post in old:
        first = (
            subprocess.run(
                [
                    "git",
                    "-C",
                    str(checkout),
                    "log",
                    "--diff-filter=A",
                    "--format=%aI %s",
                    "--",
                    Path(post.source).name,
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        git_date, subject = first.split(" ", 1)
        by_git = datetime.fromisoformat(git_date)
        if subject.startswith("create post"):
            # Hashnode's own create commit is the publish: exact.
            assert (post.published, post.date_approximate) == (by_git, False)
        else:
            # A history that begins later (bulk sync, an update): the earlier of it and the cuid time.
            by_cuid = cuid_time(post.cuid)
            assert by_cuid is not None
            assert post.published == min(by_git, by_cuid) and post.date_approximate
            assert post.date_origin == ("cuid" if by_cuid < by_git else "git history")


@pytest.mark.parametrize("kept", [True, False])
def test_a_file_gone_between_the_two_passes_is_one_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: bool
) -> None:
    from hashmigrate.hashnode import backup

    # A blog that fits KEEP_BYTES is read once, by pass one: the later pass reads no file.
    monkeypatch.setattr(backup, "KEEP_BYTES", backup.KEEP_BYTES if kept else 0)
    for n in (1, 2, 3):
        (tmp_path / f"clf50mnnv{n:016d}.md").write_text(
            f"---\ntitle: Post {n}\nslug: post-{n}\n---\n\nBody {n}.\n"
        )
    items = read_backup(tmp_path)
    first = next(items)  # pass one has read every file by now
    (tmp_path / f"clf50mnnv{3:016d}.md").unlink()
    rest = list(items)
    assert isinstance(first, Post) and isinstance(rest[0], Post)
    if kept:
        assert isinstance(rest[1], Post) and rest[1].title == "Post 3"
        return
    assert isinstance(rest[1], Problem) and rest[1].source.endswith(f"clf50mnnv{3:016d}.md")
    assert "No such file" in rest[1].message


def test_front_matter_goes_through_python_frontmatter_handlers() -> None:
    text = "---\ntitle: x\ncontent: y\n---\n\n    code()\n\n"
    block, body = HANDLER.split(text)
    assert (dict(HANDLER.load(block)), body) == ({"title": "x", "content": "y"}, "    code()\n\n")
    # Why the readers do not call frontmatter.loads (see HashnodeHandler): it strips the body, a
    # "content" key breaks it, and a front matter that never ends reads as none.
    assert frontmatter.loads(text.replace("content", "draft"), handler=HANDLER).content == "code()"
    with pytest.raises(TypeError):
        frontmatter.loads(text, handler=HANDLER)
    with pytest.raises(FrontMatterError):
        HANDLER.split("---\ntitle: x\n")
    assert frontmatter.loads("---\ntitle: x\n", handler=HANDLER).metadata == {}
    # Written back through the YAML handler: key order, the body and its indent as given.
    post = yamlfm.fm_post(body, HANDLER.load(block))
    assert frontmatter.dumps(post, handler=yamlfm.HANDLER) == "---\ntitle: x\ncontent: y\n---\n\n" + body


def _export(tmp_path: Path, posts: object, raw: str | None = None) -> Path:
    import json

    path = tmp_path / "5cdd04921a7cb8b20267646b-articles.json"
    path.write_text(raw if raw is not None else json.dumps({"posts": posts}), encoding="utf-8")
    return path


_DATED = {"dateAdded": "2025-05-12T07:43:20Z"}


def test_json_export_half_characters_are_replaced_and_the_batch_goes_on(tmp_path: Path) -> None:
    # "\ud800" is valid JSON for half a character, which no file can hold: writing the first such post
    # stopped the whole run with an internal error, and the posts after it were never converted.
    posts = [{"title": f"T{n}", "slug": f"t{n}", "contentMarkdown": "x\n", **_DATED} for n in range(4)]
    posts[1] |= {"title": "Half \ud800 title", "contentMarkdown": "Body \udfff here\n"}
    posts[1] |= {"author": {"name\ud800": "x"}}  # a key holding one counts too
    result = hashmigrate.convert(_export(tmp_path, posts), to="devto", out=tmp_path / "out")
    assert result.counts()["written"] == 4 and result.ok
    text = (tmp_path / "out" / "t1.md").read_text(encoding="utf-8")
    assert "Half \ufffd title" in text and "Body \ufffd here" in text
    assert [n.what for n in result.notes if n.kind == "encoding"] == [
        "3 lone surrogate(s) (half a character, \\ud800-\\udfff) replaced with U+FFFD"
    ]


def test_json_export_odd_shapes_are_one_line_or_a_note(tmp_path: Path) -> None:
    deep = _export(tmp_path, None, raw='{"posts":' + "[" * 5000 + "]" * 5000 + "}")
    posts, problems = read(deep)
    # Python's json reads as deep as the recursion limit lets it (other tests may raise it): either way
    # one line, never an internal error.
    assert not posts and [p.message for p in problems] in (
        ["not a Hashnode JSON export: nested too deeply to read"],
        ["a post entry is not an object"],
    )
    entries = [
        {"title": "Tags", "slug": "tags", "contentMarkdown": "x\n", "tags": "abc", **_DATED},  # not a list
        {"title": "Gone", "slug": "gone", "contentMarkdown": "x\n", "isActive": "false", **_DATED},
        {"title": "Series", "slug": "series", "contentMarkdown": "x\n", "series": "6821a6985006bd988f7f9399", **_DATED},
    ]  # fmt: skip
    posts, problems = read(_export(tmp_path, entries))
    assert [p.slug for p in posts] == ["tags", "series"] and [p.kind for p in problems] == ["skipped"]
    assert posts[0].tags == () and not [n for n in posts[0].notes if n.kind == "tag-ids"]
    assert posts[1].series is None
    assert [n.what for n in posts[1].notes if n.kind == "series-id"] == [
        "series 6821a6985006bd988f7f9399 is only a Hashnode id in the JSON export"
    ]


def test_tag_ids_a_backup_in_the_old_format_cannot_name_are_noted(tmp_path: Path) -> None:
    # An old-format copy (no front matter) names no tags: the ids were dropped silently.
    backup = tmp_path / "backup"
    backup.mkdir()
    (backup / "cmaks0b2c004109lhdcbtayfe.md").write_text("## Hello\n\nHi\n")
    entry = {
        "title": "Hello",
        "slug": "hello",
        "cuid": "cmaks0b2c004109lhdcbtayfe",
        "contentMarkdown": "Hi\n",
    }
    entry |= {"tags": ["56744721958ef13879b94b77"], **_DATED}
    result = hashmigrate.convert(_export(tmp_path, [entry]), to="devto", out=None, tags_from=backup)
    (post,) = result.posts
    assert [n.why for n in post.notes if n.kind == "tag-ids"] == [
        "the backup's copy of this post names no tags (its old format has no front matter)"
    ]
