"""Reading the audit trail: who changed what and when, with the values before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from qsi_desktop.services.records import AuditRecord, audit_record
from qsi_desktop.store.models import AuditEntry
from qsi_desktop.store.workspace import Workspace


def list_audit(ws: Workspace, limit: int = 50) -> list[AuditRecord]:
    """The ``limit`` most recent entries, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    with ws.reading() as session:
        return [audit_record(entry) for entry in session.scalars(query)]


def latest_audit_id(ws: Workspace) -> int:
    """The id of the newest audit entry (0 for none): every saved change writes one."""
    with ws.reading() as session:
        return int(session.scalar(select(func.max(AuditEntry.id))) or 0)


def changes_elsewhere(ws: Workspace, after_id: int, limit: int = 200) -> tuple[int, list[AuditRecord]]:
    """Changes saved since audit entry ``after_id`` by anyone but this workspace handle (another window,
    a ``qsi`` command, a colleague): the newest id seen, and those entries, oldest first.

    Cheap enough to poll every few seconds: one indexed range read, usually empty."""
    query = select(AuditEntry).where(AuditEntry.id > after_id).order_by(AuditEntry.id).limit(limit)
    with ws.reading() as session:
        entries = list(session.scalars(query))
        latest = entries[-1].id if entries else after_id
        own = ws.own_changes(entry.id for entry in entries)
        return latest, [audit_record(entry) for entry in entries if entry.id not in own]


def audit_dict(entry: AuditRecord) -> dict[str, Any]:
    return {
        "audit_id": entry.id,
        "at": entry.at.isoformat(timespec="seconds"),
        "actor": entry.actor,
        "action": entry.action,
        "entity": entry.entity,
        "id": entry.entity_id,
        "summary": entry.summary,
        "before": entry.before,
        "after": entry.after,
    }
