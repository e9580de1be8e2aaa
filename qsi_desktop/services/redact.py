"""Redaction: text that held personal data taken out of the audit trail and the backups.

The audit trail keeps every value a field ever had, so text a user removed because it named a patient
stays in the entry that added it and in the before-value of the entry that removed it; each backup
copy holds it too, and SQLite keeps deleted text in free pages and in its WAL file until they are
reused. A redaction names one audit entry and one field. The text that field had in that entry is
replaced, wherever that entity's trail holds it (before and after values, summaries), by a note saying
who redacted it and when; the redaction is an audit entry itself (naming the field, never the text).
Then the database is vacuumed and its WAL truncated, and every backup copy that holds the text gets
the same replacement (live row included: a backup may predate the removal), is vacuumed and keeps its
name and time stamp.

Only a quality lead may redact: :func:`require_quality_lead` is the hook team mode's roles fill in.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select, text

from qsi_desktop.privacy import find_identifier_kinds, find_nhs_numbers
from qsi_desktop.services.errors import UserError
from qsi_desktop.store.access import QUALITY_LEAD, PermissionRefused
from qsi_desktop.store.models import AuditEntry
from qsi_desktop.store.types import utcnow
from qsi_desktop.store.workspace import Workspace

_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_BOOKKEEPING = frozenset({"id", "version_id", "updated_at", "updated_by", "created_at"})


@dataclass(frozen=True)
class RedactResult:
    audit_id: int
    entity: str
    entity_id: str
    field: str
    entries: tuple[int, ...]  # audit entries whose text was replaced
    backups: tuple[str, ...]  # backup files rewritten (names)
    note: str


def require_quality_lead(ws: Workspace, actor: str) -> None:
    """Redaction is for a quality lead only (with no users defined, whoever may open the workspace).

    Early and in plain words: the audit entries it changes are quality-lead-only rows for the role check
    at the flush as well, and on a server only the quality lead role may update the audit trail."""
    access = ws.access
    if access.restricted and access.role != QUALITY_LEAD:
        raise PermissionRefused(f"{access.login} may not redact the audit trail: that needs the quality lead role")


def redactable_fields(ws: Workspace, audit_id: int) -> list[str]:
    """The text fields an audit entry recorded (before or after), which :func:`redact` can take out."""
    with ws.reading() as session:
        entry = _entry(session, audit_id)
        return _text_fields(entry.before, entry.after)


def redact(ws: Workspace, audit_id: int, *, actor: str, field: str | None = None) -> RedactResult:
    require_quality_lead(ws, actor)
    note = f"[redacted by {actor} on {utcnow():%Y-%m-%d %H:%M} UTC]"
    with ws.transaction(actor) as session:
        entry = _entry(session, audit_id)
        field = _choose_field(entry, field)
        live = _live_text(session, entry.entity, entry.entity_id, field)
        secrets = _secret(entry, field, live)
        if not secrets or (live and any(secret in live for secret in secrets)):
            raise UserError(
                f"{entry.entity} {entry.entity_id} still holds this text in {field}: change it first (the change "
                "is audited), then redact the history"
            )
        changed = []
        query = select(AuditEntry).where(AuditEntry.entity == entry.entity, AuditEntry.entity_id == entry.entity_id)
        for other in session.scalars(query):
            before, after = (_redacted(doc, field, secrets, note) for doc in (other.before, other.after))
            summary = _redacted_text(other.summary, secrets, note)
            if (before, after, summary) != (other.before, other.after, other.summary):
                other.before, other.after, other.summary = before, after, summary
                changed.append(other.id)
        session.add(
            AuditEntry(
                actor=actor,
                action="redact",
                entity=AuditEntry.__tablename__,
                entity_id=str(audit_id),
                summary=f"redacted the {field} text of {entry.entity} {entry.entity_id} in {len(changed)} entries",
                after={"field": field, "entries": changed},
            )
        )
        entity, entity_id = entry.entity, entry.entity_id
    backups: list[str] = []
    if ws.engine.dialect.name == "sqlite":
        ws.engine.dispose()  # no pooled connection may hold the WAL open while it is truncated
        _compact(ws.database_path)
        for backup in sorted((ws.path / "backups").glob("*.sqlite3")):
            if _redact_backup(backup, entity, entity_id, field, secrets, note):
                backups.append(backup.name)
    return RedactResult(audit_id, entity, entity_id, field, tuple(changed), tuple(backups), note)


# -- choosing what to redact ----------------------------------------------------------------------------


def _entry(session: Any, audit_id: int) -> AuditEntry:
    entry = session.get(AuditEntry, audit_id)
    if entry is None:
        raise UserError(f"no audit entry {audit_id}; 'qsi audit' lists them with their numbers")
    if entry.action == "redact":
        raise UserError(f"audit entry {audit_id} records a redaction: it holds no text to redact")
    return entry


def _text_fields(*docs: dict[str, Any] | None) -> list[str]:
    names = {k for doc in docs if doc for k, v in doc.items() if isinstance(v, str) and v and k not in _BOOKKEEPING}
    return sorted(names)


def _choose_field(entry: AuditEntry, field: str | None) -> str:
    fields = _text_fields(entry.before, entry.after)
    if field is None:
        if len(fields) == 1:
            return fields[0]
        if not fields:
            raise UserError(f"audit entry {entry.id} holds no text to redact")
        raise UserError(
            f"audit entry {entry.id} recorded several text fields ({', '.join(fields)}): name one with --field"
        )
    if field not in fields:
        have = ", ".join(fields) or "none"
        raise UserError(f"audit entry {entry.id} recorded no text in {field!r}; its text fields: {have}")
    return field


def _secret(entry: AuditEntry, field: str, live: str | None) -> set[str]:
    """The text to redact: what the entry wrote (its after-value), unless the record still holds that,
    in which case the entry is the one that removed the text and its before-value is meant. An update's
    other value is someone's ordinary text and stays."""
    wrote = entry.after.get(field) if entry.after else None
    if isinstance(wrote, str) and wrote and wrote == live and (find_nhs_numbers(wrote) or find_identifier_kinds(wrote)):
        # The entry wrote text the record still holds, and that text looks like the personal data: the
        # entry added it (not removed it), so its before-value is someone's ordinary text: refuse.
        return {wrote}
    for doc in (entry.after, entry.before):
        value = doc.get(field) if doc else None
        if isinstance(value, str) and value and value != live:
            return {value}
    return set()


