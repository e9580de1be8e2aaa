"""A workspace is a folder: a marker file, a SQLite database, the evidence store and backups.

    MyService/
      qsi-workspace.json      marks the folder as a workspace (format version, database file)
      workspace.sqlite3       the database (WAL mode: -wal and -shm files appear beside it)
      evidence/sha256/..      evidence files, content-addressed and write-once
      backups/                database copies taken before each migration

Opening a workspace migrates its database to this version's schema after a backup copy, and
refuses a database written by a newer version.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from qsi_desktop.errors import QsiError
from qsi_desktop.store import audit, migrate
from qsi_desktop.store.engine import WRITE_OPTION, AuditedSession, make_engine, make_sessionmaker
from qsi_desktop.store.evidence_files import EvidenceFileStore
from qsi_desktop.store.models import ServiceProfile, Setting

log = logging.getLogger(__name__)

MARKER_NAME = "qsi-workspace.json"
DATABASE_NAME = "workspace.sqlite3"
MARKER_FORMAT = 1
BACKUPS_KEPT = 10  # of each kind: daily copies, and copies taken before a migration
_SQLITE_HEADER = b"SQLite format 3\x00"


class WorkspaceError(QsiError):
    """A workspace cannot be created or opened; the message says what and where."""


@dataclass(frozen=True)
class NewProfile:
    name: str
    organisation: str = ""
    sites: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    # What the service does, by scope id ({"paediatric": False}: no paediatric imaging); a scope not
    # given counts as provided.
    scopes: Mapping[str, bool] = field(default_factory=dict)


class Workspace:
    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self.engine = engine
        self._sessions = make_sessionmaker(engine)
        self.files = EvidenceFileStore(path / "evidence")
        # Audit ids of the changes committed through this handle: anything else was saved elsewhere
        # (another window, a qsi command, a colleague). Written by worker threads, read by the GUI's.
        self._own_audit_ids: set[int] = set()
        self._own_lock = threading.Lock()
        with self._sessions() as session:
            settings = {row.key: row.value for row in session.scalars(select(Setting))}
        try:
            self.workspace_id = settings["workspace_id"]
            self.secret = bytes.fromhex(settings["secret"])
            self.framework_id = settings["framework_id"]
        except (KeyError, ValueError) as exc:
            engine.dispose()
            raise WorkspaceError(f"{path}: the workspace settings are incomplete ({exc}); restore a backup") from exc

    # -- life cycle ------------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path | str, profile: NewProfile, *, framework_id: str, actor: str) -> Workspace:
        path = Path(path).expanduser().absolute()
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise WorkspaceError(f"{path}: already exists and is not an empty folder; choose a new folder")
        created = not path.exists()
        engine: Engine | None = None
        try:
            path.mkdir(parents=True, exist_ok=True)
            (path / "evidence").mkdir()
            (path / "backups").mkdir()
            engine = make_engine(_sqlite_url(path / DATABASE_NAME))
            migrate.upgrade(engine)
            sessions = make_sessionmaker(engine)
            with sessions.begin() as session:
                session.info["actor"] = actor
                session.add_all(
                    [
                        Setting(key="workspace_id", value=str(uuid.uuid4())),
                        Setting(key="secret", value=secrets.token_hex(32)),
                        Setting(key="framework_id", value=framework_id),
                        Setting(key="created_at", value=datetime.now(UTC).isoformat(timespec="seconds")),
                    ]
                )
                session.add(
                    ServiceProfile(
                        name=profile.name,
                        organisation=profile.organisation,
                        sites=list(profile.sites),
                        modalities=sorted(set(profile.modalities)),
                        scope_flags=dict(profile.scopes),
                    )
                )
            _write_marker(path)  # last: a folder without the marker is never mistaken for a workspace
        except BaseException as exc:
            if engine is not None:
                engine.dispose()
            if created:
                shutil.rmtree(path, ignore_errors=True)
            elif path.is_dir():
                for child in path.iterdir():
                    shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise WorkspaceError(
                    f"{exc.filename or path}: cannot create the workspace ({exc.strerror or exc})"
                ) from exc
            if isinstance(exc, SQLAlchemyError):
                raise WorkspaceError(describe_database_error(exc, path)) from exc
            raise
        return cls(path, engine)

    @classmethod
    def open(cls, path: Path | str) -> Workspace:
        path = Path(path).expanduser().absolute()
        if not path.is_dir():
            raise WorkspaceError(f"{path}: no such folder")
        marker = path / MARKER_NAME
        if not marker.is_file():
            raise WorkspaceError(f"{path}: not a QSI workspace (no {MARKER_NAME}); create one with 'qsi init'")
        try:
            meta = json.loads(marker.read_text(encoding="utf-8"))
            fmt = int(meta["format"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise WorkspaceError(f"{marker}: unreadable workspace marker ({exc})") from exc
        if fmt > MARKER_FORMAT:
            raise WorkspaceError(f"{path}: made by a newer version of QSI Desktop (format {fmt}); update QSI Desktop")
        database = path / DATABASE_NAME
        _check_sqlite_file(database)
        engine = make_engine(_sqlite_url(database))
        try:
            current, head = migrate.needs_upgrade(engine)
            if current != head:
                if current is not None:
                    backup_database(database, path / "backups", label=f"before-{head}")
                migrate.upgrade(engine)
            workspace = cls(path, engine)
            _daily_backup(database, path / "backups")
            if removed := workspace.files.clean_incoming():
                log.info("%s: removed %d unfinished evidence copy(ies) left by a stopped process", path, removed)
            return workspace
        except migrate.NewerDatabaseError as exc:
            engine.dispose()
            raise WorkspaceError(f"{database}: {exc}") from exc
        except SQLAlchemyError as exc:
            engine.dispose()
            raise WorkspaceError(describe_database_error(exc, path)) from exc

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sessions --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self, actor: str) -> Iterator[AuditedSession]:
        """One unit of work: committed on success, rolled back on any error, audited as ``actor``.

        It takes the write lock before its first read (SQLite ``BEGIN IMMEDIATE``), so what it
        reads cannot change under it. Database errors become a one-line :class:`WorkspaceError`.
        """
        try:
            with self._sessions.begin() as session:
                session.connection(execution_options={WRITE_OPTION: True})
                session.info["actor"] = actor
                yield session
        except (SQLAlchemyError, StaleDataError) as exc:
            raise WorkspaceError(describe_database_error(exc, self.path)) from exc
        with self._own_lock:
            self._own_audit_ids.update(session.info.get(audit.OWN_IDS, ()))

    def own_changes(self, audit_ids: Iterable[int]) -> set[int]:
        """Which of ``audit_ids`` were written through this handle (committed by its transactions)."""
        with self._own_lock:
            return self._own_audit_ids.intersection(audit_ids)

    @contextlib.contextmanager
    def reading(self) -> Iterator[AuditedSession]:
        try:
            with self._sessions() as session:
                yield session
        except SQLAlchemyError as exc:
            raise WorkspaceError(describe_database_error(exc, self.path)) from exc

    @property
    def database_path(self) -> Path:
        return Path(self.engine.url.database or "")


def describe_database_error(exc: BaseException, workspace: Path) -> str:
    """One line a user can act on, naming the workspace; never the SQL's parameters."""
    if isinstance(exc, StaleDataError):
        return f"{workspace}: this record was changed by someone else meanwhile; reload and try again"
    if isinstance(exc, IntegrityError):
        return f"{workspace}: the change clashes with one saved at the same time by someone else; try again"
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    lowered = reason.lower()
    if "readonly" in lowered or "read-only" in lowered or "permission" in lowered:
        return (
            f"{workspace}: the workspace is read-only for you ({reason}); ask for write access, or copy "
            "the folder somewhere you can write"
        )
    if "locked" in lowered or "busy" in lowered:
        return (
            f"{workspace}: the workspace is busy: another QSI Desktop or qsi command is saving to it; "
            "try again in a moment"
        )
    if "unable to open" in lowered:
        return f"{workspace}: the database cannot be opened ({reason}); check the folder's permissions"
    if "disk" in lowered and ("full" in lowered or "i/o" in lowered):
        return f"{workspace}: could not write to the disk ({reason}); free some space and try again"
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return (
            f"{workspace}: the database is damaged ({reason}); restore the latest copy from "
            f"{workspace / 'backups'} or from your IT backup"
        )
    return f"{workspace}: database error ({reason})"


