"""A workspace is a folder: a marker file, a SQLite database, the evidence store and backups.

    MyService/
      qsi-workspace.json      marks the folder as a workspace (format version; a team workspace's server)
      workspace.sqlite3       the database (WAL mode: -wal and -shm files appear beside it)
      evidence/sha256/..      evidence files, content-addressed and write-once
      backups/                database copies taken before each migration

A team workspace keeps its database on a PostgreSQL server named in the marker (format 2, so an
older QSI Desktop refuses it instead of looking for a SQLite file); its folder, which may be on a
network share, holds the marker and the evidence files (write-once files are safe there).

Opening a workspace migrates its database to this version's schema after a backup copy (on the
server: in one transaction, by the database owner), and refuses a database written by a newer version.
"""

from __future__ import annotations

import contextlib
import getpass
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
from typing import Any

from sqlalchemy import Connection, Engine, inspect, select
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from qsi_desktop.errors import QsiError
from qsi_desktop.store import audit, migrate, pg_roles
from qsi_desktop.store.access import ACCESS, READER, TYPED_ACTOR, Access, ModalityMap
from qsi_desktop.store.engine import WRITE_OPTION, AuditedSession, make_engine, make_sessionmaker
from qsi_desktop.store.evidence_files import EvidenceFileStore
from qsi_desktop.store.models import ServiceProfile, Setting, StoredTable
from qsi_desktop.store.server import ServerAddress, describe_connection_error, login_name

log = logging.getLogger(__name__)

MARKER_NAME = "qsi-workspace.json"
DATABASE_NAME = "workspace.sqlite3"
MARKER_FORMAT = 1
TEAM_MARKER_FORMAT = 2  # the marker names a PostgreSQL server
USERS_NAMESPACE, USERS_KEY = "team", "users"  # stored_tables document of a SQLite workspace's users
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
    def __init__(self, path: Path, engine: Engine, server: ServerAddress | None = None) -> None:
        self.path = path
        self.engine = engine
        self.server = server  # None: the SQLite database in the folder
        # Which modality each plugin's ids belong to, for the roles; the App fills it from its plugins.
        self.modality_map = ModalityMap()
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
        with self._sessions() as session:
            self.access = self._access(session.connection())

    @property
    def is_team(self) -> bool:
        """True when the database is on a PostgreSQL server (no SQLite network-drive caveat)."""
        return self.server is not None

    def _access(self, connection: Connection) -> Access:
        """The logged-in user's role: PostgreSQL roles on a server, the users document on SQLite."""
        if self.server is not None:
            login, role, modalities = pg_roles.role_of(connection)
            return Access(login, role or READER, modalities, self.modality_map)
        row = connection.execute(
            select(StoredTable.value).where(StoredTable.namespace == USERS_NAMESPACE, StoredTable.key == USERS_KEY)
        ).first()
        users: dict[str, Any] = row[0] if row is not None and isinstance(row[0], dict) else {}
        login = _os_login()
        if not users:
            return Access(login)  # no users: one user, everything allowed, as always
        entry = users.get(login) or {}
        return Access(
            login, str(entry.get("role") or READER), frozenset(entry.get("modalities") or ()), self.modality_map
        )

    def use_modality_map(self, modality_map: ModalityMap) -> None:
        self.modality_map = modality_map
        self.access = Access(self.access.login, self.access.role, self.access.modalities, modality_map)

    # -- life cycle ------------------------------------------------------------------------------

    @classmethod
    def create(
        cls, path: Path | str, profile: NewProfile, *, framework_id: str, actor: str, database: str | None = None
    ) -> Workspace:
        """A new workspace in the empty (or new) folder ``path``; with ``database`` (a PostgreSQL
        address), a team workspace whose database is that empty database on the server."""
        path = Path(path).expanduser().absolute()
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise WorkspaceError(f"{path}: already exists and is not an empty folder; choose a new folder")
        server: ServerAddress | None = None
        if database is not None:
            server, user = ServerAddress.parse(database)
            engine_for_server = server_engine(path, server, user)
        created = not path.exists()
        engine: Engine | None = None
        try:
            path.mkdir(parents=True, exist_ok=True)
            (path / "evidence").mkdir()
            (path / "backups").mkdir()
            if server is None:
                engine = make_engine(sqlite_url(path / DATABASE_NAME))
                migrate.upgrade(engine)
            else:
                engine = engine_for_server
                refuse_used_database(engine, path, server)
                modalities = tuple(sorted(set(profile.modalities)))
                migrate.upgrade(engine, after=lambda connection: pg_roles.set_up(connection, modalities))
            sessions = make_sessionmaker(engine)
            with sessions.begin() as session:
                if server is not None:  # the audit trail names the login, never a typed name
                    actor = str(session.connection().exec_driver_sql("SELECT current_user").scalar())
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
            write_marker(path, server)  # last: a folder without the marker is never mistaken for a workspace
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
        return cls(path, engine, server)

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
        if fmt > TEAM_MARKER_FORMAT or (fmt > MARKER_FORMAT and not isinstance(meta.get("database"), str)):
            raise WorkspaceError(f"{path}: made by a newer version of QSI Desktop (format {fmt}); update QSI Desktop")
        if isinstance(meta.get("database"), str):
            try:
                server = ServerAddress.from_marker(meta["database"])
            except QsiError as exc:
                raise WorkspaceError(f"{marker}: {exc}") from exc
            return cls._open_team(path, server)
        database = path / DATABASE_NAME
        _check_sqlite_file(database)
        engine = make_engine(sqlite_url(database))
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

    @classmethod
    def _open_team(cls, path: Path, server: ServerAddress) -> Workspace:
        engine = server_engine(path, server)
        try:
            current, head = migrate.needs_upgrade(engine)
            if current is None:
                raise WorkspaceError(f"{path}: the database {server.label()} holds no QSI workspace")
            if current != head:
                modalities = profile_modalities(engine)
                migrate.upgrade(engine, after=lambda connection: pg_roles.set_up(connection, modalities))
            return cls(path, engine, server)
        except migrate.NewerDatabaseError as exc:
            engine.dispose()
            raise WorkspaceError(f"{server.label()}: {exc}") from exc
        except SQLAlchemyError as exc:
            engine.dispose()
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            if "must be owner" in reason or ("permission denied" in reason and current != head):
                raise WorkspaceError(
                    f"{path}: the database {server.label()} needs upgrading to this version of QSI Desktop and "
                    "only its owner may do that; ask the quality lead who created it to open it once"
                ) from exc
            if "permission denied" in reason:
                raise WorkspaceError(
                    f"{path}: {login_name()} is not a user of this team workspace ({reason}); ask a quality lead "
                    "to add you ('qsi user add')"
                ) from exc
            raise WorkspaceError(describe_database_error(exc, path)) from exc
        except BaseException:
            engine.dispose()
            raise

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
                connection = session.connection(execution_options={WRITE_OPTION: True})
                # The choke point of the roles: who is writing is read again inside the write lock
                # (a user removed meanwhile is refused), and every flush is checked against it.
                access = self.access = self._access(connection)
                session.info[ACCESS] = access
                session.info["actor"] = access.audit_name(actor, _default_names())
                session.info[TYPED_ACTOR] = actor
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
        return Path(self.engine.url.database or "") if self.server is None else Path()

    @property
    def location(self) -> str:
        """Where the database is, for messages: the SQLite file or the server's host:port/database."""
        return str(self.database_path) if self.server is None else self.server.label()


