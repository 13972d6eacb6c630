"""Heading ids: what each target names a heading, checked against the real generators.

``#heading-...`` links written on Hashnode are rewritten to the id the target gives the same heading;
each exporter predicts that id (Hugo: goldmark's rule, Jekyll: kramdown's), and WordPress writes
Hashnode's own. The property builds one real site per generator holding many generated headings
(underscores, ``*``, ``~``, code spans, links, non-ASCII, punctuation, repeats) and checks every id
predicted is the one the built page has, heading by heading.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from test_hugo import HUGOS, hugo_command, make_site
from test_hugo import build as hugo_build
from test_jekyll import jekyll_build, jekyll_command

import hashmigrate
from exporters.hugo import HugoExporter
from exporters.jekyll import CONFIG_FILE, JekyllExporter
from exporters.wordpress_blocks import render_body
from hashmigrate.exporter import Site
from hashmigrate.links import LinkIndex, hashnode_heading_ids, target_heading_ids
from hashmigrate.model import Post

BLOG = "https://blog.example.dev"
HEADER = """---
title: "Headings"
datePublished: Mon Jan 02 2023 10:00:00 GMT+0000 (Coordinated Universal Time)
cuid: cla0000000000000000000005
slug: headings
---

"""
BUILDS = settings(
    max_examples=2,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Not generated, known differences: a link whose text starts with a code span (current Hugo keeps only
# the code: "[`code` link](u)" is "code"), an image in a heading for Jekyll (kramdown leaves its alt
# text out), "<<" and ">>" for Jekyll (kramdown's typography makes them guillemets before the id is made).
_PIECES = st.sampled_from(
    [
        "Using",
        "my_function",
        "_under_",
        "*em*",
        "**strong**",
        "a*b",
        "~tilde~",
        "~~gone~~",
        "`my_var`",
        "`a*b~c`",
        "[a link](https://l.dev)",
        "Kotlin's",
        "dev.to",
        "3.10",
        "Q&A",
        "&amp;",
        "&lt;T&gt;",
        "(and)",
        "!?:;,",
        "--",
        "a-b",
        "x - y",
        "café",
        "日本語",
        "Ünïcödé",
        "🚀",
        "C++",
        "C#",
        "#1",
        "100%",
        "$5",
        "a/b",
        '"quoted"',
        "<b>bold</b>",
        "\\*not em\\*",
        "\\_x",
        "  ",
    ]
)
_HEADING = st.lists(_PIECES, min_size=1, max_size=5).map(" ".join).filter(lambda h: h.strip())
# Repeats: most headings are drawn again from the first few.
_HEADINGS = st.lists(_HEADING, min_size=5, max_size=8).flatmap(
    lambda pool: st.lists(st.one_of(st.sampled_from(pool), _HEADING), min_size=40, max_size=60)
)


def load(headings: list[str], tmp: Path) -> Post:
    source = tmp / "cla0000000000000000000005.md"
    source.write_text(HEADER + "Intro.\n\n" + "".join(f"## {h}\n\nText.\n\n" for h in headings))
    return next(iter(hashmigrate.load(source, blog_url=BLOG, drafts=True)))


def built_ids(page: str) -> list[str]:
    """Each <h2>'s id, "" for one without (kramdown gives an empty id none)."""
    return [
        re.search(r' id="([^"]*)"', tag)[1] if " id=" in tag else ""
        for tag in re.findall(r"<h2\b[^>]*>", page)
    ]


@pytest.fixture(scope="module", params=sorted(HUGOS))
def hugo(request: pytest.FixtureRequest) -> list[str]:
    return hugo_command(request.param)


@pytest.fixture(scope="module")
def jekyll() -> str:
    return jekyll_command()


@pytest.mark.hugo
@BUILDS
@given(headings=_HEADINGS)
@example(headings=["x", "x-1", "x", "Using", "Using", "Using 1"])  # goldmark skips the ids taken
def test_hugo_heading_ids_are_goldmarks(hugo: list[str], headings: list[str], tmp_path: Path) -> None:
    post = load(headings, tmp_path)
    exporter = HugoExporter()
    site = make_site(Path(tempfile.mkdtemp(dir=tmp_path)))
    for file in exporter.render(post, Site(blog_url=BLOG)).files:
        (site / file.path).parent.mkdir(parents=True, exist_ok=True)
        (site / file.path).write_text(file.content)
    hugo_build(hugo, site)
    page = (site / "public" / "posts" / "headings" / "index.html").read_text()
    predicted = target_heading_ids(post.tree, exporter.heading_id)
    # Hugo 0.111 (Debian's) made ids from a heading's source: where that would differ, the id is
    # written ({#id}), so both Hugos give every heading the id predicted.
    wrong = [(h, p, b) for h, p, b in zip(headings, predicted, built_ids(page), strict=True) if p != b]
    assert not wrong, wrong


