"""The folder import's file work, done in the background while the import works through the files in order.

Each file is read once: a file up to :data:`READ_WHOLE` is read into memory, hashed, checked and copied from
those bytes (a larger one is hashed in chunks and read again when stored). Reading runs ahead of the import
(:data:`READ_AHEAD_BYTES`) on a few threads, and storing a new file (copy to a temporary file in the store,
flushed to disk) runs behind it on others (:data:`WRITE_BEHIND_BYTES`), so the disk flushes while the
next files are hashed: hashlib and file I/O release the GIL. Nothing here touches the database; what is
staged reaches the store only through :meth:`EvidenceFileStore.place`, and whatever was staged and not
placed is removed when the pipeline closes (a cancel, an error, Ctrl-C).
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from qsi_desktop.store.evidence_files import CHUNK, EvidenceFileStore, Staged

READ_WHOLE = 16 * 1024 * 1024  # read into memory whole up to this size; larger files are streamed
READ_AHEAD_BYTES = 64 * 1024 * 1024  # files read and hashed ahead of the import, at most this much
WRITE_BEHIND_BYTES = 128 * 1024 * 1024  # new files' bytes waiting to be written, at most this much
WRITERS = 4  # copies flushed at once: the disk queues them, and the threads mostly wait


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
    """Background reading and staging for one import; use as a context manager."""

    def __init__(self, store: EvidenceFileStore | None) -> None:
        self.store = store
        self._readers = ThreadPoolExecutor(max(2, min(4, os.cpu_count() or 2)), thread_name_prefix="qsi-read")
        self._writers = ThreadPoolExecutor(WRITERS, thread_name_prefix="qsi-store")
        self._staging: deque[tuple[Future[Staged], int]] = deque()  # not yet known to be written
        self._staged: list[Future[Staged]] = []  # every copy started, for the clean-up
        self._pending_bytes = 0

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

    def stage(self, path: Path, content: Content) -> Future[Staged]:
        """Copy a new file into the store's temporary folder, flushed, on a writer thread; the future raises
        :class:`EvidenceFileError` if it cannot be. Waits first while too many bytes are queued."""
        if self.store is None:
            raise RuntimeError("a dry run stores nothing")
        while self._staging and (self._pending_bytes >= WRITE_BEHIND_BYTES or self._staging[0][0].done()):
            future, size = self._staging.popleft()
            self._pending_bytes -= size
            future.exception()  # waits; the outcome is read by whoever holds the future
        data = content.data
        future = self._writers.submit(self.store.stage, path, data, content.sha256 if data is not None else None)
        size = content.size if data is not None else 0  # a streamed copy holds no bytes in memory
        self._staging.append((future, size))
        self._pending_bytes += size
        self._staged.append(future)
        return future

    def close(self) -> None:
        """Stop reading ahead, let copies under way finish, and remove every copy not placed in the store."""
        self._readers.shutdown(wait=True, cancel_futures=True)
        self._writers.shutdown(wait=True, cancel_futures=True)
        for future in self._staged:
            if future.done() and not future.cancelled() and future.exception() is None:
                future.result().discard()  # a no-op for a copy already placed
