"""Front matter alone over the corpus: our python-frontmatter handlers against the library's own path.

For every post file (decoded as the readers decode it), ``ours`` reads the front matter with
``HashnodeHandler.split`` + ``.load`` (+ ``check_types``) and writes a Hugo-shaped front matter and the
body with ``frontmatter.dumps(post, handler=yamlfm.HANDLER)``. ``stock`` does the same through
``frontmatter.loads(text, handler=HashnodeHandler())`` and ``frontmatter.dumps(post, handler=YAMLHandler(),
sort_keys=False, width=10**9)``. Times are CPU time (steadier than wall time on a busy machine), the best
of ``--repeat`` runs; the counts say how many files the stock path reads or writes differently (the reason
the readers and exporters do not use it).

    python benchmarks/front_matter.py
    python benchmarks/front_matter.py --corpus ../shared/corpus --repeat 9
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import frontmatter
from frontmatter.default_handlers import YAMLHandler

from hashmigrate import yamlfm
from hashmigrate.hashnode.frontmatter import HANDLER, FrontMatterError, check_types, split_tags
from hashmigrate.hashnode.text import UnreadableFile, decode

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
Read = Callable[[str], tuple[dict[str, Any], str]]
Write = Callable[[dict[str, Any], str], str]


def read_ours(text: str) -> tuple[dict[str, Any], str]:
    block, body = HANDLER.split(text)
    return check_types(HANDLER.load(block))[0], body


def read_stock(text: str) -> tuple[dict[str, Any], str]:
    post = frontmatter.loads(text, handler=HANDLER)
    return check_types(post.metadata)[0], post.content


def write_ours(meta: dict[str, Any], body: str) -> str:
    return frontmatter.dumps(yamlfm.fm_post(body + "\n", meta), handler=yamlfm.HANDLER)


def write_stock(meta: dict[str, Any], body: str) -> str:
    # Given what yamlfm would give it: the same keys, unsorted, None and empty values left out, no folding.
    clean = {k: v for k, v in meta.items() if v is not None and v != [] and v != {}}
    post = yamlfm.fm_post(body, clean)
    return frontmatter.dumps(post, handler=YAMLHandler(), sort_keys=False, width=10**9) + "\n"


def hugo_shaped(meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": meta.get("title"),
        "date": meta.get("datePublished"),
        "slug": meta.get("slug"),
        "tags": split_tags(meta.get("tags")),
        "description": meta.get("seoDescription"),
        "hashnode": {k: v for k, v in {"cuid": meta.get("cuid"), "cover": meta.get("cover")}.items() if v},
    }


def measure(texts: list[str], read: Read, write: Write, repeat: int) -> tuple[float, float, list[Any]]:
    best_read = best_write = float("inf")
    results: list[Any] = []
    for _ in range(repeat):
        start = time.process_time()
        read_back: list[tuple[dict[str, Any], str] | Exception] = []
        for text in texts:
            try:
                read_back.append(read(text))
            except (FrontMatterError, TypeError) as exc:
                read_back.append(exc)
        middle = time.process_time()
        written = [write(hugo_shaped(r[0]), r[1]) if isinstance(r, tuple) else None for r in read_back]
        end = time.process_time()
        best_read, best_write = min(best_read, middle - start), min(best_write, end - middle)
        results = list(zip(read_back, written, strict=True))
    return best_read, best_write, results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    texts = []
    for path in sorted(Path(args.corpus).rglob("*.md")):
        try:
            texts.append(decode(path.read_bytes())[0])
        except UnreadableFile:
            continue
    ours = measure(texts, read_ours, write_ours, args.repeat)
    stock = measure(texts, read_stock, write_stock, args.repeat)
    print(f"{len(texts)} files, best of {args.repeat}")
    for name, (read_s, write_s, _) in (("ours", ours), ("stock", stock)):
        total = (read_s + write_s) * 1000
        print(
            f"  {name:6} read {read_s * 1000:6.0f} ms  write {write_s * 1000:6.0f} ms  total {total:6.0f} ms"
        )
    failed = sum(
        isinstance(s[0], Exception) and not isinstance(o[0], Exception)
        for o, s in zip(ours[2], stock[2], strict=True)
    )
    bodies = sum(
        isinstance(o[0], tuple) and isinstance(s[0], tuple) and o[0][1] != s[0][1]
        for o, s in zip(ours[2], stock[2], strict=True)
    )
    # The writes compared on the same input (what ours read): only the writer differs.
    heads = bodies_written = 0
    for read_back, _ in ours[2]:
        if isinstance(read_back, tuple):
            meta = hugo_shaped(read_back[0])
            mine, theirs = write_ours(meta, read_back[1]), write_stock(meta, read_back[1])
            if mine.split("\n---\n", 1)[0] != theirs.split("\n---\n", 1)[0]:
                heads += 1
            elif mine != theirs:
                bodies_written += 1
    print(f"  stock read: {failed} file(s) raise where ours reads them, {bodies} bod(ies) differ")
    print(f"  stock write: {heads} front matter(s) differ, {bodies_written} more file(s) in the body")


if __name__ == "__main__":
    main()
