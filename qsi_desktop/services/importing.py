"""Runs a plugin importer against files and folders, and stores what it read.

The importer reads (and drops patient data); this module expands folders, calls the importer file
by file through the plugin guard, and stores each file's records in chunks inside one transaction
per file, so memory stays flat for 10,000 files or a million rows. Records are de-duplicated by
their keyed hash against the workspace (a record already stored, or met earlier in the run, is a
duplicate), and records sharing a ``group`` replace each other: the highest rank is current, the
rest are kept as history.

A run is all or nothing for the user: when it is cancelled, or the importer's code fails, what it
had stored is taken out again and the run is recorded as cancelled. A finished run can be undone
whole later. Skipped and rejected files and rows are kept with the run, files by their place in
the run (never their names) and reasons with anything like an NHS number blanked.

Counts in the summary: ``imported`` new records (or that would be, in a dry run), ``duplicates``
already stored or repeated, ``replaced`` earlier records that new ones superseded, ``skipped`` and
``rejected`` with file, row and reason.
"""

from __future__ import annotations

import fnmatch
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from qsi_desktop.plugins import guard
from qsi_desktop.plugins.types import ImportedRecord, Importer, ImportIssue, occurred_in_range
from qsi_desktop.privacy import KeyedHasher, redact_nhs_numbers
from qsi_desktop.services import import_columns
from qsi_desktop.services.app import App
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.import_reading import (
    PARALLEL_FROM,
    RECORD,
    SKIPPED,
    STREAM_FROM_BYTES,
    Checked,
    CheckedItem,
    Checker,
    ReadAhead,
    ReadJob,
    StreamedFile,
    WrongItem,
    cyclic_gc_paused,
    raise_as_plugin_error,
)
from qsi_desktop.store.models import ImportedRecordRow, ImportRun, ImportRunIssue
from qsi_desktop.store.types import utcnow
from qsi_desktop.store.workspace import Workspace

ProgressCallback = Callable[[int, int, str], None]
# What to do with a record whose free text looks like a patient identifier: hold the row back (the
# default: nothing identifiable lands unless someone looked), store it with that text blanked, or keep
# it as it is (the user checked: a member of staff, an equipment code).
IDENTIFIER_CHOICES = ("hold", "blank", "keep")
CHUNK = 500  # records per insert, and keys per IN (...): well under SQLite's and PostgreSQL's limits


@dataclass
class ImportSummary:
    importer: str
    files: int = 0
    imported: int = 0
    duplicates: int = 0
    replaced: int = 0
    skipped: list[ImportIssue] = field(default_factory=list)
    rejected: list[ImportIssue] = field(default_factory=list)
    dry_run: bool = False
    cancelled: bool = False
    run_id: int | None = None
    columns: dict[str, str] = field(default_factory=dict)  # header -> column choices the run used

    @property
    def rejected_whole(self) -> bool:
        """Nothing stored and nothing already there: every file or row of the run was rejected. The
        run is kept, marked "rejected", with its reasons (why March's log is not in), and nothing else."""
        return (
            not self.dry_run
            and not self.cancelled
            and bool(self.rejected)
            and not (self.imported or self.replaced or self.duplicates)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "importer": self.importer,
            "run": self.run_id,
            "state": "dry-run"
            if self.dry_run
            else "cancelled"
            if self.cancelled
            else "rejected"
            if self.rejected_whole
            else "finished",
            "dry_run": self.dry_run,
            "cancelled": self.cancelled,
            "files": self.files,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "replaced": self.replaced,
            "skipped": [issue.to_dict() for issue in self.skipped],
            "rejected": [issue.to_dict() for issue in self.rejected],
            "columns": dict(self.columns),
        }


@dataclass
class WorkspaceImportContext:
    secret: bytes
    on_progress: ProgressCallback | None = None
    cancel: Callable[[], bool] | None = None
    chosen_columns: Mapping[str, str] | None = None  # header -> column, as the user chose (table importers)
    _hasher: KeyedHasher | None = field(default=None, repr=False)

    def progress(self, done: int, total: int, message: str = "") -> None:
        if self.on_progress is not None:
            self.on_progress(done, total, message)

    def is_cancelled(self) -> bool:
        return bool(self.cancel and self.cancel())

    def keyed_hash(self, *values: str) -> str:
        if self._hasher is None:
            self._hasher = KeyedHasher(self.secret)
        return self._hasher(*values)


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
            every = [p for p in path.rglob("*") if p.is_file()]
            if not every:
                raise UserError(f"{path}: the folder is empty: nothing to import")
            found = sorted(p for p in every if _accepts(importer, p))
            if not found:
                raise UserError(f"{path}: no files the importer reads ({', '.join(importer.patterns)})")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise UserError(f"{path}: no such file or folder")
    return files


