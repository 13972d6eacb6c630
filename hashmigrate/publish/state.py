"""What was delivered where: one SQLite table keyed by (target, post key).

A target is a destination such as ``devto:https://dev.to/api``; a post key is the post's cuid, else its
slug. Each row holds the remote id and URL, the hash of the content the remote now has, whether it is
public, and the outcome of the last attempt. A create is recorded as ``pending`` *before* it is sent, so a
run that dies between the remote create and the state write leaves a trace that the next run reconciles
(by looking the article up) instead of creating it a second time.

A second table, ``sync_runs``, keeps per sync target the fingerprint of the last run that finished
cleanly and what that run reported, so that ``hashmigrate sync`` can skip a target whose inputs did not
change (see :mod:`hashmigrate.sync.fingerprint` and :mod:`hashmigrate.sync.run`).

WAL mode lets a reader (a dry run, a status command) look while a publish is writing. Nothing secret is
ever stored here: every message, URL and run detail is redacted on its way in.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import shlex
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Concatenate, ParamSpec, Self, TypeVar

from hashmigrate.redaction import redact, redact_data

SCHEMA_VERSION = 1
P = ParamSpec("P")
R = TypeVar("R")

PENDING = "pending"  # a create was (maybe) sent; its result is unknown
FAILED = "failed"  # the last attempt failed; remote_id/content_hash still describe the remote
DELIVERED = frozenset({"created", "updated", "adopted", "unchanged"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    target       TEXT NOT NULL,
    post_key     TEXT NOT NULL,
    remote_id    TEXT,
    remote_url   TEXT,
    content_hash TEXT,
    public       INTEGER NOT NULL DEFAULT 0,
    outcome      TEXT NOT NULL,
    message      TEXT,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (target, post_key)
)
"""

# Added after version 1 without a version bump: the table is only ever read by code that knows it, and
# an older hashmigrate that writes ``deliveries`` without touching it cannot fool a newer one (a
# recorded run carries the digest of the deliveries rows it saw; see rows_digest). Bumping the version
# would lock older versions out of a file they can still use correctly.
_RUNS_SCHEMA = """
CREATE TABLE IF NOT EXISTS sync_runs (
    name         TEXT PRIMARY KEY,
    fingerprint  TEXT NOT NULL,
    target       TEXT NOT NULL,
    rows_digest  TEXT NOT NULL,
    detail       TEXT NOT NULL,
    updated_at   TEXT NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class Record:
    target: str
    post_key: str
    remote_id: str | None
    remote_url: str | None
    content_hash: str | None  # what the remote has now (None until a delivery succeeded)
    public: bool
    outcome: str
    message: str | None
    updated_at: str

    @property
    def delivered(self) -> bool:
        """The remote holds this post (whatever the last attempt did)."""
        return self.remote_id is not None

    @property
    def pending(self) -> bool:
        """A create may have reached the remote without us learning its id."""
        return self.remote_id is None and self.outcome == PENDING


@dataclass(frozen=True, slots=True)
class SyncRun:
    """A sync target's last clean run: its input fingerprint, the digest of its state rows when it
    ended, and ``detail`` (JSON, the sync's own format) to report it again."""

    fingerprint: str
    target: str  # the target's key in ``deliveries``
    rows_digest: str
    detail: str


class StateError(Exception):
    """The state file cannot be opened or used (not a database, no permission, a newer format)."""


_DAMAGED = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}
_LOCKED = {"SQLITE_BUSY", "SQLITE_LOCKED"}
_UNWRITABLE = {"SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH"}


def _quote(path: Path) -> str:
    return shlex.quote(str(path))


