"""Ordered lists start where the author's first number says, on every target (issue #15).

Hashnode (CommonMark) shows ``3. foo`` as ``<ol start="3">``; kramdown numbers every list from 1 unless
an attribute list gives ``start``, and dev.to's Redcarpet always does. Each target is checked on its real page (a real build, WordPress's
own PHP when installed) through verify, which compares each ordered list's first number.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_hugo import HUGOS, hugo_command
from test_jekyll import jekyll_command
from test_wordpress import markup_of

import hashmigrate
from hashmigrate.html import render_html
from hashmigrate.parse import parse
from hashmigrate.verification import wordpress
from hashmigrate.verification.compare import FROM_ONE, differences
from hashmigrate.verification.features import features
from hashmigrate.verification.run import VerifyResult
from hashmigrate.verification.targets import jekyll_markdown_page

# A list at 3, at 0, one nested after its item's text, one opening its item, one in a quote written
# with ")" (which kramdown does not know), and one at 1 (no start).
BODY = """3. three
4. four

Text.

0. zero

- outer

  5. nested
  6. more
- 9. first in its item

> 7) quoted
> 8) again

1. one
2. two
"""
STARTS = [3, 0, 5, 9, 7, 1]


def _blog(tmp_path: Path) -> Path:
    source = tmp_path / "blog"
    source.mkdir()
    (source / "clzzzzzzz00000000000000aa.md").write_text(
        '---\ntitle: "A post"\ndatePublished: Mon Jan 01 2024 10:00:00 GMT+0000\nslug: a-post\n---\n\n' + BODY
    )
    return source


def _verified(tmp_path: Path, to: str, command: list[str] | None = None, build: bool = True) -> VerifyResult:
    source = _blog(tmp_path)
    out = tmp_path / "site"
    assert hashmigrate.convert(source, to=to, out=out).ok
    return hashmigrate.verify(out, source, to, generator_command=command or [], build=build)


def _starts_shown(result: VerifyResult) -> list[int]:
    [post] = result.posts
    assert post.lines() == [], post.lines()
    return features(post.target).lists


def test_the_reference_writes_start_as_commonmark_does() -> None:
    page = render_html(
        parse("0. a\n\nText.\n\n123456789. b\n\n- x\n\n  007) c\n\nText.\n\n1) d\n\n1234567890. e\n")
    )
    assert re.findall(r"<ol[^>]*>", page) == [
        '<ol start="0">',
        '<ol start="123456789">',
        '<ol start="7">',
        "<ol>",
    ]
    assert features(render_html(parse(BODY))).lists == STARTS


@pytest.mark.parametrize("which", sorted(HUGOS))
def test_hugo_keeps_each_lists_start(which: str, tmp_path: Path) -> None:
    result = _verified(tmp_path, "hugo", hugo_command(which))
    assert result.built and _starts_shown(result) == STARTS


def test_jekyll_gets_each_lists_start_from_an_attribute_list(tmp_path: Path) -> None:
    result = _verified(tmp_path, "jekyll", [jekyll_command()])
    assert result.built and _starts_shown(result) == STARTS
    written = next((tmp_path / "site" / "_posts").iterdir()).read_text()
    # Right after the list's last line, at its column (a nested list's, a quote's).
    assert '4. four\n{: start="3"}\n' in written
    assert '  6. more\n  {: start="5"}\n' in written
    assert '- 9. first in its item\n  {: start="9"}\n' in written
    assert '> 8. again\n> {: start="7"}\n' in written
    assert "2. two\n{:" not in written


def test_jekyll_at_the_markdown_level_numbers_lists_as_kramdown_does(tmp_path: Path) -> None:
    result = _verified(tmp_path, "jekyll", build=False)
    assert not result.built and _starts_shown(result) == STARTS
    # kramdown ignores the numbers as written: without the attribute list a list starts at 1.
    assert features(jekyll_markdown_page("3. a\n4. b\n")).lists == [1]
    assert features(
        jekyll_markdown_page('> 3. a\n> {: start="3"}\n\n- x\n\n  5. y\n  {: start="5"}\n')
    ).lists == [
        3,
        5,
    ]


def test_devto_numbers_every_list_from_1_and_convert_says_so(tmp_path: Path) -> None:
    """Forem's Markdown is Redcarpet, whose HTML renderer writes a bare <ol>: no Markdown keeps the start
    there, so the loss is noted, and verify accepts exactly that loss."""
    result = _verified(tmp_path, "devto")
    [post] = result.posts
    assert features(post.target).lists == [1] * len(STARTS)
    [lost] = post.differences
    assert lost.what == "lists" and lost.accepted.startswith("5 ordered list(s) starting at 3, 0, 5, 9, 7")
    assert result.ok
    # Only a start lost (the list from 1) is that loss; another start is not.
    page = render_html(parse(BODY))
    [other] = differences(features(page), features(page.replace('start="3"', 'start="2"')))
    assert other.what == "lists" and not other.detail.startswith(FROM_ONE)
    [lost] = differences(features(page), features(page.replace(' start="3"', "")))
    assert lost.detail.startswith(FROM_ONE)


def test_wordpress_writes_start_in_the_block_and_its_html(tmp_path: Path) -> None:
    markup, _ = markup_of(BODY)
    assert '<!-- wp:list {"ordered":true,"start":3} -->\n<ol start="3">' in markup
    assert '<!-- wp:list {"ordered":true,"start":0} -->\n<ol start="0">' in markup
    assert '<!-- wp:list {"ordered":true} -->\n<ol>' in markup
    assert features(wordpress.pages([markup], use_php=False)[0].html).lists == STARTS  # the port
    # Rendered by WordPress's own PHP when it is installed (CI installs it), else by the port.
    assert _starts_shown(_verified(tmp_path, "wordpress")) == STARTS


def test_a_page_that_lost_a_lists_start_is_reported(tmp_path: Path) -> None:
    command = jekyll_command()
    source = _blog(tmp_path)
    out = tmp_path / "site"
    hashmigrate.convert(source, to="jekyll", out=out)
    post = next((out / "_posts").iterdir())
    post.write_text(re.sub(r'\n *\{: start="3"\}', "", post.read_text()))
    for build in (True, False):
        result = hashmigrate.verify(out, source, "jekyll", generator_command=[command], build=build)
        [checked] = result.posts
        assert [d.what for d in checked.differences] == ["lists"], checked.lines()
        assert "[3, 0, 5, 9, 7, 1] but target [1, 0, 5, 9, 7, 1]" in checked.differences[0].detail
        assert not result.ok
