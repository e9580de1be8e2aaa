"""Import an existing evidence folder tree: statements inferred from folder and file names.

A service's share is often one folder per statement (``XR-101 Patient information/...``), with the same
policy copied into several folders. Every file is hashed; each distinct content becomes one evidence
item linked to every statement its copies' paths name (a ref in a folder applies to the files below),
and content already in the workspace is linked, never stored again, so a second run changes nothing.
Files with no ref go to the unsorted inbox. Temporary and system files, links out of the tree, unreadable
files and files whose name or text holds what looks like an NHS number are skipped with a reason.

Transactions: files are processed in batches (:data:`BATCH_FILES`); a batch's new files are copied to the
store and flushed to disk in the background while the next files are read (:mod:`tree_pipeline`), placed
in the store when the batch is done, then its items, links and provenance are committed in one transaction.
A cancel stops after the file in hand and commits the whole files done: what is committed is always whole
files, and running the import again carries on where it stopped.

Provenance: the relative paths of an item's copies are kept in ``stored_table`` (namespace
:data:`SOURCE_NAMESPACE`, key = the item's id, value ``{"paths": [...]}``), audited like every change.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
import zipfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qsi_desktop.export.scan import MAX_FILE_BYTES, MAX_UNPACKED_BYTES, scan_file
from qsi_desktop.privacy import find_nhs_numbers, redact_nhs_numbers
from qsi_desktop.services import stored_tables
from qsi_desktop.services.app import App
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.evidence import CURRENT_EVIDENCE
from qsi_desktop.services.tree_pipeline import Content, FileChanged, FilePipeline, Placed
from qsi_desktop.services.values import plain_file_name
from qsi_desktop.store import bulk
from qsi_desktop.store.evidence_files import EvidenceFileError, StoredFile
from qsi_desktop.store.models import EvidenceItem, EvidenceLink, StoredTable
from qsi_desktop.store.workspace import Workspace

SOURCE_NAMESPACE = "evidence_source"
BATCH_FILES = 1000  # a transaction each: bigger batches write fewer provenance updates (5,000 files: -10%)
# Scanned for NHS numbers before storing: the types whose text the export's scan reads.
SCANNED_SUFFIXES = frozenset({".docx", ".xlsx", ".xlsm", ".csv", ".txt", ".pdf"})

_TEN_DIGIT_BYTES = re.compile(rb"[0-9]{3}[ .-]?[0-9]{3}[ .-]?[0-9]{4}")  # an NHS number's shape
_DIGIT_CLASSES = bytes(ord("0") if 0x30 <= b <= 0x39 else ord("x") for b in range(256))  # digits to 0, the rest to x
_TAG = re.compile(rb"<[^>]*>")
# Parts of a .docx or .xlsx that hold no text the scan reads (styles, themes, settings: most of a small
# file's XML); every other XML part is pre-checked, so a part named unusually is never missed.
_NO_TEXT_PARTS = re.compile(
    r"(word|xl)/(styles|stylesWithEffects|fontTable|settings|webSettings|numbering|calcChain|theme/\w+)\.xml"
)
_REF = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2})[ _.-]?(\d{3})(?!\d)")
# How Windows, Office and browsers name a copy: "Copy of X", "X - Copy", "X - Copy (2)", "X (1)".
_COPY_NAME = re.compile(r"^copy (\(\d+\) )?of |( - copy( \(\d+\))?| \(\d+\))$", re.IGNORECASE)
_SYSTEM_FILES = {"thumbs.db": "Windows thumbnail cache", "desktop.ini": "Windows folder settings",
                 ".ds_store": "macOS folder settings", "ehthumbs.db": "Windows thumbnail cache"}  # fmt: skip
_WINDOWS_HIDDEN = 0x2 | 0x4  # FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Skipped:
    path: str  # relative to the imported folder, NHS-number-like text blanked
    reason: str
    folder: bool = False  # a folder left out (not counted as a file)
    problem: bool = False  # the user should act (unreadable, an NHS number), not litter left out on purpose


@dataclass(frozen=True)
class TreeFile:
    path: Path
    rel: str  # relative, with "/" separators
    refs: tuple[str, ...]
    size: int


@dataclass
class TreeSummary:
    """What an import did (or, dry run, would do)."""

    files: int = 0  # files found (skipped ones included)
    stored: int = 0  # distinct contents stored as new evidence items
    duplicates: int = 0  # files whose content was stored already (earlier in the run, or before it)
    linked: int = 0  # evidence links made
    unmapped: int = 0  # new items with no statement: in the unsorted inbox
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[Skipped] = field(default_factory=list)  # imported, but worth knowing (not checked for NHS numbers)
    items: list[int] = field(default_factory=list)  # ids of the items stored
    cancelled: bool = False
    dry_run: bool = False

    @property
    def problems(self) -> list[Skipped]:
        """Files the user should look at (unreadable, an NHS number), as opposed to litter."""
        return [s for s in self.skipped if s.problem]

    def to_dict(self) -> dict:
        return {
            "files": self.files,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "linked": self.linked,
            "unmapped": self.unmapped,
            "skipped": [{"path": s.path, "reason": s.reason, "problem": s.problem} for s in self.skipped],
            "notes": [{"path": s.path, "reason": s.reason} for s in self.notes],
            "items": self.items,
            "cancelled": self.cancelled,
            "dry_run": self.dry_run,
        }


# -- finding the files ---------------------------------------------------------------------------


def infer_refs(app: App, parts: tuple[str, ...]) -> tuple[str, ...]:
    """Statement refs named in path parts (``XR-101 Patient info``, ``XR101``, ``xr 101``), in order;
    only refs of the loaded catalogue count, so ``Room 101`` or a year is not taken for one."""
    found: list[str] = []
    for part in parts:
        for letters, digits in _REF.findall(part):
            statement = app.catalogue.get(f"{letters}-{digits}")
            if statement is not None and statement.ref not in found:
                found.append(statement.ref)
    return tuple(found)


def _skip_reason(name: str, st: os.stat_result) -> str | None:
    lower = name.lower()
    if lower in _SYSTEM_FILES:
        return f"system file ({_SYSTEM_FILES[lower]})"
    if name.startswith("~$"):
        return "temporary file (Office lock file of an open document)"
    if lower.endswith((".tmp", ".temp", "~")) or lower.startswith("~"):
        return "temporary file"
    if lower.endswith(".lnk"):
        return "Windows shortcut (the document it points to is not copied)"
    if name.startswith(".") or getattr(st, "st_file_attributes", 0) & _WINDOWS_HIDDEN:
        return "hidden file"
    return None


def walk(app: App, root: Path, skipped: list[Skipped]) -> Iterator[TreeFile]:
    """The files under ``root`` to import, in a stable order; what is left out goes to ``skipped``.
    Links to folders are never followed (no loop can trap the walk); a link to a file inside the tree is
    read where it is; anything pointing outside the tree is skipped."""
    real_root = root.resolve()
    stack: list[tuple[Path, tuple[str, ...]]] = [(root, ())]
    while stack:
        folder, parts = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            skipped.append(_skip(parts, f"folder could not be read ({exc.strerror or exc})", folder=True, problem=True))
            continue
        subfolders = []
        for entry in entries:
            name = plain_file_name(entry.name)
            here = (*parts, name)
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                skipped.append(_skip(here, f"could not be read ({exc.strerror or exc})", problem=True))
                continue
            if find_nhs_numbers("/".join(here)):
                reason = "the name contains what looks like an NHS number; rename it to import it"
                skipped.append(_skip(here, reason, problem=True))
                continue
            reason = _skip_reason(name, st)
            if stat.S_ISDIR(st.st_mode):
                if reason == "hidden file":
                    skipped.append(_skip(here, "hidden folder", folder=True))
                else:
                    subfolders.append((Path(entry.path), here))
                continue
            if reason is not None:
                skipped.append(_skip(here, reason))
                continue
            path = Path(entry.path)
            if stat.S_ISLNK(st.st_mode):
                st, why = _link_target(path, real_root)
                if st is None:
                    skipped.append(_skip(here, why))
                    continue
            if not stat.S_ISREG(st.st_mode):
                skipped.append(_skip(here, "not a regular file (a device, pipe or socket)"))
                continue
            if st.st_size == 0:
                skipped.append(_skip(here, "empty file (0 bytes)"))
                continue
            yield TreeFile(path, "/".join(here), infer_refs(app, here), st.st_size)
        stack.extend(reversed(subfolders))


def _link_target(path: Path, real_root: Path) -> tuple[os.stat_result | None, str]:
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # RuntimeError: a link loop, before Python 3.13
        return None, "link that leads nowhere (broken, or a loop)"
    if not target.is_relative_to(real_root):
        return None, "link to something outside the imported folder: not followed"
    st = target.stat()
    if stat.S_ISDIR(st.st_mode):
        return None, "link to a folder: not followed (the folder is imported where it is)"
    return st, ""


def _skip(parts: tuple[str, ...], reason: str, *, folder: bool = False, problem: bool = False) -> Skipped:
    return Skipped(redact_nhs_numbers("/".join(parts)) or ".", reason, folder, problem)


# -- importing -----------------------------------------------------------------------------------


@dataclass
class _New:
    """A content first seen in this batch: stored, then made an item."""

    file: TreeFile
    sha: str
    refs: list[str]
    paths: list[str]
    stored: Future[StoredFile] | None = None  # its copy being written to the store (None: dry run)


@dataclass
class _Batch:
    new: list[_New] = field(default_factory=list)
    existing: dict[int, tuple[list[str], list[str]]] = field(default_factory=dict)  # item id: (refs, paths)
    files: int = 0
    flushed: Future[list[Placed]] | None = None  # its new files, their folders being flushed (None: dry run)

    def __len__(self) -> int:
        return self.files


class _Importer:
    def __init__(self, ws: Workspace, app: App, root: Path, actor: str, dry_run: bool, files: FilePipeline) -> None:
        self.ws, self.app, self.root, self.actor, self.files = ws, app, root, actor, files
        self.summary = TreeSummary(dry_run=dry_run)
        with ws.reading() as session:
            rows = session.execute(
                select(EvidenceItem.id, EvidenceItem.file_sha256)
                .where(EvidenceItem.file_sha256.is_not(None), *CURRENT_EVIDENCE)
                .order_by(EvidenceItem.id)
            ).all()
        self.item_by_sha: dict[str, int] = {}
        for item_id, sha in rows:
            self.item_by_sha.setdefault(sha, item_id)  # the oldest, as evidence.duplicates offers
        self.new_by_sha: dict[str, _New] = {}  # new contents of the batches not committed yet
        self.pending: deque[_Batch] = deque()  # batches done, not committed yet (oldest first)
        self.unmapped: set[int] = set()
        self.fake_id = 0  # dry run: items are numbered, never stored
        self.links: dict[int, set[str]] = {}  # dry run: the links items have, as if stored

    def add(self, batch: _Batch, file: TreeFile, content: Content) -> None:
        """Put ``file`` (read and hashed: ``content``) in the batch: a copy of something stored or in the
        batch, or new (checked for NHS numbers, then its copy to the store started)."""
        batch.files += 1
        sha = content.sha256
        same = self.new_by_sha.get(sha)  # in this batch, or one not committed yet: committed with it
        if same is not None:  # counted as a duplicate when its item is made
            if _COPY_NAME.search(same.file.path.stem) and not _COPY_NAME.search(file.path.stem):
                same.file = file  # the item is titled after the original, not "Copy of ..."
            _extend(same.refs, file.refs)
            same.paths.append(file.rel)
            return
        if sha in self.item_by_sha:
            self.summary.duplicates += 1
            refs, paths = batch.existing.setdefault(self.item_by_sha[sha], ([], []))
            _extend(refs, file.refs)
            paths.append(file.rel)
            return
        if file.path.suffix.lower() in SCANNED_SUFFIXES and _may_hold_nhs_number(file.path, content.size, content.data):
            scan = scan_file(file.path, file.path.name)
            if scan.findings:
                where = scan.findings[0].location
                self.summary.skipped.append(
                    Skipped(file.rel, f"contains what looks like an NHS number ({where}); not stored", problem=True)
                )
                return
            for _, why in scan.skipped:
                self.summary.notes.append(Skipped(file.rel, f"not checked for NHS numbers: {why}"))
        new = _New(file, sha, list(file.refs), [file.rel])
        if not self.summary.dry_run:
            new.stored = self.files.store(file.path, content)
        batch.new.append(new)
        self.new_by_sha[sha] = new

    def close(self, batch: _Batch, *, last: bool = False) -> None:
        """``batch`` is complete: its new files' folders are flushed in the background once they are
        stored, and the batch before it (whose files have had this batch's time to be written) is committed;
        ``last``: commit every batch now."""
        if batch:
            if not self.summary.dry_run:
                batch.flushed = self.files.flush([n.stored for n in batch.new if n.stored is not None])
            self.pending.append(batch)
        while len(self.pending) > (0 if last else 1):
            self.commit(self.pending.popleft())

    def commit(self, batch: _Batch) -> None:
        stored = self._store(batch)
        for new in batch.new:
            del self.new_by_sha[new.sha]  # known by item id from here on (or skipped, and checked again)
        if self.summary.dry_run:
            self._pretend(batch, stored)
            return
        if not stored and not batch.existing:
            return  # nothing to save (its files were skipped)
        # Rows written in bulk (store.bulk: checked and audited as a flush would, a tenth of the time).
        with self.ws.transaction(self.actor) as session:
            ids = bulk.insert_new(
                session,
                EvidenceItem,
                [
                    {
                        "title": plain_file_name(new.file.path.stem),
                        "file_sha256": file.sha256,
                        "file_name": plain_file_name(new.file.path.name),
                        "file_size": file.size,
                        "added_by": self.actor,
                    }
                    for new, file in stored
                ],
            )
            links = [(item_id, ref) for item_id, (new, _) in zip(ids, stored, strict=True) for ref in new.refs]
            if batch.existing:
                have = {
                    (item_id, ref)
                    for item_id, ref in session.execute(
                        select(EvidenceLink.evidence_id, EvidenceLink.statement_ref).where(
                            EvidenceLink.evidence_id.in_(list(batch.existing)), EvidenceLink.suggestion_key == ""
                        )
                    )
                }
                for item_id, (refs, _) in batch.existing.items():
                    for ref in refs:
                        if (item_id, ref) not in have:
                            links.append((item_id, ref))
                            self.summary.linked += 1
                            self.unmapped.discard(item_id)
            bulk.insert_new(session, EvidenceLink, [self._link(item_id, ref) for item_id, ref in links])
            for item_id, (new, file) in zip(ids, stored, strict=True):
                self.item_by_sha[file.sha256] = item_id
                self._count_new(item_id, new)
            sources = {item_id: paths for item_id, (_, paths) in batch.existing.items()}
            sources.update((item_id, new.paths) for item_id, (new, _) in zip(ids, stored, strict=True))
            self._sources(session, sources)

    def _pretend(self, batch: _Batch, stored: list[tuple[_New, StoredFile]]) -> None:
        """The dry run's commit: the same counts, from links read (or made up) in memory."""
        for new, file in stored:
            self.fake_id -= 1  # negative: never an id in the workspace
            self.item_by_sha[file.sha256] = self.fake_id
            self.links[self.fake_id] = set(new.refs)
            self._count_new(self.fake_id, new)
        for item_id, (refs, _) in batch.existing.items():
            if item_id not in self.links:
                with self.ws.reading() as session:
                    self.links[item_id] = set(
                        session.scalars(
                            select(EvidenceLink.statement_ref).where(
                                EvidenceLink.evidence_id == item_id, EvidenceLink.suggestion_key == ""
                            )
                        )
                    )
            for ref in refs:
                if ref not in self.links[item_id]:
                    self.links[item_id].add(ref)
                    self.summary.linked += 1
                    self.unmapped.discard(item_id)

    def _store(self, batch: _Batch) -> list[tuple[_New, StoredFile]]:
        """The batch's new files as placed in the store (dry run: nothing to store); failures are skipped
        with the reason."""
        if batch.flushed is None:
            return [(n, StoredFile(n.sha, n.file.size, n.file.path)) for n in batch.new]
        done: list[tuple[_New, StoredFile]] = []
        for new, placed in zip(batch.new, batch.flushed.result(), strict=True):
            if isinstance(placed, FileChanged):
                self.summary.skipped.append(
                    Skipped(new.file.rel, "changed while it was imported; import again", problem=True)
                )
            elif isinstance(placed, EvidenceFileError):
                why = f"could not be copied into the workspace ({_os_reason(placed)})"
                self.summary.skipped.append(Skipped(new.file.rel, why, problem=True))
            else:
                done.append((new, placed))
        return done

    def _count_new(self, item_id: int, new: _New) -> None:
        self.summary.stored += 1
        self.summary.duplicates += len(new.paths) - 1
        self.summary.linked += len(new.refs)
        self.summary.items.append(item_id)
        if not new.refs:
            self.unmapped.add(item_id)

    def _link(self, item_id: int, ref: str) -> dict[str, object]:
        return {
            "evidence_id": item_id,
            "framework_id": self.ws.framework_id,
            "statement_ref": ref,
            "suggestion_key": "",
        }

    def _sources(self, session: Session, paths: dict[int, list[str]]) -> None:
        """Add ``paths`` (by item id) to the items' provenance: one read for the batch, then in bulk the rows
        that are new and the updates of those a path is new to."""
        table = StoredTable.__table__
        rows = {
            row.key: row._asdict()
            for row in session.execute(
                select(table.c.id, table.c.key, table.c.value, table.c.version_id).where(
                    table.c.namespace == SOURCE_NAMESPACE, table.c.key.in_([str(i) for i in paths])
                )
            )
        }
        created: list[dict[str, object]] = []
        changed: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for item_id, new in paths.items():
            row = rows.get(str(item_id))
            have = list(row["value"]["paths"]) if row is not None else []
            merged = have + [p for p in dict.fromkeys(new) if p not in have]
            if row is None:
                created.append({"namespace": SOURCE_NAMESPACE, "key": str(item_id), "value": {"paths": merged},
                                "updated_by": self.actor})  # fmt: skip
            elif merged != have:
                changed.append((row, {"value": {"paths": merged}, "updated_by": self.actor}))
        bulk.insert_new(session, StoredTable, created)
        bulk.update_versioned(session, StoredTable, changed)


def import_tree(
    ws: Workspace,
    app: App,
    root: Path,
    *,
    actor: str,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    batch_files: int = BATCH_FILES,
) -> TreeSummary:
    """Import every file under ``root`` (see the module's notes); dry run: count, store nothing."""
    if not root.exists():
        raise UserError(f"{root}: no such folder")
    if not root.is_dir():
        raise UserError(f"{root}: not a folder ('qsi evidence add' takes one file)")
    with FilePipeline(None if dry_run else ws.files) as pipeline:
        importer = _Importer(ws, app, root, actor, dry_run, pipeline)
        summary = importer.summary
        if progress is not None:
            progress(0, 0, "looking through the folder")
        files = list(walk(app, root, summary.skipped))
        summary.files = len(files) + sum(1 for s in summary.skipped if not s.folder)
        if not dry_run:
            _require_roles(ws, files)
        batch = _Batch()
        contents = pipeline.read_in_order([(f.path, f.size) for f in files])
        for done, file in enumerate(files):
            if cancel is not None and cancel():
                summary.cancelled = True
                break
            content = next(contents)
            if progress is not None and done % 20 == 0:
                progress(done, len(files), f"importing {file.rel}")
            if isinstance(content, OSError):
                summary.skipped.append(
                    Skipped(file.rel, f"could not be read ({content.strerror or content})", problem=True)
                )
                continue
            importer.add(batch, file, content)
            if len(batch) >= batch_files:
                importer.close(batch)
                batch = _Batch()
        importer.close(batch, last=True)
    summary.unmapped = len(importer.unmapped)
    if progress is not None:
        progress(len(files), len(files), "cancelled" if summary.cancelled else "done")
    return summary


def _require_roles(ws: Workspace, files: list[TreeFile]) -> None:
    """Refuse before a file is stored what the save would refuse: a reader's import, or links a modality
    lead may not make (the check proper is at each batch's save, as for every write)."""
    access = ws.access
    access.require_writer()
    for ref in sorted({ref for file in files for ref in file.refs}):
        access.require(*access.need_of(EvidenceLink(statement_ref=ref), new=True))


def sources(ws: Workspace, item_id: int) -> list[str]:
    """Where an imported item's copies were in the folders it was imported from."""
    return list(stored_tables.get(ws, SOURCE_NAMESPACE, str(item_id), {"paths": []})["paths"])


def nhs_number_place(path: Path, size: int) -> str | None:
    """Where a document shows what looks like an NHS number (the scan's place, never the number), or None:
    the cheap pre-check, then the export's scan, for the types it reads. For other importers that store
    files a user named (a tracker's evidence column), so they refuse what the folder import refuses."""
    if path.suffix.lower() not in SCANNED_SUFFIXES or not _may_hold_nhs_number(path, size):
        return None
    scan = scan_file(path, path.name)
    return scan.findings[0].location if scan.findings else None


def _may_hold_nhs_number(path: Path, size: int, data: bytes | None = None) -> bool:
    """False when a file surely holds no NHS number, found cheaply: plain text in one pass over its bytes,
    Word and Excel files over their XML parts with the tags taken out (the scan's parsers take 300 times
    as long as hashing a small .docx). True sends the file to the scan, which says where; so do PDFs and
    anything that cannot be pre-checked. Taking tags out can only join digits, never hide them. ``data``:
    the file's bytes, when already read."""
    suffix = path.suffix.lower()
    if size > MAX_FILE_BYTES:
        return True
    if suffix in (".txt", ".csv"):
        data = path.read_bytes() if data is None else data
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return bool(find_nhs_numbers(data.decode("utf-16", "replace")))
        # Digits, spaces, dots and dashes are the same bytes in UTF-8 and Windows-1252.
        return _has_ten_digit_shape(data)
    if suffix in (".docx", ".xlsx", ".xlsm"):
        try:
            with zipfile.ZipFile(path if data is None else io.BytesIO(data)) as archive:
                parts = [
                    i
                    for i in archive.infolist()
                    if i.filename.endswith(".xml") and not _NO_TEXT_PARTS.fullmatch(i.filename)
                ]
                if sum(i.file_size for i in parts) > MAX_UNPACKED_BYTES:
                    return True
                return any(_has_ten_digit_shape(_TAG.sub(b"", archive.read(i))) for i in parts)
        except (OSError, zipfile.BadZipFile, ValueError, RuntimeError):
            return True  # damaged: the scan reads what it can and notes the rest
    return True


def _has_ten_digit_shape(data: bytes) -> bool:
    """Whether ``data`` holds an NHS number's shape. A regular expression scans text at about 100 MB/s; so
    first a looser test runs in C at about 1 GB/s (ten digits in a row once spaces, dots and dashes are
    taken out, which every match has), and the expression only runs when that test finds something."""
    if b"0" * 10 not in data.translate(_DIGIT_CLASSES, b" .-"):
        return False
    return _TEN_DIGIT_BYTES.search(data) is not None


def _extend(target: list[str], refs: tuple[str, ...]) -> None:
    target.extend(ref for ref in refs if ref not in target)


def _os_reason(error: EvidenceFileError) -> str:
    text = str(error)
    return text.rsplit(": ", 1)[-1] if ": " in text else text