def explain(path: Path, exc: sqlite3.Error | OSError) -> str:
    """One line: what is wrong with the state file and what the user can do about it."""
    # Extended codes (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED) count as their primary code.
    code = "_".join(str(getattr(exc, "sqlite_errorname", "")).split("_")[:2])
    # A damaged page can also hold bytes that are not UTF-8, where a text was written.
    undecodable = str(exc).startswith("Could not decode")
    if code in _DAMAGED or undecodable or "malformed" in str(exc) or "not a database" in str(exc):
        why = "a text in it is not UTF-8" if undecodable else str(exc)
        return (
            f"{path}: the state file is damaged ({why}); move it aside (mv {_quote(path)} {_quote(path)}.damaged) and "
            "run again: the next run finds what is already published and adopts it, with no duplicate"
        )
    if code in _LOCKED:
        return f"{path}: the state file is locked by another program ({exc}); run again when it is done"
    if code in _UNWRITABLE or getattr(exc, "errno", None) in {errno.EACCES, errno.EPERM, errno.EROFS}:
        return (
            f"{path}: cannot write the state file or its folder ({exc}); make them writable, "
            "or name another state file"
        )
    if code == "SQLITE_FULL" or getattr(exc, "errno", None) == errno.ENOSPC:
        return f"{path}: the disk holding the state file is full; make room and run again"
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        return f"{path}: a part of the state file's path is a file, not a folder; name another state file"
    if isinstance(exc, OSError):
        return f"{path}: cannot use the state file: {exc.strerror or exc}"
    return f"{path}: cannot use the state file: {exc}"


