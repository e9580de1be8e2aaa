"""Importing a tracker: the preview (:mod:`tracker_read`) stored in one transaction once the user confirms.

Evidence files named in the tracker are copied into the evidence store first (write-once, by
content hash, as :func:`evidence.add_file` does), then every assessment change, new evidence item
and link is saved in one audited transaction: a failure leaves the assessments as they were. The
same file or link named on several rows, or already stored, becomes one item linked to each
statement. The column and status-word mappings are remembered for trackers of the same shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qsi_desktop.services import stored_tables
from qsi_desktop.services.app import App
from qsi_desktop.services.assessments import apply_change, find_assessment, get_profile
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.evidence import CURRENT_EVIDENCE
from qsi_desktop.services.tracker_read import (
    FIELD_LABELS,
    NAMESPACE,
    Cancelled,
    EvidenceRef,
    TrackerPreview,
    preview,
)
from qsi_desktop.services.values import check_free_text, plain_file_name, status_label
from qsi_desktop.store.evidence_files import EvidenceFileError
from qsi_desktop.store.models import EvidenceItem, EvidenceLink
from qsi_desktop.store.workspace import Workspace

__all__ = ["TrackerResult", "commit", "preview", "summary"]


@dataclass(frozen=True)
class TrackerResult:
    imported: int  # rows that changed the workspace
    unchanged: int
    rejected: int
    evidence_added: int  # new evidence items (files stored, links)
    links_added: int


def commit(
    ws: Workspace,
    app: App,
    result: TrackerPreview,
    *,
    actor: str,
    cancel: Callable[[], bool] | None = None,
) -> TrackerResult:
    """Store what ``result`` plans, in one transaction, and remember its mappings. An assessment
    changed by someone since the preview stops the import (nothing saved): preview again."""
    if result.missing:
        raise UserError(f"{result.file_name}: no column for {', '.join(result.missing)}: map one before importing")
    stored = _store_files(ws, result, cancel)
    added = linked = 0
    with ws.transaction(actor) as session:
        profile = get_profile(session)
        made: dict[tuple[str, str], EvidenceItem] = {}  # ("url", url) / ("file", sha) -> item made here
        for planned in result.planned:
            if cancel is not None and cancel():
                raise Cancelled(f"{result.file_name}: import cancelled; nothing was changed")
            assessment = find_assessment(session, ws.framework_id, planned.ref)
            version = assessment.version_id if assessment is not None else 0
            if version != planned.row_version:
                raise UserError(
                    f"{planned.ref} was changed by someone else after the preview; nothing was imported: preview again"
                )
            change = planned.change
            if any(v is not None for v in (change.status, change.owner, change.narrative, change.justification)) or (
                change.reviewed_on or change.next_review_on
            ):
                apply_change(session, ws.framework_id, app, profile, assessment, planned.ref, change, actor)
            for ref in planned.evidence:
                item, new = _evidence_item(session, ref, made, actor, stored)
                added += new
                linked += _link(session, ws.framework_id, item, planned.ref)
        memory = {"map": result.mapping, "words": dict(result.status_map)}
        if stored_tables.get_in(session, NAMESPACE, result.shape) != memory:  # no audit entry for the same
            stored_tables.put_in(session, NAMESPACE, result.shape, memory, actor=actor)
    return TrackerResult(len(result.planned), len(result.unchanged), len(result.rejected), added, linked)


def _store_files(ws: Workspace, result: TrackerPreview, cancel: Callable[[], bool] | None) -> dict[str, int]:
    """Copy each new file into the store before the transaction (a committed row always has its file)."""
    stored: dict[str, int] = {}
    for planned in result.planned:
        for ref in planned.evidence:
            if ref.kind != "file" or ref.item_id is not None or ref.sha256 in stored or ref.path is None:
                continue
            if cancel is not None and cancel():
                raise Cancelled(f"{result.file_name}: import cancelled; nothing was changed")
            check_free_text("file name", plain_file_name(ref.path.name))
            try:
                kept = ws.files.put(ref.path)
            except EvidenceFileError as exc:
                raise UserError(f"row {planned.row}: {exc}") from None
            if kept.sha256 != ref.sha256:
                raise UserError(
                    f"row {planned.row}: an evidence file changed after the preview; nothing imported: preview again"
                )
            stored[kept.sha256] = kept.size
    return stored


def _evidence_item(
    session: Session,
    ref: EvidenceRef,
    made: dict[tuple[str, str], EvidenceItem],
    actor: str,
    stored: dict[str, int],
) -> tuple[EvidenceItem, bool]:
    if ref.item_id is not None:
        item = session.get(EvidenceItem, ref.item_id)
        if item is None or item.superseded_by_id is not None or item.retired_at is not None:
            raise UserError(f"evidence E-{ref.item_id:03d} was changed after the preview: preview again")
        return item, False
    key = ("url", ref.url) if ref.kind == "url" else ("file", ref.sha256)
    if key in made:
        return made[key], False
    column = EvidenceItem.link_url if ref.kind == "url" else EvidenceItem.file_sha256
    existing = session.scalars(select(EvidenceItem).where(column == key[1], *CURRENT_EVIDENCE)).first()
    if existing is not None:  # stored meanwhile, or by an earlier row
        made[key] = existing
        return existing, False
    if ref.kind == "url":
        item = EvidenceItem(title=ref.url, link_url=ref.url, added_by=actor)
    else:
        path = ref.path or Path("evidence")
        item = EvidenceItem(
            title=plain_file_name(path.stem),
            file_sha256=ref.sha256,
            file_name=plain_file_name(path.name),
            file_size=stored.get(ref.sha256, ref.size),
            added_by=actor,
        )
    session.add(item)
    session.flush()
    made[key] = item
    return item, True


def _link(session: Session, framework_id: str, item: EvidenceItem, ref: str) -> int:
    exists = session.scalars(
        select(EvidenceLink.id).where(
            EvidenceLink.evidence_id == item.id,
            EvidenceLink.framework_id == framework_id,
            EvidenceLink.statement_ref == ref,
            EvidenceLink.suggestion_key == "",
        )
    ).first()
    if exists is not None:
        return 0
    session.add(EvidenceLink(evidence_id=item.id, framework_id=framework_id, statement_ref=ref, suggestion_key=""))
    return 1


def summary(result: TrackerPreview, done: TrackerResult | None = None, *, dry_run: bool = False) -> dict[str, Any]:
    """The JSON summary: ``rows``, ``imported``, ``unchanged``, ``rejected`` (each ``{row, reason}``) and
    what the preview found (columns, status words, warnings, the changes planned per row)."""
    return {
        "file": result.file_name,
        "sheet": result.sheet or None,
        "header_row": result.header_row,
        "dry_run": dry_run,
        "remembered_mapping": result.remembered,
        "columns": [
            {"column": c.header, "field": c.field, "use": c.use, "label": FIELD_LABELS.get(c.field or "")}
            for c in result.columns
        ],
        "missing": result.missing,
        "status_words": [{"word": w.shown, "rows": w.rows, "status": w.status, "use": w.use} for w in result.words],
        "rows": result.rows,
        "imported": done.imported if done else len(result.planned),
        "unchanged": len(result.unchanged),
        "rejected": [{"row": i.row, "reason": i.reason} for i in result.rejected],
        "warnings": [{"row": i.row, "reason": i.reason} for i in result.warnings],
        "blank_rows": result.blank_rows,
        "evidence_added": done.evidence_added if done else None,
        "links_added": done.links_added if done else None,
        "changes": [
            {
                "row": p.row,
                "ref": p.ref,
                "changes": list(p.changes),
                "details": list(p.details),
                "status": status_label(p.change.status) if p.change.status else None,
            }
            for p in result.planned
        ],
    }
