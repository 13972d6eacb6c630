"""Links between the blog's own posts, heading anchors, and the map of old URLs to new ones.

On Hashnode a post lives at ``https://<blog>/<slug>`` and its headings have ids ``heading-<slug of the
text>``. After the move, a link from one post to another must point at the other post's new URL, and
``#heading-...`` at the id the target generates for the same heading. Links into the blog that match no
post of the export are left alone and noted.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Literal, TypeAlias
from urllib.parse import SplitResult, unquote, urlsplit

from hashmigrate.document import (
    CodeBlock,
    Construct,
    Definition,
    Document,
    Element,
    Heading,
    HtmlBlock,
    HtmlInline,
    Link,
    Paragraph,
    Picture,
    Table,
    destination,
    flat_view,
    link_markdown,
    plain_text,
    title_markdown,
)
from hashmigrate.model import Callout, Embed, Html, Image, Markdown, Note, Post

# Planning only (which hosts are the blog's, which posts' headings are linked to): a Markdown link
# destination, an autolink, an href attribute, or an embed, found in a body's source as written. The
# planning pass reads bodies unparsed (each post is parsed once, when it is converted), so it scans the
# text; it may find too many links (one in code), never too few. Rewriting walks the tree.
# Each alternative opens with a literal, so the engine skips at once to the next "]", "<", "h" or "%";
# a lookahead in front of them (or "\b" before "href") has it try the alternatives at every position:
# 2.4x slower on the corpus's bodies. "h(?<!\wh)" is "\bh": no word character before the "h".
_LINK = re.compile(
    r"\]\(\s*<?(?P<url>[^\s)>]+)"
    r"|<(?P<aurl>https?://[^\s>]+)>"
    r"|h(?<!\wh)ref=[\"'](?P<hurl>[^\"']+)"
    r"|%\[(?P<eurl>https?://[^\s\]]+)\s*\]"
)
# The last path segment before a ``#heading-`` fragment: the slug of the post the anchor is in.
_ANCHORED = re.compile(r"/([^/\s()<>\"'#?]+)/?(?:\?[^\s#()<>\"']*)?#heading-")
# An href attribute in raw HTML (the tree does not parse HTML: its attributes are read here).
_HREF = re.compile(r"(?P<pre>\bhref=[\"'])(?P<url>[^\"']+)")
# A reference definition's label and colon, as written.
_LABEL = re.compile(r"[ ]{0,3}\[(?:\\.|[^\\\]])*\]:", re.S)
# What CommonMark takes as an autolink's scheme.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{1,31}:")
# A post's address on hashnode.com, which redirects to the blog: /post/<cuid> or /post/<slug>-<cuid>.
_HASHNODE_POST = re.compile(r"/post/(?:[^/]*-)?(?P<cuid>c[a-z0-9]{24})/?$")
# A post's other address on its blog: /<slug>-<cuid> (the redirect map lists it too).
_SLUG_CUID = re.compile(r"(?P<slug>.+)-(?P<cuid>c[a-z0-9]{24})")
_INLINE_MARKUP = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|<[^>]+>|[*_`~]+|\\(?=[^\w\s])")


def autolink(url: str) -> str:
    """A link that shows its own address: CommonMark reads only an absolute URI as an autolink, so a
    site-relative one is written as a link whose text is the address."""
    return f"<{url}>" if _SCHEME.match(url) else f"[{url}]({url})"


def hashnode_slug(post: Post) -> str:
    """The slug the post had on Hashnode (before a safe or unique name was given to it here)."""
    return str(post.extra.get("hashnode_slug") or post.slug)


def plain_heading(markdown: str) -> str:
    """A heading's text as a reader sees it: links, emphasis, code marks and tags removed."""
    return " ".join(_INLINE_MARKUP.sub(lambda m: m.group(1) or "", markdown).split())


_ENTITY_OR_AMP = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31};|#[0-9]{1,7};|#[xX][0-9A-Fa-f]{1,6};)?")


