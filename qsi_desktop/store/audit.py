"""The audit trail: every insert, update and delete of an audited model is logged automatically.

A ``after_flush`` listener reads each changed object's attribute history and writes an
``audit_log`` row with the values before and after, in the same transaction as the change, so
no change can land without its audit entry. The actor comes from ``session.info["actor"]``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
                    rows.append(row)
    _write(session, rows)


def record_created(session: Session, model: type[Any], rows: Sequence[Mapping[str, Any]]) -> None:
    """Audit rows of ``model`` inserted without a flush (:mod:`qsi_desktop.store.bulk`): the entries the
    listener writes for new objects. ``rows``: every column's value, the id included."""
    actor = str(session.info.get("actor") or "unknown")
    mapper = inspect(model)
    keys = [column.key for column in mapper.column_attrs if column.key not in _IGNORED]
    entity, name, at = mapper.local_table.name, model.__name__, utcnow()
    _write(
        session,
        [
            {
                "at": at,
                "actor": actor,
                "action": "create",
                "entity": entity,
                "entity_id": str(row["id"]),
                "summary": _summary(name, row.get, "create"),
                "before": None,
                "after": {key: _plain(row[key]) for key in keys} or None,
            }
            for row in rows
        ],
    )


def record_updated(
    session: Session, model: type[Any], changes: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]
) -> None:
    """Audit rows of ``model`` updated without a flush (:mod:`qsi_desktop.store.bulk`): the entries the
    listener writes for changed objects. ``changes``: (the row before, with its id; the new values)."""
    actor = str(session.info.get("actor") or "unknown")
    mapper = inspect(model)
    keys = [column.key for column in mapper.column_attrs if column.key not in _IGNORED]
    entity, name, at = mapper.local_table.name, model.__name__, utcnow()
    rows = []
    for old, new in changes:
        changed = [key for key in keys if key in new and new[key] != old.get(key)]
        if changed:
            rows.append(
                {
                    "at": at,
                    "actor": actor,
                    "action": "update",
                    "entity": entity,
                    "entity_id": str(old["id"]),
                    "summary": _summary(name, lambda key, old=old, new=new: new.get(key, old.get(key)), "update"),
                    "before": {key: _plain(old.get(key)) for key in changed},
                    "after": {key: _plain(new[key]) for key in changed},
                }
            )
    _write(session, rows)


def _write(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if session.info.get(NOTE):
        for row in rows:
            row["summary"] += f" ({session.info[NOTE]})"
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
        if action == "create":
            after[key] = _plain(getattr(obj, key))
            continue
        history = state.attrs[key].history
        if action == "delete":
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
        "summary": _summary(type(obj).__name__, lambda key: getattr(obj, key, None), action),
        "before": before or None,
        "after": after or None,
    }


def _summary(name: str, value: Callable[[str], Any], action: str) -> str:
    """The entry's summary, as "create EvidenceItem Policy v3" (``value``: the row's values by key)."""
    label = value("statement_ref") or value("title") or value("name") or value("register_id")
    return f"{action} {name} {label}" if label else f"{action} {name}"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
