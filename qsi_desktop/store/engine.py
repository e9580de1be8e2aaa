"""Engines and sessions. SQLite gets its pragmas and real transactions in listeners; PostgreSQL needs neither.

Python's sqlite3 driver opens a transaction only before data changes, so schema changes and the
reads of a unit of work would run outside it: a failed migration would be half applied and two
writers could overwrite each other unseen. The listeners below hand transaction control to
SQLAlchemy (the recipe in its SQLite dialect documentation): every transaction starts with an
explicit ``BEGIN``, and a write transaction with ``BEGIN IMMEDIATE`` so it takes the write lock
before it reads what it is about to change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from qsi_desktop.store import audit

BUSY_TIMEOUT_MS = 10_000
WRITE_OPTION = "qsi_write"  # execution option marking a connection that will write


def make_engine(url: str) -> Engine:
    # hide_parameters: SQL errors must never echo user text or imported data into messages or logs.
    engine = create_engine(url, hide_parameters=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


PAGE_CACHE_KIB = 32 * 1024


def _sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver's own transaction handling off: see above
    # WAL lets the GUI read while a worker writes; foreign keys are off by default in SQLite;
    # the busy timeout makes a second writer wait instead of failing at once.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # A 32 MiB page cache (2 MiB by default): an import of 100,000 rows inserts into indexes of
        # random keys, and with the small cache most of its time went on spilling pages.
        cursor.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
    finally:
        cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    write = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class AuditedSession(Session):
    """Session class whose flushes write the audit trail."""


audit.install(AuditedSession)


def make_sessionmaker(engine: Engine) -> sessionmaker[AuditedSession]:
    return sessionmaker(engine, class_=AuditedSession, expire_on_commit=False)