def hashnode_heading_id(text: str) -> str:
    """The id Hashnode gives a heading whose Markdown source is ``text`` (its first occurrence).

    Derived from the table-of-contents links real posts hold (163 of the corpus's 164 ``#heading-`` links
    resolve; the other names a heading the author renamed): the heading's source as written, link URLs
    and all, HTML-escaped (an entity already written stays one), lower-cased; punctuation and ``_``
    deleted, not turned into ``-`` (``dev.to`` -> ``devto``, ``Kotlin's`` -> ``kotlins``, ``3.10`` ->
    ``310``); each run of spaces and hyphens one ``-``.
    """
    escaped = _ENTITY_OR_AMP.sub(lambda m: m[0] if len(m[0]) > 1 else "&amp;", text)
    escaped = escaped.replace("<", "&lt;").replace(">", "&gt;").lower()
    kept = re.sub(r"[^\w\s-]|_", "", escaped)
    return "heading-" + re.sub(r"[\s-]+", "-", kept.strip()).strip("-")


def hashnode_heading_ids(texts: Iterable[str]) -> list[str]:
    """The ids Hashnode gives a post's headings, in order: a repeated one gets ``-1``, ``-2`` ..."""
    return number_ids((hashnode_heading_id(text) for text in texts), "count")


# Blocks whose children are inline content, where no heading can be: :func:`headings` does not walk
# into them (most of a tree's nodes are there).
_LEAF_BLOCKS = (Paragraph, Heading, CodeBlock, HtmlBlock, Table)


def headings(document: Document) -> list[Heading]:
    """The document's headings in order, as ``document.headings()`` finds them, walking only the
    containers a heading can stand in (quotes, lists, items) rather than every inline node."""
    found: list[Heading] = []
    stack: list[Element] = list(reversed(document.children))
    while stack:
        node = stack.pop()
        if isinstance(node, _LEAF_BLOCKS):
            if isinstance(node, Heading):
                found.append(node)
        elif node.children:
            stack.extend(reversed(node.children))
    return found


def target_heading_ids(
    document: Document,
    heading_id: Callable[[str], str],
    repeats: Repeats = "skip",
    heads: list[Heading] | None = None,
) -> list[str]:
    """The ids a target gives a document's headings, in order, from ``heading_id`` (the target's
    rule for one heading's text), repeats numbered as :func:`number_ids` says. ``heads`` is
    :func:`headings` of the document when the caller has it already."""
    if heads is None:
        heads = headings(document)
    # The text as it is: both rules turn each space into "-" and drop other white space.
    return number_ids((heading_id(plain_text(document, head).strip(" ")) for head in heads), repeats)


# How a page numbers a repeated heading id: "skip" adds -1, -2 ... skipping ids already taken
# (goldmark, Hugo's); "count" adds the number of times the id came before, taken or not (kramdown,
# Jekyll's, and Hashnode's own); "same" keeps the id (Forem: a link lands on the first).
Repeats: TypeAlias = Literal["skip", "count", "same"]


def number_ids(bases: Iterable[str], repeats: Repeats = "skip") -> list[str]:
    """A page's heading ids from each heading's own id, as ``repeats`` says a page numbers them."""
    taken: set[str] = set()
    seen: dict[str, int] = {}
    ids: list[str] = []
    for base in bases:
        chosen = base
        if repeats == "count":
            count = seen.get(base, 0)
            seen[base] = count + 1
            chosen = base if count == 0 else f"{base}-{count}"
        elif repeats == "skip":
            n = 1
            while chosen in taken:
                chosen, n = f"{base}-{n}", n + 1
            taken.add(chosen)
        ids.append(chosen)
    return ids