def _accepts(importer: Importer, path: Path) -> bool:
    name = path.name.lower()
    return any(fnmatch.fnmatch(name, pattern.lower()) for pattern in importer.patterns)


# -- running an import ------------------------------------------------------------------------------


class _Cancelled(Exception):
    """The user cancelled: the file being stored is rolled back, then the run is taken out."""


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
    identifiers: str = "hold",
    columns: Mapping[str, str] | None = None,
) -> ImportSummary:
    """``identifiers``: what to do with free text that looks like a patient identifier (see
    ``IDENTIFIER_CHOICES``); NHS numbers are refused whatever it says. ``columns``: for a table
    importer, which column a header holds (header -> column; "" forgets an earlier choice), added to the
    choices remembered from earlier imports and remembered in turn when the run stores anything."""
    if identifiers not in IDENTIFIER_CHOICES:
        raise UserError(f"identifiers: {identifiers!r} is not one of {', '.join(IDENTIFIER_CHOICES)}")
    importer = find_importer(app, importer_name)
    chosen = import_columns.chosen_columns(ws, importer, columns)
    files = expand_paths(importer, paths)
    context = WorkspaceImportContext(ws.secret, on_progress, cancel, chosen_columns=chosen)
    summary = ImportSummary(importer=importer.name, dry_run=dry_run, columns=chosen)
    reader = _FileReader(importer, app.plugins.plugin_of(importer), context, summary, identifiers)
    with cyclic_gc_paused():
        _run(ws, reader, files, summary, actor)
    if columns and not dry_run and not summary.cancelled and (summary.imported or summary.duplicates):
        import_columns.remember(ws, importer, chosen, actor=actor)
    return summary


def _run(ws: Workspace, reader: _FileReader, files: list[Path], summary: ImportSummary, actor: str) -> None:
    importer, context, dry_run = reader.importer, reader.context, summary.dry_run
    if dry_run:
        try:
            _dry_run(ws, reader, files, summary)
        except guard.PluginError as failure:
            raise reader.failed_on_file(failure) from failure
        return

    with ws.transaction(actor) as session:
        run = ImportRun(importer=importer.name, actor=actor)
        session.add(run)
        session.flush()
        summary.run_id = run.id
    store = _RecordStore(importer, summary)
    try:
        reader.start(files)
        for number, path in enumerate(files, start=1):
            context.progress(number - 1, len(files), f"reading {path.name}")
            if context.is_cancelled():
                raise _Cancelled
            with ws.transaction(actor) as session:
                store.begin_file(number)
                for chunk in _chunks(reader.records(path, number)):
                    store.add(session, chunk)
                if reader.cancelled:
                    raise _Cancelled
        context.progress(len(files), len(files), "stored")
    except (_Cancelled, guard.PluginError) as stop:
        summary.cancelled = True
        summary.imported = summary.replaced = 0
        _finish_run(ws, summary, actor, take_out=True)
        if isinstance(stop, guard.PluginError):
            raise reader.failed_on_file(stop) from stop
        return
    finally:
        reader.stop()
    _finish_run(ws, summary, actor)


