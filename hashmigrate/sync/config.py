"""The sync configuration: one TOML file naming one source and any number of targets.

A target's ``type`` is any installed publisher (API delivery: devto, wordpress, or a plugin's) or else
any installed exporter (folder delivery: hugo, jekyll, or a plugin's), by name or full name
``<distribution>:<name>``; its ``options`` are checked against the ones the plugin declares.

Secrets are never in the file, only the names of the environment variables that hold them; a URL with
a user or password in it is refused. Every key
is checked: a misspelt key is an error naming the table and the key, not a silent default. Relative
paths are relative to the config file's folder, so a scheduled job can run from anywhere.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hashmigrate import registry
from hashmigrate.redaction import url_has_credentials


class ConfigError(ValueError):
    """The config cannot be used: one line naming the file, the place and the problem."""


SOURCE_TYPES = ("backup", "json", "api")

_SOURCE_KEYS: dict[str, set[str]] = {
    "backup": {"type", "path", "git_pull", "blog_url", "drafts", "repair"},
    "json": {"type", "path", "tags_from", "blog_url", "drafts", "repair"},
    "api": {"type", "host", "endpoint", "token_env", "drafts", "repair"},
}
_COMMON_TARGET_KEYS = {"type", "name", "options"}
_FOLDER_KEYS = {"out", "git_commit", "download_images", "force", "keep_links"}
_API_KEYS = {"api_url", "publish"}  # any publisher; it reads its credentials from the environment
# The built-in publishers' own keys (their secrets' variable names, WordPress's site and user).
_PUBLISHER_KEYS: dict[str, set[str]] = {
    "devto": {"api_key_env", "api_url", "publish"},
    "wordpress": {"url", "user", "password_env", "upload_images", "publish"},
}
_TOP_KEYS = {"source", "targets", "state"}


@dataclass(frozen=True)
class SourceConfig:
    type: str
    path: Path | None = None
    git_pull: bool = False
    blog_url: str | None = None
    drafts: bool = False
    repair: bool = True
    tags_from: Path | None = None
    host: str | None = None
    endpoint: str = "https://gql-beta.hashnode.com"
    token_env: str | None = None


@dataclass(frozen=True)
class TargetConfig:
    type: str
    name: str
    delivery: str = "folder"  # folder (an exporter) | api (a publisher)
    options: Mapping[str, Any] = field(default_factory=dict)
    out: Path | None = None
    git_commit: bool = False
    download_images: bool = False
    force: bool = False
    keep_links: bool = False
    api_key_env: str = "DEVTO_API_KEY"
    api_url: str | None = None
    publish: bool = False
    url: str | None = None
    user: str | None = None
    password_env: str = "WP_APP_PASSWORD"
    upload_images: bool = False

    @property
    def is_folder(self) -> bool:
        return self.delivery == "folder"


@dataclass(frozen=True)
class SyncConfig:
    path: Path
    source: SourceConfig
    targets: tuple[TargetConfig, ...]
    state: Path


def load(path: Path) -> SyncConfig:
    """Read and check a sync config file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse(data, path)


def parse(data: Mapping[str, Any], path: Path) -> SyncConfig:
    base = path.parent
    _known(data, _TOP_KEYS, f"{path}: top level")
    raw_source = data.get("source")
    if not isinstance(raw_source, dict):
        raise ConfigError(f"{path}: a [source] table is required")
    source = _source(raw_source, base, f"{path}: [source]")
    raw_targets = data.get("targets")
    if not isinstance(raw_targets, list) or not raw_targets:
        raise ConfigError(f"{path}: at least one [[targets]] table is required")
    targets = []
    names: set[str] = set()
    for number, raw in enumerate(raw_targets, start=1):
        where = f"{path}: [[targets]] #{number}"
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: must be a table")
        target = _target(raw, base, where)
        if target.name in names:
            raise ConfigError(
                f"{where}: another target is also named {target.name!r}; give one a different name"
            )
        names.add(target.name)
        targets.append(target)
    raw_state = data.get("state", {})
    if not isinstance(raw_state, dict):
        raise ConfigError(f"{path}: [state] must be a table")
    _known(raw_state, {"path"}, f"{path}: [state]")
    state = _path(raw_state.get("path", ".hashmigrate/state.db"), base, f"{path}: [state] path")
    return SyncConfig(path=path, source=source, targets=tuple(targets), state=state)


def _known(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(allowed))})")


