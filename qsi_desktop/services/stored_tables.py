"""Small documents a user keeps in the workspace (a DRL table, an exam-type mapping), by namespace and key.

Each is JSON, saved whole in one audited transaction; a concurrent save fails instead of being lost.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qsi_desktop.services.errors import UserError
from qsi_desktop.store.models import StoredTable
from qsi_desktop.store.workspace import Workspace

MAX_BYTES = 2_000_000  # a table, not a data store: imported records belong to importers


def get(ws: Workspace, namespace: str, key: str, default: Any = None) -> Any:
    with ws.reading() as session:
        row = session.scalars(
            select(StoredTable).where(StoredTable.namespace == namespace, StoredTable.key == key)
        ).first()
        return row.value if row is not None else default


def keys(ws: Workspace, namespace: str) -> list[str]:
    with ws.reading() as session:
        return list(
            session.scalars(select(StoredTable.key).where(StoredTable.namespace == namespace).order_by(StoredTable.key))
        )


def put(ws: Workspace, namespace: str, key: str, value: Any, *, actor: str) -> None:
    """Save ``value`` (JSON) under ``namespace``/``key``, replacing what was there; ``None`` deletes it."""
    with ws.transaction(actor) as session:
        put_in(session, namespace, key, value, actor=actor)


def put_in(session: Session, namespace: str, key: str, value: Any, *, actor: str) -> None:
    """:func:`put` inside a transaction the caller holds (saved with the rest of its work)."""
    if value is not None and len(json.dumps(value)) > MAX_BYTES:
        raise UserError(f"{namespace} {key}: too large to keep as a table ({MAX_BYTES // 1_000_000} MB at most)")
    row = session.scalars(select(StoredTable).where(StoredTable.namespace == namespace, StoredTable.key == key)).first()
    if value is None:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        session.add(StoredTable(namespace=namespace, key=key, value=value, updated_by=actor))
    else:
        row.value = value
        row.updated_by = actor


def get_in(session: Session, namespace: str, key: str, default: Any = None) -> Any:
    """:func:`get` inside a transaction the caller holds (what it reads cannot change under it)."""
    row = session.scalars(select(StoredTable).where(StoredTable.namespace == namespace, StoredTable.key == key)).first()
    return row.value if row is not None else default
