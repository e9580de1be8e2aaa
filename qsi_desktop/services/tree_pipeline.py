"""The folder import's file work, done in the background while the import works through the files in order.

Each file is read once: a file up to :data:`READ_WHOLE` is read into memory, hashed, checked and copied from
those bytes (a larger one is hashed in chunks and read again when stored). Reading runs ahead of the import
(:data:`READ_AHEAD_BYTES`) on a few threads. Storing a new file runs behind it on others
(:data:`WRITE_BEHIND_BYTES`): a copy to a temporary file in the store, flushed to disk, then renamed to its
hash's name. When a batch is complete, its files' folders are flushed on one more thread while the import
goes on with the next batch; only then may the database point at them. hashlib and file I/O release the
GIL, so the disk works while the next files are hashed and the database is written. Nothing here touches
the database. A copy that fails is removed by the thread that made it; one a killed process left half-way
is removed by its age (:meth:`EvidenceFileStore.clean_incoming`).
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from qsi_desktop.store.evidence_files import CHUNK, EvidenceFileError, EvidenceFileStore, StoredFile

READ_WHOLE = 16 * 1024 * 1024  # read into memory whole up to this size; larger files are streamed
READ_AHEAD_BYTES = 64 * 1024 * 1024  # files read and hashed ahead of the import, at most this much
WRITE_BEHIND_BYTES = 128 * 1024 * 1024  # new files' bytes waiting to be written, at most this much
WRITERS = 4  # copies flushed at once: the disk queues them, and the threads mostly wait
FLUSHERS = 8  # folders flushed at once when a batch is placed (up to 256: sha256/00 to ff)


class FileChanged(EvidenceFileError):
    """A large file, read twice (hashed, then copied), changed in between."""


Placed = StoredFile | EvidenceFileError  # a new file in the store, or why it is not


@dataclass(frozen=True)
class Content:
    """A file's hash and size, and its bytes when it was small enough to keep (None: read it again)."""

    sha256: str
    size: int
    data: bytes | None


def read_content(path: Path) -> Content:
    """Hash ``path``, keeping its bytes when it is at most :data:`READ_WHOLE` long."""
    with path.open("rb", buffering=0) as handle:
        if os.fstat(handle.fileno()).st_size <= READ_WHOLE:
            data = handle.readall()  # one buffer of the file's size (a fixed large one costs a page fault a page)
            return Content(hashlib.sha256(data).hexdigest(), len(data), data)
        digest, size = hashlib.sha256(), 0
        buffer = bytearray(CHUNK)
        view = memoryview(buffer)
        while count := handle.readinto(buffer):
            digest.update(view[:count])
            size += count
    return Content(digest.hexdigest(), size, None)


class FilePipeline:
    """Background reading and storing for one import; use as a context manager."""

    def __init__(self, files: EvidenceFileStore | None) -> None:
        self.files = files  # None: a dry run
        self._readers = ThreadPoolExecutor(max(2, min(4, os.cpu_count() or 2)), thread_name_prefix="qsi-read")
        self._writers = ThreadPoolExecutor(WRITERS, thread_name_prefix="qsi-store")
        self._flusher = ThreadPoolExecutor(1, thread_name_prefix="qsi-flush")
        self._queued: deque[tuple[Future[StoredFile], int]] = deque()  # copies not yet known to be written
        self._queued_bytes = 0

    def __enter__(self) -> FilePipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read_in_order(self, files: Sequence[tuple[Path, int]]) -> Iterator[Content | OSError]:
        """Each file's content (or the error reading it), in order, read ahead on the reader threads;
        ``files``: (path, size as listed)."""
        window: deque[tuple[Future[Content], int]] = deque()
        ahead = 0
        submitted = 0
        for _ in files:
            while submitted < len(files) and (not window or ahead < READ_AHEAD_BYTES):
                path, size = files[submitted]
                size = min(size, READ_WHOLE)
                window.append((self._readers.submit(read_content, path), size))
                ahead += size
                submitted += 1
            future, size = window.popleft()
            ahead -= size
            try:
                yield future.result()
            except OSError as exc:
                yield exc

    def store(self, path: Path, content: Content) -> Future[StoredFile]:
        """Copy a new file into the store (flushed, renamed to its hash's name; its folder not flushed yet:
        :meth:`flush`) on a writer thread; the future raises :class:`EvidenceFileError` if it cannot be.
        Waits first while too many bytes are queued."""
        if self.files is None:
            raise RuntimeError("a dry run stores nothing")
        while self._queued and (self._queued_bytes >= WRITE_BEHIND_BYTES or self._queued[0][0].done()):
            future, size = self._queued.popleft()
            self._queued_bytes -= size
            future.exception()  # waits; the outcome is read by whoever holds the future
        future = self._writers.submit(self._store, path, content)
        size = content.size if content.data is not None else 0  # a streamed copy holds no bytes in memory
        self._queued.append((future, size))
        self._queued_bytes += size
        return future

    def _store(self, path: Path, content: Content) -> StoredFile:
        assert self.files is not None
        data = content.data
        staged = self.files.stage(path, data, content.sha256 if data is not None else None)
        try:
            if staged.sha256 != content.sha256:
                raise FileChanged(f"{path}: changed while it was imported; import again")
            (placed,) = self.files.place([staged], flush=False)
        finally:
            staged.discard()  # a no-op once placed
        if isinstance(placed, EvidenceFileError):
            raise placed
        return placed

    def flush(self, stored: Sequence[Future[StoredFile]]) -> Future[list[Placed]]:
        """Once the copies are in the store, flush their folders, on the flushing thread; the future gives
        one outcome a copy, in order: the stored file, or why it is not (every one, if a flush failed)."""
        return self._flusher.submit(self._flush, stored)

    def _flush(self, stored: Sequence[Future[StoredFile]]) -> list[Placed]:
        assert self.files is not None
        outcomes: list[Placed] = []
        for future in stored:
            try:
                outcomes.append(future.result())
            except EvidenceFileError as exc:
                outcomes.append(exc)
        try:
            self.files.flush_folders((o for o in outcomes if isinstance(o, StoredFile)), threads=FLUSHERS)
        except EvidenceFileError as exc:  # the renames may not survive a crash: none may be relied on
            return [exc] * len(outcomes)
        return outcomes

    def close(self) -> None:
        """Stop reading ahead and drop the copies not started; let those under way finish."""
        self._readers.shutdown(wait=True, cancel_futures=True)
        self._writers.shutdown(wait=True, cancel_futures=True)
        self._flusher.shutdown(wait=True, cancel_futures=True)