@dataclass(slots=True)
class LinkIndex:
    """Where every post of the export went on one target, and how its headings are named there."""

    hosts: set[str] = field(default_factory=set)
    urls: dict[str, str] = field(default_factory=dict)  # Hashnode slug -> new URL
    cuids: dict[str, str] = field(default_factory=dict)  # cuid -> Hashnode slug (hashnode.com/post/<cuid>)
    anchors: dict[str, dict[str, str]] = field(default_factory=dict)  # slug -> {hashnode id: target id}
    # Hashnode slug, cuid and new URL of each post added, one after the other (three list slots a
    # post, not a tuple of 72 bytes), the strings urls and cuids hold: the old paths are made when
    # :attr:`redirects` is asked for, not held (a third of the index's size).
    moves: list[str] = field(default_factory=list)

    @property
    def redirects(self) -> list[tuple[str, str]]:
        """(old path, new URL) of every post: ``/<slug>`` and ``/<slug>-<cuid>``."""
        pairs: list[tuple[str, str]] = []
        moves = self.moves
        for at in range(0, len(moves), 3):
            original, cuid, new_url = moves[at : at + 3]
            pairs.append((f"/{original}", new_url))
            if cuid:
                pairs.append((f"/{original}-{cuid}", new_url))
        return pairs

    def add(self, post: Post, new_url: str | None) -> None:
        original = hashnode_slug(post)
        if new_url is None:
            return
        self.urls[original] = new_url
        if post.cuid:
            self.cuids[post.cuid] = original
        self.moves += (original, post.cuid, new_url)
        if post.hashnode_url:
            self.hosts.add(host_of(post.hashnode_url))

    def remove(self, post: Post) -> None:
        """Forget where a post went (before it is added again under another slug)."""
        original = hashnode_slug(post)
        new_url = self.urls.pop(original, None)
        if post.cuid and self.cuids.get(post.cuid) == original:
            del self.cuids[post.cuid]
        moves = self.moves
        self.moves = [
            part for at in range(0, len(moves), 3) if moves[at + 2] != new_url for part in moves[at : at + 3]
        ]

    def post_at(self, path: str) -> tuple[str, str] | None:
        """(Hashnode slug, new URL) of the post at a one-segment path of the blog: ``<slug>``, or
        ``<slug>-<cuid>``, the other address Hashnode gives a post; None when no post is there."""
        found = self.urls.get(path)
        if found is not None:
            return path, found
        other = _SLUG_CUID.fullmatch(path)
        # By its cuid: the slug before it may be one the post had before (an old link).
        slug = self.cuids.get(other["cuid"]) if other is not None else None
        found = self.urls.get(slug) if slug is not None else None
        return (slug, found) if slug is not None and found is not None else None

    def by_cuid(self, cuid: str) -> str | None:
        """The new URL of the post with this cuid."""
        slug = self.cuids.get(cuid)
        return self.urls.get(slug) if slug is not None else None

    def unresolved(self, targets: Iterable[tuple[str, str]]) -> dict[str, int]:
        """One-segment paths on the blog's hosts that links (or canonical URLs) name and no post has,
        with how many posts name each (``targets`` holds each post's once)."""
        found: dict[str, int] = {}
        for host, path in targets:
            if host.lstrip("=") in self.hosts and self.post_at(path) is None:
                found[path] = found.get(path, 0) + 1
        return found

    @staticmethod
    def anchors_wanted(post: Post) -> set[str]:
        """Slugs whose heading ids a post's ``#heading-`` links may need (its own included).

        Finding a post's headings takes a block parse; only these few posts need one (2 of 2,101
        corpus files link to a heading), so the planning pass asks this first. It may name too many
        slugs (a link to another site), never too few.
        """
        own = hashnode_slug(post)
        wanted: set[str] = set()
        for text in _link_texts(post):
            if "#heading-" in text:
                wanted.add(own)
                # A /<slug>-<cuid> path is named by its cuid when the index is known (see api._run).
                wanted.update(m.group(1) for m in _ANCHORED.finditer(text))
        return wanted

    def add_anchors(self, post: Post, heading_id: Callable[[str], str], repeats: Repeats = "skip") -> None:
        """How the target names each heading of a post that ``#heading-`` links point into: Hashnode's
        id from the heading as written, the target's from the text a reader sees (repeats numbered as
        the target numbers them)."""
        document = post.tree
        heads = headings(document)
        targets = target_heading_ids(document, heading_id, repeats, heads)
        hashnode = hashnode_heading_ids(document.heading_source(h) for h in heads)
        self.anchors[hashnode_slug(post)] = dict(zip(hashnode, targets, strict=True))

    @staticmethod
    def link_targets(post: Post) -> set[tuple[str, str]]:
        """(host, one-segment path) of every absolute link of a post; its canonical URL counts as
        ``("=" + host, path)`` when the path is the post's own slug (the post's own address)."""
        urls: list[str] = []
        for text in _link_texts(post):
            urls.extend(_link_url(m) for m in _LINK.finditer(text))
        found = set()
        for url in [*urls, post.canonical_url or ""]:
            parts = split_url(url)
            if parts is None:
                continue
            path = parts.path.strip("/")
            if parts.scheme in {"http", "https"} and path and "/" not in path:
                own = url == post.canonical_url and path == post.slug
                found.add(("=" * own + _host(parts), path))
        return found

    def discover_hosts(self, targets: Iterable[tuple[str, str]]) -> None:
        """A host is the blog's when a post's canonical URL on it is the post's own address, or
        when links on it name two or more posts of the export (one could be a coincidence)."""
        named: dict[str, set[str]] = {}
        for host, path in targets:
            post = self.post_at(path)
            if post is None:
                continue
            if host.startswith("="):
                self.hosts.add(host[1:])
            named.setdefault(host.lstrip("="), set()).add(post[0])
        self.hosts.update(
            host for host, paths in named.items() if len(paths) >= 2 or host.endswith(".hashnode.dev")
        )


