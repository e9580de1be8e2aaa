"""The users of a workspace and their roles (quality lead, modality lead, reader).

On SQLite the users are a small audited document in the workspace (``stored_tables`` "team"/"users"),
the login is the OS login, and roles are enforced by the services (:mod:`qsi_desktop.store.access`).
A SQLite workspace with no users allows everything, as it always did; the first user added must be
a quality lead, so nobody locks themselves out.

On PostgreSQL the users are login roles granted the workspace's group roles
(:mod:`qsi_desktop.store.pg_roles`): the server enforces them as well. The same document is kept
there too, so every change of a user is in the audit trail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import SQLAlchemyError

from qsi_desktop.services import stored_tables
from qsi_desktop.services.errors import UserError
from qsi_desktop.store import pg_roles
from qsi_desktop.store.access import MODALITY_LEAD, QUALITY_LEAD, READER, ROLES, PermissionRefused
from qsi_desktop.store.models import StoredTable
from qsi_desktop.store.workspace import USERS_KEY, USERS_NAMESPACE, Workspace

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@\-]{0,62}")


@dataclass(frozen=True)
class User:
    name: str
    role: str
    modalities: tuple[str, ...] = ()
    new_login: bool = False  # on a server: the login was created now and has no password yet

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "modalities": list(self.modalities)}


def parse_role(text: str) -> str:
    role = text.strip().lower().replace("_", "-").replace(" ", "-")
    if role not in ROLES:
        raise UserError(f"unknown role {text!r}; use {', '.join(ROLES)}")
    return role


def list_users(ws: Workspace) -> list[User]:
    """The users, quality leads first; on a server, as the server's roles say."""
    if ws.is_team:
        with ws.engine.connect() as connection:
            found = pg_roles.members(connection)
        users = [User(name, role, tuple(sorted(codes))) for name, (role, codes) in found.items()]
    else:
        users = [_from_entry(name, entry) for name, entry in _document(ws).items()]
    order = {QUALITY_LEAD: 0, MODALITY_LEAD: 1, READER: 2}
    return sorted(users, key=lambda u: (order.get(u.role, 3), u.name))


def add_user(
    ws: Workspace, name: str, role: str, modalities: Iterable[str] = (), *, known: Iterable[str], actor: str
) -> User:
    """Add ``name`` with ``role`` (or change their role); ``known``: the modality codes loaded."""
    user = _validated(name, role, modalities, known)
    with ws.transaction(actor) as session:
        users = _document_in(session.connection())
        if not users and not ws.is_team and user.role != QUALITY_LEAD:
            raise UserError(
                f"the first user must be a quality lead (likely you: qsi user add {ws.path} "
                f"{ws.access.login} --role quality-lead), or nobody could add the others"
            )
        if ws.is_team:
            _require_lead(ws)
            user = replace(user, new_login=_grant(session.connection(), user))
        users[user.name] = {"role": user.role, "modalities": list(user.modalities)}
        stored_tables.put_in(session, USERS_NAMESPACE, USERS_KEY, users, actor=actor)
    return user


def remove_user(ws: Workspace, name: str, *, actor: str) -> User:
    with ws.transaction(actor) as session:
        users = _document_in(session.connection())
        current = {u.name: u for u in list_users(ws)} if ws.is_team else {}
        if name not in users and name not in current:
            raise UserError(f"{name} is not a user of this workspace; 'qsi user list' shows them")
        removed = current.get(name) or _from_entry(name, users[name])
        if ws.is_team:
            _require_lead(ws)
            _revoke(session.connection(), name)
        users.pop(name, None)
        if not ws.is_team and users and not any(e.get("role") == QUALITY_LEAD for e in users.values()):
            raise UserError(f"{name} is the last quality lead; make someone else quality lead first")
        stored_tables.put_in(session, USERS_NAMESPACE, USERS_KEY, users or None, actor=actor)
    return removed


def _validated(name: str, role: str, modalities: Iterable[str], known: Iterable[str]) -> User:
    if not _NAME.fullmatch(name):
        raise UserError(f"{name!r}: a user name is a login name (letters, digits, _ . @ -; at most 63)")
    role = parse_role(role)
    codes = tuple(sorted({m.strip().upper() for m in modalities if m.strip()}))
    if role == MODALITY_LEAD:
        if not codes:
            raise UserError("a modality lead needs --modality (e.g. --modality CT)")
        unknown = sorted(set(codes) - set(known))
        if unknown:
            raise UserError(f"unknown modality {', '.join(unknown)}; loaded: {', '.join(sorted(known)) or 'none'}")
    elif codes:
        raise UserError(f"--modality is for modality leads; a {role.replace('-', ' ')} covers every modality")
    return User(name, role, codes)


def _require_lead(ws: Workspace) -> None:
    if ws.access.role != QUALITY_LEAD:
        raise PermissionRefused(f"{ws.access.login} may not change the users: that needs the quality lead role")


def _grant(connection: Connection, user: User) -> bool:
    """Grant the user's roles on the server (their login created if missing: True then)."""
    database = str(connection.exec_driver_sql("SELECT current_database()").scalar())
    q = lambda name: pg_roles.quote(connection, name)  # noqa: E731
    try:
        with connection.begin_nested():
            created = pg_roles.ensure_role(connection, user.name, login=True)
            _revoke(connection, user.name)
            connection.exec_driver_sql(f"GRANT {q(pg_roles.group_role(database, user.role))} TO {q(user.name)}")
            for code in user.modalities:
                pg_roles.ensure_role(connection, pg_roles.modality_role(database, code))
                connection.exec_driver_sql(f"GRANT {q(pg_roles.modality_role(database, code))} TO {q(user.name)}")
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise UserError(
            f"the server refused to set up {user.name} ({reason}): your login needs CREATEROLE, or IT creates the "
            "login first (see docs/FOR-IT.md)"
        ) from exc
    return created


def _revoke(connection: Connection, name: str) -> None:
    database = str(connection.exec_driver_sql("SELECT current_database()").scalar())
    granted = connection.exec_driver_sql(
        "SELECT g.rolname FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid "
        "JOIN pg_roles m ON m.oid = a.member WHERE m.rolname = %(name)s AND g.rolname LIKE %(prefix)s",
        {"name": name, "prefix": pg_roles.prefix(database) + "\\_%"},
    ).scalars()
    q = lambda role: pg_roles.quote(connection, role)  # noqa: E731
    for group in list(granted):
        connection.exec_driver_sql(f"REVOKE {q(group)} FROM {q(name)}")


def _document(ws: Workspace) -> dict[str, Any]:
    with ws.reading() as session:
        return _document_in(session.connection())


def _document_in(connection: Connection) -> dict[str, Any]:
    value = connection.execute(
        select(StoredTable.value).where(StoredTable.namespace == USERS_NAMESPACE, StoredTable.key == USERS_KEY)
    ).scalar()
    return dict(value) if isinstance(value, dict) else {}


def _from_entry(name: str, entry: Any) -> User:
    entry = entry if isinstance(entry, dict) else {}
    return User(name, str(entry.get("role") or READER), tuple(entry.get("modalities") or ()))