def _guarded(method: Callable[Concatenate[StateStore, P], R]) -> Callable[Concatenate[StateStore, P], R]:
    """Every use of the database: a SQLite error (a page damaged after the file was opened, a full
    disk, a lock) becomes a :class:`StateError` saying what to do, never a traceback."""

    @functools.wraps(method)
    def guarded(self: StateStore, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise StateError(explain(self.path, exc)) from None

    return guarded


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class StateStore:
    """The state file. Use as a context manager; ``readonly`` never creates or changes anything."""

    def __init__(self, path: Path | str, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        try:
            self._db = self._open()
            self._db.execute("SELECT count(*) FROM deliveries").fetchone()
        except (sqlite3.Error, OSError) as exc:
            raise StateError(explain(self.path, exc)) from None
        self._db.row_factory = sqlite3.Row

    def _open(self) -> sqlite3.Connection:
        if self.readonly:
            if self.path.exists():
                return sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
            # Nothing published yet: an empty in-memory store answers every question the same way.
            db = sqlite3.connect(":memory:")
            db.execute(_SCHEMA)
            db.execute(_RUNS_SCHEMA)
            return db
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        # FULL: a recorded intent must survive a crash right after the remote create.
        db.execute("PRAGMA synchronous=FULL")
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            db.close()
            raise sqlite3.DatabaseError(f"written by a newer hashmigrate (state version {version})")
        db.execute(_SCHEMA)
        db.execute(_RUNS_SCHEMA)  # the migration of a state file made before the table existed
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return db

    # -- reading ----------------------------------------------------------------------------------------

    @_guarded
    def get(self, target: str, post_key: str) -> Record | None:
        row = self._db.execute(
            "SELECT * FROM deliveries WHERE target = ? AND post_key = ?", (target, post_key)
        ).fetchone()
        return _record(row) if row is not None else None

    @_guarded
    def records(self, target: str) -> list[Record]:
        rows = self._db.execute("SELECT * FROM deliveries WHERE target = ? ORDER BY post_key", (target,))
        return [_record(row) for row in rows]

    @_guarded
    def remote_ids(self, target: str) -> dict[str, str]:
        """Remote id -> post key, for every post of ``target`` that has one."""
        rows = self._db.execute(
            "SELECT remote_id, post_key FROM deliveries WHERE target = ? AND remote_id IS NOT NULL", (target,)
        )
        return {str(row[0]): str(row[1]) for row in rows}

    @_guarded
    def rows_digest(self, target: str) -> str:
        """SHA-256 over every row of ``target``: any write to them since changes it."""
        digest = hashlib.sha256()
        rows = self._db.execute("SELECT * FROM deliveries WHERE target = ? ORDER BY post_key", (target,))
        for row in rows:
            digest.update(repr(tuple(row)).encode("utf-8"))
        return digest.hexdigest()

    @_guarded
    def last_run(self, name: str) -> SyncRun | None:
        """The last clean run of sync target ``name``, if one is recorded."""
        try:
            row = self._db.execute("SELECT * FROM sync_runs WHERE name = ?", (name,)).fetchone()
        except sqlite3.OperationalError:
            return None  # a read-only look at a state file made before the table existed
        if row is None:
            return None
        return SyncRun(row["fingerprint"], row["target"], row["rows_digest"], row["detail"])

    # -- writing ----------------------------------------------------------------------------------------

    @_guarded
    def record_run(self, name: str, fingerprint: str, target: str, detail: str) -> None:
        """Remember a clean run of sync target ``name`` (state key ``target``) with the digest of
        ``target``'s rows, taken in the same transaction, so no write can slip in between."""
        with self._write():
            self._db.execute(
                """INSERT INTO sync_runs (name, fingerprint, target, rows_digest, detail, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT (name) DO UPDATE SET fingerprint = excluded.fingerprint,
                       target = excluded.target, rows_digest = excluded.rows_digest,
                       detail = excluded.detail, updated_at = excluded.updated_at""",
                (name, fingerprint, target, self.rows_digest(target), _redact_json(detail), _now()),
            )

    @_guarded
    def forget_run(self, name: str) -> None:
        """Drop sync target ``name``'s recorded run (before a run that may change what it describes)."""
        if self.last_run(name) is None:
            return  # no write transaction (and no fsync) for nothing
        with self._write():
            self._db.execute("DELETE FROM sync_runs WHERE name = ?", (name,))

    @_guarded
    def begin(self, target: str, post_key: str, content_hash: str) -> None:
        """Record the intent to create, before the request goes out. Keeps an existing remote id."""
        with self._write():
            self._db.execute(
                """INSERT INTO deliveries (target, post_key, outcome, message, updated_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (target, post_key) DO UPDATE SET
                       outcome = CASE WHEN remote_id IS NULL THEN excluded.outcome ELSE outcome END,
                       message = excluded.message, updated_at = excluded.updated_at""",
                (target, post_key, PENDING, f"sending content {content_hash[:12]}", _now()),
            )

    @_guarded
    def delivered(
        self,
        target: str,
        post_key: str,
        *,
        remote_id: str,
        remote_url: str | None,
        content_hash: str,
        public: bool,
        outcome: str,
        message: str | None = None,
    ) -> None:
        if outcome not in DELIVERED:
            raise ValueError(f"not a delivery outcome: {outcome!r}")
        with self._write():
            self._db.execute(
                """INSERT INTO deliveries
                       (target, post_key, remote_id, remote_url, content_hash, public, outcome, message, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (target, post_key) DO UPDATE SET
                       remote_id = excluded.remote_id, remote_url = excluded.remote_url,
                       content_hash = excluded.content_hash, public = excluded.public,
                       outcome = excluded.outcome, message = excluded.message,
                       updated_at = excluded.updated_at""",
                (
                    target,
                    post_key,
                    remote_id,
                    None if remote_url is None else redact(remote_url),
                    content_hash,
                    int(public),
                    outcome,
                    None if message is None else redact(message),
                    _now(),
                ),
            )

    @_guarded
    def failed(self, target: str, post_key: str, message: str, *, maybe_created: bool = False) -> None:
        """Record a failed attempt; what the remote holds (id, hash) stays as it was.

        ``maybe_created`` keeps a create's intent pending: the request may have created the article.
        """
        outcome = PENDING if maybe_created else FAILED
        with self._write():
            self._db.execute(
                """INSERT INTO deliveries (target, post_key, outcome, message, updated_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (target, post_key) DO UPDATE SET
                       outcome = CASE WHEN remote_id IS NULL AND ? THEN 'pending' ELSE 'failed' END,
                       message = excluded.message, updated_at = excluded.updated_at""",
                (target, post_key, outcome, redact(message), _now(), int(maybe_created)),
            )

    @_guarded
    def forget(self, target: str, post_key: str) -> None:
        """Drop what is known of one post (its remote article was deleted)."""
        with self._write():
            self._db.execute("DELETE FROM deliveries WHERE target = ? AND post_key = ?", (target, post_key))

    @contextmanager
    def _write(self) -> Iterator[None]:
        if self.readonly:
            raise RuntimeError("this state store was opened read-only (dry run)")
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- life cycle -------------------------------------------------------------------------------------

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _redact_json(text: str) -> str:
    """JSON ``text`` with every string in it redacted, still JSON (redacting the text itself could cut
    an escape sequence in two)."""
    try:
        data = json.loads(text)
    except ValueError:
        return redact(text)
    return json.dumps(redact_data(data), ensure_ascii=False)


def _record(row: sqlite3.Row) -> Record:
    return Record(
        target=row["target"],
        post_key=row["post_key"],
        remote_id=row["remote_id"],
        remote_url=row["remote_url"],
        content_hash=row["content_hash"],
        public=bool(row["public"]),
        outcome=row["outcome"],
        message=row["message"],
        updated_at=row["updated_at"],
    )
