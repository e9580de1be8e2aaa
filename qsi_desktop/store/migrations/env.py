"""Alembic environment: always run by QSI Desktop with a connection passed in ``config.attributes``."""

from alembic import context

from qsi_desktop.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("QSI Desktop migrations run only through qsi_desktop.store.migrate")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite can only alter tables by copying them
        compare_type=True,
        transactional_ddl=True,  # SQLite and PostgreSQL both roll schema changes back on error
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
