"""The page WordPress shows for a post's block markup (``content:encoded`` in the WXR), and whether the
markup is the block tree it was meant to be.

When WordPress is installed (Debian's package in /usr/share/wordpress) its own code does the work
through the PHP CLI, many posts per call, with no site or database: ``WP_Block_Parser`` (what
``parse_blocks`` runs) and ``do_blocks``, then the content filter that changes words
(``capital_P_dangit``). Else :func:`parse_blocks`, a line-for-line port of WordPress 6.1's parser (the
same trees on the whole corpus), and :func:`render`, what ``render_block`` writes for static blocks. In
both, an embed block is shown as the iframe of its URL, which is what ``autoembed`` makes of it on a
site.

Checked on the tree, each a difference: a delimiter that does not close the block open at that point,
a block never closed, attributes that are not JSON (WordPress drops them), a block name WordPress does
not have, and text between blocks (the editor shows it as a "Classic" block).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

# The import file exporters/wordpress.py writes (its WXR_FILE; a test holds the two the same).
WXR_FILE = "wordpress-import.xml"

WORDPRESS = Path("/usr/share/wordpress")

# WordPress 6.1's block delimiter (wp-includes/class-wp-block-parser.php), possessive quantifier and all.
DELIMITER = re.compile(
    r"<!--\s+(?P<closer>/)?wp:(?P<namespace>[a-z][a-z0-9_-]*/)?(?P<name>[a-z][a-z0-9_-]*)\s+"
    r"(?P<attrs>\{(?:(?:[^}]+|\}+(?=\})|(?!\}\s+/?-->).)*+)?\}\s+)?(?P<void>/)?-->",
    re.S,
)

# Core blocks of WordPress 6.1 that a post body may hold, for when WordPress is not installed to list
# its own (wp-includes/blocks/*/block.json).
CORE_BLOCKS = frozenset(
    f"core/{name}"
    for name in [
        "audio",
        "button",
        "buttons",
        "code",
        "column",
        "columns",
        "cover",
        "embed",
        "file",
        "freeform",
        "gallery",
        "group",
        "heading",
        "html",
        "image",
        "list",
        "list-item",
        "media-text",
        "missing",
        "more",
        "nextpage",
        "paragraph",
        "preformatted",
        "pullquote",
        "quote",
        "separator",
        "shortcode",
        "spacer",
        "table",
        "verse",
        "video",
    ]
)

# WordPress's own parser and renderer without a site: the files parse_blocks and do_blocks need (no
# database), then capital_P_dangit, the content filter that changes words ("Wordpress"). wptexturize is
# left out: it changes typography only (quotes, dashes, ellipses), which the comparison treats as plain,
# and its rule (a spaced hyphen becomes an en dash) would pass for a change of text. An embed block is
# shown as the iframe of its URL, which is what autoembed makes of it on a site (it asks the provider,
# over the network). Measured on the corpus: 1,939 posts in one run, about 10 s.
_PHP_SCRIPT = r"""<?php
define('ABSPATH', rtrim($argv[1], '/') . '/');
define('WPINC', 'wp-includes');
$inc = ABSPATH . WPINC . '/';
foreach (array('load.php', 'compat.php', 'functions.php', 'plugin.php', 'formatting.php', 'l10n.php',
    'pomo/translations.php', 'shortcodes.php', 'kses.php', 'class-wp-block-parser.php',
    'class-wp-block-type.php', 'class-wp-block-type-registry.php', 'class-wp-block-list.php',
    'class-wp-block.php', 'class-wp-block-supports.php', 'blocks.php') as $file) {
    require_once $inc . $file;
}
add_filter('render_block', function ($html, $block) {
    if ($block['blockName'] !== 'core/embed') { return $html; }
    $url = isset($block['attrs']['url']) ? $block['attrs']['url'] : '';
    return '<figure><iframe src="' . htmlspecialchars($url, ENT_QUOTES) . '"></iframe></figure>';
}, 10, 2);
$posts = json_decode(stream_get_contents(STDIN), true);
$parser = new WP_Block_Parser();
$out = array();
foreach ($posts as $post) {
    $out[] = array(
        'blocks' => $parser->parse($post),
        'html' => capital_P_dangit(do_blocks($post)),
    );
}
echo json_encode($out, JSON_INVALID_UTF8_SUBSTITUTE | JSON_UNESCAPED_UNICODE);
"""

Parsed = dict[
    str, Any
]  # a block as parse_blocks returns it: blockName, attrs, innerBlocks, innerHTML, innerContent


def run_wordpress(documents: list[str], root: Path = WORDPRESS) -> list[tuple[list[Parsed], str]]:
    """Each document's blocks as ``parse_blocks`` returns them and its HTML as WordPress renders it
    (``do_blocks``, then the content filters), all in one PHP run."""
    php = shutil.which("php")
    if php is None:
        raise RuntimeError("php is not installed")
    if not (root / "wp-includes" / "class-wp-block-parser.php").is_file():
        raise RuntimeError(f"no WordPress at {root}")
    # The script is a file of its own so that stdin carries only the posts.
    with tempfile.NamedTemporaryFile("w", suffix=".php", delete=False, encoding="utf-8") as handle:
        handle.write(_PHP_SCRIPT)
    try:
        done = subprocess.run(
            [php, "-d", "memory_limit=2G", "-d", "display_errors=stderr", handle.name, str(root)],
            input=json.dumps(documents),
            capture_output=True,
            text=True,
            timeout=1200,
            check=False,
        )
    finally:
        Path(handle.name).unlink(missing_ok=True)
    if done.returncode != 0:
        raise RuntimeError(f"WordPress's block parser failed: {done.stderr.strip()[-300:]}")
    result = json.loads(done.stdout)
    return [(item["blocks"], item["html"]) for item in result]


def parse_blocks_php(documents: list[str], root: Path = WORDPRESS) -> list[list[Parsed]]:
    """Each document as WordPress's ``parse_blocks`` returns it, all in one PHP run."""
    return [blocks for blocks, _ in run_wordpress(documents, root)]


