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
from collections.abc import Iterator, Sequence
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
        if not source.is_file():
            raise EvidenceFileError(f"{source}: not a file")
        tmp_path: Path | None = None
        try:
            self._tmp.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix=INCOMING_PREFIX)
            tmp_path = Path(tmp_name)
            sha, size = _copy_and_hash(source, fd)
            final = self.path_for(sha)
            if final.is_file() and sha256_of(final) == sha:
                tmp_path.unlink()  # already stored, intact: write-once
                return StoredFile(sha, size, final)
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp_path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            if final.exists():  # damaged copy: replace it with the good content
                final.chmod(stat.S_IWUSR | stat.S_IRUSR)
            os.replace(tmp_path, final)
            tmp_path = None
            _fsync_dir(final.parent)
            return StoredFile(sha, size, final)
        except OSError as exc:
            raise EvidenceFileError(
                f"{exc.filename or source}: could not store the file: {exc.strerror or exc}"
            ) from exc
        finally:  # on any failure, Ctrl-C included, no partial copy is left behind
            if tmp_path is not None:
                tmp_path.unlink(missing_ok=True)

    def put_many(self, sources: Sequence[Path]) -> list[StoredFile | EvidenceFileError]:
        """Store several files with one round of flushes (for a folder import): each is copied and
        hashed to a temporary file, then all are flushed to disk, then each is made read-only and
        renamed into place and the folders are flushed. The guarantee is :meth:`put`'s: a file is
        under its real name only once complete. One result per source, in order: a failure is
        returned (the others go on), never raised."""
        staged: list[tuple[Path, str, int] | EvidenceFileError] = []
        try:
            for source in sources:
                staged.append(self._stage(source))
            for entry in staged:  # one journal commit flushes most of them: far cheaper than a put each
                if not isinstance(entry, EvidenceFileError):
                    with entry[0].open("rb+") as handle:
                        os.fsync(handle.fileno())
            results: list[StoredFile | EvidenceFileError] = []
            folders: set[Path] = set()
            for source, entry in zip(sources, staged, strict=True):
                if isinstance(entry, EvidenceFileError):
                    results.append(entry)
                    continue
                tmp_path, sha, size = entry
                final = self.path_for(sha)
                try:
                    if final.is_file() and sha256_of(final) == sha:
                        tmp_path.unlink()  # already stored, intact: write-once
                    else:
                        final.parent.mkdir(parents=True, exist_ok=True)
                        tmp_path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
                        if final.exists():  # damaged copy: replace it with the good content
                            final.chmod(stat.S_IWUSR | stat.S_IRUSR)
                        os.replace(tmp_path, final)
                        folders.add(final.parent)
                    results.append(StoredFile(sha, size, final))
                except OSError as exc:
                    results.append(
                        EvidenceFileError(f"{exc.filename or source}: could not store the file: {exc.strerror or exc}")
                    )
            for folder in folders:
                _fsync_dir(folder)
            return results
        finally:  # whatever was not renamed into place (a failure, Ctrl-C) is removed
            for entry in staged:
                if not isinstance(entry, EvidenceFileError):
                    entry[0].unlink(missing_ok=True)

    def _stage(self, source: Path) -> tuple[Path, str, int] | EvidenceFileError:
        """Copy ``source`` to a new temporary file (not flushed yet): (its path, sha256, size)."""
        tmp_path: Path | None = None
        try:
            self._tmp.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix=INCOMING_PREFIX)
            tmp_path = Path(tmp_name)
            sha, size = _copy_and_hash(source, fd, sync=False)
            return tmp_path, sha, size
        except OSError as exc:
            if tmp_path is not None:
                tmp_path.unlink(missing_ok=True)
            return EvidenceFileError(f"{exc.filename or source}: could not store the file: {exc.strerror or exc}")

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


def _copy_and_hash(source: Path, fd: int, *, sync: bool = True) -> tuple[str, int]:
    """Copy ``source`` into the open file ``fd`` (closing it), flushed to disk unless ``sync`` is
    False (the caller flushes it); return (sha256, size)."""
    digest = hashlib.sha256()
    size = 0
    with os.fdopen(fd, "wb") as out, source.open("rb") as src:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
        out.flush()
        if sync:
            os.fsync(out.fileno())
    return digest.hexdigest(), size


def _fsync_dir(directory: Path) -> None:
    if os.name == "nt":  # Windows cannot open a directory for fsync; NTFS journals the rename
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