def _live_text(session: Any, entity: str, entity_id: str, field: str) -> str | None:
    """The text the audited record holds in ``field`` now (None: no such record, field or text)."""
    if not (_NAME.fullmatch(entity) and _NAME.fullmatch(field) and entity_id.isdigit()):
        return None
    inspector = sa_inspect(session.connection())
    if entity not in inspector.get_table_names():
        return None
    if field not in {c["name"] for c in inspector.get_columns(entity)}:
        return None
    query = text(f"SELECT {field} FROM {entity} WHERE id = :id")  # names checked against the schema above
    current = session.execute(query, {"id": int(entity_id)}).scalar()
    return current if isinstance(current, str) else None


# -- replacing the text -----------------------------------------------------------------------------------


def _redacted(doc: dict[str, Any] | None, field: str, secrets: set[str], note: str) -> dict[str, Any] | None:
    if not doc or not isinstance(doc.get(field), str) or not any(s in doc[field] for s in secrets):
        return doc
    return {**doc, field: note}


def _redacted_text(text: str, secrets: Iterable[str], note: str) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        if secret and secret in (text or ""):
            text = text.replace(secret, note)
    return text


# -- SQLite: free pages, the WAL, the backups -----------------------------------------------------------


def _compact(database: Path) -> None:
    """VACUUM (the old text leaves the free pages) and truncate the WAL (it leaves the log)."""
    connection = sqlite3.connect(database, timeout=10, isolation_level=None)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("VACUUM")
        busy, _log, _done = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.OperationalError as exc:
        raise UserError(
            f"{database}: the audit trail is redacted, but the database could not be compacted ({exc}); close "
            "other QSI Desktop windows and run the redaction again"
        ) from exc
    finally:
        connection.close()
    if busy:
        raise UserError(
            f"{database}: the audit trail is redacted, but another program still reads the old log; close other "
            "QSI Desktop windows and run the redaction again"
        )


def _redact_backup(path: Path, entity: str, entity_id: str, field: str, secrets: set[str], note: str) -> bool:
    """The same redaction in one backup copy (its audit rows and the live row); True if it held the text.
    The file keeps its name and its time stamp: backups are found and rotated by them."""
    stamp = path.stat()
    try:
        connection = sqlite3.connect(path, timeout=10, isolation_level=None)
    except sqlite3.Error:
        return False
    changed = False
    try:
        connection.execute("BEGIN IMMEDIATE")
        rows = connection.execute(
            "SELECT id, summary, before, after FROM audit_log WHERE entity = ? AND entity_id = ?", (entity, entity_id)
        ).fetchall()
        for row_id, summary, before_text, after_text in rows:
            before, after = (_redacted(_load(t), field, secrets, note) for t in (before_text, after_text))
            new_summary = _redacted_text(summary, secrets, note)
            if (before, after, new_summary) != (_load(before_text), _load(after_text), summary):
                connection.execute(
                    "UPDATE audit_log SET summary = ?, before = ?, after = ? WHERE id = ?",
                    (new_summary, _dump(before), _dump(after), row_id),
                )
                changed = True
        changed |= _redact_live_row(connection, entity, entity_id, field, secrets, note)
        connection.execute("COMMIT")
        if changed:
            connection.execute("VACUUM")
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error:
        connection.close()
        return False  # not a workspace copy we can read (damaged, another schema): left as it is
    connection.close()
    os.utime(path, (stamp.st_atime, stamp.st_mtime))
    return changed


def _redact_live_row(
    connection: sqlite3.Connection, entity: str, entity_id: str, field: str, secrets: set[str], note: str
) -> bool:
    if not (_NAME.fullmatch(entity) and _NAME.fullmatch(field) and entity_id.isdigit()):
        return False
    columns = {row[1] for row in connection.execute(f"PRAGMA table_info({entity})")}
    if field not in columns:
        return False
    value = connection.execute(f"SELECT {field} FROM {entity} WHERE id = ?", (int(entity_id),)).fetchone()
    if value is None or not isinstance(value[0], str):
        return False
    redacted = _redacted_text(value[0], secrets, note)
    if redacted == value[0]:
        return False
    connection.execute(f"UPDATE {entity} SET {field} = ? WHERE id = ?", (redacted, int(entity_id)))
    return True


def _load(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    value = json.loads(text) if isinstance(text, str) else text
    return value if isinstance(value, dict) else None


def _dump(doc: dict[str, Any] | None) -> str | None:
    return None if doc is None else json.dumps(doc, ensure_ascii=False)