def _os_login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name on some locked-down desktops
        return "unknown"


def _default_names() -> set[str]:
    """Names a caller passes as the actor when nobody typed one (the OS login): they mean the login."""
    return {_os_login(), "unknown"}


def server_engine(path: Path, server: ServerAddress, user: str | None = None) -> Engine:
    """An engine logged in to the server, checked with one query: a server that is down or refuses
    the login is one line naming the server (the password is never part of any message)."""
    login = user or login_name()
    engine = make_engine(server.login_url(user), password=server.keyring_password(user))
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except OperationalError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise WorkspaceError(f"{path}: {describe_connection_error(reason, server, login)}") from exc
    except ImportError as exc:  # the team extra (psycopg) is not installed
        engine.dispose()
        raise WorkspaceError(
            f"{path}: team workspaces need the PostgreSQL driver: pip install 'qsi-desktop[team]' ({exc})"
        ) from exc
    return engine


def refuse_used_database(engine: Engine, path: Path, server: ServerAddress) -> None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("setting"):
            if inspect(connection).get_table_names():
                raise WorkspaceError(f"{server.label()}: the database is not empty; ask IT for a new, empty database")
            return
        if connection.execute(select(Setting.value).where(Setting.key == "workspace_id")).first():
            raise WorkspaceError(
                f"{server.label()}: the database already holds a QSI workspace; use a new, empty database"
            )


def profile_modalities(engine: Engine) -> tuple[str, ...]:
    with engine.connect() as connection:
        if not inspect(connection).has_table("service_profile"):
            return ()
        rows = connection.execute(select(ServiceProfile.modalities)).scalars().all()
    return tuple(sorted({str(code) for codes in rows for code in (codes or ())}))


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
    if "could not connect" in lowered or "server closed the connection" in lowered or "connection refused" in lowered:
        return f"{workspace}: lost the connection to the database server ({reason}); check the network and try again"
    if "locked" in lowered or "busy" in lowered or "lock timeout" in lowered:
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


def sqlite_url(path: Path) -> str:
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


def write_marker(path: Path, server: ServerAddress | None = None) -> None:
    data: dict[str, Any] = {"format": MARKER_FORMAT, "application": "QSI Desktop"}
    if server is not None:
        data.update(format=TEAM_MARKER_FORMAT, database=server.marker_text())
    tmp = path / (MARKER_NAME + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path / MARKER_NAME)
