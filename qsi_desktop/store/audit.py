"""The audit trail: every insert, update and delete of an audited model is logged automatically.

A ``after_flush`` listener reads each changed object's attribute history and writes an
``audit_log`` row with the values before and after, in the same transaction as the change, so
no change can land without its audit entry. The actor comes from ``session.info["actor"]``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from qsi_desktop.store.models import (
    Action,
    Assessment,
    AuditEntry,
    ChecklistResponse,
    EvidenceItem,
    EvidenceLink,
    ImportRun,
    RegisterRow,
    ServiceProfile,
    StoredTable,
)
from qsi_desktop.store.types import utcnow

AUDITED = (
    ServiceProfile,
    Assessment,
    EvidenceItem,
    EvidenceLink,
    Action,
    ChecklistResponse,
    ImportRun,
    StoredTable,
    RegisterRow,
)
OWN_IDS = "audit_ids"  # session.info key: ids of the audit rows the session wrote
NOTE = "audit_note"  # session.info key: a note added to the summary of each entry (why a change was made)
# Bookkeeping columns that change on every update and would only add noise to the trail.
_IGNORED = frozenset({"updated_at", "updated_by", "version_id"})


def install(session_class: type[Session]) -> None:
    """Attach the audit listener to a session class (a sessionmaker's class_)."""
    if not event.contains(session_class, "after_flush", _after_flush):
        event.listen(session_class, "after_flush", _after_flush)


def _after_flush(session: Session, flush_context: Any) -> None:
    actor = str(session.info.get("actor") or "unknown")
    rows: list[dict[str, Any]] = []
    for action, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if isinstance(obj, AUDITED):
                row = _entry(obj, action, actor)
                if row is not None:
                    if session.info.get(NOTE):
                        row["summary"] += f" ({session.info[NOTE]})"
                    rows.append(row)
    if rows:
        table = AuditEntry.__table__
        written = session.connection().execute(insert(table).returning(table.c.id), rows)
        # The ids this session wrote: the workspace tells its own changes from other people's by them.
        session.info.setdefault(OWN_IDS, []).extend(written.scalars())


def _entry(obj: Any, action: str, actor: str) -> dict[str, Any] | None:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for column in state.mapper.column_attrs:
        key = column.key
        if key in _IGNORED:
            continue
        history = state.attrs[key].history
        if action == "create":
            after[key] = _plain(getattr(obj, key))
        elif action == "delete":
            before[key] = _plain(
                history.unchanged[0] if history.unchanged else history.deleted[0] if history.deleted else None
            )
        elif history.has_changes():
            before[key] = _plain(history.deleted[0] if history.deleted else None)
            after[key] = _plain(history.added[0] if history.added else None)
    if action == "update" and not after:
        return None
    entity = state.mapper.local_table.name
    identity = state.identity or (getattr(obj, "id", None),)
    return {
        "at": utcnow(),
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": ",".join(str(part) for part in identity),
        "summary": _summary(obj, action),
        "before": before or None,
        "after": after or None,
    }


def _summary(obj: Any, action: str) -> str:
    label = (
        getattr(obj, "statement_ref", None)
        or getattr(obj, "title", None)
        or getattr(obj, "name", None)
        or getattr(obj, "register_id", None)
    )
    name = type(obj).__name__
    return f"{action} {name} {label}" if label else f"{action} {name}"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