def _link_texts(post: Post) -> Iterator[str]:
    """The text planning scans for links: the body's source as written (a parsed body's and an
    unparsed one's are the same text, so both plan alike), or for a post built by hand from nodes, the
    text of each node that can hold a link."""
    if post.document is not None:
        yield post.document.source
        # An embed's address as the reader took it (an hn-embed iframe's is no link in the text).
        yield from (f"]({c.node.url})" for c in post.document.constructs if isinstance(c.node, Embed))
        return
    for node in post.body:
        if isinstance(node, Markdown):
            yield node.text
        elif isinstance(node, (Html, Callout)):
            yield node.html
        elif isinstance(node, Image) and node.link:
            yield f"]({node.link})"
        elif isinstance(node, Embed):
            yield f"]({node.url})"


def _link_url(match: re.Match[str]) -> str:
    return str(match.group("url") or match.group("aurl") or match.group("hurl") or match.group("eurl"))


def split_url(url: str) -> SplitResult | None:
    """``urlsplit`` that answers None for a URL Python cannot parse (``http://[oops``)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a malformed port raises only when read
    except ValueError:
        return None
    return parts


def host_of(url: str) -> str:
    """A URL's host as links compare hosts: lower case, without ``www.`` ("" when it has none or
    cannot be parsed)."""
    parts = split_url(url)
    return _host(parts) if parts else ""


def _host(parts: SplitResult) -> str:
    """:func:`host_of` for a URL already split (one ``urlsplit`` a URL, not two)."""
    host = (parts.hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


class LinkRewriter:
    """Rewrites one post's links against a :class:`LinkIndex`, noting links it cannot resolve."""

    def __init__(self, index: LinkIndex, post: Post) -> None:
        self.index = index
        self.post = post
        self.own_slug = hashnode_slug(post)
        self.notes: list[Note] = []

    def url(self, url: str) -> str:
        if url.startswith("#heading-"):
            return "#" + self._anchor(self.own_slug, url[1:])
        parts = split_url(url)
        if parts is None or parts.scheme not in {"http", "https"}:
            return url
        host = _host(parts)
        if host == "hashnode.com":
            # Anyone's post can be at hashnode.com: only the export's own are rewritten, silently.
            found = _HASHNODE_POST.match(parts.path)
            return (self.index.by_cuid(found["cuid"]) or url) if found else url
        if host not in self.index.hosts:
            return url
        path = parts.path.strip("/")
        if not path:
            return url
        post = self.index.post_at(path)
        if post is None:
            self.notes.append(
                Note(
                    self.post.label,
                    "link-unresolved",
                    f"link {url} points into the blog",
                    "no post of the export has that address",
                    "left as it is",
                )
            )
            return url
        slug, target = post
        if parts.fragment:
            fragment = (
                self._anchor(slug, parts.fragment)
                if parts.fragment.startswith("heading-")
                else parts.fragment
            )
            return f"{target}#{fragment}"
        return target

    def _anchor(self, slug: str, anchor: str) -> str:
        # A browser copies a heading's id outside ASCII %-encoded (#heading-%E6%97%A5...).
        anchors = self.index.anchors.get(slug, {})
        mapped = anchors.get(anchor)
        if mapped is None and "%" in anchor:
            mapped = anchors.get(unquote(anchor))
        if mapped is None:
            self.notes.append(
                Note(
                    self.post.label,
                    "anchor-unresolved",
                    f"anchor #{anchor} matches no heading of {slug}",
                    "the heading was renamed or never existed",
                    "left as it is",
                )
            )
            return anchor
        return mapped

    def html(self, text: str) -> str:
        """Raw HTML with each ``href`` pointing where :meth:`url` says."""

        def swap(match: re.Match[str]) -> str:
            plain = html.unescape(match["url"])
            new = self.url(plain)
            return match[0] if new == plain else match["pre"] + html.escape(new)

        return _HREF.sub(swap, text) if "href=" in text else text

    def relevant(self, text: str) -> bool:
        """Whether a text can hold a link to rewrite (most bodies cannot; walking them would be wasted)."""
        text = text.lower()
        return (
            "#heading-" in text
            or "hashnode.com/post/" in text
            or any(host in text for host in self.index.hosts)
        )

    def element(self, document: Document, node: Element) -> Element | None:
        """The node with its links pointing at their new places, or None when none moved."""
        if isinstance(node, (Link, Picture)):
            if isinstance(node, Link) and node.kind == "reference":
                return None  # its definition is rewritten
            new = self.url(node.dest)
            return None if new == node.dest else replace(node, dest=new, moved=True)
        if isinstance(node, Definition):
            new = self.url(node.dest)
            label = _LABEL.match(document.text_of(node))
            if new == node.dest or label is None:
                return None
            return replace(node, written=f"{label[0]} {destination(new)}{title_markdown(node.title)}")
        if isinstance(node, (HtmlBlock, HtmlInline)):
            text = document.text_of(node) if node.written is None else node.written
            written = self.html(text)
            return None if written == text else replace(node, written=written)
        if isinstance(node, Construct):
            return self._construct(node)
        return None

    def _construct(self, construct: Construct) -> Element | None:
        node = construct.node
        if isinstance(node, Image) and node.link:
            link = self.url(node.link)
            return None if link == node.link else replace(construct, node=replace(node, link=link))
        if isinstance(node, Callout):
            text = self.html(node.html)
            return None if text == node.html else replace(construct, node=replace(node, html=text))
        if isinstance(node, Embed) and node.provider in {"link", "hashnode"}:
            # An embed of one of the blog's own posts is a link card: it becomes a link to the post's
            # new address (often site-relative, which no embed takes), written as Markdown.
            new = self.url(node.url)
            if new == node.url:
                return None
            return Element(construct.start, construct.end, written=link_markdown(new, None) + construct.after)
        return None

    def document(self, document: Document) -> Document:
        """The document with every link to the blog's own posts pointing at their new place."""
        if not self.relevant(document.source) and not any(
            self.relevant(_construct_text(c)) for c in document.constructs
        ):
            return document
        changes: dict[int, Element] = {}
        for node in document.walk():
            new = self.element(document, node)
            if new is not None:
                changes[id(node)] = new
        return document.replaced(changes)


