"""Evidence items: files (stored content-addressed) or links, mapped to many statements.

The file is stored and flushed before the database row is written, so a committed row always
points at a complete file. Every reference is checked before anything is stored.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from qsi_desktop.export.names import safe_file_name
from qsi_desktop.privacy import find_nhs_numbers
from qsi_desktop.services.app import App
from qsi_desktop.services.errors import ChangedElsewhere, UserError
from qsi_desktop.services.records import EvidenceRecord, Target, evidence_record
from qsi_desktop.services.values import check_free_text, plain_file_name
from qsi_desktop.store.evidence_files import EvidenceFileError, sha256_of
from qsi_desktop.store.models import ChecklistResponse, EvidenceItem, EvidenceLink
from qsi_desktop.store.types import utcnow
from qsi_desktop.store.workspace import Workspace

# Evidence that counts: not replaced by a newer version, not retired.
CURRENT_EVIDENCE = (EvidenceItem.superseded_by_id.is_(None), EvidenceItem.retired_at.is_(None))

_URL = re.compile(r"^(https?|file)://\S+$|^\\\\\S+", re.IGNORECASE)


@dataclass
class EvidenceDetails:
    title: str = ""
    version: str = ""
    owner: str = ""
    document_ref: str = ""
    approved_on: date | None = None
    review_due_on: date | None = None
    targets: list[str] = field(default_factory=list)  # as typed: "XR-101", "XR-101:7.a"
    supersedes: int | None = None  # id of the earlier version this item replaces (takes its links)


def parse_targets(app: App, texts: list[str], *, required: bool = True) -> list[Target]:
    """Check every reference (and suggestion key) against the catalogue; raise on the first bad one."""
    targets: list[Target] = []
    for text in texts:
        for part in filter(None, (p.strip() for p in text.split(","))):
            ref, _, suggestion = part.partition(":")
            statement = app.statement(ref)
            suggestion = suggestion.strip().lower()
            if suggestion and suggestion not in statement.suggestion_keys():
                raise UserError(
                    f"{statement.ref} has no suggestion {suggestion!r}; it has {', '.join(statement.suggestion_keys())}"
                )
            target = Target(statement.ref, suggestion)
            if target not in targets:
                targets.append(target)
    if not targets and required:
        raise UserError("name at least one quality statement for the evidence (--qs XR-101[,XR-102])")
    return targets


def title_from_file_name(name: str) -> str:
    """The title a file's name suggests: its stem as text, without NHS-number-like numbers (a letter
    saved under a patient's number must not carry it into a title, the pack or the audit trail)."""
    stem = plain_file_name(Path(name).stem)
    for found in find_nhs_numbers(stem):
        stem = stem.replace(found, " ")
    return " ".join(stem.split())


def add_file(ws: Workspace, app: App, source: Path, details: EvidenceDetails, *, actor: str) -> EvidenceRecord:
    """Store ``source`` as evidence for ``details.targets``; with none, it goes to the unsorted inbox
    (linked later with :func:`add_targets`). The same content already stored is not refused: callers
    offer the existing item first (:func:`find_by_sha256`, :func:`duplicates`)."""
    targets = parse_targets(app, details.targets, required=False)
    check_free_text("file name", plain_file_name(source.name))
    _check_details(ws, details)
    if not source.exists():
        raise UserError(f"{source}: no such file")
    if not source.is_file():
        raise UserError(f"{source}: not a file (evidence is added one file at a time)")
    try:
        stored = ws.files.put(source)
    except EvidenceFileError as exc:
        raise UserError(str(exc)) from exc
    item = EvidenceItem(file_sha256=stored.sha256, file_name=plain_file_name(source.name), file_size=stored.size)
    return _save(ws, item, details, targets, actor, default_title=title_from_file_name(source.name))


