"""Where a target's page differs from the reference, as one line each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hashmigrate.verify.features import Features


@dataclass(frozen=True, slots=True)
class Difference:
    """One way the page differs: ``what`` is a short key (``text``, ``image`` ...), ``detail`` for people."""

    what: str
    detail: str

    def line(self) -> str:
        return f"{self.what}: {self.detail}"


def _context(text: str, at: int) -> str:
    start = max(0, at - 30)
    return repr(text[start : at + 40])


def _first_difference(a: str, b: str) -> int:
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return index
    return min(len(a), len(b))


def differences(
    reference: Features,
    target: Features,
    *,
    moved: Callable[[str], str] = lambda url: url,
) -> list[Difference]:
    """How ``target`` differs from ``reference`` in what a reader sees.

    ``moved`` maps a reference URL (an image, a link) to where the migration was meant to put it (a
    mirrored image, a link to another post of the blog), so an intended move is not a difference.
    """
    found: list[Difference] = []
    if reference.text != target.text:
        at = _first_difference(reference.text, target.text)
        found.append(
            Difference(
                "text",
                f"reference {_context(reference.text, at)} but target {_context(target.text, at)}",
            )
        )
    if reference.headings != target.headings:
        found.append(Difference("headings", f"reference {reference.headings} but target {target.headings}"))
    want_images = [(moved(i.src), i.alt, i.align) for i in reference.images]
    got_images = [(i.src, i.alt, i.align) for i in target.images]
    if want_images != got_images:
        missing = [i for i in want_images if i not in got_images]
        extra = [i for i in got_images if i not in want_images]
        found.append(Difference("images", f"missing {missing}, unexpected {extra}"))
    want_links = [moved(link) for link in reference.links]
    if sorted(want_links) != sorted(target.links):
        missing_links = sorted(set(want_links) - set(target.links))
        extra_links = sorted(set(target.links) - set(want_links))
        if missing_links or extra_links:
            found.append(Difference("links", f"missing {missing_links}, unexpected {extra_links}"))
    for link in target.links:
        if link.startswith("#") and link[1:] not in target.ids:
            found.append(Difference("anchor", f"{link} names no id on the page"))
    if reference.code != target.code:
        for index, (a, b) in enumerate(zip(reference.code, target.code, strict=False)):
            if a != b:
                at = _first_difference(a, b)
                found.append(Difference("code", f"block {index + 1}: {_context(a, at)} became {_context(b, at)}"))
                break
        else:
            found.append(Difference("code", f"{len(reference.code)} blocks became {len(target.code)}"))
    if reference.tables != target.tables:
        found.append(Difference("tables", f"reference rows x cells {reference.tables} but target {target.tables}"))
    if sorted(reference.embeds, key=repr) != sorted(target.embeds, key=repr):
        found.append(Difference("embeds", f"reference {reference.embeds} but target {target.embeds}"))
    if reference.callouts and target.callouts < reference.callouts:
        found.append(Difference("callouts", f"{reference.callouts} callouts, {target.callouts} shown as callouts"))
    return found
