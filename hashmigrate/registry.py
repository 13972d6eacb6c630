"""Exporters by name, through the ``hashmigrate.exporters`` entry-point group.

The core never imports an exporter module by name, so a third-party package adds a platform by
declaring an entry point, exactly as the built-in ones do in our ``pyproject.toml``.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points
from typing import Any

from hashmigrate.exporter import Exporter

GROUP = "hashmigrate.exporters"


class UnknownExporter(LookupError):
    def __init__(self, name: str, known: list[str]) -> None:
        listed = ", ".join(known) or "none installed"
        super().__init__(f"no exporter named {name!r} (installed: {listed})")
        self.name = name


class OptionError(ValueError):
    """An exporter option that does not exist or has a value the exporter refuses."""


def _option_message(exc: Exception) -> str:
    text = str(exc)
    if "unexpected keyword argument" in text:
        return "no such option " + text.rsplit("argument", 1)[-1].strip()
    return text


def available() -> dict[str, EntryPoint]:
    """Installed exporters by name; the first registration of a name wins."""
    found: dict[str, EntryPoint] = {}
    for entry in entry_points(group=GROUP):
        found.setdefault(entry.name, entry)
    return dict(sorted(found.items()))


def create(name: str, **options: Any) -> Exporter:
    """An exporter instance by name, configured with its own options."""
    entries = available()
    entry = entries.get(name)
    if entry is None:
        raise UnknownExporter(name, list(entries))
    factory = entry.load()
    try:
        exporter = factory(**options)
    except (TypeError, ValueError) as exc:
        # A wrong option is the user's mistake: say which exporter and what, in one line.
        raise OptionError(f"{name}: {_option_message(exc)}") from None
    if not isinstance(exporter, Exporter):
        raise TypeError(f"{entry.value} is not a hashmigrate exporter (no render/site_files/advice)")
    return exporter
