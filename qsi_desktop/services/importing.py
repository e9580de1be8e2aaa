"""Runs a plugin importer against files and folders, and stores what it read.

The importer reads (and drops patient data); this module expands folders, de-duplicates records
by their keyed hash against the batch and the workspace, and stores the new ones with an import
run in one transaction. A dry run does everything but the write. Counts in the summary:
``imported`` new records (or that would be, in a dry run), ``duplicates`` already stored or
repeated in the batch, ``skipped`` and ``rejected`` with file, row and reason.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from qsi_desktop.plugins.types import ImportBatch, ImportedRecord, Importer, ImportIssue
from qsi_desktop.privacy import keyed_hash
from qsi_desktop.services.app import App
from qsi_desktop.services.errors import UserError
from qsi_desktop.store.models import ImportedRecordRow, ImportRun
from qsi_desktop.store.workspace import Workspace

ProgressCallback = Callable[[int, int, str], None]
_KEY_CHUNK = 500  # keys per IN (...) query: well under SQLite's and PostgreSQL's parameter limits


@dataclass
class ImportSummary:
    importer: str
    files: int = 0
    imported: int = 0
    duplicates: int = 0
    skipped: list[ImportIssue] = field(default_factory=list)
    rejected: list[ImportIssue] = field(default_factory=list)
    dry_run: bool = False
    cancelled: bool = False
    run_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "importer": self.importer,
            "dry_run": self.dry_run,
            "cancelled": self.cancelled,
            "files": self.files,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "skipped": [issue.to_dict() for issue in self.skipped],
            "rejected": [issue.to_dict() for issue in self.rejected],
        }


@dataclass
class WorkspaceImportContext:
    secret: bytes
    on_progress: ProgressCallback | None = None
    cancel: Callable[[], bool] | None = None

    def progress(self, done: int, total: int, message: str = "") -> None:
        if self.on_progress is not None:
            self.on_progress(done, total, message)

    def is_cancelled(self) -> bool:
        return bool(self.cancel and self.cancel())

    def keyed_hash(self, *values: str) -> str:
        return keyed_hash(self.secret, *values)


def find_importer(app: App, name: str) -> Importer:
    importer = app.plugins.importer(name)
    if importer is None:
        names = ", ".join(sorted(i.name for i in app.plugins.importers())) or "none (no plugin loaded)"
        raise UserError(f"unknown importer {name!r}; available: {names}")
    return importer


def expand_paths(importer: Importer, paths: Sequence[Path]) -> list[Path]:
    """Named files as given; folders searched recursively for files the importer accepts."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and _accepts(importer, p)))
        elif path.is_file():
            files.append(path)
        else:
            raise UserError(f"{path}: no such file or folder")
    return files


def _accepts(importer: Importer, path: Path) -> bool:
    name = path.name.lower()
    return any(fnmatch.fnmatch(name, pattern.lower()) for pattern in importer.patterns)


def run_import(
    ws: Workspace,
    app: App,
    importer_name: str,
    paths: Sequence[Path],
    *,
    actor: str,
    dry_run: bool = False,
    on_progress: ProgressCallback | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ImportSummary:
    importer = find_importer(app, importer_name)
    files = expand_paths(importer, paths)
    context = WorkspaceImportContext(ws.secret, on_progress, cancel)
    batch = importer.run(files, context)
    summary = ImportSummary(
        importer=importer.name,
        files=batch.files,
        dry_run=dry_run,
        cancelled=batch.cancelled,
        skipped=list(batch.skipped),
        rejected=list(batch.rejected),
    )
    unique = _unique_records(batch, summary)
    if dry_run or batch.cancelled:  # a cancelled import stores nothing: never half an import
        with ws.reading() as session:
            summary.imported = len(_drop_stored(session, importer.name, unique, summary))
        return summary
    # The check for stored keys runs inside the write transaction, so a second import of the same
    # log running at the same time waits for this one and then finds its records as duplicates.
    with ws.transaction(actor) as session:
        fresh = _drop_stored(session, importer.name, unique, summary)
        summary.imported = len(fresh)
        run = ImportRun(
            importer=importer.name,
            actor=actor,
            files=summary.files,
            imported=summary.imported,
            duplicates=summary.duplicates,
            skipped=len(summary.skipped),
            rejected=len(summary.rejected),
            cancelled=False,
        )
        session.add(run)
        session.flush()
        if fresh:
            session.execute(
                insert(ImportedRecordRow),
                [
                    {
                        "importer": importer.name,
                        "record_key": r.key,
                        "data": r.data,
                        "occurred_on": r.occurred_on,
                        "import_run_id": run.id,
                    }
                    for r in fresh
                ],
            )
        summary.run_id = run.id
    return summary


def _unique_records(batch: ImportBatch, summary: ImportSummary) -> list[ImportedRecord]:
    """Valid records, each key once; repeats within the batch count as duplicates."""
    seen: set[str] = set()
    unique: list[ImportedRecord] = []
    for record in batch.records:
        problem = _invalid(record)
        if problem:
            summary.rejected.append(ImportIssue(record.file, problem, record.row))
        elif record.key in seen:
            summary.duplicates += 1
        else:
            seen.add(record.key)
            unique.append(record)
    return unique


def _drop_stored(
    session: Session, importer: str, records: list[ImportedRecord], summary: ImportSummary
) -> list[ImportedRecord]:
    stored = _stored_keys(session, importer, [r.key for r in records])
    summary.duplicates += sum(1 for r in records if r.key in stored)
    return [r for r in records if r.key not in stored]


def _invalid(record: ImportedRecord) -> str:
    if not record.key or len(record.key) > 64:
        return "importer produced a record without a valid key"
    try:
        json.dumps(record.data)
    except (TypeError, ValueError) as exc:
        return f"importer produced data that cannot be stored ({exc})"
    return ""


def _stored_keys(session: Session, importer: str, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start : start + _KEY_CHUNK]
        found.update(
            session.scalars(
                select(ImportedRecordRow.record_key).where(
                    ImportedRecordRow.importer == importer, ImportedRecordRow.record_key.in_(chunk)
                )
            )
        )
    return found


def list_records(ws: Workspace, importer: str) -> list[dict[str, Any]]:
    with ws.reading() as session:
        rows = session.execute(
            select(ImportedRecordRow.id, ImportedRecordRow.occurred_on, ImportedRecordRow.data)
            .where(ImportedRecordRow.importer == importer)
            .order_by(ImportedRecordRow.occurred_on, ImportedRecordRow.id)
        )
        return [{"id": rid, "occurred_on": occurred, **data} for rid, occurred, data in rows]