def add_file_once(
    ws: Workspace, app: App, source: Path, details: EvidenceDetails, *, actor: str
) -> tuple[EvidenceRecord, bool]:
    """:func:`add_file`, safe to retry: when an item with this file's content, these statements and
    these details is already stored (the earlier attempt committed, then the process was killed
    before it could say so), that item is returned with ``True`` instead of storing a duplicate."""
    if not source.is_file():
        return add_file(ws, app, source, details, actor=actor), False  # add_file says what is wrong
    try:
        sha = sha256_of(source)
    except OSError:
        return add_file(ws, app, source, details, actor=actor), False
    same = find_retry(ws, app, sha, details, default_title=plain_file_name(source.stem))
    if same is not None:
        return same, True
    return add_file(ws, app, source, details, actor=actor), False


def find_retry(
    ws: Workspace, app: App, sha256: str, details: EvidenceDetails, *, default_title: str
) -> EvidenceRecord | None:
    """The item an identical earlier ``add`` stored: same content, same statements (and suggestions),
    same title, version, owner, document reference and dates; for a new version, the one that
    already supersedes ``details.supersedes``. None when there is none (then the add is new)."""
    targets = set(parse_targets(app, details.targets, required=False))
    if details.supersedes is not None:
        with ws.reading() as session:
            old = session.get(EvidenceItem, details.supersedes, options=[selectinload(EvidenceItem.links)])
            if old is None or old.superseded_by_id is None:
                return None
            newer = _item(session, old.superseded_by_id)
            inherited = {Target(link.statement_ref, link.suggestion_key) for link in old.links}
            title = details.title.strip() or old.title
            candidates = [evidence_record(newer)] if newer.file_sha256 == sha256.lower() else []
        targets = targets or inherited
    else:
        title = details.title.strip() or default_title
        candidates = find_by_sha256(ws, sha256)
    for item in candidates:
        if (
            set(item.targets) == targets
            and item.title == title
            and item.version == details.version.strip()
            and (item.owner == details.owner.strip() or (details.supersedes is not None and not details.owner.strip()))
            and (
                item.document_ref == details.document_ref.strip()
                or (details.supersedes is not None and not details.document_ref.strip())
            )
            and item.approved_on == details.approved_on
            and item.review_due_on == details.review_due_on
        ):
            return item
    return None


def add_link(ws: Workspace, app: App, url: str, details: EvidenceDetails, *, actor: str) -> EvidenceRecord:
    targets = parse_targets(app, details.targets, required=False)
    _check_details(ws, details)
    check_free_text("link", url)
    if not _URL.match(url.strip()):
        raise UserError(f"{url!r} is not a link (http://, https://, file:// or a \\\\server\\share path)")
    item = EvidenceItem(link_url=url.strip())
    return _save(ws, item, details, targets, actor, default_title=url.strip())


def _check_details(ws: Workspace, details: EvidenceDetails) -> None:
    ws.access.require_writer()  # early, before a file is stored: the role check proper is at the save
    for what, text in (
        ("title", details.title),
        ("owner", details.owner),
        ("version", details.version),
        ("document reference", details.document_ref),
    ):
        check_free_text(what, text)
    if details.supersedes is not None:  # checked before a file is stored, and again when saving
        with ws.reading() as session:
            _superseded(session, details.supersedes)


def _superseded(session: Session, item_id: int) -> EvidenceItem:
    old = session.get(EvidenceItem, item_id, options=[selectinload(EvidenceItem.links)])
    if old is None:
        raise UserError(f"no evidence with id {item_id}; 'qsi evidence list' shows them")
    if old.superseded_by_id is not None:
        raise UserError(f"evidence #{item_id} was already replaced by #{old.superseded_by_id}; supersede that one")
    return old