def _construct_text(construct: Construct) -> str:
    """What of a construct can hold a link (a post built by hand has none of it in its source)."""
    node = construct.node
    if isinstance(node, Image):
        return node.link or ""
    if isinstance(node, Callout):
        return node.html
    return node.url if isinstance(node, Embed) else ""


def rewrite_links(post: Post, index: LinkIndex) -> Post:
    """The post with every link to the blog's own posts pointing at their new place: a pass over its
    tree (links, reference definitions, HTML hrefs, linked images, callouts, own-post embeds)."""
    if not index.urls and not index.anchors:
        return post
    rewriter = LinkRewriter(index, post)
    tree = post.tree
    document = rewriter.document(tree)
    if document is tree:
        return replace(post, notes=(*post.notes, *rewriter.notes))
    # The flat body follows, for plug-ins that render Post.body.
    return replace(post, document=document, body=flat_view(document), notes=(*post.notes, *rewriter.notes))


def one_word_apart(a: str, b: str) -> bool:
    """Whether two slugs differ by exactly one word (one added, dropped or changed): a title edited
    after publishing, its slug made again."""
    x, y = a.split("-"), b.split("-")
    if x == y or abs(len(x) - len(y)) > 1:
        return False
    if len(x) == len(y):
        return sum(p != q for p, q in zip(x, y, strict=True)) == 1
    short, long = (x, y) if len(x) < len(y) else (y, x)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def slugs_from_links(made: Iterable[str], unresolved: Iterable[str]) -> dict[str, str]:
    """Made-up slug -> the slug links name, where each is the other's only match one word away.

    Slugs meet through keys (the words with one blanked, with one dropped, as they are), so the time
    grows with the number of slugs, not with their product. Keys are made for the smaller of the
    two sides only and the other side looks them up: a big blog has thousands of slugs made from
    titles and few unresolved links, often none (20,000 posts: keys for every made slug, ~17 a slug,
    were 50 MB, the peak of the whole run)."""
    made = list(dict.fromkeys(made))
    linked = list(dict.fromkeys(unresolved))
    if not made or not linked:
        return {}
    by_made: dict[str, set[str]] = {}
    by_link: dict[str, set[str]] = {}
    if len(made) <= len(linked):
        keys = _slug_keys(made, _made_keys)
        for link in linked:
            for slug in _candidates(keys, _link_keys(link)):
                _pair(slug, link, by_made, by_link)
    else:
        keys = _slug_keys(linked, _link_keys)
        for slug in made:
            for link in _candidates(keys, _made_keys(slug)):
                _pair(slug, link, by_made, by_link)
    pairs: dict[str, str] = {}
    for link in linked:  # in the order the links were found (the order the index is told of them)
        slugs = by_link.get(link)
        if slugs is not None and len(slugs) == 1:
            (slug,) = slugs
            if len(by_made[slug]) == 1:
                pairs[slug] = link
    return pairs


