"""Content-addressed, write-once evidence files.

A file is stored under ``sha256/ab/cdef...`` by the SHA-256 of its content. It is copied to a
temporary name in the same folder tree, flushed to disk, made read-only and renamed into place,
so a crash leaves either no file or a complete one, never a half-written file under a real name.
The same content is stored once however many evidence items point to it.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024
INCOMING_PREFIX = "incoming-"
ORPHAN_AGE_SECONDS = 3600.0  # a half-way copy untouched this long was left by a process that died
_HEX = re.compile(r"[0-9a-f]+")


class EvidenceFileError(OSError):
    """An evidence file could not be read or stored."""


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    path: Path


@dataclass(frozen=True)
class Staged:
    """A complete copy flushed to disk under a temporary name, waiting to be placed in the store."""

    tmp: Path
    sha256: str
    size: int

    def discard(self) -> None:
        """Remove the copy if it is still there (a no-op once placed)."""
        try:
            self.tmp.unlink(missing_ok=True)
        except OSError:  # read-only already and on Windows: make it writable first
            self.tmp.chmod(stat.S_IWUSR | stat.S_IRUSR)
            self.tmp.unlink(missing_ok=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class EvidenceFileStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._objects = root / "sha256"
        self._tmp = root / "tmp"

    def path_for(self, sha256: str) -> Path:
        return self._objects / sha256[:2] / sha256[2:]

    def contains(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def put(self, source: Path) -> StoredFile:
        """Store a copy of ``source``; returns its hash. Safe to call again with the same content."""
        staged = self.stage(source)
        try:
            (result,) = self.place([staged])
        finally:  # on any failure, Ctrl-C included, no partial copy is left behind
            staged.discard()
        if isinstance(result, EvidenceFileError):
            raise result
        return result

    def stage(self, source: Path, data: bytes | None = None, sha256: str | None = None) -> Staged:
        """Copy ``source`` to a new temporary file in the store and flush it to disk (``data``: its content,
        already read, written instead of reading it again; ``sha256``: the hash of ``data``, if known). Not
        yet in the store: :meth:`place` puts it there, :meth:`Staged.discard` drops it. Safe to call from
        several threads at once (a folder import copies while it hashes); raises :class:`EvidenceFileError`,
        leaving nothing behind."""
        tmp_path: Path | None = None
        try:
            if data is None and not source.is_file():
                raise EvidenceFileError(f"{source}: not a file")
            try:
                fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix=INCOMING_PREFIX)
            except (
                FileNotFoundError
            ):  # the first copy into this store (asked only then: a folder import makes thousands)
                self._tmp.mkdir(parents=True, exist_ok=True)
                fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix=INCOMING_PREFIX)
            tmp_path = Path(tmp_name)
            sha, size = _copy_and_hash(source, fd, data, sha256)
            staged, tmp_path = Staged(tmp_path, sha, size), None
            return staged
        except EvidenceFileError:
            raise
        except OSError as exc:
            raise EvidenceFileError(
                f"{exc.filename or source}: could not store the file: {exc.strerror or exc}"
            ) from exc
        finally:
            if tmp_path is not None:
                tmp_path.unlink(missing_ok=True)

    def place(self, staged: Sequence[Staged], *, flush: bool = True) -> list[StoredFile | EvidenceFileError]:
        """Put staged copies (complete and flushed) into the store: each made read-only and renamed to its
        hash's name (content already stored intact is kept and the copy dropped; a damaged stored copy is
        replaced), then their folders are flushed (``flush=False``: the caller flushes them, with
        :meth:`flush_folders`, before anything relies on them). When this returns, the database may point at
        every :class:`StoredFile` returned. One result per copy, in order; a failure is returned, never
        raised, and its copy is left for the caller to discard."""
        results: list[StoredFile | EvidenceFileError] = []
        for entry in staged:
            final = self.path_for(entry.sha256)
            try:
                there = final.is_file()
                if there and sha256_of(final) == entry.sha256:
                    entry.discard()  # already stored, intact: write-once
                else:
                    entry.tmp.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
                    if there:  # damaged copy: replace it with the good content
                        final.chmod(stat.S_IWUSR | stat.S_IRUSR)
                    try:
                        os.replace(entry.tmp, final)
                    except FileNotFoundError:  # the first file in its folder (asked only then)
                        final.parent.mkdir(parents=True, exist_ok=True)
                        os.replace(entry.tmp, final)
                results.append(StoredFile(entry.sha256, entry.size, final))
            except OSError as exc:
                results.append(
                    EvidenceFileError(f"{exc.filename or final}: could not store the file: {exc.strerror or exc}")
                )
        if flush:
            try:
                self.flush_folders(r for r in results if isinstance(r, StoredFile))
            except EvidenceFileError as exc:  # the renames may not survive a crash: none may be relied on
                return [exc] * len(results)
        return results

    def flush_folders(self, files: Iterable[StoredFile], threads: int = 1) -> None:
        """Flush the folders of stored files to disk, so their names survive a crash; each folder once, on
        up to ``threads`` threads (a disk commits flushes that wait together at once). A file found already
        stored counts too: the process that renamed it may have died before it flushed the folder."""
        folders = sorted({file.path.parent for file in files})
        try:
            if threads > 1 and len(folders) > 1:
                with ThreadPoolExecutor(min(threads, len(folders))) as pool:
                    list(pool.map(_fsync_dir, folders))
            else:
                for folder in folders:
                    _fsync_dir(folder)
        except OSError as exc:
            raise EvidenceFileError(
                f"{exc.filename or self._objects}: could not store the file: {exc.strerror or exc}"
            ) from exc

    def verify(self, sha256: str) -> str | None:
        """None if the stored file exists and matches its hash, else what is wrong."""
        path = self.path_for(sha256)
        if not path.is_file():
            return "file missing from the evidence store"
        try:
            actual = sha256_of(path)
        except OSError as exc:
            return f"cannot read the stored file: {exc.strerror or exc}"
        return None if actual == sha256 else f"content changed (hash is now {actual[:12]}…)"

    def stored_hashes(self) -> Iterator[str]:
        """Hashes of the stored files; anything else in the folder (Thumbs.db, .DS_Store) is ignored."""
        if not self._objects.is_dir():
            return
        for prefix in sorted(self._objects.iterdir()):
            if not (prefix.is_dir() and _HEX.fullmatch(prefix.name) and len(prefix.name) == 2):
                continue
            for path in sorted(prefix.iterdir()):
                if path.is_file() and len(path.name) == 62 and _HEX.fullmatch(path.name):
                    yield prefix.name + path.name

    def incoming_files(self) -> list[Path]:
        """Copies a crash or a killed process left half-way (never referenced by the database)."""
        return sorted(self._tmp.glob(f"{INCOMING_PREFIX}*")) if self._tmp.is_dir() else []

    def clean_incoming(self, older_than: float = ORPHAN_AGE_SECONDS, now: float | None = None) -> int:
        """Delete half-way copies not written to for ``older_than`` seconds; returns how many.

        Decided by age, not by a lock: a copy being written has its modification time renewed with
        every chunk (1 MiB), so only a copy whose writer died stops ageing, and age works the same on
        Windows and on network shares, where advisory locks do not. An hour is far beyond the
        longest pause between two chunks of a live copy, even of a slow network file."""
        now = time.time() if now is None else now
        removed = 0
        for path in self.incoming_files():
            try:
                if now - path.lstat().st_mtime < older_than:
                    continue  # another process may be writing it right now
                path.chmod(stat.S_IWUSR | stat.S_IRUSR)
                path.unlink()
                removed += 1
            except OSError:  # gone meanwhile, or a read-only folder: nothing to clean here
                continue
        return removed


def _copy_and_hash(source: Path, fd: int, data: bytes | None, sha256: str | None) -> tuple[str, int]:
    """Write ``data`` (or ``source``, read in chunks into one reused buffer) into the open file ``fd``
    (closing it), flushed to disk; return (sha256, size)."""
    with os.fdopen(fd, "wb") as out:
        if data is not None:
            out.write(data)
            size = len(data)
            sha256 = sha256 or hashlib.sha256(data).hexdigest()
        else:
            digest, size = hashlib.sha256(), 0
            buffer = bytearray(CHUNK)
            view = memoryview(buffer)
            with source.open("rb", buffering=0) as src:
                while count := src.readinto(buffer):
                    digest.update(view[:count])
                    out.write(view[:count])
                    size += count
            sha256 = digest.hexdigest()
        out.flush()
        os.fsync(out.fileno())
    return sha256, size


def _fsync_dir(directory: Path) -> None:
    if os.name == "nt":  # Windows cannot open a directory for fsync; NTFS journals the rename
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