@pytest.mark.hugo
def test_hugo_headings_with_markup_or_braces_have_their_id_written(hugo: list[str], tmp_path: Path) -> None:
    """Links to headings with a link, an entity or emphasis land in every Hugo (0.111 made ids from the
    source: the corpus had 13 dead links to ``## [I. Codebase](https://12factor.net/codebase)``), and a
    heading ending in braces goldmark reads as attributes keeps them as text, as Hashnode shows them."""
    headings = [
        "[I. Codebase](https://12factor.net/codebase)",
        "A simple implementation (&lt;20 lines)",
        "*b my_function a*",
        "Plain {#x2}",
        "Styled {.big}",
        "Use {braces}",
        "Plain",
    ]
    post = load(headings, tmp_path)
    exporter = HugoExporter()
    site = make_site(Path(tempfile.mkdtemp(dir=tmp_path)))
    [file] = exporter.render(post, Site(blog_url=BLOG)).files
    assert "## Plain\n" in file.content and "## Plain {#plain}" not in file.content  # plain: Hugo's own
    (site / file.path).parent.mkdir(parents=True, exist_ok=True)
    (site / file.path).write_text(file.content)
    hugo_build(hugo, site)
    page = (site / "public" / "posts" / "headings" / "index.html").read_text()
    assert built_ids(page) == [
        "i-codebase",
        "a-simple-implementation-20-lines",
        "b-my_function-a",
        "plain-x2",
        "styled-big",
        "use-braces",
        "plain",
    ]
    shown = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h2\b[^>]*>(.*?)</h2>", page)]
    assert shown[3:6] == ["Plain {#x2}", "Styled {.big}", "Use {braces}"]


@pytest.mark.jekyll
@BUILDS
@given(headings=_HEADINGS)
@example(headings=["x", "x-1", "x", "Using", "Using", "Using 1"])  # kramdown counts, taken or not
def test_jekyll_heading_ids_are_kramdowns(jekyll: str, headings: list[str], tmp_path: Path) -> None:
    post = load(headings, tmp_path)
    exporter = JekyllExporter()
    site = Path(tempfile.mkdtemp(dir=tmp_path))
    (site / "_posts").mkdir(parents=True)
    (site / "_posts" / "2023-01-02-headings.md").write_text(
        exporter.render(post, Site(blog_url=BLOG)).files[0].content
    )
    (site / CONFIG_FILE).write_text(exporter.config_snippet())
    jekyll_build(jekyll, site)
    page = (site / "_site" / "2023" / "01" / "02" / "headings.html").read_text()
    page = page[page.index('itemprop="articleBody"') : page.index('<a class="u-url"')]  # not minima's own
    predicted = target_heading_ids(post.tree, exporter.heading_id, exporter.repeated_headings)
    wrong = [(h, p, b) for h, p, b in zip(headings, predicted, built_ids(page), strict=True) if p != b]
    assert not wrong, wrong


@given(headings=_HEADINGS)
@example(headings=["Using", "Using", "Using #1"])
@example(headings=["Using #1", "Using", "Using"])
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_wordpress_heading_ids_are_hashnodes(
    headings: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    post = load(headings, tmp_path_factory.mktemp("wp"))
    blocks, _ = render_body(post)
    ids = re.findall(r'<h2 id="([^"]*)"', blocks)
    tree = post.tree
    # Hashnode's own ids can repeat one (a heading "Using #1" after two "Using" is "using-1" twice); a
    # link lands on the first heading with it. The page's ids are unique, and each heading that is the
    # first with its Hashnode id has that id, so every link lands where it lands at Hashnode.
    hashnode = hashnode_heading_ids(tree.heading_source(h) for h in tree.headings())
    assert len(set(ids)) == len(ids) == len(hashnode)
    first = [n for n, h in enumerate(hashnode) if h not in hashnode[:n]]
    assert [ids[n] for n in first] == [hashnode[n] for n in first]


def test_hugo_ids_keep_dashes_as_typed_with_the_typographer_off() -> None:
    # The config snippet and --site turn goldmark's typographer off: "--" is no en dash to drop.
    assert [HugoExporter.heading_id(t) for t in ("a -- b", "x --- y", "q << r")] == [
        "a----b",
        "x-----y",
        "q--r",
    ]


def test_ids_keep_underscores_in_words_and_code_and_number_repeats(tmp_path: Path) -> None:
    post = load(["Using my_function", "Using `my_var`", "Overview", "Overview", "!?", "A  B"], tmp_path)
    assert target_heading_ids(post.tree, HugoExporter.heading_id) == [
        "using-my_function",
        "using-my_var",
        "overview",
        "overview-1",
        "heading",
        "a--b",
    ]
    assert target_heading_ids(post.tree, JekyllExporter.heading_id) == [
        "using-my_function",
        "using-my_var",
        "overview",
        "overview-1",
        "",  # kramdown writes no id
        "a--b",
    ]
    assert (
        JekyllExporter.heading_id("İstanbul") == "i̇stanbul" and HugoExporter.heading_id("x² -- y") == "x----y"
    )


def test_a_link_to_a_repeated_heading_goes_to_that_heading(tmp_path: Path) -> None:
    index = LinkIndex()
    index.add_anchors(load(["Overview", "Details", "Overview"], tmp_path), HugoExporter.heading_id)
    assert index.anchors["headings"] == {
        "heading-overview": "overview",
        "heading-details": "details",
        "heading-overview-1": "overview-1",
    }


def test_wordpress_ids_are_made_from_the_heading_as_written(tmp_path: Path) -> None:
    post = load(["[I. Codebase](https://12factor.net/codebase)", "Exception `__context__`"], tmp_path)
    blocks, _ = render_body(post)
    assert re.findall(r'<h2 id="([^"]*)"', blocks) == [
        "heading-i-codebasehttps12factornetcodebase",
        "heading-exception-context",
    ]
