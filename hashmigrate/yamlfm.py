"""YAML front matter that always parses back to what was meant.

PyYAML defaults are wrong for front matter (sorted keys, 80-column folding, libyaml escaping emoji), so
one dumper is set up here for every exporter that writes YAML.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    """The pure-Python SafeDumper: libyaml's writes emoji as ``\\U0001F680`` even with allow_unicode."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # Multi-line values as literal blocks stay readable; everything else as the dumper sees fit, which
    # quotes whatever would otherwise read back as another type ("yes", "1.10", "2023-01-01").
    # NEL (U+0085) is a line break to YAML: only a double-quoted scalar keeps it (as an escape).
    style = '"' if "\x85" in value else "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(data: Mapping[str, Any]) -> str:
    """``---``-fenced YAML for ``data`` in the given key order; None values are left out."""
    clean = {k: v for k, v in data.items() if v is not None and v != [] and v != {}}
    body = yaml.dump(
        clean, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10**9, default_flow_style=False
    )
    return f"---\n{body}---\n"
