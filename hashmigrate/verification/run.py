"""``hashmigrate verify``: get every post's page on the target (a real build, or a page function) and
compare it with the page Hashnode would show."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias
from urllib.parse import urljoin

from hashmigrate import registry
from hashmigrate.api import ConvertResult, PostResult, Source, convert, read_all
from hashmigrate.exporter import Exporter, Site, hooks
from hashmigrate.links import LinkIndex, host_of, split_url
from hashmigrate.model import Note, Post
from hashmigrate.verification.compare import ALIGNMENT_ONLY, FROM_ONE, Difference, differences
from hashmigrate.verification.features import Features, features
from hashmigrate.verification.pages import Pages, built_pages, function_pages, through
from hashmigrate.verification.reference import reference_html
from hashmigrate.verification.targets import (
    GENERATORS,
    VerifyError,
    each,
    page_key,
    rendered_target,
    supported,
    with_heading_ids,
    written_body,
)

if TYPE_CHECKING:
    from hashmigrate.verification.wordpress_site import WordPressSite

CheckStatus: TypeAlias = Literal["same", "different", "unchecked"]


@dataclass(slots=True)
class PostCheck:
    """One post: ``same`` (only accepted differences, if any), ``different``, or ``unchecked`` (no page)."""

    source: str
    slug: str
    title: str
    url: str | None
    status: CheckStatus = "unchecked"
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # the conversion's notes for the post
    reference: str = ""  # the reference page's HTML
    target: str = ""  # the target page's HTML (its post body)
    message: str = ""  # why it is unchecked

    @property
    def ok(self) -> bool:
        return self.status == "same"

    def lines(self) -> list[str]:
        """One line per difference that counts (``file: what: detail``), or why it is unchecked."""
        if self.status == "unchecked":
            return [f"{self.source}: unchecked: {self.message}"]
        return [f"{self.source}: {d.line()}" for d in self.differences if not d.accepted]

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "slug": self.slug,
            "url": self.url,
            "status": self.status,
            "message": self.message,
            "differences": [
                {"what": d.what, "detail": d.detail, "accepted": d.accepted} for d in self.differences
            ],
            "notes": self.notes,
        }


@dataclass(slots=True)
class VerifyResult:
    """Every post's check. ``method`` says where the pages came from (the generator's build, or the
    Markdown level when it is not installed: ``built`` is then False)."""

    target: str
    method: str
    built: bool
    posts: list[PostCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # source files that could not be read

    @property
    def ok(self) -> bool:
        return not self.problems and all(p.ok for p in self.posts)

    def counts(self) -> Counter[CheckStatus]:
        return Counter(p.status for p in self.posts)


# A post whose files are in the output as convert wrote them (a dry run's, or a written one's).
_WRITTEN = frozenset({"would-write", "written", "unchanged"})


def _accepted(difference: Difference, notes: list[Note]) -> Difference:
    """The difference with the reason the conversion gave for it, when a note names exactly this item:
    an embed the target cannot play (written as a link), a widget left out, images' alignment the target
    has no way to write (dev.to's Markdown), lists numbered from 1 (dev.to's Markdown has no start)."""
    if difference.what == "images" and difference.detail.startswith(ALIGNMENT_ONLY):
        noted = next((note for note in notes if note.kind == "image-align"), None)
        if noted is None:
            return difference
        return Difference(difference.what, difference.detail, f"{noted.what}: {noted.why}")
    if difference.what == "lists" and difference.detail.startswith(FROM_ONE):
        noted = next((note for note in notes if note.kind == "list-start"), None)
        if noted is None:
            return difference
        return Difference(difference.what, difference.detail, f"{noted.what}: {noted.why}")
    if difference.what != "embeds" or not difference.detail.endswith(("is not shown", "is shown as a link")):
        return difference
    provider, _, item = difference.detail.rsplit(" is ", 1)[0].partition(" ")
    for note in notes:
        kinds = {"widget"} if provider == "widget" else {"embed-as-link"}
        # ``id@42`` is a video from 0:42; Expo's ``@user/snack`` starts with its "@".
        if note.kind in kinds and (name := re.sub(r"@\d+$", "", item)) and name in note.what:
            return Difference(difference.what, difference.detail, f"{note.what}: {note.why}")
    return difference


def _blog_hosts(posts: list[Post], urls: dict[str, str], blog_url: str | None) -> set[str]:
    """The hosts the link pass takes for the blog's own (``--blog-url``'s, and those the posts' links and
    canonical URLs show to be the blog's), by the link pass's own rule."""
    index = LinkIndex()
    targets: list[tuple[str, str]] = []
    for post in posts:
        if post.source in urls:
            index.add(post, urls[post.source])
            targets.extend(LinkIndex.link_targets(post))
    if blog_url:
        index.hosts.add(host_of(blog_url))
    index.discover_hosts(targets)
    return index.hosts


def _moved(url: str, redirects: dict[str, str], cuids: dict[str, str], hosts: set[str]) -> str:
    """Where the migration meant a link to go: a link to one of the blog's posts (its old path on the
    blog, or ``hashnode.com/post/<cuid>``) at its new URL."""
    parts = split_url(url)
    if parts is None or parts.scheme not in ("", "http", "https"):
        return url
    host = host_of(url)
    new = (
        redirects.get(parts.path.rstrip("/")) or redirects.get(parts.path)
        if not host or host in hosts
        else None
    )
    if host == "hashnode.com" and parts.path.startswith("/post/"):
        new = cuids.get(parts.path.split("/")[2])
    if new is None:
        return url
    return new + (f"#{parts.fragment}" if parts.fragment else "")


def _mirrored(
    pages: Pages,
    out: Path,
    planned: list[PostResult],
    posts: dict[str, Post],
    exporter: Exporter,
    site: Site,
    image_cache: Source | None,
) -> None:
    """Images ``convert --download-images`` mirrored: each copy's reference, as the page shows it, stands
    for its original (so a mirrored image is no difference), and a reference to a file that was not
    written is one. Where each copy went is found as convert found it: the image cache's index (URL ->
    file) and the exporter's place for it."""
    from hashmigrate.api import DEFAULT_IMAGE_CACHE, image_places
    from hashmigrate.assets import Asset, ImageCache, image_urls, normalise

    cache = ImageCache(Path(image_cache) if image_cache is not None else DEFAULT_IMAGE_CACHE)
    for planned_post in planned:
        key = page_key(planned_post)
        post = replace(posts[planned_post.source], slug=planned_post.slug or posts[planned_post.source].slug)
        urls = image_urls(post)
        assets: dict[str, Asset] = {}
        for url in urls:
            if (asset := cache.get(normalise(url))) is not None:
                assets[asset.source] = asset
        places, _ = image_places(post, exporter, site, assets)
        shown: dict[str, str] = {}
        for original, (path, ref) in places.items():
            shown[ref] = original
            if planned_post.url and "://" not in ref:
                shown[urljoin(planned_post.url, ref)] = original
            if not (out / path).is_file():
                pages.problems.setdefault(key, []).append(
                    f"images: {ref} points at {path}, a file that was not written"
                )
        pages.image_sources[key] = shown
        # Two forms of one image (Hashnode's CDN with and without its transform query) are one copy.
        pages.reference_sources[key] = {
            form: normalise(url)
            for url in urls
            if normalise(url) in places
            for form in (url, html.unescape(url))
        }


