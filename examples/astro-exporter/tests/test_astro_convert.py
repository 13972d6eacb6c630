"""The example blog through hashmigrate's own front doors: the API, the CLI, --download-images and sync."""

from __future__ import annotations

import json
import re
from pathlib import Path

import hashmigrate
from astro_support import BLOG_URL, EXAMPLE_BLOG, EXAMPLE_SLUGS, ImageHost, blog_on, front_matter
from hashmigrate.cli import app
from typer.testing import CliRunner

SITE_FILES = {
    "package.json",
    "astro.config.mjs",
    "src/content.config.ts",
    "src/layouts/BaseLayout.astro",
    "src/pages/index.astro",
    "src/pages/blog/[...slug].astro",
}


def written(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name[0] != "."}


def test_convert_the_example_blog_with_the_api(tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = hashmigrate.convert(EXAMPLE_BLOG, to="astro", out=out, blog_url=BLOG_URL)
    assert result.ok, [p.message for p in result.posts if not p.ok]
    posts = {f"src/content/blog/{slug}.md" for slug in EXAMPLE_SLUGS}
    assert written(out) == posts | SITE_FILES
    for slug in EXAMPLE_SLUGS:
        meta, _ = front_matter(out / "src" / "content" / "blog" / f"{slug}.md")
        assert meta["slug"] == slug and isinstance(meta["title"], str) and meta["title"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", str(meta["pubDate"]))
        assert set(meta) <= {
            "title", "slug", "description", "pubDate", "updatedDate", "heroImage", "ogImage", "tags",
            "draft", "canonicalURL", "series", "hashnode",
        }  # fmt: skip
    # Links between posts follow the posts to their new URLs, anchors to Astro's heading ids.
    _, text = front_matter(out / "src/content/blog/why-it-works-on-my-machine-is-a-bug-report.md")
    assert "(/blog/github-actions-secrets-without-tears/#adding-a-deploy-key)" in text
    _, cheat = front_matter(out / "src/content/blog/hashnode-markdown-cheat-sheet.md")
    assert '<aside class="callout" role="note">' in cheat and "(#embeds-and-widgets)" in cheat
    # Hashnode syntax inside code is code: byte for byte.
    source = (EXAMPLE_BLOG / "clf4z11bv001908ilsf4so0hx.md").read_text(encoding="utf-8")
    fence = source[source.index("```markdown") : source.rindex("```") + 3]
    assert fence in cheat
    # A second run writes nothing.
    again = hashmigrate.convert(EXAMPLE_BLOG, to="astro", out=out, blog_url=BLOG_URL)
    assert again.ok and again.counts().get("written", 0) == 0


def test_convert_with_the_cli_and_options(tmp_path: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["exporters"])
    assert listed.exit_code == 0 and "astro" in listed.stdout
    out = tmp_path / "site"
    args = ["convert", str(EXAMPLE_BLOG), "--to", "astro", "--out", str(out), "--blog-url", BLOG_URL]
    result = runner.invoke(app, [*args, "-O", "collection=notes", "-O", "template=false"])
    assert result.exit_code == 0, result.output
    assert written(out) == {f"src/content/notes/{slug}.md" for slug in EXAMPLE_SLUGS}
    _, text = front_matter(out / "src/content/notes/shipping-a-side-project-in-a-weekend.md")
    assert "(/notes/postgres-indexes-explained/)" in text
    bad = runner.invoke(app, [*args, "-O", "collection=../x"])
    assert bad.exit_code == 2 and "collection must be" in bad.output


def test_download_images_puts_them_under_public(tmp_path: Path) -> None:
    with ImageHost() as host:
        blog = blog_on(host.url, tmp_path)
        out, cache = tmp_path / "site", tmp_path / "cache"
        result = hashmigrate.convert(
            blog, to="astro", out=out, blog_url=BLOG_URL, download_images=True, image_cache=cache
        )
        assert result.ok and result.images is not None and not result.images.failed
        assert result.images.downloaded >= 10
        images = sorted(p for p in (out / "public" / "images" / "blog").rglob("*") if p.is_file())
        assert images and all(p.read_bytes().startswith(b"\x89PNG") for p in images)
        for slug in EXAMPLE_SLUGS:
            meta, text = front_matter(out / "src" / "content" / "blog" / f"{slug}.md")
            assert host.url not in text and host.url not in json.dumps(meta)
            refs = re.findall(r"/images/blog/[^\s\")]+", text + json.dumps(meta))
            assert all((out / "public" / ref.lstrip("/")).is_file() for ref in refs), refs
        meta, text = front_matter(out / "src/content/blog/shipping-a-side-project-in-a-weekend.md")
        assert meta["heroImage"] == "/images/blog/shipping-a-side-project-in-a-weekend/cover.png"
        assert '<img src="/images/blog/shipping-a-side-project-in-a-weekend/' in text  # aligned: HTML
        _, old = front_matter(out / "src/content/blog/moving-my-blog-from-ghost-to-hashnode.md")
        assert '<center><img src="/images/blog/moving-my-blog-from-ghost-to-hashnode/' in old  # raw HTML
        fetched = sum(host.hits.values())
        again = hashmigrate.convert(
            blog, to="astro", out=out, blog_url=BLOG_URL, download_images=True, image_cache=cache
        )
        assert again.ok and sum(host.hits.values()) == fetched  # from the cache
        assert again.counts().get("written", 0) == 0


def test_sync_to_an_astro_folder(tmp_path: Path) -> None:
    """Sync accepts any installed exporter as a folder target (hashmigrate before issue #14's companion
    change accepted only hugo and jekyll there: then this test fails at the config check)."""
    with ImageHost() as host:
        blog_on(host.url, tmp_path)
        config = tmp_path / "hashmigrate.toml"
        config.write_text(
            f'[source]\ntype = "backup"\npath = "blog"\nblog_url = "{BLOG_URL}"\n\n'
            '[[targets]]\ntype = "astro"\nout = "site"\ndownload_images = true\n'
            '[targets.options]\ncollection = "blog"\n',
            encoding="utf-8",
        )
        runner = CliRunner()
        first = runner.invoke(app, ["sync", "--config", str(config), "--json"])
        assert first.exit_code == 0, first.output
        summary = json.loads(first.stdout)
        assert summary["targets"][0]["counts"] == {"written": 10}
        site = tmp_path / "site"
        assert {f"src/content/blog/{slug}.md" for slug in EXAMPLE_SLUGS} <= written(site)
        assert written(site) >= SITE_FILES
        assert any((site / "public" / "images" / "blog").rglob("*.png"))
        second = runner.invoke(app, ["sync", "--config", str(config)])
        assert second.exit_code == 0 and "nothing written" in second.stdout