def wordpress_installed(root: Path = WORDPRESS) -> bool:
    return shutil.which("php") is not None and (root / "wp-includes" / "class-wp-block-parser.php").is_file()


def core_blocks(root: Path = WORDPRESS) -> frozenset[str]:
    """The core block names WordPress has: its own list when installed, else WordPress 6.1's."""
    folder = root / "wp-includes" / "blocks"
    if folder.is_dir():
        names = {f"core/{p.parent.name}" for p in folder.glob("*/block.json")}
        if names:
            # core/freeform and core/missing are the editor's own (no block.json in some versions).
            return frozenset(names | {"core/freeform", "core/missing"})
    return CORE_BLOCKS


# ---- WordPress 6.1's block parser, in Python -------------------------------------------------------


def _non_empty(text: str) -> bool:
    return text not in ("", "0")  # PHP's empty(): "0" counts as empty too


@dataclass(slots=True)
class _Frame:
    block: Parsed
    token_start: int
    token_length: int
    prev_offset: int
    leading_html_start: int | None


def _block(
    name: str | None, attrs: Any, inner_html: str = "", content: list[str | None] | None = None
) -> Parsed:
    return {
        "blockName": name,
        "attrs": attrs,
        "innerBlocks": [],
        "innerHTML": inner_html,
        "innerContent": content if content is not None else [],
    }


def parse_blocks(document: str) -> list[Parsed]:
    """What WordPress 6.1's ``WP_Block_Parser::parse`` returns for ``document`` (a port of it)."""
    output: list[Parsed] = []
    stack: list[_Frame] = []
    offset = 0

    def freeform(text: str) -> Parsed:
        return _block(None, {}, text, [text])

    def add_inner_block(block: Parsed, token_start: int, token_length: int, last: int | None = None) -> None:
        parent = stack[-1]
        parent.block["innerBlocks"].append(block)
        text = document[parent.prev_offset : token_start]
        if _non_empty(text):
            parent.block["innerHTML"] += text
            parent.block["innerContent"].append(text)
        parent.block["innerContent"].append(None)
        parent.prev_offset = last if last else token_start + token_length

    def add_block_from_stack(end: int | None = None) -> None:
        top = stack.pop()
        text = document[top.prev_offset : end] if end is not None else document[top.prev_offset :]
        if _non_empty(text):
            top.block["innerHTML"] += text
            top.block["innerContent"].append(text)
        if top.leading_html_start is not None:
            output.append(freeform(document[top.leading_html_start : top.token_start]))
        output.append(top.block)

    while True:
        match = DELIMITER.search(document, offset)
        if match is None:
            if not stack:
                if document[offset:]:  # add_freeform checks the length, not empty()
                    output.append(freeform(document[offset:]))
                return output
            while stack:
                add_block_from_stack()
            return output
        start, length = match.start(), match.end() - match.start()
        name = (match["namespace"] or "core/") + match["name"]
        attrs = _attrs(match["attrs"]) if match["attrs"] is not None else {}
        leading = offset if start > offset else None
        if match["void"]:
            if not stack:
                if leading is not None:
                    output.append(freeform(document[leading:start]))
                output.append(_block(name, attrs))
            else:
                add_inner_block(_block(name, attrs), start, length)
            offset = start + length
        elif match["closer"]:
            if not stack:
                if document[offset:]:  # add_freeform checks the length, not empty()
                    output.append(freeform(document[offset:]))
                return output
            if len(stack) == 1:
                add_block_from_stack(start)
            else:
                top = stack.pop()
                text = document[top.prev_offset : start]
                top.block["innerHTML"] += text
                top.block["innerContent"].append(text)
                top.prev_offset = start + length
                add_inner_block(top.block, top.token_start, top.token_length, start + length)
            offset = start + length
        else:
            stack.append(_Frame(_block(name, attrs), start, length, start + length, leading))
            offset = start + length