def _save(
    ws: Workspace,
    item: EvidenceItem,
    details: EvidenceDetails,
    targets: list[Target],
    actor: str,
    *,
    default_title: str,
) -> EvidenceRecord:
    item.version = details.version.strip()
    item.owner = details.owner.strip()
    item.document_ref = details.document_ref.strip()
    item.approved_on = details.approved_on
    item.review_due_on = details.review_due_on
    item.added_by = actor
    with ws.transaction(actor) as session:
        old = _superseded(session, details.supersedes) if details.supersedes is not None else None
        if old is not None:
            # The new version inherits what the old one stood for, unless told otherwise.
            targets = targets or [Target(link.statement_ref, link.suggestion_key) for link in old.links]
            item.owner = item.owner or old.owner
            item.document_ref = item.document_ref or old.document_ref
        item.title = details.title.strip() or (old.title if old is not None else default_title)
        item.links = [
            EvidenceLink(framework_id=ws.framework_id, statement_ref=t.ref, suggestion_key=t.suggestion)
            for t in targets
        ]
        session.add(item)
        session.flush()
        if old is not None:
            old.superseded_by_id = item.id
        return evidence_record(item)


def list_evidence(
    ws: Workspace,
    ref: str | None = None,
    *,
    include_superseded: bool = False,
    include_retired: bool = False,
    unsorted: bool = False,
) -> list[EvidenceRecord]:
    """Current evidence (for ``ref`` only, or only the unsorted inbox); superseded versions and
    retired items only when asked for: they are kept, but nothing counts or shows them by default."""
    query = select(EvidenceItem).options(selectinload(EvidenceItem.links)).order_by(EvidenceItem.id)
    if not include_superseded:
        query = query.where(EvidenceItem.superseded_by_id.is_(None))
    if not include_retired:
        query = query.where(EvidenceItem.retired_at.is_(None))
    if ref is not None:
        query = query.where(EvidenceItem.links.any(EvidenceLink.statement_ref == ref))
    if unsorted:
        query = query.where(~EvidenceItem.links.any())
    with ws.reading() as session:
        return [evidence_record(item) for item in session.scalars(query)]


def get_evidence(ws: Workspace, item_id: int) -> EvidenceRecord:
    with ws.reading() as session:
        return evidence_record(_item(session, item_id))


def _item(session: Session, item_id: int) -> EvidenceItem:
    item = session.get(EvidenceItem, item_id, options=[selectinload(EvidenceItem.links)])
    if item is None:
        raise UserError(f"no evidence with id {item_id}; 'qsi evidence list --all' shows them")
    return item


# -- the same file twice ---------------------------------------------------------------------------------


def find_by_sha256(ws: Workspace, sha256: str) -> list[EvidenceRecord]:
    """Current (not superseded, not retired) items whose stored file has this content."""
    query = (
        select(EvidenceItem)
        .options(selectinload(EvidenceItem.links))
        .where(EvidenceItem.file_sha256 == sha256.lower(), *CURRENT_EVIDENCE)
        .order_by(EvidenceItem.id)
    )
    with ws.reading() as session:
        return [evidence_record(item) for item in session.scalars(query)]


def duplicates(
    ws: Workspace, paths: list[Path], cancel: Callable[[], bool] | None = None
) -> dict[Path, EvidenceRecord]:
    """Of ``paths``, those whose content is already stored, with the item holding it (the oldest).
    Reads every file (hashes it): run it on a worker for large files."""
    found: dict[Path, EvidenceRecord] = {}
    for path in paths:
        if cancel is not None and cancel():
            break
        try:
            sha = sha256_of(path)
        except OSError:
            continue  # adding it says what is wrong with it
        items = find_by_sha256(ws, sha)
        if items:
            found[path] = items[0]
    return found


# -- after it was added: link, edit, retire, where used -------------------------------------------------


def add_targets(ws: Workspace, app: App, item_id: int, texts: list[str], *, actor: str) -> EvidenceRecord:
    """Link an existing item (say, from the unsorted inbox, or a file added twice) to more statements."""
    targets = parse_targets(app, texts)
    with ws.transaction(actor) as session:
        item = _item(session, item_id)
        if item.superseded_by_id is not None:
            raise UserError(f"evidence #{item_id} was replaced by #{item.superseded_by_id}; link that one")
        have = {Target(link.statement_ref, link.suggestion_key) for link in item.links}
        for target in targets:
            if target not in have:
                item.links.append(
                    EvidenceLink(
                        framework_id=ws.framework_id, statement_ref=target.ref, suggestion_key=target.suggestion
                    )
                )
        session.flush()
        return evidence_record(item)


