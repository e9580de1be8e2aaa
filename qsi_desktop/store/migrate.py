"""Alembic migrations, located from the package (never the working directory).

``upgrade`` brings a database to the head revision; a database stamped with a revision this
version does not know was written by a newer QSI Desktop and is refused.

Opening a workspace that is already current does not import Alembic (a tenth of a second of the
window's start): the head is read from the revision files' ``revision``/``down_revision`` lines and
the database's revision with one query; anything else goes through Alembic.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

_REVISION_LINE = re.compile(r"^(revision|down_revision)\b[^=]*=\s*(?:None|[\"']([^\"']+)[\"'])", re.MULTILINE)


class NewerDatabaseError(RuntimeError):
    """The database was migrated by a newer QSI Desktop than this one."""


def migrations_folder() -> Path:
    """Where the migration scripts are: inside the package."""
    return Path(str(resources.files("qsi_desktop.store") / "migrations"))


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_folder()))
    return config


def quick_head_revision() -> str | None:
    """The head read from the revision files without Alembic; None when they are not simple to read."""
    return _quick_head(migrations_folder() / "versions")


@cache
def _quick_head(versions: Path) -> str | None:
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        if path.name.startswith("_"):
            continue
        found = {name: value for name, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8"))}
        if "revision" not in found or "down_revision" not in found or not found["revision"]:
            return None
        revisions.add(found["revision"])
        if found["down_revision"]:
            downs.add(found["down_revision"])
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 else None


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:  # two heads means a merge was forgotten; never ship that
        raise RuntimeError(f"migrations have {len(heads)} heads: {heads}")
    return heads[0]


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _quick_current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows[0] if len(rows) == 1 else None


def needs_upgrade(engine: Engine) -> tuple[str | None, str]:
    """(current, head); raises NewerDatabaseError for an unknown (newer) revision."""
    quick_head = quick_head_revision()
    if quick_head is not None:
        with engine.connect() as connection:
            if _quick_current_revision(connection) == quick_head:
                return quick_head, quick_head  # current: no need for Alembic
    from alembic.script import ScriptDirectory

    head = head_revision()
    with engine.connect() as connection:
        current = current_revision(connection)
    if current is not None and current != head:
        known = {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
        if current not in known:
            raise NewerDatabaseError(
                f"the database is at revision {current}, which this version of QSI Desktop does not know: "
                "it was written by a newer version. Open it with that version or newer."
            )
    return current, head


def upgrade(engine: Engine, after: Callable[[Connection], None] | None = None) -> None:
    """Migrate to head in one transaction: on any error nothing of the migration remains.

    ``after`` runs in the same transaction (a team workspace's grants, which follow the tables)."""
    from alembic import command

    config = alembic_config()
    with engine.connect().execution_options(qsi_write=True) as connection, connection.begin():
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        if after is not None:
            after(connection)
