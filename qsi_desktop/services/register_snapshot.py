"""A register as dated evidence: its rows on a day, as a workbook stored as an evidence item linked to
the register's statements, so the evidence index and the bundle hold what the register said then.

Each snapshot supersedes the register's previous one (found by its document reference), so one is
current and the earlier ones stay as its history, as any new version of a document does.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from datetime import date
from pathlib import Path

from qsi_desktop.plugins.types import Register
from qsi_desktop.services import evidence, register_io, registers, stored_tables
from qsi_desktop.services.app import App
from qsi_desktop.services.applies import applicable_refs
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.records import EvidenceRecord
from qsi_desktop.store.workspace import Workspace


def document_ref(register: Register) -> str:
    return f"register:{register.id}"


def latest(ws: Workspace, register: Register) -> EvidenceRecord | None:
    """The register's current snapshot (not superseded, not retired), if any."""
    found = [e for e in evidence.list_evidence(ws) if e.document_ref == document_ref(register)]
    return found[-1] if found else None


def check(ws: Workspace, app: App, register: Register, as_of: date) -> list[str]:
    """The statements a snapshot of ``register`` as of ``as_of`` would support; refused (UserError) when it
    would be evidence for nothing (no statement applies, or no rows), or would replace a later snapshot."""
    refs = [ref for ref in register.statement_refs if ref in applicable_refs(ws, app)]
    if not refs:
        raise UserError(
            f"{register.title} supports no statement that applies to this service, so a snapshot would be "
            "evidence for nothing"
        )
    if not registers.list_rows(ws, register):
        raise UserError(f"{register.title} has no rows in use: a snapshot would be an empty table, not evidence")
    previous = latest(ws, register)
    if previous is not None and previous.approved_on is not None and as_of < previous.approved_on:
        raise UserError(
            f"{register.title}: the current snapshot is as of {previous.approved_on:%d/%m/%Y}; one as of "
            f"{as_of:%d/%m/%Y} would replace it with an older date"
        )
    return refs


MEMORY = "register-snapshots"  # stored_tables namespace: register id -> {"evidence": id, "rows": digest}


def rows_digest(ws: Workspace, register: Register) -> str:
    """What the register's rows in use say, as one hash: a snapshot of the same rows is the same evidence."""
    rows = [(row.key, row.values) for row in registers.list_rows(ws, register)]
    return hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def unchanged(ws: Workspace, register: Register, as_of: date) -> EvidenceRecord | None:
    """The current snapshot when it is already of ``as_of`` and the rows have not changed since (a second
    click, a script run twice): nothing new to store."""
    previous = latest(ws, register)
    memory = stored_tables.get(ws, MEMORY, register.id)
    if previous is None or previous.approved_on != as_of or not isinstance(memory, dict):
        return None
    same = memory.get("evidence") == previous.id and memory.get("rows") == rows_digest(ws, register)
    return previous if same else None


def snapshot(ws: Workspace, app: App, register: Register, *, as_of: date | None = None, actor: str) -> EvidenceRecord:
    """Store the register's rows in use as ``<title> <date>.xlsx``, evidence for its applicable statements
    (the current snapshot itself when it is of the same day and rows: see :func:`unchanged`)."""
    as_of = as_of or date.today()
    refs = check(ws, app, register, as_of)
    if (same := unchanged(ws, register, as_of)) is not None:
        return same
    previous = latest(ws, register)
    details = evidence.EvidenceDetails(
        title=f"{register.title} (register snapshot)",
        version=as_of.isoformat(),
        document_ref=document_ref(register),
        approved_on=as_of,
        targets=refs,
        supersedes=previous.id if previous else None,
    )
    with tempfile.TemporaryDirectory(prefix="qsi-register-") as folder:
        path = Path(folder) / f"{register.title} {as_of.isoformat()}.xlsx"
        register_io.export_xlsx(ws, register, path)
        item = evidence.add_file(ws, app, path, details, actor=actor)
    stored_tables.put(ws, MEMORY, register.id, {"evidence": item.id, "rows": rows_digest(ws, register)}, actor=actor)
    return item