class _FileReader:
    """Calls the importer on one file at a time, guarded, and sorts what it yields after the core's
    checks. A parallel importer is read in other processes: a folder of files a window ahead, one
    large file streamed while the parent stores (see ``import_reading``)."""

    def __init__(
        self,
        importer: Importer,
        plugin: str,
        context: WorkspaceImportContext,
        summary: ImportSummary,
        identifiers: str = "hold",
    ):
        self.importer = importer
        self.plugin = plugin
        self.context = context
        self.summary = summary
        self.cancelled = False
        self.current = ""
        self.what = f"importer {importer.name}"
        self.checker = Checker(importer.free_text, identifiers)
        self.job: ReadJob | None = None
        if importer.parallel and importer.read is not None:
            job = ReadJob(importer.read, context.secret, importer.free_text, identifiers, context.chosen_columns)
            self.job = job if job.can_cross() else None
        self.ahead: ReadAhead | None = None

    def start(self, files: Sequence[Path]) -> None:
        if self.job is not None and len(files) >= PARALLEL_FROM:
            self.ahead = ReadAhead(self.job, files)

    def stop(self) -> None:
        if self.ahead is not None:
            self.ahead.close()
            self.ahead = None

    def records(self, path: Path, number: int) -> Iterator[Checked]:
        """The file's records that may be stored; its issues go to the summary as they come."""
        self.current = path.name
        self.summary.files += 1
        skipped, rejected = self.summary.skipped, self.summary.rejected
        for batch in self._batches(path):
            for kind, item in batch:
                if kind == RECORD:
                    yield item  # type: ignore[misc]
                else:
                    (skipped if kind == SKIPPED else rejected).append(_numbered(item, number))  # type: ignore[arg-type]
        if self.context.is_cancelled():
            self.cancelled = True

    def _batches(self, path: Path) -> Iterator[Iterable[CheckedItem]]:
        if self.ahead is not None:
            try:
                items = self.ahead.result(path)
            except Exception as exc:
                raise_as_plugin_error(self.plugin, self.what, exc)
            yield items
        elif self.job is not None and _size(path) >= STREAM_FROM_BYTES:
            yield from self._streamed(path, self.job)
        else:
            yield self._here(path)

    def _streamed(self, path: Path, job: ReadJob) -> Iterator[list[CheckedItem]]:
        stream = StreamedFile(job, path)
        try:
            batches, count = stream.batches(), 0
            while True:
                try:
                    batch = next(batches, None)
                except Exception as exc:
                    raise_as_plugin_error(self.plugin, self.what, exc)
                if batch is None:
                    return
                yield batch
                count += len(batch)
                self.context.progress(count, 0, f"{path.name}: {count:,} rows read")
                if self.context.is_cancelled():
                    return
        finally:
            stream.close()

    def _here(self, path: Path) -> Iterator[CheckedItem]:
        items = guard.iterate(self.plugin, self.what, lambda: self._items(path))
        try:
            yield from self.checker.checked(items)
        except WrongItem as exc:
            raise guard.PluginError(self.plugin, self.what, exc) from exc

    def failed_on_file(self, failure: guard.PluginError) -> guard.PluginError:
        """The same failure, naming the file being read (the user gave its name)."""
        return guard.PluginError(failure.plugin, failure.what, failure.cause, where=self.current)

    def _items(self, path: Path) -> Iterable[ImportedRecord | ImportIssue]:
        if self.importer.read is not None:
            return self.importer.read(path, self.context)
        if self.importer.run is None:
            raise TypeError("the importer has neither read nor run")
        batch = self.importer.run([path], self.context)  # API 1: a whole batch, here of one file
        self.cancelled = batch.cancelled
        skipped = [ImportIssue(i.file, i.reason, i.row, "skipped") for i in batch.skipped]
        return [*batch.records, *skipped, *batch.rejected]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the importer reports it when it opens the file