def verify(
    out: Source,
    source: Source,
    to: str,
    *,
    blog_url: str | None = None,
    drafts: bool = False,
    options: dict[str, Any] | None = None,
    links: bool = True,
    build: bool = True,
    generator_command: list[str] | None = None,
    site: WordPressSite | None = None,
    download_images: bool = False,
    image_cache: Source | None = None,
) -> VerifyResult:
    """Compare each post of ``source``, as ``convert`` wrote it into ``out`` for ``to``, with the page
    Hashnode would show. Hugo and Jekyll are built with the real generator when it is installed (and
    ``build``; ``generator_command`` names one, e.g. ``["/usr/bin/hugo"]``), else checked at the Markdown
    level; WordPress's blocks are read by WordPress's own code when it is installed (and ``build``),
    or, with a ``site``, read back from that WordPress site through its REST API.
    Raises :class:`VerifyError` when it cannot run."""
    if to not in supported():
        raise VerifyError(f"verify checks {', '.join(supported())}; not {to}")
    if site is None and not Path(out).is_dir():
        raise VerifyError(f"{out}: no such folder (convert into it first)")
    posts: list[Post] = []
    problems: list[str] = []
    for item in read_all(source, drafts=drafts, blog_url=blog_url):
        if isinstance(item, Post):
            posts.append(item)
        elif item.kind == "error":
            problems.append(item.line_text())
    result = verify_posts(
        out,
        posts,
        to,
        blog_url=blog_url,
        drafts=drafts,
        options=options,
        links=links,
        build=build,
        generator_command=generator_command,
        site=site,
        download_images=download_images,
        image_cache=image_cache,
    )
    result.problems = problems
    return result