def _str(table: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str | None:
    value = table.get(key, default)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string")
    return value


def _url(table: Mapping[str, Any], key: str, where: str, use: str, default: str | None = None) -> str | None:
    """A URL setting; one with a user or password in it is refused (``use`` names where they go)."""
    value = _str(table, key, where, default)
    if value is not None and url_has_credentials(value):
        raise ConfigError(
            f"{where}: {key} holds a user name or password; take them out of the URL: "
            f"a secret goes in the environment (the variable named by {use})"
        )
    return value


def _bool(table: Mapping[str, Any], key: str, where: str, default: bool = False) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be true or false")
    return value


def _path(value: Any, base: Path, where: str) -> Path:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where} must be a non-empty string")
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def _source(raw: Mapping[str, Any], base: Path, where: str) -> SourceConfig:
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in SOURCE_TYPES:
        raise ConfigError(f"{where}: type must be one of {', '.join(SOURCE_TYPES)}")
    _known(raw, _SOURCE_KEYS[kind], f"{where} ({kind})")
    if kind == "api":
        host = _url(raw, "host", where, "token_env")
        if not host:
            raise ConfigError(f'{where}: an api source needs host = "yourblog.hashnode.dev"')
        return SourceConfig(
            type=kind,
            host=host,
            endpoint=_url(raw, "endpoint", where, "token_env", "https://gql-beta.hashnode.com") or "",
            token_env=_str(raw, "token_env", where),
            drafts=_bool(raw, "drafts", where),
            repair=_bool(raw, "repair", where, True),
        )
    return SourceConfig(
        type=kind,
        path=_path(raw.get("path"), base, f"{where}: path"),
        git_pull=_bool(raw, "git_pull", where),
        blog_url=_str(raw, "blog_url", where),
        drafts=_bool(raw, "drafts", where),
        repair=_bool(raw, "repair", where, True),
        tags_from=_path(raw["tags_from"], base, f"{where}: tags_from") if "tags_from" in raw else None,
    )


def _options(options: Any, kind: str, group: str, where: str) -> dict[str, Any]:
    """The target's ``options`` table, checked now against the options the plugin declares (or, for
    an exporter that declares none, by making it): a wrong name or value is the config's mistake, found
    before anything is read or written."""
    if not isinstance(options, dict):
        raise ConfigError(f"{where}: options must be a table")
    for key, value in options.items():
        # The same values as -O key=value on the command line: one string, boolean or number each.
        if not isinstance(value, (str, bool, int, float)):
            shape = (
                "a table" if isinstance(value, dict) else "a list" if isinstance(value, list) else "a date"
            )
            # A key can be any string in TOML ("\n" too): shown quoted unless it is a plain name, so
            # the message stays one line.
            name = f"options.{key}" if str(key).isidentifier() else f"options[{key!r}]"
            raise ConfigError(f"{where}: {name} must be a string, true/false or a number, not {shape}")
    try:
        checked = registry.check(kind, options, group)
        if group == registry.EXPORTERS and checked:
            registry.create(kind, **checked)  # the exporter's own checks of the values
    except Exception as exc:  # a plugin's own check, whatever it raises, is about these values
        message = str(exc).removeprefix(f"{kind}: ")
        raise ConfigError(f"{where}: options: {message}") from None
    return checked


def _group(kind: Any, folder: bool) -> str | None:
    """Which plugins a target type names: a publisher (API delivery) before an exporter (folder), unless
    the target names a folder (``out``). A name can be both: dev.to's and WordPress's are, and a
    publisher a package adds must not take over the folder target of an exporter of that name."""
    if not isinstance(kind, str) or not kind:
        return None
    order = (registry.EXPORTERS, registry.PUBLISHERS) if folder else (registry.PUBLISHERS, registry.EXPORTERS)
    for group in order:
        if registry.find(kind, group) is not None:
            return group
    return None


def _target(raw: Mapping[str, Any], base: Path, where: str) -> TargetConfig:
    kind = raw.get("type")
    group = _group(kind, "out" in raw)
    if not isinstance(kind, str) or group is None:
        known = sorted({*registry.publishers(), *registry.available()})
        raise ConfigError(f"{where}: type must be one of {', '.join(known)}")
    where = f"{where} ({kind})"
    keys = _FOLDER_KEYS if group == registry.EXPORTERS else _PUBLISHER_KEYS.get(kind, _API_KEYS)
    _known(raw, keys | _COMMON_TARGET_KEYS, where)
    options = _options(raw.get("options", {}), kind, group, where)
    name = _str(raw, "name", where) or kind
    delivery = "folder" if group == registry.EXPORTERS else "api"
    common: dict[str, Any] = {"type": kind, "name": name, "options": options, "delivery": delivery}
    if delivery == "folder":
        return TargetConfig(
            **common,
            out=_path(raw.get("out"), base, f"{where}: out"),
            git_commit=_bool(raw, "git_commit", where),
            download_images=_bool(raw, "download_images", where),
            force=_bool(raw, "force", where),
            keep_links=_bool(raw, "keep_links", where),
        )
    if kind == "devto":
        return TargetConfig(
            **common,
            api_key_env=_str(raw, "api_key_env", where, "DEVTO_API_KEY") or "DEVTO_API_KEY",
            api_url=_url(raw, "api_url", where, "api_key_env"),
            publish=_bool(raw, "publish", where),
        )
    if kind != "wordpress":
        return TargetConfig(
            **common,
            api_url=_url(raw, "api_url", where, "the publisher's documentation"),
            publish=_bool(raw, "publish", where),
        )
    url = _url(raw, "url", where, "password_env; the user name goes in user")
    if not url:
        raise ConfigError(f'{where}: a wordpress target needs url = "https://your-site"')
    return TargetConfig(
        **common,
        url=url,
        user=_str(raw, "user", where),
        password_env=_str(raw, "password_env", where, "WP_APP_PASSWORD") or "WP_APP_PASSWORD",
        upload_images=_bool(raw, "upload_images", where),
        publish=_bool(raw, "publish", where),
    )
