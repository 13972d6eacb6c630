"""YAML front matter that always parses back to what was meant.

PyYAML defaults are wrong for front matter (sorted keys, 80-column folding, libyaml escaping emoji), so
one dumper is set up here for every exporter that writes YAML. libyaml's emitter is used where it writes
the same text as the pure-Python one (several times faster: front matter is a good part of a convert).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml


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


def dump(data: Mapping[str, Any]) -> str:
    """``---``-fenced YAML for ``data`` in the given key order; None values are left out."""
    clean = {k: v for k, v in data.items() if v is not None and v != [] and v != {}}
    dumper = _CDumper if _CDumper is not None and _c_safe(clean) else _Dumper
    body = yaml.dump(
        clean, Dumper=dumper, sort_keys=False, allow_unicode=True, width=10**9, default_flow_style=False
    )
    return f"---\n{body}---\n"
