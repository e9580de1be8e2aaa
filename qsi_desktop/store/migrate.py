"""Alembic migrations, located from the package (never the working directory).

``upgrade`` brings a database to the head revision; a database stamped with a revision this
version does not know was written by a newer QSI Desktop and is refused.
"""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine


class NewerDatabaseError(RuntimeError):
    """The database was migrated by a newer QSI Desktop than this one."""


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("qsi_desktop.store") / "migrations"))
    return config


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:  # two heads means a merge was forgotten; never ship that
        raise RuntimeError(f"migrations have {len(heads)} heads: {heads}")
    return heads[0]


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def needs_upgrade(engine: Engine) -> tuple[str | None, str]:
    """(current, head); raises NewerDatabaseError for an unknown (newer) revision."""
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


def upgrade(engine: Engine) -> None:
    """Migrate to head in one transaction: on any error nothing of the migration remains."""
    config = alembic_config()
    with engine.connect().execution_options(qsi_write=True) as connection, connection.begin():
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
