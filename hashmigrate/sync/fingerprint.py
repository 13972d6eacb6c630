"""Fingerprints of a sync run's inputs, and the check that a folder target's files are still ours.

A run starts with SHA-256 over everything a target's output depends on: the source's bytes (and the
git history the dates come from), the settings, hashmigrate's own code and the libraries it runs on;
never a secret's value. Equal fingerprints and untouched output files mean a run would write nothing.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hashmigrate.hashnode import SourceError
from hashmigrate.sync.config import SourceConfig, SyncConfig, TargetConfig

_CANDIDATE_SUFFIXES = frozenset({".md", ".markdown"})  # every file a backup reader may open as a post


@functools.cache
def code_digest() -> str:
    """Every file of hashmigrate and of the packages its plugins (exporters, publishers) come from,
    the Python and library versions that run them.

    Once per process: it describes the code this process loaded, which a later edit on disk does not
    change. About 15 ms here, and safe against a code change that nobody marked with a version bump.
    """
    import hashmigrate
    from hashmigrate import registry

    digest = hashlib.sha256(f"{sys.version}\0hashmigrate {hashmigrate.__version__}\0".encode())
    plugins = [
        plugin for group in (registry.EXPORTERS, registry.PUBLISHERS) for plugin in registry.installed(group)
    ]
    tops = sorted({"hashmigrate"} | {plugin.entry.module.partition(".")[0] for plugin in plugins})
    for top in tops:
        spec = importlib.util.find_spec(top)
        if spec is None or spec.origin is None:
            continue
        origin = Path(spec.origin)
        files = sorted(origin.parent.rglob("*")) if origin.name == "__init__.py" else [origin]
        root = origin.parent.parent if origin.name == "__init__.py" else origin.parent
        for path in files:
            if "__pycache__" in path.parts or not path.is_file():
                continue
            _add(digest, path.relative_to(root).as_posix(), path.read_bytes())
    try:
        requirements = importlib.metadata.requires("hashmigrate") or []
    except importlib.metadata.PackageNotFoundError:
        requirements = []
    for requirement in requirements:
        name = re.match(r"[A-Za-z0-9._-]+", requirement)
        if name is None or "extra ==" in requirement:
            continue
        try:
            version = importlib.metadata.version(name.group())
        except importlib.metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{name.group()} {version}\0".encode())
    # A third-party package may register an exporter under a built-in name: where each comes from.
    for plugin in plugins:
        dist = plugin.entry.dist
        version = dist.version if dist else ""
        digest.update(
            f"{plugin.entry.group} {plugin.name}={plugin.entry.value} {plugin.dist} {version}\0".encode()
        )
    return digest.hexdigest()


def _add(digest: Any, name: str, data: bytes) -> None:
    """One named piece of input, length-prefixed so that no two sequences of pieces hash alike."""
    encoded = os.fsencode(name)
    digest.update(b"%d:%s%d:" % (len(encoded), encoded, len(data)))
    digest.update(data)


def settings_json(settings: SourceConfig | TargetConfig) -> str:
    """The settings as canonical JSON, paths made absolute. They hold the names of the environment
    variables with secrets, never their values."""

    def plain(value: Any) -> str:
        return str(value.resolve()) if isinstance(value, Path) else str(value)

    return json.dumps(dataclasses.asdict(settings), sort_keys=True, default=plain)


def run_inputs(config: SyncConfig) -> str | None:
    """SHA-256 over what every target's output depends on but its own settings; None when the source
    cannot be fingerprinted (then every target takes the full path).

    An API source is not fingerprinted: only fetching every post would tell whether one changed, and
    that is most of what a full run does.
    """
    from hashmigrate.hashnode import source_kind
    from hashmigrate.hashnode.git import history

    source = config.source
    if source.type == "api" or source.path is None:
        return None
    try:
        digest = hashlib.sha256(f"{code_digest()}\0{settings_json(source)}\0".encode())
        # What the reader reads: it goes by what the path holds, not by the configured type.
        kind = source_kind(source.path)
        if source.path.is_dir():
            _add_candidates(digest, source.path)
        else:
            _add(digest, source.path.name, source.path.read_bytes())
        if kind == "backup":
            # Dates of posts without any come from git history, which can change with no file changing.
            folder = source.path if source.path.is_dir() else source.path.parent
            for name, log in sorted(history(folder).items()):
                _add(digest, name, repr(log).encode("utf-8"))
        if source.tags_from is not None:
            _add_candidates(digest, source.tags_from)
    except (OSError, RuntimeError, SourceError):
        return None  # the reader will say what is wrong, as it always has
    return digest.hexdigest()


def _add_candidates(digest: Any, folder: Path) -> None:
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in _CANDIDATE_SUFFIXES or not path.is_file():
            continue
        _add(digest, path.name, path.read_bytes())


def outputs_intact(
    target: TargetConfig, detail: Mapping[str, Any], config: SyncConfig, dry_run: bool
) -> bool:
    """Every file the last run wrote still holds what it wrote, and so does the writer's manifest.

    Hashes, not sizes and times: an edit that keeps the size, or lands in the same clock tick as our
    write, must still take the full path (which reports it as a conflict). Reading the files costs less
    than a tenth of the full path, which reads them all as well.
    """
    from hashmigrate.delivery import JOURNAL, MANIFEST

    assert target.out is not None
    root = target.out.resolve()
    if (root / JOURNAL).exists():
        return False  # a killed write's journal: the full path folds it into the manifest
    if file_digest(root / MANIFEST) != detail["manifest"]:
        return False
    for relative, expected in detail["files"].items():
        if file_digest(root / relative) != expected:
            return False
    if target.download_images:
        if dry_run:
            return False  # a dry run fetches no image, so its full path renders other bytes
        return bool(image_cache_digest(config) == detail["images"])
    return True


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def image_cache_digest(config: SyncConfig) -> str | None:
    """The image cache's index, if every image it names is still there: the full path would then
    download nothing and place the same files."""
    from hashmigrate.assets import ImageCache

    root = config.state.parent / "images"
    index = root / "index.json"
    digest = file_digest(index)
    if digest is None:
        return None
    cache = ImageCache(root)
    if any(cache.get(url) is None for url in json.loads(index.read_bytes())):
        return None
    return digest
