"""Helpers for plugin authors' tests: an import context that needs no workspace."""

from __future__ import annotations

from dataclasses import dataclass, field

from qsi_desktop.privacy import keyed_hash


@dataclass
class SimpleImportContext:
    """An :class:`~qsi_desktop.plugins.types.ImportContext` for tests: records progress, cancels on demand."""

    secret: bytes = b"test-secret"
    cancel_after: int | None = None  # report cancelled once this many progress calls were made
    calls: list[tuple[int, int, str]] = field(default_factory=list)

    def progress(self, done: int, total: int, message: str = "") -> None:
        self.calls.append((done, total, message))

    def is_cancelled(self) -> bool:
        return self.cancel_after is not None and len(self.calls) >= self.cancel_after

    def keyed_hash(self, *values: str) -> str:
        return keyed_hash(self.secret, *values)