def verify_posts(
    out: Source,
    posts: list[Post],
    to: str,
    *,
    blog_url: str | None = None,
    drafts: bool = False,
    options: dict[str, Any] | None = None,
    links: bool = True,
    build: bool = True,
    generator_command: list[str] | None = None,
    site: WordPressSite | None = None,
    download_images: bool = False,
    image_cache: Source | None = None,
    converted: ConvertResult | None = None,
) -> VerifyResult:
    """:func:`verify` of posts already read. ``converted``: convert's own result for exactly these
    posts (its ``posts`` and ``redirects``), which is then used instead of planning the conversion again
    (``convert --verify``: each post is read and converted once)."""
    if to not in supported():
        raise VerifyError(f"verify checks {', '.join(supported())}; not {to}")
    if site is not None and to != "wordpress":
        raise VerifyError(f"a WordPress site is read back only for wordpress, not {to}")
    out = Path(out)
    # Where convert put each post, and each link to another post of the blog.
    plan = converted or convert(
        posts, to=to, out=None, dry_run=True, blog_url=blog_url, drafts=drafts, options=options, links=links
    )
    redirects = dict(plan.redirects)
    moved: Callable[[str], str] = lambda link: _moved(link, redirects, cuids, hosts)  # noqa: E731
    # The exporter as convert made it (the user's options: Jekyll's site config depends on them).
    exporter = registry.create(to, **(options or {}))
    hooked = hooks(exporter)
    generator = GENERATORS.get(to)
    # A built page is found at its URL; a rendered target's (dev.to has no URL) by its post's file.
    planned = [p for p in plan.posts if p.status in _WRITTEN and p.paths and (p.url or generator is None)]
    by_source = {post.source: post for post in posts}
    if site is not None:
        from hashmigrate.verification.wordpress_site import site_pages

        pages = site_pages(site, planned, by_source, build)
    elif generator is not None and build and (generator_command or generator.command()) is not None:
        pages = built_pages(generator, generator_command, out, exporter, to, planned, Site(blog_url=blog_url))
    elif generator is not None:
        why = f"{to} is not installed" if build else "no build asked for"
        heading_id = hooked.heading_id
        page_html = generator.markdown_page
        if heading_id is not None:
            page_html = lambda text: with_heading_ids(  # noqa: E731
                generator.markdown_page(text), heading_id, hooked.repeated_headings
            )
        pages = function_pages(
            each(page_html), written_body, out, planned, f"Markdown level only: {why}", False
        )
    else:
        rendered = rendered_target(to)
        assert rendered is not None
        pages = function_pages(
            rendered.shown_pages,
            rendered.post_text,
            out,
            planned,
            f"{to} pages rendered" + (f" by {rendered.method(build)}" if rendered.method else ""),
            build,
        )
    if download_images and hooked.remote_images is None and site is None:
        _mirrored(pages, out, planned, by_source, exporter, Site(blog_url=blog_url), image_cache)
    result = VerifyResult(to, pages.method, pages.built)
    # Links move only where convert moves them: to a target that places posts at URLs of its own.
    moves = links and hooked.url is not None
    urls = {p.source: p.url for p in planned if p.url and moves}
    cuids = {by_source[source].cuid: url for source, url in urls.items() if by_source[source].cuid}
    hosts = _blog_hosts(posts, urls, blog_url) if moves else set()
    references: dict[str, Features] = {}
    targets: dict[str, Features] = {}
    for planned_post in planned:
        key = page_key(planned_post)
        if key in pages.html:
            page = pages.features_of(key)
            sources = pages.image_sources.get(key, {})
            page.images = [replace(i, src=sources.get(i.src, i.src)) for i in page.images]
            # A link to a redirect page of the site (an old address kept) goes where it redirects.
            page.links = [through(link, pages.redirects) for link in page.links]
            page.anchors = [(through(h, pages.redirects), a, b) for h, a, b in page.anchors]
            targets[key] = page
    checks: list[tuple[PostCheck, Post, PostResult]] = []
    for planned_post in planned:
        post = by_source[planned_post.source]
        check = PostCheck(planned_post.source, post.slug, post.title, planned_post.url)
        check.notes = [note.line() for note in planned_post.notes]
        check.reference = reference_html(post)
        key = page_key(planned_post)
        references[key] = features(check.reference)
        if canonical := pages.reference_sources.get(key):
            reference = references[key]
            reference.images = [replace(i, src=canonical.get(i.src, i.src)) for i in reference.images]
        if key in pages.missing:
            check.message = pages.missing[key]
        else:
            check.target = pages.html[key]
        checks.append((check, post, planned_post))

    def ids_of(pages_features: dict[str, Features], this: str) -> Callable[[str], set[str] | None]:
        def ids(link: str) -> set[str] | None:
            if link.startswith("#"):
                return pages_features[this].ids if this in pages_features else None
            parts = split_url(moved(link))
            page = pages_features.get(parts.path) if parts is not None else None
            return page.ids if page is not None else None

        return ids

    for check, _post, planned_post in checks:
        url = page_key(planned_post)
        if url in targets:
            found = differences(
                references[url],
                targets[url],
                moved=moved,
                reference_ids=ids_of(references, url),
                target_ids=ids_of(targets, url),
            )
            # What the target could not read (a block never closed, a Liquid tag dev.to has not) first.
            unread = [Difference(*problem.partition(": ")[::2]) for problem in pages.problems.get(url, [])]
            check.differences = [_accepted(d, planned_post.notes) for d in unread + found]
            check.status = "different" if any(not d.accepted for d in check.differences) else "same"
        result.posts.append(check)
    return result