@dataclass
class EvidenceEdit:
    """Metadata to change; None leaves a field as it is. ``clear``: dates to set back to none
    ("approved_on", "review_due_on")."""

    title: str | None = None
    version: str | None = None
    owner: str | None = None
    document_ref: str | None = None
    approved_on: date | None = None
    review_due_on: date | None = None
    clear: frozenset[str] = frozenset()


def edit_evidence(
    ws: Workspace, item_id: int, edit: EvidenceEdit, *, actor: str, expected_version: int | None = None
) -> EvidenceRecord:
    """Change an item's title, version, owner, document reference or dates (audited). With
    ``expected_version`` a change saved meanwhile by someone else is refused."""
    for what, text in (
        ("title", edit.title),
        ("owner", edit.owner),
        ("version", edit.version),
        ("document reference", edit.document_ref),
    ):
        check_free_text(what, text)
    if edit.title is not None and not edit.title.strip():
        raise UserError("evidence needs a title")
    with ws.transaction(actor) as session:
        item = _item(session, item_id)
        if expected_version is not None and item.version_id != expected_version:
            raise ChangedElsewhere(
                f"evidence #{item_id} was changed by someone else after you opened it; nothing was saved. "
                "It is shown as it is now",
                evidence_record(item),
            )
        for name in ("title", "version", "owner", "document_ref"):
            value = getattr(edit, name)
            if value is not None:
                setattr(item, name, value.strip())
        for name in ("approved_on", "review_due_on"):
            value = getattr(edit, name)
            if value is not None:
                setattr(item, name, value)
            elif name in edit.clear:
                setattr(item, name, None)
        session.flush()
        return evidence_record(item)


def retire(ws: Workspace, item_id: int, *, actor: str) -> EvidenceRecord:
    """Withdraw an item: kept (file, links, history), but out of counts, reminders and the pack."""
    with ws.transaction(actor) as session:
        item = _item(session, item_id)
        if item.retired_at is not None:
            raise UserError(
                f"evidence #{item_id} was already retired on {item.retired_at:%d %b %Y} by {item.retired_by}"
            )
        item.retired_at, item.retired_by = utcnow(), actor
        session.flush()
        return evidence_record(item)


def restore(ws: Workspace, item_id: int, *, actor: str) -> EvidenceRecord:
    """Bring a retired item back into use."""
    with ws.transaction(actor) as session:
        item = _item(session, item_id)
        if item.retired_at is None:
            raise UserError(f"evidence #{item_id} is not retired")
        item.retired_at, item.retired_by = None, ""
        session.flush()
        return evidence_record(item)


@dataclass(frozen=True)
class ChecklistUse:
    template_id: str
    template_title: str
    item_key: str
    item_text: str
    answer: str


@dataclass(frozen=True)
class WhereUsed:
    """What an evidence item supports: statements (or their suggestions) and checklist items."""

    item: EvidenceRecord
    statements: tuple[Target, ...]
    checklist_items: tuple[ChecklistUse, ...]

    @property
    def unused(self) -> bool:
        return not self.statements and not self.checklist_items


def where_used(ws: Workspace, app: App, item_id: int) -> WhereUsed:
    with ws.reading() as session:
        record = evidence_record(_item(session, item_id))
        responses = list(session.scalars(select(ChecklistResponse).where(ChecklistResponse.evidence_id == item_id)))
        answers = [(r.template_id, r.item_key, r.answer) for r in responses]
    templates = {t.id: t for t in app.plugins.checklists()}
    uses = []
    for template_id, item_key, answer in sorted(answers):
        template = templates.get(template_id)
        item = next((i for i in template.items if i.key == item_key), None) if template is not None else None
        uses.append(
            ChecklistUse(
                template_id=template_id,
                template_title=template.title if template is not None else template_id,
                item_key=item_key,
                item_text=item.text if item is not None else item_key,
                answer=answer,
            )
        )
    return WhereUsed(record, record.targets, tuple(uses))