# A key is one string: the words joined again, after a mark of its kind. Two keys of different word
# lists can only meet when a word is empty ("a--b"); a meeting is a candidate, checked word by word.
def _made_keys(slug: str) -> list[str]:
    """A made-up slug's keys: each word blanked, each word dropped, all words."""
    words = slug.split("-")
    return [*_blanked(words), *("-" + w for w in _dropped(words)), "=" + slug]


def _link_keys(link: str) -> list[str]:
    """The keys a link's slug meets a made-up slug's through: the same kinds, the other way round
    (a word dropped from the made slug is the link as it is, and the reverse)."""
    words = link.split("-")
    return [*_blanked(words), "-" + link, *("=" + w for w in _dropped(words))]


def _slug_keys(slugs: list[str], keys_of: Callable[[str], list[str]]) -> dict[str, str | list[str]]:
    """Key -> the slug (or, rarely, slugs) having it."""
    keys: dict[str, str | list[str]] = {}
    for slug in slugs:
        for key in keys_of(slug):
            held = keys.setdefault(key, slug)
            if held is slug:
                continue
            if isinstance(held, str):
                keys[key] = held = [held]
            if slug not in held:
                held.append(slug)
    return keys


def _candidates(keys: dict[str, str | list[str]], wanted: list[str]) -> list[str]:
    found: list[str] = []
    for key in wanted:
        held = keys.get(key)
        if held is not None:
            found.extend([held] if isinstance(held, str) else held)
    return list(dict.fromkeys(found))


def _pair(slug: str, link: str, by_made: dict[str, set[str]], by_link: dict[str, set[str]]) -> None:
    if one_word_apart(slug, link):
        by_made.setdefault(slug, set()).add(link)
        by_link.setdefault(link, set()).add(slug)


def _blanked(words: list[str]) -> list[str]:
    return ["*" + "-".join([*words[:i], "", *words[i + 1 :]]) for i in range(len(words))]


def _dropped(words: list[str]) -> list[str]:
    return ["-".join([*words[:i], *words[i + 1 :]]) for i in range(len(words))]


def write_redirects(pairs: Iterable[tuple[str, str]], style: str) -> str:
    """A redirect map in the format a host understands: netlify, nginx, apache or csv."""
    rows = sorted(set(pairs))
    if style == "netlify":
        return "".join(f"{old}  {new}  301\n{old}/  {new}  301\n" for old, new in rows)
    if style == "nginx":
        return "".join(f"location ~ ^{re.escape(old)}/?$ {{ return 301 {new}; }}\n" for old, new in rows)
    if style == "apache":
        return "".join(f"RedirectMatch 301 ^{re.escape(old)}/?$ {new}\n" for old, new in rows)
    if style == "csv":
        return "old_path,new_url\n" + "".join(f"{_csv(old)},{_csv(new)}\n" for old, new in rows)
    raise ValueError(f"unknown redirect format {style!r} (netlify, nginx, apache, csv)")


def _csv(value: str) -> str:
    return f'"{value.replace(chr(34), chr(34) * 2)}"' if any(c in value for c in ',"\n') else value


REDIRECT_FORMATS = ("netlify", "nginx", "apache", "csv")
