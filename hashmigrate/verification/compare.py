"""Where a target's page differs from the reference, one line each."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import unquote

from hashmigrate.verification.features import Embedded, Features

# The ids of the page a link points into (``#x`` on this page, or another post's page), or None when the
# page is not one of the blog's (its ids are unknown, so its fragment is not checked).
IdsOf = Callable[[str], "set[str] | None"]


@dataclass(frozen=True, slots=True)
class Difference:
    """One way the page differs: ``what`` is a short key (``text``, ``images`` ...), ``detail`` for people.

    ``accepted`` is the reason when the difference is one the conversion already told the user about
    (an embed the target cannot play, written as a link; a widget left out): shown, never counted.
    """

    what: str
    detail: str
    accepted: str = ""

    def line(self) -> str:
        return f"{self.what}: {self.detail}" + (f" (accepted: {self.accepted})" if self.accepted else "")


ALIGNMENT_ONLY = "alignment only: "
FROM_ONE = "numbered from 1: "  # each list that differs starts at 1 on the target (its start dropped)
_LINKIFY = (
    "the generator links a bare address written in the text (goldmark's Linkify); its text is unchanged"
)
_TRAILING = "only empty lines at the end of the block differ (the generator's highlighter drops them)"
_LINE_END_SPACES = (
    "only spaces at the ends of lines were added (the generator's highlighter: Chroma in Hugo 0.111)"
)


def _spaces_added_at_line_ends(reference: str, target: str) -> bool:
    """Whether the target's code is the reference's with spaces added at the ends of some lines: a
    reader sees the same code."""
    a, b = reference.split("\n"), target.split("\n")
    return len(a) == len(b) and all(
        y.startswith(x) and not y[len(x) :].strip(" ") for x, y in zip(a, b, strict=True)
    )


def _context(text: str, at: int) -> str:
    start = max(0, at - 30)
    return repr(text[start : at + 40])


def _first_difference(a: str, b: str) -> int:
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return index
    return min(len(a), len(b))


def _unfragmented(url: str) -> str:
    """The address without its fragment, percent-escapes decoded: ``%22`` and ``"`` are one address to
    a browser (CommonMark renderers escape, kramdown does not)."""
    return unquote(url.split("#", 1)[0])


def _fragment(url: str) -> str | None:
    return url.split("#", 1)[1] if "#" in url else None


def _lands(fragment: str, ids: set[str]) -> bool:
    """Whether a browser scrolls to an id for ``#fragment``: as written, else percent-decoded (the HTML
    standard's rule; dev.to's ids keep quotes, which a link writes as ``%22``)."""
    return fragment in ids or unquote(fragment) in ids


def _multiset_difference(what: str, want: Sequence[object], got: Sequence[object]) -> list[Difference]:
    missing = list((Counter(map(str, want)) - Counter(map(str, got))).elements())
    extra = list((Counter(map(str, got)) - Counter(map(str, want))).elements())
    if not missing and not extra:
        return []
    parts = ([f"missing {missing}"] if missing else []) + ([f"unexpected {extra}"] if extra else [])
    return [Difference(what, ", ".join(parts))]


def text_difference(reference: str, target: str) -> list[Difference]:
    if reference == target:
        return []
    at = _first_difference(reference, target)
    return [Difference("text", f"reference {_context(reference, at)} but target {_context(target, at)}")]


# A character that continues an address in text (goldmark's Linkify takes it in; a link that stops
# before one was cut short, at a backslash say). Trailing punctuation (".", ",", ")") Linkify leaves out.
_ADDRESS_GOES_ON = re.compile(r"[A-Za-z0-9_/~%=&?#+@*-]")


def _whole_address(text: str, address: str) -> bool:
    """Whether ``address`` stands in ``text`` whole somewhere: not followed by more of an address."""
    at = text.find(address)
    while at >= 0:
        after = text[at + len(address) : at + len(address) + 1]
        if not after or not _ADDRESS_GOES_ON.match(after):
            return True
        at = text.find(address, at + 1)
    return False


def link_differences(
    reference: Features,
    target: Features,
    moved: Callable[[str], str],
    reference_ids: IdsOf,
    target_ids: IdsOf,
) -> list[Difference]:
    """Every link goes where the reference's goes (after the migration's intended moves); a
    ``#fragment`` is checked by whether it lands on an id of its page, on each side: the target's ids
    are its generator's own, so comparing the fragments' spelling would prove nothing."""
    want = [moved(link) for link in reference.links]
    got = list(target.links)
    extra = Counter(got) - Counter(want)
    found: list[Difference] = []
    for link in extra.elements():
        bare = [
            t for t in target.link_texts(link) if link in (t, "mailto:" + t, "http://" + t, "https://" + t)
        ]
        if bare and _whole_address(reference.text, bare[0]):
            # goldmark's Linkify (on in Hugo) makes a bare address in the text a link to itself; the
            # text is the same, and pulldown-cmark (the reference) has no such extension.
            found.append(Difference("links", f"{link} is a link (bare in the source)", _LINKIFY))
            got.remove(link)
    found += _multiset_difference("links", [_unfragmented(u) for u in want], [_unfragmented(u) for u in got])
    if any(not d.accepted for d in found):
        return found
    by_address: dict[str, list[tuple[str, str]]] = {}
    for original, wanted in zip(reference.links, want, strict=True):
        by_address.setdefault(_unfragmented(wanted), []).append((original, wanted))
    for link in got:
        original, _ = by_address[_unfragmented(link)].pop(0)
        want_fragment, got_fragment = _fragment(original), _fragment(link)
        if want_fragment is None and got_fragment is None:
            continue
        ids_there = reference_ids(original)
        lands_there = ids_there is None or want_fragment is None or _lands(want_fragment, ids_there)
        ids_here = target_ids(link)
        lands_here = ids_here is None or (got_fragment is not None and _lands(got_fragment, ids_here))
        if lands_there and not lands_here:
            found.append(
                Difference("anchor", f"{link} lands on no id of its page (on Hashnode {original} does)")
            )
    return found


def embed_differences(reference: list[Embedded], target: Features) -> list[Difference]:
    """One difference per embed the target does not show, or shows that the reference has not.

    An embed the target shows as a link to it instead (its exporter's fallback, which says so in a
    note) is one difference, ``shown as a link``; that link and its text are taken out of ``target``,
    so they are not counted again as an unexpected link and text.
    """
    missing = Counter(reference) - Counter(target.embeds)
    extra = Counter(target.embeds) - Counter(reference)
    found: list[Difference] = []
    for embed in missing.elements():
        url = next((e.url for e in reference if e == embed and e.url in target.links), None)
        if url is None:
            found.append(Difference("embeds", f"{embed} is not shown"))
            continue
        target.links.remove(url)
        target.drop_link_text(url)
        found.append(Difference("embeds", f"{embed} is shown as a link"))
    found += [Difference("embeds", f"{embed} is shown but not on Hashnode") for embed in extra.elements()]
    return found


def differences(
    reference: Features,
    target: Features,
    *,
    moved: Callable[[str], str] = lambda url: url,
    reference_ids: IdsOf | None = None,
    target_ids: IdsOf | None = None,
) -> list[Difference]:
    """How ``target`` differs from ``reference`` in what a reader sees.

    ``moved`` maps a reference URL (an image, a link) to where the migration was meant to put it (a
    link to another post of the blog at its new URL), so an intended move is not a difference.
    """
    # The target's features as compared: an embed shown as a link takes its link and text out of them.
    target = replace(
        target, links=list(target.links), pieces=list(target.pieces), anchors=list(target.anchors)
    )
    embeds = embed_differences(reference.embeds, target)
    for card, nth in reference.cards:
        # A card of a linked page (its title and picture, fetched by Hashnode) is a link on a target: the
        # link is compared with the others, its text is not (the card's is not known here).
        target.drop_link_text(moved(card), nth)
    found = text_difference(reference.text, target.text)
    if reference.headings != target.headings:
        found.append(Difference("headings", f"reference {reference.headings} but target {target.headings}"))
    # Addresses percent-decoded, as links are (_unfragmented): goldmark writes "(" as "%28", one address.
    want_images = [(unquote(moved(i.src)), i.alt, i.align) for i in reference.images]
    got_images = [(unquote(i.src), i.alt, i.align) for i in target.images]
    images = _multiset_difference("images", want_images, got_images)
    if images and not _multiset_difference(
        "images", [i[:2] for i in want_images], [i[:2] for i in got_images]
    ):
        # The same images, only aligned otherwise: a loss convert may have noted (see run._accepted).
        images = [Difference("images", ALIGNMENT_ONLY + images[0].detail)]
    found += images
    found += link_differences(
        reference,
        target,
        moved,
        reference_ids or (lambda link: reference.ids if link.startswith("#") else None),
        target_ids or (lambda link: target.ids if link.startswith("#") else None),
    )
    if len(reference.code) != len(target.code):
        found.append(Difference("code", f"{len(reference.code)} blocks became {len(target.code)}"))
    for index, (a, b) in enumerate(zip(reference.code, target.code, strict=False)):
        if a == b:
            continue
        at = _first_difference(a, b)
        detail = f"block {index + 1}: {_context(a, at)} became {_context(b, at)}"
        if a.rstrip("\n") == b.rstrip("\n") and len(b) < len(a):
            # Only empty last lines are missing (each side's one final line break is already off).
            found.append(Difference("code", detail, _TRAILING))
            continue
        if _spaces_added_at_line_ends(a, b):
            found.append(Difference("code", detail, _LINE_END_SPACES))
            continue
        found.append(Difference("code", detail))
        break  # one is enough to look at; the next may only follow from it
    if reference.tables != target.tables:
        found.append(
            Difference("tables", f"reference rows x cells {reference.tables} but target {target.tables}")
        )
    if reference.lists != target.lists:
        detail = f"ordered lists start at {reference.lists} but target {target.lists}"
        if len(reference.lists) == len(target.lists) and all(
            a == b or b == 1 for a, b in zip(reference.lists, target.lists, strict=True)
        ):
            # Only starts lost, the lists the same: a loss convert may have noted (see run._accepted).
            detail = FROM_ONE + detail
        found.append(Difference("lists", detail))
    found += embeds
    if reference.boxes != target.boxes:
        found += _multiset_difference("boxes", reference.boxes, target.boxes) or [
            Difference("boxes", "callouts and quotes in another order")
        ]
    return found