def evidence_dict(item: EvidenceRecord, today: date | None = None) -> dict:
    return {
        "id": item.id,
        "title": item.title,
        "kind": item.kind,
        "file_name": item.file_name,
        "size": item.file_size,
        "sha256": item.file_sha256,
        "link": item.link_url,
        "version": item.version,
        "owner": item.owner,
        "document_ref": item.document_ref,
        "approved_on": item.approved_on.isoformat() if item.approved_on else None,
        "review_due_on": item.review_due_on.isoformat() if item.review_due_on else None,
        "review_overdue": item.review_overdue(today),
        "statements": [str(target) for target in item.targets],
        "added_at": item.added_at.isoformat(timespec="seconds"),
        "added_by": item.added_by,
        "superseded_by": item.superseded_by_id,
        "retired_at": item.retired_at.isoformat(timespec="seconds") if item.retired_at else None,
        "retired_by": item.retired_by or None,
        "unsorted": item.is_unsorted,
    }


def _copy_exclusively(source: Path, folder: Path, name: str) -> Path:
    """Copy into a new file in ``folder``: never through a link already there, never over a file
    (``name (2).ext`` and so on instead); the copy is made read-only."""
    stem, dot, suffix = name.rpartition(".") if "." in name.lstrip(".") else (name, "", "")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    for number in range(1, 1000):
        candidate = folder / (name if number == 1 else f"{stem} ({number}){dot}{suffix}")
        try:
            fd = os.open(candidate, flags, 0o600)  # O_EXCL: fails on anything there, a dangling link included
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as data:
                shutil.copyfileobj(data, out, 1 << 20)
        except BaseException:
            candidate.unlink(missing_ok=True)
            raise
        candidate.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        return candidate
    raise OSError(f"too many copies of {name} already in the folder")


def export_copy(ws: Workspace, item_id: int, folder: Path) -> Path:
    """Copy a file item's stored file into ``folder`` under its original name; return the copy.

    The evidence store is only read: whatever opens the copy (Word, a PDF reader) cannot change the
    stored evidence. The copy is made read-only, so an edit is saved elsewhere and added as a new
    version rather than lost in a temporary folder. A file or link of that name already in ``folder``
    is never followed or replaced: the copy takes the next free name (``policy (2).pdf``), safe on
    Windows (reserved names, characters, length). Raises :class:`UserError` when the item is not a
    file, or its stored file is missing or damaged (nothing is copied then).
    """
    with ws.reading() as session:
        item = session.get(EvidenceItem, item_id)
        if item is None:
            raise UserError(f"no evidence with id {item_id}; 'qsi evidence list' shows them")
        sha, file_name = item.file_sha256, item.file_name
    if not sha:
        raise UserError(f"evidence #{item_id} is a link, not a stored file")
    problem = ws.files.verify(sha)
    if problem is not None:
        raise UserError(
            f"{file_name}: {problem}; 'qsi verify' checks every file, restore it from a backup or add it again"
        )
    name = safe_file_name(plain_file_name(Path(file_name or "").name) or f"evidence-{item_id}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = _copy_exclusively(ws.files.path_for(sha), folder, name)
    except OSError as exc:
        raise UserError(f"{folder}: could not copy the evidence file: {exc.strerror or exc}") from exc
    return target


def nhs_number_places(path: Path) -> list[str]:
    """Where a document seems to hold an NHS number ("paragraph 2", "sheet Audit, B7"), never the number:
    said when it is added, so a cleaned version can replace it before the pre-export check stops at it."""
    from qsi_desktop.export.scan import scan_file

    return [finding.location for finding in scan_file(path, path.name).findings]
