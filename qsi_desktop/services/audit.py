"""Reading the audit trail: who changed what and when, with the values before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from qsi_desktop.services.records import AuditRecord, audit_record
from qsi_desktop.store.models import AuditEntry
from qsi_desktop.store.workspace import Workspace


def list_audit(ws: Workspace, limit: int = 50) -> list[AuditRecord]:
    """The ``limit`` most recent entries, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    with ws.reading() as session:
        return [audit_record(entry) for entry in session.scalars(query)]


def audit_dict(entry: AuditRecord) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(timespec="seconds"),
        "actor": entry.actor,
        "action": entry.action,
        "entity": entry.entity,
        "id": entry.entity_id,
        "summary": entry.summary,
        "before": entry.before,
        "after": entry.after,
    }