_SQLITE_INSERT = (
    "INSERT INTO imported_record (importer, record_key, data, occurred_on, import_run_id, shape_version,"
    " group_key, rank, current) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass
class _RecordStore:
    """Stores records chunk by chunk: new keys only, then settles which of each group is current."""

    importer: Importer
    summary: ImportSummary
    file_number: int = 0
    _contested: set[str] = field(default_factory=set)  # the chunk's groups that need settling

    def begin_file(self, number: int) -> None:
        self.file_number = number

    def add(self, session: Session, records: list[Checked]) -> None:
        """Store the chunk's new records (their data already the JSON text to store)."""
        fresh = self._new(session, records)
        if not fresh:
            return
        # Groups with more than one record (stored already, or twice in this chunk) are settled after
        # the insert; a record alone in its group (the common case) is simply current.
        grouped = Counter(r.group for r in fresh if r.group is not None)
        repeated = {group for group, count in grouped.items() if count > 1}
        self._contested = _stored_groups(session, self.importer.name, list(grouped)) | repeated
        name, run, version, contested = self.importer.name, self.summary.run_id, self.importer.version, self._contested
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            # The driver's executemany with the JSON text made while checking the record: half the cost
            # per row of SQLAlchemy's parameter processing, which would serialise the data again.
            connection.exec_driver_sql(
                _SQLITE_INSERT,
                [
                    (
                        name,
                        r.key,
                        r.text,
                        r.occurred_on,
                        run,
                        version,
                        r.group,
                        float(r.rank),
                        r.group is None or r.group not in contested,
                    )
                    for r in fresh
                ],
            )
        else:
            connection.execute(
                insert(ImportedRecordRow.__table__),
                [
                    {
                        "importer": name,
                        "record_key": r.key,
                        "data": json.loads(r.text),
                        "occurred_on": r.occurred_on,
                        "import_run_id": run,
                        "shape_version": version,
                        "group_key": r.group,
                        "rank": float(r.rank),
                        "current": r.group is None or r.group not in contested,
                    }
                    for r in fresh
                ],
            )
        self.summary.imported += len(fresh)
        self.summary.replaced += settle_groups(session, self.importer.name, self._contested, self.summary.run_id)

    def _new(self, session: Session, records: list[Checked]) -> list[Checked]:
        """Records whose key is neither stored (earlier files and chunks included) nor repeated here."""
        stored = _stored_keys(session, self.importer.name, [r.key for r in records])
        fresh: dict[str, Checked] = {}
        for record in records:
            if record.key in stored or record.key in fresh:
                self.summary.duplicates += 1
            else:
                fresh[record.key] = record
        return list(fresh.values())


def settle_groups(session: Session, importer: str, groups: set[str], run_id: int | None = None) -> int:
    """Make the highest-ranked record of each group current (the later on a tie), the rest history.

    Returns how many records that were current before, and not stored by run ``run_id``, lost it.
    """
    replaced = 0
    ordered = sorted(groups)
    for start in range(0, len(ordered), CHUNK):
        rows = session.execute(
            select(
                ImportedRecordRow.id,
                ImportedRecordRow.group_key,
                ImportedRecordRow.rank,
                ImportedRecordRow.current,
                ImportedRecordRow.import_run_id,
            ).where(
                ImportedRecordRow.importer == importer, ImportedRecordRow.group_key.in_(ordered[start : start + CHUNK])
            )
        ).all()
        winners: dict[str, tuple[float, int]] = {}
        for rid, group, rank, _current, _run in rows:
            winners[group] = max(winners.get(group, (rank, rid)), (rank, rid))
        now_current = {rid for _rank, rid in winners.values()}
        lose = [rid for rid, _g, _r, current, _run in rows if current and rid not in now_current]
        win = [rid for rid, _g, _r, current, _run in rows if not current and rid in now_current]
        replaced += sum(1 for rid, _g, _r, current, run in rows if current and rid not in now_current and run != run_id)
        for ids, value in ((lose, False), (win, True)):
            if ids:
                session.execute(update(ImportedRecordRow).where(ImportedRecordRow.id.in_(ids)).values(current=value))
    return replaced


def _finish_run(ws: Workspace, summary: ImportSummary, actor: str, *, take_out: bool = False) -> None:
    """Record the run's counts and issues; ``take_out``: delete what it stored (cancel, plugin bug)."""
    with ws.transaction(actor) as session:
        run = session.get(ImportRun, summary.run_id)
        assert run is not None
        if take_out:
            _take_out(session, run)
        run.files = summary.files
        run.imported = summary.imported
        run.duplicates = summary.duplicates
        run.replaced = summary.replaced
        run.skipped = len(summary.skipped)
        run.rejected = len(summary.rejected)
        run.cancelled = summary.cancelled
        run.finished_at = utcnow()
        run.issues = [
            ImportRunIssue(
                kind=kind,
                file_number=issue.file_number,
                row=issue.row,
                # File names can hold patients' names: stored runs say "file 3" instead.
                reason=issue.reason.replace(issue.file, f"file {issue.file_number}") if issue.file else issue.reason,
            )
            for kind, issues in (("skipped", summary.skipped), ("rejected", summary.rejected))
            for issue in issues
        ]


def _take_out(session: Session, run: ImportRun) -> None:
    """Delete the run's records and make current again whatever they had replaced."""
    groups = set(
        session.scalars(
            select(ImportedRecordRow.group_key)
            .where(ImportedRecordRow.import_run_id == run.id, ImportedRecordRow.group_key.is_not(None))
            .distinct()
        )
    )
    session.execute(delete(ImportedRecordRow).where(ImportedRecordRow.import_run_id == run.id))
    settle_groups(session, run.importer, groups)


def _dry_run(ws: Workspace, reader: _FileReader, files: list[Path], summary: ImportSummary) -> None:
    seen: set[str] = set()
    with ws.reading() as session:
        for number, path in enumerate(files, start=1):
            reader.context.progress(number - 1, len(files), f"reading {path.name}")
            if reader.context.is_cancelled():
                summary.cancelled = True
                return
            for chunk in _chunks(reader.records(path, number)):
                stored = _stored_keys(session, summary.importer, [r.key for r in chunk])
                for record in chunk:
                    if record.key in stored or record.key in seen:
                        summary.duplicates += 1
                    else:
                        seen.add(record.key)
                        summary.imported += 1
            if reader.cancelled:
                summary.cancelled = True
                return


# -- runs: list and undo ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RunIssue:
    kind: str
    file_number: int | None
    row: int | None
    reason: str


@dataclass(frozen=True)
class RunRecord:
    """One import run as the command line and the GUI show it."""

    id: int
    importer: str
    started_at: datetime
    actor: str
    files: int
    imported: int
    duplicates: int
    replaced: int
    skipped: int
    rejected: int
    state: str  # "finished", "rejected" (stored nothing), "cancelled", "interrupted" (never finished) or "undone"
    undone_by: str = ""
    issues: tuple[RunIssue, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in vars(self).items() if k != "issues"}
        data["started_at"] = self.started_at.isoformat(timespec="seconds")
        data["issues"] = [vars(issue) for issue in self.issues]
        return data


def _run_state(run: ImportRun) -> str:
    if run.undone_at:
        return "undone"
    if run.cancelled:
        return "cancelled"
    if not run.finished_at:
        return "interrupted"  # a run row never finished: the process died
    if run.rejected and not (run.imported or run.replaced or run.duplicates):
        return "rejected"  # every file or row was refused: the run is kept for its reasons only
    return "finished"


def _run_record(run: ImportRun, *, with_issues: bool = False) -> RunRecord:
    return RunRecord(
        id=run.id,
        importer=run.importer,
        started_at=run.started_at,
        actor=run.actor,
        files=run.files,
        imported=run.imported,
        duplicates=run.duplicates,
        replaced=run.replaced,
        skipped=run.skipped,
        rejected=run.rejected,
        state=_run_state(run),
        undone_by=run.undone_by,
        issues=tuple(RunIssue(i.kind, i.file_number, i.row, i.reason) for i in run.issues) if with_issues else (),
    )


def list_runs(ws: Workspace, importer: str | None = None) -> list[RunRecord]:
    query = select(ImportRun).order_by(ImportRun.id)
    if importer is not None:
        query = query.where(ImportRun.importer == importer)
    with ws.reading() as session:
        return [_run_record(run) for run in session.scalars(query)]


def get_run(ws: Workspace, run_id: int) -> RunRecord:
    with ws.reading() as session:
        run = session.get(ImportRun, run_id)
        if run is None:
            raise UserError(f"no import run {run_id}; 'qsi import-runs' lists them")
        return _run_record(run, with_issues=True)


def undo_run(ws: Workspace, run_id: int, *, actor: str) -> RunRecord:
    """Take a run's records out whole; records they had replaced become current again."""
    with ws.transaction(actor) as session:
        run = session.get(ImportRun, run_id)
        if run is None:
            raise UserError(f"no import run {run_id}; 'qsi import-runs' lists them")
        if run.undone_at is not None:
            raise UserError(f"import run {run_id} was already undone by {run.undone_by or 'someone'}")
        if _run_state(run) == "rejected":
            raise UserError(f"import run {run_id} was rejected and stored nothing: there is nothing to undo")
        _take_out(session, run)
        run.undone_at = utcnow()
        run.undone_by = actor
        session.flush()
        return _run_record(run)


# -- reading records ----------------------------------------------------------------------------------


def list_records(
    ws: Workspace,
    importer: str,
    *,
    since: date | None = None,
    until: date | None = None,
    history: bool = False,
    upgrade: Callable[[dict[str, Any], int], dict[str, Any]] | None = None,
    version: int = 1,
) -> list[dict[str, Any]]:
    """Stored records, oldest first: current ones (``history`` adds the superseded, marked).

    ``since``/``until`` keep records whose ``occurred_on`` falls in the range (inclusive; a
    month-only date counts when its month overlaps). ``upgrade(data, stored_version)`` brings
    records stored with a shape older than ``version`` up to date as they are read.
    """
    query = (
        select(
            ImportedRecordRow.id,
            ImportedRecordRow.occurred_on,
            ImportedRecordRow.data,
            ImportedRecordRow.shape_version,
            ImportedRecordRow.current,
        )
        .where(ImportedRecordRow.importer == importer)
        .order_by(ImportedRecordRow.occurred_on, ImportedRecordRow.id)
    )
    if not history:
        query = query.where(ImportedRecordRow.current.is_(True))
    if since is not None:
        query = query.where(ImportedRecordRow.occurred_on >= since.isoformat()[:7])
    if until is not None:
        query = query.where(ImportedRecordRow.occurred_on <= until.isoformat())
    records = []
    with ws.reading() as session:
        for rid, occurred, data, shape, current in session.execute(query):
            if not occurred_in_range(occurred, since, until):
                continue  # the query keeps whole months; a full date may fall just outside
            if upgrade is not None and shape < version:
                data = upgrade(data, shape)
            record = {"id": rid, "occurred_on": occurred, **data}
            if history:
                record["current"] = current
            records.append(record)
    return records


def records_for(
    ws: Workspace,
    app: App,
    importer_name: str,
    *,
    since: date | None = None,
    until: date | None = None,
    history: bool = False,
) -> list[dict[str, Any]]:
    """:func:`list_records` for a registered importer, with its shape upgrade guarded."""
    importer = find_importer(app, importer_name)
    upgrade = None
    if importer.upgrade is not None:
        plugin, function = app.plugins.plugin_of(importer), importer.upgrade

        def upgrade(data: dict[str, Any], stored: int) -> dict[str, Any]:
            return guard.call(plugin, f"importer {importer.name} record upgrade", function, dict(data), stored)

    return list_records(
        ws, importer.name, since=since, until=until, history=history, upgrade=upgrade, version=importer.version
    )


# -- helpers ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _NumberedIssue(ImportIssue):
    file_number: int | None = None


def _numbered(issue: ImportIssue, number: int) -> _NumberedIssue:
    """The issue with its file's place in the run, and anything like an NHS number blanked: reasons
    reach the screen, the JSON summary and the stored run. A reason that starts with the file's
    name loses it (the issue names the file already)."""
    reason = redact_nhs_numbers(issue.reason).removeprefix(f"{issue.file}: ")
    return _NumberedIssue(issue.file, reason, issue.row, issue.kind, file_number=number)


def _chunks(records: Iterable[Checked]) -> Iterator[list[Checked]]:
    chunk: list[Checked] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _stored_groups(session: Session, importer: str, groups: list[str]) -> set[str]:
    return _stored_values(session, importer, ImportedRecordRow.group_key, groups)


def _stored_keys(session: Session, importer: str, keys: list[str]) -> set[str]:
    return _stored_values(session, importer, ImportedRecordRow.record_key, keys)


def _stored_values(session: Session, importer: str, column: Any, values: list[str]) -> set[str]:
    """Which of ``values`` the importer's stored records hold in ``column``, asked CHUNK at a time."""
    found: set[str] = set()
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        if sqlite:  # the driver directly: SQLAlchemy's expanding IN costs as much as the look-up here
            places = ", ".join("?" * len(chunk))
            sql = f"SELECT {column.key} FROM imported_record WHERE importer = ? AND {column.key} IN ({places})"
            found.update(value for (value,) in connection.exec_driver_sql(sql, (importer, *chunk)))
        else:
            query = select(column).where(ImportedRecordRow.importer == importer, column.in_(chunk))
            found.update(session.scalars(query))
    return found
