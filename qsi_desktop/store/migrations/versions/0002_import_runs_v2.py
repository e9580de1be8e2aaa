"""plugin API 2: record shape versions, replace groups, run issues, undo; jsonb on PostgreSQL

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every JSON column: jsonb on PostgreSQL (SQLite has one JSON storage, nothing to change there).
JSON_COLUMNS = (
    ("service_profile", "sites"),
    ("service_profile", "modalities"),
    ("service_profile", "scope_flags"),
    ("imported_record", "data"),
    ("audit_log", "before"),
    ("audit_log", "after"),
)


def upgrade() -> None:
    with op.batch_alter_table("import_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replaced", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("undone_by", sa.Text(), nullable=False, server_default=""))

    with op.batch_alter_table("imported_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shape_version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("group_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("rank", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("current", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.create_index("ix_imported_record_group", ["importer", "group_key"], unique=False)
        batch_op.create_index("ix_imported_record_run", ["import_run_id"], unique=False)

    op.create_table(
        "import_issue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("file_number", sa.Integer(), nullable=True),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('rejected', 'skipped')", name=op.f("ck_import_issue_kind_known")),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["import_run.id"],
            name=op.f("fk_import_issue_import_run_id_import_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_issue")),
    )
    with op.batch_alter_table("import_issue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_issue_import_run_id"), ["import_run_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for table, column in JSON_COLUMNS:
            op.alter_column(
                table, column, type_=postgresql.JSONB(), postgresql_using=f'"{column}"::jsonb', existing_nullable=True
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in JSON_COLUMNS:
            op.alter_column(
                table, column, type_=sa.JSON(), postgresql_using=f'"{column}"::json', existing_nullable=True
            )

    with op.batch_alter_table("import_issue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_issue_import_run_id"))
    op.drop_table("import_issue")

    with op.batch_alter_table("imported_record", schema=None) as batch_op:
        batch_op.drop_index("ix_imported_record_run")
        batch_op.drop_index("ix_imported_record_group")
        batch_op.drop_column("current")
        batch_op.drop_column("rank")
        batch_op.drop_column("group_key")
        batch_op.drop_column("shape_version")

    with op.batch_alter_table("import_run", schema=None) as batch_op:
        batch_op.drop_column("undone_by")
        batch_op.drop_column("undone_at")
        batch_op.drop_column("finished_at")
        batch_op.drop_column("replaced")
