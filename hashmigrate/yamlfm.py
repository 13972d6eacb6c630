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
        options: dict[str, Any] = {
            "Dumper": _CDumper if _CDumper is not None and _c_safe(clean) else _Dumper,
            "sort_keys": False,
            "allow_unicode": True,
            "width": 10**9,
            "default_flow_style": False,
        }
        text: str = yaml.dump(clean, **(options | kwargs))
        return text

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
