"""Move a workspace's database to a PostgreSQL server (team mode) and back to SQLite, losing nothing.

The order keeps every step safe to interrupt: the new database is filled and compared row by row
in one transaction (:mod:`qsi_desktop.store.transfer`) while the old one is held by its write lock;
every evidence item's file is checked against its hash before and after; the old database is kept
(a SQLite file is copied into ``backups/``; a server database is left as it was); the marker,
which says which database the folder uses, is switched only at the very end.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from qsi_desktop.services.errors import UserError
from qsi_desktop.store import migrate, pg_roles
from qsi_desktop.store.access import QUALITY_LEAD, PermissionRefused
from qsi_desktop.store.engine import make_engine
from qsi_desktop.store.models import EvidenceItem
from qsi_desktop.store.server import ServerAddress
from qsi_desktop.store.transfer import TransferError, copy_database
from qsi_desktop.store.workspace import (
    DATABASE_NAME,
    Workspace,
    WorkspaceError,
    backup_database,
    describe_database_error,
    profile_modalities,
    refuse_used_database,
    server_engine,
    sqlite_url,
    write_marker,
)

Progress = Callable[[int, int, str], None]


@dataclass
class MoveReport:
    source: str
    target: str
    rows: dict[str, int] = field(default_factory=dict)
    evidence_checked: int = 0
    backup: str = ""  # where the old database is kept

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def migrate_to(ws: Workspace, target: str, *, on_progress: Progress | None = None) -> MoveReport:
    """Move ``ws`` (closed on return) to ``target``: a PostgreSQL address, or "sqlite"."""
    if ws.access.restricted and ws.access.role != QUALITY_LEAD:
        raise PermissionRefused(f"{ws.access.login} may not move the workspace: that needs the quality lead role")
    before = _evidence(ws.engine)
    problems = [f"evidence #{i}: {p}" for i, sha in before.items() if sha and (p := ws.files.verify(sha))]
    if problems:
        raise UserError(f"{ws.path}: fix the evidence files first ('qsi verify'): {problems[0]}")
    try:
        if target.strip().lower() == "sqlite":
            report = _to_sqlite(ws, on_progress)
        else:
            report = _to_server(ws, target, on_progress)
    except TransferError as exc:
        raise WorkspaceError(f"{ws.path}: the copy was not identical, nothing was changed ({exc})") from exc
    except SQLAlchemyError as exc:
        raise WorkspaceError(describe_database_error(exc, ws.path)) from exc
    finally:
        ws.close()
    # The files stay in the folder; the moved database must name the same files, each still whole.
    with Workspace.open(ws.path) as moved:
        after = _evidence(moved.engine)
        if after != before:
            raise WorkspaceError(f"{ws.path}: the evidence items differ after the move; restore {report.backup}")
        for item, sha in after.items():
            if sha and (problem := moved.files.verify(sha)):
                raise WorkspaceError(f"{ws.path}: evidence #{item} {problem}")
        report.evidence_checked = sum(1 for sha in after.values() if sha)
    return report


def _evidence(engine: Engine) -> dict[int, str | None]:
    with engine.connect() as connection:
        return {row[0]: row[1] for row in connection.execute(select(EvidenceItem.id, EvidenceItem.file_sha256))}


def _to_server(ws: Workspace, address_text: str, on_progress: Progress | None) -> MoveReport:
    if ws.is_team:
        raise UserError(
            f"{ws.path}: already a team workspace on {ws.location}; 'qsi migrate-to PATH sqlite' moves it back"
        )
    server, user = ServerAddress.parse(address_text)
    target = server_engine(ws.path, server, user)
    try:
        refuse_used_database(target, ws.path, server)
        modalities = profile_modalities(ws.engine)
        migrate.upgrade(target, after=lambda connection: pg_roles.set_up(connection, modalities))
        database = ws.path / DATABASE_NAME
        report = MoveReport(str(database), server.label())

        def switch(_: object) -> None:
            # Still inside the copy's transaction and the SQLite write lock: keep the old file, then
            # switch the marker; if anything fails before this returns, the server copy is rolled back.
            report.backup = str(backup_database(database, ws.path / "backups", label="before-migrate-to-postgresql"))
            write_marker(ws.path, server)

        report.rows = copy_database(ws.engine, target, before_commit=switch, on_progress=on_progress)
    finally:
        target.dispose()
    ws.engine.dispose()
    for suffix in ("", "-wal", "-shm"):  # kept in backups/; left here it would only mislead
        with contextlib.suppress(OSError):
            Path(f"{database}{suffix}").unlink()
    return report


def _to_sqlite(ws: Workspace, on_progress: Progress | None) -> MoveReport:
    if not ws.is_team:
        raise UserError(f"{ws.path}: already uses SQLite")
    assert ws.server is not None
    database = ws.path / DATABASE_NAME
    incoming = ws.path / f"{DATABASE_NAME}.incoming"
    incoming.unlink(missing_ok=True)
    target = make_engine(sqlite_url(incoming))
    report = MoveReport(ws.server.label(), str(database), backup=f"the database {ws.server.label()} (left as it was)")
    try:
        migrate.upgrade(target)
        report.rows = copy_database(ws.engine, target, on_progress=on_progress)
    except BaseException:
        target.dispose()
        incoming.unlink(missing_ok=True)
        raise
    target.dispose()
    if database.exists():  # a file left from before the move to the server: kept, out of the way
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        shutil.move(database, ws.path / "backups" / f"{database.stem}-{stamp}-before-migrate-to-sqlite.sqlite3")
    incoming.replace(database)
    write_marker(ws.path)
    return report
