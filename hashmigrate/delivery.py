"""Writing rendered files into an output folder: atomically, inside it, never over the user's work.

A manifest (``.hashmigrate-manifest.json``) records the hash of every file we wrote. A file still
holding what we wrote is ours to update; a file that differs from it was changed by someone else and
is left alone unless ``force`` is given.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

if TYPE_CHECKING:
    from hashmigrate.exporter import OutputFile

MANIFEST = ".hashmigrate-manifest.json"
JOURNAL = ".hashmigrate-manifest.journal"


class UnsafePath(ValueError):
    pass


# Errors that no other file of the run could escape either: the run stops at the first one.
_DISK_WIDE = {
    errno.ENOSPC: "the output disk is full",
    errno.EDQUOT: "the disk quota of the output is used up",
    errno.EROFS: "the output is on a read-only file system",
}
_FILE_LEVEL = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOTDIR: "a part of its path is a file, not a folder",
    errno.EISDIR: "a folder is in the way",
    errno.ENAMETOOLONG: "the file name is too long for the file system",
    errno.EMLINK: "too many files in its folder",
    errno.EFBIG: "the file is too large for the file system",
}


class OutputError(OSError):
    """A file of the output could not be written; ``filename`` is the file meant, not a temporary."""

    def __init__(self, path: Path, cause: OSError) -> None:
        super().__init__(cause.errno, cause.strerror or str(cause), str(path))

    @property
    def what(self) -> str:
        """What happened, in words (the errno's own text for a rare one)."""
        code = self.errno or 0
        return _DISK_WIDE.get(code) or _FILE_LEVEL.get(code) or str(self.strerror)

    @property
    def stops(self) -> bool:
        """True when every other file would fail the same way (a full or read-only disk)."""
        return self.errno in _DISK_WIDE

    def line(self) -> str:
        return f"{self.what} while writing {self.filename}"


# What writing one file did; a dry run says what it would have done.
FileStatus: TypeAlias = Literal["created", "updated", "unchanged", "conflict", "would-create", "would-update"]


@dataclass(frozen=True, slots=True)
class WriteResult:
    path: Path
    status: FileStatus


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()


def atomic_write(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Write via a temporary file in the same folder and rename: a kill leaves the old file whole.

    ``durable`` also flushes the data to the disk before the rename, which only a power cut needs;
    it costs a third of a conversion's time when every page pays it, so only bookkeeping files
    (the manifest) ask for it.
    """
    _replace_atomically(path, lambda handle: handle.write(data), durable)


def atomic_move(spool: Path, path: Path) -> None:
    """``spool`` (a file written elsewhere, a streamed report) becomes ``path``, with the mode a normal
    write would give it: renamed when both are on one disk, else copied beside ``path`` and renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(spool, _mode(path))
        os.replace(spool, path)
        return
    except OSError:
        pass
    with spool.open("rb") as source:
        _replace_atomically(path, lambda handle: shutil.copyfileobj(source, handle, 1 << 20), False)
    spool.unlink(missing_ok=True)


def _mode(path: Path) -> int:
    """The mode ``path`` has, or the one a new file gets under this process's umask."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~_UMASK


def _replace_atomically(
    path: Path, fill: Callable[[Any], object], durable: bool, *, new: bool = False, folder_made: bool = False
) -> None:
    """``new``: the caller just found no file at ``path`` (its mode is not looked up again);
    ``folder_made``: the caller made its folder earlier in the run (no ``mkdir``, unless the folder
    has gone since). Each saves system calls a page would otherwise pay, a third of them for a page
    written into a folder that holds others."""
    if not folder_made:
        path.parent.mkdir(parents=True, exist_ok=True)
    mode = 0o666 & ~_UMASK if new else _mode(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".tmp", dir=path.parent)
    except FileNotFoundError:
        if not folder_made:
            raise
        path.parent.mkdir(parents=True, exist_ok=True)  # removed while the run went on: made again
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes 0600 files; a page or image must keep the mode a normal write would give it.
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            fill(handle)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# Folders a writer keeps resolved. Not every one: a Hugo bundle is a folder a post, and a resolved Path
# and its key are ~500 bytes (20,000 posts: 10 MB held to the end of the run).
FOLDERS_KEPT = 64


def resolve_inside(
    out: Path, relative: str, root: Path | None = None, folders: dict[str, Path] | None = None
) -> Path:
    """The absolute path of ``relative`` under ``out``; refuses anything that would leave ``out``.

    ``root`` is ``out`` already resolved (a writer resolves it once, not for every file). ``folders``
    remembers the folders resolved last (at most :data:`FOLDERS_KEPT`): resolving costs a system call
    per path part, and a post's files share a folder. Only the last part (a link, maybe) is looked at
    again for each file.
    """
    posix = PurePosixPath(relative)
    if posix.is_absolute() or any(part in {"..", ""} for part in posix.parts) or "\x00" in relative:
        raise UnsafePath(f"refusing to write {relative!r}: outside the output folder")
    root = root or out.resolve()
    parts = posix.parts
    if folders is None:
        target = (root / Path(*parts)).resolve()
    else:
        folder = _folder(root, parts[:-1], folders)
        target = folder / parts[-1]
        if target.is_symlink():
            target = target.resolve()
    # ``root in target.parents`` compared as text (both are resolved, absolute and normalised):
    # making every parent of the path to compare cost as much as the system calls saved above.
    inside = str(root).rstrip(os.sep) + os.sep
    if target != root and not str(target).startswith(inside):
        raise UnsafePath(f"refusing to write {relative!r}: outside the output folder")
    return target


def _folder(root: Path, parts: tuple[str, ...], folders: dict[str, Path]) -> Path:
    """``root / parts`` resolved, from ``folders`` when it was resolved lately.

    A folder not remembered is its parent's resolved path (remembered, as a new Hugo bundle's
    ``content/posts`` is, or resolved the same way) and its own name, unless that name is a link,
    which is resolved whole: one ``lstat`` for a new bundle instead of one per part of the absolute
    path, the same path as resolving it all (the parent has no link left in it, and ``..`` and empty
    parts are refused before)."""
    key = "/".join(parts)
    folder = folders.get(key)
    if folder is not None:
        # Kept as the newest: the parent every new bundle is looked up in stays remembered.
        folders[key] = folders.pop(key)
        return folder
    if not parts:
        folder = root
    else:
        folder = _folder(root, parts[:-1], folders) / parts[-1]
        if folder.is_symlink():
            folder = folder.resolve()
    folders[key] = folder
    if len(folders) > FOLDERS_KEPT:
        del folders[next(iter(folders))]  # the one used longest ago
    return folder


_TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def _remove_stale_temporaries(out: Path) -> None:
    """Temporary files of a run that was killed mid-write (``atomic_write``'s own naming): no run can
    still need them once this one holds the folder, and a git_commit must not pick them up."""
    if not out.is_dir():
        return
    for folder, dirs, files in os.walk(out):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in files:
            if _TEMPORARY.match(name):
                Path(folder, name).unlink(missing_ok=True)


def manifest_text(files: dict[str, str]) -> Iterator[str]:
    """The manifest's text, ``json.dumps({"files": <files sorted>}, indent=1)``, in pieces of a
    thousand files: json.dumps holds a piece of text for every key, colon and value at once (at
    100,000 pages, ~40 MB beside the text itself)."""
    if not files:
        yield json.dumps({"files": {}}, indent=1)
        return
    lines = ['{\n "files": {']
    for number, key in enumerate(sorted(files)):
        lines.append(f"{',' if number else ''}\n  {json.dumps(key)}: {json.dumps(files[key])}")
        if len(lines) >= 1000:
            yield "".join(lines)
            lines = []
    yield "".join(lines) + "\n }\n}"


class FolderWriter:
    def __init__(self, out: Path, *, force: bool = False, dry_run: bool = False) -> None:
        self.out = out
        self.force = force
        self.dry_run = dry_run
        self._manifest_path = out / MANIFEST
        self._journal_path = out / JOURNAL
        self._manifest: dict[str, str] = self._load_manifest()
        # Hashes written by a run that was killed before it saved the manifest: still ours.
        self._also_ours: dict[str, set[str]] = self._load_journal()
        self._journal: Any = None
        self._root = out.resolve()  # once: every file written is checked against it
        self._folders: dict[str, Path] = {}
        # The resolved folders this writer made (or found) lately, not made again for the next file
        # (mkdir of a folder that exists is two system calls and an exception); as few as _folders.
        self._made: dict[Path, None] = {}
        self._dirty = False
        # The first error that stops the run; every later write refuses with it, not a new attempt.
        self.stopped: OutputError | None = None
        # A worker process's copy of the writer lists what it records, for the parent's manifest.
        self.recorded: list[tuple[str, str]] | None = None
        if not dry_run:
            # On a read-only output this fails; the first write then says so, naming the file.
            with contextlib.suppress(OSError):
                _remove_stale_temporaries(out)

    def _load_manifest(self) -> dict[str, str]:
        try:
            data = json.loads(self._manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        files = data.get("files") if isinstance(data, dict) else None
        return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}

    def _load_journal(self) -> dict[str, set[str]]:
        known: dict[str, set[str]] = {}
        try:
            lines = self._journal_path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return known
        for line in lines:
            hash_, _, relative = line.partition(" ")
            if relative:
                known.setdefault(relative, set()).add(hash_)
        if known:
            self._dirty = True  # fold the journal into the manifest at close
        return known

    def _log(self, relative: str, hash_: str) -> None:
        """Note the hash before the rename, so a kill between rename and manifest save is harmless.

        The journal serves every file: when it cannot be written, no file can be, and the run stops.
        """
        try:
            if self._journal is None:
                self.out.mkdir(parents=True, exist_ok=True)
                self._journal = self._journal_path.open("a", encoding="utf-8")
            self._journal.write(f"{hash_} {relative}\n")
            self._journal.flush()
        except OSError as exc:
            self.stopped = OutputError(self._journal_path, exc)
            raise self.stopped from None

    def write(self, file: OutputFile) -> WriteResult:
        return self.write_bytes(file.path, file.content.encode("utf-8"))

    def write_bytes(self, relative: str, data: bytes) -> WriteResult:
        """Write one file; :class:`OutputError` names it and says what went wrong."""
        if self.stopped is not None:
            raise self.stopped
        target = resolve_inside(self.out, relative, self._root, self._folders)
        try:
            return self._write(relative, target, data)
        except OutputError:
            raise
        except OSError as exc:
            error = OutputError(target, exc)
            if error.stops and not self.dry_run:
                self.stopped = error
            raise error from None

    def _write(self, relative: str, target: Path, data: bytes) -> WriteResult:
        new_hash = hashlib.sha256(data).hexdigest()
        try:
            current: bytes | None = target.read_bytes()
        except FileNotFoundError:
            current = None
        if current is not None:
            current_hash = hashlib.sha256(current).hexdigest()
            if current_hash == new_hash:
                self._record(relative, new_hash)
                return WriteResult(target, "unchanged")
            ours = self._manifest.get(relative) == current_hash or current_hash in self._also_ours.get(
                relative, ()
            )
            if not ours and not self.force:
                return WriteResult(target, "conflict")
        if self.dry_run:
            return WriteResult(target, "would-create" if current is None else "would-update")
        status: FileStatus = "created" if current is None else "updated"
        self._log(relative, new_hash)
        folder = target.parent
        made = folder in self._made
        _replace_atomically(
            target, lambda handle: handle.write(data), False, new=current is None, folder_made=made
        )
        if not made:
            self._made[folder] = None
            if len(self._made) > FOLDERS_KEPT:
                del self._made[next(iter(self._made))]
        self._record(relative, new_hash)
        return WriteResult(target, status)

    def _record(self, relative: str, hash_: str) -> None:
        if self.recorded is not None:
            # A worker's copy: the parent's manifest takes it (this copy's would only grow).
            self.recorded.append((relative, hash_))
            return
        if self._manifest.get(relative) != hash_:
            self._manifest[relative] = hash_
            self._dirty = True

    def adopt(self, recorded: Iterable[tuple[str, str]]) -> None:
        """Record files a copy of this writer wrote in a worker process (its :attr:`recorded`): the
        worker logged each in the journal before its rename, as this writer does."""
        for relative, hash_ in recorded:
            self._record(relative, hash_)

    def close(self) -> None:
        """Save the manifest and drop the journal; :class:`OutputError` when the manifest cannot be
        saved, and then the journal stays, so the next run still knows every file written as ours."""
        if self._journal is not None:
            journal, self._journal = self._journal, None
            # A line that never reached the disk belongs to a file that was not written either.
            with contextlib.suppress(OSError):
                journal.close()
        if self.dry_run or self.stopped is not None:
            # After a full or read-only disk stopped the run the manifest could not be saved either:
            # the journal, kept, tells the next run which files this one wrote.
            return
        try:
            if self._dirty:
                manifest = self._manifest

                def fill(handle: Any) -> None:
                    for piece in manifest_text(manifest):
                        handle.write(piece.encode("utf-8"))

                _replace_atomically(self._manifest_path, fill, durable=True)
                self._dirty = False
            self._journal_path.unlink(missing_ok=True)
        except OSError as exc:
            raise OutputError(self._manifest_path, exc) from None
