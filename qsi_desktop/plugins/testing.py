"""Helpers for plugin authors' tests: import and report contexts that need no workspace."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

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


@dataclass
class SimpleReportContext:
    """A :class:`~qsi_desktop.plugins.types.ReportContext` for tests: records and answers given up front."""

    records_by_importer: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    provided: frozenset[str] = frozenset()
    as_of: date = field(default_factory=date.today)
    answers: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def records(self, importer: str) -> list[dict[str, Any]]:
        return list(self.records_by_importer.get(importer, []))

    def modalities(self) -> frozenset[str]:
        return self.provided

    def checklist_answers(self, template_id: str) -> dict[str, dict[str, Any]]:
        return dict(self.answers.get(template_id, {}))
