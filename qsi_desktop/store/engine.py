"""Engines and sessions. SQLite gets its pragmas and real transactions in listeners; PostgreSQL its timeouts
and one write lock.

Python's sqlite3 driver opens a transaction only before data changes, so schema changes and the
reads of a unit of work would run outside it: a failed migration would be half applied and two
writers could overwrite each other unseen. The listeners below hand transaction control to
SQLAlchemy (the recipe in its SQLite dialect documentation): every transaction starts with an
explicit ``BEGIN``, and a write transaction with ``BEGIN IMMEDIATE`` so it takes the write lock
before it reads what it is about to change.

On PostgreSQL (team mode) a write transaction takes one transaction-scoped advisory lock first, so
writers queue exactly as they do on SQLite: what a unit of work reads cannot change under it, and
with a single lock no two writers can deadlock. ``lock_timeout`` bounds the wait (the same 10 s as
SQLite's busy timeout) and ``statement_timeout`` / ``idle_in_transaction_session_timeout`` make
sure nothing is left hanging on the server when a desktop dies mid-transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from qsi_desktop.store import access, audit

BUSY_TIMEOUT_MS = 10_000
WRITE_OPTION = "qsi_write"  # execution option marking a connection that will write
# PostgreSQL: one advisory lock key for "writing to this workspace" (advisory locks are per database).
WRITE_LOCK_KEY = 0x515349  # "QSI"
PG_TIMEOUTS = {
    "lock_timeout": BUSY_TIMEOUT_MS,
    "statement_timeout": 300_000,  # a single statement; an import is many short ones
    "idle_in_transaction_session_timeout": 120_000,  # a desktop that died holding a transaction
}
CONNECT_TIMEOUT_S = 10


def make_engine(url: str | URL, *, password: str | None = None) -> Engine:
    # hide_parameters: SQL errors must never echo user text or imported data into messages or logs.
    if str(url).startswith("postgresql"):
        options = " ".join(f"-c {name}={value}" for name, value in PG_TIMEOUTS.items())
        connect_args: dict[str, Any] = {
            "options": options,
            "connect_timeout": CONNECT_TIMEOUT_S,
            "application_name": "qsi-desktop",
        }
        if password is not None:  # from the OS keyring; libpq reads PGPASSWORD and .pgpass itself
            connect_args["password"] = password
        engine = create_engine(url, hide_parameters=True, pool_pre_ping=True, connect_args=connect_args)
        event.listen(engine, "begin", _postgresql_begin)
        return engine
    engine = create_engine(url, hide_parameters=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _postgresql_begin(connection: Connection) -> None:
    if connection.get_execution_options().get(WRITE_OPTION, False):
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")


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
access.install(AuditedSession)  # the role check of team workspaces, before the audit trail is written


def make_sessionmaker(engine: Engine) -> sessionmaker[AuditedSession]:
    return sessionmaker(engine, class_=AuditedSession, expire_on_commit=False)
