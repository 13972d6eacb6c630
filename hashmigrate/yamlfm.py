"""YAML front matter that always parses back to what was meant.

PyYAML defaults are wrong for front matter (sorted keys, 80-column folding, libyaml escaping emoji), so
one dumper is set up here for every exporter that writes YAML. libyaml's emitter is used where it writes
the same text as the pure-Python one (several times faster: front matter is a good part of a convert).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import frontmatter
import yaml
from frontmatter.default_handlers import YAMLHandler


class _Dumper(yaml.SafeDumper):
    """The pure-Python SafeDumper: libyaml's writes emoji as ``\\U0001F680`` even with allow_unicode."""


_CDumper: type[yaml.SafeDumper] | None = None
if hasattr(yaml, "CSafeDumper"):

    class _CDumper(yaml.CSafeDumper):  # type: ignore[no-redef]
        """libyaml's emitter, for text it writes as the pure-Python one does (see ``_c_safe``)."""


# libyaml escapes characters outside the Basic Multilingual Plane and lone surrogates where the
# pure-Python emitter writes them as they are, and writes literal blocks (values over several lines)
# its own way: any of them, or a line break of any kind, sends a mapping to the pure-Python dumper.
_NOT_FOR_LIBYAML = re.compile("[\U00010000-\U0010ffff\ud800-\udfff\n\r\x85\u2028\u2029\ufeff]")


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # Multi-line values as literal blocks stay readable; everything else as the dumper sees fit, which
    # quotes whatever would otherwise read back as another type ("yes", "1.10", "2023-01-01").
    # NEL (U+0085) is a line break to YAML: only a double-quoted scalar keeps it (as an escape).
    style = '"' if "\x85" in value else "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
if _CDumper is not None:
    _CDumper.add_representer(str, _str)


def _c_safe(value: Any) -> bool:
    if isinstance(value, str):
        return not _NOT_FOR_LIBYAML.search(value)
    if isinstance(value, Mapping):
        # A key of 128 characters or more is written as an explicit "? key" by PyYAML, and libyaml
        # counts its limit in bytes: long keys go to the pure-Python dumper.
        return all(
            _c_safe(k) and len(str(k).encode("utf-8", "surrogatepass")) < 100 and _c_safe(v)
            for k, v in value.items()
        )
    if isinstance(value, (list, tuple)):
        return all(_c_safe(v) for v in value)
    return True


# ---- the common case, written directly -----------------------------------------------------------
# Building PyYAML's node graph and emitting it costs ~150 µs a front matter even with libyaml's
# emitter, about as much as the rest of rendering a short post. Front matter is mostly short
# single-line strings, booleans, lists of strings and one level of mappings: for those, the text both
# emitters write is simple and is written here directly (:func:`_direct`); anything else (line breaks,
# control or astral characters, empty or long strings, other types, a container twice) goes to PyYAML.
# tests/test_yamlfm.py checks the two agree on generated values.

# Characters both emitters write as they are, plain or single-quoted: printable ASCII and the BMP's
# printable non-ASCII characters, less U+2028/U+2029 (line breaks to YAML) and U+FEFF.
_SIMPLE = re.compile("[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010fffe]+")
# What makes a string of those characters unfit for a plain scalar in block context (the emitters'
# analysis: a leading indicator, ": " or " #", a space at either end, a document marker).
_NOT_PLAIN = re.compile(r"""\A(?:---|\.\.\.|[#,\[\]{}&*!|>'"%@`]|[?:-](?: |\Z))|:(?: |\Z)| #|\A | \Z""")
# The dumpers' implicit resolvers (shared by both): a plain scalar one of them matches reads back as
# another type ("yes", "1.10", "2023-01-01", "~"), so the emitters quote it.
_IMPLICIT: dict[Any, list[tuple[str, re.Pattern[str]]]] = _Dumper.yaml_implicit_resolvers


def _reads_as_str(value: str) -> bool:
    """Whether ``value`` (not empty) written plain reads back as a string (``Resolver.resolve``)."""
    return not any(regexp.match(value) for _, regexp in _IMPLICIT.get(value[0], []) + _IMPLICIT.get(None, []))


