"""Evidence items: files (stored content-addressed) or links, mapped to many statements.

The file is stored and flushed before the database row is written, so a committed row always
points at a complete file. Every reference is checked before anything is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from qsi_desktop.services.app import App
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.values import check_free_text, plain_file_name
from qsi_desktop.store.evidence_files import EvidenceFileError
from qsi_desktop.store.models import EvidenceItem, EvidenceLink
from qsi_desktop.store.workspace import Workspace

_URL = re.compile(r"^(https?|file)://\S+$|^\\\\\S+", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    """A statement, or one suggestion of it: ``XR-101`` or ``XR-101:7.a``."""

    ref: str
    suggestion: str = ""

    def __str__(self) -> str:
        return f"{self.ref}:{self.suggestion}" if self.suggestion else self.ref


@dataclass
class EvidenceDetails:
    title: str = ""
    version: str = ""
    owner: str = ""
    document_ref: str = ""
    approved_on: date | None = None
    review_due_on: date | None = None
    targets: list[str] = field(default_factory=list)  # as typed: "XR-101", "XR-101:7.a"


def parse_targets(app: App, texts: list[str]) -> list[Target]:
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
    if not targets:
        raise UserError("name at least one quality statement for the evidence (--qs XR-101[,XR-102])")
    return targets


def add_file(ws: Workspace, app: App, source: Path, details: EvidenceDetails, *, actor: str) -> EvidenceItem:
    targets = parse_targets(app, details.targets)
    check_free_text("file name", plain_file_name(source.name))
    _check_details(details)
    if not source.exists():
        raise UserError(f"{source}: no such file")
    if not source.is_file():
        raise UserError(f"{source}: not a file (evidence is added one file at a time)")
    try:
        stored = ws.files.put(source)
    except EvidenceFileError as exc:
        raise UserError(str(exc)) from exc
    item = EvidenceItem(
        title=details.title.strip() or plain_file_name(source.stem),
        file_sha256=stored.sha256,
        file_name=plain_file_name(source.name),
        file_size=stored.size,
    )
    return _save(ws, item, details, targets, actor)


def add_link(ws: Workspace, app: App, url: str, details: EvidenceDetails, *, actor: str) -> EvidenceItem:
    targets = parse_targets(app, details.targets)
    _check_details(details)
    check_free_text("link", url)
    if not _URL.match(url.strip()):
        raise UserError(f"{url!r} is not a link (http://, https://, file:// or a \\\\server\\share path)")
    item = EvidenceItem(title=details.title.strip() or url.strip(), link_url=url.strip())
    return _save(ws, item, details, targets, actor)


def _check_details(details: EvidenceDetails) -> None:
    for what, text in (
        ("title", details.title),
        ("owner", details.owner),
        ("version", details.version),
        ("document reference", details.document_ref),
    ):
        check_free_text(what, text)


def _save(
    ws: Workspace, item: EvidenceItem, details: EvidenceDetails, targets: list[Target], actor: str
) -> EvidenceItem:
    item.version = details.version.strip()
    item.owner = details.owner.strip()
    item.document_ref = details.document_ref.strip()
    item.approved_on = details.approved_on
    item.review_due_on = details.review_due_on
    item.added_by = actor
    item.links = [
        EvidenceLink(framework_id=ws.framework_id, statement_ref=t.ref, suggestion_key=t.suggestion) for t in targets
    ]
    with ws.transaction(actor) as session:
        session.add(item)
    return item


def list_evidence(ws: Workspace, ref: str | None = None) -> list[EvidenceItem]:
    query = select(EvidenceItem).options(selectinload(EvidenceItem.links)).order_by(EvidenceItem.id)
    if ref is not None:
        query = query.where(EvidenceItem.links.any(EvidenceLink.statement_ref == ref))
    with ws.reading() as session:
        return list(session.scalars(query))


def evidence_dict(item: EvidenceItem, today: date | None = None) -> dict:
    today = today or date.today()
    return {
        "id": item.id,
        "title": item.title,
        "kind": "file" if item.file_sha256 else "link",
        "file_name": item.file_name,
        "size": item.file_size,
        "sha256": item.file_sha256,
        "link": item.link_url,
        "version": item.version,
        "owner": item.owner,
        "document_ref": item.document_ref,
        "approved_on": item.approved_on.isoformat() if item.approved_on else None,
        "review_due_on": item.review_due_on.isoformat() if item.review_due_on else None,
        "review_overdue": bool(item.review_due_on and item.review_due_on < today),
        "statements": [str(Target(link.statement_ref, link.suggestion_key)) for link in item.links],
        "added_at": item.added_at.isoformat(timespec="seconds"),
        "added_by": item.added_by,
    }