def _attrs(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None  # as PHP's json_decode: the block keeps no attributes


# ---- checks ------------------------------------------------------------------------------------------


def delimiter_problems(markup: str) -> list[str]:
    """Delimiters that do not make a tree: a closer for another block, a block never closed."""
    problems: list[str] = []
    stack: list[str] = []
    for match in DELIMITER.finditer(markup):
        name = (match["namespace"] or "core/") + match["name"]
        if match["closer"]:
            if not stack:
                problems.append(f"blocks: closer of {name} with no block open")
            elif stack[-1] != name:
                problems.append(f"blocks: {name} closed while {stack[-1]} is open")
                stack.pop()
            else:
                stack.pop()
        elif match["attrs"] is not None and _attrs(match["attrs"]) is None:
            problems.append(f"blocks: {name}'s attributes are not JSON: {match['attrs'][:80]!r}")
            if not match["void"]:
                stack.append(name)
        elif not match["void"]:
            stack.append(name)
    for name in stack:
        problems.append(f"blocks: {name} is never closed")
    return problems


def tree_problems(blocks: list[Parsed], known: frozenset[str]) -> list[str]:
    """Blocks WordPress does not know, attributes it could not read, text outside any block."""
    problems: list[str] = []
    for block in blocks:
        name = block["blockName"]
        if name is None:
            if block["innerHTML"].strip():
                problems.append(
                    f"blocks: text outside any block (a Classic block): {block['innerHTML'].strip()[:80]!r}"
                )
            continue
        if name.startswith("core/") and name not in known:
            problems.append(f"blocks: WordPress has no block {name}")
        if block["attrs"] is None:
            problems.append(f"blocks: {name}'s attributes are not JSON")
        problems.extend(tree_problems(block["innerBlocks"], known))
    return problems


# ---- the page ----------------------------------------------------------------------------------------


def render(blocks: list[Parsed]) -> str:
    """The HTML of parsed blocks as ``render_block`` writes static blocks, embeds as their iframes."""
    out: list[str] = []
    for block in blocks:
        if block["blockName"] == "core/embed":
            url = (block["attrs"] or {}).get("url", "")
            # autoembed turns the URL into the provider's player; the iframe's address names it.
            out.append(f'<figure><iframe src="{html.escape(str(url), quote=True)}"></iframe></figure>')
            continue
        inner = iter(block["innerBlocks"])
        for chunk in block["innerContent"]:
            out.append(render([next(inner)]) if chunk is None else chunk)
    return "".join(out)


@dataclass(slots=True)
class WordPressPage:
    """The HTML a reader sees, and what is wrong with the block tree (each one a difference)."""

    html: str
    problems: list[str] = field(default_factory=list)
    parser: str = "python"


def pages(markups: list[str], *, use_php: bool | None = None, root: Path = WORDPRESS) -> list[WordPressPage]:
    """The page of each post's block markup, parsed by WordPress itself when it is installed."""
    php = wordpress_installed(root) if use_php is None else use_php
    if php and markups:
        done = run_wordpress(markups, root)
    else:
        done = [(tree, render(tree)) for tree in map(parse_blocks, markups)]
    known = core_blocks(root)
    return [
        WordPressPage(
            page, delimiter_problems(markup) + tree_problems(tree, known), "php" if php else "python"
        )
        for markup, (tree, page) in zip(markups, done, strict=True)
    ]


def method(real: bool = True) -> str:
    """What :func:`shown_pages` renders with, for verify's first line."""
    if real and wordpress_installed():
        return "WordPress's own parse_blocks and do_blocks, through PHP"
    if not real:
        return "a port of WordPress 6.1's block parser, as asked"
    return (
        "a port of WordPress 6.1's block parser; WordPress is not installed (bash .ci/install-wordpress.sh)"
    )


def shown_pages(markups: list[str], real: bool = True) -> list[WordPressPage]:
    """Each post's page, for verify: by WordPress's own code when it is installed and ``real``."""
    return pages(markups, use_php=None if real else False)


_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
_POST_NAME = "{http://wordpress.org/export/1.2/}post_name"
_POST_TYPE = "{http://wordpress.org/export/1.2/}post_type"


@lru_cache(maxsize=4)
def _contents(file: str, changed: int) -> dict[str, str]:
    """The block markup of each post item of a WXR file, by its ``post_name`` (``changed``, the file's
    modification time, is there so that a file written again is read again)."""
    contents: dict[str, str] = {}
    for item in ET.parse(file).getroot().iter("item"):
        if item.findtext(_POST_TYPE) == "post":
            contents.setdefault(item.findtext(_POST_NAME) or "", item.findtext(_CONTENT) or "")
    return contents


def post_text(out: Path, paths: list[str]) -> str:
    """A post's block markup as the importer reads it: the ``content:encoded`` of its item in the WXR
    file (``posts/<slug>.html``, its first path, names the post); OSError when the file or the item is
    missing, ValueError (as ``ET.ParseError``) when the file is not XML."""
    file = out / WXR_FILE
    try:
        contents = _contents(str(file), file.stat().st_mtime_ns)
    except ET.ParseError as exc:
        raise ValueError(f"{WXR_FILE} is not XML: {exc}") from None
    slug = PurePosixPath(paths[0]).stem
    if slug not in contents:
        raise FileNotFoundError(2, f"no post {slug!r} in {WXR_FILE}")
    return contents[slug]
