"""Exporters and publishers by name, through the entry-point groups ``hashmigrate.exporters`` and
``hashmigrate.publishers``.

The core never imports a plugin module by name, so a third-party package adds a platform by declaring
an entry point, exactly as the built-in ones do in our ``pyproject.toml``. When two installed packages
claim one name, the built-in one (or else the first package by name) keeps it, with a one-line
:class:`PluginConflict` warning; the other is still there under its full name ``<distribution>:<name>``
(``hashmigrate-astro:hugo``), which works wherever a name does.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from hashmigrate.conflicts import PluginConflict
from hashmigrate.exporter import Exporter, Option, OptionError, check_options, declared_options

EXPORTERS = "hashmigrate.exporters"
PUBLISHERS = "hashmigrate.publishers"
GROUP = EXPORTERS  # the name this module always had for the exporters' group
BUILTIN_DIST = "hashmigrate"

__all__ = [
    "BUILTIN_DIST",
    "EXPORTERS",
    "GROUP",
    "PUBLISHERS",
    "OptionError",
    "Plugin",
    "PluginConflict",
    "PluginError",
    "UnknownExporter",
    "UnknownPlugin",
    "available",
    "create",
    "find",
    "installed",
    "load",
    "options_of",
    "publishers",
    "refresh",
]


class UnknownPlugin(LookupError):
    def __init__(self, name: str, known: list[str], kind: str = "exporter") -> None:
        listed = ", ".join(known) or "none installed"
        super().__init__(f"no {kind} named {name!r} (installed: {listed})")
        self.name = name


class UnknownExporter(UnknownPlugin):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name, known, "exporter")


class PluginError(Exception):
    """An installed plugin that cannot serve: its module does not import, what it registers is not an
    exporter, its declared options are not its ``__init__``'s, or its ``__init__`` fails on its own.
    The plugin's fault, not hashmigrate's: one line naming it."""


def _normal(dist: str) -> str:
    return re.sub(r"[-_.]+", "-", dist).lower()


@dataclass(frozen=True)
class Plugin:
    """One installed plugin: its entry point and the distribution that declares it."""

    name: str
    entry: EntryPoint
    dist: str

    @property
    def builtin(self) -> bool:
        return _normal(self.dist) == BUILTIN_DIST

    @property
    def full_name(self) -> str:
        return f"{_normal(self.dist)}:{self.name}"


_warned: set[str] = set()


# Entry points read, by group and state of the import path (see installed).
_found: dict[tuple[str, tuple[tuple[str, int], ...]], list[Plugin]] = {}


def installed(group: str = EXPORTERS) -> list[Plugin]:
    """Every entry point of the group, duplicates included, built-ins first, then by distribution."""
    # Read once for each state of the import path: reading them took 5 ms (each distribution's
    # metadata parsed for its name), paid by every convert and by each lookup of the CLI.
    key = (group, _path_state())
    found = _found.get(key)
    if found is None:
        found = []
        for entry in entry_points(group=group):
            dist = entry.dist.name if entry.dist is not None else ""
            found.append(Plugin(entry.name, entry, dist or ""))
        found.sort(key=lambda p: (not p.builtin, _normal(p.dist), p.name))
        if len(_found) >= 16:
            _found.clear()
        _found[key] = found
    return list(found)


def refresh() -> None:
    """Read the entry points again at the next lookup. A package installed or removed is seen
    without it; an ``entry_points.txt`` rewritten in place (a legacy ``setup.py develop``) is not."""
    _found.clear()


def _path_state() -> tuple[tuple[str, int], ...]:
    """``sys.path``, each folder with its modification time: a package installed or removed while
    this process runs adds or removes a ``.dist-info`` folder in one of them, which changes it (the
    test importlib.metadata's own cache of a folder's listing makes)."""
    state = []
    for folder in sys.path:
        try:
            changed = os.stat(folder or ".").st_mtime_ns
        except OSError:
            changed = -1
        state.append((folder, changed))
    return tuple(state)


def available(group: str = EXPORTERS) -> dict[str, EntryPoint]:
    """Installed plugins by name. A name claimed twice goes to the built-in one (or else to the first
    distribution by name), with one PluginConflict warning per run; see :func:`find` for the other."""
    chosen: dict[str, Plugin] = {}
    for plugin in installed(group):
        held = chosen.setdefault(plugin.name, plugin)
        if held is not plugin and held.entry.value != plugin.entry.value:
            message = (
                f"{plugin.full_name} ({plugin.entry.value}) also claims the {_kind(group)} name "
                f"{plugin.name!r}; {held.full_name} keeps it (use --to {plugin.full_name} for the other)"
            )
            if message not in _warned:
                _warned.add(message)
                warnings.warn(message, PluginConflict, stacklevel=2)
    return {name: chosen[name].entry for name in sorted(chosen)}


def publishers() -> dict[str, EntryPoint]:
    return available(PUBLISHERS)


def _kind(group: str) -> str:
    return "publisher" if group == PUBLISHERS else "exporter"


def find(name: str, group: str = EXPORTERS) -> EntryPoint | None:
    """The entry point for ``name`` or a full name ``<distribution>:<name>``; None if none."""
    dist, sep, short = name.rpartition(":")
    if sep:
        for plugin in installed(group):
            if plugin.name == short and _normal(plugin.dist) == _normal(dist):
                return plugin.entry
        return None
    return available(group).get(name)


def load(name: str, group: str = EXPORTERS) -> Any:
    """The class (or factory) registered under ``name``; UnknownPlugin (UnknownExporter) if none."""
    entry = find(name, group)
    if entry is None:
        known = list(available(group))
        if group == EXPORTERS:
            raise UnknownExporter(name, known)
        raise UnknownPlugin(name, known, _kind(group))
    try:
        return entry.load()
    except Exception as exc:
        raise PluginError(
            f"the {_kind(group)} {name!r} ({entry.value}) cannot be loaded: {type(exc).__name__}: {exc}"
        ) from exc


def options_of(name: str, group: str = EXPORTERS) -> tuple[Option, ...] | None:
    """The options the plugin declares (None when it declares none: then it checks them itself)."""
    return declared_options(load(name, group))


def check(name: str, options: Mapping[str, Any], group: str = EXPORTERS) -> dict[str, Any]:
    """Options for plugin ``name`` checked against its declaration and converted to the declared
    types (strings from ``-O key=value`` included); unchanged when it declares none."""
    declared = options_of(name, group)
    if declared is None:
        return dict(options)
    return check_options(declared, options, what=name)


def create(name: str, **options: Any) -> Exporter:
    """An exporter instance by name, configured with its own (checked) options."""
    factory = load(name)
    declared = declared_options(factory)
    if declared is not None:
        options = check_options(declared, options, what=name)
        try:
            inspect.signature(factory).bind(**options)
        except TypeError as exc:
            # The options were checked against the declaration (names and types): the declaration and
            # the __init__ disagree.
            raise PluginError(
                f"the exporter {name!r} declares options its __init__ does not take: {_option_message(exc)}"
            ) from None
        except ValueError:
            pass  # no signature to read (a builtin): its call says
    try:
        exporter = factory(**options)
    except (TypeError, ValueError) as exc:
        if declared is not None and isinstance(exc, TypeError):
            raise PluginError(f"the exporter {name!r} failed to start: TypeError: {exc}") from None
        # A wrong option is the user's mistake: say which exporter and what, in one line.
        raise OptionError(f"{name}: {_option_message(exc)}") from None
    if not isinstance(exporter, Exporter):
        missing = [m for m in ("render", "site_files", "advice") if not callable(getattr(exporter, m, None))]
        raise PluginError(f"the exporter {name!r} is not a hashmigrate exporter (no {', '.join(missing)})")
    return exporter


def _option_message(exc: Exception) -> str:
    # Only for a plugin that declares no options: its __init__ is what checks them.
    text = str(exc)
    if "unexpected keyword argument" in text:
        return "no such option " + text.rsplit("argument", 1)[-1].strip()
    return text
