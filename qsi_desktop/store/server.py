"""Team workspaces: the PostgreSQL server a workspace marker names, and how to log in to it.

The marker holds the server's address without a user or a password: everyone opening the folder
logs in as themselves (``PGUSER``, else libpq's default, the OS login). The password comes from the
environment (``PGPASSWORD``) or ``~/.pgpass`` (libpq reads both), or from the OS keyring when the
``keyring`` package is installed; it is never written into the workspace folder.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass

from sqlalchemy import URL
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from qsi_desktop.errors import QsiError

DRIVER = "postgresql+psycopg"
KEYRING_SERVICE = "qsi-desktop"


class ServerAddressError(QsiError):
    """A database address that cannot be used; the message says why."""


@dataclass(frozen=True)
class ServerAddress:
    """A PostgreSQL database, without credentials: what the marker keeps."""

    url: URL

    @classmethod
    def parse(cls, text: str) -> tuple[ServerAddress, str | None]:
        """The address and the user named in it (``postgresql://USER@HOST[:PORT]/DB``), if any."""
        try:
            url = make_url(text.strip())
        except ArgumentError as exc:
            raise ServerAddressError(f"{text!r} is not a database address like postgresql://USER@HOST/DB") from exc
        if url.get_backend_name() not in ("postgresql", "postgres"):
            raise ServerAddressError(
                f"{url.get_backend_name()!r}: team workspaces need a PostgreSQL address (postgresql://USER@HOST/DB)"
            )
        if url.password is not None:
            # The address is written into the shared folder: a password in it would be readable by all.
            raise ServerAddressError(
                "put the password in PGPASSWORD, a .pgpass file or the OS keyring, not in the database address"
            )
        if not url.database:
            raise ServerAddressError("the database address names no database (postgresql://USER@HOST/DB)")
        bare = url._replace(drivername=DRIVER, username=None)  # URL.set() cannot clear a field
        return cls(bare), url.username

    @classmethod
    def from_marker(cls, text: str) -> ServerAddress:
        address, _ = cls.parse(text)
        return address

    def marker_text(self) -> str:
        return self.url.render_as_string(hide_password=False)

    def label(self) -> str:
        """host:port/database for messages (a socket folder for a local server)."""
        host = self.url.host or self.url.query.get("host") or "localhost"
        if isinstance(host, tuple):
            host = host[0]
        port = self.url.port or self.url.query.get("port") or 5432
        if isinstance(port, tuple):
            port = port[0]
        return f"{host}:{port}/{self.url.database}"

    @property
    def database(self) -> str:
        return str(self.url.database)

    def login_url(self, user: str | None = None) -> URL:
        """The address with the user who logs in: given, else ``PGUSER``, else the OS login."""
        return self.url.set(username=user or login_name())

    def keyring_password(self, user: str | None = None) -> str | None:
        """The password kept in the OS keyring for this user and server, when there is one."""
        if os.environ.get("PGPASSWORD"):
            return None  # the environment wins, as in libpq
        try:
            import keyring  # optional: only where the desktop has a keyring backend
        except ImportError:
            return None
        try:
            return keyring.get_password(KEYRING_SERVICE, f"{user or login_name()}@{self.label()}")
        except Exception:  # no usable backend (a headless session): fall back to libpq's sources
            return None


def login_name() -> str:
    """Who logs in to the server: ``PGUSER`` or the OS login (libpq's own default)."""
    try:
        return os.environ.get("PGUSER") or getpass.getuser()
    except Exception:  # no user name on some locked-down desktops
        return "unknown"


def describe_connection_error(reason: str, address: ServerAddress, user: str) -> str:
    """One line for a server that is down or refuses the login (libpq never echoes the password)."""
    lowered = reason.lower()
    where = address.label()
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return (
            f"{where}: the server refused the login of {user} (wrong or missing password); set PGPASSWORD, "
            "a .pgpass entry or the keyring entry, or ask IT"
        )
    if "does not exist" in lowered and "database" in lowered:
        return f"{where}: the database does not exist on the server; ask IT to create it (see docs/FOR-IT.md)"
    if "does not exist" in lowered and "role" in lowered:
        return f"{where}: the server has no login {user}; ask IT or a quality lead to add you ('qsi user add')"
    if "permission denied for database" in lowered:
        return f"{where}: {user} is not a user of this team workspace; ask a quality lead to add you ('qsi user add')"
    if "permission denied" in lowered or "not permitted" in lowered or "pg_hba" in lowered:
        return f"{where}: the server does not let {user} in ({reason}); ask IT or a quality lead"
    if (
        "timeout" in lowered
        or "could not connect" in lowered
        or "connection refused" in lowered
        or ("connection" in lowered and "failed" in lowered)
    ):
        return f"{where}: cannot reach the database server ({reason}); check the network or ask IT whether it is up"
    return f"{where}: database server error ({reason})"
