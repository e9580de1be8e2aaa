"""Engines and sessions. SQLite gets its pragmas in a ``connect`` listener; PostgreSQL needs none."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from qsi_desktop.store import audit

BUSY_TIMEOUT_MS = 10_000


def make_engine(url: str) -> Engine:
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # WAL lets the GUI read while a worker writes; foreign keys are off by default in SQLite;
    # the busy timeout makes a second writer wait instead of failing at once.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


class AuditedSession(Session):
    """Session class whose flushes write the audit trail."""


audit.install(AuditedSession)


def make_sessionmaker(engine: Engine) -> sessionmaker[AuditedSession]:
    return sessionmaker(engine, class_=AuditedSession, expire_on_commit=False)