def _scalar(value: object) -> str | None:
    """A scalar as the dumpers write it in block context, or None when it is not a simple one."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is not str or not _SIMPLE.fullmatch(value):
        return None
    if not _NOT_PLAIN.search(value) and _reads_as_str(value):
        return value
    return "'" + value.replace("'", "''") + "'"


def _direct(data: Mapping[str, Any]) -> str | None:
    """``data`` (no None, [] or {} values) as ``yaml.dump`` writes it with :class:`YamlHandler`'s
    options, or None when it holds anything but simple scalars, lists of them and mappings of those."""
    lines: list[str] = []
    seen: set[int] = set()  # a container met twice is written with an anchor: not here

    def mapping(value: Mapping[Any, Any], indent: str, nested: bool) -> bool:
        if id(value) in seen or not value:
            return False
        seen.add(id(value))
        for key, item in value.items():
            # A key of 128 characters or more is written as "? key" (libyaml counts bytes).
            name = _scalar(key) if type(key) is str and key.isascii() and len(key) < 100 else None
            if name is None:
                return False
            text = _scalar(item)
            if text is not None:
                lines.append(f"{indent}{name}: {text}")
            elif type(item) is list:
                if id(item) in seen or not item:
                    return False
                seen.add(id(item))
                lines.append(f"{indent}{name}:")
                for element in item:
                    text = _scalar(element)
                    if text is None:
                        return False
                    lines.append(f"{indent}- {text}")
            elif type(item) is dict and not nested:
                lines.append(f"{indent}{name}:")
                if not mapping(item, indent + "  ", True):
                    return False
            else:
                return False
        return True

    if not mapping(data, "", False):
        return None
    lines.append("")
    return "\n".join(lines)


class YamlHandler(YAMLHandler):
    """python-frontmatter's YAML handler, writing front matter that parses back to what was meant.

    Exporters write with ``frontmatter.dumps(fm_post(body, meta), handler=HANDLER)``. ``YAMLHandler`` as it
    comes cannot serve even given ``sort_keys=False, width=10**9``: its libyaml dumper writes emoji as
    ``\\U0001F680``, and its ``format`` strips the body (an indented code block at the start of a post
    loses its indent; a post ending in an unclosed fence loses its last blank lines). Of the 2,212 corpus
    files it writes 77 front matters differently (emoji escapes, every one) and 430 more files' bodies
    (``benchmarks/front_matter.py``). So ``export`` writes the keys in the given order with the dumpers
    above, and ``format`` keeps the body as given. Writing a Hugo-shaped front matter and the body for
    the corpus took 226-257 ms of CPU (best of 5, in five runs) by ``dump`` and string concatenation, and
    255-265 ms through ``frontmatter.dumps`` and this handler: about 13 µs a file more.
    """

    def export(self, metadata: Mapping[str, object], **kwargs: object) -> str:
        """The YAML between the fences, ending in a newline; None and empty values are left out.

        ``kwargs`` (``frontmatter.dumps(post, handler=HANDLER, **kwargs)``) override ``yaml.dump``'s options.
        """
        clean = {k: v for k, v in metadata.items() if v is not None and v != [] and v != {}}
        if not kwargs and (text := _direct(clean)) is not None:
            return text
        options: dict[str, Any] = {
            "Dumper": _CDumper if _CDumper is not None and _c_safe(clean) else _Dumper,
            "sort_keys": False,
            "allow_unicode": True,
            "width": 10**9,
            "default_flow_style": False,
        }
        dumped: str = yaml.dump(clean, **(options | kwargs))
        return dumped

    def format(self, post: frontmatter.Post, **kwargs: object) -> str:
        """The front matter, an empty line and the body exactly as given."""
        return f"---\n{self.export(post.metadata, **kwargs)}---\n\n{post.content}"


HANDLER = YamlHandler()


def fm_post(content: str, metadata: Mapping[str, Any]) -> frontmatter.Post:
    """A python-frontmatter post; not ``Post(content, **metadata)``, which a ``content`` key breaks."""
    post = frontmatter.Post(content)
    post.metadata.update(metadata)
    return post


def dump(data: Mapping[str, Any]) -> str:
    """``---``-fenced YAML for ``data`` in the given key order; None values are left out."""
    return f"---\n{HANDLER.export(data)}---\n"