def backup_database(database: Path, folder: Path, *, label: str) -> Path:
    """Copy a live SQLite database with SQLite's backup API (consistent even in WAL mode)."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = folder / f"{database.stem}-{stamp}-{label}.sqlite3"
    source = sqlite3.connect(database)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    # Rotate per kind, so a run of daily copies never pushes out the copy taken before a migration.
    kind = "daily" if label == "daily" else "before-*"
    for old in sorted(folder.glob(f"{database.stem}-*-{kind}.sqlite3"))[:-BACKUPS_KEPT]:
        old.unlink()
    return target


def _daily_backup(database: Path, folder: Path) -> None:
    """The first open of a day keeps a copy, so "restore from backups" always has something recent."""
    today = datetime.now(UTC).strftime("%Y%m%d")
    if any(folder.glob(f"{database.stem}-{today}-*-daily.sqlite3")):
        return
    try:
        backup_database(database, folder, label="daily")
    except (OSError, sqlite3.Error) as exc:  # a read-only folder must not stop the user reading
        log.warning("could not keep the daily backup of %s: %s", database, exc)


def is_network_path(path: Path) -> bool:
    """True for UNC paths, mapped network drives and network mounts, where SQLite is unsafe."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return True
    if os.name == "nt":
        import ctypes

        drive = os.path.splitdrive(os.path.abspath(text))[0] + "\\"
        return ctypes.windll.kernel32.GetDriveTypeW(drive) == 4  # DRIVE_REMOTE
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return False
    resolved = path.resolve()
    best, best_type = Path("/"), ""
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = Path(parts[1].replace("\\040", " "))  # /proc/mounts escapes spaces as \040
        if resolved.is_relative_to(mount_point) and len(mount_point.parts) >= len(best.parts):
            best, best_type = mount_point, parts[2]
    return best_type in {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "fuse.sshfs"}


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _check_sqlite_file(database: Path) -> None:
    if not database.is_file():
        raise WorkspaceError(f"{database}: the workspace database is missing; restore it from a backup")
    with database.open("rb") as handle:
        header = handle.read(len(_SQLITE_HEADER))
    if header != _SQLITE_HEADER:
        raise WorkspaceError(
            f"{database}: not a SQLite database (the file is damaged or was replaced); "
            f"restore the latest copy from {database.parent / 'backups'}"
        )


def _write_marker(path: Path) -> None:
    data = {"format": MARKER_FORMAT, "application": "QSI Desktop"}
    tmp = path / (MARKER_NAME + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path / MARKER_NAME)
